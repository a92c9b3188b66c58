// midi_folder(path): every MIDI file under a folder, parsed in parallel, as a
// long table with one row per note. A damaged file does not stop the rest: it
// becomes one row holding its path and the reason in the `error` column (all
// numbers missing), so the runtime can list what was quarantined; with
// on_error: fail the first damaged file (in path order) is the error.
// The folder is a Path: the planner puts its listing (names, sizes, times)
// into the cache key, so a changed file re-runs the op.
#include <fnmatch.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <variant>

#include "ops/midi/smf.h"
#include "runtime/core/op.h"
#include "ops/io/folder.h"
#include "runtime/core/op_kit.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

namespace fs = std::filesystem;

using Parsed = std::variant<midi::Song, std::string>;  // notes, or why the file was quarantined

// The note table's columns, filled a file at a time.
class Columns {
 public:
  explicit Columns(bool with_label) : with_label_(with_label) {}
  size_t rows() const { return onset_.size(); }

  void add(const std::string& file, const Parsed& p) {
    std::string parent = fs::path(file).parent_path().filename().string();
    auto add_text = [&](const std::string& reason) {
      file_.push_back(file);
      label_.push_back(parent);
      error_.push_back(reason);
    };
    if (auto* s = std::get_if<midi::Song>(&p)) {
      for (auto& n : s->notes) {
        add_text("");
        onset_.push_back(n.onset);
        dur_.push_back(n.duration);
        pitch_.push_back(n.pitch);
        vel_.push_back(n.velocity);
        prog_.push_back(n.program);
        chan_.push_back(n.channel);
        drum_.push_back(n.drum ? 1 : 0);
      }
    } else {
      add_text(std::get<std::string>(p));
      for (auto* c : {&onset_, &dur_, &pitch_, &vel_, &prog_, &chan_, &drum_}) c->push_back(missing);
    }
  }

  // The rows so far as a table (file, onset ... drum, label, error); empties the builder.
  Table take(const std::string& source) {
    Table t;
    t.source = source;
    auto text = [](const char* name, std::vector<std::string>& v) {
      Column c;
      c.name = name;
      c.numeric = false;
      c.present.reserve(v.size());
      for (auto& s : v) c.present.push_back(!s.empty());
      c.text = std::move(v);
      v = {};
      return c;
    };
    auto num = [](const char* name, std::vector<double>& v) {
      Column c;
      c.name = name;
      c.num = std::move(v);
      v = {};
      return c;
    };
    t.cols.push_back(text("file", file_));
    t.cols.back().present.assign(t.cols.back().text.size(), 1);
    t.cols.push_back(num("onset", onset_));
    t.cols.push_back(num("duration", dur_));
    t.cols.push_back(num("pitch", pitch_));
    t.cols.push_back(num("velocity", vel_));
    t.cols.push_back(num("program", prog_));
    t.cols.push_back(num("channel", chan_));
    t.cols.push_back(num("drum", drum_));
    if (with_label_) t.cols.push_back(text("label", label_));
    else label_.clear();
    t.cols.push_back(text("error", error_));
    return t;
  }

 private:
  bool with_label_;
  std::vector<std::string> file_, label_, error_;
  std::vector<double> onset_, dur_, pitch_, vel_, prog_, chan_, drum_;
};

