// The planner: which nodes a script becomes, how they connect, and which keys
// a change of one parameter moves.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "lang/checker.h"
#include "lang/parser.h"
#include "runtime/core/op.h"
#include "runtime/engine/plan.h"

using namespace genre;
namespace fs = std::filesystem;

namespace {

struct Lowered {
  lang::Script script;
  lang::Bindings bindings;
  Plan plan;
};

fs::path data_file() {
  static fs::path p = [] {
    // One per process: ctest runs each case as its own process, and one rewriting a shared file
    // while another hashes it gave that one two different keys.
    fs::path f = fs::temp_directory_path() / ("genre-plan-test-" + std::to_string(::getpid()) + ".csv");
    std::ofstream(f) << "a,b,g\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n";
    return f;
  }();
  return p;
}

std::unique_ptr<Lowered> lower_text(const std::string& text, std::vector<std::string> targets = {}) {
  register_all();
  auto l = std::make_unique<Lowered>();
  lang::Diagnostics d;
  l->script = lang::parse("t.genre", text, d);
  lang::check(l->script, lang::catalog(), d, &l->bindings);
  std::string msgs;
  for (auto& x : d.list) msgs += lang::format(x, text);
  INFO(msgs);
  REQUIRE(!d.has_errors());
  l->plan = lower(l->script, l->bindings, targets);
  return l;
}

std::string study(const std::string& C, const std::string& k = "5") {
  return "dataset t = csv(\"" + data_file().string() + "\", label: \"g\")\n"
         "split s = t |> split(train: 50%, test: 50%, stratify: true, seed: 1) |> minmax(-1, 1)\n"
         "train knn = fit(knn(k: " + k + "), s.train)\n"
         "train svm = fit(svm(C: " + C + "), s.train)\n"
         "report r = evaluate([knn, svm], s.test) { accuracy }\n";
}

const Node& node(const Plan& p, const std::string& label) {
  for (auto& n : p.nodes)
    if (n.label == label) return n;
  FAIL("no node " << label);
  throw;
}

}  // namespace

TEST_CASE("plan: a study becomes one node per op call, inputs before users", "[plan]") {
  auto l = lower_text(study("1"));
  std::vector<std::string> labels;
  for (auto& n : l->plan.nodes) labels.push_back(n.label);
  CHECK(labels == std::vector<std::string>{"t/csv", "s/split", "s/minmax", "knn/fit", "svm/fit", "r/evaluate"});
  const Node& fit = node(l->plan, "knn/fit");
  REQUIRE(fit.inputs.size() == 1);
  CHECK(l->plan.nodes[fit.inputs[0].node].label == "s/minmax");
  CHECK(fit.inputs[0].part == "train");
  CHECK(fit.inputs[0].name == "s.train");
  CHECK(fit.params["model"] == json({{"spec", "knn"}, {"k", 5}}));
  const Node& ev = node(l->plan, "r/evaluate");
  REQUIRE(ev.inputs.size() == 3);
  CHECK(ev.inputs[0].name == "knn");
  CHECK(ev.inputs[1].name == "svm");
  CHECK(ev.params["metrics"] == json({"accuracy"}));
  REQUIRE(l->plan.targets.size() == 1);
  CHECK(l->plan.targets[0].first == "r");
  CHECK(node(l->plan, "t/csv").files.size() == 1);
}

TEST_CASE("plan: changing one parameter moves that node's key and its dependents' only", "[plan]") {
  auto a = lower_text(study("1"));
  auto b = lower_text(study("2"));
  for (auto& n : a->plan.nodes) {
    INFO(n.label);
    bool moved = node(b->plan, n.label).key != n.key;
    CHECK(moved == (n.label == "svm/fit" || n.label == "r/evaluate"));
  }
  CHECK(node(a->plan, "svm/fit").params_hash != node(b->plan, "svm/fit").params_hash);
  CHECK(node(a->plan, "r/evaluate").params_hash == node(b->plan, "r/evaluate").params_hash);
}

TEST_CASE("plan: the same value written two ways has the same key", "[plan]") {
  // 5 and 5.0 are one number; records are keyed by content, not by layout.
  CHECK(node(lower_text(study("1", "5"))->plan, "knn/fit").key == node(lower_text(study("1", "5.0"))->plan, "knn/fit").key);
}

TEST_CASE("plan: only what the targets need is planned", "[plan]") {
  auto l = lower_text(study("1"), {"knn"});
  CHECK(l->plan.nodes.size() == 4);
  CHECK(l->plan.targets == std::vector<std::pair<std::string, size_t>>{{"knn", 3}});
}

TEST_CASE("plan: a for sweep makes one node per point - grid one trial per point and fold", "[plan]") {
  std::string base = "dataset t = csv(\"" + data_file().string() + "\", label: \"g\")\n"
                     "split s = t |> split(train: 50%, test: 50%, seed: 1)\n";
  auto sweep = lower_text(base + "train m = for k in [1, 3]: fit(knn(k: k), s.train)\n"
                                 "report r = evaluate(m, s.test) { accuracy }\n");
  CHECK(node(sweep->plan, "m[k=1]/fit").params["model"]["k"] == 1);
  CHECK(node(sweep->plan, "m[k=3]/fit").params["model"]["k"] == 3);
  CHECK(node(sweep->plan, "r/evaluate").inputs.size() == 3);

  auto grid = lower_text(base + "train g = grid(knn(k: 1), s.train, cv: 2, over: { k: [1, 3, 5] }, score: acc_val)\n"
                                "report r = evaluate([g], s.test) { accuracy }\n");
  size_t trials = 0;
  for (auto& n : grid->plan.nodes) trials += n.op == "trial";
  CHECK(trials == 6);
  const Node& sel = node(grid->plan, "g/grid_select");
  CHECK(sel.inputs.size() == 7);  // the data, then 6 trials
  CHECK(sel.params["points"] == json::parse(R"([{"k":1},{"k":3},{"k":5}])"));
  CHECK(sel.params["score"] == json({{"name", "acc_val"}}));
}

TEST_CASE("plan: a missing input file points at the call in the script", "[plan]") {
  register_all();
  std::string text = "dataset t = csv(\"/no/such/file.csv\", label: \"g\")\nreport r = evaluate([fit(knn(k: 1), t)], t) { accuracy }\n";
  lang::Diagnostics d;
  auto s = lang::parse("t.genre", text, d);
  lang::Bindings b;
  lang::check(s, lang::catalog(), d, &b);
  REQUIRE(!d.has_errors());
  try {
    lower(s, b, {});
    FAIL("no error");
  } catch (const PlanDataError& e) {
    CHECK(e.diag.range.begin.line == 1);
    CHECK(e.diag.range.begin.col == 13);
    CHECK_THAT(e.diag.message, Catch::Contains("/no/such/file.csv"));
  }
}
