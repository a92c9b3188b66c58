// S0's next-step network on LibTorch: embedding -> LSTM -> dense per step
// (the paper: "an embedding layer ... 512, 2048 recurrent units using an LSTM
// cell, and a dense output layer"). What the spec's options mean, and how roll
// numbers become classes, is in ops/models/sequence_ops.cpp.
// - Input at step t: every family's slots, each (slot column, class) with its
//   own embedding row, summed (embedding_bag): a linear map of the one-hot step.
// - Output at step t: for each target slot, logits for pitch, duration and
//   velocity of step t + 1; the loss is their mean cross-entropy (Keras's
//   sparse categorical cross-entropy averaged over every output).
// - Windows are coded batch by batch, so memory stays that of one batch.
// Randomness (initial weights, shuffles) comes from the seed only.
#include <torch/torch.h>

#include <optional>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "ops/models/optim.h"
#include "ops/models/sequence_model.h"
#include "ops/models/weights.h"

namespace genre {

namespace {

namespace F = torch::nn::functional;

struct Net : torch::nn::Module {
  torch::Tensor emb;
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear out{nullptr};

  Net(int64_t vocab, int64_t width, int64_t units, int64_t outputs) {
    emb = register_parameter("embedding", torch::zeros({vocab, width}));
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(width, units).batch_first(true)));
    out = register_module("dense", torch::nn::Linear(units, outputs));
  }

  void init(at::Generator& gen) {
    torch::NoGradGuard no_grad;
    emb.copy_(torch::rand(emb.sizes(), gen) * 0.1 - 0.05);  // Keras Embedding: uniform(-0.05, 0.05)
    double k = 1.0 / std::sqrt(double(lstm->options.hidden_size()));
    for (auto& p : lstm->parameters()) p.copy_(torch::rand(p.sizes(), gen) * (2 * k) - k);  // PyTorch's LSTM init
    double a = std::sqrt(6.0 / double(out->weight.size(0) + out->weight.size(1)));
    out->weight.copy_(torch::rand(out->weight.sizes(), gen) * (2 * a) - a);  // Glorot-uniform (Keras Dense)
    out->bias.zero_();
  }

  // idx: [windows, steps, columns] embedding rows -> [windows, steps, outputs] logits.
  torch::Tensor forward(const torch::Tensor& idx) {
    int64_t b = idx.size(0), t = idx.size(1);
    auto x = F::embedding_bag(idx.reshape({b * t, idx.size(2)}), emb, F::EmbeddingBagFuncOptions().mode(torch::kSum));
    auto h = std::get<0>(lstm->forward(x.view({b, t, -1})));
    return out->forward(h);
  }
};

struct Shape {
  int64_t vocab = 0, width = 0, units = 0, outputs = 0;
  std::vector<int64_t> offset;  // first embedding row of each column
};

Shape shape_of(const json& spec, const StepCoding& c) {
  Shape s;
  s.width = spec_int(spec, "embedding", 512);
  s.units = spec_int(spec, "lstm", 2048);
  if (s.width < 1) throw DataError(fmt::format("next_step: embedding must be at least 1, got {}", s.width));
  if (s.units < 1) throw DataError(fmt::format("next_step: lstm must be at least 1 unit, got {}", s.units));
  for (size_t k = 0; k < c.columns(); ++k) {
    s.offset.push_back(s.vocab);
    s.vocab += c.classes(k % 3);
  }
  s.outputs = int64_t(c.notes) * c.slot_classes();
  return s;
}

// The windows `rows` as embedding rows (steps 0..T-2) and target classes
// (the target family's slots at steps 1..T-1, [windows, T-1, notes, 3]).
struct Batch {
  torch::Tensor input, target;
};

