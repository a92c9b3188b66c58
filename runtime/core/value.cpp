// The binary form of a Value, as the cache stores it.
//
//   "GNRV" u8 version u8 tag body
//   tag 0 table: varint ncols, str label, str source, then per column:
//                str name, u8 kind, then by kind:
//                1 numeric: varint n, n little-endian doubles in one block (NaN kept bit for bit)
//                0 text: varint n, n strs, varint m, m present bytes
//                2 sequence: varint dims, varint n, n x (varint k, k floats), varint m, m present bytes
//                3 whole numbers (version 2): varint n, zigzag varint base, u8 width (1, 2 or 4),
//                  n little-endian unsigned offsets from base; the width's top code is missing
//                4 text in runs (version 2): varint n, strs distinct values, then runs of equal
//                  rows up to n: varint value index, varint length; then present flags in runs:
//                  u8 first flag, runs up to n: varint length (the flag alternates)
//                The writer picks 3 and 4 where they are smaller: a note table's pitch, velocity,
//                program and channel take a byte a row, its file and label a few bytes a song.
//   tag 1 split: varint nparts, then per part: str name, table body
//   tag 2 model: str kind, strs classes, strs features, bytes cbor(spec),
//                bytes state, bytes cbor(info)
//   tag 3 json:  bytes cbor
//   tag 4 table in row groups (version 2): per group u64 body bytes, u64 rows, table body;
//                then u64 0. Read as one table here; runtime/core/row_groups.h reads a group
//                at a time. Each group's first column in runs is bounded by its own bytes.
//   str/bytes = varint length + raw bytes; varint = LEB128 (7 bits a byte).
//
// The reader checks every length against what is left, so damaged bytes
// throw "corrupt value: ..." instead of reading past the end.
#include <bit>
#include <cstring>
#include <stdexcept>

#include "runtime/core/value.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>

#include "runtime/core/model_check.h"
#include "runtime/core/row_groups.h"

namespace genre {

namespace {

constexpr char magic[4] = {'G', 'N', 'R', 'V'};
constexpr uint8_t version = 2;  // 1: kinds 0-2 only; still read

// A table's first column, when in runs, may hold this many rows more than 1024 per byte of the
// whole value, no more; every later column must have the first one's rows, checked before
// anything is allocated. So damaged lengths cannot make a few bytes ask for gigabytes of rows
// (the writer keeps to the same rule).
constexpr uint64_t run_rows_free = 1 << 20;
constexpr uint64_t run_rows_per_byte = 1024;

bool is_canonical_missing(double v) {
  return std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(missing);
}
enum Tag : uint8_t { TableTag = 0, SplitTag = 1, ModelTag = 2, JsonTag = 3, GroupsTag = 4 };

[[noreturn]] void corrupt(const std::string& what) {
  throw std::runtime_error("corrupt value: " + what);
}

struct Writer {
  std::string out;

  void byte(uint8_t b) { out.push_back(char(b)); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      byte(uint8_t(v) | 0x80);
      v >>= 7;
    }
    byte(uint8_t(v));
  }
  void bytes(std::string_view s) {
    varint(s.size());
    out.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    varint(v.size());
    for (auto& s : v) bytes(s);
  }
  void doubles(const std::vector<double>& v) {
    varint(v.size());
    size_t at = out.size();
    out.resize(at + v.size() * 8);
    if constexpr (std::endian::native == std::endian::little) {
      if (!v.empty()) std::memcpy(out.data() + at, v.data(), v.size() * 8);
    } else {
      for (double d : v) {
        uint64_t u = std::bit_cast<uint64_t>(d);
        for (int i = 0; i < 8; ++i) out[at++] = char(u >> (8 * i));
      }
    }
  }
  void floats(const std::vector<float>& v) {
    varint(v.size());
    size_t at = out.size();
    out.resize(at + v.size() * 4);
    if constexpr (std::endian::native == std::endian::little) {
      if (!v.empty()) std::memcpy(out.data() + at, v.data(), v.size() * 4);
    } else {
      for (float f : v) {
        uint32_t u = std::bit_cast<uint32_t>(f);
        for (int i = 0; i < 4; ++i) out[at++] = char(u >> (8 * i));
      }
    }
  }
  void cbor(const json& j) {
    auto c = json::to_cbor(j);
    bytes(std::string_view(reinterpret_cast<const char*>(c.data()), c.size()));
  }

