// The neural network family, on LibTorch: a network built from the spec's layer
// list and trained the way Keras's model.fit trains it, so numbers from Keras
// papers can be reproduced:
// - dense weights start Glorot-uniform, biases zero (Keras's Dense defaults);
// - lstm/gru as Keras builds them: input kernels Glorot-uniform, recurrent
//   kernels orthogonal (QR of a normal matrix, signs fixed by R's diagonal),
//   biases zero, and the LSTM's forget-gate bias 1 (unit_forget_bias); the
//   gates are PyTorch's (GRU with reset_after, Keras 2's default);
// - embedding rows start uniform in [-0.05, 0.05] (Keras), or from the
//   pre-trained vectors (`vectors:`), frozen with `trainable: false`;
// - attention (Bahdanau, additive): score_t = v^T tanh(W h_t + b) with W, v
//   Glorot-uniform and b zero; weights a_t = softmax of the scores over the
//   row's real steps (padded steps get exactly 0). When a sequence layer
//   follows it (S3's global_average_pool), it passes on the sequence h_t * a_t,
//   so the pool gives (sum_t a_t h_t) / steps, the paper's "deep features
//   containing the attention weights"; when it is the last sequence layer it
//   gives the context vector sum_t a_t h_t;
// - a softmax (or linear) last layer gives logits; the loss is cross-entropy,
//   weighted per row by its class weight and averaged over the batch (Keras);
// - mini-batches are drawn from an index shuffle redone every epoch;
// - history loss/acc/precision/recall are over the epoch's batches in training
//   mode (precision and recall macro, from the epoch's confusion counts),
//   val_* are computed on the validation table after the epoch;
// - early stopping and reduce-LR-on-plateau follow Keras's callbacks (see
//   ops/models/specs.cpp for the options); without a validation table their
//   val_* monitors are skipped, as Keras does, and info["notes"] says so.
//
// Sequences. When the training table has a sequence column (audio frames,
// token ids) the network reads it as [batch, steps, dims]; each batch is
// padded to its longest row and the padding is masked as Keras masks it: an
// lstm/gru skips padded steps (packed sequences), `last` is the last real
// step, means and attention run over real steps only. Token id 0 is padding
// wherever it stands: a row's real ids are moved to the front before training,
// which changes nothing for a masked network. A row with no steps reads as one
// padding step. Tabular rows reach a sequence layer as length-1 sequences.
// An lstm/gru returns its sequence when a later layer reads sequences
// (lstm, gru, attention, global_average_pool), else its last step.
//
// Randomness (initial weights, dropout masks, shuffles) comes from the seed
// only, through generators private to this fit, so fits running in parallel
// stay reproducible. This is the only file that includes torch.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "ops/models/model.h"
#include "ops/models/optim.h"
#include "ops/models/weights.h"
#include "ops/text/embeddings.h"
#include "ops/text/vocab.h"

