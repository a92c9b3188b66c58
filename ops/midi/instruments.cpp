// instruments(map): name each note's instrument family from its General MIDI
// program, with a map written in the script (stdlib/instruments.genre holds
// the paper's): { drums: "percussion", piano: [0, 7], bass: [[32, 39], [43, 43]] }.
// Notes of programs no family claims are dropped, as the paper removes those
// instruments; with require: all, songs lacking any family are dropped too.
#include <map>
#include <set>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

struct FamilyMap {
  std::vector<std::string> by_program = std::vector<std::string>(128);  // "" = unmapped
  std::string drums;                                                    // family of the percussion channel
  std::vector<std::string> names;
};

std::pair<int, int> range_of(const json& r, const std::string& fam) {
  auto bad = [&] {
    return DataError("instruments: family \"" + fam + "\" needs \"percussion\", a program range [first, last] " +
                     "or a list of ranges, got " + r.dump());
  };
  if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number()) throw bad();
  double a = r[0].get<double>(), b = r[1].get<double>();
  if (a != int(a) || b != int(b) || a < 0 || b > 127 || a > b)
    throw DataError("instruments: family \"" + fam + "\": the range " + r.dump() +
                    " must be whole programs 0-127 with first <= last");
  return {int(a), int(b)};
}

FamilyMap read_map(const json& m) {
  if (!m.is_object() || m.empty()) throw DataError("instruments: map must be a record of families, got " + m.dump());
  FamilyMap fm;
  for (auto& [fam, v] : m.items()) {
    fm.names.push_back(fam);
    if (v.is_string()) {
      if (v.get<std::string>() != "percussion")
        throw DataError("instruments: family \"" + fam + "\": the only text value is \"percussion\", got " + v.dump());
      if (!fm.drums.empty())
        throw DataError("instruments: both \"" + fm.drums + "\" and \"" + fam + "\" claim the percussion channel");
      fm.drums = fam;
      continue;
    }
    std::vector<std::pair<int, int>> ranges;
    if (v.is_array() && !v.empty() && v[0].is_array())
      for (auto& r : v) ranges.push_back(range_of(r, fam));
    else
      ranges.push_back(range_of(v, fam));
    for (auto [a, b] : ranges)
      for (int p = a; p <= b; ++p) {
        // Two families for one program would make the result depend on map order.
        if (!fm.by_program[p].empty() && fm.by_program[p] != fam)
          throw DataError("instruments: program " + std::to_string(p) + " is in both \"" + fm.by_program[p] +
                          "\" and \"" + fam + "\"");
        fm.by_program[p] = fam;
      }
  }
  return fm;
}

Value run_instruments(const OpContext& ctx) {
  const Table& in = std::get<Table>(ctx.input("data"));
  FamilyMap fm = read_map(ctx.params.at("map"));
  std::string require = kit::symbol_param(ctx.params, "require", "any");
  if (require != "any" && require != "all") throw DataError("instruments: require must be all or any, got " + require);
  std::set<std::string> earlier;  // files of earlier groups: a file's rows are in one group
  return kit::map_groups(ctx, in, [&](const Table& t, size_t first) {
    const Column& file = t.column("file");
    const Column& prog = t.column("program");
    const Column& drum = t.column("drum");
    const Column* err = t.find("error");
    if (err && !err->is_text()) throw DataError("instruments: column \"error\" must be text");

    std::vector<size_t> keep;
    std::vector<std::string> fam;
    for (size_t r = 0; r < t.rows(); ++r) {
      if (err && err->present[r]) continue;  // a quarantined file: no notes
      std::string where = t.source + " row " + std::to_string(first + r + 1);
      if (is_missing(drum.num[r]) || (drum.num[r] == 0 && is_missing(prog.num[r])))
        throw DataError("instruments: " + where + ": program or drum is missing");
      std::string f;
      if (drum.num[r] != 0) f = fm.drums;
      else {
        double p = prog.num[r];
        if (p != int(p) || p < 0 || p > 127)
          throw DataError("instruments: " + where + ": program " + kit::fmt_num(p) + " is not a General MIDI program (0-127)");
        f = fm.by_program[int(p)];
      }
      if (f.empty()) continue;
      keep.push_back(r);
      fam.push_back(f);
    }

    if (require == "all") {
      std::map<std::string, std::set<std::string>> seen;  // file -> families present
      for (size_t i = 0; i < keep.size(); ++i) seen[file.text[keep[i]]].insert(fam[i]);
      if (in.stored)
        for (auto& [f, families] : seen)
          if (!earlier.insert(f).second) throw InternalError("instruments: " + f + "'s rows are in two row groups");
      std::vector<size_t> k2;
      std::vector<std::string> f2;
      for (size_t i = 0; i < keep.size(); ++i)
        if (seen[file.text[keep[i]]].size() == fm.names.size()) {
          k2.push_back(keep[i]);
          f2.push_back(fam[i]);
        }
      keep = std::move(k2);
      fam = std::move(f2);
    }

    Table part = t.take(keep);
    Column c;
    c.name = "family";
    c.numeric = false;
    c.text = std::move(fam);
    c.present.assign(c.text.size(), 1);
    part.cols.push_back(std::move(c));
    return part;
  });
}

}  // namespace

void register_instruments() {
  using lang::Type;
  lang::Signature s;
  s.name = "instruments";
  s.result = Type::Table;
  s.version = 1;
  s.doc = "Add a text column `family` naming each note's instrument family from its General MIDI program (0-127) and "
          "drum flag, as midi_folder gives them. The map is a record: family -> \"percussion\" (the notes of the "
          "percussion channel), a program range [first, last] (inclusive), or a list of ranges; a program may belong "
          "to one family only. Notes of programs no family claims are dropped (drum notes too when no family is "
          "\"percussion\"), and so are the rows of quarantined files (`error` set). std.instruments holds the "
          "paper's map, gm_families.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a note table with columns file, program and drum (midi_folder)"},
      {"map", {Type::Record}, true, {}, Type::Any,
       "family -> \"percussion\", [first, last] or [[first, last], ...]: e.g. { drums: \"percussion\", piano: [0, 7] }"},
      {"require", {Type::Symbol}, false, {"any", "all"}, Type::Any,
       "any (default): keep every mapped note; all: drop the songs (files) that lack a note of some family"},
  };
  s.need = {.groups = true};
  register_op(s, run_instruments);
}

}  // namespace genre
