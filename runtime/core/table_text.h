// Aligned plain-text tables for the terminal.
#pragma once
#include <string>
#include <vector>

namespace genre {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string render() const;  // first column left-aligned, the rest right-aligned
  std::string csv() const;     // RFC 4180
};

std::string num(double v, int digits = 4);  // fixed digits; "-" for NaN

}  // namespace genre