  // Kind 3, when every value is a whole number (or the missing NaN) in a range that fits 4 bytes.
  bool whole_numbers(const std::vector<double>& v) {
    if (v.empty()) return false;
    double lo = INFINITY, hi = -INFINITY;
    bool gaps = false;
    for (double d : v) {
      if (is_canonical_missing(d)) {
        gaps = true;
        continue;
      }
      // -0.0 and 2^53 and beyond would not come back bit for bit.
      if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != std::trunc(d) || (d == 0 && std::signbit(d)))
        return false;
      lo = std::min(lo, d), hi = std::max(hi, d);
    }
    if (lo > hi) lo = hi = 0;  // every value missing
    double span = hi - lo + (gaps ? 1 : 0);
    // Offsets 0 .. top - 1; the top code of the width is missing.
    int width = span < 0xFF ? 1 : span < 0xFFFF ? 2 : span < 0xFFFFFFFFu ? 4 : 0;
    if (!width) return false;
    byte(3);
    varint(v.size());
    auto base = static_cast<int64_t>(lo);
    varint((static_cast<uint64_t>(base) << 1) ^ static_cast<uint64_t>(base >> 63));
    byte(uint8_t(width));
    uint64_t top = (uint64_t(1) << (8 * width)) - 1;
    size_t at = out.size();
    out.resize(at + v.size() * size_t(width));
    for (double d : v) {
      uint64_t u = is_canonical_missing(d) ? top : uint64_t(static_cast<int64_t>(d) - base);
      for (int i = 0; i < width; ++i) out[at++] = char(u >> (8 * i));
    }
    return true;
  }

  // Kind 4, when rows repeat in runs (a note table's file, label and error): at most one run per
  // 4 rows, and within the rows-per-byte rule the reader holds to.
  bool text_runs(const Column& c, bool first) {
    size_t n = c.text.size();
    if (n < 8) return false;
    size_t runs = 1;
    for (size_t i = 1; i < n; ++i) runs += c.text[i] != c.text[i - 1];
    if (runs * 4 > n) return false;
    Writer w;
    w.varint(n);
    std::vector<std::string> distinct;
    std::unordered_map<std::string_view, uint64_t> index;
    std::vector<std::pair<uint64_t, uint64_t>> spans;  // value, length
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && c.text[j] == c.text[i]) ++j;
      auto [it, fresh] = index.try_emplace(c.text[i], distinct.size());
      if (fresh) distinct.push_back(c.text[i]);
      spans.push_back({it->second, j - i});
      i = j;
    }
    w.strs(distinct);
    for (auto& [value, length] : spans) w.varint(value), w.varint(length);
    w.byte(c.present[0] != 0);
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && (c.present[j] != 0) == (c.present[i] != 0)) ++j;
      w.varint(j - i);
      i = j;
    }
    if (first && n > run_rows_free + run_rows_per_byte * (out.size() + w.out.size())) return false;
    byte(4);
    out.append(w.out);
    return true;
  }

  void table(const Table& t) {
    varint(t.cols.size());
    bytes(t.label);
    bytes(t.source);
    for (auto& c : t.cols) {
      bytes(c.name);
      if (c.numeric && whole_numbers(c.num)) continue;
      if (c.is_text() && c.present.size() == c.text.size() && text_runs(c, &c == &t.cols[0])) continue;
      byte(c.numeric ? 1 : c.is_sequence() ? 2 : 0);
      if (c.numeric) {
        doubles(c.num);
      } else if (c.is_sequence()) {
        varint(c.seq_dims);
        varint(c.seq.size());
        for (auto& row : c.seq) floats(row);
        varint(c.present.size());
        out.append(reinterpret_cast<const char*>(c.present.data()), c.present.size());
      } else {
        strs(c.text);
        varint(c.present.size());
        out.append(reinterpret_cast<const char*>(c.present.data()), c.present.size());
      }
    }
  }
};

struct Reader {
  std::string_view in;
  size_t at = 0;
  uint8_t ver = version;
  // Where each row's floats of the sequence column `spans_of` start in `in` (deserialize_group).
  const std::string* spans_of = nullptr;
  std::vector<uint64_t>* spans = nullptr;

