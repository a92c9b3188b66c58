// Evaluating script expressions at run time. The planner turns an expression
// such as `label in six and Tempo > 100` into JSON:
//   {"num": 1.5} {"str": "x"} {"bool": true} {"name": "label"} {"list": [e, ...]}
//   {"op": "+" | "-" | "*" | "/" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" |
//          "and" | "or" | "not" | "neg", "args": [e, ...]}
// eval_scalar also knows "abs", "min" and "max" (score formulas).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

// One true/false per row of `t`. Names are columns; `label` is the label column.
// A missing value compares false (so `x != 1` is false where x is missing).
// Comparing text with numbers is a DataError naming the column and both types.
std::vector<uint8_t> eval_rows(const json& e, const Table& t);

// A number from names such as metric values (grid scores). Comparisons give 1 or 0.
// An unknown name is a DataError listing `known`.
double eval_scalar(const json& e, const std::function<std::optional<double>(const std::string&)>& lookup,
                   const std::vector<std::string>& known = {});

// The expression as script text, for messages: `label in ["rock", "pop"]`.
std::string expr_text(const json& e);

}  // namespace genre
