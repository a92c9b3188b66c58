// Sequence layers of the classifier: forward parity with PyTorch on fixed
// weights (tests/data/gen_sequence_parity.py), masking of padded steps,
// attention weights, learning a small sequence task, table rows through
// dense -> lstm, frozen pre-trained embeddings, and the errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "models_util.h"
#include "ops/models/model.h"
#include "ops/text/vocab.h"

using namespace genre;
using Catch::Matchers::Contains;

namespace {

const json& parity() {
  static const json j = testing::read_json(std::string(GENRE_TEST_DIR) + "/data/sequence/parity.json");
  return j;
}

Column labels(const std::vector<std::string>& ls) {
  Column l{.name = "genre", .numeric = false};
  for (auto& s : ls) {
    l.text.push_back(s);
    l.present.push_back(1);
  }
  return l;
}

Column seq_column(const std::string& name, const std::vector<std::vector<float>>& rows, uint32_t dims) {
  Column c{.name = name, .numeric = false};
  c.seq_dims = dims;
  c.seq = rows;
  c.present.assign(rows.size(), 1);
  return c;
}

// The table of a parity case: a sequence column "x" or numeric columns f0.., label "genre".
Table case_table(const json& c) {
  Table t;
  t.source = c["name"].get<std::string>();
  t.label = "genre";
  if (c.contains("rows")) {
    t.cols.push_back(seq_column("x", c["rows"].get<std::vector<std::vector<float>>>(), c["dims"].get<uint32_t>()));
  } else {
    auto cols = c["columns"].get<std::vector<std::vector<double>>>();
    for (size_t j = 0; j < cols.size(); j++) t.cols.push_back(Column{.name = "f" + std::to_string(j), .num = cols[j]});
  }
  t.cols.push_back(labels(c["labels"].get<std::vector<std::string>>()));
  return t;
}

double worst(const json& got, const json& want) {
  auto g = got["values"].get<std::vector<float>>();
  auto w = want.get<std::vector<float>>();
  REQUIRE(g.size() == w.size());
  double e = 0;
  for (size_t i = 0; i < g.size(); i++) e = std::max(e, std::fabs(double(g[i]) - double(w[i])));
  return e;
}

json find_case(const std::string& name) {
  for (auto& c : parity()["cases"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no parity case " + name);
}

}  // namespace

TEST_CASE("sequence layers match PyTorch on fixed weights", "[models][sequence]") {
  for (auto& c : parity()["cases"]) {
    Table t = case_table(c);
    Model m = classifier_with_weights(c["spec"], t, c["weights"]);
    json tr = trace_classifier(m, t);
    for (auto& [key, want] : c["expect"].items()) {
      INFO(c["name"].get<std::string>() << " " << key);
      REQUIRE(tr.contains(key));
      double e = worst(tr[key], want);
      std::printf("parity %-24s %-10s worst error %.2e\n", c["name"].get<std::string>().c_str(), key.c_str(), e);
      CHECK(e < 1e-5);
    }
    // predict (the public path) gives the same probabilities
    Matrix p = predict_classifier(m, t, FitContext{});
    auto want = c["expect"]["probs"].get<std::vector<double>>();
    for (size_t i = 0; i < want.size(); i++) CHECK(std::fabs(p.v[i] - want[i]) < 1e-5);
  }
}

TEST_CASE("padded steps change nothing - attention weights sum to 1 over real steps", "[models][sequence]") {
  for (const char* name : {"lstm_stacked", "gru_mean", "lstm_bidirectional", "attention_pool", "lstm_sigmoid_stacked",
                           "lstm_sigmoid_bidirectional_mean"}) {
    json c = find_case(name);
    Table t = case_table(c);
    Model m = classifier_with_weights(c["spec"], t, c["weights"]);
    Matrix all = predict_classifier(m, t, FitContext{});
    for (size_t r = 0; r < t.rows(); r++) {  // each row alone: no padding at all
      Matrix one = predict_classifier(m, t.take({r}), FitContext{});
      for (size_t k = 0; k < one.cols; k++) CHECK(std::fabs(one.at(0, k) - all.at(r, k)) < 1e-6);
    }
  }
  // token padding at the start reads as padding at the end
  json c = find_case("attention_pool");
  Table t = case_table(c);
  Model m = classifier_with_weights(c["spec"], t, c["weights"]);
  Table front = t;
  for (auto& row : front.cols[0].seq) std::stable_partition(row.begin(), row.end(), [](float v) { return v == 0; });
  REQUIRE(front.cols[0].seq[3][0] == 0);
  Matrix a = predict_classifier(m, t, FitContext{}), b = predict_classifier(m, front, FitContext{});
  for (size_t i = 0; i < a.v.size(); i++) CHECK(std::fabs(a.v[i] - b.v[i]) < 1e-6);

  json tr = trace_classifier(m, t);
  auto w = tr["2_weights"]["values"].get<std::vector<float>>();
  auto shape = tr["2_weights"]["shape"].get<std::vector<size_t>>();
  REQUIRE(shape == std::vector<size_t>{4, 6});
  const size_t real[4] = {6, 4, 2, 1};
  for (size_t r = 0; r < 4; r++) {
    double sum = 0;
    for (size_t s = 0; s < 6; s++) {
      sum += w[r * 6 + s];
      if (s >= real[r]) CHECK(w[r * 6 + s] == 0.0f);  // exactly 0
      else CHECK(w[r * 6 + s] > 0.0f);
    }
    CHECK(std::fabs(sum - 1) < 1e-6);
  }
}

namespace {
// Class "early" / "late": which half of the (variable-length) sequence holds a spike.
Table spikes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 0.1f);
  std::vector<std::vector<float>> rows;
  std::vector<std::string> ls;
  for (size_t i = 0; i < n; i++) {
    size_t len = 12 + rng() % 9;
    bool late = i % 2;
    std::vector<float> r(len);
    for (auto& v : r) v = noise(rng);
    size_t half = len / 2;
    r[late ? half + rng() % (len - half) : rng() % half] += 3;
    rows.push_back(r);
    ls.push_back(late ? "late" : "early");
  }
  Table t;
  t.source = "spikes";
  t.label = "genre";
  t.cols = {seq_column("signal", rows, 1), labels(ls)};
  return t;
}

json lstm_spec(json layers, json options) {
  json spec = {{"spec", "classifier"}, {"layers", layers}};
  if (options.is_object()) spec.update(options);
  return spec;
}

double accuracy(const Model& m, const Table& t) {
  auto pred = argmax_rows(predict_classifier(m, t, FitContext{}));
  auto truth = label_indices(t, m.classes);
  double hits = 0;
  for (size_t i = 0; i < pred.size(); i++) hits += pred[i] == truth[i];
  return hits / double(pred.size());
}
}  // namespace

