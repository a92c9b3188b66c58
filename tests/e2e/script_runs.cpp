// Script tests that run: every tests/scripts/run/*.genre is run with
// `genre run` (fresh cache and output folder each) and holds its expectations
// as comments, anchored like tests/scripts/ (tests/lang/golden.cpp): an
// expectation annotates the nearest line above it that is code, or its own line
// when it ends one.
//   # expect error col 14: cv needs k      a script or plan error (exit 1) at that line and
//                                          character column ("message hint: hint" holds it)
//   # expect data error: bad.csv:3         a data error (exit 2) whose text holds the fragment
//   # expect: ok                           exit 0
//   # expect output:                       these lines, one after another, in what the run
//   #    model  accuracy                   prints (after "#   "); several blocks: in order
// Every error the run reports must be expected. Fixtures sit beside the scripts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "shell.h"

namespace fs = std::filesystem;

namespace {

struct Want {
  int line = 0, col = 0;  // a positioned error; col 0 = anywhere on the line
  std::string fragment;
};

struct Expectations {
  std::vector<Want> errors;
  std::vector<std::string> data_errors;
  std::vector<std::vector<std::string>> output;  // blocks, each found after the one before
  bool ok = false;
};

Expectations read_expectations(const std::string& src) {
  static const std::regex error(R"(#\s*expect error(?: col (\d+))?: (.*\S)\s*$)");
  static const std::regex data(R"(#\s*expect data error: (.*\S)\s*$)");
  static const std::regex ok(R"(#\s*expect: ok\s*$)");
  static const std::regex output(R"(^\s*#\s*expect output:\s*$)");
  Expectations e;
  std::istringstream in(src);
  int line_no = 0, code_line = 0;
  bool in_output = false;
  for (std::string l; std::getline(in, l);) {
    ++line_no;
    if (in_output) {
      if (l.rfind("#   ", 0) == 0) {
        std::string want = l.substr(4);
        want.erase(want.find_last_not_of(" \r") + 1);
        e.output.back().push_back(want);
        continue;
      }
      in_output = false;
    }
    size_t first = l.find_first_not_of(" \t\r");
    if (first != std::string::npos && l[first] != '#') code_line = line_no;
    std::smatch m;
    if (std::regex_search(l, m, error)) e.errors.push_back({code_line, m[1].matched ? std::stoi(m[1]) : 0, m[2]});
    else if (std::regex_search(l, m, data)) e.data_errors.push_back(m[1]);
    else if (std::regex_search(l, m, ok)) e.ok = true;
    else if (std::regex_search(l, m, output)) in_output = true, e.output.emplace_back();
  }
  return e;
}

// The positioned errors in genre's output: "FILE:LINE:COL: error: message"
// followed by its excerpt and hint lines, and "error: ..." for one without a
// position in the script, up to the next error.
struct Got {
  int line, col;
  std::string text;
};

std::vector<Got> positioned_errors(const std::string& out, const std::string& file) {
  std::vector<Got> got;
  std::istringstream in(out);
  const std::string head = file + ":";
  bool open = false;  // the last line belongs to an error's excerpt or hint
  for (std::string l; std::getline(in, l);) {
    int line = 0, col = 0, n = 0;
    if (l.rfind(head, 0) == 0 && std::sscanf(l.c_str() + head.size(), "%d:%d: %n", &line, &col, &n) == 2 && n > 0 &&
        l.compare(head.size() + n, 7, "error: ") == 0) {
      got.push_back({line, col, l});
      open = true;
    } else if (l.rfind("error: ", 0) == 0) {
      got.push_back({0, 0, l});
      open = true;
    } else if (open && (l.empty() || l[0] == ' ' || l.find('|') != std::string::npos)) {
      got.back().text += "\n" + l;
    } else {
      open = false;
    }
  }
  return got;
}

}  // namespace

TEST_CASE("script tests that run: errors, data errors and result tables", "[scripts]") {
  const fs::path dir = fs::path(GENRE_TEST_DIR) / "scripts" / "run";
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".genre") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);

  for (auto& file : files) {
    SECTION(file.filename().string()) {
      const std::string src = e2e::slurp(file);
      Expectations want = read_expectations(src);
      REQUIRE((want.ok || !want.errors.empty() || !want.data_errors.empty() || !want.output.empty()));
      e2e::TempDir tmp;
      auto [rc, out] = e2e::run(e2e::genre("run " + file.string() + " -j 2 --cache " + (tmp.path / "cache").string() +
                                           " --out " + (tmp.path / "out").string()));
      INFO(file.filename().string() << " exited " << rc << ":\n" << out);
      int want_rc = !want.errors.empty() ? 1 : !want.data_errors.empty() ? 2 : 0;
      CHECK(rc == want_rc);

      std::vector<Got> got = want_rc == 1 ? positioned_errors(out, file.string()) : std::vector<Got>{};
      std::vector<bool> used(got.size());
      for (auto& w : want.errors) {
        bool found = false;
        for (size_t i = 0; i < got.size() && !found; ++i)
          if (!used[i] && got[i].line == w.line && (w.col == 0 || got[i].col == w.col) &&
              got[i].text.find(w.fragment) != std::string::npos)
            used[i] = found = true;
        INFO("expected an error at " << w.line << ":" << w.col << ": " << w.fragment);
        CHECK(found);
      }
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("unexpected: " << got[i].text);
        CHECK(used[i]);
      }
      for (auto& d : want.data_errors) {
        INFO("expected a data error holding: " << d);
        CHECK(out.find(d) != std::string::npos);
      }
      if (!want.output.empty()) {
        std::vector<std::string> lines;
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) {
          l.erase(l.find_last_not_of(" \r") + 1);
          lines.push_back(l);
        }
        auto from = lines.begin();
        for (auto& block : want.output) {
          auto at = std::search(from, lines.end(), block.begin(), block.end());
          std::string expected;
          for (auto& l : block) expected += l + "\n";
          INFO("expected these lines in the output, after the block before:\n" << expected);
          CHECK(at != lines.end());
          if (at != lines.end()) from = at + block.size();
        }
      }
    }
  }
}