namespace genre {

namespace {

enum class Kind { Dense, Dropout, Lstm, Gru, Attention, Pool, Embedding };

struct LayerSpec {
  Kind kind = Kind::Dense;
  std::string name;   // as the script wrote it: dense, lstm, ...
  int64_t units = 0;  // dense: 0 = one per class (last layer); lstm/gru: hidden size; embedding: dims
  std::string act = "linear";
  double slope = 0.3;
  double p = 0;
  std::string ret;        // lstm/gru: last | mean | sequences
  bool bidirectional = false;
  bool context = false;   // attention: no sequence layer after it, so it returns the context vector
  std::string vectors;    // embedding: the pre-trained vectors' file (resolved by the planner)
  bool trainable = true;
  std::string text;       // embedding: the text column the token ids were made from
};

bool reads_sequence(Kind k) { return k == Kind::Lstm || k == Kind::Gru || k == Kind::Attention || k == Kind::Pool; }

bool spec_bool(const json& l, const std::string& key, bool dflt) {
  if (!l.contains(key) || l[key].is_null()) return dflt;
  if (!l[key].is_boolean())
    throw DataError(fmt::format("{}: option {} must be true or false, got {}", l.value("layer", std::string("layer")),
                                key, l[key].dump()));
  return l[key].get<bool>();
}

// `seq_input`: the network reads a sequence column (else table rows).
std::vector<LayerSpec> parse_layers(const json& spec, size_t classes, bool seq_input) {
  if (!spec.contains("layers") || !spec["layers"].is_array() || spec["layers"].empty())
    throw DataError("classifier: the block has no layers; end it with dense(softmax)");
  std::vector<LayerSpec> out;
  for (auto& l : spec["layers"]) {
    LayerSpec s;
    s.name = l.value("layer", std::string());
    const std::string& kind = s.name;
    if (kind == "dropout") {
      s.kind = Kind::Dropout;
      s.p = spec_number(l, "p", 0);
      if (!(s.p >= 0 && s.p < 1)) throw DataError(fmt::format("dropout: p must be in [0, 1), got {}", s.p));
    } else if (kind == "dense") {
      json d = l;
      // dense(softmax): a bare activation in the first (units) position
      if (d.contains("units") && d["units"].is_string() && !d.contains("act")) {
        d["act"] = d["units"];
        d.erase("units");
      }
      s.units = spec_int(d, "units", 0);
      s.act = spec_symbol(d, "act");
      s.slope = spec_number(d, "slope");
      if (d.contains("units") && s.units < 1) throw DataError(fmt::format("dense: units must be at least 1, got {}", s.units));
    } else if (kind == "lstm" || kind == "gru") {
      s.kind = kind == "lstm" ? Kind::Lstm : Kind::Gru;
      if (!l.contains("units")) throw DataError(kind + ": units are required, e.g. " + kind + "(32)");
      s.units = spec_int(l, "units", 0);
      if (s.units < 1) throw DataError(fmt::format("{}: units must be at least 1, got {}", kind, s.units));
      s.ret = spec_symbol(l, "return", "");
      if (!s.ret.empty() && s.ret != "last" && s.ret != "mean" && s.ret != "sequences")
        throw DataError(fmt::format("{}: return must be last, mean or sequences, got {}", kind, s.ret));
      s.bidirectional = spec_bool(l, "bidirectional", false);
      if (s.kind == Kind::Lstm) {
        s.act = spec_symbol(l, "activation");
        if (s.act != "tanh" && s.act != "sigmoid")
          throw DataError(fmt::format("lstm: activation must be tanh or sigmoid, got {}", s.act));
      }
    } else if (kind == "attention") {
      s.kind = Kind::Attention;
    } else if (kind == "global_average_pool") {
      s.kind = Kind::Pool;
    } else if (kind == "embedding") {
      s.kind = Kind::Embedding;
      s.units = spec_int(l, "dims", 0);
      s.vectors = l.contains("vectors") && l["vectors"].is_string() ? l["vectors"].get<std::string>() : "";
      if (s.units < 1 && (l.contains("dims") || s.vectors.empty()))
        throw DataError(fmt::format("embedding: dims must be at least 1, got {}", s.units));
      s.trainable = spec_bool(l, "trainable", true);
      s.text = l.contains("text") && l["text"].is_string() ? l["text"].get<std::string>() : "";
      if (!out.empty()) throw DataError("classifier: embedding must be the first layer (it reads the token ids)");
    } else {
      throw InternalError("classifier: unknown layer " + l.dump());
    }
    out.push_back(s);
  }
  // What each layer passes on: a sequence or one vector per row.
  bool seq = seq_input;
  for (size_t i = 0; i < out.size(); i++) {
    LayerSpec& s = out[i];
    bool later = false;
    for (size_t j = i + 1; j < out.size(); j++) later |= reads_sequence(out[j].kind);
    if (s.kind == Kind::Embedding && !seq_input)
      throw DataError("embedding: the training table has no sequence column of token ids; make one with tokenize");
    if (s.kind == Kind::Lstm || s.kind == Kind::Gru) {
      if (s.ret.empty()) s.ret = later ? "sequences" : "last";
      seq = s.ret == "sequences";
    } else if (s.kind == Kind::Attention || s.kind == Kind::Pool) {
      if (!seq)
        throw DataError(fmt::format("{} (layer {}) needs a sequence; put it after an lstm or gru that returns sequences",
                                    s.name, i + 1));
      s.context = s.kind == Kind::Attention && !later;
      seq = s.kind == Kind::Attention && later;
    }
  }
  if (seq)
    throw DataError("classifier: the last layer still gets a sequence; end the sequence part with "
                    "global_average_pool, attention, or an lstm/gru returning last or mean (a sequence column read "
                    "by dense layers alone needs summarize first)");
  LayerSpec& last = out.back();
  if (last.kind != Kind::Dense) throw DataError("classifier: the last layer must be dense(softmax), not " + last.name);
  if (last.act != "softmax" && last.act != "linear")
    throw DataError("classifier: the last layer's activation must be softmax (or linear logits), got " + last.act);
  if (last.units == 0) last.units = int64_t(classes);
  if (size_t(last.units) != classes)
    throw DataError(fmt::format("classifier: the last layer has {} units but the training labels have {} classes; "
                                "leave units out to size it to the classes",
                                last.units, classes));
  for (size_t i = 0; i + 1 < out.size(); i++)
    if (out[i].kind == Kind::Dense && out[i].units == 0)
      throw DataError(fmt::format("classifier: dense layer {} needs units (only the last one may leave them out)", i + 1));
  return out;
}

// What flows from layer to layer: x is [batch, width] or, for sequences,
// [batch, steps, width] with each row's real steps first.
struct Flow {
  torch::Tensor x;
  bool seq = false;
  torch::Tensor len;   // int64 on the CPU, [batch] (packing wants it there)
  bool full = true;    // every row uses all steps: nothing to mask
  torch::Tensor mask;  // bool [batch, steps] on x's device, made when needed

  const torch::Tensor& real() {
    if (!mask.defined()) {
      auto l = len.to(x.device());
      mask = torch::arange(x.size(1), l.options()).unsqueeze(0) < l.unsqueeze(1);
    }
    return mask;
  }
  torch::Tensor mean_over_steps() {
    if (full) return x.mean(1);
    auto m = real().unsqueeze(-1).to(x.dtype());
    return (x * m).sum(1) / len.to(x.device()).to(x.dtype()).unsqueeze(1);
  }
};

using Trace = std::vector<std::pair<std::string, torch::Tensor>>;

void glorot(torch::Tensor w, at::Generator& gen) {
  double a = std::sqrt(6.0 / double(w.size(0) + w.size(1)));
  w.copy_(torch::rand(w.sizes(), gen, torch::kFloat32) * (2 * a) - a);
}

// Keras's Orthogonal initializer.
void orthogonal(torch::Tensor w, at::Generator& gen) {
  int64_t r = w.size(0), c = w.size(1);
  auto flat = torch::randn({std::max(r, c), std::min(r, c)}, gen, torch::kFloat32);
  auto [q, rr] = at::linalg_qr(flat);
  q = q * torch::sign(rr.diagonal());
  w.copy_(r < c ? q.t() : q);
}

struct Net : torch::nn::Module {
  std::vector<LayerSpec> layers;
  std::vector<torch::nn::Linear> lin, lin2;  // per layer: dense, or attention's W and v
  std::vector<torch::nn::LSTM> lstm;
  std::vector<torch::nn::GRU> gru;
  torch::nn::Embedding emb{nullptr};

