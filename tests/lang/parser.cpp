// The parser: the tree of each construct (through dump()), units, escapes,
// positions, keywords, and the messages of broken constructs.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <tao/pegtl/contrib/analyze.hpp>

#include "lang/grammar.h"
#include "lang/parser.h"

using namespace genre::lang;

namespace {

// The value of the only definition of `let x = <text>`.
std::string value(const std::string& text) {
  Diagnostics d;
  Script s = parse("t.genre", "let x = " + text + "\n", d);
  INFO(format(d, s));
  REQUIRE(d.list.empty());
  REQUIRE(s.defs.size() == 1);
  return dump(*s.defs[0].value);
}

const Expr& first_value(const Script& s) {
  REQUIRE(!s.defs.empty());
  return *s.defs[0].value;
}

// "line:col: message" of each diagnostic.
std::vector<std::string> errors(const std::string& src) {
  Diagnostics d;
  parse("t.genre", src, d);
  std::vector<std::string> out;
  for (auto& x : d.list)
    out.push_back(std::to_string(x.range.begin.line) + ":" + std::to_string(x.range.begin.col) + ": " + x.message);
  return out;
}

}  // namespace

TEST_CASE("the grammar has no rule that can loop without consuming input", "[parser]") {
  CHECK(tao::pegtl::analyze<peg::grammar>(1) == 0);
}

TEST_CASE("literals", "[parser]") {
  CHECK(value("12") == "12");
  CHECK(value("0.5") == "0.5");
  CHECK(value("1e-3") == "0.001");
  CHECK(value("2.5E+2") == "250");
  CHECK(value("true") == "true");
  CHECK(value("false") == "false");
  CHECK(value("-3") == "-3");  // a negative literal is a number, not an operation
}

TEST_CASE("numbers with units are stored in canonical units", "[parser]") {
  Diagnostics d;
  Script s = parse("t.genre", "let x = [30s, 250ms, 22050Hz, 16kHz, 70%, 1.5s]", d);
  REQUIRE(d.list.empty());
  const auto& items = first_value(s).items;
  REQUIRE(items.size() == 6);
  CHECK(items[0]->number == 30);
  CHECK(items[0]->unit == "s");
  CHECK(items[1]->number == Approx(0.25));
  CHECK(items[1]->unit == "s");
  CHECK(items[2]->number == 22050);
  CHECK(items[2]->unit == "Hz");
  CHECK(items[3]->number == 16000);
  CHECK(items[3]->unit == "Hz");
  CHECK(items[4]->number == Approx(0.7));
  CHECK(items[4]->unit == "%");
  CHECK(items[5]->number == Approx(1.5));
  CHECK(items[0]->range.begin.col == 10);
  CHECK(items[1]->range.begin.col == 15);
  CHECK(items[1]->range.end.col == 20);
}

TEST_CASE("strings resolve their escapes and keep UTF-8", "[parser]") {
  Diagnostics d;
  Script s = parse("t.genre", R"(let x = ["a\"b", "back\\slash", "two\nlines", "tab\there", "Kölsch ♪"])", d);
  REQUIRE(d.list.empty());
  const auto& items = first_value(s).items;
  REQUIRE(items.size() == 5);
  CHECK(items[0]->text == "a\"b");
  CHECK(items[1]->text == "back\\slash");
  CHECK(items[2]->text == "two\nlines");
  CHECK(items[3]->text == "tab\there");
  CHECK(items[4]->text == "Kölsch ♪");
}

TEST_CASE("lists and records, trailing commas, several lines", "[parser]") {
  CHECK(value("[]") == "[]");
  CHECK(value("[1, 2,]") == "[1 2]");
  CHECK(value("[\n  1,\n  2\n]") == "[1 2]");
  CHECK(value("{}") == "{}");
  CHECK(value("{ a: 1, b: x }") == "{a: 1 b: x}");
  CHECK(value("{\n  a: 1,\n  b: [2, 3],\n}") == "{a: 1 b: [2 3]}");
  CHECK(value("{ train: 70%, test: 30% }") == "{train: 0.7% test: 0.3%}");  // keywords as field names
}

