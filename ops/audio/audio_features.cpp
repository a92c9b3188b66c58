// audio_features(path, features): every audio file under a folder, decoded
// (at its own rate or resampled to `rate`, cut or padded to `clip` seconds),
// one table row per clip: the file, its label (the parent folder's name, or
// what a table such as csv("labels.csv", label: "genre") gives the file) and
// either the mean and variance over frames of each feature, named as in
// GTZAN's features_30_sec.csv (mfcc1_mean, spectral_centroid_var, ...), so a
// study can swap that table for this one, or (summarize: none) the frames
// themselves as a sequence column for a sequence model. A file that cannot be
// decoded becomes a row with its reason in `error`, which the runtime lists
// and writes to quarantine.csv.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <optional>

#include "ops/audio/clip_labels.h"
#include "ops/audio/decode.h"
#include "ops/audio/features.h"
#include "ops/audio/tempo.h"
#include "runtime/core/op.h"
#include "ops/torch_ops.h"
#include "ops/io/folder.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

namespace fs = std::filesystem;

// GTZAN's column stem for a feature row (0-based `d`).
std::string stem(audio::Feature f, int d) {
  switch (f) {
    case audio::Feature::mfcc: return "mfcc" + std::to_string(d + 1);
    case audio::Feature::centroid: return "spectral_centroid";
    case audio::Feature::chroma: return "chroma_stft";
    case audio::Feature::rolloff: return "rolloff";
    case audio::Feature::zcr: return "zero_crossing_rate";
    case audio::Feature::rms: return "rms";
    case audio::Feature::bandwidth: return "spectral_bandwidth";
    case audio::Feature::contrast: return "spectral_contrast" + std::to_string(d + 1);
  }
  return "?";
}

// GTZAN summarises chroma over all bins and frames at once; the others per row.
bool pooled(audio::Feature f) { return f == audio::Feature::chroma; }

// Mean and population variance (numpy's var) of values.
std::pair<double, double> mean_var(const double* v, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m += v[i];
  m /= static_cast<double>(n);
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
  return {m, s / static_cast<double>(n)};
}

// The frame features and tempo, the one per-clip number.
std::vector<std::string> feature_symbols() {
  auto names = audio::feature_names();
  names.push_back("tempo");
  return names;
}

int int_param(const json& p, const char* name, int dflt, int lo) {
  double v = kit::num_param(p, name, dflt);
  if (v != std::floor(v) || v < lo || v > 1 << 24)
    throw DataError(std::string("audio_features: ") + name + " must be a whole number of at least " +
                    std::to_string(lo) + ", got " + kit::fmt_num(v));
  return static_cast<int>(v);
}