  // `inputs`: features per row or dims per step; `vocab`: embedding rows.
  Net(std::vector<LayerSpec> ls, int64_t inputs, int64_t vocab) : layers(std::move(ls)) {
    int64_t width = inputs;
    size_t n = layers.size();
    lin.assign(n, nullptr);
    lin2.assign(n, nullptr);
    lstm.assign(n, nullptr);
    gru.assign(n, nullptr);
    for (size_t i = 0; i < n; i++) {
      auto& l = layers[i];
      int64_t dirs = l.bidirectional ? 2 : 1;
      switch (l.kind) {
        case Kind::Dense:
          lin[i] = register_module(fmt::format("dense{}", i), torch::nn::Linear(width, l.units));
          width = l.units;
          break;
        case Kind::Lstm:
          lstm[i] = register_module(fmt::format("lstm{}", i),
                                    torch::nn::LSTM(torch::nn::LSTMOptions(width, l.units).batch_first(true).bidirectional(l.bidirectional)));
          width = l.units * dirs;
          break;
        case Kind::Gru:
          gru[i] = register_module(fmt::format("gru{}", i),
                                   torch::nn::GRU(torch::nn::GRUOptions(width, l.units).batch_first(true).bidirectional(l.bidirectional)));
          width = l.units * dirs;
          break;
        case Kind::Attention:
          lin[i] = register_module(fmt::format("attention{}_w", i), torch::nn::Linear(width, width));
          lin2[i] = register_module(fmt::format("attention{}_v", i), torch::nn::Linear(torch::nn::LinearOptions(width, 1).bias(false)));
          break;
        case Kind::Embedding:
          emb = register_module("embedding", torch::nn::Embedding(vocab, l.units));
          width = l.units;
          break;
        case Kind::Dropout:
        case Kind::Pool:
          break;
      }
    }
  }

  void init(at::Generator& gen) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < layers.size(); i++) {
      switch (layers[i].kind) {
        case Kind::Dense:
          glorot(lin[i]->weight, gen);
          lin[i]->bias.zero_();
          break;
        case Kind::Attention:
          glorot(lin[i]->weight, gen);
          lin[i]->bias.zero_();
          glorot(lin2[i]->weight, gen);
          break;
        case Kind::Lstm:
        case Kind::Gru: {
          torch::nn::Module& m = layers[i].kind == Kind::Lstm ? static_cast<torch::nn::Module&>(*lstm[i]) : *gru[i];
          for (auto& p : m.named_parameters()) {  // weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _reverse
            const std::string& k = p.key();
            if (k.rfind("weight_ih", 0) == 0) glorot(p.value(), gen);
            else if (k.rfind("weight_hh", 0) == 0) orthogonal(p.value(), gen);
            else p.value().zero_();
            if (layers[i].kind == Kind::Lstm && k.rfind("bias_ih", 0) == 0)  // gates i, f, g, o: forget bias 1
              p.value().narrow(0, layers[i].units, layers[i].units).fill_(1);
          }
          break;
        }
        case Kind::Embedding:
          emb->weight.copy_(torch::rand(emb->weight.sizes(), gen, torch::kFloat32) * 0.1 - 0.05);
          break;
        default:
          break;
      }
    }
  }

  // Logits. x: [batch, features], [batch, steps, dims] or token ids [batch, steps];
  // len: steps per row (CPU int64) for sequences. `gen` is set while training (dropout active).
  torch::Tensor forward(torch::Tensor x, torch::Tensor len, at::Generator* gen, Trace* trace = nullptr) {
    Flow f;
    f.x = std::move(x);
    f.seq = len.defined();
    if (f.seq) {
      f.len = len;
      f.full = len.numel() == 0 || len.min().item<int64_t>() == f.x.size(1);
    }
    for (size_t i = 0; i < layers.size(); i++) {
      const LayerSpec& l = layers[i];
      switch (l.kind) {
        case Kind::Dropout:
          if (gen && l.p > 0) {
            auto keep = torch::rand(f.x.sizes(), *gen, torch::kFloat32).ge(l.p).to(torch::kFloat32) / (1 - l.p);
            f.x = f.x * keep.to(f.x.device());
          }
          break;
        case Kind::Embedding:
          f.x = emb->forward(f.x);
          break;
        case Kind::Dense:
          f.x = lin[i]->forward(f.x);
          if (i + 1 == layers.size()) break;  // the output layer's softmax lives in the loss
          if (l.act == "relu") f.x = torch::relu(f.x);
          else if (l.act == "leaky_relu") f.x = torch::leaky_relu(f.x, l.slope);
          else if (l.act == "tanh") f.x = torch::tanh(f.x);
          else if (l.act == "sigmoid") f.x = torch::sigmoid(f.x);
          else if (l.act == "softmax") f.x = torch::softmax(f.x, -1);
          else if (l.act != "linear") throw InternalError("classifier: unknown activation " + l.act);
          break;
        case Kind::Lstm:
        case Kind::Gru:
          recurrent(i, f);
          break;
        case Kind::Attention: {
          auto score = lin2[i]->forward(torch::tanh(lin[i]->forward(f.x))).squeeze(-1);  // [batch, steps]
          if (!f.full) score = score.masked_fill(f.real().logical_not(), -std::numeric_limits<float>::infinity());
          auto a = torch::softmax(score, 1);
          if (trace) trace->push_back({fmt::format("{}_weights", i), a});
          auto weighted = f.x * a.unsqueeze(-1);
          if (l.context) {
            f.x = weighted.sum(1);
            f.seq = false;
          } else {
            f.x = weighted;
          }
          break;
        }
        case Kind::Pool:
          f.x = f.mean_over_steps();
          f.seq = false;
          break;
      }
      if (trace) trace->push_back({fmt::format("{}", i), f.x});
    }
    return f.x;
  }

