// The actions that turn grammar matches into the syntax tree, the control that
// turns a failed must<> into a message, and the item loop that resumes after
// an error so that one run reports several.
//
// How the tree is built: rules push Items on a stack; a composite rule's action
// takes the items its sub-rules pushed (everything above the stack height at
// its start, kept in `marks`). When a rule fails, the control truncates the
// stack back to that height, so backtracking never leaves stray items.
#include "lang/parser.h"

#include <charconv>
#include <algorithm>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lang/grammar.h"

namespace genre::lang {

namespace p = tao::pegtl;
using namespace peg;

namespace {

struct Item {
  enum Tag { Expr, Name, Op, Arg, Args, Block, Binding } tag = Expr;
  ExprPtr expr;
  std::string text;
  Range range;
  std::vector<lang::Arg> args;  // Args
  std::vector<ExprPtr> items;   // Block
};

struct Open {  // an unclosed bracket, for "expected ')' to close the call to 'csv' (opened at line 3)"
  std::string what;
  int line;
  char close;
  std::string callee = "";  // a block's op: what `<-` expects inside it depends on it
};

struct State {
  std::string file;
  const std::string* source;
  Script* script;
  std::vector<Item> stack;
  std::vector<std::pair<size_t, size_t>> marks;  // stack and opens heights at each rule's start
  std::vector<Open> opens;
  std::string kind, name;  // the definition being read
  Range kind_range, name_range;
  int depth = 0;  // operands and `not`s open (see control::start)
};

// Brackets, unary minus and `not` nest by recursion: here, in the checker, the
// planner and the formatter. Deeper than this is a script error, long before
// any of them could run out of stack (~11 KB of it a level here; threads have 8 MB).
constexpr int max_depth = 256;

struct SyntaxError {
  std::string message, hint;
  size_t byte;
  int line, col;
};

template <typename In>
Range range_of(const In& in) {
  const auto& it = in.iterator();
  Range r;
  r.begin = {int(it.line), int(it.column), it.byte};
  int line = int(it.line), col = int(it.column);
  for (const char* c = in.begin(); c != in.end(); ++c) {
    if (*c == '\n') { ++line; col = 1; } else ++col;
  }
  r.end = {line, col, it.byte + in.size()};
  return r;
}

Range span(const Range& a, const Range& b) { return {a.begin, b.end}; }

ExprPtr make(Expr::Kind k, Range r) {
  auto e = std::make_unique<Expr>();
  e->kind = k;
  e->range = r;
  return e;
}

Item pop(State& s) {
  Item it = std::move(s.stack.back());
  s.stack.pop_back();
  return it;
}
ExprPtr pop_expr(State& s) { return pop(s).expr; }

// Items pushed since the current rule started.
std::vector<Item> take(State& s) {
  size_t m = s.marks.back().first;
  std::vector<Item> out;
  for (size_t i = m; i < s.stack.size(); ++i) out.push_back(std::move(s.stack[i]));
  s.stack.resize(m);
  return out;
}

void push(State& s, ExprPtr e) {
  Item it;
  it.tag = Item::Expr;
  it.expr = std::move(e);
  s.stack.push_back(std::move(it));
}
void push_name(State& s, Item::Tag tag, std::string text, Range r) {
  Item it;
  it.tag = tag;
  it.text = std::move(text);
  it.range = r;
  s.stack.push_back(std::move(it));
}

// The callee of the call being read: the top item, or the one under its arguments.
std::string current_callee(const State& s) {
  for (auto it = s.stack.rbegin(); it != s.stack.rend(); ++it)
    if (it->tag == Item::Name) return it->text;
  return "?";
}

std::string unescape(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) { out += raw[i]; continue; }
    char c = raw[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
  }
  return out;
}

template <typename R>
struct action : p::nothing<R> {};

template <>
struct action<number> {
  template <typename In>
  static void apply(const In& in, State& s) {
    std::string t = in.string();
    size_t end = t.find_last_of("0123456789") + 1;
    double v = 0;
    std::from_chars(t.data(), t.data() + end, v);
    std::string u = t.substr(end);
    auto e = make(Expr::Kind::Number, range_of(in));
    if (u == "ms") { v /= 1000; u = "s"; }
    else if (u == "kHz") { v *= 1000; u = "Hz"; }
    else if (u == "%") v /= 100;
    e->number = v;
    e->unit = u;
    push(s, std::move(e));
  }
};

template <>
struct action<string_lit> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::String, range_of(in));
    std::string_view raw(in.begin() + 1, in.size() - 2);
    e->text = unescape(raw);
    push(s, std::move(e));
  }
};