  size_t left() const { return in.size() - at; }
  void need(uint64_t n, const char* what) {
    if (n > left())
      corrupt(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
              std::to_string(at) + ", only " + std::to_string(left()) + " left");
  }
  uint8_t byte(const char* what) {
    need(1, what);
    return uint8_t(in[at++]);
  }
  uint64_t varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte(what);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt(std::string(what) + ": length too long at offset " + std::to_string(at));
  }
  // A count of items that each take at least `min_size` bytes: bounded by what is left,
  // so a damaged count cannot make us reserve gigabytes.
  size_t count(const char* what, size_t min_size) {
    uint64_t n = varint(what);
    if (min_size > 0 && n > left() / min_size)
      corrupt(std::string(what) + " count " + std::to_string(n) + " exceeds the " +
              std::to_string(left()) + " bytes left");
    return size_t(n);
  }
  std::string_view raw(uint64_t n, const char* what) {
    need(n, what);
    auto s = in.substr(at, n);
    at += n;
    return s;
  }
  std::string bytes(const char* what) { return std::string(raw(varint(what), what)); }
  uint64_t u64(const char* what) {
    auto b = raw(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(b[size_t(i)])) << (8 * i);
    return v;
  }
  std::vector<std::string> strs(const char* what) {
    std::vector<std::string> v(count(what, 1));
    for (auto& s : v) s = bytes(what);
    return v;
  }
  std::vector<double> doubles(const char* what) {
    size_t n = count(what, 8);
    auto block = raw(uint64_t(n) * 8, what);
    std::vector<double> v(n);
    if constexpr (std::endian::native == std::endian::little) {
      if (n) std::memcpy(v.data(), block.data(), n * 8);
    } else {
      for (size_t k = 0; k < n; ++k) {
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u |= uint64_t(uint8_t(block[k * 8 + i])) << (8 * i);
        v[k] = std::bit_cast<double>(u);
      }
    }
    return v;
  }
  std::vector<float> floats(const char* what) {
    size_t n = count(what, 4);
    auto block = raw(uint64_t(n) * 4, what);
    std::vector<float> v(n);
    if constexpr (std::endian::native == std::endian::little) {
      if (n) std::memcpy(v.data(), block.data(), n * 4);
    } else {
      for (size_t k = 0; k < n; ++k) {
        uint32_t u = 0;
        for (int i = 0; i < 4; ++i) u |= uint32_t(uint8_t(block[k * 4 + i])) << (8 * i);
        v[k] = std::bit_cast<float>(u);
      }
    }
    return v;
  }
  json cbor(const char* what) {
    auto b = raw(varint(what), what);
    try {
      return json::from_cbor(b.begin(), b.end());
    } catch (const json::exception& e) {
      corrupt(std::string(what) + ": " + e.what());
    }
  }

  std::vector<double> whole_numbers(const std::string& name) {
    uint64_t n = varint("whole-number count");
    uint64_t z = varint("whole-number base");
    auto base = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
    uint8_t width = byte("whole-number width");
    if (width != 1 && width != 2 && width != 4) corrupt("column \"" + name + "\" has whole numbers " + std::to_string(width) + " bytes wide");
    if (n > left() / width) corrupt("column \"" + name + "\": " + std::to_string(n) + " whole numbers exceed the " + std::to_string(left()) + " bytes left");
    auto block = raw(n * width, "whole numbers");
    uint64_t top = (uint64_t(1) << (8 * width)) - 1;
    std::vector<double> v(n);
    for (size_t k = 0; k < n; ++k) {
      uint64_t u = 0;
      for (int i = 0; i < width; ++i) u |= uint64_t(uint8_t(block[k * width + i])) << (8 * i);
      v[k] = u == top ? missing : static_cast<double>(base + static_cast<int64_t>(u));
    }
    return v;
  }

  void text_runs(Column& c, const Column* first) {
    uint64_t n = varint("text rows");
    if (first && n != first->size())
      corrupt("column \"" + c.name + "\" has " + std::to_string(n) + " rows, column \"" + first->name + "\" " +
              std::to_string(first->size()));
    if (!first && n > run_rows_free + run_rows_per_byte * in.size())
      corrupt("column \"" + c.name + "\": " + std::to_string(n) + " rows in runs from a value of " +
              std::to_string(in.size()) + " bytes");
    auto distinct = strs("text values");
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (uint64_t rows = 0; rows < n;) {
      uint64_t value = varint("text run value"), length = varint("text run length");
      if (value >= distinct.size() || length == 0 || length > n - rows)
        corrupt("column \"" + c.name + "\": a run of " + std::to_string(length) + " rows of value " +
                std::to_string(value) + " (of " + std::to_string(distinct.size()) + ") after " + std::to_string(rows) + " of " +
                std::to_string(n) + " rows");
      spans.push_back({value, length});
      rows += length;
    }
    uint8_t flag = byte("present flags") != 0;
    std::vector<uint64_t> flag_spans;
    for (uint64_t rows = 0; rows < n;) {
      uint64_t length = varint("present run length");
      if (length == 0 || length > n - rows) corrupt("column \"" + c.name + "\": a run of " + std::to_string(length) + " present flags after " + std::to_string(rows) + " of " + std::to_string(n));
      flag_spans.push_back(length);
      rows += length;
    }
    c.text.reserve(n);
    for (auto& [value, length] : spans) c.text.insert(c.text.end(), length, distinct[value]);
    c.present.reserve(n);
    for (uint64_t length : flag_spans) c.present.insert(c.present.end(), length, flag), flag ^= 1;
  }

  Table table() {
    Table t;
    // Each column takes at least 3 bytes (name length, flag, row count).
    t.cols.resize(count("column count", 3));
    t.label = bytes("table label");
    t.source = bytes("table source");
    for (auto& c : t.cols) {
      c.name = bytes("column name");
      uint8_t flag = byte("column kind");
      if (flag > (ver >= 2 ? 4 : 2)) corrupt("column \"" + c.name + "\" has kind " + std::to_string(flag));
      c.numeric = flag == 1 || flag == 3;
      if (flag == 3) {
        c.num = whole_numbers(c.name);
      } else if (flag == 4) {
        text_runs(c, &c == &t.cols[0] ? nullptr : &t.cols[0]);
      } else if (c.numeric) {
        c.num = doubles("numeric column");
      } else if (flag == 2) {
        uint64_t dims = varint("sequence dims");
        if (dims == 0 || dims > UINT32_MAX) corrupt("sequence column \"" + c.name + "\" has " + std::to_string(dims) + " dims");
        c.seq_dims = static_cast<uint32_t>(dims);
        c.seq.resize(count("sequence rows", 1));
        bool record = spans && *spans_of == c.name;
        for (auto& row : c.seq) {
          if (record) {  // the floats start after the row's count
            size_t mark = at;
            varint("sequence row");
            spans->push_back(at);
            at = mark;
          }
          row = floats("sequence row");
          if (row.size() % c.seq_dims) corrupt("sequence row of \"" + c.name + "\" is not whole steps");
        }
        auto p = raw(count("present flags", 1), "present flags");
        c.present.assign(p.begin(), p.end());
      } else {
        c.text = strs("text column");
        auto p = raw(count("present flags", 1), "present flags");
        c.present.assign(p.begin(), p.end());
      }
    }
    // Ops index every column by row and present flags by row: a table whose
    // columns disagree would be read out of bounds, so it is damage.
    for (auto& c : t.cols) {
      if (c.size() != t.cols[0].size())
        corrupt("column \"" + c.name + "\" has " + std::to_string(c.size()) + " rows, column \"" + t.cols[0].name +
                "\" " + std::to_string(t.cols[0].size()));
      if (!c.numeric && c.present.size() != c.size())
        corrupt("column \"" + c.name + "\" has " + std::to_string(c.present.size()) + " present flags for " +
                std::to_string(c.size()) + " rows");
    }
    if (!t.label.empty() && !t.find(t.label)) corrupt("the label column \"" + t.label + "\" is not in the table");
    return t;
  }
};

}  // namespace