  // An LSTM whose candidate and output activation is sigmoid rather than tanh (Keras's
  // LSTM(activation="sigmoid"); S1's "sigmoid-activated" units), gates sigmoid, on the parameters of
  // lstm[i], so it starts and is saved like any lstm. A step past a row's end (mask 0) leaves
  // h and c as they were and outputs 0, as packing does; read backwards, a row's state thus
  // starts at its last real step. Returns the outputs [batch, steps, dirs * units] and the
  // final state per direction [dirs, batch, units].
  std::pair<torch::Tensor, torch::Tensor> sigmoid_lstm(size_t i, Flow& f) {
    const LayerSpec& l = layers[i];
    torch::Tensor m = f.full ? torch::Tensor() : f.real().to(f.x.dtype()).unsqueeze(-1);  // [batch, steps, 1]
    int64_t steps = f.x.size(1), batch = f.x.size(0);
    std::vector<torch::Tensor> outs, last;
    for (int dir = 0; dir < (l.bidirectional ? 2 : 1); ++dir) {
      std::string sfx = dir ? "_l0_reverse" : "_l0";
      auto p = lstm[i]->named_parameters();
      auto gx = torch::matmul(f.x, p["weight_ih" + sfx].t()) + p["bias_ih" + sfx] + p["bias_hh" + sfx];
      torch::Tensor w_hh = p["weight_hh" + sfx].t();
      auto h = torch::zeros({batch, l.units}, f.x.options()), c = torch::zeros_like(h);
      std::vector<torch::Tensor> out(static_cast<size_t>(steps));
      for (int64_t k = 0; k < steps; ++k) {
        int64_t t = dir ? steps - 1 - k : k;
        auto g = (gx.select(1, t) + torch::matmul(h, w_hh)).chunk(4, 1);  // PyTorch's order: i, f, g, o
        auto c2 = torch::sigmoid(g[1]) * c + torch::sigmoid(g[0]) * torch::sigmoid(g[2]);
        auto h2 = torch::sigmoid(g[3]) * torch::sigmoid(c2);
        if (m.defined()) {
          auto mt = m.select(1, t);
          c = mt * c2 + (1 - mt) * c;
          h = mt * h2 + (1 - mt) * h;
          out[size_t(t)] = h2 * mt;
        } else {
          c = c2;
          h = h2;
          out[size_t(t)] = h2;
        }
      }
      outs.push_back(torch::stack(out, 1));
      last.push_back(h);
    }
    return {torch::cat(outs, 2), torch::stack(last, 0)};
  }

  void recurrent(size_t i, Flow& f) {
    const LayerSpec& l = layers[i];
    if (!f.seq) {  // a table row: a length-1 sequence
      f.x = f.x.unsqueeze(1);
      f.len = torch::ones({f.x.size(0)}, torch::kInt64);
      f.full = true;
      f.mask = torch::Tensor();
      f.seq = true;
    }
    int64_t steps = f.x.size(1);
    torch::Tensor out, h;
    namespace R = torch::nn::utils::rnn;
    if (l.kind == Kind::Lstm && l.act == "sigmoid") {
      std::tie(out, h) = sigmoid_lstm(i, f);
    } else if (f.full) {
      if (l.kind == Kind::Lstm) {
        auto r = lstm[i]->forward(f.x);
        out = std::get<0>(r);
        h = std::get<0>(std::get<1>(r));
      } else {
        std::tie(out, h) = gru[i]->forward(f.x);
      }
    } else {
      auto packed = R::pack_padded_sequence(f.x, f.len, /*batch_first=*/true, /*enforce_sorted=*/false);
      torch::Tensor padded;
      if (l.kind == Kind::Lstm) {
        auto r = lstm[i]->forward_with_packed_input(packed);
        padded = std::get<0>(R::pad_packed_sequence(std::get<0>(r), /*batch_first=*/true, 0.0, steps));
        h = std::get<0>(std::get<1>(r));
      } else {
        auto r = gru[i]->forward_with_packed_input(packed);
        padded = std::get<0>(R::pad_packed_sequence(std::get<0>(r), /*batch_first=*/true, 0.0, steps));
        h = std::get<1>(r);
      }
      out = padded;
    }
    if (l.ret == "sequences") {
      f.x = out;
      return;
    }
    if (l.ret == "mean") {
      f.x = out;
      f.x = f.mean_over_steps();
    } else {  // last real step; bidirectional: the forward pass's last and the backward pass's first
      f.x = l.bidirectional ? torch::cat({h[0], h[1]}, 1) : h[0];
    }
    f.seq = false;
  }
};

// Keras's "wait for `patience` epochs without improvement" bookkeeping.
struct Plateau {
  bool active = false, maximise = false;
  std::string monitor;
  double min_delta = 0, best = 0;
  long patience = 0, wait = 0;

