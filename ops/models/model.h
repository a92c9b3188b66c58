// Model families behind `fit`: knn, svm, baseline, classifier (LibTorch).
// A spec is the JSON record the planner builds from `knn(k: 12)` or
// `classifier { ... } with { ... }`: {"spec": "knn", "k": 12, ...}.
// No torch in this header: only ops/models/classifier.cpp includes it.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

// Row-major dense matrix of doubles.
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> v;
  Matrix() = default;
  Matrix(size_t r, size_t c, double fill = 0) : rows(r), cols(c), v(r * c, fill) {}
  double& at(size_t r, size_t c) { return v[r * cols + c]; }
  double at(size_t r, size_t c) const { return v[r * cols + c]; }
};

// The named numeric columns as a matrix; DataError naming the table, column and
// row on a missing value ("impute first") or an unknown column.
Matrix feature_matrix(const Table& t, const std::vector<std::string>& names);
// The label column's values as indices into `classes`; DataError on a label
// the model was not trained on.
std::vector<int> label_indices(const Table& t, const std::vector<std::string>& classes);
// Distinct labels of the table, sorted (scikit-learn's order).
std::vector<std::string> class_names(const Table& t);

struct FitContext {
  std::string device = "cpu";
  uint64_t seed = 0;
  std::function<void(size_t done, size_t total, const std::string& what)> progress = [](size_t, size_t, const std::string&) {};
  std::function<void()> take_turn = [] {};  // after each epoch: OpContext::take_turn
};

Model fit_model(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);

// Keras's TerminateOnNaN: a training loss that is NaN or infinite ends the fit
// with a DataError naming the epoch, instead of a model of NaN weights.
void stop_if_diverged(double loss, int epoch);
// rows x classes scores, higher = more likely (probabilities where the family has them).
Matrix predict_scores(const Model& m, const Table& t, const FitContext& ctx);
std::vector<int> argmax_rows(const Matrix& scores);

// A spec's option, or `dflt` when the script left it out (the default its
// Signature documents). DataError when present with the wrong type.
double spec_number(const json& spec, const std::string& key, double dflt);
long spec_int(const json& spec, const std::string& key, long dflt);
std::string spec_symbol(const json& spec, const std::string& key, const std::string& dflt);
// The same with the default the spec's Signature declares (ops/models/specs.cpp),
// so each default is written once.
double spec_number(const json& spec, const std::string& key);
long spec_int(const json& spec, const std::string& key);
std::string spec_symbol(const json& spec, const std::string& key);
// A family's fitted state as compact bytes (MessagePack; doubles kept exactly).
std::string pack_state(const json& j);
json unpack_state(const std::string& bytes);
// The training labels and matrix every family starts from.
struct TrainData {
  std::vector<std::string> classes, features;
  Matrix x;
  std::vector<int> y;
};
TrainData train_data(const Table& train);

// A model family behind `fit` and every op that scores rows: each
// ops/models/<family>.cpp registers one (ops/registry.cpp lists them).
// `fit` is empty for a family no spec fits directly (an ensemble is built by
// average/vote from fitted members).
struct ModelFamily {
  std::string name;  // the spec's "spec" and the fitted Model's kind
  std::function<Model(const json& spec, const Table& train, const Table* validate, const FitContext& ctx)> fit;
  // rows x classes scores for a table with the columns the model was fitted on
  std::function<Matrix(const Model& m, const Table& t, const FitContext& ctx)> predict;
  // Throws for a state whose parts disagree (runtime/core/model_check.h); empty: none.
  std::function<void(const Model& m)> check = {};
  // Reads its rows a batch at a time (runtime/core/row_groups.h's SequenceRows): fit gives it a
  // stored table as it is, the others whole().
  bool batches = false;
};
void register_model_family(ModelFamily f);

// The LibTorch families' own code (libgenre_torch.so, reached through ops/torch_ops.h).
Model fit_classifier(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
// The classifier reads the Table: a sequence model reads its sequence column.
Matrix predict_classifier(const Model& m, const Table& t, const FitContext& ctx);
// Its saved weights against its layers (runtime/core/model_check.h): DataError if they do not fit.
void check_classifier(const Model& m);
// For tests and benches (in libgenre_torch): a classifier whose weights are
// given by parameter name ({"lstm0.weight_ih_l0": {"shape": [...], "values":
// [...]}, ...}, PyTorch's layouts), as if fitted on `like`; and every layer's
// output on a table ({"0": {"shape", "values"}, ..., "<i>_weights" for
// attention, "probs"}).
Model classifier_with_weights(const json& spec, const Table& like, const json& weights);
json trace_classifier(const Model& m, const Table& t);

}  // namespace genre
