#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/core/row_groups.h"
#include "runtime/engine/cache.h"
#include "runtime/core/hash.h"

using namespace genre;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("genre_cache_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary).write(s.data(), std::streamsize(s.size()));
}

Table small_table() {
  Table t;
  t.source = "x.csv";
  t.cols.push_back(Column{"a", true, {1, 2, missing}, {}, {}});
  return t;
}

const std::string key = hash_hex("some node");  // 32 hex chars, like the planner's keys

}  // namespace

TEST_CASE("cache: put then get returns the value, laid out by key prefix", "[cache]") {
  fs::path d = temp_dir("basic");
  Cache c(d);
  std::string problem;
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem.empty());
  CHECK_FALSE(c.contains(key));
  c.put(key, json{{"accuracy", 0.75}});
  CHECK(c.contains(key));
  // Entries live in one folder per numeric platform (cpu-xxxxxxxx), then by key prefix.
  fs::path entries = c.path_of(key).parent_path().parent_path();
  CHECK(entries.parent_path() == d);
  CHECK(entries.filename().string().rfind("cpu-", 0) == 0);
  CHECK(c.path_of(key) == entries / key.substr(0, 2) / (key + ".val"));
  CHECK(fs::exists(c.path_of(key)));
  auto v = c.get(key, &problem);
  REQUIRE(v);
  CHECK(std::get<json>(*v) == json{{"accuracy", 0.75}});
  CHECK(problem.empty());
  // Overwriting replaces.
  c.put(key, small_table());
  auto t = c.get(key);
  REQUIRE(t);
  CHECK(std::get<Table>(*t).cols[0].num[1] == 2);
  // Only the entry is left in the folder: no temp files.
  size_t files = 0;
  for (auto& e : fs::directory_iterator(c.path_of(key).parent_path())) files += e.path().extension() == ".val" ? 1 : 100;
  CHECK(files == 1);
  fs::remove_all(d);
}

TEST_CASE("cache: another numeric platform (ATEN_CPU_CAPABILITY) does not see this one's entries", "[cache]") {
  fs::path d = temp_dir("platform");
  unsetenv("ATEN_CPU_CAPABILITY");
  Cache here(d);
  here.put(key, json(1));
  setenv("ATEN_CPU_CAPABILITY", "default", 1);
  Cache other(d);
  CHECK_FALSE(other.contains(key));
  CHECK(other.path_of(key) != here.path_of(key));
  unsetenv("ATEN_CPU_CAPABILITY");
  CHECK(Cache(d).contains(key));
  fs::remove_all(d);
}

TEST_CASE("cache: keys that could escape the folder are refused", "[cache]") {
  fs::path d = temp_dir("keys");
  Cache c(d);
  CHECK_THROWS_AS(c.path_of("../../etc"), InternalError);
  CHECK_THROWS_AS(c.path_of("ab"), InternalError);
  CHECK_THROWS_AS(c.put("a/bc", json(1)), InternalError);
  fs::remove_all(d);
}

TEST_CASE("cache: a flipped byte is caught by the checksum and the entry moved aside", "[cache]") {
  fs::path d = temp_dir("flip");
  Cache c(d);
  c.put(key, small_table());
  fs::path p = c.path_of(key);
  std::string bytes = read_file(p);
  // Flip a bit in a stored double: the value would still parse, only the checksum sees it.
  bytes[bytes.size() - 3] ^= 0x10;
  write_file(p, bytes);
  std::string problem;
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem == "cache entry " + key + " is corrupt (checksum mismatch): recomputing");
  CHECK_FALSE(fs::exists(p));
  fs::path aside = c.path_of(key).parent_path() / (key + ".corrupt");
  CHECK(read_file(aside) == bytes);
  // Never read again: the next get is a plain miss.
  problem.clear();
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem.empty());
  c.put(key, small_table());
  CHECK(c.get(key));
  fs::remove_all(d);
}