  Plateau(const json& rec, const char* what, double default_delta, long default_patience) {
    if (rec.is_null() || (rec.is_boolean() && !rec.get<bool>())) return;
    json r = rec.is_object() ? rec : json::object();
    active = true;
    monitor = spec_symbol(r, "monitor", "val_loss");
    if (monitor != "val_loss" && monitor != "val_acc" && monitor != "loss" && monitor != "acc")
      throw DataError(fmt::format("{}: monitor must be val_loss, val_acc, loss or acc, got {}", what, monitor));
    maximise = monitor == "acc" || monitor == "val_acc";
    min_delta = spec_number(r, "min_delta", default_delta);
    patience = spec_int(r, "patience", default_patience);
    if (patience < 0) throw DataError(fmt::format("{}: patience must be 0 or more, got {}", what, patience));
    best = maximise ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  bool improved(double cur) const { return maximise ? cur - min_delta > best : cur + min_delta < best; }
};

std::vector<torch::Tensor> cpu_copy(Net& net) {
  std::vector<torch::Tensor> out;
  for (auto& p : net.parameters()) out.push_back(p.detach().to(torch::kCPU).clone());
  return out;
}

torch::Tensor to_labels(const std::vector<int>& y, torch::Device dev) {
  auto t = torch::empty({int64_t(y.size())}, torch::kInt64);
  auto* p = t.data_ptr<int64_t>();
  for (size_t i = 0; i < y.size(); i++) p[i] = y[i];
  return t.to(dev);
}

std::string where(const Table& t) { return t.source.empty() ? std::string("table") : t.source; }

// What the network reads, fixed at fit time and kept in info["input"]:
// {"column": "" (the numeric features) or the sequence column, "dims", "tokens", "vocab"}.
json choose_input(const Table& train, const json& spec) {
  std::vector<std::string> seqs;
  for (auto& c : train.cols)
    if (c.is_sequence() && c.name != train.label) seqs.push_back(c.name);
  if (seqs.size() > 1) {
    std::string names;
    for (auto& s : seqs) names += (names.empty() ? "\"" : ", \"") + s + "\"";
    throw DataError(fmt::format("classifier: {} has {} sequence columns ({}); a network reads one: drop the others",
                                where(train), seqs.size(), names));
  }
  bool tokens = spec.contains("layers") && spec["layers"].is_array() && !spec["layers"].empty() &&
                spec["layers"][0].value("layer", std::string()) == "embedding";
  if (seqs.empty()) return {{"column", ""}, {"dims", 0}, {"tokens", tokens}, {"vocab", 0}};
  const Column& c = train.column(seqs[0]);
  if (tokens && c.seq_dims != 1)
    throw DataError(fmt::format("embedding: column \"{}\" of {} has {} values per step; an embedding reads one token "
                                "id per step (made by tokenize)",
                                c.name, where(train), c.seq_dims));
  return {{"column", c.name}, {"dims", c.seq_dims}, {"tokens", tokens}, {"vocab", 0}};
}

// A table's rows as the network's input: x ([rows, features] floats, [rows,
// steps, dims] floats, or [rows, steps] token ids) and each row's steps.
struct Inputs {
  torch::Tensor x;
  std::vector<int64_t> len;  // steps per row (sequences)
  bool sequence = false;
  bool seq() const { return sequence; }
};

Inputs read_inputs(const Table& t, const json& in, const std::vector<std::string>& features) {
  Inputs out;
  std::string col = in.value("column", std::string());
  if (col.empty()) {
    Matrix m = feature_matrix(t, features);
    out.x = torch::empty({int64_t(m.rows), int64_t(m.cols)}, torch::kFloat32);
    auto* p = out.x.data_ptr<float>();
    for (size_t i = 0; i < m.v.size(); i++) p[i] = float(m.v[i]);
    return out;
  }
  const Column& c = t.column(col);
  size_t dims = in.value("dims", size_t(1));
  if (!c.is_sequence() || c.seq_dims != dims)
    throw DataError(fmt::format("{}: column \"{}\" must be a sequence column of {} values per step, as the model was "
                                "trained on",
                                where(t), col, dims));
  bool tokens = in.value("tokens", false);
  int64_t vocab = in.value("vocab", int64_t(0));
  size_t n = c.seq.size();
  out.sequence = true;
  out.len.assign(n, 1);
  for (size_t r = 0; r < n; r++) {
    if (!c.present[r])
      throw DataError(fmt::format("{}: column \"{}\" row {} is missing; drop the row first", where(t), col, r + 1));
    size_t steps = c.steps(r);
    if (tokens) {
      steps = 0;
      for (float v : c.seq[r]) steps += v != 0;
    }
    out.len[r] = std::max<int64_t>(1, int64_t(steps));
  }
  int64_t longest = n ? *std::max_element(out.len.begin(), out.len.end()) : 1;
  if (tokens) {
    out.x = torch::zeros({int64_t(n), longest}, torch::kInt64);
    auto* p = out.x.data_ptr<int64_t>();
    for (size_t r = 0; r < n; r++) {
      int64_t k = 0;
      for (float v : c.seq[r]) {
        if (v == 0) continue;  // padding, wherever it stands
        if (!(v > 0) || std::floor(v) != v)
          throw DataError(fmt::format("{}: column \"{}\" row {} holds {}, not a token id", where(t), col, r + 1, v));
        p[int64_t(r) * longest + k++] = int64_t(v) < vocab ? int64_t(v) : int64_t(text::oov_id);
      }
    }
  } else {
    out.x = torch::zeros({int64_t(n), longest, int64_t(dims)}, torch::kFloat32);
    auto* p = out.x.data_ptr<float>();
    for (size_t r = 0; r < n; r++) {
      const auto& s = c.seq[r];
      for (float v : s)
        if (!std::isfinite(v))
          throw DataError(fmt::format("{}: column \"{}\" row {} holds a value that is not a finite number", where(t),
                                      col, r + 1));
      std::memcpy(p + int64_t(r) * longest * int64_t(dims), s.data(), s.size() * sizeof(float));
    }
  }
  return out;
}

// Rows [from, to) of `order`: the batch's input, padded to its longest row.
std::pair<torch::Tensor, torch::Tensor> batch_of(const Inputs& in, const int64_t* order, int64_t count,
                                                 torch::Device dev) {
  auto idx = torch::from_blob(const_cast<int64_t*>(order), {count}, torch::kInt64);
  if (!in.seq()) return {in.x.index_select(0, idx).to(dev), {}};
  auto len = torch::empty({count}, torch::kInt64);
  auto* lp = len.data_ptr<int64_t>();
  int64_t longest = 1;
  for (int64_t i = 0; i < count; i++) longest = std::max(longest, lp[i] = in.len[size_t(order[i])]);
  auto x = longest == in.x.size(1) ? in.x : in.x.narrow(1, 0, longest);
  return {x.index_select(0, idx).to(dev), len};
}

// Macro precision and recall from a k x k confusion (rows truth, columns
// predicted), over the classes present in the truth or the predictions
// (scikit-learn's average="macro"); a class never predicted has precision 0.
std::pair<double, double> macro_pr(const torch::Tensor& confusion) {
  auto c = confusion.to(torch::kCPU).to(torch::kFloat64).contiguous();
  int64_t k = c.size(0);
  auto* p = c.data_ptr<double>();
  double prec = 0, rec = 0;
  int used = 0;
  for (int64_t j = 0; j < k; j++) {
    double tp = p[j * k + j], truth = 0, pred = 0;
    for (int64_t i = 0; i < k; i++) {
      truth += p[j * k + i];
      pred += p[i * k + j];
    }
    if (truth == 0 && pred == 0) continue;
    used++;
    prec += pred > 0 ? tp / pred : 0;
    rec += truth > 0 ? tp / truth : 0;
  }
  return used ? std::pair{prec / used, rec / used} : std::pair{0.0, 0.0};
}

// The network of a model, its weights loaded, ready to predict.
std::unique_ptr<Net> load_net(const Model& m) {
  const json& in = m.info.at("input");
  auto layers = parse_layers(m.spec, m.classes.size(), !in.value("column", std::string()).empty());
  int64_t width = in.value("column", std::string()).empty() ? int64_t(m.features.size()) : in.value("dims", int64_t(1));
  auto net = std::make_unique<Net>(layers, width, in.value("vocab", int64_t(0)));
  load_weights(*net, m.state, "classifier");
  return net;
}

// Scores of every row, in batches of `batch` (the logits, or the trace of one batch).
torch::Tensor logits_of(Net& net, const Inputs& in, long batch, torch::Device dev, Trace* trace = nullptr) {
  torch::NoGradGuard no_grad;
  net.eval();
  int64_t n = in.x.size(0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) order[size_t(i)] = i;
  std::vector<torch::Tensor> parts;
  for (int64_t s = 0; s < n; s += batch) {
    auto [xb, lb] = batch_of(in, order.data() + s, std::min<int64_t>(batch, n - s), dev);
    parts.push_back(net.forward(xb, lb, nullptr, trace));
  }
  return parts.empty() ? torch::empty({0, 0}) : torch::cat(parts, 0);
}

}  // namespace