TEST_CASE("an lstm classifier learns which half holds the spike", "[models][sequence]") {
  Table train = spikes(240, 1), test = spikes(120, 2);
  json spec = lstm_spec({{{"layer", "lstm"}, {"units", 8}}, {{"layer", "dense"}, {"units", "softmax"}}},
                        {{"optimizer", {{"optimizer", "adam"}, {"lr", 0.02}}}, {"epochs", 25}, {"batch", 32}, {"seed", 3}});
  Model m = fit_classifier(spec, train, &test, FitContext{});
  double acc = accuracy(m, test);
  std::printf("spike task: test accuracy %.3f (chance 0.5)\n", acc);
  CHECK(acc > 0.9);
  auto& h = m.info["history"].back();
  for (const char* k : {"loss", "acc", "precision", "recall", "val_loss", "val_acc", "val_precision", "val_recall"})
    CHECK(h.contains(k));
  CHECK(h["val_acc"].get<double>() == Approx(acc));
  CHECK(h["val_precision"].get<double>() > 0.85);
  // the same seed gives the same model
  Model again = fit_classifier(spec, train, nullptr, FitContext{});
  CHECK(again.state == m.state);
}

TEST_CASE("macro precision and recall in the history come from the epoch's predictions", "[models][sequence]") {
  // A network that cannot learn (lr 0 with sgd) predicts one fixed function; its
  // validation figures must equal those computed from predict on the same table.
  Table train = spikes(60, 5), val = spikes(40, 6);
  json spec = lstm_spec({{{"layer", "lstm"}, {"units", 4}}, {{"layer", "dense"}, {"units", "softmax"}}},
                        {{"optimizer", {{"optimizer", "sgd"}, {"lr", 1e-12}}}, {"epochs", 1}, {"seed", 9}});
  Model m = fit_classifier(spec, train, &val, FitContext{});
  auto pred = argmax_rows(predict_classifier(m, val, FitContext{}));
  auto truth = label_indices(val, m.classes);
  double prec = 0, rec = 0;
  int used = 0;
  for (int c = 0; c < 2; c++) {
    double tp = 0, p = 0, t = 0;
    for (size_t i = 0; i < pred.size(); i++) {
      tp += pred[i] == c && truth[i] == c;
      p += pred[i] == c;
      t += truth[i] == c;
    }
    if (p == 0 && t == 0) continue;
    used++;
    prec += p ? tp / p : 0;
    rec += t ? tp / t : 0;
  }
  auto& h = m.info["history"][0];
  CHECK(h["val_precision"].get<double>() == Approx(prec / used).margin(1e-3));
  CHECK(h["val_recall"].get<double>() == Approx(rec / used).margin(1e-3));
}

