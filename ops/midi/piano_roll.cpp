// piano_roll(step, max_notes, families): the paper's quantized-time encoding.
// Each song becomes a sequence of time steps; in each step every family has
// max_notes slots of (pitch, duration, velocity), filled in onset order.
// windows(column, steps): cut such sequences into fixed-length training windows.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

int int_param(const json& p, const char* name, int dflt, int lo, const char* op) {
  if (!p.contains(name) || p[name].is_null()) return dflt;
  double v = p[name].get<double>();
  if (v != std::floor(v) || v < lo)
    throw DataError(std::string(op) + ": " + name + " must be a whole number >= " + std::to_string(lo) + ", got " +
                    kit::fmt_num(v));
  return int(v);
}

struct Note {
  double onset, dur, pitch, vel;
  size_t fam;
};

Value run_piano_roll(const OpContext& ctx) {
  const Table& in = std::get<Table>(ctx.input("data"));
  double step = ctx.params.at("step").get<double>();
  if (!(step > 0)) throw DataError("piano_roll: step must be a positive number of seconds, got " + kit::fmt_num(step));
  size_t max_notes = size_t(int_param(ctx.params, "max_notes", 10, 1, "piano_roll"));
  auto families = kit::string_list(ctx.params.at("families"), "piano_roll", "families");
  if (families.empty()) throw DataError("piano_roll: families must name at least one family");
  std::map<std::string, size_t> fam_index;
  for (size_t i = 0; i < families.size(); ++i)
    if (!fam_index.emplace(families[i], i).second)
      throw DataError("piano_roll: family \"" + families[i] + "\" is listed twice");

  size_t dims = families.size() * max_notes * 3;
  std::set<std::string> earlier;  // files of earlier groups: a file's rows are in one group
  return kit::map_groups(ctx, in, [&](const Table& t, size_t first) {
    const Column& file = t.column("file");
    const Column& onset = t.column("onset");
    const Column& dur = t.column("duration");
    const Column& pitch = t.column("pitch");
    const Column& vel = t.column("velocity");
    const Column& fam = t.column("family");
    const Column* lab = t.find("label");
    if (!lab && !t.label.empty()) lab = t.find(t.label);
    const Column* err = t.find("error");
    if (!file.is_text() || !fam.is_text()) throw DataError("piano_roll: columns file and family must be text");

    // Songs in the order they first appear; each keeps its first label.
    std::vector<std::string> files;
    std::vector<size_t> first_row;
    std::map<std::string, size_t> song_of;
    std::vector<std::vector<Note>> notes;
    for (size_t r = 0; r < t.rows(); ++r) {
      if (err && err->is_text() && err->present[r]) continue;  // quarantined file
      auto row_error = [&](const std::string& what) {
        return DataError("piano_roll: " + t.source + " row " + std::to_string(first + r + 1) + " (" + file.text[r] + "): " + what);
      };
      auto [it, fresh] = song_of.emplace(file.text[r], files.size());
      if (fresh) {
        if (in.stored && !earlier.insert(file.text[r]).second)
          throw InternalError("piano_roll: " + file.text[r] + "'s rows are in two row groups");
        files.push_back(file.text[r]);
        first_row.push_back(r);
        notes.emplace_back();
      }
      auto f = fam_index.find(fam.text[r]);
      if (!fam.present[r] || f == fam_index.end()) continue;  // a family not asked for
      Note n{onset.num[r], dur.num[r], pitch.num[r], vel.num[r], f->second};
      if (is_missing(n.onset) || is_missing(n.dur) || is_missing(n.pitch) || is_missing(n.vel))
        throw row_error("onset, duration, pitch or velocity is missing");
      if (n.onset < 0) throw row_error("onset " + kit::fmt_num(n.onset) + " is negative");
      notes[it->second].push_back(n);
    }

    Column roll, dropped, fcol, lcol;
    roll.name = "roll";
    roll.numeric = false;
    roll.seq_dims = uint32_t(dims);
    dropped.name = "dropped";
    fcol.name = "file";
    fcol.numeric = false;
    lcol.name = lab ? lab->name : "label";
    lcol.numeric = lab ? lab->numeric : false;
    for (size_t s = 0; s < files.size(); ++s) {
      auto& ns = notes[s];
      std::stable_sort(ns.begin(), ns.end(), [](const Note& a, const Note& b) {
        return a.onset != b.onset ? a.onset < b.onset : a.pitch < b.pitch;
      });
      // The step containing the onset; an onset on a step edge starts the later
      // step. The tiny slack keeps 0.3 / 0.1 = 2.9999999999999996 in step 3.
      auto step_of = [&](double on) { return size_t(std::floor(on / step + 1e-9)); };
      size_t steps = ns.empty() ? 0 : step_of(ns.back().onset) + 1;
      std::vector<float> block(steps * dims, 0.f);
      std::vector<size_t> used(steps * families.size(), 0);
      double lost = 0;
      for (auto& n : ns) {
        size_t k = step_of(n.onset);
        size_t& u = used[k * families.size() + n.fam];
        if (u == max_notes) {
          ++lost;
          continue;
        }
        float* slot = &block[k * dims + (n.fam * max_notes + u) * 3];
        slot[0] = float(n.pitch);
        slot[1] = float(n.dur);
        slot[2] = float(n.vel);
        ++u;
      }
      std::vector<Note>().swap(ns);  // the song's notes are in its roll now
      roll.seq.push_back(std::move(block));
      roll.present.push_back(1);
      dropped.num.push_back(lost);
      fcol.text.push_back(files[s]);
      fcol.present.push_back(1);
      if (lab) {
        size_t r = first_row[s];
        if (lab->numeric) lcol.num.push_back(lab->num[r]);
        else {
          lcol.text.push_back(lab->text[r]);
          lcol.present.push_back(lab->present[r]);
        }
      }
    }
    Table part;
    part.source = t.source;
    part.cols.push_back(std::move(fcol));
    if (lab) part.cols.push_back(std::move(lcol));
    part.cols.push_back(std::move(roll));
    part.cols.push_back(std::move(dropped));
    if (lab && t.label == lab->name) part.label = t.label;
    return part;
  });
}

