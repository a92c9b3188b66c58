// render(path, to:): every MIDI file under a folder played through a General
// MIDI soundfont (libfluidsynth) and written as a WAV file under `to`, at the
// same relative path, so that audio_features can read the folder and one
// corpus can be studied both as symbols (midi_folder) and as sound. One row
// per MIDI file says what was written; a damaged file is quarantined (its
// reason in `error`) and the rest go on.
//
// Writing files is render's purpose, not a side effect to hide: a WAV whose
// bytes would not change is left untouched (same time stamp), so the folder's
// cache key, which audio_features reads, stays the same on a re-render.
#include "ops/audio/render.h"

#include <dlfcn.h>
#include <fluidsynth.h>
#include <fnmatch.h>
#include <sndfile.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>

#include "ops/midi/smf.h"
#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre::audio {

namespace {

namespace fs = std::filesystem;

// libfluidsynth (and the SDL2, PulseAudio, X11 and glib libraries it brings) is loaded by the
// first render, not when genre starts: linked, it cost every genre command ~8 ms of start-up.
namespace fl {

void* symbol(const char* name) {
  static void* lib = [] {
    void* h = ::dlopen("libfluidsynth.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h)
      throw DataError(std::string("render: cannot load libfluidsynth.so.3 (") + ::dlerror() +
                      "): install Debian's libfluidsynth3");
    return h;
  }();
  void* f = ::dlsym(lib, name);
  if (!f) throw DataError(std::string("render: libfluidsynth.so.3 has no ") + name + ": a fluidsynth 2.x is needed");
  return f;
}

// A fluidsynth function of the same name and type, looked up once.
#define GENRE_FLUID(name)                                                           \
  template <class... A>                                                             \
  auto name(A... a) {                                                               \
    static auto* f = reinterpret_cast<decltype(&::name)>(symbol(#name));            \
    return f(a...);                                                                 \
  }
GENRE_FLUID(delete_fluid_player)
GENRE_FLUID(delete_fluid_settings)
GENRE_FLUID(delete_fluid_synth)
GENRE_FLUID(fluid_is_soundfont)
GENRE_FLUID(fluid_player_add_mem)
GENRE_FLUID(fluid_player_get_status)
GENRE_FLUID(fluid_player_play)
GENRE_FLUID(fluid_set_log_function)
GENRE_FLUID(fluid_settings_setint)
GENRE_FLUID(fluid_settings_setnum)
GENRE_FLUID(fluid_settings_setstr)
GENRE_FLUID(fluid_synth_all_notes_off)
GENRE_FLUID(fluid_synth_get_active_voice_count)
GENRE_FLUID(fluid_synth_sfload)
GENRE_FLUID(fluid_synth_write_float)
GENRE_FLUID(new_fluid_player)
GENRE_FLUID(new_fluid_settings)
GENRE_FLUID(new_fluid_synth)
#undef GENRE_FLUID

}  // namespace fl

// fluidsynth reports trouble through a global log function: keep the last
// error of this thread so it can go into the DataError, and print nothing.
thread_local std::string last_error;

void install_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    fl::fluid_set_log_function(FLUID_PANIC, [](int, const char* m, void*) { last_error = m; }, nullptr);
    fl::fluid_set_log_function(FLUID_ERR, [](int, const char* m, void*) { last_error = m; }, nullptr);
    for (int level : {FLUID_WARN, FLUID_INFO, FLUID_DBG}) fl::fluid_set_log_function(level, nullptr, nullptr);
  });
}

struct FreeSettings {
  void operator()(fluid_settings_t* p) const { fl::delete_fluid_settings(p); }
};
struct FreeSynth {
  void operator()(fluid_synth_t* p) const { fl::delete_fluid_synth(p); }
};
struct FreePlayer {
  void operator()(fluid_player_t* p) const { fl::delete_fluid_player(p); }
};
using Settings = std::unique_ptr<fluid_settings_t, FreeSettings>;
using SynthPtr = std::unique_ptr<fluid_synth_t, FreeSynth>;
using Player = std::unique_ptr<fluid_player_t, FreePlayer>;

// Loading FluidR3_GM's 148 MB of samples takes ~0.5 s, three quarters of a
// 30-s render. fluidsynth shares loaded samples between synths (its sample
// cache, keyed by file and time stamp), so one idle synth per soundfont keeps
// them in memory, and each file still gets a fresh synth of its own, which
// keeps every render independent of the files rendered before it.
void keep_loaded(const std::string& soundfont, int rate) {
  static std::mutex m;
  // For the life of the process: never destroyed, so the synths stay reachable to the end
  // (LeakSanitizer's check at exit comes after static destructors).
  static auto& kept = *new std::vector<std::pair<std::string, fluid_synth_t*>>;
  std::lock_guard<std::mutex> lock(m);
  for (auto& k : kept)
    if (k.first == soundfont) return;
  fluid_settings_t* s = fl::new_fluid_settings();  // its own: a synth keeps its settings for life
  if (!s) return;
  fl::fluid_settings_setnum(s, "synth.sample-rate", rate);
  fl::fluid_settings_setint(s, "synth.lock-memory", 0);
  fluid_synth_t* holder = fl::new_fluid_synth(s);
  if (!holder) return;
  if (fl::fluid_synth_sfload(holder, soundfont.c_str(), 0) == FLUID_FAILED) {
    fl::delete_fluid_synth(holder);
    return;  // the render's own sfload reports why
  }
  kept.emplace_back(soundfont, holder);
}

std::string read_bytes(const std::string& path, const std::string& shown) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(shown + ": cannot open the file");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

Rendered render_midi(const std::string& path, const std::string& shown, const Synth& how) {
  install_log();
  if (how.rate < 8000 || how.rate > 96000)
    throw DataError("render: rate must be 8000 to 96000 Hz (fluidsynth's range), got " + std::to_string(how.rate));
  if (!(how.gain > 0 && how.gain <= 10)) throw DataError("render: gain must be above 0 and at most 10 (fluidsynth's range)");
  std::error_code ec;
  if (!fs::is_regular_file(how.soundfont, ec))
    throw DataError("render: soundfont not found: " + how.soundfont +
                    " (Debian's fluid-soundfont-gm installs /usr/share/sounds/sf2/FluidR3_GM.sf2)");

  // Checked here: fluidsynth would hand anything else to libinstpatch, which prints glib warnings.
  if (!fl::fluid_is_soundfont(how.soundfont.c_str()))
    throw DataError("render: cannot load the soundfont " + how.soundfont + " (not an SF2 or DLS file)");

  // Our reader first: a damaged file gets its byte offset, and the file's length says whether it is padded.
  std::string bytes = read_bytes(path, shown);
  midi::Song song = midi::parse(bytes, shown);

  Settings settings(fl::new_fluid_settings());
  if (!settings) throw InternalError("render: fluidsynth could not allocate its settings");
  fluid_settings_t* s = settings.get();
  fl::fluid_settings_setnum(s, "synth.sample-rate", how.rate);
  fl::fluid_settings_setnum(s, "synth.gain", how.gain);
  // Deterministic output: no effects, one thread, and the MIDI player timed by
  // rendered samples rather than the wall clock (as fluidsynth's -F renderer).
  fl::fluid_settings_setint(s, "synth.reverb.active", 0);
  fl::fluid_settings_setint(s, "synth.chorus.active", 0);
  fl::fluid_settings_setint(s, "synth.cpu-cores", 1);
  fl::fluid_settings_setint(s, "synth.lock-memory", 0);
  fl::fluid_settings_setstr(s, "player.timing-source", "sample");
  fl::fluid_settings_setint(s, "player.reset-synth", 1);

  keep_loaded(how.soundfont, how.rate);
  SynthPtr synth(fl::new_fluid_synth(s));
  if (!synth) throw DataError("render: fluidsynth could not start (" + last_error + ")");
  last_error.clear();
  if (fl::fluid_synth_sfload(synth.get(), how.soundfont.c_str(), 1) == FLUID_FAILED)
    throw DataError("render: cannot load the soundfont " + how.soundfont + " (" + last_error + ")");
  Player player(fl::new_fluid_player(synth.get()));
  if (!player) throw DataError("render: fluidsynth could not start its MIDI player (" + last_error + ")");
  if (fl::fluid_player_add_mem(player.get(), bytes.data(), bytes.size()) != FLUID_OK ||
      fl::fluid_player_play(player.get()) != FLUID_OK)
    throw DataError(shown + ": fluidsynth cannot play the file (" + last_error + ")");

  Rendered out;
  out.midi_seconds = song.end;
  size_t want = how.clip ? static_cast<size_t>(std::llround(*how.clip * how.rate)) : 0;
  out.padded = how.clip && song.end < *how.clip;
  // Without clip: the file, then its last notes' release; a voice that never
  // fades (a looped sample left on) is cut a minute after the end.
  size_t most = static_cast<size_t>((song.end + 60) * how.rate);
  const int block = 64;  // fluidsynth's own block size
  float left[block], right[block];
  bool notes_off = false;
  out.samples.reserve(how.clip ? want : static_cast<size_t>(song.end * how.rate));
  for (;;) {
    if (how.clip && out.samples.size() >= want) break;
    if (!how.clip) {
      bool done = fl::fluid_player_get_status(player.get()) == FLUID_PLAYER_DONE;
      if (done && !notes_off) {
        fl::fluid_synth_all_notes_off(synth.get(), -1);
        notes_off = true;
      }
      if ((done && fl::fluid_synth_get_active_voice_count(synth.get()) == 0) || out.samples.size() >= most) break;
    }
    if (fl::fluid_synth_write_float(synth.get(), block, left, 0, 1, right, 0, 1) != FLUID_OK)
      throw DataError(shown + ": fluidsynth failed while rendering (" + last_error + ")");
    for (int i = 0; i < block; ++i) out.samples.push_back(0.5f * (left[i] + right[i]));
  }
  if (how.clip) out.samples.resize(want);
  return out;
}

void write_wav(const std::string& path, const std::vector<float>& samples, int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw DataError("render: cannot write " + path + " (" + sf_strerror(nullptr) + ")");
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);  // saturate rather than wrap around
  sf_count_t n = sf_write_float(f, samples.data(), static_cast<sf_count_t>(samples.size()));
  int err = sf_close(f);
  if (n != static_cast<sf_count_t>(samples.size()) || err)
    throw DataError("render: cannot write " + path + " (disk full?)");
}

}  // namespace genre::audio

