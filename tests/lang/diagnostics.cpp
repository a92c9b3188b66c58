// The layout of messages: header, quoted line, caret under the span (by
// characters, tabs kept), long lines windowed, hint.
#include <catch2/catch.hpp>

#include "lang/diagnostics.h"

using namespace genre::lang;

namespace {

Diagnostic at(int line, int col, int end_col, std::string msg, std::string hint = "") {
  return {"s.genre", {{line, col, 0}, {line, end_col, 0}}, std::move(msg), std::move(hint), false};
}

}  // namespace

TEST_CASE("a message quotes its line with a caret under the span", "[diagnostics]") {
  std::string src = "genres six = [\"rock\"]\n  |> keep(label in sixx)\n";
  CHECK(format(at(2, 20, 24, "unknown name 'sixx'", "did you mean 'six'?"), src) ==
        "s.genre:2:20: error: unknown name 'sixx'\n"
        "  |> keep(label in sixx)\n"
        "                   ^~~~\n"
        "  hint: did you mean 'six'?\n");
  // an empty span is a lone caret; no hint line without a hint
  CHECK(format(at(1, 1, 1, "m"), src) == "s.genre:1:1: error: m\ngenres six = [\"rock\"]\n^\n");
}

TEST_CASE("columns and carets count UTF-8 characters, not bytes", "[diagnostics]") {
  // "données" has one two-byte character: byte column 21 is character column 20.
  std::string src = "let x = f(\"données\", labl: 1)\n";
  size_t byte = src.find("labl") + 1;
  CHECK(byte == 23);
  CHECK(format(at(1, int(byte), int(byte) + 4, "unknown argument 'labl'"), src) ==
        "s.genre:1:22: error: unknown argument 'labl'\n"
        "let x = f(\"données\", labl: 1)\n"
        "                     ^~~~\n");
  // a span over multibyte characters has one ~ per character
  std::string s2 = "let é = \"ü\"\n";
  CHECK(format(at(1, 10, 14, "m"), s2) == "s.genre:1:9: error: m\nlet é = \"ü\"\n        ^~~\n");
}

TEST_CASE("tabs before the caret are copied so the caret lines up", "[diagnostics]") {
  std::string src = "let x =\n\t\tfoo(1)\n";
  CHECK(format(at(2, 3, 6, "unknown op 'foo'"), src) == "s.genre:2:3: error: unknown op 'foo'\n\t\tfoo(1)\n\t\t^~~\n");
}

TEST_CASE("a span running past its line stops at the line's end", "[diagnostics]") {
  std::string src = "let x = [1,\n  2]\n";
  Diagnostic d{"s.genre", {{1, 9, 8}, {2, 5, 16}}, "m", "", false};
  CHECK(format(d, src) == "s.genre:1:9: error: m\nlet x = [1,\n        ^~~\n");
}

TEST_CASE("long lines are cut to a window round the caret", "[diagnostics]") {
  std::string line = "let x = [" + std::string(150, 'a') + ", bad]";
  size_t col = line.find("bad") + 1;
  std::string out = format(at(1, int(col), int(col) + 3, "m"), line + "\n");
  // header keeps the real column
  CHECK(out.rfind("s.genre:1:" + std::to_string(col) + ": error: m\n", 0) == 0);
  std::string quoted = out.substr(out.find('\n') + 1);
  quoted = quoted.substr(0, quoted.find('\n'));
  std::string marks = out.substr(out.find('\n') + 1 + quoted.size() + 1);
  marks = marks.substr(0, marks.find('\n'));
  CHECK(quoted.rfind("...", 0) == 0);
  CHECK(quoted.size() <= 106);
  // the caret is under "bad" in the cut line
  CHECK(quoted.substr(marks.find('^'), 3) == "bad");
  CHECK(marks.substr(marks.find('^')) == "^~~");
}

TEST_CASE("warnings, missing source, and the collection", "[diagnostics]") {
  Diagnostics ds;
  CHECK_FALSE(ds.has_errors());
  ds.warn("a.genre", {{1, 1, 0}, {1, 2, 1}}, "w");
  CHECK_FALSE(ds.has_errors());
  ds.error("b.genre", {{1, 5, 4}, {1, 6, 5}}, "e", "h");
  CHECK(ds.has_errors());
  Script s;
  s.file = "a.genre";
  s.source = "x\n";
  s.sources["a.genre"] = "x\n";
  s.sources["b.genre"] = "let y\n";
  CHECK(format(ds, s) ==
        "a.genre:1:1: warning: w\nx\n^\n"
        "b.genre:1:5: error: e\nlet y\n    ^\n  hint: h\n");
  // no source: the header and the hint only
  CHECK(format(ds.list[1], "") == "b.genre:1:5: error: e\n  hint: h\n");
}
