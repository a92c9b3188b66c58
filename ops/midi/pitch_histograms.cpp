// pitch_histograms(notes): for each General MIDI program (and the percussion
// channel apart), how the corpus's notes spread over the 128 pitches, each
// note weighted by its duration. The paper clusters these histograms to see
// which programs play alike before grouping them into instrument families.
#include <fmt/format.h>

#include <map>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

// The General MIDI level 1 program names (the standard's, numbered from 0 here).
const char* const gm_names[128] = {
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano", "Electric Piano 1",
    "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba",
    "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion", "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)", "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)",
    "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin", "Viola", "Cello",
    "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs", "Synth Voice",
    "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet", "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)", "Pad 1 (new age)", "Pad 2 (warm)",
    "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)", "FX 6 (goblins)",
    "FX 7 (echoes)", "FX 8 (sci-fi)", "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause",
    "Gunshot"};

Value run_pitch_histograms(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  std::string by = kit::symbol_param(ctx.params, "by", "program");
  std::string weight = kit::symbol_param(ctx.params, "weight", "duration");
  const std::string where = t.source.empty() ? "the notes" : t.source;
  // Groups in the order of their keys: programs 0-127, then drums (key 128); families by name.
  // Summed in row order whether the notes come in one group or many, so the same bits.
  std::map<std::pair<int, std::string>, std::vector<double>> hist;
  bool by_family = by == "family";
  each_group(t, [&](const Table& g, size_t first) {
    const Column& pitch = g.column("pitch");
    const Column* dur = weight == "duration" ? &g.column("duration") : nullptr;
    const Column* prog = by == "program" ? &g.column("program") : nullptr;
    const Column* drum = by == "program" ? &g.column("drum") : nullptr;
    const Column* fam = by_family ? &g.column("family") : nullptr;
    if (fam && !fam->is_text()) throw DataError("pitch_histograms: column family of " + where + " must hold text");
    const Column* err = g.find("error");
    for (size_t r = 0; r < g.rows(); ++r) {
      if (err && err->is_text() && err->present[r]) continue;  // a quarantined file: no notes
      size_t row = first + r + 1;
      double p = pitch.num[r];
      if (is_missing(p)) continue;
      if (p != int(p) || p < 0 || p > 127)
        throw DataError(fmt::format("pitch_histograms: {} row {}: pitch {} is not a MIDI pitch 0-127", where, row, p));
      std::pair<int, std::string> key;
      if (fam) {
        if (!fam->present[r]) continue;  // a note no family claims
        key = {0, fam->text[r]};
      } else if (!is_missing(drum->num[r]) && drum->num[r] != 0) {
        key = {128, ""};
      } else {
        double gp = prog->num[r];
        if (is_missing(gp)) continue;
        if (gp != int(gp) || gp < 0 || gp > 127)
          throw DataError(fmt::format("pitch_histograms: {} row {}: program {} is not a General MIDI program 0-127",
                                      where, row, gp));
        key = {int(gp), ""};
      }
      double w = 1;
      if (dur) {
        w = dur->num[r];
        if (is_missing(w)) continue;
        if (w < 0) throw DataError(fmt::format("pitch_histograms: {} row {}: negative duration {}", where, row, w));
      }
      auto& h = hist[key];
      if (h.empty()) h.assign(128, 0.0);
      h[size_t(p)] += w;
    }
  });

  Column names;
  names.name = "name";
  names.numeric = false;
  std::vector<Column> bins(128);
  for (int b = 0; b < 128; ++b) bins[b].name = fmt::format("p{}", b);
  for (auto& [key, h] : hist) {
    double total = 0;
    for (double x : h) total += x;
    if (total <= 0) continue;  // only zero-length notes: no distribution to show
    std::string n = by_family ? key.second : key.first == 128 ? "drums" : fmt::format("{} {}", key.first, gm_names[key.first]);
    names.text.push_back(n);
    names.present.push_back(1);
    for (int b = 0; b < 128; ++b) bins[b].num.push_back(h[b] / total);
  }
  if (names.text.empty()) throw DataError("pitch_histograms: " + where + " has no notes with a pitch and a positive " + weight);
  Table out;
  out.source = "pitch_histograms(" + where + ")";
  out.cols.push_back(std::move(names));
  for (auto& b : bins) out.cols.push_back(std::move(b));
  return out;
}

}  // namespace

void register_pitch_histograms() {
  using lang::Type;
  lang::Signature s;
  s.name = "pitch_histograms";
  s.result = Type::Table;
  s.doc = "Per-instrument pitch histograms over a corpus of notes (midi_folder's table): one row per General MIDI "
          "program that has notes (\"0 Acoustic Grand Piano\" ... \"127 Gunshot\", in program order) and a row "
          "\"drums\" for the percussion channel, whatever its program; or, with by: family, one row per family of "
          "instruments(). Columns: name, then p0 ... p127, the share of the group's note weight at each MIDI pitch "
          "(each row sums to 1). Quarantined files and notes with a missing pitch or weight are skipped; a group whose "
          "notes all have zero duration has no row.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "notes: pitch, duration, program, drum (midi_folder), or family (instruments)"},
      {"by", {Type::Symbol}, false, {"program", "family"}, Type::Any,
       "program (default): one row per GM program, drums apart; family: one row per value of the family column"},
      {"weight", {Type::Symbol}, false, {"duration", "count"}, Type::Any,
       "duration (default): each note counts its duration in seconds; count: each note counts 1"},
  };
  s.need = {.groups = true};  // reads its notes a group at a time; its table is small
  register_op(s, run_pitch_histograms);
}

}  // namespace genre
