// The checker against a small catalog built here, so that each rule is tested
// apart from the real ops (tests/lang/golden.cpp runs scripts on the real catalog).
#include <catch2/catch.hpp>

#include "lang/checker.h"
#include "lang/parser.h"
#include "lang/suggest.h"

using namespace genre::lang;

namespace {

Param param(std::string name, std::vector<Type> types, bool required = false, std::vector<std::string> symbols = {},
            Type elem = Type::Any) {
  Param p;
  p.name = std::move(name);
  p.types = std::move(types);
  p.required = required;
  p.symbols = std::move(symbols);
  p.elem = elem;
  return p;
}

Signature sig(std::string name, std::vector<Param> params, Type result, Role role = Role::Op) {
  Signature s;
  s.name = std::move(name);
  s.params = std::move(params);
  s.result = result;
  s.role = role;
  return s;
}

const Catalog& test_catalog() {
  static Catalog c = [] {
    Catalog c;
    c.add(sig("csv", {param("path", {Type::Path}, true), param("label", {Type::String})}, Type::Table));
    c.add(sig("keep", {param("data", {Type::Table}, true), param("where", {Type::Expr}, true)}, Type::Table));
    c.add(sig("select",
              {param("data", {Type::Table}, true), param("columns", {Type::List, Type::String}, true, {}, Type::String)},
              Type::Table));
    c.add(sig("split", {param("data", {Type::Table}, true), param("train", {Type::Number}), param("test", {Type::Number})},
              Type::Split));
    c.add(sig("scale", {param("data", {Type::Split}, true), param("lo", {Type::Number}), param("hi", {Type::Number})},
              Type::Split));
    c.add(sig("knn", {param("k", {Type::Int}), param("metric", {Type::Symbol}, false, {"euclidean", "cosine"})},
              Type::Spec, Role::Spec));
    c.add(sig("dense", {param("units", {Type::Int}), param("act", {Type::Symbol}, false, {"relu", "softmax"})},
              Type::Layer, Role::Spec));
    c.add(sig("adam", {param("lr", {Type::Number})}, Type::Optimizer, Role::Spec));
    Signature net = sig("net", {param("optimizer", {Type::Optimizer}), param("epochs", {Type::Int})}, Type::Spec, Role::Spec);
    net.block = true;
    net.block_item = Type::Layer;
    c.add(net);
    Signature open = sig("open", {param("seed", {Type::Int})}, Type::Spec, Role::Spec);
    open.open_options = true;
    c.add(open);
    c.add(sig("fit", {param("model", {Type::Spec}, true), param("data", {Type::Table}, true)}, Type::Trained));
    Signature grid = sig("grid",
                         {param("model", {Type::Spec}, true), param("data", {Type::Table}, true),
                          param("over", {Type::Record}, true, {}, Type::List),
                          param("score", {Type::Expr}, true, {"acc", "loss"})},
                         Type::Trained);
    grid.params[2].keys_of = "model";
    c.add(grid);
    Signature ev = sig("evaluate",
                       {param("models", {Type::List, Type::Trained}, true, {}, Type::Trained),
                        param("data", {Type::Table}, true)},
                       Type::Report);
    ev.block = true;
    ev.block_symbols = {"accuracy", "confusion"};
    c.add(ev);
    return c;
  }();
  return c;
}

struct Result {
  Script script;
  Diagnostics d;
  std::map<std::string, Type> types;
  Bindings bindings;
  std::vector<std::string> errors;  // "line:col: message"
};

std::unique_ptr<Result> run(const std::string& src) {
  auto r = std::make_unique<Result>();
  r->script = parse("t.genre", src, r->d);
  REQUIRE(r->d.list.empty());
  r->types = check(r->script, test_catalog(), r->d, &r->bindings);
  for (auto& x : r->d.list)
    if (!x.warning)
      r->errors.push_back(std::to_string(x.range.begin.line) + ":" + std::to_string(x.range.begin.col) + ": " + x.message);
  return r;
}

// Parameter name -> dumped values, for the call that is the value of definition `def`.
std::map<std::string, std::vector<std::string>> bound(const Result& r, const std::string& def) {
  for (auto& d : r.script.defs)
    if (d.name == def) {
      auto it = r.bindings.find(d.value.get());
      REQUIRE(it != r.bindings.end());
      std::map<std::string, std::vector<std::string>> out;
      for (auto& b : it->second)
        for (auto* v : b.values) out[b.param->name].push_back(dump(*v));
      return out;
    }
  FAIL("no definition " << def);
  return {};
}

using V = std::vector<std::string>;

const char* base = "dataset t = csv(\"a.csv\", label: \"g\")\nsplit s = t |> split(train: 70%, test: 30%)\n";

}  // namespace