Model fit_classifier(const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
  json in = choose_input(train, spec);
  bool seq_input = !in["column"].get<std::string>().empty();
  std::vector<std::string> classes = class_names(train);
  std::vector<std::string> features = seq_input ? std::vector<std::string>{} : train.feature_names();
  if (!seq_input && features.empty())
    throw DataError(where(train) + ": no numeric feature columns (and no sequence column) to fit on");
  std::vector<int> labels = label_indices(train, classes);
  size_t k = classes.size(), n = labels.size();
  auto layers = parse_layers(spec, k, seq_input);
  if (spec_symbol(spec, "loss", "cross_entropy") != "cross_entropy")
    throw DataError("classifier: loss must be cross_entropy");
  long batch = spec_int(spec, "batch"), epochs = spec_int(spec, "epochs");
  if (batch < 1) throw DataError(fmt::format("classifier: batch must be at least 1, got {}", batch));
  if (epochs < 1) throw DataError(fmt::format("classifier: epochs must be at least 1, got {}", epochs));
  uint64_t seed = spec.contains("seed") ? uint64_t(spec_int(spec, "seed", 0)) : ctx.seed;
  torch::Device dev = torch_device(ctx.device);
  json info = json::object();

  // Embedding rows: the pre-trained vectors' vocabulary, else every id the training rows use.
  const LayerSpec* emb = layers[0].kind == Kind::Embedding ? &layers[0] : nullptr;
  text::EmbeddingMatrix pretrained;
  if (emb) {
    const Column& ids = train.column(in["column"]);
    int64_t top = 1;
    for (auto& row : ids.seq)
      for (float v : row) top = std::max(top, int64_t(v));
    in["vocab"] = top + 1;
    if (!emb->vectors.empty()) {
      std::string text_col = emb->text;
      if (text_col.empty()) {
        std::vector<std::string> texts;
        for (auto& c : train.cols)
          if (c.is_text() && c.name != train.label) texts.push_back(c.name);
        if (texts.size() != 1)
          throw DataError(fmt::format("embedding: say which text column the token ids were made from (text: "
                                      "\"column\"); {} has {} text columns",
                                      where(train), texts.size()));
        text_col = texts[0];
      }
      text::Vocabulary vocab = text::recover_vocabulary(train, text_col, in["column"]);
      // dims: as given, else the number of values on the file's first line.
      size_t dims = size_t(emb->units);
      if (dims == 0) throw DataError("embedding: give dims, the length of each vector in " + emb->vectors);
      Table vectors = text::read_embeddings(emb->vectors, emb->vectors, dims, false);
      pretrained = text::embedding_matrix(vocab, vectors);
      in["vocab"] = std::max<int64_t>(int64_t(pretrained.rows), in["vocab"].get<int64_t>());
      info["embedding"] = {{"words", pretrained.words}, {"words_found", pretrained.words_found},
                           {"tokens", pretrained.tokens}, {"tokens_found", pretrained.tokens_found}};
    }
  }

  // Class weights: balanced = n / (k * rows of the class), as scikit-learn's compute_class_weight.
  std::vector<double> cw(k, 1.0);
  json cwo = spec.value("class_weights", json(false));
  if (cwo == json("balanced") || cwo == json(true)) {
    std::vector<double> count(k, 0);
    for (int y : labels) count[size_t(y)]++;
    for (size_t c = 0; c < k; c++) cw[c] = double(n) / (double(k) * count[c]);
  } else if (cwo != json(false)) {
    throw DataError("classifier: class_weights must be true, false or balanced, got " + cwo.dump());
  }

  Inputs x = read_inputs(train, in, features);
  int64_t width = seq_input ? in["dims"].get<int64_t>() : int64_t(features.size());
  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::mt19937_64 shuffle_rng(seed);
  auto net = std::make_shared<Net>(layers, width, in["vocab"].get<int64_t>());
  net->init(gen);
  if (emb && !emb->vectors.empty()) {
    torch::NoGradGuard no_grad;
    auto src = torch::from_blob(pretrained.values.data(), {int64_t(pretrained.rows), int64_t(pretrained.dims)},
                                torch::kFloat32);
    // Rows with a vector take it; padding, OOV and words without a vector keep their random start (Keras's
    // embeddings_initializer=Constant(matrix) would zero them; a frozen zero row is what the matrix says).
    auto found = torch::from_blob(pretrained.found.data(), {int64_t(pretrained.found.size())}, torch::kUInt8)
                     .to(torch::kBool);
    auto w = net->emb->weight.narrow(0, 0, int64_t(pretrained.rows));
    w.copy_(torch::where(found.unsqueeze(1), src, emb->trainable ? w : torch::zeros_like(w)));
  }
  if (emb && !emb->trainable) net->emb->weight.set_requires_grad(false);
  net->to(dev);
  std::vector<torch::Tensor> params;
  for (auto& p : net->parameters())
    if (p.requires_grad()) params.push_back(p);
  auto opt = make_optim(spec, params);

  torch::Tensor y = to_labels(labels, dev);
  torch::Tensor w = torch::tensor(std::vector<float>(cw.begin(), cw.end())).to(dev);
  x.x = x.x.to(dev);  // batches are cut on the device
  Inputs vx;
  torch::Tensor vy;
  if (validate) {
    vx = read_inputs(*validate, in, features);
    vx.x = vx.x.to(dev);
    vy = to_labels(label_indices(*validate, classes), dev);
  }

  Plateau stop(spec.value("early_stop", json()), "early_stop", 0.0, 0);
  Plateau reduce(spec.value("reduce_lr", json()), "reduce_lr", 1e-4, 10);
  json rl = spec.value("reduce_lr", json::object());
  double factor = rl.is_object() ? spec_number(rl, "factor", 0.1) : 0.1;
  double min_lr = rl.is_object() ? spec_number(rl, "min_lr", 0) : 0;
  if (reduce.active && !(factor > 0 && factor < 1))
    throw DataError(fmt::format("reduce_lr: factor must be between 0 and 1, got {}", factor));
  json es = spec.value("early_stop", json());
  bool restore = es.is_object() ? es.value("restore", true) : true;
  json notes = json::array();
  for (Plateau* p : {&stop, &reduce})
    if (p->active && !validate && p->monitor.rfind("val_", 0) == 0) {
      notes.push_back(fmt::format("{} monitors {} but fit has no validate table: skipped",
                                  p == &stop ? "early_stop" : "reduce_lr", p->monitor));
      p->active = false;
    }

  std::vector<int64_t> order(n);
  for (size_t i = 0; i < n; i++) order[i] = int64_t(i);
  std::vector<torch::Tensor> best_weights;
  long best_epoch = 0, stopped = 0;
  json history = json::array();
  namespace F = torch::nn::functional;
  auto ce = F::CrossEntropyFuncOptions().reduction(torch::kNone);
  int64_t kk = int64_t(k);

  for (long epoch = 1; epoch <= epochs; epoch++) {
    for (size_t i = n - 1; i > 0; i--) std::swap(order[i], order[shuffle_rng() % (i + 1)]);  // Fisher-Yates
    auto perm = torch::from_blob(order.data(), {int64_t(n)}, torch::kInt64).to(dev);
    net->train();
    // Sums stay on the device: no sync per batch.
    auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(dev));
    auto confusion = torch::zeros({kk * kk}, torch::TensorOptions().dtype(torch::kInt64).device(dev));
    double lr_used = opt->lr();
    for (size_t s = 0; s < n; s += size_t(batch)) {
      int64_t count = int64_t(std::min(n, s + size_t(batch)) - s);
      auto [xb, lb] = batch_of(x, order.data() + s, count, dev);
      auto yb = perm.slice(0, int64_t(s), int64_t(s) + count);
      yb = y.index_select(0, yb);
      auto logits = net->forward(xb, lb, &gen);
      auto loss = (F::cross_entropy(logits, yb, ce) * w.index_select(0, yb)).mean();
      net->zero_grad();
      loss.backward();
      opt->step();
      torch::NoGradGuard no_grad;
      loss_sum += loss.detach().to(torch::kFloat64) * double(count);
      confusion += torch::bincount(yb * kk + logits.argmax(1), {}, kk * kk);
    }
    auto conf = confusion.view({kk, kk}).to(torch::kCPU);
    auto [prec, rec] = macro_pr(conf);
    double epoch_loss = loss_sum.item<double>() / double(n);
    stop_if_diverged(epoch_loss, epoch);
    json h = {{"epoch", epoch},
              {"loss", epoch_loss},
              {"acc", double(conf.trace().item<int64_t>()) / double(n)},
              {"precision", prec},
              {"recall", rec},
              {"lr", lr_used}};
    if (validate) {
      auto logits = logits_of(*net, vx, batch, dev);
      torch::NoGradGuard no_grad;
      h["val_loss"] = F::cross_entropy(logits, vy).item<double>();
      auto pred = logits.argmax(1);
      h["val_acc"] = pred.eq(vy).to(torch::kFloat64).mean().item<double>();
      auto [vp, vr] = macro_pr(torch::bincount(vy * kk + pred, {}, kk * kk).view({kk, kk}));
      h["val_precision"] = vp;
      h["val_recall"] = vr;
    }
    history.push_back(h);
    ctx.progress(size_t(epoch), size_t(epochs), "epoch");
    ctx.take_turn();

    if (stop.active) {  // Keras EarlyStopping.on_epoch_end
      double cur = h[stop.monitor].get<double>();
      if (restore && best_weights.empty()) best_weights = cpu_copy(*net);
      stop.wait++;
      if (stop.improved(cur)) {
        stop.best = cur;
        best_epoch = epoch;
        if (restore) best_weights = cpu_copy(*net);
        stop.wait = 0;
      }
      if (stop.wait >= stop.patience && epoch > 1) {
        stopped = epoch;
        if (restore) {
          torch::NoGradGuard no_grad;
          auto ps = net->parameters();
          for (size_t i = 0; i < ps.size(); i++) ps[i].copy_(best_weights[i].to(dev));
        }
      }
    }
    if (reduce.active) {  // Keras ReduceLROnPlateau.on_epoch_end (cooldown 0)
      double cur = h[reduce.monitor].get<double>();
      if (reduce.improved(cur)) {
        reduce.best = cur;
        reduce.wait = 0;
      } else if (++reduce.wait >= reduce.patience) {
        if (opt->lr() > double(float(min_lr))) opt->set_lr(std::max(opt->lr() * factor, min_lr));
        reduce.wait = 0;
      }
    }
    if (stopped) break;
  }

  std::ostringstream os;
  torch::save(cpu_copy(*net), os);
  Model m;
  m.kind = "classifier";
  m.classes = classes;
  m.features = seq_input ? std::vector<std::string>{in["column"].get<std::string>()} : features;
  m.spec = spec;
  m.state = os.str();
  m.info = info;
  m.info["input"] = in;
  m.info["history"] = history;
  m.info["seed"] = seed;
  m.info["class_weights"] = cw;
  m.info["epochs_run"] = history.size();
  if (stop.active) {
    m.info["stopped_epoch"] = stopped;  // 0 = ran every epoch
    m.info["best_epoch"] = best_epoch;
  }
  if (!notes.empty()) m.info["notes"] = notes;
  return m;
}

