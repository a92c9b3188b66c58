// The values that flow between ops. Plain data: no torch here (this header is
// included everywhere), serialisable so the cache can store any of them.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace genre {

using json = nlohmann::json;

inline constexpr double missing = std::numeric_limits<double>::quiet_NaN();
inline bool is_missing(double v) { return std::isnan(v); }

// A column is numeric (NaN = missing), text, or a sequence column; for text
// and sequences `present[i] == 0` marks a missing value.
struct Column {
  std::string name;
  bool numeric = true;
  std::vector<double> num;        // numeric == true
  std::vector<std::string> text;  // text
  std::vector<uint8_t> present;   // text and sequence columns: 0 where missing
  // A sequence column (numeric == false, seq_dims > 0): per row a block of
  // steps x seq_dims floats, row-major: an audio clip's frames, a song's piano
  // roll, a lyric's token ids. Rows may differ in steps.
  uint32_t seq_dims = 0;
  std::vector<std::vector<float>> seq;

  bool is_sequence() const { return seq_dims > 0; }
  bool is_text() const { return !numeric && seq_dims == 0; }
  size_t size() const { return numeric ? num.size() : is_sequence() ? seq.size() : text.size(); }
  size_t steps(size_t row) const { return seq[row].size() / seq_dims; }
};

struct StoredRows;  // runtime/core/row_groups.h

// A table of rows. `label` names the column models predict ("" = none yet).
// Features are every numeric column except the label.
struct Table {
  std::vector<Column> cols;
  std::string label;
  std::string source;  // where the rows came from, for error messages ("file.csv")
  // Rows left on disk, in row groups read one at a time (runtime/core/row_groups.h): a
  // note table of a whole corpus need not fit in memory. `cols` is then empty; the ops
  // that declare need.groups read it with each_group, the runtime gives others whole().
  std::shared_ptr<const StoredRows> stored;
  size_t stored_rows = 0;

  size_t rows() const { return stored ? stored_rows : cols.empty() ? 0 : cols[0].size(); }
  const Column* find(const std::string& name) const;
  Column* find(const std::string& name);
  const Column& column(const std::string& name) const;  // throws DataError naming the choices
  std::vector<std::string> column_names() const;
  std::vector<std::string> feature_names() const;
  Table take(const std::vector<size_t>& rows) const;    // rows in the given order
};

// Named parts of one table: train / val / test, or fold0_train / fold0_val ...
struct Split {
  std::vector<std::pair<std::string, Table>> parts;
  const Table& part(const std::string& name) const;   // throws DataError naming the parts
};

// A trained model: its kind ("knn", "svm", "classifier", "baseline"), the class
// names in output order, the spec it was fitted with, the fitted state as bytes
// (kind-specific) and what training recorded (per-epoch history, trials).
struct Model {
  std::string kind;
  std::vector<std::string> classes;
  std::vector<std::string> features;  // feature columns, in the order fitted
  json spec;
  std::string state;
  json info = json::object();
};

// Reports and anything else small and structured are JSON.
using Value = std::variant<Table, Split, Model, json>;

const char* kind_name(const Value& v);

std::string serialize(const Value& v);       // a stored table is read whole first
Value deserialize(std::string_view bytes);  // throws std::runtime_error on malformed bytes

// A table written a row group at a time (a stored table's cache entry): the value's header,
// then per group u64 bytes, u64 rows and the group's table body, then a u64 0. deserialize
// reads such bytes as one table.
std::string groups_header();
std::string serialize_group(const Table& group);
// Throws std::runtime_error on malformed bytes. With row_at, also where in `body` each row's
// floats of the sequence column `column` start (a fit reads them from the file, runtime/core/row_groups.h).
Table deserialize_group(std::string_view body, const std::string& column = "", std::vector<uint64_t>* row_at = nullptr);

// Errors a user can fix (bad data, missing file): exit code 2, never a crash.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bugs: "internal error" and exit 3.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace genre