template <>
struct action<bool_lit> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::Bool, range_of(in));
    e->boolean = in.string() == "true";
    push(s, std::move(e));
  }
};

template <>
struct action<name_ref> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::Name, range_of(in));
    e->text = in.string();
    push(s, std::move(e));
  }
};

// ---- brackets: remember what is open, for the closing messages
template <>
struct action<list_open> {
  template <typename In>
  static void apply(const In& in, State& s) { s.opens.push_back({"the list", int(in.iterator().line), ']'}); }
};
template <>
struct action<record_open> {
  template <typename In>
  static void apply(const In& in, State& s) { s.opens.push_back({"the record", int(in.iterator().line), '}'}); }
};
template <>
struct action<call_open> {
  template <typename In>
  static void apply(const In& in, State& s) {
    s.opens.push_back({"the call to '" + current_callee(s) + "'", int(in.iterator().line), ')'});
  }
};
template <>
struct action<block_open> {
  template <typename In>
  static void apply(const In& in, State& s) {
    s.opens.push_back({"the block of '" + current_callee(s) + "'", int(in.iterator().line), '}', current_callee(s)});
  }
};
template <>
struct action<paren_open> {
  template <typename In>
  static void apply(const In& in, State& s) { s.opens.push_back({"'('", int(in.iterator().line), ')'}); }
};
template <>
struct action<paren> {
  template <typename In>
  static void apply(const In&, State& s) { s.opens.pop_back(); }
};

template <>
struct action<list> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::List, range_of(in));
    for (auto& it : take(s)) e->items.push_back(std::move(it.expr));
    s.opens.pop_back();
    push(s, std::move(e));
  }
};

template <>
struct action<field_name> {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Arg, in.string(), range_of(in)); }
};
template <>
struct action<field> {
  template <typename In>
  static void apply(const In&, State& s) {
    ExprPtr v = pop_expr(s);
    s.stack.back().expr = std::move(v);  // the name item becomes the field
  }
};
template <>
struct action<record> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::Record, range_of(in));
    for (auto& it : take(s)) e->fields.push_back({it.text, it.range, std::move(it.expr)});
    s.opens.pop_back();
    push(s, std::move(e));
  }
};
template <>
struct action<with_record> : action<record> {};

// ---- calls
template <>
struct action<callee> {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Name, in.string(), range_of(in)); }
};
template <>
struct action<arg_name> {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Arg, in.string(), range_of(in)); }
};
template <>
struct action<named_arg> : action<field> {};
template <>
struct action<call_args> {
  template <typename In>
  static void apply(const In&, State& s) {
    Item args;
    args.tag = Item::Args;
    for (auto& it : take(s)) {
      lang::Arg a;
      if (it.tag == Item::Arg) { a.name = it.text; a.name_range = it.range; }
      a.value = std::move(it.expr);
      args.args.push_back(std::move(a));
    }
    s.opens.pop_back();
    s.stack.push_back(std::move(args));
  }
};
template <>
struct action<block> {
  template <typename In>
  static void apply(const In&, State& s) {
    Item b;
    b.tag = Item::Block;
    for (auto& it : take(s)) b.items.push_back(std::move(it.expr));
    s.opens.pop_back();
    s.stack.push_back(std::move(b));
  }
};
template <>
struct action<call> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto parts = take(s);
    auto e = make(Expr::Kind::Call, range_of(in));
    e->text = parts[0].text;
    e->callee_range = parts[0].range;
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].tag == Item::Args) { e->has_parens = true; e->args = std::move(parts[i].args); }
      if (parts[i].tag == Item::Block) { e->has_block = true; e->items = std::move(parts[i].items); }
    }
    push(s, std::move(e));
  }
};

