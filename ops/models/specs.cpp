// The model, layer and optimizer specs a script can write. They never run: the
// planner turns `knn(k: 12)` into the record {"spec": "knn", "k": 12} and
// `fit` hands that record to ops/models/. Defaults are the ones the fitting
// code applies when an option is left out; they are named in each doc so the
// reference shows every number a result depends on.
#include "runtime/core/op.h"

namespace genre {

using lang::Param;
using lang::Role;
using lang::Signature;
using lang::Type;

namespace {

using lang::above;
using lang::at_least;
using lang::Bounds;
using lang::within;

Param num(std::string name, std::string doc, std::string dflt = "", Bounds b = {}, bool required = false) {
  return lang::bounded({.name = std::move(name), .types = {Type::Number}, .required = required, .doc = std::move(doc),
                        .dflt = std::move(dflt)},
                       b);
}
Param whole(std::string name, std::string doc, std::string dflt = "", Bounds b = {}, bool required = false) {
  Param p = num(std::move(name), std::move(doc), std::move(dflt), b, required);
  p.types = {Type::Int};
  return p;
}
Param symbol(std::string name, std::vector<std::string> symbols, std::string doc, std::string dflt = "", bool required = false) {
  return {.name = std::move(name), .types = {Type::Symbol}, .required = required, .symbols = std::move(symbols),
          .doc = std::move(doc), .dflt = std::move(dflt)};
}

void spec(Signature s) {
  s.role = Role::Spec;
  register_op(std::move(s));
}

// Every model family's preprocessing: fitted with the model, on its training rows.
Param prep() {
  return {.name = "prep",
          .types = {Type::List},
          .elem = Type::Step,
          .doc = "preprocessing fitted on the rows the model is fitted on and applied to every table it predicts: "
                 "ops written without their data, in order (prep: [impute(median), quantile(normal), minmax(-1, 1)]); "
                 "inside cv, grid and ablate that is each fold's training part"};
}

}  // namespace

void register_model_specs() {
  spec({.name = "knn",
        .params = {whole("k", "neighbours that vote", "5", at_least(1)),
                   symbol("metric", {"euclidean", "manhattan", "cosine"}, "distance between rows", "euclidean"), prep()},
        .result = Type::Spec,
        .doc = "k-nearest-neighbour classifier as scikit-learn's KNeighborsClassifier: uniform votes, exact "
               "distances, equal distances ordered by training row, vote ties to the first class; scores are vote "
               "shares"});

  spec({.name = "svm",
        .params = {symbol("kernel", {"rbf", "linear"}, "kernel function", "rbf"),
                   num("C", "penalty of the soft margin", "1", above(0)),
                   {.name = "gamma",
                    .types = {Type::Number, Type::Symbol},
                    .symbols = {"scale", "auto"},
                    .doc = "rbf width: a number, scale = 1 / (features * variance of the training matrix) or auto = "
                           "1 / features",
                    .lo = 0,
                    .lo_open = true,
                    .dflt = "scale"},
                   symbol("multiclass", {"one_vs_one"}, "how classes are separated: libsvm's one-vs-one (the only "
                                                        "choice)", "one_vs_one"),
                   prep()},
        .result = Type::Spec,
        .doc = "support-vector classifier (libsvm C-SVC as scikit-learn's SVC: tolerance 1e-3, 200 MB cache, "
               "shrinking); scores are one-vs-one votes with a small margin tie-break, divided by the class count"});

  spec({.name = "logistic",
        .params = {num("C", "inverse strength of the L2 penalty on the weights (the intercepts are not penalised)", "1", above(0)),
                   whole("max_iter", "L-BFGS iterations at most; a fit that stops there says so (converged: false)", "1000", at_least(1)),
                   num("tol", "stop when the gradient's largest component is at most this (on the mean loss)", "1e-8", above(0)),
                   prep()},
        .result = Type::Spec,
        .doc = "logistic regression as scikit-learn's LogisticRegression(solver=lbfgs, penalty=l2): softmax over the "
               "classes (one logit for two), minimising the mean cross-entropy + |W|^2 / (2 C rows) from zero weights "
               "with L-BFGS (liblbfgs, 10 corrections); run to convergence by default (scikit-learn stops at tol 1e-4 "
               "or 100 iterations); scores are probabilities"});

  spec({.name = "xgboost",
        .params = {whole("rounds", "boosting rounds (trees per class)", "100", at_least(1)),
                   whole("depth", "deepest level of a tree", "6", at_least(1)),
                   num("eta", "learning rate: each tree's shrinkage", "0.3", within(0, 1, true, false)),
                   num("subsample", "share of the rows each tree is grown on", "1", within(0, 1, true, false)),
                   num("colsample", "share of the features each tree may split on", "1", within(0, 1, true, false)),
                   num("min_child_weight", "least hessian weight a leaf may hold", "1", at_least(0)),
                   num("lambda", "L2 penalty on the leaf weights", "1", at_least(0)),
                   whole("seed", "seed of the row and feature samples (default: derived from the node)"), prep()},
        .result = Type::Spec,
        .doc = "gradient-boosted trees (XGBoost 1.7's C API as xgboost.train: multi:softprob, tree_method hist, "
               "features as float32, one thread per fit); scores are probabilities"});

  spec({.name = "random_forest",
        .params = {whole("trees", "trees grown side by side", "100", at_least(1)),
                   whole("depth", "deepest level of a tree", "6", at_least(1)),
                   num("subsample", "share of the rows each tree is grown on", "0.8", within(0, 1, true, false)),
                   num("colsample", "share of the features each split may use", "0.8", within(0, 1, true, false)),
                   whole("seed", "seed of the row and feature samples (default: derived from the node)"), prep()},
        .result = Type::Spec,
        .doc = "a random forest as XGBoost's XGBRFClassifier: one round of parallel trees, learning rate 1, leaf "
               "penalty 1e-5, rows sampled per tree and features per split; scores are probabilities"});

  spec({.name = "baseline",
        .params = {symbol("strategy", {"majority", "random", "stratified"},
                          "majority = most frequent training class; random = uniform draw per row; stratified = draw "
                          "with the training class shares",
                          "", true),
                   whole("seed", "seed of the random draws (default: derived from the node)"), prep()},
        .result = Type::Spec,
        .doc = "a reference classifier that ignores the features (scikit-learn's DummyClassifier)"});

  spec({.name = "classifier",
        .params =
            {{.name = "optimizer", .types = {Type::Optimizer}, .doc = "how weights are updated (default adam())"},
             whole("batch", "rows per mini-batch (as Keras)", "32", at_least(1)),
             whole("epochs", "passes over the training rows (as Keras)", "1", at_least(1)),
             {.name = "early_stop",
              .types = {Type::Record},
              .doc = "stop when `monitor` (val_loss | val_acc | loss | acc, default val_loss) has not improved for "
                     "`patience` epochs and then restore the best epoch's weights (`restore`, default true; as Keras, a "
                     "run that never stops keeps its last weights); `min_delta` default 0; val_* monitors need fit's "
                     "validate table"},
             {.name = "reduce_lr",
              .types = {Type::Record},
              .doc = "multiply the learning rate by `factor` (default 0.1) when `monitor` (default val_loss) has not "
                     "improved by `min_delta` (default 1e-4, Keras) for `patience` epochs (default 10), never below "
                     "`min_lr` (default 0)"},
             {.name = "class_weights",
              .types = {Type::Bool, Type::Symbol},
              .symbols = {"balanced"},
              .doc = "weight each row's loss by its class: balanced = rows / (classes * class rows); false = all 1 "
                     "(default false)"},
             whole("seed", "seed of weight initialisation, dropout and shuffling (default: derived from the node)"),
             symbol("loss", {"cross_entropy"}, "training loss (default cross_entropy)"), prep()},
        .result = Type::Spec,
        .block = true,
        .block_item = Type::Layer,
        .block_param = "layers",
        .doc = "a neural network of the layers in its block, trained with mini-batches shuffled every epoch; dense "
               "weights start Glorot-uniform with zero biases (Keras); a table with one sequence column is read as "
               "sequences (each batch padded to its longest row, padding masked), else the numeric columns; "
               "per-epoch history: loss, acc, macro precision and recall on train (over the epoch's batches) and "
               "val_* on fit's validate table"});

  spec({.name = "dense",
        .params = {whole("units", "output width; leave it out on the last layer to get one unit per class", "", at_least(1)),
                   symbol("act", {"relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear"},
                          "activation; softmax on the last layer = class probabilities", "linear"),
                   num("slope", "leaky_relu's slope for negative inputs (Keras's LeakyReLU)", "0.3")},
        .result = Type::Layer,
        .doc = "a fully connected layer followed by its activation; on a sequence it applies to each step"});

  for (std::string rnn : {"lstm", "gru"}) {
    std::vector<Param> params = {
        whole("units", "hidden size", "", at_least(1), true),
        symbol("return", {"last", "mean", "sequences"},
               "what it passes on: the last real step, the mean over real steps, or every step (default: sequences "
               "when a later layer reads sequences - lstm, gru, attention, global_average_pool - else last)"),
        {.name = "bidirectional",
         .types = {Type::Bool},
         .doc = "also read the sequence backwards and concatenate both (default false)"}};
    if (rnn == "lstm")
      params.push_back(symbol("activation", {"tanh", "sigmoid"},
                              "the cell's candidate and output activation (Keras's activation=): tanh (default, "
                              "PyTorch's LSTM) or sigmoid (S1's \"sigmoid-activated\" units; stepped one time step "
                              "at a time, slower); the gates stay sigmoid",
                              "tanh"));
    spec({.name = rnn,
          .params = params,
          .result = Type::Layer,
          .doc = rnn == "lstm"
                     ? "a long short-term memory layer (PyTorch's gates; Keras's start: Glorot-uniform input kernels, "
                       "orthogonal recurrent kernels, zero biases with forget-gate bias 1); padded steps are skipped; "
                       "table rows read as length-1 sequences"
                     : "a gated recurrent unit layer (PyTorch's gates = Keras's reset_after; Glorot-uniform input "
                       "kernels, orthogonal recurrent kernels, zero biases); padded steps are skipped; table rows read "
                       "as length-1 sequences"});
  }

  spec({.name = "attention",
        .params = {},
        .result = Type::Layer,
        .doc = "additive (Bahdanau) attention over time steps: score_t = v^T tanh(W h_t + b) (W, v Glorot-uniform, b "
               "zero, W as wide as h), weights a_t = softmax over the row's real steps (padding gets 0); passes on "
               "the sequence h_t * a_t when a sequence layer follows (then global_average_pool gives sum a_t h_t / "
               "steps), else the context vector sum a_t h_t"});

  spec({.name = "global_average_pool",
        .params = {},
        .result = Type::Layer,
        .doc = "the mean of a sequence over its real steps (padding left out)"});

  spec({.name = "embedding",
        .params = {whole("dims", "length of each vector; must match the vectors file when one is given", "", at_least(1)),
                   {.name = "vectors",
                    .types = {Type::Path},
                    .doc = "pre-trained vectors in GloVe's text format (relative to the script); rows of words "
                           "without a vector start at zero when frozen, random when trainable (default: none, rows "
                           "start uniform in [-0.05, 0.05] as Keras)"},
                   {.name = "trainable",
                    .types = {Type::Bool},
                    .doc = "false freezes the rows during training (default true)"},
                   {.name = "text",
                    .types = {Type::String},
                    .doc = "the text column the token ids were made from, to recover the vocabulary for vectors: "
                           "(default: the table's only text column)"}},
        .result = Type::Layer,
        .doc = "token ids (a tokenize column; 0 = padding, masked downstream) -> vectors; must be the first layer; "
               "rows: the vocabulary (every id the training rows use)"});

  spec({.name = "dropout",
        .params = {num("p", "share of inputs zeroed while training (scaled by 1/(1-p)); on sequences, per step and value", "",
                       within(0, 1, false, true), true)},
        .result = Type::Layer,
        .doc = "randomly zero inputs while training; does nothing when predicting"});

  spec({.name = "adam",
        .params = {num("lr", "learning rate (Keras's default; above 10 any network diverges)", "0.001", within(0, 10, true)),
                   num("beta1", "first-moment decay", "0.9", within(0, 1, false, true)),
                   num("beta2", "second-moment decay", "0.999", within(0, 1, false, true)),
                   num("eps", "denominator guard (Keras; PyTorch uses 1e-8)", "1e-7", above(0))},
        .result = Type::Optimizer,
        .doc = "Adam optimizer"});

  spec({.name = "nadam",
        .params = {num("lr", "learning rate (Keras's default; above 10 any network diverges)", "0.001", within(0, 10, true)),
                   num("beta1", "first-moment decay", "0.9", within(0, 1, false, true)),
                   num("beta2", "second-moment decay", "0.999", within(0, 1, false, true)),
                   num("eps", "denominator guard (Keras; PyTorch uses 1e-8)", "1e-7", above(0)),
                   num("momentum_decay", "momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)) "
                                         "(Keras and PyTorch)", "0.004", at_least(0))},
        .result = Type::Optimizer,
        .doc = "Adam with Nesterov momentum (Keras's Nadam, the same update as PyTorch's NAdam)"});

  spec({.name = "sgd",
        .params = {num("lr", "learning rate (Keras's default; above 10 any network diverges)", "0.01", within(0, 10, true)),
                   num("momentum", "momentum", "0", within(0, 1, false, true))},
        .result = Type::Optimizer,
        .doc = "stochastic gradient descent"});
}

}  // namespace genre
