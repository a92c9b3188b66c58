// Showing results: aligned tables on the terminal, and files in the output
// folder (results.json for tools and CI, one CSV per table for people).
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/table_text.h"
#include "runtime/core/value.h"

namespace genre {

// An `evaluate` report ({"models": {...}, "order", "classes"}): its tables in
// the order a reader wants them (summary, then per model: per_class, confusion,
// trials, history). `for_files`: CSV wants one value per cell (mean and std
// apart), full precision.
bool is_report(const json& j);
std::vector<std::pair<std::string, TextTable>> report_tables(const json& r, bool for_files);

// An evaluate/cv report's models in its order (its "order", else the models' keys).
std::vector<std::string> model_order(const json& r);

// The single-number metrics some model of the report has, as (key, title): accuracy, macro_f1,
// precision, recall, in that order.
std::vector<std::pair<std::string, std::string>> summary_metrics(const json& r, const std::vector<std::string>& order);

// tag_table's report: the share of items per tag ("tags") and the Jaccard index
// between tags ("jaccard").
bool is_tag_table(const json& j);
std::vector<std::pair<std::string, TextTable>> tag_tables(const json& j);

// A compact text view of any value: a report's tables, a table's head and shape.
// `rows`: how much of a table to show; above the compact 5 (`genre repl`'s :show),
// a split shows each part's rows too.
std::string describe(const std::string& name, const Value& v, size_t rows = 5);

// Writes DIR/results.json (report -> model -> metric) and DIR/<report>_*.csv,
// each atomically (temp file + rename).
// Returns results.json's content.
json write_outputs(const std::filesystem::path& dir, const std::vector<std::pair<std::string, Value>>& targets);

}  // namespace genre
