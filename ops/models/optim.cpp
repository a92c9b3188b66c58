#include "ops/models/optim.h"

#include <cmath>

#include <fmt/format.h>

#include "lang/catalog.h"
#include "ops/models/model.h"

namespace genre {

namespace {

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

}  // namespace

std::unique_ptr<Optim> make_optim(const json& spec, std::vector<torch::Tensor> params) {
  json o = spec.contains("optimizer") && spec["optimizer"].is_object() ? spec["optimizer"] : json{{"optimizer", "adam"}};
  std::string name = o.value("optimizer", std::string("adam"));
  // The script's values were checked against the declared ranges; a spec read
  // back from elsewhere (a cache, a lock) is checked again so that a bad value
  // is the user's error, not a LibTorch assertion.
  if (const lang::Signature* sig = lang::catalog().find(name))
    for (auto& p : sig->params)
      if (o.contains(p.name) && o[p.name].is_number())
        if (std::string why = lang::range_problem(p, o[p.name].get<double>()); !why.empty())
          throw DataError(name + ": " + why);
  if (name == "adam") {
    auto opts = torch::optim::AdamOptions(spec_number(o, "lr"))
                    .betas({spec_number(o, "beta1"), spec_number(o, "beta2")})
                    .eps(spec_number(o, "eps"));
    return std::make_unique<TorchOptim<torch::optim::Adam, torch::optim::AdamOptions>>(std::move(params), opts);
  }
  if (name == "sgd") {
    auto opts = torch::optim::SGDOptions(spec_number(o, "lr")).momentum(spec_number(o, "momentum"));
    return std::make_unique<TorchOptim<torch::optim::SGD, torch::optim::SGDOptions>>(std::move(params), opts);
  }
  if (name == "nadam")
    return std::make_unique<NAdam>(std::move(params), spec_number(o, "lr"), spec_number(o, "beta1"),
                                   spec_number(o, "beta2"), spec_number(o, "eps"),
                                   spec_number(o, "momentum_decay"));
  throw InternalError("classifier: unknown optimizer " + o.dump());
}


torch::Device torch_device(const std::string& d) {
  return d == "cuda" && torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

}  // namespace genre
