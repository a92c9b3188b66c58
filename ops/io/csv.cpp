// csv(path): RFC 4180 with a header row. Quoted fields may hold the delimiter,
// "" for a quote, and line breaks (LF or CRLF). A column is numeric when every
// non-empty field is a number; an empty field is a missing value. Lines are
// counted in the file as an editor shows them (the header is line 1), so a
// record with embedded line breaks is reported at the line where it starts.
#include "ops/io/csv.h"

#include <algorithm>
#include <fmt/format.h>

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "ops/io/read_file.h"
#include "runtime/core/op.h"
#include "ops/text/utf8.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

struct Parser {
  const std::string& shown;
  const char* p;
  const char* end;
  char delim;
  size_t line = 1;

  [[noreturn]] void fail(size_t at_line, const std::string& what) const {
    throw DataError(shown + ":" + std::to_string(at_line) + ": " + what);
  }

  void end_of_line() {  // p is at '\r' or '\n'
    if (*p == '\r' && p + 1 < end && p[1] == '\n') ++p;
    ++p;
    ++line;
  }

  // Reads one record into f[0..nf). False at the end of the input.
  // Blank lines between records are skipped.
  bool next(std::vector<std::string>& f, size_t& nf, size_t& rec_line) {
    while (p < end && (*p == '\n' || *p == '\r')) end_of_line();
    if (p >= end) return false;
    rec_line = line;
    nf = 0;
    for (;;) {
      if (nf == f.size()) f.emplace_back();
      std::string& s = f[nf++];
      s.clear();
      if (p < end && *p == '"') {
        size_t qline = line;
        ++p;
        for (;;) {
          auto* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
          if (!q)
            fail(qline, "a quoted field starts here but its closing quote is missing (field " +
                            std::to_string(nf) + ")");
          for (const char* c = p; c < q; ++c) line += (*c == '\n');
          s.append(p, q);
          p = q + 1;
          if (p < end && *p == '"') {  // "" is one quote
            s.push_back('"');
            ++p;
            continue;
          }
          break;
        }
        if (p >= end) return true;
        if (*p == delim) { ++p; continue; }
        if (*p == '\n' || *p == '\r') { end_of_line(); return true; }
        fail(line, "unexpected text after the closing quote of field " + std::to_string(nf) +
                       " (a quote inside a quoted field must be doubled: \"\")");
      }
      const char* start = p;
      while (p < end && *p != delim && *p != '\n' && *p != '\r') ++p;
      s.assign(start, p);
      if (p >= end) return true;
      if (*p == delim) { ++p; continue; }
      end_of_line();
      return true;
    }
  }
};

// A field as a number if all of it is one (surrounding spaces allowed). "inf"
// and "nan" are not: they would flow silently into every mean and distance.
bool parse_number(const std::string& s, double& v) {
  const char* b = s.data();
  const char* e = b + s.size();
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  if (b < e && *b == '+') ++b;
  if (b == e) return false;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(v);
}

}  // namespace