Value run_audio_features(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  fs::path root = ctx.path(given);
  std::error_code ec;
  if (!fs::exists(root, ec))
    throw DataError("audio_features: folder not found: " + given +
                    (root.string() != given ? " (looked for " + root.string() + ")" : ""));
  if (!fs::is_directory(root, ec)) throw DataError("audio_features: " + given + " is a file, not a folder");

  std::vector<audio::Feature> which;
  bool want_tempo = false;  // one number per clip (GTZAN's `tempo` column), not a frame feature
  for (auto& name : kit::string_list(ctx.params.at("features"), "audio_features", "features")) {
    if (name == "tempo") {
      want_tempo = true;
      continue;
    }
    auto f = audio::parse_feature(name);
    if (!f) throw DataError("audio_features: unknown feature \"" + name + "\"; expected one of " +
                            kit::name_list(feature_symbols()));
    if (std::find(which.begin(), which.end(), *f) == which.end()) which.push_back(*f);
  }
  audio::Settings s;
  s.n_mfcc = int_param(ctx.params, "n_mfcc", 13, 1);
  s.n_fft = int_param(ctx.params, "n_fft", 2048, 2);
  s.hop = int_param(ctx.params, "hop", 512, 1);
  std::string pad = kit::symbol_param(ctx.params, "pad", "constant");
  if (pad != "constant" && pad != "reflect") throw DataError("audio_features: pad must be constant or reflect, got " + pad);
  s.reflect = pad == "reflect";
  audio::TempoSettings ts;  // librosa.feature.tempo's defaults, on the script's STFT
  ts.n_fft = s.n_fft;
  ts.hop = s.hop;
  if (want_tempo && (s.n_fft & (s.n_fft - 1)))
    throw DataError("audio_features: tempo needs n_fft to be a power of two, got " + std::to_string(s.n_fft));
  if (ctx.params.contains("tuning") && !ctx.params["tuning"].is_null()) {
    double t = ctx.params["tuning"].get<double>();
    if (!(t >= -0.5 && t < 0.5)) throw DataError("audio_features: tuning is a fraction of a chroma bin in [-0.5, 0.5), got " + kit::fmt_num(t));
    s.tuning = t;
  }
  std::string summarize = kit::symbol_param(ctx.params, "summarize", "mean_var");
  if (summarize != "mean_var" && summarize != "none")
    throw DataError("audio_features: summarize must be mean_var or none, got " + summarize);
  bool frames_out = summarize == "none";
  std::string on_error = kit::symbol_param(ctx.params, "on_error", "quarantine");
  if (on_error != "quarantine" && on_error != "fail")
    throw DataError("audio_features: on_error must be quarantine or fail, got " + on_error);

  audio::Load load;
  std::string mono = kit::symbol_param(ctx.params, "mono", "mean");
  if (mono != "mean" && mono != "left" && mono != "right")
    throw DataError("audio_features: mono must be mean, left or right, got " + mono);
  load.channel = mono == "mean" ? -1 : mono == "left" ? 0 : 1;
  if (ctx.params.contains("rate") && !ctx.params["rate"].is_null()) load.rate = int_param(ctx.params, "rate", 0, 1);
  // (a Number, not an Int, so that the checker takes 22050Hz: whole numbers are checked here)
  load.offset = kit::num_param(ctx.params, "offset", 0);
  if (!(load.offset >= 0)) throw DataError("audio_features: offset must be 0 or more seconds, got " + kit::fmt_num(load.offset));
  if (ctx.params.contains("clip") && !ctx.params["clip"].is_null()) {
    double c = kit::num_param(ctx.params, "clip", 0);
    if (!(c > 0) || c > 1e6) throw DataError("audio_features: clip must be a length in seconds above 0, got " + kit::fmt_num(c));
    load.clip = c;
  }

  std::vector<Found> found =
      list_files(root, "audio_features: " + given, [](const fs::path& p) { return audio::is_audio_file(p.string()); });
  std::vector<std::string> files;
  for (auto& f : found) files.push_back(f.path);
  if (files.empty())
    throw DataError("audio_features: no audio file (.wav .au .aif .aiff .flac .ogg .mp3) under " + given);

  // Labels from a table are known before any decoding: a clip without one is set aside undecoded.
  std::vector<std::string> errors(files.size());
  std::optional<audio::ClipLabels> from_table;
  std::string file_column = kit::str_param(ctx.params, "file_column", "");
  if (const Value* v = ctx.maybe_input("label")) {
    const Table* lt = std::get_if<Table>(v);
    if (!lt) throw InternalError("audio_features: label is not a table");
    from_table = audio::clip_labels(*lt, files, file_column, given);
    errors = from_table->reason;
  } else if (!file_column.empty()) {
    throw DataError("audio_features: file_column names the file column of a label table, but label is parent_dir; "
                    "give label: csv(\"labels.csv\", label: \"genre\")");
  }
  for (size_t i = 0; i < files.size(); ++i)  // a subfolder that cannot be listed is set aside like a damaged file
    if (!found[i].error.empty()) errors[i] = found[i].error; else if (std::string l = kit::symbol_param(ctx.params, "label", "parent_dir"); l != "parent_dir") {
    throw DataError("audio_features: label must be parent_dir or a table, got " + l);
  }

  // Column names, then one row per clip.
  std::vector<std::string> names;
  uint32_t seq_dims = 0;
  for (auto f : which) {
    seq_dims += static_cast<uint32_t>(audio::feature_dims(f, s));
    int dims = pooled(f) ? 1 : audio::feature_dims(f, s);
    for (int d = 0; d < dims && !frames_out; ++d) {
      names.push_back(stem(f, d) + "_mean");
      names.push_back(stem(f, d) + "_var");
    }
  }
  std::vector<std::vector<double>> cols(names.size());
  Column seq;
  seq.name = "frames";
  seq.numeric = false;
  seq.seq_dims = seq_dims;
  std::vector<double> padded(files.size(), 0);
  std::vector<double> tempi(files.size(), missing);

  // A chunk of clips at a time: 1000 decoded 30-s clips would take 2.6 GB.
  const size_t chunk = 32;
  std::atomic<size_t> done{0};
  for (size_t first = 0; first < files.size(); first += chunk) {
    size_t n = std::min(chunk, files.size() - first);
    std::vector<audio::Clip> clips(n);
    tbb::parallel_for(size_t(0), n, [&](size_t i) {
      const std::string& rel = files[first + i];
      if (!errors[first + i].empty()) return;  // unlabelled
      try {
        auto d = audio::decode((root / rel).string(), (fs::path(given) / rel).generic_string(), load);
        clips[i].samples = std::move(d.samples);
        clips[i].rate = d.rate;
        padded[first + i] = d.padded ? 1 : 0;
        if (want_tempo) tempi[first + i] = audio::tempo(audio::onset_strength(clips[i].samples, d.rate, ts), d.rate, ts);
      } catch (const DataError& e) {
        errors[first + i] = e.what();  // a damaged file is set aside; the rest go on
      }
    });
    for (size_t i = 0; i < n; ++i) {
      if (errors[first + i].empty() || on_error != "fail") continue;
      bool unlabelled = from_table && !from_table->reason[first + i].empty();  // the reason does not name the clip
      throw DataError("audio_features: " + (unlabelled ? files[first + i] + ": " : "") + errors[first + i]);
    }
    std::vector<audio::Clip> good;
    for (size_t i = 0; i < n; ++i)
      if (errors[first + i].empty()) good.push_back(std::move(clips[i]));
    auto feats = good.empty() || which.empty() ? std::vector<audio::ClipFeatures>{}
                              : torch_ops().audio_features(good, which, s);
    size_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      ctx.progress(++done, files.size(), "clips");
      if (!errors[first + i].empty()) {
        for (auto& c : cols) c.push_back(missing);
        seq.seq.emplace_back();
        seq.present.push_back(0);
        continue;
      }
      if (which.empty()) continue;  // tempo alone
      const audio::ClipFeatures& cf = feats.at(next++);
      if (frames_out) {
        seq.seq.push_back(audio::stack_frames(cf));
        seq.present.push_back(1);
        continue;
      }
      size_t c = 0;
      for (size_t fi = 0; fi < which.size(); ++fi) {
        const audio::Matrix& m = cf.features[fi];
        if (pooled(which[fi])) {
          auto [mean, var] = mean_var(m.v.data(), m.v.size());
          cols[c++].push_back(mean);
          cols[c++].push_back(var);
          continue;
        }
        for (int d = 0; d < m.dims; ++d) {
          auto [mean, var] = mean_var(m.v.data() + static_cast<size_t>(d) * m.frames, static_cast<size_t>(m.frames));
          cols[c++].push_back(mean);
          cols[c++].push_back(var);
        }
      }
    }
  }

  Table t;
  t.source = given;
  Column file, label, error;
  file.name = "file", label.name = "label", error.name = "error";
  file.numeric = label.numeric = error.numeric = false;
  for (size_t i = 0; i < files.size(); ++i) {
    bool ok = errors[i].empty();
    file.text.push_back(files[i]);
    file.present.push_back(1);
    if (!ok) label.text.emplace_back();
    else label.text.push_back(from_table ? from_table->label[i] : (root / files[i]).parent_path().filename().string());
    label.present.push_back(ok);
    error.text.push_back(errors[i]);
    error.present.push_back(!ok);
    if (!ok) padded[i] = missing;
  }
  t.cols.push_back(std::move(file));
  t.cols.push_back(std::move(label));
  if (frames_out && !which.empty()) t.cols.push_back(std::move(seq));
  for (size_t i = 0; i < names.size(); ++i) {
    Column c;
    c.name = names[i];
    c.num = std::move(cols[i]);
    t.cols.push_back(std::move(c));
  }
  if (want_tempo) {
    Column c;
    c.name = "tempo";
    c.num = std::move(tempi);
    t.cols.push_back(std::move(c));
  }
  // Only with clip: said per row, so a study can see (and drop) clips that were mostly silence.
  if (load.clip) {
    Column c;
    c.name = "padded";
    c.num = std::move(padded);
    t.cols.push_back(std::move(c));
  }
  t.cols.push_back(std::move(error));
  t.label = "label";
  return t;
}

}  // namespace