const char* kind_name(const Value& v) {
  switch (v.index()) {
    case 0: return "table";
    case 1: return "split";
    case 2: return "model";
    default: return "json";
  }
}

// About the bytes a table takes serialized (a little over): reserving it once
// keeps a large table from being copied as the buffer doubles.
size_t size_hint(const Table& t) {
  size_t n = 64 + t.label.size() + t.source.size();
  for (auto& c : t.cols) {
    n += 16 + c.name.size() + c.num.size() * 8 + c.present.size();
    for (auto& s : c.text) n += s.size() + 10;
    for (auto& r : c.seq) n += r.size() * 4 + 10;
  }
  return n;
}

std::string serialize(const Value& v) {
  if (auto* t = std::get_if<Table>(&v); t && t->stored) return serialize(Value(whole(*t)));
  Writer w;
  if (auto* t = std::get_if<Table>(&v)) w.out.reserve(size_hint(*t));
  if (auto* s = std::get_if<Split>(&v)) {
    size_t n = 64;
    for (auto& [name, t] : s->parts) n += size_hint(t) + name.size();
    w.out.reserve(n);
  }
  w.out.append(magic, 4);
  w.byte(version);
  if (auto* t = std::get_if<Table>(&v)) {
    w.byte(TableTag);
    w.table(*t);
  } else if (auto* s = std::get_if<Split>(&v)) {
    w.byte(SplitTag);
    w.varint(s->parts.size());
    for (auto& [name, t] : s->parts) {
      w.bytes(name);
      w.table(t);
    }
  } else if (auto* m = std::get_if<Model>(&v)) {
    w.byte(ModelTag);
    w.bytes(m->kind);
    w.strs(m->classes);
    w.strs(m->features);
    w.cbor(m->spec);
    w.bytes(m->state);
    w.cbor(m->info);
  } else {
    w.byte(JsonTag);
    w.cbor(std::get<json>(v));
  }
  return std::move(w.out);
}