Batch code_batch(const StepCoding& c, const Shape& s, SequenceRows& roll, const std::string& src,
                 const std::vector<int64_t>& rows, torch::Device dev) {
  const std::vector<const float*>& seqs = roll.load(rows);
  int64_t b = int64_t(rows.size()), steps = int64_t(roll.steps(size_t(rows[0]))), cols = int64_t(c.columns());
  int64_t n = int64_t(c.notes);
  auto input = torch::empty({b, steps - 1, cols}, torch::kInt64);
  auto target = torch::empty({b, steps - 1, n, 3}, torch::kInt64);
  int64_t* in = input.data_ptr<int64_t>();
  int64_t* tg = target.data_ptr<int64_t>();
  std::vector<int64_t> codes(static_cast<size_t>(cols));
  for (int64_t w = 0; w < b; ++w) {
    const float* seq = seqs[size_t(w)];
    for (int64_t k = 0; k < steps; ++k) {
      code_step(c, seq + k * cols, codes.data(), fmt::format("{} row {} step {}", src, rows[size_t(w)] + 1, k + 1));
      if (k + 1 < steps)
        for (int64_t j = 0; j < cols; ++j) *in++ = s.offset[size_t(j)] + codes[size_t(j)];
      if (k > 0)
        for (int64_t j = 0; j < n * 3; ++j) *tg++ = codes[size_t(int64_t(c.target) * n * 3 + j)];
    }
  }
  return {input.to(dev), target.to(dev)};
}

// Summed cross-entropy per feature and the number of outputs per feature.
struct Sums {
  torch::Tensor pitch, duration, velocity;
  int64_t count = 0;
};

Sums losses(const StepCoding& c, const torch::Tensor& logits, const torch::Tensor& target) {
  auto l = logits.view({-1, int64_t(c.notes), c.slot_classes()});
  auto y = target.view({-1, int64_t(c.notes), 3});
  auto opts = F::CrossEntropyFuncOptions().reduction(torch::kSum);
  int64_t from = 0;
  std::array<torch::Tensor, 3> per;
  for (int f = 0; f < 3; ++f) {
    int64_t k = c.classes(size_t(f));
    per[size_t(f)] = F::cross_entropy(l.narrow(2, from, k).reshape({-1, k}), y.select(2, f).reshape({-1}), opts);
    from += k;
  }
  return {per[0], per[1], per[2], y.size(0) * y.size(1)};
}

StepLoss score(Net& net, const StepCoding& c, const Shape& s, SequenceRows& t, const std::string& src, long batch,
               torch::Device dev) {
  torch::NoGradGuard no_grad;
  net.eval();
  size_t n = t.size();
  double p = 0, d = 0, v = 0, count = 0;
  StepLoss out;
  for (size_t from = 0; from < n; from += size_t(batch)) {
    std::vector<int64_t> rows;
    for (size_t r = from; r < std::min(n, from + size_t(batch)); ++r) rows.push_back(int64_t(r));
    Batch b = code_batch(c, s, t, src, rows, dev);
    Sums sum = losses(c, net.forward(b.input), b.target);
    p += sum.pitch.item<double>();
    d += sum.duration.item<double>();
    v += sum.velocity.item<double>();
    count += double(sum.count);
    out.steps += size_t(b.target.size(0) * b.target.size(1));
  }
  out.windows = n;
  if (count > 0) {
    out.pitch = p / count, out.duration = d / count, out.velocity = v / count;
    out.loss = (p + d + v) / (3 * count);
  }
  return out;
}

std::string name_of(const Table& t) { return t.source.empty() ? std::string("table") : t.source; }

}  // namespace