// ---- postfix and operators: combine with the expression already on the stack
template <>
struct action<member_name> {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Name, in.string(), range_of(in)); }
};
template <>
struct action<member> {
  template <typename In>
  static void apply(const In&, State& s) {
    Item n = pop(s);
    ExprPtr lhs = pop_expr(s);
    auto e = make(Expr::Kind::Member, span(lhs->range, n.range));
    e->text = n.text;
    e->lhs = std::move(lhs);
    push(s, std::move(e));
  }
};
template <>
struct action<with_op> {
  template <typename In>
  static void apply(const In&, State& s) {
    ExprPtr rec = pop_expr(s);
    ExprPtr lhs = pop_expr(s);
    auto e = make(Expr::Kind::With, span(lhs->range, rec->range));
    e->lhs = std::move(lhs);
    e->rhs = std::move(rec);
    push(s, std::move(e));
  }
};
template <>
struct action<neg> {
  template <typename In>
  static void apply(const In& in, State& s) {
    ExprPtr x = pop_expr(s);
    if (x->kind == Expr::Kind::Number) {  // -1 is a number, not an operation
      x->number = -x->number;
      x->range = range_of(in);
      push(s, std::move(x));
      return;
    }
    auto e = make(Expr::Kind::Unary, range_of(in));
    e->text = "-";
    e->lhs = std::move(x);
    push(s, std::move(e));
  }
};
template <>
struct action<not_op> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::Unary, range_of(in));
    e->text = "not";
    e->lhs = pop_expr(s);
    push(s, std::move(e));
  }
};

struct push_op {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Op, in.string(), range_of(in)); }
};
template <> struct action<mul_op> : push_op {};
template <> struct action<add_op> : push_op {};
template <> struct action<cmp_op> : push_op {};

// lhs op rhs on the stack -> Binary
struct binary_with_op {
  template <typename In>
  static void apply(const In&, State& s) {
    ExprPtr rhs = pop_expr(s);
    std::string op = pop(s).text;
    ExprPtr lhs = pop_expr(s);
    auto e = make(Expr::Kind::Binary, span(lhs->range, rhs->range));
    e->text = op;
    e->lhs = std::move(lhs);
    e->rhs = std::move(rhs);
    push(s, std::move(e));
  }
};
template <> struct action<mul_tail> : binary_with_op {};
template <> struct action<add_tail> : binary_with_op {};
template <> struct action<cmp_tail> : binary_with_op {};

template <Expr::Kind K, const char* Op>
struct combine {
  template <typename In>
  static void apply(const In&, State& s) {
    ExprPtr rhs = pop_expr(s);
    ExprPtr lhs = pop_expr(s);
    auto e = make(K, span(lhs->range, rhs->range));
    e->text = Op;
    e->lhs = std::move(lhs);
    e->rhs = std::move(rhs);
    push(s, std::move(e));
  }
};
constexpr char and_text[] = "and", or_text[] = "or", pipe_text[] = "|>";
template <> struct action<and_tail> : combine<Expr::Kind::Binary, and_text> {};
template <> struct action<or_tail> : combine<Expr::Kind::Binary, or_text> {};
template <> struct action<pipe_tail> : combine<Expr::Kind::Pipe, pipe_text> {};

// ---- for
template <>
struct action<binding_name> {
  template <typename In>
  static void apply(const In& in, State& s) { push_name(s, Item::Binding, in.string(), range_of(in)); }
};
template <>
struct action<binding> {
  template <typename In>
  static void apply(const In&, State& s) {
    ExprPtr v = pop_expr(s);
    s.stack.back().expr = std::move(v);
  }
};
template <>
struct action<for_expr> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto parts = take(s);
    auto e = make(Expr::Kind::For, range_of(in));
    e->lhs = std::move(parts.back().expr);
    parts.pop_back();
    for (auto& b : parts) e->bindings.push_back({b.text, b.range, std::move(b.expr)});
    push(s, std::move(e));
  }
};