namespace {
// Models fitted before sequence input have no info["input"]: they read the features.
Model with_input(const Model& m) {
  if (m.info.contains("input")) return m;
  Model c = m;
  c.info["input"] = {{"column", ""}, {"dims", 0}, {"tokens", false}, {"vocab", 0}};
  return c;
}
}  // namespace

void check_classifier(const Model& model) { load_net(with_input(model)); }

Matrix predict_classifier(const Model& model, const Table& t, const FitContext& ctx) {
  Model m = with_input(model);
  torch::Device dev = torch_device(ctx.device);
  auto net = load_net(m);
  net->to(dev);
  Inputs in = read_inputs(t, m.info["input"], m.features);
  auto prob = torch::softmax(logits_of(*net, in, spec_int(m.spec, "batch"), dev), 1)
                  .to(torch::kCPU).to(torch::kFloat64).contiguous();
  Matrix out(t.rows(), m.classes.size());
  if (t.rows()) std::memcpy(out.v.data(), prob.data_ptr<double>(), out.v.size() * sizeof(double));
  return out;
}

Model classifier_with_weights(const json& spec, const Table& like, const json& weights) {
  json in = choose_input(like, spec);
  bool seq_input = !in["column"].get<std::string>().empty();
  Model m;
  m.kind = "classifier";
  m.classes = class_names(like);
  m.features = seq_input ? std::vector<std::string>{in["column"].get<std::string>()} : like.feature_names();
  m.spec = spec;
  if (in["tokens"].get<bool>()) in["vocab"] = weights.at("embedding.weight").at("shape")[0];
  auto layers = parse_layers(spec, m.classes.size(), seq_input);
  Net net(layers, seq_input ? in["dims"].get<int64_t>() : int64_t(m.features.size()), in["vocab"].get<int64_t>());
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net.named_parameters()) {
      if (!weights.contains(p.key())) throw DataError("classifier_with_weights: no weights for " + p.key());
      auto vals = weights[p.key()]["values"].get<std::vector<float>>();
      if (int64_t(vals.size()) != p.value().numel())
        throw DataError(fmt::format("classifier_with_weights: {} needs {} values, got {}", p.key(), p.value().numel(),
                                    vals.size()));
      p.value().copy_(torch::from_blob(vals.data(), p.value().sizes(), torch::kFloat32));
    }
  }
  std::ostringstream os;
  torch::save(cpu_copy(net), os);
  m.state = os.str();
  m.info["input"] = in;
  return m;
}