TEST_CASE("calls: positional and named arguments, blocks", "[parser]") {
  CHECK(value("f()") == "(call f)");
  CHECK(value("csv(\"a.csv\", label: \"Genre\")") == "(call csv \"a.csv\" label: \"Genre\")");
  CHECK(value("classifier { dense(256, leaky_relu) dropout(0.4) dense(softmax) }") ==
        "(call classifier {(call dense 256 leaky_relu) (call dropout 0.4) (call dense softmax)})");
  CHECK(value("classifier {\n  dense(3),\n  dropout(0.1)\n}") == "(call classifier {(call dense 3) (call dropout 0.1)})");
  CHECK(value("evaluate([nn, knn], s.test) { accuracy, confusion }") ==
        "(call evaluate [nn knn] (. s test) {accuracy confusion})");
  CHECK(value("evaluate(m, t)\n  { accuracy }") == "(call evaluate m t {accuracy})");
  CHECK(value("split(train: 70%)") == "(call split train: 0.7%)");  // a keyword may be called

  Diagnostics d;
  Script s = parse("t.genre", "let x = classifier { dense(3) }\nlet y = f(1)", d);
  REQUIRE(s.defs.size() == 2);
  CHECK_FALSE(s.defs[0].value->has_parens);
  CHECK(s.defs[0].value->has_block);
  CHECK(s.defs[1].value->has_parens);
  CHECK_FALSE(s.defs[1].value->has_block);
  CHECK(s.defs[0].value->callee_range.begin.col == 9);
  CHECK(s.defs[0].value->callee_range.end.col == 19);
}

TEST_CASE("a brace after a name opens a block unless it reads as a record", "[parser]") {
  CHECK(value("f(x, { a: 1 })") == "(call f x {a: 1})");
  CHECK(value("f(a: { b: 1 })") == "(call f a: {b: 1})");
  CHECK(value("g { a }") == "(call g {a})");
  CHECK(value("g {}") == "(call g {})");
}

TEST_CASE("the pipeline is left-associative and may start lines", "[parser]") {
  CHECK(value("a |> f(x) |> g") == "(|> (|> a (call f x)) g)");
  CHECK(value("csv(\"a\")\n  |> keep(label in six)\n  |> select(\"A\")") ==
        "(|> (|> (call csv \"a\") (call keep (in label six))) (call select \"A\"))");
}

TEST_CASE("member access, with, for", "[parser]") {
  CHECK(value("s.train") == "(. s train)");
  CHECK(value("m with { epochs: 3 }") == "(with m {epochs: 3})");
  CHECK(value("classifier { dense(2) }\n  with { batch: 8 }") == "(with (call classifier {(call dense 2)}) {batch: 8})");
  CHECK(value("for lr in [0.1, 0.2], b in [1, 2]: fit(m with { lr: lr }, s.train)") ==
        "(for lr [0.1 0.2] b [1 2] (call fit (with m {lr: lr}) (. s train)))");
}

TEST_CASE("operator precedence", "[parser]") {
  CHECK(value("1 + 2 * 3") == "(+ 1 (* 2 3))");
  CHECK(value("(1 + 2) * 3") == "(* (+ 1 2) 3)");
  CHECK(value("1 - 2 - 3") == "(- (- 1 2) 3)");
  CHECK(value("-a.b * 2") == "(* (- (. a b)) 2)");
  CHECK(value("a + 1 < b * 2") == "(< (+ a 1) (* b 2))");
  CHECK(value("not a == b") == "(not (== a b))");
  CHECK(value("a or b and not c") == "(or a (and b (not c)))");
  CHECK(value("label in six and x >= 0.5 or y != 2") == "(or (and (in label six) (>= x 0.5)) (!= y 2))");
  CHECK(value("0.5 * (0.5 * (1 - acc_delta) + 1.0 * acc_val)") ==
        "(* 0.5 (+ (* 0.5 (- 1 acc_delta)) (* 1 acc_val)))");
}