Value deserialize(std::string_view bytes) {
  Reader r{bytes};
  if (r.left() < 6 || std::memcmp(bytes.data(), magic, 4) != 0) corrupt("not a genre value (bad magic)");
  r.at = 4;
  uint8_t ver = r.ver = r.byte("version");
  if (ver < 1 || ver > version)
    corrupt("format version " + std::to_string(ver) + ", this genre reads versions 1 to " + std::to_string(version));
  uint8_t tag = r.byte("tag");
  Value v;
  switch (tag) {
    case TableTag: v = r.table(); break;
    case SplitTag: {
      Split s;
      s.parts.resize(r.count("part count", 4));
      for (auto& [name, t] : s.parts) {
        name = r.bytes("part name");
        t = r.table();
      }
      v = std::move(s);
      break;
    }
    case ModelTag: {
      Model m;
      m.kind = r.bytes("model kind");
      m.classes = r.strs("model classes");
      m.features = r.strs("model features");
      m.spec = r.cbor("model spec");
      m.state = r.bytes("model state");
      m.info = r.cbor("model info");
      v = std::move(m);
      break;
    }
    case JsonTag: v = r.cbor("json"); break;
    case GroupsTag: {
      if (ver < 2) corrupt("row groups in a version 1 value");
      Table t;
      for (size_t k = 0;; ++k) {
        uint64_t size = r.u64("row group size");
        if (size == 0) break;
        uint64_t rows = r.u64("row group rows");
        Reader g{r.raw(size, "row group")};
        Table group = g.table();
        if (g.left() != 0) corrupt("row group " + std::to_string(k) + " has " + std::to_string(g.left()) + " trailing bytes");
        if (group.rows() != rows)
          corrupt("row group " + std::to_string(k) + " says " + std::to_string(rows) + " rows, holds " + std::to_string(group.rows()));
        if (k == 0) t = std::move(group);
        else try {
            append_rows(t, std::move(group));
          } catch (const std::exception& e) {
            corrupt("row group " + std::to_string(k) + ": " + e.what());
          }
      }
      v = std::move(t);
      break;
    }
    default: corrupt("unknown tag " + std::to_string(tag));
  }
  if (r.left() != 0) corrupt(std::to_string(r.left()) + " trailing bytes after the " + kind_name(v));
  if (auto* m = std::get_if<Model>(&v)) try {
      check_model(*m);
    } catch (const std::exception& e) {
      corrupt(std::string("the ") + m->kind + " model's state: " + e.what());
    }
  return v;
}

std::string groups_header() {
  std::string h(magic, 4);
  h.push_back(char(version));
  h.push_back(char(GroupsTag));
  return h;
}

std::string serialize_group(const Table& group) {
  Writer w;
  w.out.reserve(size_hint(group));
  w.table(group);
  return std::move(w.out);
}

Table deserialize_group(std::string_view body, const std::string& column, std::vector<uint64_t>* row_at) {
  Reader r{body};
  if (row_at) r.spans_of = &column, r.spans = row_at;
  Table t = r.table();
  if (r.left() != 0) corrupt(std::to_string(r.left()) + " trailing bytes after a row group");
  return t;
}

namespace {
std::mutex checks_m;
std::map<std::string, std::function<void(const Model&)>>& checks() {
  static std::map<std::string, std::function<void(const Model&)>> c;
  return c;
}
}  // namespace

void register_model_check(const std::string& kind, std::function<void(const Model&)> check) {
  std::lock_guard<std::mutex> g(checks_m);
  checks()[kind] = std::move(check);
}

void check_model(const Model& m) {
  std::function<void(const Model&)> check;
  {
    std::lock_guard<std::mutex> g(checks_m);
    auto it = checks().find(m.kind);
    if (it == checks().end()) return;
    check = it->second;
  }
  check(m);
}

}  // namespace genre