// ---- mapping blocks: target <- value; `programs 0..7, 24` is the list of ranges [[0, 7], [24, 24]]
template <>
struct action<prog_range> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto parts = take(s);
    auto e = make(Expr::Kind::List, range_of(in));
    for (auto& p : parts) e->items.push_back(std::move(p.expr));
    if (e->items.size() == 1) {  // one program: the range from it to itself
      auto last = make(Expr::Kind::Number, e->items[0]->range);
      last->number = e->items[0]->number;
      last->unit = e->items[0]->unit;
      e->items.push_back(std::move(last));
    }
    push(s, std::move(e));
  }
};
template <>
struct action<programs> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto e = make(Expr::Kind::List, range_of(in));
    for (auto& p : take(s)) e->items.push_back(std::move(p.expr));
    push(s, std::move(e));
  }
};
template <>
struct action<arrow> {
  template <typename In>
  static void apply(const In& in, State& s) {
    auto parts = take(s);
    auto e = make(Expr::Kind::Arrow, range_of(in));
    e->text = parts[0].expr->text;
    e->lhs = std::move(parts[0].expr);
    e->rhs = std::move(parts[1].expr);
    push(s, std::move(e));
  }
};

// ---- top level
template <>
struct action<module_path> {
  template <typename In>
  static void apply(const In& in, State& s) { s.script->uses.push_back({in.string(), range_of(in)}); }
};
template <>
struct action<def_kind> {
  template <typename In>
  static void apply(const In& in, State& s) {
    s.kind = in.string();
    s.kind_range = range_of(in);
    s.name.clear();
  }
};
template <>
struct action<def_name> {
  template <typename In>
  static void apply(const In& in, State& s) {
    s.name = in.string();
    s.name_range = range_of(in);
  }
};
template <>
struct action<def_value> {
  template <typename In>
  static void apply(const In&, State& s) {
    Definition d;
    d.kind = s.kind;
    d.name = s.name;
    d.file = s.file;
    d.kind_range = s.kind_range;
    d.name_range = s.name_range;
    d.value = pop_expr(s);
    d.range = span(s.kind_range, d.value->range);
    s.script->defs.push_back(std::move(d));
  }
};

// ---- messages
size_t token_length(const std::string& src, size_t at) {
  if (at >= src.size()) return 0;
  auto word = [](unsigned char c) { return std::isalnum(c) || c == '_'; };
  size_t n = 0;
  while (at + n < src.size() && word(src[at + n])) ++n;
  if (n) return n;
  if (src[at] == '\n' || src[at] == '\r') return 0;
  n = 1;  // one character, UTF-8 included
  while (at + n < src.size() && (static_cast<unsigned char>(src[at + n]) & 0xC0) == 0x80) ++n;
  return n;
}

int line_of(const std::string& src, size_t at) {
  int line = 1;
  for (size_t i = 0; i < at && i < src.size(); ++i) line += src[i] == '\n';
  return line;
}

bool starts_line(const std::string& src, size_t at) {
  while (at > 0 && (src[at - 1] == ' ' || src[at - 1] == '\t')) --at;
  return at == 0 || src[at - 1] == '\n';
}

std::string fill(std::string msg, const State& s, const std::string& token) {
  auto put = [&](const std::string& key, const std::string& v) {
    for (size_t at; (at = msg.find(key)) != std::string::npos;) msg.replace(at, key.size(), v);
  };
  std::string open = "the bracket";
  if (!s.opens.empty())
    open = s.opens.back().what + " (opened at line " + std::to_string(s.opens.back().line) + ")";
  put("{kind}", s.kind);
  put("{name}", s.name);
  put("{open}", open);
  put("{token}", token);
  // What `<-` takes depends on the block: merge maps genres, map maps programs.
  std::string callee = s.opens.empty() ? "" : s.opens.back().callee;
  put("{arrow}", callee == "merge" ? "a list of genres" : callee == "map" ? "percussion or programs" : "a value");
  return msg;
}

template <typename Rule>
struct control : p::normal<Rule> {
  // Every level of nesting passes through an operand, or the operand of a `not`.
  static constexpr bool nests = std::is_same_v<Rule, operand> || std::is_same_v<Rule, not_rhs>;