Value run_windows(const OpContext& ctx) {
  const Table& in = std::get<Table>(ctx.input("data"));
  std::string name = kit::str_param(ctx.params, "column", "roll");
  size_t len = size_t(int_param(ctx.params, "steps", 0, 1, "windows"));
  return kit::map_groups(ctx, in, [&](const Table& t, size_t) {  // row-wise: a group of windows per group of rows
    const Column& c = t.column(name);
    if (!c.is_sequence()) throw DataError("windows: column \"" + name + "\" is not a sequence column");
    std::vector<size_t> rows;  // source row of each window
    std::vector<std::vector<float>> cut;
    std::vector<double> index;
    for (size_t r = 0; r < t.rows(); ++r) {
      if (!c.present[r]) continue;
      size_t n = c.steps(r) / len;  // full windows only
      for (size_t w = 0; w < n; ++w) {
        auto from = c.seq[r].begin() + std::ptrdiff_t(w * len * c.seq_dims);
        cut.emplace_back(from, from + std::ptrdiff_t(len * c.seq_dims));
        rows.push_back(r);
        index.push_back(double(w + 1));
      }
    }
    // Keep every plain column (file, label, ...); other sequence columns would
    // not line up with the cut, so they go.
    Table plain = t;
    plain.cols.clear();
    for (auto& col : t.cols)
      if (!col.is_sequence()) plain.cols.push_back(col);
    Table keep = plain.take(rows);
    Table part;
    part.source = t.source;
    part.label = t.label;
    for (auto& col : t.cols) {
      if (col.name == name) {
        Column s;
        s.name = name;
        s.numeric = false;
        s.seq_dims = c.seq_dims;
        s.seq = std::move(cut);
        s.present.assign(s.seq.size(), 1);
        part.cols.push_back(std::move(s));
      } else if (!col.is_sequence()) {
        part.cols.push_back(std::move(*keep.find(col.name)));
      }
    }
    Column wcol;
    wcol.name = "window";
    wcol.num = std::move(index);
    part.cols.push_back(std::move(wcol));
    return part;
  });
}

}  // namespace

void register_piano_roll() {
  using lang::Type;
  lang::Signature s;
  s.name = "piano_roll";
  s.result = Type::Table;
  s.version = 1;
  s.doc = "Encode each song as a quantized piano roll (one row per file, in order of first appearance, with its "
          "label): a sequence column `roll` of time steps of `step` seconds, from 0 to the step of the last onset. "
          "A note goes in the step containing its onset (an onset exactly on a step edge goes to the later step). "
          "In each step every family has max_notes slots of (pitch, duration in seconds, velocity), filled left to "
          "right in onset order, then pitch; notes beyond max_notes are dropped and counted in the numeric column "
          "`dropped`; empty slots are 0. Each step holds families x max_notes x 3 numbers, families in the order "
          "given. Needs the columns file, onset, duration, pitch, velocity and family (instruments); notes of "
          "families not listed are ignored, rows of quarantined files (`error` set) skipped.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a note table with a `family` column (instruments)"},
      lang::bounded({"step", {Type::Number}, true, {}, Type::Any, "length of a time step in seconds, e.g. 0.25s"}, lang::above(0)),
      lang::bounded({"max_notes", {Type::Int}, false, {}, Type::Any, "note slots per family per step (default 10)"}, lang::at_least(1)),
      {"families", {Type::List}, true, {}, Type::String, "the families to encode, in this order: [\"drums\", \"piano\"]"},
  };
  s.need = {.groups = true};
  register_op(s, run_piano_roll);

  lang::Signature w;
  w.name = "windows";
  w.result = Type::Table;
  w.version = 1;
  w.doc = "Cut each row's sequence into consecutive windows of `steps` time steps, one row per window, keeping the "
          "row's other plain columns (file, label, ...) and adding `window` (1, 2, ... within the row). The last "
          "partial window of each sequence is dropped, so a sequence shorter than `steps` gives no row; other "
          "sequence columns are dropped.";
  w.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a table with a sequence column (piano_roll)"},
      {"column", {Type::String}, false, {}, Type::Any, "the sequence column to cut (default \"roll\")"},
      lang::bounded({"steps", {Type::Int}, true, {}, Type::Any, "time steps per window, e.g. 60 (15 s of 0.25 s steps)"}, lang::at_least(1)),
  };
  w.need = {.groups = true};
  register_op(w, run_windows);
}

}  // namespace genre