TEST_CASE("a positional argument binds to the next parameter that accepts it", "[checker]") {
  auto r = run("let a = dense(softmax)\nlet b = dense(256, relu)\nlet c = dense(8)\n");
  CHECK(r->errors.empty());
  using M = std::map<std::string, std::vector<std::string>>;
  CHECK(bound(*r, "a") == M{{"act", {"softmax"}}});
  CHECK(bound(*r, "b") == M{{"units", {"256"}}, {"act", {"relu"}}});
  CHECK(bound(*r, "c") == M{{"units", {"8"}}});
  CHECK(r->types["a"] == Type::Layer);
}

TEST_CASE("the piped value is the first positional argument - a list parameter takes several", "[checker]") {
  auto r = run(std::string(base) + "dataset u = t |> select(\"A\", \"B\", \"C\")\ndataset w = t |> select([\"A\"])\n");
  CHECK(r->errors.empty());
  using M = std::map<std::string, std::vector<std::string>>;
  CHECK(bound(*r, "u") == M{{"data", {"t"}}, {"columns", {"\"A\"", "\"B\"", "\"C\""}}});
  CHECK(bound(*r, "w") == M{{"data", {"t"}}, {"columns", {"[\"A\"]"}}});
  CHECK(r->types["s"] == Type::Split);
}

TEST_CASE("types of expressions", "[checker]") {
  auto r = run(std::string(base) +
               "let tr = s.train\n"
               "let rec = { a: 1 }\n"
               "let field = rec.a\n"
               "let n = 1 + 2 * 3\n"
               "let b = 1 < 2 and not false\n"
               "let str = \"a\" + \"b\"\n"
               "let l = [1, 2] + [3]\n"
               "model m = knn(k: 3) with { metric: cosine }\n"
               "train sweep = for k in [1, 3]: fit(knn(k: k), s.train)\n"
               "train one = fit(m, tr)\n"
               "report rep = evaluate([sweep, one], s.test) { accuracy }\n");
  INFO(format(r->d, r->script));
  CHECK(r->errors.empty());
  CHECK(r->types["tr"] == Type::Table);
  CHECK(r->types["n"] == Type::Number);
  CHECK(r->types["b"] == Type::Bool);
  CHECK(r->types["str"] == Type::String);
  CHECK(r->types["l"] == Type::List);
  CHECK(r->types["m"] == Type::Spec);
  CHECK(r->types["sweep"] == Type::List);
  CHECK(r->types["one"] == Type::Trained);
  CHECK(r->types["rep"] == Type::Report);
}

TEST_CASE("integers, paths and symbols", "[checker]") {
  auto r = run("model a = knn(4)\nmodel b = knn(4.5)\nmodel c = knn(k: -2)\nmodel d = knn(metric: cosin)\n"
               "dataset e = csv(3)\nmodel f = knn(metric: \"cosine\")\n");
  CHECK(r->errors == V{"2:15: argument 'k' of 'knn' expects an integer, got 4.5",
                       "4:23: 'cosin' is not a value of argument 'metric' of 'knn'",
                       "5:17: argument 'path' of 'csv' expects a file path, got a number",
                       "6:23: argument 'metric' of 'knn' expects a symbol, got a string"});
  CHECK(r->d.list[1].hint == "did you mean 'cosine'? one of: euclidean, cosine");
}

TEST_CASE("names in an expression parameter: definitions are checked, others are free", "[checker]") {
  auto r = run(std::string(base) +
               "genres six = [\"a\"]\n"
               "dataset k1 = t |> keep(label in six and Energy > 0.5)\n"
               "dataset k2 = t |> keep(label in sixx)\n"
               "model m = knn(k: 1)\n"
               "train g1 = grid(m, s.train, over: { k: [1, 3] }, score: acc - 0.1 * loss)\n"
               "train g2 = grid(m, s.train, over: { k: [1, 3] }, score: acc + f1)\n");
  CHECK(r->errors == V{"8:63: unknown name 'f1' in argument 'score' of 'grid'"});
  REQUIRE(r->d.list.size() == 2);
  CHECK(r->d.list[1].hint == "names allowed here: acc, loss");
  // a free name one typo away from a definition: read as a column, with a warning
  CHECK(r->d.list[0].warning);
  CHECK(r->d.list[0].range.begin.line == 5);
  CHECK(r->d.list[0].range.begin.col == 33);
  CHECK(r->d.list[0].message == "'sixx' is not a definition: it is read as a column name");
  CHECK(r->d.list[0].hint == "did you mean 'six'?");
}

