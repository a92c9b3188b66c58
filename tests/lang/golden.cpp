// Golden scripts: every tests/scripts/*.genre holds its expectations as comments.
//   # expect: ok                           no error
//   # expect error col 12: unknown name    an error at character column 12 of the line this
//                                          annotates, whose "message hint: hint" contains the
//                                          fragment; without `col N`, anywhere on that line
//   # expect warning col 9: column name    the same for a warning
//   # expect type: s split                 definition s has that type
// An expectation annotates the nearest line above it that is code (not blank,
// not only a comment), or its own line when it ends one: inserting a line
// anywhere moves nothing. tests/e2e/script_runs.cpp runs tests/scripts/run/.
// The diagnostics must be exactly the expected ones (any order). Scripts are read
// with load(), so `use std.X` reads tests/scripts/std/X.genre. The catalog is the real one.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "lang/checker.h"
#include "lang/parser.h"
#include "runtime/core/op.h"

using namespace genre::lang;
namespace fs = std::filesystem;

namespace {

struct Expected {
  bool warning;
  int line, col;
  std::string fragment;
};

// The character (not byte) column of a byte column, as the message header shows it.
int char_col(const std::string& src, int line, int byte_col) {
  size_t at = 0;
  for (int l = 1; l < line; ++l) {
    at = src.find('\n', at);
    if (at == std::string::npos) return byte_col;
    ++at;
  }
  int col = 1;
  for (int i = 0; i < byte_col - 1 && at + i < src.size(); ++i)
    if ((static_cast<unsigned char>(src[at + i]) & 0xC0) != 0x80) ++col;
  return col;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("golden scripts", "[golden]") {
  genre::register_all();
  const fs::path dir = fs::path(GENRE_TEST_DIR) / "scripts";
  setenv("GENRE_STDLIB", (dir / "std").c_str(), 1);

  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".genre") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);

  const std::regex expect_diag(R"(#\s*expect (error|warning)(?: col (\d+))?: (.*\S)\s*$)");
  const std::regex expect_ok(R"(#\s*expect: ok\s*$)");
  const std::regex expect_type(R"(#\s*expect type: (\w+) ([a-z ]+\S)\s*$)");

  for (auto& file : files) {
    SECTION(file.filename().string()) {
      const std::string src = read(file);
      std::vector<Expected> want;
      std::vector<std::pair<std::string, std::string>> types;
      bool ok = false;
      std::istringstream lines(src);
      int line_no = 0, code_line = 0;  // the nearest line above that is code
      for (std::string l; std::getline(lines, l);) {
        ++line_no;
        size_t first = l.find_first_not_of(" \t\r");
        bool code = first != std::string::npos && l[first] != '#';
        if (code) code_line = line_no;
        std::smatch m;
        if (std::regex_search(l, m, expect_diag))
          want.push_back({m[1] == "warning", code_line, m[2].matched ? std::stoi(m[2]) : 0, m[3]});
        else if (std::regex_search(l, m, expect_ok))
          ok = true;
        else if (std::regex_search(l, m, expect_type))
          types.push_back({m[1], m[2]});
      }
      INFO(file.string());
      REQUIRE((ok || !want.empty()));
      REQUIRE(!(ok && std::any_of(want.begin(), want.end(), [](auto& w) { return !w.warning; })));

      Diagnostics d;
      Script s = load(file.string(), d);
      // As `genre check` does: no checking after syntax errors (it would only
      // report the names of the definitions that did not parse).
      std::map<std::string, Type> got_types;
      if (!d.has_errors()) got_types = check(s, genre::lang::catalog(), d);
      INFO(format(d, s));

      std::vector<bool> used(d.list.size());
      for (auto& w : want) {
        bool found = false;
        for (size_t i = 0; i < d.list.size() && !found; ++i) {
          auto& g = d.list[i];
          std::string text = g.message + " hint: " + g.hint;
          if (!used[i] && g.warning == w.warning && g.file == file.string() && g.range.begin.line == w.line &&
              (w.col == 0 || char_col(src, g.range.begin.line, g.range.begin.col) == w.col) &&
              text.find(w.fragment) != std::string::npos)
            used[i] = found = true;
        }
        INFO("expected " << (w.warning ? "warning" : "error") << " at " << w.line << ":" << w.col << ": " << w.fragment);
        CHECK(found);
      }
      for (size_t i = 0; i < d.list.size(); ++i) {
        INFO("unexpected: " << format(d.list[i], src));
        CHECK(used[i]);
      }
      for (auto& [name, type] : types) {
        INFO("type of " << name);
        REQUIRE(got_types.count(name));
        CHECK(std::string(type_name(got_types[name])) == type);
      }
    }
  }
}