  template <typename In>
  static void start(const In& in, State& s) {
    if constexpr (nests)
      if (++s.depth > max_depth) {
        const auto& it = in.iterator();
        throw SyntaxError{"the expression nests deeper than " + std::to_string(max_depth) +
                              " levels of brackets, '-' or 'not'",
                          "name the inner parts with `let` definitions", it.byte, int(it.line), int(it.column)};
      }
    s.marks.emplace_back(s.stack.size(), s.opens.size());
  }
  template <typename In>
  static void success(const In&, State& s) {
    if constexpr (nests) --s.depth;
    s.marks.pop_back();
  }
  template <typename In>
  static void failure(const In&, State& s) {
    if constexpr (nests) --s.depth;
    auto [stack, opens] = s.marks.back();
    s.marks.pop_back();
    s.stack.resize(stack);
    s.opens.resize(opens);
  }

  template <typename In>
  [[noreturn]] static void raise(const In& in, State& s) {
    const auto& it = in.iterator();
    const std::string& src = *s.source;
    std::string token = src.substr(it.byte, token_length(src, it.byte));
    if (token.empty()) token = it.byte >= src.size() ? "end of file" : "end of line";
    std::string msg = "syntax error";
    std::string hint;
    if constexpr (requires { Rule::error; }) msg = Rule::error;
    if constexpr (std::is_same_v<Rule, keyword_as_name>) {
      hint = "keywords cannot be names:";
      for (auto& k : keywords()) hint += " " + k;
      // A definition keyword at the start of a line while a bracket is open:
      // the bracket was never closed.
      if (!s.opens.empty() && starts_line(src, it.byte)) {
        msg = std::string("expected '") + s.opens.back().close + "' to close {open}";
        hint = "";
      }
      // A definition keyword starting a line where an expression was due
      // (`let x =` or `let x = 1 +` and then the next definition): the
      // expression is missing, said once, right after what wanted it.
      const auto& kinds = definition_kinds();
      if (s.opens.empty() && starts_line(src, it.byte) && std::find(kinds.begin(), kinds.end(), token) != kinds.end()) {
        size_t end = it.byte;
        for (;;) {  // back over whitespace and comments to the end of the last token
          while (end > 0 && std::isspace(static_cast<unsigned char>(src[end - 1]))) --end;
          size_t ls = end == 0 ? 0 : src.rfind('\n', end - 1);
          ls = ls == std::string::npos ? 0 : ls + 1;
          size_t hash = std::string::npos;
          bool quoted = false;
          for (size_t i = ls; i < end && hash == std::string::npos; ++i) {
            if (src[i] == '"' && (i == ls || src[i - 1] != '\\')) quoted = !quoted;
            if (src[i] == '#' && !quoted) hash = i;
          }
          if (hash == std::string::npos) break;
          end = hash;
        }
        size_t from = end;
        while (from > 0 && std::strchr("=+-*/<>!,|&", src[from - 1])) --from;
        std::string prev = src.substr(from, end - from);
        msg = prev == "=" ? "expected an expression after '=' in the definition of '{name}'"
                          : "expected an expression after '" + prev + "'";
        size_t line_start = src.rfind('\n', end == 0 ? 0 : end - 1);
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        throw SyntaxError{fill(msg, s, token), "", end, line_of(src, end), int(end - line_start) + 1};
      }
    }
    if constexpr (std::is_same_v<Rule, def_end>)
      hint = "a definition ends where the next line starts with a keyword; is an operator or a ',' missing?";
    if constexpr (std::is_same_v<Rule, arrow_value>) {
      std::string callee = s.opens.empty() ? "" : s.opens.back().callee;
      if (callee == "merge") hint = "like `house <- [\"deep house\", \"hard house\"]`";
      if (callee == "map") hint = "like `drums <- percussion` or `piano <- programs 0..7, 24`";
    }
    if constexpr (std::is_same_v<Rule, string_close>)
      hint = "write \\\" for a quote inside a string";
    throw SyntaxError{fill(msg, s, token), hint, it.byte, int(it.line), int(it.column)};
  }
};