TEST_CASE("cache: truncated and foreign entries are misses with a reason", "[cache]") {
  fs::path d = temp_dir("trunc");
  Cache c(d);
  c.put(key, small_table());
  fs::path p = c.path_of(key);
  std::string bytes = read_file(p);
  std::string problem;

  write_file(p, bytes.substr(0, bytes.size() - 5));
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem == "cache entry " + key + " is corrupt (truncated: " + std::to_string(bytes.size() - 29) + " of " +
                       std::to_string(bytes.size() - 24) + " bytes): recomputing");
  CHECK(fs::exists(c.path_of(key).parent_path() / (key + ".corrupt")));

  write_file(p, bytes.substr(0, 10));  // shorter than the header
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem == "cache entry " + key + " is corrupt (not a cache entry): recomputing");

  write_file(p, "");
  CHECK_FALSE(c.get(key, &problem));
  CHECK_THAT(problem, Catch::Contains("not a cache entry"));

  // Written by another entry-format version: not damage, left for put() to replace.
  std::string other = bytes;
  other[4] = 9;
  write_file(p, other);
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem == "cache entry " + key + " was written by another version of genre: recomputing");
  CHECK(fs::exists(p));
  c.put(key, small_table());
  CHECK(c.get(key));
  fs::remove_all(d);
}

TEST_CASE("cache: a temp file left by a killed writer is never read as an entry", "[cache]") {
  fs::path d = temp_dir("temp");
  Cache c(d);
  std::string other = hash_hex("other node");
  c.put(other, json("from the other key"));
  // A complete, valid entry, but under a temp name for `key`.
  fs::path dir = c.path_of(key).parent_path();
  fs::create_directories(dir);
  fs::path old_tmp = dir / (key + ".val.tmp.4242.17.0");
  fs::path new_tmp = dir / (key + ".val.tmp.4242.17.1");
  fs::copy_file(c.path_of(other), old_tmp);
  fs::copy_file(c.path_of(other), new_tmp);
  std::string problem;
  CHECK_FALSE(c.contains(key));
  CHECK_FALSE(c.get(key, &problem));
  CHECK(problem.empty());
  // gc removes only temp files older than an hour.
  fs::last_write_time(old_tmp, fs::file_time_type::clock::now() - std::chrono::hours(2));
  CHECK(c.gc_temps() == 1);
  CHECK_FALSE(fs::exists(old_tmp));
  CHECK(fs::exists(new_tmp));
  CHECK(c.get(other));
  fs::remove_all(d);
}

TEST_CASE("cache: run records are stored atomically by name", "[cache]") {
  fs::path d = temp_dir("records");
  Cache c(d);
  CHECK(c.read_record("study").is_null());
  json r = {{"nodes", {{"nn", "abc"}, {"knn", "def"}}}};
  c.write_record("study", r);
  CHECK(c.read_record("study") == r);
  CHECK(fs::exists(d / "runs" / "study.json"));
  // A name that is a path stays inside runs/.
  json other = {{"s/split", {{"key", "k1"}}}};
  c.write_record("../studies/s4.genre", other);
  CHECK(c.read_record("../studies/s4.genre") == other);
  CHECK(c.read_record("study") == r);
  for (auto& e : fs::directory_iterator(d / "runs")) CHECK(e.path().parent_path() == d / "runs");
  // Garbage reads as "no record".
  write_file(d / "runs" / "study.json", "{not json");
  CHECK(c.read_record("study").is_null());
  // Valid JSON of the wrong shape: each bad entry is dropped (a type error in `genre plan` once exited 3).
  c.write_record("study", json(1));
  CHECK(c.read_record("study").is_null());
  c.write_record("study", {{"a", 5},
                           {"b", {{"key", 3}}},
                           {"c", {{"key", "k"}, {"inputs", {1, 2}}}},
                           {"e", {{"key", "k"}, {"files", {{"x.csv", 1}}}}},
                           {"d", {{"key", "k"}, {"inputs", {"x"}}}}});
  CHECK(c.read_record("study") == json{{"d", {{"key", "k"}, {"inputs", {"x"}}}}});
  fs::remove_all(d);
}