Value run_midi_folder(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  std::string label = kit::symbol_param(ctx.params, "label", "none");
  std::string pattern = kit::str_param(ctx.params, "pattern", "*.mid");
  std::string on_error = kit::symbol_param(ctx.params, "on_error", "quarantine");
  fs::path root = ctx.path(given);
  std::error_code ec;
  if (!fs::exists(root, ec))
    throw DataError("midi_folder: folder not found: " + given + (root.string() != given ? " (looked for " + root.string() + ")" : ""));
  if (!fs::is_directory(root, ec)) throw DataError("midi_folder: " + given + " is a file, not a folder");
  std::vector<Found> found = list_files(root, "midi_folder: " + given, [&](const fs::path& p) {
    return fnmatch(pattern.c_str(), p.filename().c_str(), FNM_CASEFOLD) == 0;
  });
  std::vector<std::string> files;
  for (auto& f : found) files.push_back(f.path);
  if (files.empty()) throw DataError("midi_folder: no file matching \"" + pattern + "\" under " + given);

  // Read in batches, in parallel on the shared TBB pool (nested inside the runner's tasks, so
  // ops running side by side share the cores rather than oversubscribe), and hand the notes on
  // a row group at a time, cut between files (runtime/core/row_groups.h): the op holds one
  // batch and one group, whatever the corpus.
  constexpr size_t batch_files = 256;
  const size_t rows_per_group = group_rows();
  auto out = ctx.groups_out();
  std::atomic<size_t> done{0};
  std::vector<std::string> repaired;  // files read with a repair: each named once, the first few in full
  size_t groups = 0;
  Columns cols(label == "parent_dir");
  for (size_t from = 0; from < files.size(); from += batch_files) {
    size_t to = std::min(files.size(), from + batch_files);
    std::vector<Parsed> parsed(to - from);
    tbb::parallel_for(from, to, [&](size_t i) {
      std::string shown = (fs::path(given) / files[i]).generic_string();
      if (!found[i].error.empty()) parsed[i - from] = shown + ": " + found[i].error;
      else
        try {
          parsed[i - from] = midi::read((root / files[i]).string(), shown);
        } catch (const DataError& e) {
          parsed[i - from] = std::string(e.what());
        }
      ctx.progress(++done, files.size(), "files");
    });
    for (size_t i = from; i < to; ++i) {
      Parsed& p = parsed[i - from];
      if (auto* s = std::get_if<midi::Song>(&p); s && !s->warning.empty())
        repaired.push_back((fs::path(given) / files[i]).generic_string() + ": " + s->warning);
      if (auto* why = std::get_if<std::string>(&p); why && on_error == "fail") throw DataError("midi_folder: " + *why);
      cols.add(files[i], p);
      if (cols.rows() >= rows_per_group) out->add(cols.take(given)), ++groups;
    }
  }
  for (size_t i = 0; i < repaired.size() && i < 3; ++i) ctx.warn(repaired[i]);
  if (repaired.size() > 3) ctx.warn(std::to_string(repaired.size() - 3) + " more files were read with a repair");
  if (cols.rows() > 0 || groups == 0) out->add(cols.take(given));
  return out->finish();
}

}  // namespace

void register_midi_folder() {
  using lang::Type;
  lang::Signature s;
  s.name = "midi_folder";
  s.result = Type::Table;
  s.version = 1;
  s.doc = "Read every MIDI file (SMF format 0 or 1) under a folder, recursively, in parallel: one row per note with "
          "file (path relative to the folder), onset and duration (seconds, through the tempo map), pitch, velocity, "
          "program (the channel's program at the note-on), channel (0-15), drum (1 on MIDI channel 10), label (with "
          "label: parent_dir) and error. A damaged file is quarantined: it gives one row with its path, missing "
          "numbers and the reason (file, byte offset, what is wrong) in `error`, which is empty for notes; with "
          "on_error: fail it stops the run instead. Rows follow the files' sorted paths, notes by onset, channel, "
          "pitch. Files without notes give no rows. A note never switched off lasts until the file's last event "
          "(any track's); a note-off with no note on is ignored. Running status carries across "
          "meta and SysEx events (as mido reads it), not across a system common message. Format 2 files (independent "
          "sequences) are quarantined as unsupported. The cache does not yet notice files changed inside the folder.";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the folder, relative to the script (its files' names, sizes and times are part of the cache key)"},
      {"label", {Type::Symbol}, false, {"parent_dir", "none"}, Type::Any,
       "parent_dir: a text column `label` holding the name of each file's folder (e.g. an MSD track id; missing "
       "for files directly in `path`); "
       "none (default): no label column"},
      {"pattern", {Type::String}, false, {}, Type::Any,
       "which file names to read, a shell pattern matched case-insensitively (default \"*.mid\")"},
      {"on_error", {Type::Symbol}, false, {"quarantine", "fail"}, Type::Any,
       "quarantine (default): a damaged file becomes a row with its reason in `error`; fail: the first damaged file "
       "is an error"},
  };
  s.need = {.groups = true, .cpus = 2};
  register_op(s, run_midi_folder);
}

}  // namespace genre
