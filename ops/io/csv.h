// Reading CSV files (RFC 4180, optionally gzip-compressed) into a Table.
#pragma once
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

struct CsvOptions {
  char delimiter = ',';
  bool infer_types = true;  // false: every column stays text (lookup tables such as relabel maps)
  std::vector<std::string> missing_values;  // fields that mean "missing" besides the empty one ("NA", "Not Found")
  std::vector<std::string> text_columns;    // columns kept as text even when they look numeric
};

// `path` is opened; `shown` names the file in error messages and becomes Table::source.
// Throws DataError naming the file and line for anything malformed.
Table read_csv(const std::string& path, const std::string& shown, const CsvOptions& opt = {});

}  // namespace genre
