// Shared by the MIDI tests: building SMF bytes by hand, reading the files of
// tests/data/midi, and running the midi_folder op.
#pragma once
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ops/midi/smf.h"
#include "runtime/core/op.h"

namespace genre {
void register_midi_folder();  // ops/midi/midi_folder.cpp
}

namespace miditest {

// "4D 54 68 64" -> the bytes.
inline std::string hex(const std::string& s) {
  std::string out;
  std::istringstream in(s);
  std::string b;
  while (in >> b) out.push_back(static_cast<char>(std::stoi(b, nullptr, 16)));
  return out;
}

inline std::string be(uint32_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A header (14 bytes) and one MTrk chunk per track (events in hex); the
// first track's events start at byte 22.
inline std::string smf(int format, uint16_t division, const std::vector<std::string>& tracks) {
  std::string out = "MThd" + be(6, 4) + be(format, 2) + be(uint32_t(tracks.size()), 2) + be(division, 2);
  for (auto& t : tracks) {
    std::string ev = hex(t);
    out += "MTrk" + be(uint32_t(ev.size()), 4) + ev;
  }
  return out;
}

inline genre::midi::Song parse(const std::string& bytes) { return genre::midi::parse(bytes, "t.mid"); }

// The DataError message of parsing `bytes`, or "" when it parses.
inline std::string damage(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const genre::DataError& e) {
    return e.what();
  }
  return "";
}

inline std::string data_dir() { return std::string(GENRE_TEST_DIR) + "/data/midi"; }

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Rows of a small CSV without quoted fields, header included.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    if (line.empty()) continue;
    std::vector<std::string> r;
    bool quoted = false;
    std::string cell;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) { r.push_back(cell); cell.clear(); }
      else cell += c;
    }
    r.push_back(cell);
    rows.push_back(std::move(r));
  }
  return rows;
}

inline const genre::OpFn& midi_folder() {
  genre::register_all();
  if (!genre::find_op("midi_folder")) genre::register_midi_folder();  // until ops/registry.cpp lists it
  auto* fn = genre::find_op("midi_folder");
  REQUIRE(fn);
  return *fn;
}

}  // namespace miditest
