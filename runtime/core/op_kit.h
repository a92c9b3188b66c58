// Small helpers shared by the table ops: cell keys, readable lists of names,
// and the fit-on-train / apply-to-every-part pattern of the preprocessing ops.
#pragma once
#include <random>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/core/op.h"

namespace genre::kit {

// Shortest text that reads back as the same double; integers without ".0".
std::string fmt_num(double v);

// A cell as a comparable key: numbers by value (5200.0 == 5200), text as is.
// nullopt when the cell is missing.
std::optional<std::string> cell_key(const Column& c, size_t row);

// `"a", "b", "c" ... (12 more)` for error messages.
std::string name_list(const std::vector<std::string>& names, size_t max = 20);

// The distinct values of a column with their counts, most frequent first.
std::vector<std::pair<std::string, size_t>> value_counts(const Column& c);

// For an op that works a row group at a time (need.groups): fn's table for each group of `t` and
// the index of its first row, gathered as the op's value: written a group at a time
// (ctx.groups_out()) when `t` is stored, else one table in memory, as `t` is.
Value map_groups(const OpContext& ctx, const Table& t, const std::function<Table(const Table& group, size_t first)>& fn);

// The label column of `t`, or a DataError saying how to choose one.
const Column& label_column(const Table& t, const std::string& op);

// A list-of-strings parameter given as one string or a list of strings.
std::vector<std::string> string_list(const json& p, const std::string& op, const std::string& param);

// Which part each part's transform is fitted on. Normally one group: params
// "fit_on" (default "train") for every part. On a kfold split (parts
// fold1_train, fold1_val, ...) with no fit_on given, one group per fold:
// foldN_train for foldN_train and foldN_val, so a fold's held-out rows never
// reach what is fitted for it (cross-validation of a whole pipeline).
struct FitGroup {
  std::string fit_on;
  std::vector<std::string> parts;
};
std::vector<FitGroup> fit_groups(const Split& s, const json& params, const std::string& op);

// Preprocessing without leakage: `fit` sees only the fit part of each group
// above and returns a transform that is then applied to the group's parts,
// the fit part included.
using Transform = std::function<void(Table&)>;
using Fit = std::function<Transform(const Table& fit_part, const std::vector<std::string>& features)>;
Split fit_apply(const OpContext& ctx, const std::string& op, const Fit& fit);

// A preprocessing op whose fitted state can be kept: what a model carries in its `prep: [...]` list, fitted
// on whatever rows the model is fitted on (inside each fold of cv, grid and ablate) and applied again to every
// table the model predicts. `fit` learns the state from the fit rows' features; `apply` changes a table with it.
// The op itself (on a split) is the same two functions run by fit_apply, so both give the same numbers.
struct Step {
  std::function<json(const json& params, const Table& fit, const std::vector<std::string>& features)> fit;
  std::function<void(const json& params, const json& state, Table& t)> apply;
};
void register_step(const std::string& op, Step s);
const Step* find_step(const std::string& op);
// The op's run function: fit_apply with the step's fit and apply.
Split fit_apply_step(const OpContext& ctx, const std::string& op, const Step& s);

// Param helpers: a value if given, else the default.
double num_param(const json& p, const char* name, double dflt);
std::string str_param(const json& p, const char* name, const std::string& dflt);
// A Symbol param: a string, or a spec record when the symbol is also a spec's
// name (`impute(knn)` arrives as {"spec": "knn"}).
std::string symbol_param(const json& p, const char* name, const std::string& dflt);

// Seeded draws that give the same numbers on every platform (std::shuffle and
// the std distributions may differ between standard libraries).
struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  uint64_t below(uint64_t n) {  // uniform in [0, n), no modulo bias
    uint64_t threshold = (0 - n) % n;
    for (;;) {
      uint64_t r = g();
      if (r >= threshold) return r % n;
    }
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
};

}  // namespace genre::kit