TEST_CASE("cache: the files a node set aside are stored beside its entry", "[cache]") {
  fs::path d = temp_dir("aside");
  Cache c(d);
  std::string k = "00aa11bb";
  CHECK(c.aside(k) == json::array());
  json files = json::array({json::array({"rock/a.mid", "byte 4: truncated header"}), json::array({"b.wav", "NaN at 1.5 s"})});
  c.put_aside(k, files);
  CHECK(c.aside(k) == files);
  CHECK(fs::exists(fs::path(c.path_of(k)).replace_extension(".aside")));
  // An entry recomputed with nothing set aside drops the old list.
  c.put_aside(k, json::array());
  CHECK(c.aside(k) == json::array());
  CHECK_FALSE(fs::exists(fs::path(c.path_of(k)).replace_extension(".aside")));
  // A damaged list shows what is well-formed, never more.
  fs::create_directories(c.path_of(k).parent_path());
  write_file(fs::path(c.path_of(k)).replace_extension(".aside"), R"([["a.mid", "bad"], [1, 2], "x", ["b.mid"]])");
  CHECK(c.aside(k) == json::array({json::array({"a.mid", "bad"})}));
  write_file(fs::path(c.path_of(k)).replace_extension(".aside"), "{not json");
  CHECK(c.aside(k) == json::array());
  fs::remove_all(d);
}

// The pattern the runtime uses: lock, check, compute if missing, put.
namespace {
Value get_or_compute(Cache& c, const std::string& k, const std::function<void()>& on_compute) {
  auto lock = c.lock(k);
  if (auto v = c.get(k)) return *v;
  on_compute();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a slow op: the other waits
  Value v = json{{"computed", true}};
  c.put(k, v);
  return v;
}
}  // namespace

TEST_CASE("cache: two threads racing on one key compute it once", "[cache]") {
  fs::path d = temp_dir("threads");
  Cache c(d);
  std::atomic<int> computed{0};
  std::atomic<int> ready{0};
  std::vector<Value> got(2);
  std::vector<std::thread> ts;
  for (int i = 0; i < 2; ++i)
    ts.emplace_back([&, i] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      got[i] = get_or_compute(c, key, [&] { ++computed; });
    });
  for (auto& t : ts) t.join();
  CHECK(computed == 1);
  CHECK(std::get<json>(got[0]) == json{{"computed", true}});
  CHECK(std::get<json>(got[1]) == json{{"computed", true}});
  fs::remove_all(d);
}

TEST_CASE("cache: two processes racing on one key compute it once", "[cache]") {
  fs::path d = temp_dir("procs");
  { Cache make(d); }
  fs::path log = d / "computed.log";  // each computation appends one byte
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> kids;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Child: wait for the start signal so both race, then report by exit code.
      char b;
      ::close(go[1]);
      int status = 1;
      if (::read(go[0], &b, 1) == 1) {
        try {
          Cache c(d);
          Value v = get_or_compute(c, key, [&] {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            (void)!::write(fd, "x", 1);
            ::close(fd);
          });
          status = std::get<json>(v) == json{{"computed", true}} ? 0 : 2;
        } catch (...) {
          status = 3;
        }
      }
      ::_exit(status);
    }
    kids.push_back(pid);
  }
  ::close(go[0]);
  REQUIRE(::write(go[1], "gg", 2) == 2);
  ::close(go[1]);
  for (pid_t pid : kids) {
    int status = -1;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(read_file(log) == "x");
  Cache c(d);
  CHECK(c.get(key));
  fs::remove_all(d);
}

namespace {

// A group of a note-like table: file, pitch, a sequence; `rows` rows from `first`.
Table group_of(size_t first, size_t rows) {
  Table t;
  t.source = "notes";
  t.label = "file";
  Column file{"file", false, {}, {}, {}}, pitch{"pitch", true, {}, {}, {}}, roll{"roll", false, {}, {}, {}};
  roll.seq_dims = 2;
  for (size_t r = first; r < first + rows; ++r) {
    file.text.push_back("song" + std::to_string(r / 3) + ".mid");
    file.present.push_back(1);
    pitch.num.push_back(r % 5 == 4 ? missing : double(60 + r % 12));
    roll.seq.push_back(std::vector<float>(2 * (r % 4), float(r) * 0.5f));
    roll.present.push_back(r % 7 != 6);
  }
  t.cols = {file, pitch, roll};
  return t;
}

void check_same(const Table& a, const Table& b) {
  REQUIRE(a.cols.size() == b.cols.size());
  CHECK(a.label == b.label);
  CHECK(a.source == b.source);
  CHECK(serialize(Value(a)) == serialize(Value(b)));
}

}  // namespace

