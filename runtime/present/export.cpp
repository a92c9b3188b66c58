#include "runtime/present/export.h"

#include <algorithm>
#include <charconv>

#include "runtime/core/op_kit.h"
#include "runtime/core/table_text.h"

namespace genre {

namespace {

void number(std::string& out, double v) {
  if (!std::isnan(v)) out += kit::fmt_num(v);
}

void single(std::string& out, float v) {
  if (std::isnan(v)) return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as this float
  out.append(buf, r.ptr);
}

void cell(std::string& out, const Column& c, size_t row) {
  if (c.numeric) number(out, c.num[row]);
  else if (c.present[row]) out += csv_field(c.text[row]);
}

}  // namespace

std::string table_csv(const Table& t) {
  std::vector<const Column*> plain, seqs;
  for (auto& c : t.cols) (c.is_sequence() ? seqs : plain).push_back(&c);
  std::string out;
  auto sep = [&](bool& first) {
    if (!first) out += ',';
    first = false;
  };
  bool first = true;
  for (auto* c : plain) sep(first), out += csv_field(c->name);
  if (!seqs.empty()) {
    sep(first), out += "step";
    for (auto* c : seqs)
      for (uint32_t d = 0; d < c->seq_dims; ++d) sep(first), out += csv_field(c->seq_dims == 1 ? c->name : c->name + "_" + std::to_string(d));
  }
  out += '\n';
  for (size_t r = 0; r < t.rows(); ++r) {
    size_t steps = 0;
    for (auto* c : seqs) steps = std::max(steps, c->present[r] ? c->steps(r) : 0);
    for (size_t s = 0; s < std::max<size_t>(steps, 1); ++s) {
      first = true;
      for (auto* c : plain) sep(first), cell(out, *c, r);
      if (!seqs.empty()) {
        sep(first);
        if (steps) out += std::to_string(s);
        for (auto* c : seqs)
          for (uint32_t d = 0; d < c->seq_dims; ++d) {
            sep(first);
            if (c->present[r] && s < c->steps(r)) single(out, c->seq[r][s * c->seq_dims + d]);
          }
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace genre
