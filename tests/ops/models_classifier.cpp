// The LibTorch classifier: learning, reproducibility, Keras-style callbacks, and
// its optimizers against PyTorch (tests/data/models/gen_optim.py).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "models_util.h"
#include "ops/models/model.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// Three well separated blobs in 2-D, labels a/b/c; `noise_labels` shuffles the labels.
Table blobs(size_t n, unsigned seed, bool noise_labels = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 0.5);
  const double cx[3] = {-2, 2, 0}, cy[3] = {0, 0, 3};
  const char* names[3] = {"a", "b", "c"};
  Table t;
  t.source = "blobs";
  t.label = "y";
  Column x{.name = "x"}, y{.name = "z"}, l{.name = "y", .numeric = false};
  for (size_t i = 0; i < n; i++) {
    size_t c = i % 3;
    x.num.push_back(cx[c] + g(rng));
    y.num.push_back(cy[c] + g(rng));
    l.text.push_back(names[noise_labels ? rng() % 3 : c]);
    l.present.push_back(1);
  }
  t.cols = {x, y, l};
  return t;
}

json mlp(json options) {
  json spec = {{"spec", "classifier"},
               {"layers", {{{"layer", "dense"}, {"units", 16}, {"act", "relu"}},
                           {{"layer", "dropout"}, {"p", 0.2}},
                           {{"layer", "dense"}, {"act", "softmax"}}}}};
  if (options.is_object()) spec.update(options);
  return spec;
}

double accuracy(const Model& m, const Table& t) {
  auto truth = label_indices(t, m.classes);
  auto pred = argmax_rows(predict_scores(m, t, {}));
  size_t hit = 0;
  for (size_t i = 0; i < truth.size(); i++) hit += truth[i] == pred[i];
  return double(hit) / double(truth.size());
}

double mean_ce(const Model& m, const Table& t) {
  auto truth = label_indices(t, m.classes);
  Matrix p = predict_scores(m, t, {});
  double s = 0;
  for (size_t i = 0; i < truth.size(); i++) s -= std::log(p.at(i, size_t(truth[i])));
  return s / double(truth.size());
}

}  // namespace

TEST_CASE("classifier learns separable blobs", "[classifier]") {
  Table train = blobs(300, 1), test = blobs(150, 2);
  Model m = fit_model(mlp({{"optimizer", {{"optimizer", "nadam"}, {"lr", 0.01}}}, {"batch", 32}, {"epochs", 30},
                           {"seed", 3}}),
                      train, &test, {});
  CHECK(accuracy(m, test) > 0.95);
  REQUIRE(m.info["history"].size() == 30);
  auto& h = m.info["history"];
  CHECK(h[29]["loss"].get<double>() < h[0]["loss"].get<double>());
  CHECK(h[29]["val_acc"].get<double>() > 0.95);
  // probabilities sum to 1
  Matrix p = predict_scores(m, test, {});
  for (size_t r = 0; r < p.rows; r++) CHECK_THAT(p.at(r, 0) + p.at(r, 1) + p.at(r, 2), WithinAbs(1, 1e-6));
}

TEST_CASE("classifier: the same seed gives the same weights and history", "[classifier]") {
  Table train = blobs(120, 4), val = blobs(60, 5);
  json spec = mlp({{"batch", 16}, {"epochs", 5}, {"seed", 9}});
  Model a = fit_model(spec, train, &val, {}), b = fit_model(spec, train, &val, {});
  CHECK(a.state == b.state);
  CHECK(a.info["history"] == b.info["history"]);
  // The seed comes from the context when the spec has none.
  json nospec = mlp({{"batch", 16}, {"epochs", 5}});
  FitContext c7, c8;
  c7.seed = 7;
  c8.seed = 8;
  Model c = fit_model(nospec, train, &val, c7), d = fit_model(nospec, train, &val, c7), e = fit_model(nospec, train, &val, c8);
  CHECK(c.state == d.state);
  CHECK(c.info["history"] != e.info["history"]);
}

TEST_CASE("classifier: early stopping stops and restores the best weights", "[classifier]") {
  // Noise labels on the validation rows: val_loss soon stops improving.
  Table train = blobs(150, 6, true), val = blobs(90, 7, true);
  long patience = 3;
  Model m = fit_model(mlp({{"optimizer", {{"optimizer", "adam"}, {"lr", 0.05}}}, {"batch", 16}, {"epochs", 200},
                           {"seed", 1}, {"early_stop", {{"patience", patience}}}}),
                      train, &val, {});
  auto& h = m.info["history"];
  long stopped = m.info["stopped_epoch"], best = m.info["best_epoch"];
  REQUIRE(stopped > 0);
  CHECK(stopped < 200);
  CHECK(long(h.size()) == stopped);
  CHECK(stopped == best + patience);
  size_t argmin = 0;
  for (size_t i = 1; i < h.size(); i++)
    if (h[i]["val_loss"].get<double>() < h[argmin]["val_loss"].get<double>()) argmin = i;
  CHECK(long(argmin) + 1 == best);
  // The returned model is the best epoch's: its validation loss is that epoch's.
  CHECK_THAT(mean_ce(m, val), WithinAbs(h[argmin]["val_loss"].get<double>(), 1e-5));
}

