// The layout of a message (after DuckDB's QueryErrorContext):
//   songs.genre:3:12: error: unknown name 'sixx'
//     |> keep(label in sixx)
//                      ^~~~
//     hint: did you mean 'six'?
// Columns count characters, not bytes, so the caret stays under the right
// character on UTF-8 lines; tabs are copied into the caret line so it lines up
// whatever the terminal's tab width. Long lines are cut to a window round the caret.
#include "lang/diagnostics.h"

#include <algorithm>

namespace genre::lang {

namespace {

constexpr size_t max_width = 100;  // characters of a quoted line
constexpr size_t before_caret = 40;  // characters kept left of the caret in a cut line

// The bytes of one line (without its end), or "" past the end.
std::string line_text(const std::string& src, int line) {
  size_t at = 0;
  for (int l = 1; l < line; ++l) {
    at = src.find('\n', at);
    if (at == std::string::npos) return "";
    ++at;
  }
  size_t end = src.find('\n', at);
  std::string s = src.substr(at, end == std::string::npos ? std::string::npos : end - at);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

// Splits into characters (UTF-8 sequences).
std::vector<std::string> chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Number of characters in the first `bytes` bytes of s.
size_t width(const std::string& s, size_t bytes) {
  size_t w = 0;
  for (size_t i = 0; i < bytes && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++w;
  return w;
}

}  // namespace

std::string format(const Diagnostic& d, const std::string& source) {
  const std::string text = line_text(source, d.range.begin.line);
  size_t b = d.range.begin.col > 0 ? size_t(d.range.begin.col - 1) : 0;  // byte in the line
  if (b > text.size()) b = text.size();
  size_t e = d.range.end.line == d.range.begin.line && d.range.end.col > d.range.begin.col
                 ? size_t(d.range.end.col - 1)
                 : text.size();
  if (e > text.size()) e = text.size();
  if (d.range.end.line == d.range.begin.line && d.range.end.col <= d.range.begin.col) e = b;

  size_t caret = width(text, b);               // character index of the caret
  size_t span = width(text, e) - caret;        // characters under ^~~~
  size_t col = caret + 1;                      // past the line's end (or no source): count bytes on
  if (d.range.begin.col - 1 > int(text.size())) col += d.range.begin.col - 1 - text.size();
  // No position (a command-line value, an unreadable file): the file alone.
  std::string where = d.range.begin.line < 1 ? d.file : d.file + ":" + std::to_string(d.range.begin.line) + ":" + std::to_string(col);
  std::string out = where + (d.warning ? ": warning: " : ": error: ") + d.message + "\n";
  if (source.empty() || d.range.begin.line < 1) {
    if (!d.hint.empty()) out += "  hint: " + d.hint + "\n";
    return out;
  }

  auto cs = chars(text);
  size_t from = 0, to = cs.size();
  if (cs.size() > max_width) {
    from = caret > before_caret ? caret - before_caret : 0;
    to = std::min(cs.size(), from + max_width);
    if (to - from < max_width) from = to > max_width ? to - max_width : 0;
  }
  std::string quoted = from > 0 ? "..." : "", marks = from > 0 ? "   " : "";
  for (size_t i = from; i < to; ++i) {
    quoted += cs[i];
    if (i < caret) marks += cs[i] == "\t" ? "\t" : " ";
  }
  if (to < cs.size()) quoted += "...";
  marks += "^";
  for (size_t i = 1; i < span && caret + i < to; ++i) marks += "~";
  out += quoted + "\n" + marks + "\n";
  if (!d.hint.empty()) out += "  hint: " + d.hint + "\n";
  return out;
}

std::string format(const Diagnostics& ds, const Script& s) {
  std::string out;
  for (auto& d : ds.list) {
    auto it = s.sources.find(d.file);
    out += format(d, it != s.sources.end() ? it->second : d.file == s.file ? s.source : std::string());
  }
  return out;
}

void Diagnostics::error(const std::string& file, Range r, std::string message, std::string hint) {
  list.push_back({file, r, std::move(message), std::move(hint), false});
}

void Diagnostics::warn(const std::string& file, Range r, std::string message, std::string hint) {
  list.push_back({file, r, std::move(message), std::move(hint), true});
}

bool Diagnostics::has_errors() const {
  for (auto& d : list)
    if (!d.warning) return true;
  return false;
}

}  // namespace genre::lang