namespace genre {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> midi_files(const fs::path& root, const std::string& pattern, const std::string& shown) {
  std::vector<std::string> out;
  std::error_code ec;
  auto opts = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(root, opts, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && fnmatch(pattern.c_str(), it->path().filename().c_str(), FNM_CASEFOLD) == 0)
      out.push_back(it->path().lexically_relative(root).generic_string());
  if (ec) throw DataError("render: cannot list " + shown + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

bool same_bytes(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (!fs::is_regular_file(b, ec) || fs::file_size(a, ec) != fs::file_size(b, ec)) return false;
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  return std::equal(std::istreambuf_iterator<char>(x), {}, std::istreambuf_iterator<char>(y), {});
}

// Writes the WAV beside its final name, then replaces the old file only if
// the bytes differ (a half-written file never takes the name).
void store(const fs::path& dest, const std::vector<float>& samples, int rate) {
  fs::path tmp = dest;
  tmp += ".tmp";
  audio::write_wav(tmp.string(), samples, rate);
  std::error_code ec;
  if (same_bytes(tmp, dest)) fs::remove(tmp, ec);
  else fs::rename(tmp, dest, ec);
  if (ec) throw DataError("render: cannot write " + dest.string() + ": " + ec.message());
}

Value run_render(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  std::string to_given = ctx.params.at("to").get<std::string>();
  std::string label = kit::symbol_param(ctx.params, "label", "none");
  std::string pattern = kit::str_param(ctx.params, "pattern", "*.mid");
  std::string on_error = kit::symbol_param(ctx.params, "on_error", "quarantine");
  audio::Synth how;
  how.soundfont = ctx.path(kit::str_param(ctx.params, "soundfont", "/usr/share/sounds/sf2/FluidR3_GM.sf2"));
  double rate = kit::num_param(ctx.params, "rate", 22050);
  if (rate != std::floor(rate) || rate < 8000 || rate > 96000)
    throw DataError("render: rate must be a whole number of Hz from 8000 to 96000 (fluidsynth's range), got " +
                    kit::fmt_num(rate));
  how.rate = static_cast<int>(rate);
  how.gain = kit::num_param(ctx.params, "gain", 0.2);
  if (ctx.params.contains("clip") && !ctx.params["clip"].is_null()) {
    double c = kit::num_param(ctx.params, "clip", 0);
    if (!(c > 0) || c > 1e5) throw DataError("render: clip must be a length in seconds above 0, got " + kit::fmt_num(c));
    how.clip = c;
  }
  std::error_code ec;
  if (!fs::is_regular_file(how.soundfont, ec))
    throw DataError("render: soundfont not found: " + how.soundfont +
                    " (install Debian's fluid-soundfont-gm, or give soundfont: \"file.sf2\")");

  fs::path root = ctx.path(given), to = ctx.output_path(to_given, "render: to:");
  if (!fs::is_directory(root, ec)) throw DataError("render: folder not found: " + given + " (looked for " + root.string() + ")");
  if (fs::equivalent(root, to, ec)) throw DataError("render: `to` must be another folder than the MIDI folder " + given);
  auto files = midi_files(root, pattern, given);
  if (files.empty()) throw DataError("render: no file matching \"" + pattern + "\" under " + given);

  std::vector<std::string> wavs(files.size()), errors(files.size());
  std::vector<double> seconds(files.size(), missing), padded(files.size(), missing);
  std::atomic<size_t> done{0};
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
    std::string shown = (fs::path(given) / files[i]).generic_string();
    try {
      auto r = audio::render_midi((root / files[i]).string(), shown, how);
      fs::path rel = fs::path(files[i]).replace_extension(".wav");
      std::error_code e;
      fs::create_directories((to / rel).parent_path(), e);
      if (e) throw DataError("render: cannot create " + (to / rel).parent_path().string() + ": " + e.message());
      store(to / rel, r.samples, how.rate);
      wavs[i] = rel.generic_string();
      seconds[i] = r.midi_seconds;
      padded[i] = r.padded ? 1 : 0;
    } catch (const DataError& e) {
      errors[i] = e.what();  // a damaged file is set aside; the rest go on
    }
    ctx.progress(++done, files.size(), "files");
  });
  for (auto& e : errors)
    if (!e.empty() && on_error == "fail") throw DataError(e);

