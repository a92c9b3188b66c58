// The REPL's reading of entries (when one goes on to the next line) and its
// tab completion, apart from the terminal (tests/e2e/repl_test.cpp drives that).
#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/core/op.h"
#include "runtime/app/repl.h"

using namespace genre;
using lang::Type;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("an entry goes on while a bracket is open or its last token cannot end it", "[repl]") {
  CHECK_FALSE(unfinished("dataset t = csv(\"a.csv\")"));
  CHECK(unfinished("report r = evaluate([m], s.test) {"));
  CHECK(unfinished("model m = classifier { dense(8)\n  dense(softmax)"));
  CHECK_FALSE(unfinished("model m = classifier { dense(8)\n  dense(softmax) }"));
  CHECK(unfinished("dataset t = csv(\"a.csv\") |>"));
  CHECK(unfinished("dataset t ="));
  CHECK(unfinished("let x = 1 +"));
  CHECK(unfinished("dataset t = u |> keep(label in"));
  CHECK(unfinished("split s = t |> split(train: 70%,"));
  // Brackets and operators inside strings and comments do not count.
  CHECK_FALSE(unfinished("dataset t = csv(\"a(.csv\")"));
  CHECK_FALSE(unfinished("dataset t = csv(\"a.csv\")  # (see |>"));
  CHECK_FALSE(unfinished("let x = \"a |>\""));
  CHECK_FALSE(unfinished("let train = 1"));  // a name ending in "in" is not `in`
  // An extra closing bracket is the parser's to report.
  CHECK_FALSE(unfinished("let x = 1)"));

  CHECK(continues("  |> keep(label in six)"));
  CHECK(continues("with { epochs: 3 }"));
  CHECK(continues(") "));
  CHECK(continues("  + 1"));
  CHECK_FALSE(continues("dataset u = t"));
  CHECK_FALSE(continues("width"));
  CHECK_FALSE(continues("   "));
}

TEST_CASE("tab completion offers names, ops, arguments, symbols and block items", "[repl]") {
  register_all();
  std::map<std::string, Type> types{{"songs", Type::Table}, {"s", Type::Split}, {"knn5", Type::Trained}};
  size_t start = 0;

  auto c = completions("model m = kn", types, &start);
  CHECK(start == 10);
  CHECK(has(c, "knn"));
  CHECK(has(c, "knn5"));
  for (auto& x : c) CHECK(x.rfind("kn", 0) == 0);

  // Inside a call: its arguments first, with their colon.
  c = completions("train m = fit(knn(k: 3, me", types, &start);
  REQUIRE_FALSE(c.empty());
  CHECK(c[0] == "metric: ");
  CHECK(start == 24);
  c = completions("model m = knn(", types, &start);
  REQUIRE(c.size() >= 2);
  CHECK(c[0] == "k: ");
  CHECK(c[1] == "metric: ");
  CHECK(has(c, "songs"));
  CHECK_FALSE(has(c, "csv"));  // with nothing typed, not every op
  // An argument's symbols.
  auto* sig = lang::catalog().find("svm");
  REQUIRE(sig);
  auto* kernel = sig->param("kernel");
  REQUIRE(kernel);
  REQUIRE_FALSE(kernel->symbols.empty());
  c = completions("model v = svm(kernel: ", types, &start);
  for (auto& sym : kernel->symbols) CHECK(has(c, sym));
  // A block's names (evaluate { accuracy, ... }), after lines already entered.
  c = completions("report r = evaluate([knn5], s.test) {\n  accuracy, mac", types, &start);
  CHECK(c == std::vector<std::string>{"macro_f1"});

  // The parts of a split; keywords at the start; commands.
  c = completions("s.tr", types, &start);
  CHECK(c == std::vector<std::string>{"train"});
  CHECK(start == 2);
  c = completions("spl", types, &start);
  CHECK(has(c, "split "));  // the keyword
  CHECK(has(c, "split"));   // the op
  c = completions(":ty", types, &start);
  CHECK(c == std::vector<std::string>{":type "});
  CHECK(start == 0);
  CHECK(completions("zzz", types, &start).empty());

  // File names inside a string, and after :load; a folder ends in '/'.
  std::string dir = GENRE_TEST_DIR;
  c = completions("dataset t = csv(\"" + dir + "/da", types, &start);
  CHECK(c == std::vector<std::string>{dir + "/data/"});
  CHECK(start == 17);
  c = completions(":load " + dir + "/CMakeLi", types, &start);
  CHECK(c == std::vector<std::string>{dir + "/CMakeLists.txt"});
  CHECK(start == 6);
}
