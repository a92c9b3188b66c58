// Ablation: the same classifier trained and evaluated with parts of its layer
// list removed or replaced. expand_ablate turns
//   ablate(attn, s.train, s.test, validate: s.val,
//          variants: { no_pool: remove(global_average_pool), hidden64: replace(lstm(128), lstm(64)) })
// into one `fit` per variant (the original first, under the name "original")
// and one `evaluate` of all of them on the test rows, so the report is one
// table comparing them and every fit is cached on its own (the original's fit
// is the very node a plain fit(attn, s.train, validate: s.val) makes).
// remove and replace are edits, read only here; a layer they name that the
// model's block lacks is an error at the variant's position.
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "runtime/core/op.h"

namespace genre {

namespace {

using K = lang::Expr::Kind;

// One ablate edit (remove(...) / replace(old, new)) applied to a layer list.
void edit_layers(Expansion& x, json& layers, const json& edit, const lang::Expr& at, const std::string& model) {
  auto kinds = [&] {
    std::string s;
    for (auto& l : layers) s += (s.empty() ? "" : ", ") + l.value("layer", std::string("?"));
    return s;
  };
  auto matches = [](const json& layer, const json& what) {
    return what.is_string() ? layer.value("layer", std::string()) == what.get<std::string>() : layer == what;
  };
  auto what_text = [](const json& w) {  // a layer as the script writes it: dense(32, relu)
    if (w.is_string()) return w.get<std::string>();
    std::string kind = w.value("layer", std::string("?")), args;
    if (const lang::Signature* sig = lang::catalog().find(kind))
      for (auto& p : sig->params)
        if (w.contains(p.name)) {
          const json& v = w[p.name];
          args += (args.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.is_number() ? fmt::format("{:g}", v.get<double>()) : v.dump());
        }
    return kind + "(" + args + ")";
  };
  std::string op = edit.is_object() ? edit.value("spec", std::string()) : "";
  if (op == "remove") {
    json names = edit.at("layers");
    if (!names.is_array()) names = json::array({names});
    for (auto& w : names) {
      json kept = json::array();
      for (auto& l : layers)
        if (!matches(l, w)) kept.push_back(l);
      if (kept.size() == layers.size())
        x.fail(at.range, "'" + model + "' has no layer '" + what_text(w) + "' to remove", "its layers: " + kinds());
      layers = kept;
    }
    if (layers.empty()) x.fail(at.range, "this variant removes every layer of '" + model + "'");
    return;
  }
  if (op == "replace") {
    size_t n = 0;
    for (auto& l : layers)
      if (matches(l, edit.at("old"))) l = edit.at("new"), ++n;
    if (n == 0)
      x.fail(at.range, "'" + model + "' has no layer '" + what_text(edit.at("old")) + "' to replace", "its layers: " + kinds());
    return;
  }
  x.fail(at.range, "a variant is remove(...) or replace(old, new), or a list of them");
}

// ablate(model, data, test, validate:, variants: { name: edit, ... }) { metrics }
// -> one `fit` per variant (the original first) and one `evaluate` of them all.
Planned expand_ablate(Expansion& x) {
  const lang::Expr& model_expr = x.arg("model");
  Planned spec = x.value("model");
  std::string model = model_expr.kind == K::Name ? model_expr.text : "the model";
  if (!spec.is_const() || !spec.value.is_object() || !spec.value.contains("layers") || !spec.value["layers"].is_array())
    x.fail(model_expr.range, "ablate changes the layers of a classifier { ... }, and " + model + " has no layers");
  Planned data = x.value("data"), test = x.value("test");
  std::optional<Planned> validate;
  if (x.has("validate")) validate = x.value("validate");
  const lang::Expr& vars = x.arg("variants");
  if (vars.kind != K::Record) x.fail(vars.range, "variants is a record: { no_pool: remove(global_average_pool), ... }");

  // (name, spec, where the script writes it): a variant's fit fails at its own position
  std::vector<std::tuple<std::string, json, lang::Range>> variants{{"original", spec.value, x.range()}};
  for (auto& f : vars.fields) {
    if (f.name == "original") x.fail(f.name_range, "'original' names the unchanged model; give this variant another name");
    Planned v = x.eval(*f.value);
    if (!v.is_const()) x.fail(f.value->range, "a variant is remove(...) or replace(old, new), not data");
    json s = spec.value;
    json edits = v.value.is_array() ? v.value : json::array({v.value});
    for (size_t i = 0; i < edits.size(); ++i) {
      const lang::Expr& at = f.value->kind == K::List && i < f.value->items.size() ? *f.value->items[i] : *f.value;
      edit_layers(x, s["layers"], edits[i], at, model);
    }
    variants.push_back({f.name, s, f.value->range});
  }

  std::vector<Planned> fits;
  for (auto& [name, s, at] : variants) {
    std::vector<PlannedInput> in{{"data", data}};
    if (validate) in.push_back({"validate", *validate});
    // evaluate reports each model under the variant's name
    fits.push_back(x.node("fit", {{"model", s}}, in, "[" + name + "]", name, &at));
  }
  json metrics = x.block_names();
  json params = metrics.empty() ? json::object() : json{{"metrics", metrics}};
  return x.node("evaluate", params, {{"models", Planned::list(fits)}, {"data", test}});
}

}  // namespace

void register_ablate() {
  using lang::Type;
  // The layer kinds the catalog knows when this runs (registry.cpp calls it
  // after every layer spec is registered).
  std::vector<std::string> layers;
  for (auto& [name, sig] : lang::catalog().all())
    if (sig.result == Type::Layer) layers.push_back(name);
  const lang::Signature* ev = lang::catalog().find("evaluate");
  if (!ev) throw InternalError("ablate: evaluate must be registered first (its metrics are ablate's)");

  register_expansion({.name = "ablate",
               .params = {{.name = "model", .types = {Type::Spec}, .required = true,
                           .doc = "the classifier spec whose layers the variants change"},
                          {.name = "data", .types = {Type::Table}, .required = true, .doc = "training rows of every variant"},
                          {.name = "test", .types = {Type::Table}, .required = true, .doc = "rows every variant is evaluated on"},
                          {.name = "validate", .types = {Type::Table}, .doc = "validation rows, as fit's validate"},
                          {.name = "variants",
                           .types = {Type::Record},
                           .required = true,
                           .doc = "name -> an edit of the layer list, or a list of edits: remove(layer, ...) or "
                                  "replace(old, new)"}},
               .result = Type::Report,
               .block = true,
               .block_item = Type::Symbol,
               .block_symbols = ev->block_symbols,
               .block_param = "metrics",
               .doc = "train the original spec and every variant on data (with validate) and evaluate them all on "
                      "test: one evaluate report, the original first under the name \"original\", then the variants "
                      "in the script's order; the block names evaluate's metrics (default accuracy, macro_f1, "
                      "confusion). Each variant's fit is its own node (parallel, cached)"},
              expand_ablate);

  register_op({.name = "remove",
               .role = lang::Role::Spec,
               .params = {{.name = "layers",
                           .types = {Type::List, Type::Symbol, Type::Layer},
                           .required = true,
                           .symbols = layers,
                           .elem = Type::Symbol,
                           .doc = "layer kinds (every layer of that kind goes: remove(dropout)), or one layer written in "
                                  "full (only layers equal to it go: remove(dense(512, relu)))"}},
               .result = Type::Record,
               .doc = "an ablate variant: the model's layers without these; each must be in the model's block"});

  register_op({.name = "replace",
               .role = lang::Role::Spec,
               .params = {{.name = "old",
                           .types = {Type::Layer, Type::Symbol},
                           .required = true,
                           .symbols = layers,
                           .doc = "the layer to replace: a kind (every layer of it) or a layer written in full"},
                          {.name = "new", .types = {Type::Layer}, .required = true, .doc = "the layer put in its place"}},
               .result = Type::Record,
               .doc = "an ablate variant: the model's layers with `old` replaced by `new`; `old` must be in the "
                      "model's block"});
}

}  // namespace genre
