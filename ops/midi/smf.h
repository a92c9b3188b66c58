// A Standard MIDI File reader: bytes -> notes in seconds.
//
// Written here rather than taken from Debian's libsmf, which is unmaintained
// (last release 2010), allocates an object per event and is far slower than
// needed for corpora of 100,000+ files. This reader is one pass over the
// bytes with no allocation per event, and it is fuzzed (fuzz/midi_fuzz.cpp).
//
// Conventions (those of the mido-based reference in shared/data/midi-ref, so
// the note lists agree to 1e-6 s):
// - formats 0 and 1; tracks are merged in time order, at equal ticks the
//   earlier track first (format 2 is an error);
// - times in seconds through the tempo map (120 bpm until the first tempo
//   event; a tempo event applies from its tick on, whatever its track);
//   SMPTE divisions (24, 25, 29.97, 30 fps) use fixed seconds per tick and
//   ignore tempo events;
// - a note-on with velocity 0 is a note-off; a note-off closes the OLDEST
//   open note of its channel and pitch (FIFO); one with no open note is
//   ignored; notes still open close at the file's last event;
// - program = the channel's program at the note-on (0 before any change);
//   drum = channel index 9 (MIDI channel 10);
// - notes are ordered by (onset, channel, pitch), ties in note-on order.
// - running status carries across meta and sysex (F0/F7) events (as mido
//   reads files in the wild; SMF 1.0 says both cancel it) but not across a
//   system common message;
// - a last track cut short inside its End-of-Track event (FF 2F present, the
//   length byte missing: a file one byte short) is read, every note kept, with
//   Song::warning saying so.
//
// Damage is a DataError "<name>: byte <offset>: <what>", offsets counted
// from 0 as a hex editor shows them. An "absurd" tempo is one below 1,000 µs
// per quarter note (above 60,000 bpm: a zero or corrupt value; the 3-byte
// field cannot exceed 16.8 s per quarter, so there is no upper bound to
// check). Unknown chunk types are skipped, as the spec asks; bytes after
// the announced tracks are ignored.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace genre::midi {

struct Note {
  double onset, duration;  // seconds
  uint8_t pitch, velocity, program, channel;  // channel 0..15
  bool drum;
};

struct Song {
  std::vector<Note> notes;
  double end = 0;  // time of the last event (s)
  int format = 0;
  int tracks = 0;
  std::string warning;  // a repair made while reading (see above); "" for a sound file
};

// Parses a whole file held in memory; `name` prefixes error messages.
Song parse(std::string_view bytes, const std::string& name);

// Reads and parses a file; DataError when it cannot be read or is damaged.
Song read(const std::string& path, const std::string& name);

}  // namespace genre::midi