Table read_csv(const std::string& path, const std::string& shown, const CsvOptions& opt) {
  std::string data = read_file(path, shown);
  size_t start = 0;
  if (data.size() >= 3 && std::memcmp(data.data(), "\xEF\xBB\xBF", 3) == 0) start = 3;  // BOM
  if (size_t bad = text::invalid_utf8(std::string_view(data).substr(start)); bad != std::string::npos) {
    bad += start;
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < bad; ++i)
      if (data[i] == '\n') ++line, line_start = i + 1;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(data[bad]));
    throw DataError(shown + ":" + std::to_string(line) + ": not valid UTF-8: byte " + hex + " at byte " +
                    std::to_string(bad - line_start + 1) + " of the line (byte offset " + std::to_string(bad) +
                    " in the file" + (path.ends_with(".gz") ? ", decompressed" : "") +
                    "); save the file as UTF-8");
  }

  Parser ps{shown, data.data() + start, data.data() + data.size(), opt.delimiter};
  std::vector<std::string> f;
  size_t nf = 0, rec_line = 0;
  if (!ps.next(f, nf, rec_line)) throw DataError(shown + ": the file is empty (a header row is needed)");

  Table t;
  t.source = shown;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < nf; ++i) {
    Column c;
    c.name = f[i].empty() ? "Unnamed: " + std::to_string(i) : f[i];  // as pandas names an unnamed index
    if (auto [it, fresh] = seen.emplace(c.name, i); !fresh)
      throw DataError(shown + ":" + std::to_string(rec_line) + ": the header names column " + excerpt(c.name) +
                      " twice (columns " + std::to_string(it->second + 1) + " and " + std::to_string(i + 1) +
                      "); column names must be unique");
    t.cols.push_back(std::move(c));
  }
  for (auto& name : opt.text_columns)
    if (!seen.count(name)) throw DataError(shown + ": csv(text: ...) names " + excerpt(name) + ", which is not a column");
  const size_t ncol = nf;

  // Columnar, with no string per field: a column is parsed straight into
  // numbers while its values are numbers, or kept as text from its first value
  // on when that is not a number. Only a column that turns to text part way
  // (numbers first, then a word) is read a second time for its text, so
  // memory stays near the file's size plus 8 bytes per number.
  enum Mode : uint8_t { Numbers, Text, Turned };
  struct Col {
    Mode mode = Numbers;
    bool decided = false;                     // its first non-missing value has been seen
    size_t filled = 0, numbers = 0;           // non-missing values, and those that are numbers
    size_t first_bad = 0, first_bad_line = 0; // the first value that is not a number
    std::string first_bad_text;
  };
  std::vector<Col> how(ncol);
  for (size_t i = 0; i < ncol; ++i)
    if (!opt.infer_types || std::count(opt.text_columns.begin(), opt.text_columns.end(), t.cols[i].name))
      how[i].mode = Text, how[i].decided = true;
  // Rows are at most the lines left: reserving that keeps the vectors from growing by copies.
  size_t max_rows = size_t(std::count(ps.p, ps.end, '\n')) + 1;
  for (size_t i = 0; i < ncol; ++i) {
    if (how[i].mode == Numbers) t.cols[i].num.reserve(max_rows);
    else t.cols[i].present.reserve(max_rows), t.cols[i].text.reserve(max_rows);
  }
  auto is_missing_marker = [&](const std::string& v) {
    return !opt.missing_values.empty() &&
           std::find(opt.missing_values.begin(), opt.missing_values.end(), v) != opt.missing_values.end();
  };
  const char* body = ps.p;
  const size_t body_line = ps.line;
  size_t rows = 0;
  while (ps.next(f, nf, rec_line)) {
    if (nf != ncol)
      throw DataError(shown + ":" + std::to_string(rec_line) + ": row has " + std::to_string(nf) +
                      " fields, the header has " + std::to_string(ncol));
    for (size_t i = 0; i < ncol; ++i) {
      Col& h = how[i];
      Column& c = t.cols[i];
      bool empty = f[i].empty() || is_missing_marker(f[i]);
      double v = missing;
      bool number = !empty && parse_number(f[i], v);
      if (!empty) {
        ++h.filled;
        if (number) ++h.numbers;
        else if (h.filled - h.numbers == 1) h.first_bad = rows, h.first_bad_line = rec_line, h.first_bad_text = f[i];
        if (!h.decided) h.decided = true, h.mode = number ? Numbers : Text;
        else if (h.mode == Numbers && !number) h.mode = Turned;
      }
      if (h.mode == Numbers) c.num.push_back(empty ? missing : v);
      else if (h.mode == Text) {
        if (c.text.empty() && rows > 0) c.text.resize(rows), c.present.resize(rows);  // the missing values before the first word
        c.present.push_back(!empty);
        c.text.push_back(empty ? std::string() : std::move(f[i]));
      }
    }
    ++rows;
  }

  bool reread = false;
  for (size_t i = 0; i < ncol; ++i) {
    Col& h = how[i];
    Column& c = t.cols[i];
    bool forced = !opt.infer_types || std::count(opt.text_columns.begin(), opt.text_columns.end(), c.name);
    // A column that is nearly all numbers holds a typo or an unmarked missing
    // value: reading it as text would silently drop a feature.
    if (!forced && h.numbers != h.filled && h.numbers >= 0.9 * h.filled)
      throw DataError(fmt::format(
          "{}:{}: column {}: {} is not a number, but {} of its {} values are; if it marks a missing "
          "value, add it to csv(..., missing: [{}]); if the column is text, name it in csv(..., text: [{}])",
          shown, h.first_bad_line, excerpt(c.name), excerpt(h.first_bad_text), h.numbers, h.filled,
          excerpt(h.first_bad_text), excerpt(c.name)));
    if (h.mode == Numbers && h.numbers == h.filled) {
      c.numeric = true;
      c.num.resize(rows);  // a column of missing values only
      continue;
    }
    c.numeric = false;
    c.num = {};
    if (h.mode == Turned) {
      reread = true;
      c.text.reserve(rows);
      c.present.reserve(rows);
    } else {
      c.text.resize(rows), c.present.resize(rows);  // a column of missing values only
    }
  }
  if (reread) {  // the columns that turned to text part way, read again for their words
    ps.p = body;
    ps.line = body_line;
    while (ps.next(f, nf, rec_line))
      for (size_t i = 0; i < ncol; ++i)
        if (how[i].mode == Turned) {
          bool empty = f[i].empty() || is_missing_marker(f[i]);
          t.cols[i].present.push_back(!empty);
          t.cols[i].text.push_back(empty ? std::string() : std::move(f[i]));
        }
  }
  return t;
}

