// predict(model, data): a trained model's answer for every row of a table,
// labels or not: the row's text columns (its ids), the predicted class and the
// model's score per class (p_<class>).
#include <fmt/format.h>

#include "ops/models/model.h"
#include "runtime/core/op.h"

namespace genre {

namespace {

Value run_predict(const OpContext& ctx) {
  const Model* m = std::get_if<Model>(&ctx.input("model"));
  if (!m) throw InternalError("predict: the model input is not a trained model");
  const Table& data = std::get<Table>(ctx.input("data"));
  FitContext fc{.device = ctx.device, .seed = ctx.seed, .progress = ctx.progress};
  Matrix scores = predict_scores(*m, data, fc);
  std::vector<int> pred = argmax_rows(scores);
  Table out;
  out.source = data.source;
  for (auto& c : data.cols)
    if (c.is_text()) out.cols.push_back(c);  // file names, ids, a label if there is one
  Column p{.name = "predicted", .numeric = false};
  for (int c : pred) p.text.push_back(m->classes[size_t(c)]);
  p.present.assign(p.text.size(), 1);
  out.cols.push_back(std::move(p));
  for (size_t c = 0; c < m->classes.size(); ++c) {
    Column s{.name = "p_" + m->classes[c]};
    for (size_t r = 0; r < scores.rows; ++r) s.num.push_back(scores.at(r, c));
    out.cols.push_back(std::move(s));
  }
  return out;
}

}  // namespace

void register_predict() {
  using lang::Type;
  register_op({.name = "predict",
               .params = {{.name = "model", .types = {Type::Trained}, .required = true, .doc = "a trained model"},
                          {.name = "data",
                           .types = {Type::Table},
                           .required = true,
                           .doc = "rows with the model's feature columns, after the same preprocessing as its training "
                                  "rows; no label needed"}},
               .result = Type::Table,
               .doc = "the model's answer for every row: the row's text columns, `predicted` (the class with the "
                      "highest score) and `p_<class>`, the model's score per class (probabilities for classifiers "
                      "and ensembles, vote shares for knn, one-vs-one votes for svm). `genre predict` does this for "
                      "new files, replaying the script's steps from the raw input"},
              run_predict);
}

}  // namespace genre
