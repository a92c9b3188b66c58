// The optimizers every LibTorch model family trains with (classifier,
// next_step), behind one interface so the learning rate can be read and
// lowered (reduce_lr). Includes LibTorch: only libgenre_torch.so's files
// include it.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

// The optimizers behind one interface, so the learning rate can be read and lowered.
struct Optim {
  virtual ~Optim() = default;
  virtual void step() = 0;
  virtual double lr() const = 0;
  virtual void set_lr(double) = 0;
};

// adam(), nadam() or sgd() from the spec's "optimizer" record (adam() when
// there is none), with the defaults ops/models/specs.cpp declares.
std::unique_ptr<Optim> make_optim(const json& spec, std::vector<torch::Tensor> params);

// "cuda" when asked for and there is one, else the CPU.
torch::Device torch_device(const std::string& device);

}  // namespace genre
