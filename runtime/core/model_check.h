// Checking a trained model read back from the cache (or a model file) before
// any op uses it: the cache's checksum catches accidents, not an edited entry.
#pragma once
#include <functional>
#include <string>

#include "runtime/core/value.h"

namespace genre {

// A model family's check of its fitted state: counts, sizes and indices agree
// with each other and with the model's classes and features. It throws (a
// DataError naming what is wrong) for damage; deserialize() then calls the
// value corrupt, so the cache moves the entry aside and recomputes the node.
void register_model_check(const std::string& kind, std::function<void(const Model&)> check);

// The registered check of m.kind; a kind without one passes.
void check_model(const Model& m);

}  // namespace genre
