// The SMF reader (see smf.h for its conventions). One pass per track chunk
// collects the few events that matter (notes, programs, tempos) with their
// absolute ticks; tracks are then merged in time order and walked once to
// turn ticks into seconds and pair note-ons with note-offs.
#include "ops/midi/smf.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <sys/stat.h>

#include "runtime/core/value.h"

namespace genre::midi {

namespace {

enum Kind : uint8_t { NoteOn, NoteOff, Program, Tempo };

struct Event {
  uint64_t tick;
  uint32_t tempo;  // Tempo: µs per quarter note
  uint8_t kind, channel, a, b;  // a = pitch or program, b = velocity
};

constexpr uint32_t min_tempo = 1000;  // µs per quarter; below is "absurd" (see smf.h)

std::string hex(uint8_t c) {
  static const char d[] = "0123456789ABCDEF";
  return std::string("0x") + d[c >> 4] + d[c & 15];
}

// Four bytes as text when printable ('MTrk'), else as hex.
std::string tag_text(const uint8_t* p, size_t n) {
  bool printable = true;
  for (size_t i = 0; i < n; ++i) printable = printable && p[i] >= 0x20 && p[i] < 0x7F;
  std::string s;
  if (printable) return "'" + std::string(reinterpret_cast<const char*>(p), n) + "'";
  for (size_t i = 0; i < n; ++i) s += (i ? " " : "") + hex(p[i]).substr(2);
  return "bytes " + s;
}

struct Reader {
  const uint8_t* b;
  size_t n;
  const std::string& name;

  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw DataError(name + ": byte " + std::to_string(at) + ": " + what);
  }
  uint32_t be32(size_t at) const {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
  }
  uint16_t be16(size_t at) const { return uint16_t(b[at] << 8 | b[at + 1]); }

  // A variable-length number (at most 4 bytes) inside [pos, end).
  uint32_t vlq(size_t& pos, size_t end, const char* what) const {
    size_t start = pos;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos >= end) fail(start, std::string("truncated track: the ") + what + " runs past the end of the track chunk");
      uint8_t c = b[pos++];
      v = v << 7 | (c & 0x7F);
      if (c < 0x80) return v;
    }
    fail(start, std::string("the ") + what + " is longer than 4 bytes (corrupt track data)");
  }

  // One MTrk chunk's data [pos, end): its events appended to `out`; returns
  // the tick of its last event.
  // `cut`: the chunk runs past the end of the file and `end` is the file's end;
  // an End-of-Track event missing its length byte there ends the track.
  uint64_t track(size_t pos, size_t end, std::vector<Event>& out, bool cut = false) const {
    uint64_t tick = 0;
    // Running status: the last channel message's status byte, repeated by a data
    // byte where an event should start. Meta and SysEx events keep it (SMF 1.0
    // says both cancel it, but files in the wild repeat it across them, and
    // mido reads them so); a system common message, never meant for files, does.
    uint8_t status = 0;  // 0 = none
    size_t cancelled_at = 0;  // where a system message cancelled it; 0 = it never was
    while (pos < end) {
      tick += vlq(pos, end, "delta time");
      if (pos >= end) fail(pos, "truncated track: a delta time at the end of the track chunk has no event after it");
      size_t at = pos;
      uint8_t c = b[pos];
      if (c >= 0x80) {
        ++pos;
      } else {
        if (!status)
          fail(at, "running status without a status byte: data byte " + hex(c) + " where an event should start, " +
                       (cancelled_at ? "and the system message at byte " + std::to_string(cancelled_at) +
                                           " cancelled the one before it"
                                     : std::string("and no channel message before it to repeat")));
        c = status;
      }
      if (c == 0xFF) {  // meta event: type, length, data; running status is kept
        if (pos >= end) fail(at, "truncated track: a meta event runs past the end of the track chunk");
        uint8_t type = b[pos++];
        if (cut && type == 0x2F && pos == end) return tick;
        uint32_t len = vlq(pos, end, "meta event length");
        if (len > end - pos) fail(at, "truncated track: a meta event of " + std::to_string(len) +
                                          " bytes runs past the end of the track chunk");
        if (type == 0x51) {
          if (len != 3) fail(at, "a tempo event must hold 3 bytes, this one holds " + std::to_string(len));
          uint32_t t = uint32_t(b[pos]) << 16 | uint32_t(b[pos + 1]) << 8 | b[pos + 2];
          if (t < min_tempo)
            fail(at, "absurd tempo: " + std::to_string(t) + " µs per quarter note (at least " +
                         std::to_string(min_tempo) + " expected, i.e. at most 60,000 bpm)");
          out.push_back({tick, t, Tempo, 0, 0, 0});
        }
        pos += len;
      } else if (c == 0xF0 || c == 0xF7) {  // sysex: length, data; skipped
        uint32_t len = vlq(pos, end, "sysex length");
        if (len > end - pos) fail(at, "truncated track: a sysex event of " + std::to_string(len) +
                                          " bytes runs past the end of the track chunk");
        pos += len;
      } else if (c >= 0xF0) {  // system common / real-time: not meant for files, skipped by length
        size_t len = c == 0xF2 ? 2 : (c == 0xF1 || c == 0xF3) ? 1 : 0;
        if (c == 0xF4 || c == 0xF5 || c == 0xF9 || c == 0xFD) fail(at, "undefined status byte " + hex(c));
        if (len > end - pos) fail(at, "truncated track: a system message runs past the end of the track chunk");
        pos += len;
        status = 0;
        cancelled_at = at;
      } else {  // channel message
        status = c;
        uint8_t hi = c & 0xF0, ch = c & 0x0F;
        size_t len = (hi == 0xC0 || hi == 0xD0) ? 1 : 2;
        if (len > end - pos)
          fail(at, "truncated track: a channel message (status " + hex(c) + ") runs past the end of the track chunk");
        for (size_t i = 0; i < len; ++i)
          if (b[pos + i] >= 0x80)
            fail(pos + i, "data byte " + hex(b[pos + i]) + " is above 127 in a message with status " + hex(c) +
                              " (a byte is missing or the track is corrupt)");
        uint8_t a = b[pos], v = len == 2 ? b[pos + 1] : 0;
        pos += len;
        if (hi == 0x90 && v > 0) out.push_back({tick, 0, NoteOn, ch, a, v});
        else if (hi == 0x80 || hi == 0x90) out.push_back({tick, 0, NoteOff, ch, a, 0});
        else if (hi == 0xC0) out.push_back({tick, 0, Program, ch, a, 0});
      }
    }
    return tick;
  }
};

}  // namespace

