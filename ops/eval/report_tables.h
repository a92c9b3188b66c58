// The report evaluate and cv (cv_summary) return ({"models": {...}, "order",
// "classes"}) as tables, in the order a reader wants them: summary, then per
// model per_class, confusion, trials, history.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/op.h"

namespace genre {

// `for_files`: CSV wants one value per cell (mean and std apart), full precision.
std::vector<std::pair<std::string, TextTable>> report_tables(const json& r, bool for_files);

// The report's models in its order (its "order", else the models' keys).
std::vector<std::string> model_order(const json& r);

// The single-number metrics some model of the report has, as (key, title): accuracy, macro_f1,
// precision, recall, in that order.
std::vector<std::pair<std::string, std::string>> summary_metrics(const json& r, const std::vector<std::string>& order);

// A metric's interval (key + "_ci": [lo, hi]) if the report has one; "0.7000 [0.6250, 0.7700]" or the bare value.
std::optional<std::pair<double, double>> metric_interval(const json& m, const std::string& key);
std::string value_with_interval(const json& m, const std::string& key);

// The report kind both register: terminal tables (no training histories: they
// are long, and in the CSV files), CSVs, results.json's report -> model -> metric.
ReportKind metrics_report();

}  // namespace genre
