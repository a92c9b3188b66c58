// Aligned plain-text tables for the terminal, and the same as CSV.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string render() const;  // first column left-aligned, the rest right-aligned
  std::string csv() const;     // RFC 4180
};

// Terminal columns of UTF-8 text: one per code point (no wide-character tables).
size_t display_width(const std::string& s);
std::string num(double v, int digits = 4);  // fixed digits; "-" for NaN
std::string p_value(double p);              // num(p), but "3.2e-07" below 0.0001, where fixed digits would say 0
// Tables one after another, each under its title: a report on the terminal.
std::string titled(const std::vector<std::pair<std::string, TextTable>>& tables);
// A JSON value as a cell: whole numbers without decimals, other numbers as num(), text as is.
std::string cell(const json& v);
// Text from a data file, for an error message: in double quotes, control
// bytes and invalid UTF-8 as \xNN, cut to about `max` bytes with "...", so a
// message never dumps a file's content (a binary file, /etc/shadow) or floods
// the terminal.
std::string excerpt(std::string_view s, size_t max = 40);
// One RFC 4180 field: as it is, or quoted (inner quotes doubled) when it holds a comma, quote or line break.
std::string csv_field(const std::string& f);

}  // namespace genre
