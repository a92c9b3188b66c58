#include "runtime/core/table_text.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace genre {

std::string num(double v, int digits) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.{}f}", v, digits);
}

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count UTF-8 lead bytes
  return w;
}

std::string TextTable::render() const {
  std::vector<size_t> w(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], display_width(r[i]));
  };
  widen(header);
  for (auto& r : rows) widen(r);
  auto line = [&](const std::vector<std::string>& r) {
    std::string s = " ";
    for (size_t i = 0; i < w.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      std::string pad(w[i] - display_width(cell), ' ');
      s += i == 0 ? cell + pad : "  " + pad + cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(header);
  size_t total = 1;
  for (size_t x : w) total += x + 2;
  out += " " + std::string(total - 3, '-') + "\n";
  for (auto& r : rows) out += line(r);
  return out;
}

std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string TextTable::csv() const {
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) s += (i ? "," : "") + csv_field(r[i]);
    return s + "\n";
  };
  std::string out = line(header);
  for (auto& r : rows) out += line(r);
  return out;
}

std::string cell(const json& v) {
  if (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 1e15)
    return fmt::format("{}", static_cast<long long>(v.get<double>()));
  if (v.is_number_float()) return num(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}


std::string p_value(double p) {
  return p < 1e-4 && p >= 0 ? fmt::format("{:.1e}", p) : num(p);
}

std::string titled(const std::vector<std::pair<std::string, TextTable>>& tables) {
  std::string out;
  for (auto& [title, t] : tables) out += "\n" + title + "\n" + t.render();
  return out;
}

std::string excerpt(std::string_view s, size_t max) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size() && out.size() <= max) {
    auto c = uint8_t(s[i]);
    // A whole UTF-8 sequence is kept as it is (names in any script); anything else odd is escaped.
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (uint8_t(s[i + k]) >> 6) == 2;
    if (ok && len == 1 && (c < 0x20 || c == 0x7f)) ok = false;
    if (ok && c == '"') out += "\\\"";
    else if (ok && c == '\\') out += "\\\\";
    else if (ok) out.append(s.substr(i, len));
    else {
      out += fmt::format("\\x{:02X}", c);
      len = 1;
    }
    i += len;
  }
  if (i < s.size()) out += "...";
  return out + "\"";
}

}  // namespace genre