// The next line at or after `from` that starts a definition or a `use`.
size_t next_item(const std::string& src, size_t from) {
  size_t at = src.find('\n', from);
  while (at != std::string::npos) {
    size_t line = at + 1, i = line;
    while (i < src.size() && (src[i] == ' ' || src[i] == '\t')) ++i;
    size_t w = i;
    while (w < src.size() && (std::isalnum(static_cast<unsigned char>(src[w])) || src[w] == '_')) ++w;
    std::string word = src.substr(i, w - i);
    bool kind = word == "use";
    for (auto& k : definition_kinds()) kind = kind || word == k;
    if (kind && w < src.size() && (src[w] == ' ' || src[w] == '\t')) return line;
    at = src.find('\n', line);
  }
  return src.size();
}

// Just after the last character that is not whitespace or a comment.
size_t end_of_code(const std::string& src) {
  size_t end = 0, i = 0;
  bool in_string = false;
  while (i < src.size()) {
    char c = src[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"' || c == '\n') in_string = false;
      if (c != '\n') end = i + 1;
    } else if (c == '#') {
      while (i < src.size() && src[i] != '\n') ++i;
      continue;
    } else if (c == '"') {
      in_string = true;
      end = i + 1;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      end = i + 1;
    }
    ++i;
  }
  return std::min(end, src.size());
}

Pos pos_at(const std::string& src, size_t at) {
  size_t bol = at;
  while (bol > 0 && src[bol - 1] != '\n') --bol;
  return {line_of(src, at), int(at - bol) + 1, at};
}

}  // namespace

Script parse(const std::string& file, const std::string& source, Diagnostics& d) {
  Script script;
  script.file = file;
  script.source = source;
  script.sources[file] = source;
  State st;
  st.file = file;
  st.source = &source;
  st.script = &script;

  size_t off = 0;
  while (off < source.size()) {
    p::memory_input<> in(source.data() + off, source.data() + source.size(), file, off, line_of(source, off), 1);
    size_t start = off;
    try {
      // Read items until the end, or until something that is not an item.
      p::parse<sep, action, control>(in, st);
      while (!in.empty()) {
        start = in.iterator().byte;
        if (!p::parse<item, action, control>(in, st)) {
          size_t n = token_length(source, start);
          Pos b = pos_at(source, start);
          Range r{b, {b.line, b.col + int(n), start + n}};
          d.error(file, r, "expected a definition (like `dataset songs = csv(\"songs.csv\")`), found '" +
                               source.substr(start, n) + "'",
                  "a definition starts with one of: dataset genres features split model train ensemble "
                  "report analysis instruments encoding let");
          break;
        }
        p::parse<sep, action, control>(in, st);
      }
      if (in.empty()) break;
    } catch (const SyntaxError& e) {
      // At the end of the file, point just after the last thing written instead.
      Pos b{e.line, e.col, e.byte};
      if (e.byte >= source.size()) b = pos_at(source, end_of_code(source));
      size_t n = token_length(source, b.offset);
      d.error(file, {b, {b.line, b.col + int(n), b.offset + n}}, e.message, e.hint);
    }
    st.stack.clear();
    st.marks.clear();
    st.opens.clear();
    st.depth = 0;
    off = next_item(source, start);
  }
  return script;
}

