#include <catch2/catch.hpp>
#include <bit>
#include <cstring>

#include "runtime/core/model_check.h"
#include "runtime/core/value.h"

using namespace genre;

namespace {

Table sample_table() {
  Table t;
  t.label = "genre";
  t.source = "songs.csv";
  Column a{"tempo", true, {120.5, missing, -0.0, 1e308, std::numeric_limits<double>::infinity()}, {}, {}};
  Column b{"genre", false, {}, {"rock", "", "hip hop", "müsica ☃", "pop"}, {1, 0, 1, 1, 1}};
  // A sequence column: 2 dims per step, rows of 3, 0, 1, 0 (missing) and 2 steps.
  Column c{"frames", false, {}, {}, {1, 1, 1, 0, 1}, 2,
           {{1, 2, 3, 4, 5, 6}, {}, {-0.5f, 1e30f}, {}, {0, 0, 7, 8}}};
  t.cols = {a, b, c};
  return t;
}

// Compares bit patterns so NaN == NaN and -0.0 != 0.0.
bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * 8) == 0);
}

void check_same(const Table& x, const Table& y) {
  CHECK(x.label == y.label);
  CHECK(x.source == y.source);
  REQUIRE(x.cols.size() == y.cols.size());
  for (size_t i = 0; i < x.cols.size(); ++i) {
    auto &a = x.cols[i], &b = y.cols[i];
    CHECK(a.name == b.name);
    CHECK(a.numeric == b.numeric);
    CHECK(same_bits(a.num, b.num));
    CHECK(a.text == b.text);
    CHECK(a.present == b.present);
    CHECK(a.seq_dims == b.seq_dims);
    CHECK(a.seq == b.seq);
    CHECK(a.size() == b.size());
  }
}

Value round_trip(const Value& v) { return deserialize(serialize(v)); }

// midi_folder's shape: `songs` songs of `per` notes; the last song a quarantined file (its numbers
// missing, its reason in `error`).
Table note_table(int songs, int per) {
  Table t;
  Column file{"file", false, {}, {}, {}}, label{"label", false, {}, {}, {}}, error{"error", false, {}, {}, {}};
  Column onset{"onset", true, {}, {}, {}}, pitch{"pitch", true, {}, {}, {}}, chan{"channel", true, {}, {}, {}},
      shift{"shift", true, {}, {}, {}};
  for (int s = 0; s < songs; ++s)
    for (int k = 0; k < (s + 1 == songs ? 1 : per); ++k) {
      bool bad = s + 1 == songs;
      file.text.push_back("lmd/" + std::to_string(s) + "/song.mid"), file.present.push_back(1);
      label.text.push_back(s % 3 ? "rock" : ""), label.present.push_back(s % 3 != 0);
      error.text.push_back(bad ? "truncated" : ""), error.present.push_back(bad);
      onset.num.push_back(bad ? missing : k * 0.123456789);
      pitch.num.push_back(bad ? missing : (s * 7 + k * 13) % 128);
      chan.num.push_back(bad ? missing : k % 16);
      shift.num.push_back(bad ? missing : -40000.0 + (k * 977) % 80000);  // 4 bytes wide
    }
  t.cols = {file, onset, pitch, chan, shift, label, error};
  return t;
}

void put_varint(std::string& b, uint64_t v) {
  for (; v >= 0x80; v >>= 7) b.push_back(char(uint8_t(v) | 0x80));
  b.push_back(char(v));
}

}  // namespace

TEST_CASE("value: a table round-trips, NaN and unicode included", "[value]") {
  Table t = sample_table();
  Value back = round_trip(t);
  REQUIRE(std::holds_alternative<Table>(back));
  auto& u = std::get<Table>(back);
  check_same(t, u);
  CHECK(std::isnan(u.cols[0].num[1]));
  CHECK(std::signbit(u.cols[0].num[2]));
  CHECK(std::string(kind_name(back)) == "table");
}

