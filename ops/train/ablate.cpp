// Ablation: the same classifier trained and evaluated with parts of its layer
// list removed or replaced. The planner expands
//   ablate(attn, s.train, s.test, validate: s.val,
//          variants: { no_pool: remove(global_average_pool), hidden64: replace(lstm(128), lstm(64)) })
// into one `fit` per variant (the original first, under the name "original")
// and one `evaluate` of all of them on the test rows, so the report is one
// table comparing them and every fit is cached on its own (the original's fit
// is the very node a plain fit(attn, s.train, validate: s.val) makes).
// remove and replace are edits, read only by the planner; a layer they name
// that the model's block lacks is an error at the variant's position.
#include "ops/op.h"

namespace genre {

void register_ablate() {
  using lang::Type;
  // The layer kinds the catalog knows when this runs (registry.cpp calls it
  // after every layer spec is registered).
  std::vector<std::string> layers;
  for (auto& [name, sig] : lang::catalog().all())
    if (sig.result == Type::Layer) layers.push_back(name);
  const lang::Signature* ev = lang::catalog().find("evaluate");
  if (!ev) throw InternalError("ablate: evaluate must be registered first (its metrics are ablate's)");

  register_op({.name = "ablate",
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
               .doc = "train the original spec and every variant on data (with validate) and evaluate them all on "
                      "test: one evaluate report, the original first under the name \"original\", then the variants "
                      "in the script's order; the block names evaluate's metrics (default accuracy, macro_f1, "
                      "confusion). Each variant's fit is its own node (parallel, cached)"},
              [](const OpContext&) -> Value { throw InternalError("ablate is expanded by the planner"); });

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