TEST_CASE("grid's over: keys are arguments of the spec, values are lists", "[checker]") {
  auto r = run(std::string(base) +
               "model m = knn(k: 1)\n"
               "model n = net { dense(2) } with { optimizer: adam(lr: 0.1) }\n"
               "train a = grid(m, s.train, over: { k: [1, 2.5], metrik: [cosine] }, score: acc)\n"
               "train b = grid(m, s.train, over: { k: 3 }, score: acc)\n"
               "train c = grid(n, s.train, over: { lr: [0.1, 0.01], epochs: [1, 2] }, score: acc)\n"
               "train d = grid(m, s.train, over: { metric: [cosine, euclidean] }, score: acc)\n");
  CHECK(r->errors == V{"5:43: argument 'k' of 'knn' expects an integer, got 2.5",
                       "5:49: unknown argument 'metrik' for 'knn'",
                       "6:39: 'over' of 'grid' takes a list of values for each argument: write `k: [...]`"});
}

TEST_CASE("with: keys are arguments of the spec unless it takes open options", "[checker]") {
  auto r = run("model a = knn(k: 1) with { k: 2, kk: 3 }\n"
               "model b = open() with { anything: relu, seed: 1 }\n"
               "model c = net { dense(2) } with { optimizer: adam, epochs: 2.5 }\n"
               "dataset t = csv(\"a\")\n"
               "dataset d = t with { k: 1 }\n");
  CHECK(r->errors == V{"1:34: unknown argument 'kk' for 'knn'",
                       "3:60: argument 'epochs' of 'net' expects an integer, got 2.5",
                       "5:13: 'with' changes the options of a model spec, but this is a table"});
  CHECK(r->d.list[0].hint == "did you mean 'k'? 'knn' takes: k, metric");
}

TEST_CASE("blocks: items of the block's type, or names from its list", "[checker]") {
  auto r = run(std::string(base) +
               "model a = net { dense(2) knn(k: 1) dense }\n"
               "train m = fit(a, s.train)\n"
               "report r1 = evaluate(m, s.test) { accuracy, confusion }\n"
               "report r2 = evaluate(m, s.test) { acuracy, dense(1) }\n"
               "train f = fit(a, s.train) { accuracy }\n");
  CHECK(r->errors == V{"3:26: the block of 'net' takes layers, but this is a model spec",
                       "6:35: 'acuracy' is not allowed in the block of 'evaluate'",
                       "6:44: the block of 'evaluate' takes names",
                       "7:29: 'fit' takes no { ... } block"});
}

TEST_CASE("argument counts: too many, missing, twice, unknown", "[checker]") {
  auto r = run(std::string(base) +
               "model a = knn(1, cosine, 3)\n"
               "train b = fit(s.train)\n"
               "model c = knn(k: 1, k: 2)\n"
               "model d = knn(neighbours: 2)\n"
               "train e = fit(knn, s.train)\n");
  CHECK(r->errors == V{"3:26: too many arguments for 'knn': it takes 2 (k, metric)",
                       "4:11: missing required argument 'model' of 'fit'",
                       "5:21: argument 'k' of 'knn' is given twice",
                       "6:15: unknown argument 'neighbours' for 'knn'"});
}

TEST_CASE("names: definitions in any order, for names, unknown names with suggestions", "[checker]") {
  auto r = run("train m = fit(spec, data)\n"
               "model spec = knn(k: kk)\n"
               "dataset data = csv(\"a\")\n"
               "let x = for v in [1, 2]: v * 2\n"
               "let y = v\n"
               "let z = dat\n"
               "let w = spce\n");
  CHECK(r->errors == V{"2:21: unknown name 'kk'", "5:9: unknown name 'v'", "6:9: unknown name 'dat'",
                       "7:9: unknown name 'spce'"});
  CHECK(r->d.list[2].hint == "did you mean 'data'?");
  CHECK(r->d.list[3].hint == "did you mean 'spec'?");
  CHECK(r->types["m"] == Type::Trained);
}