TEST_CASE("value: a sequence column keeps its steps, and take() keeps them with their rows", "[value]") {
  Table t = sample_table();
  Value back = round_trip(t);
  const Column& c = std::get<Table>(back).column("frames");
  CHECK(c.is_sequence());
  CHECK(c.steps(0) == 3);
  CHECK(c.steps(4) == 2);
  Table picked = t.take({4, 0});
  const Column& p = picked.column("frames");
  CHECK(p.seq_dims == 2);
  CHECK(p.seq == std::vector<std::vector<float>>{{0, 0, 7, 8}, {1, 2, 3, 4, 5, 6}});
  CHECK(p.present == std::vector<uint8_t>{1, 1});
  CHECK(t.feature_names() == std::vector<std::string>{"tempo"});  // sequences are not table features
}

TEST_CASE("value: NaN payload bits survive", "[value]") {
  // A NaN with a non-default payload: a text format would lose these bits.
  uint64_t bits = 0x7ff8000000abcdefULL;
  double odd;
  std::memcpy(&odd, &bits, 8);
  Table t;
  t.cols.push_back(Column{"x", true, {odd, -missing}, {}, {}});
  auto u = std::get<Table>(round_trip(t));
  CHECK(same_bits(t.cols[0].num, u.cols[0].num));
}

TEST_CASE("value: empty table, empty columns, empty strings", "[value]") {
  Table empty;
  auto u = std::get<Table>(round_trip(empty));
  CHECK(u.cols.empty());
  CHECK(u.label.empty());
  CHECK(u.rows() == 0);

  Table t;
  t.cols.push_back(Column{"", true, {1, 2, 3}, {}, {}});
  t.cols.push_back(Column{"s", false, {}, {"", "", ""}, {0, 0, 1}});
  check_same(t, std::get<Table>(round_trip(t)));
  Table none;
  none.cols.push_back(Column{"", true, {}, {}, {}});
  none.cols.push_back(Column{"none", false, {}, {}, {}});
  check_same(none, std::get<Table>(round_trip(none)));
}

TEST_CASE("value: a table whose columns disagree is corrupt, not read out of bounds", "[value]") {
  Table t;
  t.cols.push_back(Column{"x", true, {1, 2, 3}, {}, {}});
  t.cols.push_back(Column{"s", false, {}, {"a", "b"}, {1, 1}});
  CHECK_THROWS_WITH(deserialize(serialize(t)), "corrupt value: column \"s\" has 2 rows, column \"x\" 3");
  t.cols[1] = Column{"s", false, {}, {"a", "b", "c"}, {1, 1}};
  CHECK_THROWS_WITH(deserialize(serialize(t)), "corrupt value: column \"s\" has 2 present flags for 3 rows");
  t.cols[1] = Column{"s", false, {}, {"a", "b", "c"}, {1, 1, 1}};
  t.label = "genre";
  CHECK_THROWS_WITH(deserialize(serialize(t)), "corrupt value: the label column \"genre\" is not in the table");
  t.label = "s";
  CHECK(std::get<Table>(deserialize(serialize(t))).label == "s");
}

TEST_CASE("value: a split keeps its parts in order", "[value]") {
  Split s;
  Table a = sample_table();
  Table b = sample_table().take({4, 0});
  s.parts = {{"test", a}, {"train", b}, {"", Table{}}};
  Value back = round_trip(s);
  REQUIRE(std::holds_alternative<Split>(back));
  auto& u = std::get<Split>(back);
  REQUIRE(u.parts.size() == 3);
  CHECK(u.parts[0].first == "test");
  CHECK(u.parts[1].first == "train");
  CHECK(u.parts[2].first == "");
  check_same(a, u.parts[0].second);
  check_same(b, u.parts[1].second);
  CHECK(u.parts[1].second.cols[1].text == std::vector<std::string>{"pop", "rock"});
  CHECK(std::string(kind_name(back)) == "split");
}