TEST_CASE("table rows feed dense -> lstm as length-1 sequences", "[models][sequence]") {
  std::mt19937 rng(4);
  std::normal_distribution<double> g(0, 0.5);
  auto blobs = [&](size_t n) {
    Table t;
    t.label = "genre";
    Column x{.name = "x"}, y{.name = "y"};
    std::vector<std::string> ls;
    const double cx[3] = {-2, 2, 0}, cy[3] = {0, 0, 3};
    for (size_t i = 0; i < n; i++) {
      x.num.push_back(cx[i % 3] + g(rng));
      y.num.push_back(cy[i % 3] + g(rng));
      ls.push_back(std::string(1, char('a' + i % 3)));
    }
    t.cols = {x, y, labels(ls)};
    return t;
  };
  Table train = blobs(150), test = blobs(60);
  json spec = lstm_spec({{{"layer", "dense"}, {"units", 16}, {"act", "relu"}},
                         {{"layer", "lstm"}, {"units", 8}},
                         {{"layer", "dense"}, {"units", "softmax"}}},
                        {{"optimizer", {{"optimizer", "adam"}, {"lr", 0.02}}}, {"epochs", 30}, {"batch", 16}, {"seed", 1}});
  Model m = fit_classifier(spec, train, nullptr, FitContext{});
  double acc = accuracy(m, test);
  std::printf("dense -> lstm on table rows: test accuracy %.3f (chance 0.33)\n", acc);
  CHECK(acc > 0.9);
  CHECK(m.features == std::vector<std::string>{"x", "y"});
}

