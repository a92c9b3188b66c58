// The SMF reader on hand-built byte strings (expected values worked out by
// hand in the comments), on files whose notes mido gave (tests/data/midi), on
// every kind of damage, and on random mutations.
#include <cmath>
#include <random>

#include "tests/ops/midi_helpers.h"

using namespace miditest;
using genre::midi::Note;

namespace {

void check(const Note& n, double onset, double dur, int pitch, int vel, int prog, int ch) {
  INFO("pitch " << int(n.pitch) << " onset " << n.onset);
  CHECK(n.onset == Approx(onset).margin(1e-12));
  CHECK(n.duration == Approx(dur).margin(1e-12));
  CHECK(int(n.pitch) == pitch);
  CHECK(int(n.velocity) == vel);
  CHECK(int(n.program) == prog);
  CHECK(int(n.channel) == ch);
  CHECK(n.drum == (ch == 9));
}

}  // namespace

// 96 ticks per quarter at the default 120 bpm: 96 ticks = 0.5 s.
TEST_CASE("midi: running status and velocity-0 note-offs", "[midi]") {
  // tick 0: 90 3C 64 (C4 on), 40 50 (E4 on, running status); tick 48: 3C 00 (C4 off by velocity 0);
  // tick 96: 40 00 (E4 off); end of track.
  auto s = parse(smf(0, 96, {"00 90 3C 64  00 40 50  30 3C 00  30 40 00  00 FF 2F 00"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0, 0.25, 60, 100, 0, 0);
  check(s.notes[1], 0, 0.5, 64, 80, 0, 0);
  CHECK(s.end == Approx(0.5));
  CHECK(s.format == 0);
  CHECK(s.tracks == 1);
}

TEST_CASE("midi: running status carries across meta and sysex events alike, not across a system message", "[midi]") {
  // 90 3C 64; a text meta event; 3C 00 still means note-off of C4 on channel 0.
  auto s = parse(smf(0, 96, {"00 90 3C 64  60 FF 01 02 68 69  00 3C 00"}));
  REQUIRE(s.notes.size() == 1);
  check(s.notes[0], 0, 0.5, 60, 100, 0, 0);
  // The same after a sysex (it was rejected there, accepted after a meta event).
  s = parse(smf(0, 96, {"00 90 3C 64  60 F0 01 F7  00 3C 00"}));
  REQUIRE(s.notes.size() == 1);
  check(s.notes[0], 0, 0.5, 60, 100, 0, 0);
  // A system common message (song select, F3 nn) cancels it, and the message says which one (byte 27).
  CHECK(damage(smf(0, 96, {"00 90 3C 64  00 F3 01  00 3C 00"})) ==
        "t.mid: byte 30: running status without a status byte: data byte 0x3C where an event should start, and the "
        "system message at byte 27 cancelled the one before it");
  CHECK(damage(smf(0, 96, {"00 3C 00"})) ==
        "t.mid: byte 23: running status without a status byte: data byte 0x3C where an event should start, and no "
        "channel message before it to repeat");
}

TEST_CASE("midi: overlapping notes of one pitch close oldest first", "[midi]") {
  // C4 on at 0 (vel 10) and at 48 (vel 20); offs at 96 and 192; a third off is ignored.
  auto s = parse(smf(0, 96, {"00 90 3C 0A  30 3C 14  30 80 3C 00  60 3C 00  00 3C 00"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0, 0.5, 60, 10, 0, 0);     // 0 -> 96
  check(s.notes[1], 0.25, 0.75, 60, 20, 0, 0);  // 48 -> 192
  // same pitch on another channel is another voice
  s = parse(smf(0, 96, {"00 90 3C 0A  00 91 3C 14  60 80 3C 00  60 81 3C 00"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0, 0.5, 60, 10, 0, 0);
  check(s.notes[1], 0, 1.0, 60, 20, 0, 1);
}

TEST_CASE("midi: a tempo change mid-file", "[midi]") {
  // 0.5 s per quarter until tick 96, then FF 51 03 0F 42 40 = 1,000,000 µs: 1 s per quarter.
  // A note from tick 48 to 144 spans both: 0.25 s + 0.25 s + 0.5 s... = onset 0.25, off at 0.5 + 0.5 = 1.0.
  auto s = parse(smf(0, 96, {"30 90 3C 40  30 FF 51 03 0F 42 40  30 80 3C 00  60 90 3E 40  00 FF 2F 00"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0.25, 0.75, 60, 64, 0, 0);
  check(s.notes[1], 2.0, 0.0, 62, 64, 0, 0);  // tick 240 = 0.5 + 144/96; open until the last event, same tick
  CHECK(s.end == Approx(2.0));
}

TEST_CASE("midi: tempo in a conductor track applies to every track (format 1)", "[midi]") {
  // track 1: tempo 250,000 µs at tick 0; track 2: a note 0 -> 96 = 0.25 s, then one at 192 = 0.5 s.
  auto s = parse(smf(1, 96, {"00 FF 51 03 03 D0 90  00 FF 2F 00", "00 92 45 50  60 45 00  60 45 51  60 45 00"}));
  REQUIRE(s.notes.size() == 2);
  CHECK(s.format == 1);
  CHECK(s.tracks == 2);
  check(s.notes[0], 0, 0.25, 69, 80, 0, 2);
  check(s.notes[1], 0.5, 0.25, 69, 81, 0, 2);
}

TEST_CASE("midi: tracks merge by tick, the earlier track first at equal ticks", "[midi]") {
  // Track 1 turns D4 off at tick 96 on channel 0; track 2 turns it on at tick 96. Merged, the off
  // comes first and closes the note from tick 0, so the second note stays open until the end (tick 192).
  auto s = parse(smf(1, 96, {"00 90 3E 40  60 80 3E 00  60 FF 2F 00", "60 90 3E 41"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0, 0.5, 62, 64, 0, 0);
  check(s.notes[1], 0.5, 0.5, 62, 65, 0, 0);
}

TEST_CASE("midi: program changes mid-track - the program at the note-on counts", "[midi]") {
  // C0 05: program 5; note; C0 21: program 33 while the first note still sounds; another note.
  auto s = parse(smf(0, 96, {"00 C0 05  00 90 3C 40  30 C0 21  00 90 40 40  30 80 3C 00  00 40 00"}));
  REQUIRE(s.notes.size() == 2);
  check(s.notes[0], 0, 0.5, 60, 64, 5, 0);
  check(s.notes[1], 0.25, 0.25, 64, 64, 33, 0);
  // before any program change the program is 0; programs are per channel
  s = parse(smf(0, 96, {"00 C1 07  00 90 3C 40  00 91 3C 40  60 80 3C 00  00 81 3C 00"}));
  check(s.notes[0], 0, 0.5, 60, 64, 0, 0);
  check(s.notes[1], 0, 0.5, 60, 64, 7, 1);
}

TEST_CASE("midi: channel 10 (index 9) is percussion", "[midi]") {
  auto s = parse(smf(0, 96, {"00 99 24 7F  00 98 24 7F  30 89 24 00  00 88 24 00"}));
  REQUIRE(s.notes.size() == 2);
  CHECK(!s.notes[0].drum);  // channel index 8: order by channel
  CHECK(s.notes[0].channel == 8);
  CHECK(s.notes[1].drum);
  CHECK(s.notes[1].channel == 9);
}

TEST_CASE("midi: notes still open close at the file's last event - orphan offs are ignored", "[midi]") {
  // the last event is an end-of-track in track 2 at tick 384 (2 s)
  auto s = parse(smf(1, 96, {"00 80 30 00  00 90 30 40  00 FF 2F 00", "83 00 FF 2F 00"}));
  REQUIRE(s.notes.size() == 1);
  check(s.notes[0], 0, 2.0, 48, 64, 0, 0);
  CHECK(s.end == Approx(2.0));
}

TEST_CASE("midi: sysex, other meta events, controllers and unknown chunks are skipped", "[midi]") {
  std::string f = smf(0, 96, {"00 F0 03 7E 7F F7  00 F7 01 00  00 FF 03 01 41  00 B0 07 64  00 E0 00 40  00 D0 10  "
                              "00 90 3C 40  60 80 3C 00"});
  // an alien chunk between the header and the track
  f.insert(14, "XFIH" + be(3, 4) + "abc");
  auto s = parse(f);
  REQUIRE(s.notes.size() == 1);
  check(s.notes[0], 0, 0.5, 60, 64, 0, 0);
  // a track without end-of-track meta is fine, and bytes after the announced tracks are ignored
  CHECK(parse(smf(0, 96, {"00 90 3C 40  60 80 3C 00"}) + "junk").notes.size() == 1);
}

TEST_CASE("midi: SMPTE division uses fixed seconds per tick and ignores tempo", "[midi]") {
  // E7 28: -25 frames per second, 40 ticks per frame = 1000 ticks per second.
  auto s = parse(smf(0, 0xE728, {"00 FF 51 03 0F 42 40  83 74 90 3C 40  81 7A 80 3C 00"}));
  REQUIRE(s.notes.size() == 1);
  check(s.notes[0], 0.5, 0.25, 60, 64, 0, 0);  // 500 ticks, 250 ticks
  // 29 means 29.97 (30000/1001) frames per second: 2 ticks per frame -> tick 60 = 60 / 59.94 s
  s = parse(smf(0, 0xE302, {"3C 90 3C 40  00 80 3C 00"}));
  CHECK(s.notes[0].onset == Approx(60.0 * 1001.0 / 60000.0).margin(1e-12));
}

TEST_CASE("midi: the generated files give mido's notes", "[midi]") {
  // tests/data/midi/gen_midi.py wrote the files and read them back with mido 1.2.10.
  auto rows = read_csv(data_dir() + "/notes.csv");
  auto sums = read_csv(data_dir() + "/summary.csv");
  REQUIRE(sums.size() == 9);
  size_t r = 1;
  double worst = 0;
  for (size_t i = 1; i < sums.size(); ++i) {
    const std::string& name = sums[i][0];
    INFO(name);
    auto s = genre::midi::read(data_dir() + "/good/" + name, name);
    REQUIRE(s.notes.size() == std::stoul(sums[i][1]));
    CHECK(s.end == Approx(std::stod(sums[i][2])).margin(1e-8));
    for (auto& n : s.notes) {
      REQUIRE(r < rows.size());
      auto& x = rows[r++];
      REQUIRE(x[0] == name);
      INFO("row " << r);
      worst = std::max({worst, std::abs(n.onset - std::stod(x[1])), std::abs(n.duration - std::stod(x[2]))});
      CHECK(int(n.pitch) == std::stoi(x[3]));
      CHECK(int(n.velocity) == std::stoi(x[4]));
      CHECK(int(n.program) == std::stoi(x[5]));
      CHECK(int(n.channel) == std::stoi(x[6]));
      CHECK(int(n.drum) == std::stoi(x[7]));
    }
  }
  CHECK(r == rows.size());
  CHECK(worst < 1e-8);  // the CSV has 9 decimals
}

// ---- damage: every kind has its message and byte offset ----------------------

TEST_CASE("midi damage: wrong magic", "[midi]") {
  CHECK(damage("RIFF" + smf(0, 96, {"00 FF 2F 00"}).substr(4)) ==
        "t.mid: byte 0: not a MIDI file: expected 'MThd' at the start, found 'RIFF'");
  CHECK(damage(hex("00 01 02 03 04")) ==
        "t.mid: byte 0: not a MIDI file: expected 'MThd' at the start, found bytes 00 01 02 03");
  CHECK(damage("") == "t.mid: byte 0: not a MIDI file: expected 'MThd' at the start, found an empty file");
}

TEST_CASE("midi damage: truncated or bad header", "[midi]") {
  CHECK(damage("MThd" + hex("00 00 00 06 00")) ==
        "t.mid: byte 9: truncated header: a MIDI header needs 14 bytes, the file has 9");
  std::string f = smf(0, 96, {"00 FF 2F 00"});
  f[7] = 2;
  CHECK(damage(f) == "t.mid: byte 4: bad chunk length: the header chunk says 2 bytes, 6 expected");
  f[7] = 100;
  CHECK(damage(f) == "t.mid: byte 4: bad chunk length: the header chunk says 100 bytes but only 18 follow");
  CHECK(damage(smf(2, 96, {"00 FF 2F 00"})) ==
        "t.mid: byte 8: format 2 (independent sequences) is not supported; formats 0 and 1 are");
  CHECK(damage(smf(7, 96, {"00 FF 2F 00"})) == "t.mid: byte 8: unknown format 7 (0, 1 or 2 expected)");
  CHECK(damage(smf(0, 96, {})) == "t.mid: byte 10: the header announces no tracks");
  CHECK(damage(smf(0, 0, {"00 FF 2F 00"})) == "t.mid: byte 12: division of 0 ticks per quarter note");
  CHECK(damage(smf(0, 0xE028, {"00 FF 2F 00"})) ==
        "t.mid: byte 12: SMPTE division with 32 frames per second (24, 25, 29 or 30 expected)");
  CHECK(damage(smf(0, 0xE700, {"00 FF 2F 00"})) == "t.mid: byte 12: SMPTE division with 0 ticks per frame");
}

TEST_CASE("midi damage: bad chunk length", "[midi]") {
  // the track chunk (at byte 14) says 200 bytes; 4 follow
  std::string f = smf(0, 96, {"00 FF 2F 00"});
  f.replace(18, 4, be(200, 4));
  CHECK(damage(f) == "t.mid: byte 18: bad chunk length: the 'MTrk' chunk at byte 14 says 200 bytes but only 4 "
                     "follow (file truncated?)");
  // the first of two tracks says 4 bytes instead of 8: the second chunk header is read at byte 26, mid-track
  f = smf(1, 96, {"00 90 3C 40  00 FF 2F 00", "00 FF 2F 00"});
  f.replace(18, 4, be(4, 4));
  CHECK(damage(f) == "t.mid: byte 26: expected a track chunk 'MTrk', found bytes 00 FF 2F 00 (the previous "
                     "chunk's length is probably wrong)");
}

TEST_CASE("midi damage: truncated file and truncated track", "[midi]") {
  // the header announces 2 tracks, the file (30 bytes) holds 1
  std::string f = smf(1, 96, {"00 90 3C 40  00 FF 2F 00", "00 FF 2F 00"});
  CHECK(damage(f.substr(0, 30)) == "t.mid: byte 30: truncated file: the header announces 2 tracks, the file ends after 1");
  CHECK(damage(f.substr(0, 33)) == "t.mid: byte 30: truncated file: a chunk header needs 8 bytes, 3 remain");
  // events cut by the end of their chunk (chunk lengths consistent)
  CHECK(damage(smf(0, 96, {"00 90 3C"})) ==
        "t.mid: byte 23: truncated track: a channel message (status 0x90) runs past the end of the track chunk");
  CHECK(damage(smf(0, 96, {"00 90 3C 40  81"})) ==
        "t.mid: byte 26: truncated track: the delta time runs past the end of the track chunk");
  CHECK(damage(smf(0, 96, {"00 90 3C 40  00"})) ==
        "t.mid: byte 27: truncated track: a delta time at the end of the track chunk has no event after it");
  CHECK(damage(smf(0, 96, {"00 FF 01 05 41"})) ==
        "t.mid: byte 23: truncated track: a meta event of 5 bytes runs past the end of the track chunk");
  CHECK(damage(smf(0, 96, {"00 F0 05 41"})) ==
        "t.mid: byte 23: truncated track: a sysex event of 5 bytes runs past the end of the track chunk");
  CHECK(damage(smf(0, 96, {"FF FF FF FF 7F"})) ==
        "t.mid: byte 22: the delta time is longer than 4 bytes (corrupt track data)");
}

TEST_CASE("midi: a last track one byte short inside its End-of-Track is read whole, with a warning", "[midi]") {
  // Every shipped test file ends FF 2F 00; without the 00 each must give the very same notes.
  for (auto name : {"format0.mid", "format1.mid", "random3.mid"}) {
    INFO(name);
    std::string whole = slurp(data_dir() + "/good/" + name);
    REQUIRE(whole.ends_with(std::string("\xFF\x2F\x00", 3)));
    auto a = parse(whole), b = parse(whole.substr(0, whole.size() - 1));
    CHECK(a.warning.empty());
    CHECK(b.warning == "byte " + std::to_string(whole.size() - 1) +
                           ": the file ends 1 byte early, inside the last track's End-of-Track event; every note was read");
    REQUIRE(a.notes.size() == b.notes.size());
    for (size_t i = 0; i < a.notes.size(); ++i) {
      CHECK(a.notes[i].onset == b.notes[i].onset);
      CHECK(a.notes[i].duration == b.notes[i].duration);
      CHECK(a.notes[i].pitch == b.notes[i].pitch);
    }
    CHECK(a.end == b.end);
  }
  // Anything else cut short stays damage: two bytes short, or a first track of two one byte short.
  std::string f = smf(0, 96, {"00 90 3C 40  60 80 3C 00  00 FF 2F 00"});
  CHECK_THAT(damage(f.substr(0, f.size() - 2)), Catch::Contains("bad chunk length"));
  f = smf(1, 96, {"00 90 3C 40  00 FF 2F 00", "00 FF 2F 00"});
  CHECK_THAT(damage(f.substr(0, 29)), Catch::Contains("bad chunk length"));
}

TEST_CASE("midi damage: running status with no status byte", "[midi]") {
  CHECK(damage(smf(0, 96, {"00 3C 40"})) ==
        "t.mid: byte 23: running status without a status byte: data byte 0x3C where an event should start, and no "
        "channel message before it to repeat");
  // running status does not carry from one track to the next (second track's events start at byte 34)
  CHECK(damage(smf(1, 96, {"00 90 3C 40", "00 3C 00"})).find("t.mid: byte 35: running status without") == 0);
}

TEST_CASE("midi damage: absurd tempo", "[midi]") {
  CHECK(damage(smf(0, 96, {"00 FF 51 03 00 00 00"})) ==
        "t.mid: byte 23: absurd tempo: 0 µs per quarter note (at least 1000 expected, i.e. at most 60,000 bpm)");
  CHECK(damage(smf(0, 96, {"00 90 3C 40  60 FF 51 03 00 03 E7"})).find("t.mid: byte 27: absurd tempo: 999 µs") == 0);
  CHECK(damage(smf(0, 96, {"00 FF 51 03 00 03 E8"})).empty());  // 1000 µs is the least allowed
  CHECK(damage(smf(0, 96, {"00 FF 51 02 07 A1"})) == "t.mid: byte 23: a tempo event must hold 3 bytes, this one holds 2");
}

TEST_CASE("midi damage: data bytes above 127 and undefined status bytes", "[midi]") {
  CHECK(damage(smf(0, 96, {"00 90 3C 90"})) ==
        "t.mid: byte 25: data byte 0x90 is above 127 in a message with status 0x90 (a byte is missing or the track "
        "is corrupt)");
  CHECK(damage(smf(0, 96, {"00 F4"})) == "t.mid: byte 23: undefined status byte 0xF4");
}

TEST_CASE("midi damage: files that cannot be read", "[midi]") {
  try {
    genre::midi::read(data_dir() + "/no-such.mid", "no-such.mid");
    FAIL("no error");
  } catch (const genre::DataError& e) {
    CHECK(std::string(e.what()) == "no-such.mid: cannot open: No such file or directory");
  }
}

// Random damage to the good files: the reader returns or throws DataError, nothing else.
TEST_CASE("midi: 20,000 random mutations only ever parse or give a DataError", "[midi]") {
  std::vector<std::string> seeds;
  for (auto& e : std::filesystem::directory_iterator(data_dir() + "/good")) seeds.push_back(slurp(e.path().string()));
  REQUIRE(seeds.size() == 8);
  std::mt19937_64 rng(42);
  auto pick = [&](size_t n) { return n ? size_t(rng() % n) : size_t(0); };
  size_t parsed = 0, errors = 0;
  // No time limit here (a timed unit test fails on a loaded or sanitized machine): a hang is
  // fuzz/midi_fuzz.cpp's to find, with libFuzzer's -timeout.
  for (int i = 0; i < 20000; ++i) {
    std::string b = seeds[pick(seeds.size())];
    int edits = 1 + int(pick(4));
    for (int k = 0; k < edits && !b.empty(); ++k) {
      switch (pick(6)) {
        case 0: b[pick(b.size())] = char(rng()); break;                              // overwrite a byte
        case 1: b[pick(b.size())] ^= char(1 << pick(8)); break;                      // flip a bit
        case 2: b.erase(pick(b.size()), 1 + pick(8)); break;                         // delete bytes
        case 3: b.insert(pick(b.size()), std::string(1 + pick(4), char(rng()))); break;  // insert bytes
        case 4: b.resize(pick(b.size())); break;                                     // truncate
        case 5: {  // a chunk length or VLQ-like byte set to something large
          size_t at = pick(b.size());
          for (size_t j = at; j < std::min(b.size(), at + 4); ++j) b[j] = char(0x80 | rng());
          break;
        }
      }
    }
    try {
      genre::midi::parse(b, "m.mid");
      ++parsed;
    } catch (const genre::DataError& e) {
      ++errors;
      REQUIRE(std::string(e.what()).rfind("m.mid: byte ", 0) == 0);
    }
  }
  CHECK(parsed + errors == 20000);
  CHECK(parsed > 100);  // mutations also leave many files readable
  CHECK(errors > 1000);
}