TEST_CASE("value: a model keeps strings, spec, binary state and info", "[value]") {
  Model m;
  m.kind = "opaque";  // a kind with no registered check: the bytes are the test
  m.classes = {"rock", "pop", "électro"};
  m.features = {"tempo", "energy"};
  m.spec = {{"k", 12}, {"metric", "euclidean"}, {"w", 0.25}};
  m.state = std::string("\0\x01\xff state \0", 10);
  m.info = {{"history", json::array({1.5, 2.5})}, {"nan", nullptr}};
  Value back = round_trip(m);
  REQUIRE(std::holds_alternative<Model>(back));
  auto& u = std::get<Model>(back);
  CHECK(u.kind == m.kind);
  CHECK(u.classes == m.classes);
  CHECK(u.features == m.features);
  CHECK(u.spec == m.spec);
  CHECK(u.state == m.state);
  CHECK(u.state.size() == 10);
  CHECK(u.info == m.info);
  CHECK(std::string(kind_name(back)) == "model");
}

TEST_CASE("value: json round-trips", "[value]") {
  json j = {{"accuracy", 0.8125}, {"confusion", {{3, 1}, {0, 4}}}, {"name", "ünï ✓"}, {"big", 1ULL << 60}, {"neg", -7}};
  Value back = round_trip(j);
  REQUIRE(std::holds_alternative<json>(back));
  CHECK(std::get<json>(back) == j);
  CHECK(std::string(kind_name(back)) == "json");
  CHECK(std::get<json>(round_trip(json(nullptr))).is_null());
}

TEST_CASE("value: a note table is stored in a few bytes a row and comes back bit for bit", "[value]") {
  Table t = note_table(40, 250);  // 9,751 rows
  std::string b = serialize(t);
  check_same(t, std::get<Table>(deserialize(b)));
  // onset: 8 bytes a row (not whole numbers); pitch and channel 1 (0-127, 0-15 and missing);
  // shift 4 (-40000..39999); file, label and error in runs: a few bytes a song.
  size_t rows = t.rows();
  INFO(b.size() << " bytes for " << rows << " rows");
  CHECK(b.size() <= rows * (8 + 1 + 1 + 4) + 40 * 40);
  CHECK(b.size() >= rows * (8 + 1 + 1 + 4));

  // Values the narrow forms cannot hold stay doubles, bit for bit.
  Table odd;
  odd.cols = {Column{"z", true, {1, 2, -0.0, 4, 5, 6, 7, 8, 9}, {}, {}},
              Column{"big", true, {9007199254740994.0, 1, 2, 3, 4, 5, 6, 7, 8}, {}, {}},
              Column{"nan", true, {1, 2, std::bit_cast<double>(0x7ff8000000000001ULL), 4, 5, 6, 7, 8, 9}, {}, {}},
              Column{"wide", true, {0, 5e9, 1, 2, 3, 4, 5, 6, 7}, {}, {}},
              Column{"frac", true, {0, 0.5, 1, 2, 3, 4, 5, 6, 7}, {}, {}}};
  std::string ob = serialize(odd);
  CHECK(ob.size() > 5 * 9 * 8);
  check_same(odd, std::get<Table>(deserialize(ob)));
  // Only missing values, and a negative base.
  Table gaps;
  gaps.cols = {Column{"m", true, std::vector<double>(20, missing), {}, {}},
               Column{"neg", true, {-5, -4, -3, -2, -1, -5, -4, -3, -2, -1, -5, -4, -3, -2, -1, missing, -5, -4, -3, -2}, {}, {}}};
  std::string gb = serialize(gaps);
  CHECK(gb.size() < 2 * 20 * 2);
  check_same(gaps, std::get<Table>(deserialize(gb)));
}

TEST_CASE("value: entries written by the first format (version 1) are still read", "[value]") {
  // sample_table() takes none of version 2's forms: its bytes are version 1's but for the version byte.
  std::string b = serialize(sample_table());
  REQUIRE(b[4] == 2);
  b[4] = 1;
  check_same(sample_table(), std::get<Table>(deserialize(b)));
  // A version-1 entry cannot hold the kinds version 2 added.
  std::string n = serialize(note_table(3, 10));
  n[4] = 1;
  CHECK_THROWS_WITH(deserialize(n), Catch::Contains("has kind 3") || Catch::Contains("has kind 4"));
}

