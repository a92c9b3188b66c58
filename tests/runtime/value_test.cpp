#include <catch2/catch.hpp>
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

TEST_CASE("value: every truncation of valid bytes throws, never crashes", "[value]") {
  Split s;
  s.parts = {{"train", sample_table()}};
  Model m;
  m.kind = "opaque";
  m.classes = {"a", "b"};
  m.spec = {{"c", 1}};
  m.state = "xyz";
  for (const Value& v : {Value(sample_table()), Value(s), Value(m), Value(json{{"a", {1, 2, 3}}})}) {
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
  s.parts = {{"train", sample_table()}, {"test", sample_table()}};
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
    std::string b = "GNRV\x01";
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