// The windows are read a batch at a time (SequenceRows): from the cache entry when the table is
// stored, so a corpus larger than memory trains in the memory of one batch.
Model fit_next_step(const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
  SequenceRows rows_of(train, step_column(spec));
  StepCoding c = step_coding(spec, rows_of, name_of(train));
  std::optional<SequenceRows> val_rows;
  if (validate) val_rows.emplace(*validate, c.column), step_coding(spec, *val_rows, name_of(*validate));
  Shape s = shape_of(spec, c);
  long batch = spec_int(spec, "batch", 32), epochs = spec_int(spec, "epochs", 1);
  if (batch < 1) throw DataError(fmt::format("next_step: batch must be at least 1, got {}", batch));
  if (epochs < 1) throw DataError(fmt::format("next_step: epochs must be at least 1, got {}", epochs));
  uint64_t seed = spec.contains("seed") ? uint64_t(spec_int(spec, "seed", 0)) : ctx.seed;
  torch::Device dev = torch_device(ctx.device);

  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::mt19937_64 shuffle(seed);
  auto net = std::make_shared<Net>(s.vocab, s.width, s.units, s.outputs);
  net->init(gen);
  net->to(dev);
  auto opt = make_optim(spec, net->parameters());

  size_t n = rows_of.size();
  std::vector<int64_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = int64_t(i);
  json history = json::array();
  for (long epoch = 1; epoch <= epochs; ++epoch) {
    for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[shuffle() % (i + 1)]);  // Fisher-Yates
    net->train();
    double sum = 0, count = 0;
    for (size_t from = 0; from < n; from += size_t(batch)) {
      std::vector<int64_t> rows(order.begin() + std::ptrdiff_t(from),
                                order.begin() + std::ptrdiff_t(std::min(n, from + size_t(batch))));
      Batch b = code_batch(c, s, rows_of, name_of(train), rows, dev);
      Sums l = losses(c, net->forward(b.input), b.target);
      auto loss = (l.pitch + l.duration + l.velocity) / double(3 * l.count);
      net->zero_grad();
      loss.backward();
      opt->step();
      sum += loss.item<double>() * double(rows.size());
      count += double(rows.size());
      ctx.progress(size_t(epoch - 1) * n + from + rows.size(), size_t(epochs) * n, "windows");
    }
    stop_if_diverged(sum / count, epoch);
    json h = {{"epoch", epoch}, {"loss", sum / count}};
    if (validate) h["val_loss"] = score(*net, c, s, *val_rows, name_of(*validate), batch, dev).loss;
    history.push_back(h);
    ctx.take_turn();
  }

  std::vector<torch::Tensor> weights;
  for (auto& p : net->parameters()) weights.push_back(p.detach().to(torch::kCPU).clone());
  std::ostringstream os;
  torch::save(weights, os);
  Model m;
  m.kind = "next_step";
  m.features = {c.column};
  m.spec = spec;
  m.state = os.str();
  m.info["history"] = history;
  m.info["seed"] = seed;
  m.info["windows"] = n;
  m.info["steps"] = c.notes ? rows_of.steps(0) : 0;
  int64_t params = 0;
  for (auto& p : net->parameters()) params += p.numel();
  m.info["parameters"] = params;
  m.info["columns"] = c.columns();
  return m;
}

StepLoss next_step_loss(const Model& m, const Table& data, const FitContext& ctx) {
  if (m.kind != "next_step") throw InternalError("next_step_loss: a " + m.kind + " model");
  if (data.rows() == 0)
    throw DataError((data.source.empty() ? std::string("table") : data.source) + ": no windows to score");
  SequenceRows rows_of(data, step_column(m.spec));
  StepCoding c = step_coding(m.spec, rows_of, name_of(data));
  if (m.info.contains("columns") && m.info["columns"].get<size_t>() != c.columns())
    throw DataError(fmt::format("next_step_loss: {}: a step has {} numbers but the model was trained on {}; encode "
                                "the test rows with the same piano_roll",
                                data.source.empty() ? std::string("table") : data.source, c.columns(),
                                m.info["columns"].get<size_t>()));
  Shape s = shape_of(m.spec, c);
  Net net(s.vocab, s.width, s.units, s.outputs);
  load_weights(net, m.state, "next_step");
  torch::Device dev = torch_device(ctx.device);
  net.to(dev);
  return score(net, c, s, rows_of, name_of(data), spec_int(m.spec, "batch", 32), dev);
}

}  // namespace genre