TEST_CASE("embedding with frozen pre-trained vectors keeps their rows", "[models][sequence]") {
  auto dir = std::filesystem::temp_directory_path() / "genre_seq_embedding";
  std::filesystem::create_directories(dir);
  std::string glove = (dir / "vectors.txt").string();
  {
    std::ofstream f(glove);
    f << "love 0.5 -0.25 1 2\nnight 1.5 0 -1 0.125\nrock -2 3 0.75 -0.5\n";
  }
  const std::vector<std::string> lyrics = {"love night love", "rock rock night", "love rock", "night night night rock"};
  Column text{.name = "lyrics", .numeric = false, .text = lyrics, .present = std::vector<uint8_t>(4, 1)};
  text::VocabOptions opt{.max_len = 4, .size = 100};
  auto vocab = text::build_vocabulary(text, opt);
  std::vector<std::vector<float>> ids;
  for (auto& l : lyrics) ids.push_back(text::encode(l, vocab, opt));
  Table t;
  t.source = "lyrics";
  t.label = "genre";
  t.cols = {text, seq_column("tokens", ids, 1), labels({"a", "b", "a", "b"})};

  auto fit = [&](bool trainable) {
    json spec = lstm_spec({{{"layer", "embedding"}, {"dims", 4}, {"vectors", glove}, {"trainable", trainable}},
                           {{"layer", "lstm"}, {"units", 3}},
                           {{"layer", "dense"}, {"units", "softmax"}}},
                          {{"optimizer", {{"optimizer", "adam"}, {"lr", 0.1}}}, {"epochs", 5}, {"batch", 2}, {"seed", 2}});
    return fit_classifier(spec, t, nullptr, FitContext{});
  };
  const std::map<std::string, std::vector<float>> want = {
      {"love", {0.5f, -0.25f, 1, 2}}, {"night", {1.5f, 0, -1, 0.125f}}, {"rock", {-2, 3, 0.75f, -0.5f}}};
  auto rows_match = [&](const Model& m) {
    json tr = trace_classifier(m, t);
    auto v = tr["0"]["values"].get<std::vector<float>>();
    auto shape = tr["0"]["shape"].get<std::vector<size_t>>();
    REQUIRE(shape[2] == 4);
    bool same = true;
    for (size_t r = 0; r < lyrics.size(); r++) {
      auto words = text::visible_words(lyrics[r], 4);
      for (size_t s = 0; s < words.size(); s++)
        for (size_t d = 0; d < 4; d++) same &= v[(r * shape[1] + s) * 4 + d] == want.at(words[s])[d];
    }
    return same;
  };
  Model frozen = fit(false);
  CHECK(rows_match(frozen));
  CHECK(frozen.info["embedding"]["words_found"] == 3);
  Model tuned = fit(true);
  CHECK_FALSE(rows_match(tuned));  // fine-tuning moves them: the check above can fail
  std::filesystem::remove_all(dir);
}

TEST_CASE("sequence errors say what is wrong", "[models][sequence]") {
  Table t = spikes(10, 1);
  json ok = lstm_spec({{{"layer", "lstm"}, {"units", 4}}, {{"layer", "dense"}, {"units", "softmax"}}}, {});
  Table two = t;
  two.cols.push_back(seq_column("chroma", t.cols[0].seq, 1));
  CHECK_THROWS_WITH(fit_classifier(ok, two, nullptr, FitContext{}),
                    Contains("2 sequence columns") && Contains("\"signal\"") && Contains("\"chroma\""));
  json zero = lstm_spec({{{"layer", "lstm"}, {"units", 0}}, {{"layer", "dense"}, {"units", "softmax"}}}, {});
  CHECK_THROWS_WITH(fit_classifier(zero, t, nullptr, FitContext{}), Contains("lstm: units must be at least 1, got 0"));
  json ends_seq = lstm_spec({{{"layer", "gru"}, {"units", 4}, {"return", "sequences"}},
                             {{"layer", "dense"}, {"units", "softmax"}}},
                            {});
  CHECK_THROWS_WITH(fit_classifier(ends_seq, t, nullptr, FitContext{}), Contains("still gets a sequence"));
  json no_seq = lstm_spec({{{"layer", "lstm"}, {"units", 4}, {"return", "last"}}, {{"layer", "attention"}},
                           {{"layer", "dense"}, {"units", "softmax"}}},
                          {});
  CHECK_THROWS_WITH(fit_classifier(no_seq, t, nullptr, FitContext{}), Contains("attention (layer 2) needs a sequence"));
  json emb = lstm_spec({{{"layer", "embedding"}, {"dims", 4}}, {{"layer", "lstm"}, {"units", 4}},
                        {{"layer", "dense"}, {"units", "softmax"}}},
                       {});
  Table wide = t;
  wide.cols[0].seq_dims = 2;
  for (auto& r : wide.cols[0].seq) r.resize(r.size() / 2 * 2);
  CHECK_THROWS_WITH(fit_classifier(emb, wide, nullptr, FitContext{}), Contains("has 2 values per step"));
}
