// render: MIDI -> audio with libfluidsynth. A note comes out at its pitch,
// for its length, the same samples every time; a damaged MIDI file is set
// aside with its reason while the rest are written; a missing soundfont is a
// clear error. Needs Debian's fluid-soundfont-gm (skipped without it).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "midi_helpers.h"
#include "ops/audio/decode.h"
#include "ops/audio/render.h"
#include "tabular_helpers.h"

namespace genre {
void register_render();  // ops/audio/render.cpp
}

namespace {

namespace fs = std::filesystem;
const char* kSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

// One piano note, A4 (MIDI 69, 440 Hz), from 0 to 1 s (960 ticks at 480 per beat, 120 bpm).
std::string one_note() {
  return miditest::smf(0, 480, {"00 C0 00  00 90 45 64  87 40 80 45 00  00 FF 2F 00"});
}

void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Power of `y[from, to)` at `hz` (Goertzel), to tell which pitch sounds.
double power_at(const std::vector<float>& y, size_t from, size_t to, double hz, int rate) {
  double w = 2 * M_PI * hz / rate, c = 2 * std::cos(w), s1 = 0, s2 = 0;
  for (size_t i = from; i < to; ++i) {
    double s0 = y[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

double rms(const std::vector<float>& y, size_t from, size_t to) {
  double e = 0;
  for (size_t i = from; i < to; ++i) e += double(y[i]) * y[i];
  return std::sqrt(e / double(to - from));
}

genre::Table run_render(genre::json params, const std::string& dir) {
  genre::register_render();
  auto* fn = genre::find_op("render");
  REQUIRE(fn);
  genre::OpContext ctx;
  ctx.params = std::move(params);
  ctx.script_dir = dir;
  return std::get<genre::Table>((*fn)(ctx));
}

}  // namespace

TEST_CASE("render plays a note at its pitch, for its length, the same samples every time", "[audio][render]") {
  if (!fs::exists(kSoundfont)) {
    WARN("skipped: no soundfont at " << kSoundfont << " (apt-get install fluid-soundfont-gm)");
    return;
  }
  tabtest::TempDir dir;
  put(dir.dir / "a4.mid", one_note());
  genre::audio::Synth how;
  how.soundfont = kSoundfont;
  how.rate = 22050;
  how.clip = 3;
  auto r = genre::audio::render_midi((dir.dir / "a4.mid").string(), "a4.mid", how);
  REQUIRE(r.samples.size() == 3 * 22050);  // exactly clip seconds
  CHECK(r.padded);                         // the file is 1 s long
  CHECK(r.midi_seconds == Approx(1.0));

  // Sounding while the key is down, at 440 Hz rather than a semitone off either side.
  double during = rms(r.samples, 2205, 22050), after = rms(r.samples, 2 * 22050, 3 * 22050);
  INFO("rms during the note " << during << ", in the last second " << after);
  CHECK(during > 1e-3);
  CHECK(after < during / 10);  // released at 1 s: quiet a second later
  double a4 = power_at(r.samples, 2205, 22050, 440, 22050);
  CHECK(a4 > 20 * power_at(r.samples, 2205, 22050, 415.3, 22050));
  CHECK(a4 > 20 * power_at(r.samples, 2205, 22050, 466.2, 22050));

  auto again = genre::audio::render_midi((dir.dir / "a4.mid").string(), "a4.mid", how);
  CHECK(again.samples == r.samples);  // bit for bit

  // At another rate: the same length in seconds.
  how.rate = 16000;
  CHECK(genre::audio::render_midi((dir.dir / "a4.mid").string(), "a4.mid", how).samples.size() == 3 * 16000);

  // Without clip: the note and its release, then it stops.
  how.rate = 22050;
  how.clip.reset();
  auto whole = genre::audio::render_midi((dir.dir / "a4.mid").string(), "a4.mid", how);
  CHECK(whole.samples.size() > 22050);
  CHECK(whole.samples.size() < 22050 * 20);
}

TEST_CASE("render writes one WAV per MIDI file and quarantines a damaged one", "[audio][render]") {
  if (!fs::exists(kSoundfont)) {
    WARN("skipped: no soundfont at " << kSoundfont);
    return;
  }
  tabtest::TempDir dir;
  put(dir.dir / "midi" / "piano" / "a4.mid", one_note());
  std::string cut = one_note();
  cut.resize(cut.size() - 6);  // the track chunk promises more bytes than the file holds
  put(dir.dir / "midi" / "piano" / "cut.mid", cut);
  put(dir.dir / "midi" / "notes.txt", "not MIDI, not matched by the pattern");

  genre::json p = {{"path", "midi"}, {"to", "wav"}, {"soundfont", kSoundfont}, {"rate", 22050},
                   {"clip", 2},      {"label", "parent_dir"}};
  auto t = run_render(p, dir.dir.string());
  REQUIRE(t.rows() == 2);
  CHECK(tabtest::text(t, "file") == std::vector<std::string>{"piano/a4.mid", "piano/cut.mid"});
  CHECK(t.label == "label");
  auto& err = t.column("error");
  CHECK(!err.present[0]);
  REQUIRE(err.present[1]);
  CHECK_THAT(err.text[1], Catch::Contains("midi/piano/cut.mid") && Catch::Contains("byte"));
  CHECK(!t.column("wav").present[1]);
  CHECK(std::isnan(t.column("seconds").num[1]));
  CHECK(t.column("padded").num[0] == 1);
  CHECK(!fs::exists(dir.dir / "wav" / "piano" / "cut.wav"));

  // The WAV reads back through audio_features' decoder at the rate and length asked for.
  fs::path wav = dir.dir / "wav" / "piano" / "a4.wav";
  auto d = genre::audio::decode(wav.string(), "a4.wav");
  CHECK(d.rate == 22050);
  CHECK(d.samples.size() == 2 * 22050);
  CHECK(rms(d.samples, 0, 22050) > 1e-3);

  // A re-render gives the same bytes, so the file is left alone (its time stamp is kept).
  auto stamp = fs::last_write_time(wav);
  run_render(p, dir.dir.string());
  CHECK(fs::last_write_time(wav) == stamp);

  // on_error: fail stops at the damaged file, naming it.
  p["on_error"] = "fail";
  CHECK_THAT(tabtest::error_of([&] { run_render(p, dir.dir.string()); }), Catch::Contains("cut.mid"));
}

TEST_CASE("render: a missing soundfont or a bad rate is a clear error", "[audio][render]") {
  tabtest::TempDir dir;
  put(dir.dir / "midi" / "a4.mid", one_note());
  auto e = tabtest::error_of([&] {
    run_render({{"path", "midi"}, {"to", "wav"}, {"soundfont", "nowhere.sf2"}}, dir.dir.string());
  });
  CHECK_THAT(e, Catch::Contains("soundfont not found") && Catch::Contains("nowhere.sf2") &&
                    Catch::Contains("fluid-soundfont-gm"));
  e = tabtest::error_of([&] {
    run_render({{"path", "midi"}, {"to", "wav"}, {"rate", 4000}}, dir.dir.string());
  });
  CHECK_THAT(e, Catch::Contains("rate must be") && Catch::Contains("4000"));
  genre::audio::Synth how;
  how.soundfont = (dir.dir / "midi" / "a4.mid").string();  // a file, but not a soundfont
  CHECK_THAT(tabtest::error_of([&] { genre::audio::render_midi((dir.dir / "midi" / "a4.mid").string(), "a4.mid", how); }),
             Catch::Contains("cannot load the soundfont"));
}