  Table t;
  t.source = given;
  auto text = [](const char* name) {
    Column c;
    c.name = name;
    c.numeric = false;
    return c;
  };
  Column file = text("file"), lab = text("label"), wav = text("wav"), err = text("error"), secs, pad;
  secs.name = "seconds";
  pad.name = "padded";
  for (size_t i = 0; i < files.size(); ++i) {
    bool ok = errors[i].empty();
    std::string parent = fs::path(files[i]).parent_path().filename().string();
    file.text.push_back(files[i]);
    file.present.push_back(1);
    lab.text.push_back(parent);
    lab.present.push_back(!parent.empty());
    wav.text.push_back(wavs[i]);
    wav.present.push_back(ok);
    err.text.push_back(errors[i]);
    err.present.push_back(!ok);
  }
  secs.num = std::move(seconds);
  pad.num = std::move(padded);
  t.cols.push_back(std::move(file));
  if (label == "parent_dir") {
    t.cols.push_back(std::move(lab));
    t.label = "label";
  }
  t.cols.push_back(std::move(wav));
  t.cols.push_back(std::move(secs));
  if (how.clip) t.cols.push_back(std::move(pad));
  t.cols.push_back(std::move(err));
  return t;
}

}  // namespace

void register_render() {
  using lang::Type;
  lang::Signature s;
  s.name = "render";
  s.result = Type::Table;
  s.version = 1;
  s.doc = "Play every MIDI file under a folder through a General MIDI soundfont (libfluidsynth; no reverb or chorus, "
          "one thread, so the same file always gives the same samples) and write it as a mono 16-bit WAV under `to` at "
          "the same relative path (x/y.mid -> to/x/y.wav), for audio_features to read. One row per MIDI file: file, "
          "label (with label: parent_dir), wav (the path written, relative to `to`), seconds (the MIDI file's "
          "length), padded (with clip: 1 where the file is shorter, followed by silence) and error. A damaged MIDI "
          "file is quarantined: its reason (file, byte offset) in `error`, nothing written. A WAV whose bytes would "
          "not change is left as it is.";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the MIDI folder, relative to the script (its files are part of the cache key)"},
      {"to", {Type::String}, true, {}, Type::Any, "the folder the WAV files go to, relative to the script (created if needed)"},
      {"soundfont", {Type::Path}, false, {}, Type::Any,
       "the .sf2 soundfont (default /usr/share/sounds/sf2/FluidR3_GM.sf2, Debian's fluid-soundfont-gm)"},
      lang::bounded({"rate", {Type::Number}, false, {}, Type::Any, "samples per second (default 22050Hz)"}, lang::within(8000, 96000)),
      {"clip", {Type::Number}, false, {}, Type::Any,
       "seconds (30s) rendered per file, a shorter file followed by silence; default: the whole file and its last notes' release"},
      lang::bounded({"gain", {Type::Number}, false, {}, Type::Any, "fluidsynth's master gain (default 0.2, fluidsynth's own)"}, lang::at_least(0)),
      {"label", {Type::Symbol}, false, {"parent_dir", "none"}, Type::Any,
       "parent_dir: a text column `label` holding each file's folder name (the table's label); none (default)"},
      {"pattern", {Type::String}, false, {}, Type::Any, "which file names to render, a shell pattern, case-insensitive (default \"*.mid\")"},
      {"on_error", {Type::Symbol}, false, {"quarantine", "fail"}, Type::Any,
       "quarantine (default): a damaged file becomes a row with its reason in `error`; fail: the first one is an error"},
  };
  s.need = {.cpus = 2};
  register_op(s, run_render);
}

}  // namespace genre