TEST_CASE("value: rows in runs cannot claim more than their bytes allow", "[value]") {
  auto one_column = [](uint64_t rows, uint64_t run) {
    std::string b = "GNRV\x02";
    b.push_back(0);                           // table
    put_varint(b, 1), put_varint(b, 0), put_varint(b, 0);  // 1 column, no label, no source
    put_varint(b, 1), b += "f", b.push_back(4);               // "f", text in runs
    put_varint(b, rows), put_varint(b, 1), put_varint(b, 1), b += "a";  // rows; one distinct value, "a"
    put_varint(b, 0), put_varint(b, run);                     // value 0 for `run` rows
    b.push_back(1), put_varint(b, rows);                      // present throughout
    return b;
  };
  auto t = std::get<Table>(deserialize(one_column(1000, 1000)));
  CHECK(t.rows() == 1000);
  CHECK(t.cols[0].text[999] == "a");
  CHECK_THROWS_WITH(deserialize(one_column(1000000000000ULL, 1000000000000ULL)), Catch::Contains("rows in runs from a value of"));
  CHECK_THROWS_WITH(deserialize(one_column(1000, 1001)), Catch::Contains("a run of 1001 rows"));
  CHECK_THROWS_WITH(deserialize(one_column(1000, 999)), Catch::Contains("corrupt value"));
}

TEST_CASE("value: a long column of one value stays in runs after the first column", "[value]") {
  // 3M rows: past what the first column alone may claim from its bytes, so `error` (all empty)
  // and `label` (three runs) rely on the rows of `id`, which takes real bytes.
  Table t;
  Column id{"id", true, {}, {}, {}}, label{"label", false, {}, {}, {}}, error{"error", false, {}, {}, {}};
  const size_t n = 3000000;
  for (size_t i = 0; i < n; ++i) {
    id.num.push_back(double(i % 1000));
    label.text.push_back(i < n / 3 ? "a" : i < 2 * n / 3 ? "b" : "c"), label.present.push_back(1);
    error.text.push_back(""), error.present.push_back(0);
  }
  t.cols = {id, label, error};
  std::string b = serialize(t);
  CHECK(b.size() < n * 2 + 200);  // id: 2 bytes a row; label and error: a few bytes in all
  check_same(t, std::get<Table>(deserialize(b)));
  // A later column claiming other rows than the first is damage, found before allocating them.
  Table two;
  two.cols = {Column{"x", true, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {}, {}},
              Column{"t", false, {}, std::vector<std::string>(10, "z"), std::vector<uint8_t>(10, 1)}};
  std::string tb = serialize(two);
  auto at = tb.rfind('\x04');  // kind 4, then the rows: 10
  REQUIRE(at != std::string::npos);
  REQUIRE(tb[at + 1] == 10);
  tb[at + 1] = 0x7f;
  CHECK_THROWS_WITH(deserialize(tb), Catch::Contains("has 127 rows, column \"x\" 10"));
}

TEST_CASE("value: every truncation of valid bytes throws, never crashes", "[value]") {
  Split s;
  s.parts = {{"train", sample_table()}};
  Model m;
  m.kind = "opaque";
  m.classes = {"a", "b"};
  m.spec = {{"c", 1}};
  m.state = "xyz";
  for (const Value& v : {Value(sample_table()), Value(note_table(4, 12)), Value(s), Value(m), Value(json{{"a", {1, 2, 3}}})}) {
    std::string b = serialize(v);
    for (size_t n = 0; n < b.size(); ++n) {
      INFO(kind_name(v) << " cut to " << n << " of " << b.size() << " bytes");
      CHECK_THROWS_AS(deserialize(b.substr(0, n)), std::runtime_error);
    }
    CHECK_THROWS_WITH(deserialize(b + "x"), Catch::Contains("corrupt value") && Catch::Contains("trailing"));
  }
}

