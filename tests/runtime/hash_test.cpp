#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "runtime/core/hash.h"

using namespace genre;
namespace fs = std::filesystem;

namespace {

// The same bytes tests/data/xxh3/gen_vectors.py hashed with xxhsum.
std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char((i * 7 + 3) % 256);
  return s;
}

struct Vector {
  std::string hex, input;
};

std::vector<Vector> vectors() {
  std::ifstream in(std::string(GENRE_TEST_DIR) + "/data/xxh3/vectors.txt");
  REQUIRE(in);
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string hex, kind, arg;
    std::getline(fields, hex, '\t');
    std::getline(fields, kind, '\t');
    std::getline(fields, arg);
    out.push_back({hex, kind == "text" ? arg : pattern(std::stoul(arg))});
  }
  REQUIRE(out.size() == 11);
  return out;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("genre_hash_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("hash: hash_hex matches xxhsum -H2", "[hash]") {
  for (auto& v : vectors()) {
    INFO("input of " << v.input.size() << " bytes");
    CHECK(hash_hex(v.input) == v.hex);
  }
}

TEST_CASE("hash: hash_file matches xxhsum -H2 across 1 MiB chunks", "[hash]") {
  fs::path d = temp_dir("file");
  for (auto& v : vectors()) {
    fs::path f = d / "input.bin";
    std::ofstream(f, std::ios::binary).write(v.input.data(), std::streamsize(v.input.size()));
    INFO("file of " << v.input.size() << " bytes");
    CHECK(hash_file(f) == v.hex);
    CHECK(hash_file(f) == hash_hex(v.input));
  }
  fs::remove_all(d);
}

TEST_CASE("hash: an unreadable file is a DataError naming it", "[hash]") {
  fs::path d = temp_dir("missing");
  CHECK_THROWS_AS(hash_file(d / "nope.csv"), DataError);
  CHECK_THROWS_WITH(hash_file(d / "nope.csv"), Catch::Contains("nope.csv") && Catch::Contains("cannot read"));
  CHECK_THROWS_WITH(hash_file(d), Catch::Contains(d.string()));  // a folder
  fs::remove_all(d);
}

TEST_CASE("hash: Hasher parts are length-prefixed", "[hash]") {
  auto two = [](std::string a, std::string b) { return Hasher().add(a).add(b).hex(); };
  CHECK(two("ab", "c") != two("a", "bc"));
  CHECK(two("", "abc") != two("abc", ""));
  CHECK(Hasher().add("abc").hex() != hash_hex("abc"));  // the prefix is part of it
  CHECK(Hasher().add("").hex() != Hasher().hex());
  CHECK(two("ab", "c") == two("ab", "c"));
  CHECK(two("ab", "c").size() == 32);
  // The prefix is 8 little-endian bytes: a Hasher equals hash_hex of the framed bytes.
  std::string framed = std::string("\x02\0\0\0\0\0\0\0", 8) + "ab" + std::string("\x01\0\0\0\0\0\0\0", 8) + "c";
  CHECK(two("ab", "c") == hash_hex(framed));
}

TEST_CASE("hash: json hashes by value, not by spelling", "[hash]") {
  auto h = [](const json& j) { return Hasher().add(j).hex(); };
  CHECK(h(json::parse(R"({"b": 1, "a": [1, 2.0]})")) == h(json::parse(R"({"a":[1.0,2],"b":1.0})")));
  CHECK(h(json(1)) == h(json(1.0)));
  CHECK(h(json(1u)) == h(json(1)));
  CHECK(h(json(-3)) == h(json(-3.0)));
  CHECK(h(json(0.0)) == h(json(-0.0)));
  CHECK(h(json(1)) != h(json(1.5)));
  CHECK(h(json(0.1)) != h(json(0.1000000001)));
  CHECK(h(json(1)) != h(json("1")));
  CHECK(h(json(1e300)) != h(json(1e299)));
  CHECK(h(json::parse(R"({"a": 1})")) != h(json::parse(R"({"a": 2})")));
  CHECK(canonical_json(json::parse(R"({"z": 2.0, "a": {"y": 1e2, "x": 0.5}})")) == R"({"a":{"x":0.5,"y":100},"z":2})");
}

TEST_CASE("hash: json with invalid UTF-8 still hashes exactly", "[hash]") {
  json a = std::string("caf\xe9");
  json b = std::string("caf\xe8");
  CHECK(Hasher().add(a).hex() != Hasher().add(b).hex());
  CHECK(Hasher().add(a).hex() == Hasher().add(a).hex());
}