json trace_classifier(const Model& model, const Table& t) {
  Model m = with_input(model);
  auto net = load_net(m);
  Inputs in = read_inputs(t, m.info["input"], m.features);
  Trace trace;
  auto logits = logits_of(*net, in, std::max<int64_t>(1, int64_t(t.rows())), torch::kCPU, &trace);
  trace.push_back({"probs", torch::softmax(logits, 1)});
  json out = json::object();
  for (auto& [name, v] : trace) {
    auto c = v.to(torch::kFloat32).contiguous();
    out[name] = {{"shape", c.sizes().vec()},
                 {"values", std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())}};
  }
  return out;
}

void load_weights(torch::nn::Module& net, const std::string& state, const std::string& what) {
  auto bad = [&](const std::string& why) { throw DataError("the saved " + what + " network is damaged: " + why); };
  std::vector<torch::Tensor> saved;
  try {
    std::istringstream is(state);
    torch::load(saved, is);
  } catch (const c10::Error& e) {
    bad(std::string("LibTorch cannot read its weights (") + e.what_without_backtrace() + ")");
  }
  auto ps = net.parameters();
  if (saved.size() != ps.size()) bad(fmt::format("{} weight tensors saved, the layers have {}", saved.size(), ps.size()));
  for (size_t i = 0; i < ps.size(); i++)
    if (saved[i].sizes() != ps[i].sizes() || saved[i].scalar_type() != ps[i].scalar_type())
      bad(fmt::format("weight {} is {} of {}, the layers need {} of {}", i, c10::str(saved[i].sizes()),
                      c10::toString(saved[i].scalar_type()), c10::str(ps[i].sizes()), c10::toString(ps[i].scalar_type())));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < ps.size(); i++) ps[i].copy_(saved[i]);
}

}  // namespace genre