TEST_CASE("ops and definitions are not interchangeable", "[checker]") {
  auto r = run("model m = knn(k: 1)\n"
               "let a = m(2)\n"
               "let b = fitt(m)\n"
               "let c = 1 |> m\n");
  CHECK(r->errors == V{"2:9: 'm' is a model definition, not an op: it cannot be called",
                       "3:9: unknown op 'fitt'", "4:14: 'm' is a model definition, not an op: it cannot be called"});
  CHECK(r->d.list[0].hint == "to change its options write `m with { ... }`");
  CHECK(r->d.list[1].hint == "did you mean 'fit'?");
}

TEST_CASE("wrong types: members, operators, for", "[checker]") {
  auto r = run(std::string(base) +
               "let a = t.train\n"
               "let b = \"x\" * 2\n"
               "let c = 1 + \"x\"\n"
               "let d = 1 in 2\n"
               "let e = for x in 3: x\n");
  CHECK(r->errors == V{"3:9: '.train' takes a part of a split (like `s.train`), but this is a table",
                       "4:9: '*' needs numbers, got a string",
                       "5:9: '+' adds numbers, or joins two strings or two lists; got a number and a string",
                       "6:14: 'in' needs a list on its right, got a number",
                       "7:18: 'for' needs a list of values after 'in', got a number"});
}

TEST_CASE("definitions: kinds, duplicates, cycles - every error in one run", "[checker]") {
  auto r = run("dataset a = knn(k: 1)\n"
               "split b = csv(\"x\")\n"
               "let c = d\n"
               "let d = c\n"
               "let c = 3\n"
               "train e = [1]\n"
               "features f = csv(\"y\")\n");
  CHECK(r->errors == V{"5:5: 'c' is defined twice", "1:9: the value of dataset 'a' must be a table, got a model spec",
                       "2:7: the value of split 'b' must be a split, got a table",
                       "4:9: cycle between definitions: c -> d -> c",
                       "6:7: the value of train 'e' must be a trained model or a list of them, got a list"});
  CHECK(r->d.list[0].hint == "first defined at line 3");
  CHECK(r->d.list[1].hint == "did you mean `model a = ...`?");
}

TEST_CASE("definitions from a module keep their file", "[checker]") {
  Script s;
  Diagnostics d;
  Script m = parse("std/m.genre", "let x = unknown_thing\nlet y = 1\n", d);
  s = parse("main.genre", "let y = 2\nlet z = x\n", d);
  std::vector<Definition> defs;
  for (auto& def : m.defs) defs.push_back(std::move(def));
  for (auto& def : s.defs) defs.push_back(std::move(def));
  s.defs = std::move(defs);
  check(s, test_catalog(), d);
  REQUIRE(d.list.size() == 2);
  CHECK(d.list[0].file == "main.genre");
  CHECK(d.list[0].message == "'y' is defined twice");
  CHECK(d.list[0].hint == "first defined at line 2 of std/m.genre");
  CHECK(d.list[1].file == "std/m.genre");
  CHECK(d.list[1].message == "unknown name 'unknown_thing'");
}

TEST_CASE("edit distance", "[checker]") {
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("six", "sixx") == 1);
  CHECK(edit_distance("acuracy", "accuracy") == 1);
  CHECK(edit_distance("ab", "ba") == 1);  // a transposition is one edit
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("one did-you-mean for names, columns and commands", "[checker]") {
  // short names: one edit; longer: up to a third of the name
  CHECK(closest("knm", {"knn", "svm"}) == "knn");
  CHECK(closest("kmm", {"knn", "svm"}).empty());
  CHECK(closest("lenght", {"filename", "length", "label"}) == "length");
  CHECK(closest("danceablity", {"danceability", "energy"}) == "danceability");
  CHECK(closest("acousticnes_x", {"acousticness", "energy"}) == "acousticness");
  CHECK(closest("tempo", {"tempo"}).empty());  // the word itself is no suggestion
  CHECK(did_you_mean(":lisst", {":list", ":load"}) == "did you mean ':list'?");
  CHECK(did_you_mean("zzzz", {":list"}).empty());
}
