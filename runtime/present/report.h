// Showing results: aligned tables on the terminal, and files in the output
// folder (results.json for tools and CI, one CSV per table for people).
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/table_text.h"
#include "runtime/engine/run.h"
#include "runtime/core/value.h"

namespace genre {

// A compact text view of any value: a report's tables, a table's head and shape.
// `rows`: how much of a table to show; above the compact 5 (`genre repl`'s :show),
// a split shows each part's rows too. `width` > 0 (a terminal's columns): a table shows the
// leading columns that fit, cells cut to 30 columns, and names the columns left out.
std::string describe(const Target& t, size_t rows = 5, size_t width = 0);

// Writes DIR/results.json (report -> model -> metric) and DIR/<report>_*.csv,
// each atomically (temp file + rename).
// Returns results.json's content.
json write_outputs(const std::filesystem::path& dir, const std::vector<Target>& targets);

}  // namespace genre