TEST_CASE("classifier: reduce_lr lowers the rate after `patience` epochs without improvement", "[classifier]") {
  Table train = blobs(150, 8, true), val = blobs(90, 9, true);
  double lr = 0.05, factor = 0.5, min_lr = 0.01;
  long patience = 2;
  Model m = fit_model(mlp({{"optimizer", {{"optimizer", "sgd"}, {"lr", lr}, {"momentum", 0.9}}}, {"batch", 16},
                           {"epochs", 25}, {"seed", 2},
                           {"reduce_lr", {{"factor", factor}, {"patience", patience}, {"min_lr", min_lr}}}}),
                      train, &val, {});
  auto& h = m.info["history"];
  // Replay Keras's rule on the recorded val_loss and compare the rates used.
  double best = INFINITY, cur = lr;
  long wait = 0, drops = 0;
  for (auto& e : h) {
    CHECK_THAT(e["lr"].get<double>(), WithinAbs(cur, 1e-12));
    double v = e["val_loss"];
    if (v < best - 1e-4) {
      best = v;
      wait = 0;
    } else if (++wait >= patience) {
      if (cur > min_lr) {
        cur = std::max(cur * factor, min_lr);
        drops++;
      }
      wait = 0;
    }
  }
  CHECK(drops >= 2);  // noise labels: the plateau comes early
  CHECK(h.back()["lr"].get<double>() < lr);
}

TEST_CASE("classifier optimizers take PyTorch's steps", "[classifier]") {
  json ref = testing::read_json(testing::models_data("optim_reference.json"));
  Table t = testing::read_table(testing::models_data("optim_data.csv"), "genre");
  std::map<std::string, json> opts = {
      {"nadam", {{"optimizer", "nadam"}, {"lr", 0.05}}},
      {"adam", {{"optimizer", "adam"}, {"lr", 0.05}}},
      {"sgd", {{"optimizer", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}},
  };
  for (auto& [name, opt] : opts) {
    INFO(name);
    json spec = {{"spec", "classifier"},
                 {"layers", {{{"layer", "dense"}, {"units", 5}, {"act", "tanh"}}, {{"layer", "dense"}, {"act", "softmax"}}}},
                 {"optimizer", opt},
                 {"batch", 12},  // the whole table: one step per epoch
                 {"epochs", ref["epochs"]},
                 {"seed", ref["seed"]}};
    Model m = fit_model(spec, t, nullptr, {});
    auto& h = m.info["history"];
    REQUIRE(h.size() == ref[name]["loss"].size());
    for (size_t e = 0; e < h.size(); e++) CHECK_THAT(h[e]["loss"].get<double>(), WithinAbs(ref[name]["loss"][e], 2e-6));
    Matrix p = predict_scores(m, t, {});
    auto want = ref[name]["proba"].get<std::vector<std::vector<double>>>();
    for (size_t r = 0; r < p.rows; r++)
      for (size_t c = 0; c < p.cols; c++) CHECK_THAT(p.at(r, c), WithinAbs(want[r][c], 2e-6));
  }
}

TEST_CASE("classifier options and their errors", "[classifier]") {
  Table t = blobs(30, 3);
  json bad = mlp({});
  bad["layers"][2]["units"] = 4;
  CHECK_THROWS_WITH(fit_model(bad, t, nullptr, {}), Contains("the last layer has 4 units but the training labels have 3 classes"));
  json no_val = mlp({{"early_stop", {{"patience", 2}}}, {"epochs", 2}});
  Model m = fit_model(no_val, t, nullptr, {});
  CHECK_THAT(m.info["notes"][0].get<std::string>(), Contains("early_stop monitors val_loss but fit has no validate table"));
  // Balanced class weights: rows / (classes * class rows).
  Table uneven = blobs(10, 3);  // classes a, b, c get 4, 3, 3 rows
  Model w = fit_model(mlp({{"class_weights", "balanced"}}), uneven, nullptr, {});
  CHECK_THAT(w.info["class_weights"][0].get<double>(), WithinAbs(10.0 / (3 * 4), 1e-12));
  CHECK_THAT(w.info["class_weights"][1].get<double>(), WithinAbs(10.0 / (3 * 3), 1e-12));
  // dense(softmax): the activation given where the units go
  json positional = mlp({});
  positional["layers"][2] = {{"layer", "dense"}, {"units", "softmax"}};
  CHECK_NOTHROW(fit_model(positional, t, nullptr, {}));
}

TEST_CASE("a training loss that becomes NaN or infinite stops the fit with the epoch (TerminateOnNaN)", "[classifier]") {
  // adam(lr: 1e308) used to train to NaN weights and exit 0. Such an lr is now a
  // check-time error (its declared range), and a spec that reaches fit anyway
  // (read back from elsewhere) is refused before training:
  Table t = blobs(120, 5);
  try {
    fit_model(mlp({{"optimizer", {{"optimizer", "sgd"}, {"lr", 1e30}}}, {"batch", 16}, {"epochs", 5}, {"seed", 1}}), t,
              nullptr, {});
    FAIL("the fit went on");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) == "sgd: 'lr' must be within 0 < lr <= 10, got 1e+30");
  }
  // A valid lr on features no network can take (1e30 overflows float32) diverges in epoch 1.
  for (auto& c : t.cols)
    if (c.numeric && c.name != t.label)
      for (auto& v : c.num) v *= 1e30;
  try {
    fit_model(mlp({{"optimizer", {{"optimizer", "sgd"}, {"lr", 10}}}, {"batch", 16}, {"epochs", 5}, {"seed", 1}}), t,
              nullptr, {});
    FAIL("the fit went on");
  } catch (const DataError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("training stopped at epoch 1"));
    CHECK_THAT(e.what(), Catch::Contains("the loss became"));
  }
}
