// S0's next-step model (spec `next_step`): from the piano roll of every family
// at step t, predict the target family's slots at step t + 1. Each slot's
// pitch, duration and velocity is a class, learned with sparse categorical
// cross-entropy; the loss counts only the target family.
// The coding (roll numbers -> classes) is plain C++ here and in
// ops/models/sequence_ops.cpp; the network lives in ops/models/sequence_model.cpp
// (LibTorch), reached through ops/torch_ops.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ops/models/model.h"
#include "runtime/core/row_groups.h"
#include "runtime/core/table_text.h"

namespace genre {

// How a roll's numbers become classes. Class 0 of every feature is "empty
// slot" (velocity 0: a MIDI note-on always has velocity >= 1).
struct StepCoding {
  std::vector<std::string> families;  // the roll's families, in its order
  size_t notes = 0;                   // slots per family per step (the roll's max_notes)
  size_t target = 0;                  // index of the predicted family
  std::string column = "roll";
  double duration_step = 0;           // seconds per duration class
  int durations = 0;                  // duration classes besides "empty"; the last takes every longer note
  int velocity_step = 1;              // velocities per velocity class (1 = every velocity its own class)

  size_t columns() const { return families.size() * notes * 3; }
  int64_t pitch_classes() const { return 129; }  // empty + pitches 0..127
  int64_t duration_classes() const { return durations + 1; }
  int64_t velocity_classes() const { return 1 + (127 + velocity_step - 1) / velocity_step; }
  int64_t classes(size_t feature) const {  // feature 0 pitch, 1 duration, 2 velocity
    return feature == 0 ? pitch_classes() : feature == 1 ? duration_classes() : velocity_classes();
  }
  int64_t slot_classes() const { return pitch_classes() + duration_classes() + velocity_classes(); }
};

// The coding a next_step spec asks for, checked against the table's roll
// column: DataError for an unknown target family, a roll whose width is not
// families x notes x 3, windows shorter than 2 steps or of unequal length.
std::string step_column(const json& spec);  // the spec's `column`, "roll" by default
StepCoding step_coding(const json& spec, const Table& data);
StepCoding step_coding(const json& spec, const SequenceRows& roll, const std::string& where);
// The class of each of a step's columns (pitch, duration, velocity per slot,
// slots per family); DataError naming the row and step on a value out of range.
void code_step(const StepCoding& c, const float* step, int64_t* out, const std::string& where);

// The test loss of one model on one table of windows: mean cross-entropy over
// every predicted step and target-family slot, and per feature.
struct StepLoss {
  double loss = 0, pitch = 0, duration = 0, velocity = 0;
  size_t windows = 0, steps = 0;  // windows scored, predicted steps (windows x (length - 1))
};

Model fit_next_step(const json& spec, const Table& train, const Table* validate, const FitContext& ctx);
StepLoss next_step_loss(const Model& m, const Table& data, const FitContext& ctx);

// next_step_loss's report as tables: "loss" (one row per model: the sweep's
// keys, target, windows, loss per feature) and "mean_by_<first key>".
bool is_next_step_loss(const json& report);
std::vector<std::pair<std::string, TextTable>> next_step_tables(const json& report);

}  // namespace genre
