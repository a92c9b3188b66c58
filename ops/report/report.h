// Showing results: aligned tables on the terminal, and files in the output
// folder (results.json for tools and CI, one CSV per table for people).
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/value.h"

namespace genre {

// A compact text view of any value: a report's tables, a table's head and shape.
std::string describe(const std::string& name, const Value& v);

// Writes DIR/results.json (report -> model -> metric) and DIR/<report>_*.csv,
// each atomically (temp file + rename).
void write_outputs(const std::filesystem::path& dir, const std::vector<std::pair<std::string, Value>>& targets);

}  // namespace genre