namespace {

Value run_csv(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  CsvOptions opt;
  std::string d = kit::str_param(ctx.params, "delimiter", ",");
  if (d == "\\t" || d == "tab") d = "\t";
  if (d.size() != 1 || d == "\"" || d == "\n" || d == "\r")
    throw DataError("csv: delimiter must be one character (not a quote or line break), got \"" + d + "\"");
  opt.delimiter = d[0];
  if (ctx.params.contains("missing")) opt.missing_values = kit::string_list(ctx.params["missing"], "csv", "missing");
  if (ctx.params.contains("text")) opt.text_columns = kit::string_list(ctx.params["text"], "csv", "text");
  Table t = read_csv(ctx.path(given), given, opt);
  std::string label = kit::str_param(ctx.params, "label", "");
  if (!label.empty()) {
    if (!t.find(label))
      throw DataError(given + ": no column " + excerpt(label) + " to use as the label; the columns are " +
                      kit::name_list(t.column_names()));
    t.label = label;
  }
  return t;
}

}  // namespace

void register_csv() {
  using lang::Type;
  lang::Signature s;
  s.name = "csv";
  s.result = Type::Table;
  s.doc = "Read a CSV file (RFC 4180, header row, UTF-8; .csv.gz is decompressed): numeric columns where "
          "every non-empty field is a number, text otherwise (a column that is 90 % numbers is an error naming the odd "
          "field); an empty field is a missing value.";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the file, relative to the script"},
      {"label", {Type::String}, false, {}, Type::Any, "the column models predict (default: none yet; see label())"},
      {"delimiter", {Type::String}, false, {}, Type::Any, "the field separator, one character (default \",\"; \"\\t\" for tabs)"},
      {"missing", {Type::List, Type::String}, false, {}, Type::String, "fields that mean a missing value besides the empty one, e.g. [\"NA\", \"Not Found\"]"},
      {"text", {Type::List, Type::String}, false, {}, Type::String, "columns to keep as text even where they look numeric"},
  };
  s.need = {.light = true};
  register_op(s, run_csv);
}

}  // namespace genre
