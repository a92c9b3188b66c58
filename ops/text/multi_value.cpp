// Cells that hold several values ("Rock; Pop; Soft Rock", the Genres column of
// the Vagalume artists): explode gives each value its own row, first_of keeps
// the first. S3 labels a song by its artist's first genre (first_of), as the
// Kaggle notebooks do; explode is for counting, since a song exploded into two
// genres would sit in train and test at once.
#include <fmt/format.h>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

// The values of one cell, trimmed of spaces (ASCII whitespace and U+00A0), empty ones left out.
std::vector<std::string> values_of(const std::string& cell, const std::string& sep) {
  std::vector<std::string> out;
  auto trim = [](std::string_view v) {
    auto ascii_space = [](char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); };
    for (;;) {
      if (!v.empty() && ascii_space(v.front())) v.remove_prefix(1);
      else if (v.starts_with("\xC2\xA0")) v.remove_prefix(2);
      else if (!v.empty() && ascii_space(v.back())) v.remove_suffix(1);
      else if (v.ends_with("\xC2\xA0")) v.remove_suffix(2);
      else return std::string(v);
    }
  };
  size_t start = 0;
  for (;;) {
    size_t end = cell.find(sep, start);
    std::string v = trim(std::string_view(cell).substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!v.empty()) out.push_back(std::move(v));
    if (end == std::string::npos) break;
    start = end + sep.size();
  }
  return out;
}

struct Args {
  Table t;
  std::string col, sep;
};

Args args(const OpContext& ctx, const char* op) {
  Args a{std::get<Table>(ctx.input("data")), ctx.params.at("column").get<std::string>(),
         kit::str_param(ctx.params, "sep", ";")};
  const Column& c = a.t.column(a.col);  // a DataError listing the columns when there is none
  if (!c.is_text())
    throw DataError(fmt::format("{}: column \"{}\" of {} holds {}, not text", op, a.col,
                                a.t.source.empty() ? "the table" : a.t.source, c.numeric ? "numbers" : "sequences"));
  if (a.sep.empty()) throw DataError(std::string(op) + ": sep must not be empty");
  return a;
}

Value run_explode(const OpContext& ctx) {
  Args a = args(ctx, "explode");
  const Column& c = a.t.column(a.col);
  std::vector<size_t> rows;
  std::vector<std::string> vals;
  std::vector<uint8_t> present;
  for (size_t r = 0; r < c.text.size(); ++r) {
    auto vs = c.present[r] ? values_of(c.text[r], a.sep) : std::vector<std::string>{};
    if (vs.empty()) {  // a missing or empty cell stays one row, missing
      rows.push_back(r);
      vals.emplace_back();
      present.push_back(0);
    }
    for (auto& v : vs) {
      rows.push_back(r);
      vals.push_back(std::move(v));
      present.push_back(1);
    }
  }
  Table out = a.t.take(rows);
  Column* oc = out.find(a.col);
  oc->text = std::move(vals);
  oc->present = std::move(present);
  return out;
}

Value run_first_of(const OpContext& ctx) {
  Args a = args(ctx, "first_of");
  Column* c = a.t.find(a.col);
  for (size_t r = 0; r < c->text.size(); ++r) {
    auto vs = c->present[r] ? values_of(c->text[r], a.sep) : std::vector<std::string>{};
    c->present[r] = !vs.empty();
    c->text[r] = vs.empty() ? std::string() : vs[0];
  }
  return std::move(a.t);
}

}  // namespace

void register_multi_value() {
  using lang::Type;
  const lang::Param data{"data", {Type::Table}, true, {}, Type::Any, "the table"};
  const lang::Param column{"column", {Type::String}, true, {}, Type::Any, "the text column whose cells hold several values"};
  const lang::Param sep{"sep", {Type::String}, false, {}, Type::Any,
                        "what separates the values in a cell (default \";\"); spaces around each value are trimmed"};
  lang::Signature s;
  s.name = "explode";
  s.result = Type::Table;
  s.doc = "One row per value of a multi-valued cell (\"Rock; Pop\" -> a Rock row and a Pop row, other columns copied), "
          "in table order; empty values are left out; a missing or empty cell stays one row with a missing value. "
          "The copies of a row are not independent: do not split them into train and test.";
  s.params = {data, column, sep};
  s.need = {.light = true};
  register_op(s, run_explode);

  lang::Signature f;
  f.name = "first_of";
  f.result = Type::Table;
  f.doc = "Keep the first value of each multi-valued cell (\"Rock; Pop\" -> \"Rock\"): S3 labels a song with its "
          "artist's first genre; a cell with no value becomes missing.";
  f.params = {data, column, sep};
  f.need = {.light = true};
  register_op(f, run_first_of);
}

}  // namespace genre