TEST_CASE("definitions, comments and positions", "[parser]") {
  Diagnostics d;
  Script s = parse("t.genre",
                   "# a study\n"
                   "use std.features   # gtzan27\n"
                   "dataset songs = csv(\"a.csv\")  # comment\n"
                   "\n"
                   "  split s = songs\n"
                   "    |> split(train: 70%)\n",
                   d);
  REQUIRE(d.list.empty());
  REQUIRE(s.uses.size() == 1);
  CHECK(s.uses[0].module == "std.features");
  CHECK(s.uses[0].range.begin.line == 2);
  REQUIRE(s.defs.size() == 2);
  CHECK(s.defs[0].kind == "dataset");
  CHECK(s.defs[0].name == "songs");
  CHECK(s.defs[0].file == "t.genre");
  CHECK(s.defs[0].name_range.begin.line == 3);
  CHECK(s.defs[0].name_range.begin.col == 9);
  CHECK(s.defs[0].name_range.end.col == 14);
  CHECK(s.defs[1].kind == "split");
  CHECK(s.defs[1].kind_range.begin.col == 3);
  CHECK(s.defs[1].range.begin.line == 5);
  CHECK(s.defs[1].range.end.line == 6);
  CHECK(s.defs[1].range.end.col == 25);
  const Expr& pipe = *s.defs[1].value;
  CHECK(pipe.kind == Expr::Kind::Pipe);
  CHECK(pipe.rhs->callee_range.begin.line == 6);
  CHECK(pipe.rhs->callee_range.begin.col == 8);
  CHECK(pipe.rhs->args[0].name_range.begin.col == 14);
  CHECK(pipe.rhs->args[0].value->range.begin.offset == s.source.find("70%"));
}

TEST_CASE("the keyword list matches the grammar", "[parser]") {
  for (auto& k : definition_kinds()) {
    CHECK(is_keyword(k));
    Diagnostics d;
    Script s = parse("t.genre", k + " x = 1", d);
    INFO(k);
    CHECK(d.list.empty());
    REQUIRE(s.defs.size() == 1);
    CHECK(s.defs[0].kind == k);
    CHECK_FALSE(errors("let " + k + " = 1").empty());
  }
  for (std::string w : {"use", "with", "for", "in", "and", "or", "not", "true", "false"}) {
    CHECK(is_keyword(w));
    CHECK_FALSE(errors("let " + w + " = 1").empty());
  }
  CHECK_FALSE(is_keyword("songs"));
  CHECK(errors("let splitter = 1\nlet modeling = split(x)").empty());  // keywords only as whole words
}

TEST_CASE("broken constructs say what was expected, where", "[parser]") {
  using V = std::vector<std::string>;
  CHECK(errors("dataset songs = csv(\"a.csv\"\nsplit s = songs") ==
        V{"2:1: expected ')' to close the call to 'csv' (opened at line 1)"});
  CHECK(errors("let x = [1, 2") == V{"1:14: expected ',' or ']' to close the list (opened at line 1)"});
  CHECK(errors("let x = { a: 1") == V{"1:15: expected '}' to close the record (opened at line 1)"});
  CHECK(errors("let x = (1 + 2") == V{"1:15: expected ')' to close '(' (opened at line 1)"});
  CHECK(errors("let x = \"abc") == V{"1:13: unterminated string (a string ends with '\"' on the same line)"});
  CHECK(errors("dataset songs csv(\"a\")") == V{"1:15: expected '=' after the name of a dataset definition"});
  CHECK(errors("model = knn()") == V{"1:7: expected a name after 'model'"});
  CHECK(errors("let x = 3 4") == V{"1:11: unexpected '4' after the definition of 'x'"});
  CHECK(errors("let x = m with 3") == V{"1:16: expected a record after 'with' (like `with { epochs: 10 }`)"});
  CHECK(errors("use") == V{"1:4: expected a module after 'use' (like `use std.features`)"});
  CHECK(errors("let x = f(a,, b)") == V{"1:13: expected an argument or ')' after ','"});
  CHECK(errors("let x = f(a: )") == V{"1:14: expected a value for the argument"});
  CHECK(errors("let x = 2x") == V{"1:10: unknown unit 'x' (units are s, ms, Hz, kHz and %)"});
  CHECK(errors("let x = for a in [1] a") == V{"1:22: expected ':' after the values of a for (for x in [...]: expr)"});
  CHECK(errors("let x = a and") == V{"1:14: expected an operand after 'and'"});
  // a definition keyword starting a line inside an open bracket: the bracket was never closed
  CHECK(errors("let x = [1,\nlet y = 2") == V{"2:1: expected ']' to close the list (opened at line 1)"});
  CHECK(errors("let x = f(a,\n  b,\nmodel m = knn()") ==
        V{"3:1: expected ')' to close the call to 'f' (opened at line 1)"});
  // elsewhere a keyword is just not a name
  CHECK(errors("let x = [1, model]") == V{"1:13: 'model' is a keyword and cannot be used as a name"});
}