void register_audio_features() {
  using lang::Type;
  lang::Signature s;
  s.name = "audio_features";
  s.result = Type::Table;
  // 2: rate, clip, offset, summarize: none, quarantine (an `error` column); 3: tempo. (label: a table
  // came without a bump: a call without it gives what it gave, and keeps its cached clips.) 4: `rate`
  // resamples with libsoxr's HQ filter, librosa.load's (was libsamplerate's best sinc).
  s.version = 4;
  s.doc = "Every audio file under a folder (WAV, AU, AIFF, FLAC, OGG, MP3; made mono; at its own sample rate or resampled "
          "to `rate`; cut or zero-padded to `clip` seconds after `offset`), one row per clip: file, label (the parent "
          "folder's name, or the file's label in a table: label: csv(\"labels.csv\", label: \"genre\")), then "
          "<feature>_mean / <feature>_var over frames, computed as librosa 0.11 does and named as in GTZAN's "
          "features_30_sec.csv, or with summarize: none a sequence column `frames` (frames x the features' dims, in "
          "the order given), `padded` (with clip: 1 where the file was too short) and `error`. A "
          "file that cannot be decoded (empty, truncated, not audio) is quarantined: a row with its file and the "
          "reason in `error`, every other column missing; so is a clip that the label table gives no label.";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any,
       "the folder, relative to the script (its files' names, sizes and times are part of the cache key)"},
      {"features", {Type::List, Type::Symbol}, true, feature_symbols(), Type::String,
       "which features: mfcc, centroid, chroma, rolloff, zcr, rms, bandwidth, contrast per frame; tempo: one number "
       "per clip, a column `tempo` in BPM (librosa.feature.tempo with its defaults: onset strength, 8-s "
       "autocorrelation tempogram averaged over the clip, log-normal prior at 120 BPM; one of the tempogram's bins, "
       "60 * rate / (hop * lag))"},
      {"label", {Type::Symbol, Type::Table}, false, {"parent_dir"}, Type::Any,
       "parent_dir (default): each file's folder name, as GTZAN's genres/<genre>/ layout; or a table mapping files "
       "to labels, for corpora not laid out by genre folder: label: csv(\"labels.csv\", label: \"genre\") takes "
       "its label column. A row names its clip by path relative to the folder (\"rock/a.wav\") or by file name "
       "(\"a.wav\"; one that two clips share is an error). A clip without a row (or whose row has no label) is "
       "quarantined with the reason \"no row in labels.csv\"; rows naming no clip are ignored (the table may "
       "describe a larger corpus), but a table of which no row names a clip is an error"},
      {"file_column", {Type::String}, false, {}, Type::Any,
       "with label: a table, its column of file names (default: `file`, else `filename`)"},
      lang::bounded({"n_mfcc", {Type::Int}, false, {}, Type::Any, "MFCC coefficients (default 13)"}, lang::at_least(1)),
      lang::bounded({"n_fft", {Type::Int}, false, {}, Type::Any, "STFT window and frame length in samples (default 2048)"}, lang::at_least(2)),
      lang::bounded({"hop", {Type::Int}, false, {}, Type::Any, "samples between frames (default 512)"}, lang::at_least(1)),
      {"pad", {Type::Symbol}, false, {"constant", "reflect"}, Type::Any,
       "centre padding: constant (zeros, librosa >= 0.10; default) or reflect (older librosa, as GTZAN's CSV)"},
      {"tuning", {Type::Number}, false, {}, Type::Any,
       "chroma tuning in fractions of a bin (default: estimated per clip, as librosa)"},
      {"summarize", {Type::Symbol}, false, {"mean_var", "none"}, Type::Any,
       "how frames become columns: mean_var (default) or none (a sequence column `frames`, frames x features per "
       "clip, as a sequence model reads it)"},
      {"rate", {Type::Number}, false, {}, Type::Any,
       "samples per second, a whole number (22050 or 22050Hz): files at another rate are resampled as librosa.load does (libsoxr, HQ); default: each file's own"},
      {"clip", {Type::Number}, false, {}, Type::Any,
       "seconds (30 or 30s) kept per file; a shorter file is padded with zeros and marked 1 in the `padded` column"},
      lang::bounded({"offset", {Type::Number}, false, {}, Type::Any, "seconds (0.5 or 500ms) skipped at the start of each file (default 0)"}, lang::at_least(0)),
      {"mono", {Type::Symbol}, false, {"mean", "left", "right"}, Type::Any,
       "how a file with several channels becomes one: mean (default: the channels averaged, as librosa.load's "
       "mono=True) or left / right (the first / second channel alone; a mono file's one channel either way)"},
      {"on_error", {Type::Symbol}, false, {"quarantine", "fail"}, Type::Any,
       "quarantine (default): a file that cannot be decoded (empty, truncated, not audio) or has no label becomes a "
       "row with its reason in `error` and the rest go on; fail: the first such file is an error"},
  };
  s.need = {.cpus = 2};
  register_op(s, run_audio_features);
}

}  // namespace genre
