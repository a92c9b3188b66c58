// Saved network weights back into a network (classifier and next_step models).
// Included only by the LibTorch files (CMakeLists.txt's TORCH_SRC).
#pragma once
#include <torch/nn/module.h>

#include <string>

namespace genre {

// `state` (torch::save of the parameters) into `net`'s parameters. Bytes that
// torch::load cannot read, or weights whose count or shapes differ from the
// layers', are a damaged model: DataError naming `what` ("classifier"), never
// a LibTorch error or a copy out of shape.
void load_weights(torch::nn::Module& net, const std::string& state, const std::string& what);

}  // namespace genre