TEST_CASE("cache: a table written a row group at a time is read back a group at a time, or whole", "[cache]") {
  fs::path d = temp_dir("groups");
  Cache c(d);
  auto out = c.rows_out(key);
  Table all = group_of(0, 30);
  out->add(group_of(0, 30));
  out->add(group_of(30, 0));  // an empty group is a group
  out->add(group_of(30, 45));
  append_rows(all, group_of(30, 45));
  Table t = out->finish();
  REQUIRE(t.stored);
  CHECK_FALSE(c.contains(key));  // a temp file until placed
  CHECK(t.rows() == 75);
  c.place(key, t);
  CHECK(c.contains(key));
  CHECK(t.stored->path == c.path_of(key).string());
  CHECK(t.stored->columns == std::vector<std::string>{"file", "pitch", "roll"});

  // Opened without reading it whole: the groups as written, each with the rows before it.
  auto v = c.get(key, nullptr, true);
  REQUIRE(v);
  const Table& s = std::get<Table>(*v);
  REQUIRE(s.stored);
  CHECK(s.rows() == 75);
  CHECK(s.label == "file");
  CHECK(s.source == "notes");
  std::vector<std::pair<size_t, size_t>> seen;  // (first row, rows)
  each_group(s, [&](const Table& g, size_t first) {
    seen.push_back({first, g.rows()});
    check_same(g, group_of(first, g.rows()));
  });
  CHECK(seen == std::vector<std::pair<size_t, size_t>>{{0, 30}, {30, 0}, {30, 45}});
  check_same(whole(s), all);
  // Without rows_on_disk (export, predict, the REPL) and from the bytes: the same table, whole.
  std::string problem;
  auto w = c.get(key, &problem);
  INFO(problem);
  REQUIRE(w);
  CHECK_FALSE(std::get<Table>(*w).stored);
  check_same(std::get<Table>(*w), all);
  CHECK(serialize(*v) == serialize(Value(all)));
  fs::remove_all(d);
}

TEST_CASE("cache: a damaged row-group entry is caught before any group is read", "[cache]") {
  fs::path d = temp_dir("groups_bad");
  Cache c(d);
  auto write = [&] {
    auto out = c.rows_out(key);
    out->add(group_of(0, 20));
    out->add(group_of(20, 20));
    Table t = out->finish();
    c.place(key, t);
    return read_file(c.path_of(key));
  };
  std::string good = write();
  for (auto [what, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"checksum mismatch", [&] { std::string b = good; b[b.size() / 2] ^= 0x04; return b; }()},
           {"truncated: ", good.substr(0, good.size() - 9)},
           {" extra bytes", good + "x"}}) {
    INFO(what);
    write_file(c.path_of(key), bytes);
    std::string problem;
    CHECK_FALSE(c.get(key, &problem, true));
    CHECK_THAT(problem, Catch::Matchers::Contains("is corrupt (" ) && Catch::Matchers::Contains(what));
    CHECK_FALSE(c.contains(key));  // moved aside
    write();
  }
  // Groups of other columns than the first are a bug in the op, not a file to write.
  auto out = c.rows_out(hash_hex("other"));
  out->add(group_of(0, 3));
  Table other = small_table();
  CHECK_THROWS_AS(out->add(std::move(other)), InternalError);
  CHECK_THROWS_AS(c.rows_out(hash_hex("none"))->finish(), InternalError);
  out.reset();  // an unfinished writer leaves no temp file behind
  size_t temps = 0;
  for (auto& e : fs::recursive_directory_iterator(d)) temps += e.path().string().find(".tmp.") != std::string::npos;
  CHECK(temps == 0);
  fs::remove_all(d);
}
