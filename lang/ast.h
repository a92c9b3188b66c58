// The syntax tree. Every node keeps its source range so that the checker, the
// planner and the runtime can point at the script when something is wrong.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace genre::lang {

struct Pos {
  int line = 1, col = 1;  // 1-based; col counts bytes (the caret printer handles UTF-8)
  size_t offset = 0;
};
struct Range {
  Pos begin, end;  // end is one past the last byte
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Arg {
  std::string name;  // "" for a positional argument
  Range name_range;
  ExprPtr value;
};

struct Field {  // record field `name: value`
  std::string name;
  Range name_range;
  ExprPtr value;
};

struct Binding {  // `for x in [...]`
  std::string name;
  Range name_range;
  ExprPtr values;
};

struct Expr {
  enum class Kind {
    Number,   // number (+ unit): 30s, 70%, 22050Hz, 0.5
    String,   // "text"
    Bool,     // true / false
    Name,     // identifier
    List,     // [a, b]
    Record,   // { a: 1, b: 2 }
    Call,     // f(args) { block }  -- also `classifier { ... }` (no parens: has_parens false)
    Member,   // x.train
    Pipe,     // lhs |> rhs  (rhs is a Call or Name; lhs becomes its first positional argument)
    With,     // lhs with { record }
    For,      // for x in [...], y in [...]: body
    Binary,   // a op b: + - * / == != < <= > >= in and or
    Unary,    // -a, not a
    Arrow,    // target <- value: an item of a mapping block, merge { house <- ["deep house"] } (lhs target, rhs value)
  };
  Kind kind;
  Range range;

  double number = 0;      // Number: value in canonical units (70% -> 0.7, 250ms -> 0.25)
  std::string unit;       // Number: "", "s", "Hz", "%" (as written: "ms" is stored as "s")
  std::string text;       // String: value (escapes resolved); Name / Member: identifier; Binary/Unary: operator; Call: callee;
                          // Arrow: the target's name or text
  bool boolean = false;   // Bool

  std::vector<ExprPtr> items;    // List items; Call block items
  std::vector<Field> fields;     // Record
  std::vector<Arg> args;         // Call
  bool has_parens = false;       // Call: written with (...)
  bool has_block = false;        // Call: written with { ... }
  Range callee_range;            // Call: the callee name
  ExprPtr lhs, rhs;              // Member (lhs), Pipe, With (rhs is a Record), Binary, Unary (lhs), For (lhs = body), Arrow
  std::vector<Binding> bindings; // For
};

struct Definition {
  std::string kind;  // dataset genres features split model train ensemble report analysis let ...
  std::string name;
  std::string file;  // the file it is written in: the script's, or a `use`d module's
  Range kind_range, name_range, range;
  ExprPtr value;
};

struct Use {
  std::string module;  // "std.features"
  Range range;
};

struct Script {
  std::string file;    // path as given
  std::string source;  // the full text (diagnostics quote it)
  std::vector<Use> uses;
  std::vector<Definition> defs;  // in source order; `use`d modules' definitions come first
  std::map<std::string, std::string> sources;  // every file read (script and modules) -> its text
};

}  // namespace genre::lang