TEST_CASE("empty and comment-only scripts parse to nothing", "[parser]") {
  for (std::string src : {"", "\n\n", "# only a comment", "  # comment\n\t\n"}) {
    Diagnostics d;
    Script s = parse("t.genre", src, d);
    CHECK(d.list.empty());
    CHECK(s.defs.empty());
  }
  CHECK(errors("let x = 1 # no newline at the end").empty());
  CHECK(errors("let x = 1\r\nlet y = \"a\"\r\n").empty());
}

TEST_CASE("parsing resumes at the next definition after an error", "[parser]") {
  Diagnostics d;
  Script s = parse("t.genre",
                   "let a = f(\n"
                   "let b = 2\n"
                   "let c = [1,\n"
                   "  2 3]\n"
                   "let d = 4\n",
                   d);
  REQUIRE(d.list.size() == 2);
  CHECK(d.list[0].range.begin.line == 2);
  CHECK(d.list[1].range.begin.line == 4);
  REQUIRE(s.defs.size() == 2);
  CHECK(s.defs[0].name == "b");
  CHECK(s.defs[1].name == "d");
}

TEST_CASE("an error at the end of the file points after the last token", "[parser]") {
  Diagnostics e;
  parse("t.genre", "let x = 1 +\n\n", e);
  REQUIRE(e.list.size() == 1);
  CHECK(e.list[0].range.begin.line == 1);
  CHECK(e.list[0].range.begin.col == 12);
}

TEST_CASE("load reads the file and prepends the modules it uses", "[parser]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(GENRE_TEST_DIR) / "scripts";
  setenv("GENRE_STDLIB", (dir / "std").c_str(), 1);
  CHECK(stdlib_dir() == (dir / "std").string());

  Diagnostics d;
  Script s = load((dir / "ok_use.genre").string(), d);
  INFO(format(d, s));
  REQUIRE(d.list.empty());
  REQUIRE(s.defs.size() >= 5);
  CHECK(s.defs[0].name == "four");
  CHECK(s.defs[0].file == (dir / "std" / "testlib.genre").string());
  CHECK(s.defs[2].name == "songs");
  CHECK(s.defs[2].file == (dir / "ok_use.genre").string());
  CHECK(s.sources.count((dir / "std" / "testlib.genre").string()));

  fs::path tmp = fs::temp_directory_path() / "genre_lang_use_test.genre";
  {
    std::ofstream f(tmp);
    f << "use std.nonexistent\nuse other.thing\nlet x = 1\n";
  }
  Diagnostics e;
  Script t = load(tmp.string(), e);
  REQUIRE(e.list.size() == 2);
  CHECK(e.list[0].message.find("no module 'std.nonexistent'") == 0);
  CHECK(e.list[0].hint.find("std.testlib") != std::string::npos);
  CHECK(e.list[1].message == "unknown module 'other.thing'");
  CHECK(t.defs.size() == 1);
  fs::remove(tmp);

  Diagnostics f;
  load("/nonexistent/x.genre", f);
  REQUIRE(f.list.size() == 1);
  CHECK(f.list[0].message == "cannot read the script '/nonexistent/x.genre'");
}

TEST_CASE("nesting deeper than 256 levels is a positioned error, not a stack overflow", "[parser]") {
  // 20,000 '[' crashed every command that parsed the script.
  for (std::string open : {"[", "(", "-", "not ", "(not -"}) {
    std::string deep;
    for (int i = 0; i < 20000; ++i) deep += open;
    Diagnostics d;
    Script s = parse("t.genre", "let x = " + deep + "1\nlet y = 2\n", d);
    INFO(open);
    REQUIRE(d.list.size() == 1);
    CHECK(d.list[0].message == "the expression nests deeper than 256 levels of brackets, '-' or 'not'");
    CHECK(d.list[0].range.begin.line == 1);
    if (open == "[" || open == "(") CHECK(d.list[0].range.begin.col == 9 + 256);  // the 257th level
    // The parser goes on with the next definition.
    REQUIRE(s.defs.size() == 1);
    CHECK(s.defs[0].name == "y");
  }
  // 200 levels are a script like any other: parsed, printed, formatted.
  std::string ok;
  for (int i = 0; i < 200; ++i) ok += "[";
  ok += "1";
  for (int i = 0; i < 200; ++i) ok += "]";
  CHECK(value(ok) == ok);
}
