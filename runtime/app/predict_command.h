// `genre predict SCRIPT MODEL INPUT...`: a trained model's answer for new raw
// inputs (audio files or folders, MIDI files or folders, a CSV with the
// training table's columns), without labels. The inputs go through the steps
// the model's training rows went through in the script, replayed node by node:
// the source op reads the new files with the script's settings; per-row ops
// (windows, select, instruments, piano_roll, ...) run as written; fitted steps
// (standardize, minmax, quantile, impute, select_best on a split) apply the
// state fitted on the part the model's rows came from; row filters (keep,
// balance, distinct, split, kfold) are passed through. The model's own prep
// is applied by the model.
#pragma once
#include <string>
#include <vector>

#include "runtime/core/value.h"
#include "runtime/engine/plan.h"

namespace genre {

// One row per input in input order (per file of a folder, per row of a CSV):
// input, predicted, p_<class> per class (a windowed model's mean over the
// file's windows), error (why an input was set aside; "" when predicted).
// The plan must have been run, so that every node of the model's chain is in
// the cache at `cache_dir`. DataError naming the node when a step of the chain
// cannot be replayed.
Table predict_inputs(const Plan& plan, size_t model_node, const std::vector<std::string>& inputs,
                     const std::string& cache_dir, const std::string& device);

// The same in two halves. The recipe is the chain as JSON, independent of the script and the cache: the
// source op and its settings, each per-row op with its parameters, each fitted step with its state.
json recipe_of(const Plan& plan, size_t model_node, const std::string& cache_dir);
Table predict_with(const json& recipe, const Model& m, const std::vector<std::string>& inputs, const std::string& device);

// `genre export SCRIPT MODEL --to FILE`: the model and its recipe as one versioned, checksummed file that
// `genre predict --model FILE INPUT...` answers with, without the script. read_model_file: DataError for a
// file of another format or version, or whose checksum does not match.
std::string model_file(const json& recipe, const Model& m, const std::string& name);
std::pair<json, Model> read_model_file(const std::string& path);

}  // namespace genre