Song parse(std::string_view bytes, const std::string& name) {
  Reader r{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name};
  const uint8_t* b = r.b;
  size_t n = r.n;
  if (n < 4 || std::memcmp(b, "MThd", 4) != 0)
    r.fail(0, "not a MIDI file: expected 'MThd' at the start, found " +
                  (n == 0 ? std::string("an empty file") : tag_text(b, std::min<size_t>(n, 4))));
  if (n < 14) r.fail(n, "truncated header: a MIDI header needs 14 bytes, the file has " + std::to_string(n));
  uint32_t hlen = r.be32(4);
  if (hlen < 6) r.fail(4, "bad chunk length: the header chunk says " + std::to_string(hlen) + " bytes, 6 expected");
  if (hlen > n - 8)
    r.fail(4, "bad chunk length: the header chunk says " + std::to_string(hlen) + " bytes but only " +
                  std::to_string(n - 8) + " follow");
  Song song;
  song.format = r.be16(8);
  int ntracks = r.be16(10);
  uint16_t division = r.be16(12);
  if (song.format == 2) r.fail(8, "format 2 (independent sequences) is not supported; formats 0 and 1 are");
  if (song.format > 2) r.fail(8, "unknown format " + std::to_string(song.format) + " (0, 1 or 2 expected)");
  if (ntracks == 0) r.fail(10, "the header announces no tracks");
  // Seconds per tick: from the tempo (ticks per quarter) or fixed (SMPTE).
  double tpq = 0, smpte_spt = 0;
  if (division & 0x8000) {
    int fps = -static_cast<int8_t>(division >> 8), tpf = division & 0xFF;
    if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
      r.fail(12, "SMPTE division with " + std::to_string(fps) + " frames per second (24, 25, 29 or 30 expected)");
    if (tpf == 0) r.fail(12, "SMPTE division with 0 ticks per frame");
    smpte_spt = 1.0 / ((fps == 29 ? 30000.0 / 1001.0 : fps) * tpf);
  } else {
    if (division == 0) r.fail(12, "division of 0 ticks per quarter note");
    tpq = division;
  }

  // Track chunks, their events appended one track after the other.
  std::vector<Event> ev;
  ev.reserve(n / 4);  // events take 3 to 4 bytes in typical files
  uint64_t end_tick = 0;
  size_t pos = 8 + hlen;
  while (song.tracks < ntracks) {
    if (pos >= n)
      r.fail(pos, "truncated file: the header announces " + std::to_string(ntracks) + " tracks, the file ends after " +
                      std::to_string(song.tracks));
    if (n - pos < 8) r.fail(pos, "truncated file: a chunk header needs 8 bytes, " + std::to_string(n - pos) + " remain");
    uint32_t len = r.be32(pos + 4);
    bool mtrk = std::memcmp(b + pos, "MTrk", 4) == 0;
    if (!mtrk) {
      bool alien = true;  // a well-formed unknown chunk has a printable type
      for (int i = 0; i < 4; ++i) alien = alien && b[pos + i] >= 0x20 && b[pos + i] < 0x7F;
      if (!alien)
        r.fail(pos, "expected a track chunk 'MTrk', found " + tag_text(b + pos, 4) +
                        " (the previous chunk's length is probably wrong)");
    }
    if (len > n - pos - 8) {
      // The last track one byte short, inside its End-of-Track event: nothing
      // is lost, so read it and say so (track() fails if it is anything else).
      if (mtrk && len - (n - pos - 8) == 1 && song.tracks + 1 == ntracks && n - pos - 8 >= 2 && b[n - 2] == 0xFF &&
          b[n - 1] == 0x2F) {
        end_tick = std::max(end_tick, r.track(pos + 8, n, ev, /*cut=*/true));
        ++song.tracks;
        song.warning = "byte " + std::to_string(n) + ": the file ends 1 byte early, inside the last track's " +
                       "End-of-Track event; every note was read";
        break;
      }
      r.fail(pos + 4, "bad chunk length: the " + tag_text(b + pos, 4) + " chunk at byte " + std::to_string(pos) +
                          " says " + std::to_string(len) + " bytes but only " + std::to_string(n - pos - 8) +
                          " follow (file truncated?)");
    }
    if (mtrk) {
      end_tick = std::max(end_tick, r.track(pos + 8, pos + 8 + len, ev));
      ++song.tracks;
    }
    pos += 8 + size_t(len);
  }

  // Merge tracks by tick; a stable sort keeps the earlier track first at equal ticks.
  if (song.tracks > 1)
    std::stable_sort(ev.begin(), ev.end(), [](const Event& x, const Event& y) { return x.tick < y.tick; });

  // Walk the events in time order: seconds = seconds at the last tempo change
  // + ticks since then x seconds per tick.
  double spt = smpte_spt ? smpte_spt : 500000e-6 / tpq;
  uint64_t seg_tick = 0;
  double seg_sec = 0;
  auto seconds = [&](uint64_t t) { return seg_sec + double(t - seg_tick) * spt; };
  // Open notes per (channel, pitch), oldest first: a linked list through `next`.
  int32_t head[16 * 128], tail[16 * 128];
  std::fill(std::begin(head), std::end(head), -1);
  std::fill(std::begin(tail), std::end(tail), -1);
  std::vector<int32_t> next;
  uint8_t program[16] = {};
  auto& notes = song.notes;
  for (const Event& e : ev) {
    switch (e.kind) {
      case Tempo:
        if (!smpte_spt) {
          seg_sec = seconds(e.tick);
          seg_tick = e.tick;
          spt = e.tempo * 1e-6 / tpq;
        }
        break;
      case Program:
        program[e.channel] = e.a;
        break;
      case NoteOn: {
        int k = e.channel * 128 + e.a;
        int32_t i = static_cast<int32_t>(notes.size());
        notes.push_back({seconds(e.tick), 0, e.a, e.b, program[e.channel], e.channel, e.channel == 9});
        next.push_back(-1);
        if (tail[k] >= 0) next[tail[k]] = i;
        else head[k] = i;
        tail[k] = i;
        break;
      }
      case NoteOff: {
        int k = e.channel * 128 + e.a;
        int32_t i = head[k];
        if (i < 0) break;
        notes[i].duration = seconds(e.tick) - notes[i].onset;
        head[k] = next[i];
        if (head[k] < 0) tail[k] = -1;
        break;
      }
    }
  }
  song.end = seconds(end_tick);
  for (int k = 0; k < 16 * 128; ++k)
    for (int32_t i = head[k]; i >= 0; i = next[i]) notes[i].duration = song.end - notes[i].onset;
  // Notes are in note-on order, hence by onset; order ties by channel, pitch.
  std::stable_sort(notes.begin(), notes.end(), [](const Note& x, const Note& y) {
    if (x.onset != y.onset) return x.onset < y.onset;
    if (x.channel != y.channel) return x.channel < y.channel;
    return x.pitch < y.pitch;
  });
  return song;
}

Song read(const std::string& path, const std::string& name) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw DataError(name + ": cannot open: " + std::strerror(errno));
  std::string bytes;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) bytes.resize(size_t(st.st_size));
  size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
  bytes.resize(got);
  char buf[1 << 14];  // the rest, if the file grew or its size is unknown
  for (size_t k; (k = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, k);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) throw DataError(name + ": cannot read: " + std::strerror(err));
  return parse(bytes, name);
}

}  // namespace genre::midi
