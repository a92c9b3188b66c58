// The neural network family, on LibTorch: an MLP built from the spec's layer
// list and trained the way Keras's model.fit trains it, so numbers from Keras
// papers can be reproduced:
// - dense weights start Glorot-uniform, biases zero (Keras's Dense defaults);
// - a softmax (or linear) last layer gives logits; the loss is cross-entropy,
//   weighted per row by its class weight and averaged over the batch (Keras);
// - mini-batches are drawn from an index shuffle redone every epoch;
// - history loss/acc are the means over the epoch's batches in training mode,
//   val_loss/val_acc are computed on the validation table after the epoch;
// - early stopping and reduce-LR-on-plateau follow Keras's callbacks (see
//   ops/models/specs.cpp for the options); without a validation table their
//   val_* monitors are skipped, as Keras does, and info["notes"] says so.
// Randomness (initial weights, dropout masks, shuffles) comes from the seed
// only, through generators private to this fit, so fits running in parallel
// stay reproducible. This is the only file that includes torch.
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "ops/models/model.h"

namespace genre {

namespace {

struct LayerSpec {
  bool dropout = false;
  int64_t units = 0;  // 0 = one per class (last layer)
  std::string act = "linear";
  double slope = 0.3;
  double p = 0;
};

std::vector<LayerSpec> parse_layers(const json& spec, size_t classes) {
  if (!spec.contains("layers") || !spec["layers"].is_array() || spec["layers"].empty())
    throw DataError("classifier: the block has no layers; end it with dense(softmax)");
  std::vector<LayerSpec> out;
  for (auto& l : spec["layers"]) {
    LayerSpec s;
    std::string kind = l.value("layer", std::string());
    if (kind == "dropout") {
      s.dropout = true;
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
      s.act = spec_symbol(d, "act", "linear");
      s.slope = spec_number(d, "slope", 0.3);
      if (d.contains("units") && s.units < 1) throw DataError(fmt::format("dense: units must be at least 1, got {}", s.units));
    } else {
      throw InternalError("classifier: unknown layer " + l.dump());
    }
    out.push_back(s);
  }
  LayerSpec& last = out.back();
  if (last.dropout) throw DataError("classifier: the last layer must be dense(softmax), not dropout");
  if (last.act != "softmax" && last.act != "linear")
    throw DataError("classifier: the last layer's activation must be softmax (or linear logits), got " + last.act);
  if (last.units == 0) last.units = int64_t(classes);
  if (size_t(last.units) != classes)
    throw DataError(fmt::format("classifier: the last layer has {} units but the training labels have {} classes; "
                                "leave units out to size it to the classes",
                                last.units, classes));
  for (size_t i = 0; i + 1 < out.size(); i++)
    if (!out[i].dropout && out[i].units == 0)
      throw DataError(fmt::format("classifier: dense layer {} needs units (only the last one may leave them out)", i + 1));
  return out;
}

struct Net : torch::nn::Module {
  std::vector<LayerSpec> layers;
  std::vector<torch::nn::Linear> dense;  // one per dense layer, in order

  Net(std::vector<LayerSpec> ls, int64_t inputs) : layers(std::move(ls)) {
    int64_t width = inputs;
    for (auto& l : layers) {
      if (l.dropout) continue;
      dense.push_back(register_module(fmt::format("dense{}", dense.size()),
                                      torch::nn::Linear(torch::nn::LinearOptions(width, l.units))));
      width = l.units;
    }
  }

  void glorot(at::Generator& gen) {
    torch::NoGradGuard no_grad;
    for (auto& d : dense) {
      double fan_out = double(d->weight.size(0)), fan_in = double(d->weight.size(1));
      double a = std::sqrt(6.0 / (fan_in + fan_out));
      auto w = torch::rand(d->weight.sizes(), gen, torch::kFloat32) * (2 * a) - a;
      d->weight.copy_(w);
      d->bias.zero_();
    }
  }

