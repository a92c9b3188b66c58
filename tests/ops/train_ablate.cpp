// ablate: the planner's expansion into one fit per variant and one evaluate,
// the layer edits (remove, replace, a list of them), the errors at the
// variant's script position, and a small run of the whole table.
#include <sstream>

#include "train_script.h"

using namespace traintest;
using Catch::Contains;

namespace {

std::string data_csv(const Folder& f) {
  std::ostringstream s;
  s << "x,y,g\n";
  for (int i = 0; i < 60; ++i) s << (i % 3) * 2 + 0.01 * i << "," << (i % 3 == 1 ? 1 : -1) << "," << "abc"[i % 3] << "\n";
  return f.write("data.csv", s.str());
}

std::string head(const Folder& f) {
  return "dataset t = csv(\"" + data_csv(f) + "\", label: \"g\")\n"
         "split s = t |> split(train: 60%, val: 20%, test: 20%, stratify: true, seed: 1) |> standardize\n"
         "model net = classifier { dense(8, relu) dropout(0.2) dense(softmax) } with { epochs: 3, batch: 8, seed: 1 }\n";
}

json dense(double units, const std::string& act) { return {{"layer", "dense"}, {"units", units}, {"act", act}}; }
const json softmax = {{"layer", "dense"}, {"act", "softmax"}};
const json drop = {{"layer", "dropout"}, {"p", 0.2}};

}  // namespace

TEST_CASE("ablate: one fit per variant, the original first, and one evaluate of them all", "[ablate][torch]") {
  Folder f;
  std::string script = head(f) +
                       "train plain = fit(net, s.train, validate: s.val)\n"
                       "report ab = ablate(net, s.train, s.test, validate: s.val,\n"
                       "  variants: { no_drop: remove(dropout), wide: replace(dense(8, relu), dense(16, relu)),\n"
                       "              both: [remove(dropout), replace(dense(8, relu), dense(4, relu))] }) { accuracy, macro_f1 }\n";
  auto l = lower_script(f, script, {"plain", "ab"});
  const Node& ev = node(l->plan, "ab/evaluate");
  REQUIRE(ev.inputs.size() == 5);
  CHECK(ev.params["metrics"] == json({"accuracy", "macro_f1"}));
  std::vector<std::string> names;
  for (auto& in : ev.inputs) names.push_back(in.name);
  CHECK(names == std::vector<std::string>{"original", "no_drop", "wide", "both", "s.test"});
  CHECK(ev.inputs[4].part == "test");
  // The original's fit is the plain fit of the same spec: one node, cached once.
  CHECK(l->plan.nodes[ev.inputs[0].node].label == "plain/fit");
  auto layers = [&](size_t i) { return l->plan.nodes[ev.inputs[i].node].params["model"]["layers"]; };
  CHECK(layers(0) == json({dense(8, "relu"), drop, softmax}));
  CHECK(layers(1) == json({dense(8, "relu"), softmax}));
  CHECK(layers(2) == json({dense(16, "relu"), drop, softmax}));
  CHECK(layers(3) == json({dense(4, "relu"), softmax}));
  const Node& wide = node(l->plan, "ab[wide]/fit");
  REQUIRE(wide.inputs.size() == 2);
  CHECK(wide.inputs[0].part == "train");
  CHECK(wide.inputs[1].param == "validate");
  CHECK(wide.params["model"]["epochs"] == 3);  // the options stay
  CHECK(wide.range.begin.line == 6);  // a variant's fit fails at the variant
  CHECK(wide.range.begin.col == 47);

  // Trained and evaluated like the original: one table, the original first.
  RunResult run = run_plan(f, l->plan);
  const json& r = std::get<json>(target(run, "ab"));
  CHECK(r["order"] == json({"original", "no_drop", "wide", "both"}));
  for (auto& n : r["order"]) {
    const json& m = r["models"][n.get<std::string>()];
    CHECK(m["accuracy"].get<double>() >= 0);
    CHECK(m["accuracy"].get<double>() <= 1);
    CHECK(m.contains("macro_f1"));
  }
  CHECK(r["rows"] == 12);
}

TEST_CASE("ablate: edits that do not fit the model's block are errors at the variant", "[ablate]") {
  Folder f;
  std::string h = head(f);  // 3 lines
  auto e = plan_error(f, h + "model small = classifier { dense(4, relu) dense(softmax) }\n"
                             "report ab = ablate(small, s.train, s.test, variants: { no_drop: remove(dropout) })\n");
  CHECK(e.message == "'small' has no layer 'dropout' to remove");
  CHECK(e.hint == "its layers: dense, dense");
  CHECK(e.range.begin.line == 5);
  CHECK(e.range.begin.col == 65);

  e = plan_error(f, h + "report ab = ablate(net, s.train, s.test,\n"
                        "  variants: { wide: replace(dense(32, relu), dense(64, relu)) })\n");
  CHECK(e.message == "'net' has no layer 'dense(32, relu)' to replace");
  CHECK(e.range.begin.line == 5);
  CHECK(e.range.begin.col == 21);

  e = plan_error(f, h + "report ab = ablate(net, s.train, s.test,\n"
                        "  variants: { x: [remove(dropout), remove(dropout)] })\n");
  CHECK(e.message == "'net' has no layer 'dropout' to remove");  // the second edit: already gone
  CHECK(e.range.begin.col == 36);

  e = plan_error(f, h + "report ab = ablate(net, s.train, s.test, variants: { x: [remove(dense), remove(dropout)] })\n");
  CHECK(e.message == "this variant removes every layer of 'net'");

  e = plan_error(f, h + "report ab = ablate(net, s.train, s.test, variants: { original: remove(dropout) })\n");
  CHECK(e.message == "'original' names the unchanged model; give this variant another name");
  CHECK(e.range.begin.col == 54);

  e = plan_error(f, h + "report ab = ablate(knn(k: 3), s.train, s.test, variants: { x: remove(dropout) })\n");
  CHECK(e.message == "ablate changes the layers of a classifier { ... }, and the model has no layers");
}
