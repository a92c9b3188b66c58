// `genre plan --explain NODE`: why a node's key differs from the last run's,
// traced back through the inputs to the parameters and files that changed.
#pragma once
#include <string>

#include "runtime/engine/plan.h"

namespace genre {

// `which` is a node label ("svm1/fit") or a definition name (all its nodes).
// `last` is the previous run's record (see run.cpp); null if there is none.
// Throws lang-free DataError when no node has that name, listing the labels.
std::string explain(const Plan& plan, const json& last, const std::string& which);

}  // namespace genre