  // Logits. `gen` is set while training (dropout active).
  torch::Tensor forward(torch::Tensor x, at::Generator* gen) {
    size_t di = 0;
    for (size_t i = 0; i < layers.size(); i++) {
      const LayerSpec& l = layers[i];
      if (l.dropout) {
        if (gen && l.p > 0) {
          auto keep = torch::rand(x.sizes(), *gen, torch::kFloat32).ge(l.p).to(torch::kFloat32) / (1 - l.p);
          x = x * keep.to(x.device());
        }
        continue;
      }
      x = dense[di++]->forward(x);
      if (i + 1 == layers.size()) break;  // the output layer's softmax lives in the loss
      if (l.act == "relu") x = torch::relu(x);
      else if (l.act == "leaky_relu") x = torch::leaky_relu(x, l.slope);
      else if (l.act == "tanh") x = torch::tanh(x);
      else if (l.act == "sigmoid") x = torch::sigmoid(x);
      else if (l.act == "softmax") x = torch::softmax(x, 1);
      else if (l.act != "linear") throw InternalError("classifier: unknown activation " + l.act);
    }
    return x;
  }
};

// The optimizers behind one interface, so the learning rate can be read and lowered.
struct Optim {
  virtual ~Optim() = default;
  virtual void step() = 0;
  virtual double lr() const = 0;
  virtual void set_lr(double) = 0;
};

template <typename O, typename Opts>
struct TorchOptim : Optim {
  O opt;
  TorchOptim(std::vector<torch::Tensor> params, Opts o) : opt(std::move(params), o) {}
  void step() override { opt.step(); }
  double lr() const override { return static_cast<const Opts&>(opt.param_groups()[0].options()).lr(); }
  void set_lr(double v) override {
    for (auto& g : opt.param_groups()) static_cast<Opts&>(g.options()).lr(v);
  }
};

// NAdam as Keras's Nadam and PyTorch's torch.optim.NAdam compute it (LibTorch
// has no C++ NAdam): mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)),
// p -= lr * [(1 - mu_t) / (1 - prod mu_1..t) * g + mu_t+1 / (1 - prod mu_1..t+1) * m]
//      / (sqrt(v / (1 - beta2^t)) + eps).
// (PyTorch 1.13's single-tensor NAdam multiplies mu_t into the second product
// twice; that bug was fixed in pytorch/pytorch#92699. Keras never had it.)
struct NAdam : Optim {
  std::vector<torch::Tensor> params, m, v;
  double rate, beta1, beta2, eps, decay;
  double mu_product = 1;
  long t = 0;