TEST_CASE("value: damaged headers and lengths are reported", "[value]") {
  std::string b = serialize(sample_table());
  CHECK_THROWS_WITH(deserialize("hello world"), Catch::Contains("corrupt value: not a genre value"));
  std::string v = b;
  v[4] = 99;
  CHECK_THROWS_WITH(deserialize(v), Catch::Contains("format version 99"));
  std::string t = b;
  t[5] = 17;
  CHECK_THROWS_WITH(deserialize(t), Catch::Contains("unknown tag 17"));
  // A huge column count must be refused before anything is allocated.
  std::string huge = b.substr(0, 6) + std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9) + b.substr(7);
  CHECK_THROWS_WITH(deserialize(huge), Catch::Contains("column count"));
}

TEST_CASE("value: random garbage and random byte flips never crash", "[value]") {
  uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return uint32_t(seed >> 33);
  };
  Split s;
  s.parts = {{"train", sample_table()}, {"test", sample_table()}, {"notes", note_table(4, 12)}};
  std::string good = serialize(s);
  size_t threw = 0, parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = good;
    int flips = 1 + next() % 4;
    for (int k = 0; k < flips; ++k) b[next() % b.size()] = char(next());
    try {
      deserialize(b);
      ++parsed;  // a flip inside a string or a double still parses: fine
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).rfind("corrupt value: ", 0) == 0);
      ++threw;
    }
  }
  CHECK(threw > 0);
  CHECK(threw + parsed == 3000);
  for (int i = 0; i < 1000; ++i) {
    std::string b = i % 2 ? "GNRV\x01" : "GNRV\x02";
    size_t n = next() % 64;
    for (size_t k = 0; k < n; ++k) b.push_back(char(next()));
    try {
      deserialize(b);
    } catch (const std::runtime_error&) {
    }
  }
}

TEST_CASE("value: a model family's check runs when a model is read back", "[value]") {
  register_model_check("checked", [](const Model& m) {
    if (m.state != "ok") throw DataError("state is " + m.state);
  });
  Model m;
  m.kind = "checked";
  m.classes = {"a", "b"};
  m.state = "ok";
  CHECK(std::get<Model>(round_trip(m)).state == "ok");
  m.state = "bad";
  CHECK_THROWS_WITH(round_trip(m), "corrupt value: the checked model's state: state is bad");
}

TEST_CASE("value: a table in row groups reads as one table; lying groups are corrupt", "[value]") {
  auto u64 = [](uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i) s.push_back(char(v >> (8 * i)));
    return s;
  };
  auto part = [](std::vector<double> x, std::vector<std::string> s) {
    Table t;
    t.source = "notes";
    t.cols.push_back(Column{"x", true, std::move(x), {}, {}});
    Column c{"s", false, {}, std::move(s), {}};
    c.present.assign(c.text.size(), 1);
    t.cols.push_back(std::move(c));
    return t;
  };
  auto group = [&](const Table& t, uint64_t rows) {
    std::string b = serialize_group(t);
    return u64(b.size()) + u64(rows) + b;
  };
  Table a = part({1, 2}, {"a", "b"}), b = part({3.5}, {"c"});
  std::string bytes = groups_header() + group(a, 2) + group(b, 1) + u64(0);
  Table t = std::get<Table>(deserialize(bytes));
  CHECK(t.rows() == 3);
  CHECK(t.cols[0].num == std::vector<double>{1, 2, 3.5});
  CHECK(t.cols[1].text == std::vector<std::string>{"a", "b", "c"});
  CHECK(t.source == "notes");
  CHECK_THROWS_WITH(deserialize(groups_header() + group(a, 3) + u64(0)), Catch::Contains("says 3 rows, holds 2"));
  Table other;
  other.cols.push_back(Column{"y", true, {1}, {}, {}});
  CHECK_THROWS_WITH(deserialize(groups_header() + group(a, 2) + group(other, 1) + u64(0)),
                    Catch::Contains("row group 1") && Catch::Contains("columns"));
  CHECK_THROWS_WITH(deserialize(groups_header() + group(a, 2)), Catch::Contains("corrupt value"));  // no end mark
  CHECK_THROWS_WITH(deserialize(groups_header() + u64(1000) + u64(2) + "xy" + u64(0)), Catch::Contains("corrupt value"));
}