std::string dump(const Expr& e, bool exact) {
  using K = Expr::Kind;
  auto all = [&](const std::vector<ExprPtr>& xs) {
    std::string out;
    for (size_t i = 0; i < xs.size(); ++i) out += (i ? " " : "") + dump(*xs[i], exact);
    return out;
  };
  switch (e.kind) {
    case K::Number: {
      char buf[64];
      std::snprintf(buf, sizeof buf, exact ? "%.17g" : "%g", e.number);
      return buf + e.unit;
    }
    case K::String: {
      std::string out = "\"";
      for (char c : e.text)
        out += c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' && exact ? "\\t" : std::string(1, c);
      return out + "\"";
    }
    case K::Bool: return e.boolean ? "true" : "false";
    case K::Name: return e.text;
    case K::List: return "[" + all(e.items) + "]";
    case K::Record: {
      std::string out = "{";
      for (size_t i = 0; i < e.fields.size(); ++i)
        out += (i ? " " : "") + e.fields[i].name + ": " + dump(*e.fields[i].value, exact);
      return out + "}";
    }
    case K::Call: {
      std::string args;
      for (size_t i = 0; i < e.args.size(); ++i)
        args += (i ? " " : "") + (e.args[i].name.empty() ? "" : e.args[i].name + ": ") + dump(*e.args[i].value, exact);
      std::string out = "(call " + e.text;
      if (exact && e.has_parens) out += " (" + args + ")";
      else if (!args.empty()) out += " " + args;
      if (e.has_block) out += " {" + all(e.items) + "}";
      return out + ")";
    }
    case K::Member: return "(. " + dump(*e.lhs, exact) + " " + e.text + ")";
    case K::Pipe: return "(|> " + dump(*e.lhs, exact) + " " + dump(*e.rhs, exact) + ")";
    case K::With: return "(with " + dump(*e.lhs, exact) + " " + dump(*e.rhs, exact) + ")";
    case K::For: {
      std::string out = "(for";
      for (auto& b : e.bindings) out += " " + b.name + " " + dump(*b.values, exact);
      return out + " " + dump(*e.lhs, exact) + ")";
    }
    case K::Binary: return "(" + e.text + " " + dump(*e.lhs, exact) + " " + dump(*e.rhs, exact) + ")";
    case K::Unary: return "(" + e.text + " " + dump(*e.lhs, exact) + ")";
    case K::Arrow: return "(<- " + dump(*e.lhs, exact) + " " + dump(*e.rhs, exact) + ")";
  }
  return "?";
}

std::string stdlib_dir() {
  if (const char* env = std::getenv("GENRE_STDLIB")) return env;
#ifdef GENRE_STDLIB_DIR
  return GENRE_STDLIB_DIR;
#else
  return "stdlib";
#endif
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

namespace {

// Parses `path` and, depth first, the modules it uses; `seen` stops repeats and cycles.
Script load_file(const std::string& path, const std::string& text, Diagnostics& d, std::set<std::string>& seen) {
  Script s = parse(path, text, d);
  std::vector<Definition> before;
  for (auto& u : s.uses) {
    const std::string prefix = "std.";
    std::string dir = stdlib_dir();
    if (u.module.rfind(prefix, 0) != 0 || u.module.size() == prefix.size() ||
        u.module.find('.', prefix.size()) != std::string::npos) {
      d.error(path, u.range, "unknown module '" + u.module + "'", "modules are written `use std.NAME` and read from " + dir);
      continue;
    }
    std::string name = u.module.substr(prefix.size());
    std::string file = (std::filesystem::path(dir) / (name + ".genre")).string();
    if (!seen.insert(file).second) continue;
    std::string mtext;
    if (!read_file(file, mtext)) {
      std::string have;
      std::error_code ec;
      for (auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".genre") have += (have.empty() ? "" : ", ") + ("std." + e.path().stem().string());
      d.error(path, u.range, "no module '" + u.module + "' (looked for " + file + ")",
              have.empty() ? "" : "modules: " + have);
      continue;
    }
    Script m = load_file(file, mtext, d, seen);
    for (auto& def : m.defs) before.push_back(std::move(def));
    for (auto& [f, t] : m.sources) s.sources[f] = t;
  }
  for (auto& def : s.defs) before.push_back(std::move(def));
  s.defs = std::move(before);
  return s;
}

}  // namespace

Script load(const std::string& path, Diagnostics& d) {
  std::string text;
  if (!read_file(path, text)) {
    d.error(path, {}, "cannot read the script '" + path + "'");
    Script s;
    s.file = path;
    return s;
  }
  return load_text(path, text, d);
}

Script load_text(const std::string& file, const std::string& text, Diagnostics& d) {
  std::set<std::string> seen;
  return load_file(file, text, d, seen);
}

}  // namespace genre::lang