  NAdam(std::vector<torch::Tensor> ps, double lr, double b1, double b2, double e, double md)
      : params(std::move(ps)), rate(lr), beta1(b1), beta2(b2), eps(e), decay(md) {
    for (auto& p : params) {
      m.push_back(torch::zeros_like(p));
      v.push_back(torch::zeros_like(p));
    }
  }
  void step() override {
    torch::NoGradGuard no_grad;
    t++;
    double mu = beta1 * (1 - 0.5 * std::pow(0.96, double(t) * decay));
    double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, double(t + 1) * decay));
    mu_product *= mu;
    double bc2 = 1 - std::pow(beta2, double(t));
    for (size_t i = 0; i < params.size(); i++) {
      if (!params[i].grad().defined()) continue;
      auto g = params[i].grad();
      m[i].mul_(beta1).add_(g, 1 - beta1);
      v[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
      auto denom = (v[i] / bc2).sqrt_().add_(eps);
      params[i].addcdiv_(g, denom, -rate * (1 - mu) / (1 - mu_product));
      params[i].addcdiv_(m[i], denom, -rate * mu_next / (1 - mu_product * mu_next));
    }
  }
  double lr() const override { return rate; }
  void set_lr(double v2) override { rate = v2; }
};

std::unique_ptr<Optim> make_optim(const json& spec, std::vector<torch::Tensor> params) {
  json o = spec.contains("optimizer") && spec["optimizer"].is_object() ? spec["optimizer"] : json{{"optimizer", "adam"}};
  std::string name = o.value("optimizer", std::string("adam"));
  // Checked here so a bad value is the user's error, not a LibTorch assertion.
  for (const char* key : {"lr", "eps"})
    if (o.contains(key) && !(spec_number(o, key, 1) > 0))
      throw DataError(fmt::format("{}: {} must be greater than 0, got {}", name, key, o[key].dump()));
  for (const char* key : {"beta1", "beta2", "momentum"})
    if (o.contains(key) && !(spec_number(o, key, 0) >= 0 && spec_number(o, key, 0) < 1))
      throw DataError(fmt::format("{}: {} must be in [0, 1), got {}", name, key, o[key].dump()));
  if (name == "adam") {
    auto opts = torch::optim::AdamOptions(spec_number(o, "lr", 0.001))
                    .betas({spec_number(o, "beta1", 0.9), spec_number(o, "beta2", 0.999)})
                    .eps(spec_number(o, "eps", 1e-7));
    return std::make_unique<TorchOptim<torch::optim::Adam, torch::optim::AdamOptions>>(std::move(params), opts);
  }
  if (name == "sgd") {
    auto opts = torch::optim::SGDOptions(spec_number(o, "lr", 0.01)).momentum(spec_number(o, "momentum", 0));
    return std::make_unique<TorchOptim<torch::optim::SGD, torch::optim::SGDOptions>>(std::move(params), opts);
  }
  if (name == "nadam")
    return std::make_unique<NAdam>(std::move(params), spec_number(o, "lr", 0.001), spec_number(o, "beta1", 0.9),
                                   spec_number(o, "beta2", 0.999), spec_number(o, "eps", 1e-7),
                                   spec_number(o, "momentum_decay", 0.004));
  throw InternalError("classifier: unknown optimizer " + o.dump());
}

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

torch::Device pick_device(const std::string& d) {
  return d == "cuda" && torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

torch::Tensor to_tensor(const Matrix& x, torch::Device dev) {
  auto t = torch::empty({int64_t(x.rows), int64_t(x.cols)}, torch::kFloat32);
  auto* p = t.data_ptr<float>();
  for (size_t i = 0; i < x.v.size(); i++) p[i] = float(x.v[i]);
  return t.to(dev);
}

torch::Tensor to_labels(const std::vector<int>& y, torch::Device dev) {
  auto t = torch::empty({int64_t(y.size())}, torch::kInt64);
  auto* p = t.data_ptr<int64_t>();
  for (size_t i = 0; i < y.size(); i++) p[i] = y[i];
  return t.to(dev);
}

}  // namespace

Model fit_classifier(const json& spec, const Table& train, const Table* validate, const FitContext& ctx) {
  TrainData d = train_data(train);
  size_t k = d.classes.size(), n = d.x.rows;
  auto layers = parse_layers(spec, k);
  if (spec_symbol(spec, "loss", "cross_entropy") != "cross_entropy")
    throw DataError("classifier: loss must be cross_entropy");
  long batch = spec_int(spec, "batch", 32), epochs = spec_int(spec, "epochs", 1);
  if (batch < 1) throw DataError(fmt::format("classifier: batch must be at least 1, got {}", batch));
  if (epochs < 1) throw DataError(fmt::format("classifier: epochs must be at least 1, got {}", epochs));
  uint64_t seed = spec.contains("seed") ? uint64_t(spec_int(spec, "seed", 0)) : ctx.seed;
  torch::Device dev = pick_device(ctx.device);

  // Class weights: balanced = n / (k * rows of the class), as scikit-learn's compute_class_weight.
  std::vector<double> cw(k, 1.0);
  json cwo = spec.value("class_weights", json(false));
  if (cwo == json("balanced") || cwo == json(true)) {
    std::vector<double> count(k, 0);
    for (int y : d.y) count[size_t(y)]++;
    for (size_t c = 0; c < k; c++) cw[c] = double(n) / (double(k) * count[c]);
  } else if (cwo != json(false)) {
    throw DataError("classifier: class_weights must be true, false or balanced, got " + cwo.dump());
  }

  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::mt19937_64 shuffle_rng(seed);
  auto net = std::make_shared<Net>(layers, int64_t(d.features.size()));
  net->glorot(gen);
  net->to(dev);
  auto opt = make_optim(spec, net->parameters());

  torch::Tensor x = to_tensor(d.x, dev), y = to_labels(d.y, dev);
  torch::Tensor w = torch::tensor(std::vector<float>(cw.begin(), cw.end())).to(dev);
  torch::Tensor vx, vy;
  if (validate) {
    vx = to_tensor(feature_matrix(*validate, d.features), dev);
    vy = to_labels(label_indices(*validate, d.classes), dev);
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

  for (long epoch = 1; epoch <= epochs; epoch++) {
    for (size_t i = n - 1; i > 0; i--) std::swap(order[i], order[shuffle_rng() % (i + 1)]);  // Fisher-Yates
    auto perm = torch::tensor(order).to(dev);
    net->train();
    double loss_sum = 0, hits = 0;
    double lr_used = opt->lr();
    for (size_t s = 0; s < n; s += size_t(batch)) {
      auto idx = perm.slice(0, int64_t(s), int64_t(std::min(n, s + size_t(batch))));
      auto xb = x.index_select(0, idx), yb = y.index_select(0, idx);
      auto logits = net->forward(xb, &gen);
      auto loss = (F::cross_entropy(logits, yb, ce) * w.index_select(0, yb)).mean();
      net->zero_grad();
      loss.backward();
      opt->step();
      loss_sum += loss.item<double>() * double(idx.size(0));
      hits += logits.argmax(1).eq(yb).sum().item<double>();
    }
    json h = {{"epoch", epoch}, {"loss", loss_sum / double(n)}, {"acc", hits / double(n)}, {"lr", lr_used}};
    if (validate) {
      torch::NoGradGuard no_grad;
      net->eval();
      auto logits = net->forward(vx, nullptr);
      h["val_loss"] = F::cross_entropy(logits, vy).item<double>();
      h["val_acc"] = logits.argmax(1).eq(vy).to(torch::kFloat64).mean().item<double>();
    }
    history.push_back(h);
    ctx.progress(size_t(epoch), size_t(epochs), "epoch");

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
  m.classes = d.classes;
  m.features = d.features;
  m.spec = spec;
  m.state = os.str();
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

Matrix predict_classifier(const Model& m, const Matrix& x, const FitContext& ctx) {
  auto layers = parse_layers(m.spec, m.classes.size());
  torch::Device dev = pick_device(ctx.device);
  Net net(layers, int64_t(m.features.size()));
  std::vector<torch::Tensor> saved;
  std::istringstream is(m.state);
  torch::load(saved, is);
  auto ps = net.parameters();
  if (saved.size() != ps.size()) throw InternalError("classifier: saved weights do not fit the layers");
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < ps.size(); i++) ps[i].copy_(saved[i]);
  }
  net.to(dev);
  net.eval();
  torch::NoGradGuard no_grad;
  auto prob = torch::softmax(net.forward(to_tensor(x, dev), nullptr), 1).to(torch::kCPU).to(torch::kFloat64).contiguous();
  Matrix out(x.rows, m.classes.size());
  std::memcpy(out.v.data(), prob.data_ptr<double>(), out.v.size() * sizeof(double));
  return out;
}

}  // namespace genre
