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

namespace genre {

namespace {

namespace fs = std::filesystem;

using Parsed = std::variant<midi::Song, std::string>;  // notes, or why the file was quarantined

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

  // Parse in parallel on the shared TBB pool (nested inside the runner's
  // tasks, so ops running side by side share the cores rather than oversubscribe).
  std::vector<Parsed> parsed(files.size());
  std::atomic<size_t> done{0};
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
    std::string shown = (fs::path(given) / files[i]).generic_string();
    if (!found[i].error.empty()) {
      parsed[i] = shown + ": " + found[i].error;
      ctx.progress(++done, files.size(), "files");
      return;
    }
    try {
      parsed[i] = midi::read((root / files[i]).string(), shown);
    } catch (const DataError& e) {
      parsed[i] = std::string(e.what());
    }
    ctx.progress(++done, files.size(), "files");
  });

  // Files read with a repair: each named once, the first few in full.
  std::vector<std::string> repaired;
  for (size_t i = 0; i < files.size(); ++i)
    if (auto* s = std::get_if<midi::Song>(&parsed[i]); s && !s->warning.empty())
      repaired.push_back((fs::path(given) / files[i]).generic_string() + ": " + s->warning);
  for (size_t i = 0; i < repaired.size() && i < 3; ++i) ctx.warn(repaired[i]);
  if (repaired.size() > 3) ctx.warn(std::to_string(repaired.size() - 3) + " more files were read with a repair");

  size_t rows = 0, bad = 0;
  for (auto& p : parsed) {
    if (auto* s = std::get_if<midi::Song>(&p)) rows += s->notes.size();
    else {
      ++rows;
      if (!bad++ && on_error == "fail") throw DataError("midi_folder: " + std::get<std::string>(p));
    }
  }

  Table t;
  t.source = given;
  auto text_col = [&](const char* name) {
    Column c;
    c.name = name;
    c.numeric = false;
    c.text.reserve(rows);
    c.present.reserve(rows);
    return c;
  };
  auto num_col = [&](const char* name) {
    Column c;
    c.name = name;
    c.num.reserve(rows);
    return c;
  };
  Column file = text_col("file"), lab = text_col("label"), err = text_col("error");
  Column onset = num_col("onset"), dur = num_col("duration"), pitch = num_col("pitch"), vel = num_col("velocity"),
         prog = num_col("program"), chan = num_col("channel"), drum = num_col("drum");
  Column* nums[] = {&onset, &dur, &pitch, &vel, &prog, &chan, &drum};
  for (size_t i = 0; i < files.size(); ++i) {
    std::string parent = fs::path(files[i]).parent_path().filename().string();
    auto add_text = [&](const std::string& reason) {
      file.text.push_back(files[i]);
      file.present.push_back(1);
      lab.text.push_back(parent);
      lab.present.push_back(!parent.empty());
      err.text.push_back(reason);
      err.present.push_back(!reason.empty());
    };
    if (auto* s = std::get_if<midi::Song>(&parsed[i])) {
      for (auto& n : s->notes) {
        add_text("");
        onset.num.push_back(n.onset);
        dur.num.push_back(n.duration);
        pitch.num.push_back(n.pitch);
        vel.num.push_back(n.velocity);
        prog.num.push_back(n.program);
        chan.num.push_back(n.channel);
        drum.num.push_back(n.drum ? 1 : 0);
      }
    } else {
      add_text(std::get<std::string>(parsed[i]));
      for (auto* c : nums) c->num.push_back(missing);
    }
  }
  t.cols.push_back(std::move(file));
  for (auto* c : nums) t.cols.push_back(std::move(*c));
  if (label == "parent_dir") t.cols.push_back(std::move(lab));
  t.cols.push_back(std::move(err));
  return t;
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
  s.need = {.cpus = 2};
  register_op(s, run_midi_folder);
}

}  // namespace genre
