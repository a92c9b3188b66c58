// End to end: other people's folders and caches. Files set aside are listed by
// every run that uses them, once; a read-only cache still serves; a folder that
// cannot be listed is set aside, not skipped; a killed run's temp files go; ops
// write only where they may; a message quotes a file's text only in short.
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <sstream>

#include "runtime/core/value.h"
#include "shell.h"

using e2e::TempDir;
namespace fs = std::filesystem;

namespace {

std::string midi_dir() { return std::string(GENRE_TEST_DIR) + "/data/midi/good"; }

// A folder of good MIDI files in rock/ and two damaged ones.
void midi_corpus(const TempDir& d) {
  fs::create_directories(d.path / "midi" / "rock");
  for (auto& f : fs::directory_iterator(midi_dir())) fs::copy_file(f.path(), d.path / "midi" / "rock" / f.path().filename());
  d.write("midi/rock/bad1.mid", "MThd garbage");
  d.write("midi/rock/bad2.mid", "MThd");
}

// `cmd` as a user without root's power over permissions: root reads and writes
// anything, so for root the command runs as nobody (setpriv); anyone else is
// already such a user. The folder must then be open to that user.
std::string unprivileged(const TempDir& d, const std::string& cmd) {
  if (::geteuid() != 0) return cmd;
  for (auto& e : fs::recursive_directory_iterator(d.path))
    if (!e.is_symlink()) fs::permissions(e.path(), fs::perms::all, fs::perm_options::add);
  fs::permissions(d.path, fs::perms::all, fs::perm_options::add);
  return "setpriv --reuid=65534 --regid=65534 --clear-groups " + cmd;
}

bool can_drop_privileges() { return ::geteuid() != 0 || e2e::run("setpriv --reuid=65534 true").first == 0; }

}  // namespace

TEST_CASE("set-aside files are listed by every run that uses the node, each file once", "[e2e]") {
  TempDir d;
  midi_corpus(d);
  auto a = d.write("a.genre", "dataset songs = midi_folder(\"midi\", label: parent_dir)\n"
                              "dataset kept = songs |> keep(true)\n"
                              "dataset h = pitch_histograms(kept, by: program)\n");
  auto b = d.write("b.genre", "dataset songs = midi_folder(\"midi\", label: parent_dir)\n"
                              "dataset high = songs |> keep(pitch > 40)\n");
  std::string cache = " --cache " + (d.path / "cache").string();
  // keep() passes the two rows on: they were set aside once, by midi_folder (it said 4 before).
  auto [rc, out] = e2e::run(e2e::genre("run " + a.string() + cache + " --out " + (d.path / "oa").string()));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK_THAT(out, Catch::Contains("2 files were set aside"));
  std::string csv = e2e::slurp(d.path / "oa" / "quarantine.csv");
  CHECK(e2e::count(csv, "\n") == 3);  // header + 2
  CHECK(e2e::count(csv, "rock/bad1.mid") == 2);  // file and reason
  CHECK(e2e::count(csv, "songs/midi_folder") == 2);
  // Another script reusing the cached midi_folder node lists them too (it listed nothing before).
  std::tie(rc, out) = e2e::run(e2e::genre("run " + b.string() + cache + " --out " + (d.path / "ob").string()));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK_THAT(out, Catch::Contains("1 ran, 1 reused"));
  CHECK_THAT(out, Catch::Contains("2 files were set aside"));
  CHECK(e2e::slurp(d.path / "ob" / "quarantine.csv") == csv);
}

TEST_CASE("a read-only cache serves what it holds; what it lacks is computed and not stored", "[e2e]") {
  if (!can_drop_privileges()) {
    WARN("skipped: running as root without setpriv");
    return;
  }
  TempDir d;
  auto f = d.write("s.genre", e2e::small_study("1"));
  std::string cache = " --cache " + (d.path / "cache").string();
  REQUIRE(e2e::run(e2e::genre("run " + f.string() + cache)).first == 0);
  std::string cmd = unprivileged(d, "");  // opens the folder to nobody first
  fs::permissions(d.path / "cache", fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  for (auto& e : fs::recursive_directory_iterator(d.path / "cache"))
    if (e.is_directory()) fs::permissions(e.path(), fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                                          fs::perm_options::remove);
  auto [rc, out] = e2e::run(cmd + e2e::genre("run " + f.string() + cache + " --out " + (d.path / "o1").string()));
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("is read-only (Permission denied): reusing what it holds, storing nothing new"));
  CHECK_THAT(out, Catch::Contains("0 ran, 7 reused"));
  // A changed parameter: the SVM and the report are computed, nothing is written into the cache.
  auto g = d.write("t.genre", e2e::small_study("10"));
  fs::permissions(g, fs::perms::all, fs::perm_options::add);
  size_t entries = 0;
  for (auto& e : fs::recursive_directory_iterator(d.path / "cache")) entries += e.is_regular_file();
  std::tie(rc, out) = e2e::run(cmd + e2e::genre("run " + g.string() + cache + " --out " + (d.path / "o2").string()));
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("2 ran, 5 reused"));
  size_t after = 0;
  for (auto& e : fs::recursive_directory_iterator(d.path / "cache")) after += e.is_regular_file();
  CHECK(after == entries);
}

TEST_CASE("a subfolder that cannot be listed is set aside with its reason, not skipped", "[e2e]") {
  if (!can_drop_privileges()) {
    WARN("skipped: running as root without setpriv");
    return;
  }
  TempDir d;
  midi_corpus(d);
  fs::create_directories(d.path / "midi" / "jazz");
  fs::copy_file(midi_dir() + "/format0.mid", d.path / "midi" / "jazz" / "x.mid");
  auto f = d.write("s.genre", "dataset songs = midi_folder(\"midi\", label: parent_dir)\n"
                              "dataset h = pitch_histograms(songs, by: program)\n");
  std::string cmd = unprivileged(d, e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string()));
  fs::permissions(d.path / "midi" / "jazz", fs::perms::none);
  auto [rc, out] = e2e::run(cmd);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("3 files were set aside"));
  CHECK_THAT(out, Catch::Contains("midi/jazz/: cannot read folder: Permission denied"));
}

TEST_CASE("a killed run's temp files are removed by the next run that computes", "[e2e]") {
  TempDir d;
  auto f = d.write("s.genre", e2e::small_study("1"));
  fs::path cache = d.path / "cache";
  REQUIRE(e2e::run(e2e::genre("run " + f.string() + " --cache " + cache.string())).first == 0);
  fs::path entries;
  for (auto& e : fs::directory_iterator(cache))
    if (e.path().filename().string().starts_with("cpu-")) entries = e.path() / "00";
  fs::create_directories(entries);
  auto old = [&](const std::string& name, std::chrono::minutes age) {
    d.write(fs::relative(entries / name, d.path).string(), "half an entry");
    fs::last_write_time(entries / name, fs::file_time_type::clock::now() - age);
    return entries / name;
  };
  // pid 2^22 + 1 is above Linux's pid_max: a process that cannot exist.
  auto dead = old("00ab.val.tmp.4194305.1.0", std::chrono::minutes(10));
  auto ancient = old("00cd.val.tmp." + std::to_string(::getpid()) + ".1.0", std::chrono::minutes(90));
  auto live = old("00ef.val.tmp." + std::to_string(::getpid()) + ".1.1", std::chrono::minutes(10));  // may still be writing
  auto fresh = old("00aa.val.tmp.4194305.1.1", std::chrono::minutes(1));  // another machine's writer, perhaps
  auto g = d.write("t.genre", e2e::small_study("10"));
  auto [rc, out] = e2e::run(e2e::genre("run " + g.string() + " --cache " + cache.string()));
  INFO(out);
  CHECK(rc == 0);
  CHECK_FALSE(fs::exists(dead));
  CHECK_FALSE(fs::exists(ancient));
  CHECK(fs::exists(live));
  CHECK(fs::exists(fresh));
}

TEST_CASE("render writes only under the script's folder, --out or --allow-write", "[e2e]") {
  TempDir d;
  fs::create_directories(d.path / "study" / "midi");
  fs::copy_file(midi_dir() + "/format0.mid", d.path / "study" / "midi" / "a.mid");
  auto f = d.write("study/r.genre", "dataset g = render(\"midi\", to: \"../elsewhere\", clip: 1s)\n");
  auto [rc, out] = e2e::run(e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string()));
  INFO(out);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("render: to: \"../elsewhere\" is " + (d.path / "elsewhere").string() +
                                  ", outside the folders genre may write to (" + (d.path / "study").string()));
  CHECK_THAT(out, Catch::Contains("name another with --allow-write DIR"));
  CHECK_FALSE(fs::exists(d.path / "elsewhere"));
  std::tie(rc, out) = e2e::run(e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string() + " --allow-write " +
                                     (d.path / "elsewhere").string()));
  INFO(out);
  CHECK(rc == 0);
  CHECK(fs::exists(d.path / "elsewhere" / "a.wav"));
}

TEST_CASE("an error quotes a file's text only as a short, escaped excerpt", "[e2e]") {
  TempDir d;
  d.write("secret.csv", "root:$y$j9T$0123456789abcdefghijklmnopqrstuvwxyz:19000:0:99999:7:::\x01\x02\ndaemon:*:1\n");
  auto f = d.write("s.genre", "dataset t = csv(\"secret.csv\", label: \"x\")\n");
  auto [rc, out] = e2e::run(e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string()));
  INFO(out);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("the columns are \"root:$y$j9T$0123456789abcdefghijklmnopqr...\""));
  CHECK_THAT(out, !Catch::Contains("xyz"));
  // Control bytes are escaped, never written to the terminal.
  d.write("odd.csv", "a,b\n1,2\n1,2\n1,2\n1,2\n1,2\n1,2\n1,2\n1,2\n1,2\n1,\x1b[2J\n");
  f = d.write("s.genre", "dataset t = csv(\"odd.csv\")\n");
  std::tie(rc, out) = e2e::run(e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string()));
  INFO(out);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("column \"b\": \"\\x1B[2J\" is not a number"));
  CHECK(out.find('\x1b') == std::string::npos);
}

TEST_CASE("a MIDI file one byte short is read with a warning; keep() that leaves no row warns", "[e2e]") {
  TempDir d;
  fs::create_directories(d.path / "midi");
  std::string whole = e2e::slurp(midi_dir() + "/format1.mid");
  d.write("midi/short.mid", whole.substr(0, whole.size() - 1));
  auto f = d.write("s.genre", "dataset songs = midi_folder(\"midi\")\n"
                              "dataset none = songs |> keep(pitch > 200)\n");
  auto [rc, out] = e2e::run(e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string()));
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("warning: songs/midi_folder: midi/short.mid: byte " + std::to_string(whole.size() - 1) +
                                  ": the file ends 1 byte early"));
  CHECK_THAT(out, Catch::Contains("warning: none/keep: keep: no row of midi satisfies `pitch > 200`: the table is empty"));
  CHECK_THAT(out, !Catch::Contains("set aside"));
}

namespace {

// Rewrites every cached model of `kind` with `edit` applied to its state, and
// a checksum that matches again: what a colleague with write access to a shared
// cache could do. A signed entry keeps its old signature.
size_t tamper(const fs::path& cache, const std::string& kind, const std::function<void(genre::Model&)>& edit) {
  size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(cache)) {
    if (e.path().extension() != ".val") continue;
    std::string b = e2e::slurp(e.path());
    uint32_t ver = uint8_t(b[4]);
    uint64_t size = 0;
    for (int i = 0; i < 8; ++i) size |= uint64_t(uint8_t(b[8 + i])) << (8 * i);
    genre::Value v = genre::deserialize(std::string_view(b).substr(24, size));
    auto* m = std::get_if<genre::Model>(&v);
    if (!m || m->kind != kind) continue;
    edit(*m);
    std::string payload = genre::serialize(v), tag = b.substr(24 + size);
    std::string out = b.substr(0, 8);
    for (uint64_t x : {uint64_t(payload.size()), uint64_t(XXH3_64bits(payload.data(), payload.size()))})
      for (int i = 0; i < 8; ++i) out.push_back(char(x >> (8 * i)));
    std::ofstream(e.path(), std::ios::binary) << out << payload << tag;
    ++n;
    (void)ver;
  }
  return n;
}

// "base 0.4163" and "knn5 0.4800": each model's accuracy without its interval.
std::string accuracy_values(const std::string& out) {
  std::string lines;
  std::istringstream in(out.substr(std::min(out.size(), out.find("summary"))));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string model, value;
    words >> model >> value;
    if (model == "base" || model == "knn5") lines += model + " " + value + "\n";
    if (model == "knn5") break;
  }
  return lines;
}

// seed: evaluate's, so that a second script re-evaluates the cached models (loads them) with the same numbers.
std::string model_study(int seed = 0) {
  return "dataset tracks = csv(\"" + e2e::fma_csv() + "\", label: \"genre_top\") |> drop_columns([\"track_id\"])\n"
         "split s = tracks |> split(train: 70%, test: 30%, stratify: label, seed: 1)\n"
         "train base = fit(baseline(majority), s.train)\n"
         "train knn5 = fit(knn(k: 5), s.train)\n"
         "report r = evaluate([base, knn5], s.test, seed: " + std::to_string(seed) + ") { accuracy }\n";
}

}  // namespace

TEST_CASE("a cached model whose parts disagree is a corrupt entry: moved aside and recomputed", "[e2e]") {
  TempDir d;
  auto f = d.write("s.genre", model_study());
  std::string run = e2e::genre("run " + f.string() + " --cache " + (d.path / "cache").string());
  auto [rc, before] = e2e::run(run);
  REQUIRE(rc == 0);
  // A label index past the classes (KNN), a prior of the wrong length (baseline): read
  // unchecked they indexed out of bounds.
  REQUIRE(tamper(d.path / "cache", "knn", [](genre::Model& m) {
            auto st = genre::json::from_msgpack(m.state);
            st["y"][0] = 99;
            auto b = genre::json::to_msgpack(st);
            m.state.assign(b.begin(), b.end());
          }) == 1);
  REQUIRE(tamper(d.path / "cache", "baseline", [](genre::Model& m) {
            auto st = genre::json::parse(m.state);
            st["prior"].push_back(0.0);
            m.state = st.dump();
          }) == 1);
  auto g = d.write("t.genre", model_study(1));  // a new evaluation: it loads both models
  auto [rc2, after] = e2e::run(e2e::genre("run " + g.string() + " --cache " + (d.path / "cache").string()));
  INFO(after);
  CHECK(rc2 == 0);
  CHECK_THAT(after, Catch::Contains("is corrupt (corrupt value: the knn model's state: the saved KNN is damaged: label "
                                    "index 99 of 12 classes): recomputing"));
  CHECK_THAT(after, Catch::Contains("the saved baseline is damaged: 13 prior shares for 12 classes"));
  CHECK(accuracy_values(after) == accuracy_values(before));
  CHECK(e2e::count(accuracy_values(after), "\n") == 2);
}

TEST_CASE("with GENRE_CACHE_KEY an edited entry is refused even when its checksum matches", "[e2e]") {
  TempDir d;
  auto study = [&](const TempDir& in, int seed) {  // each seed is a new evaluation of the same cached models
    return in.write("s" + std::to_string(seed) + ".genre", model_study(seed)).string() + " --cache " +
           (in.path / "cache").string();
  };
  auto keyed = [](const std::string& key, const std::string& args) {
    return "GENRE_CACHE_KEY=" + key + " " + e2e::genre("run " + args);
  };
  auto [rc, before] = e2e::run(keyed("team-secret", study(d, 0)));
  REQUIRE(rc == 0);
  std::string truth = accuracy_values(before);
  REQUIRE(e2e::count(truth, "\n") == 2);
  // Signed entries are read back with the key: a second run computes nothing.
  auto [rc1, again] = e2e::run(keyed("team-secret", study(d, 0)));
  INFO(again);
  CHECK(rc1 == 0);
  CHECK_THAT(again, Catch::Contains(" 0 ran, "));
  CHECK_THAT(again, !Catch::Contains("corrupt"));
  // The case: the majority baseline's prior reversed predicts the rarest class.
  auto reverse = [](genre::Model& m) {
    auto st = genre::json::parse(m.state);
    auto p = st["prior"].get<std::vector<double>>();
    std::reverse(p.begin(), p.end());
    st["prior"] = p;
    m.state = st.dump();
  };
  REQUIRE(tamper(d.path / "cache", "baseline", reverse) == 1);
  auto [rc2, after] = e2e::run(keyed("team-secret", study(d, 1)));
  INFO(after);
  CHECK(rc2 == 0);
  CHECK_THAT(after, Catch::Contains("its signature does not match GENRE_CACHE_KEY: written with another key, or edited"));
  CHECK(accuracy_values(after) == truth);
  // Another key: nothing is trusted.
  auto [rc3, other] = e2e::run(keyed("other", study(d, 2)));
  INFO(other);
  CHECK(rc3 == 0);
  CHECK_THAT(other, Catch::Contains("signature does not match GENRE_CACHE_KEY"));
  CHECK(accuracy_values(other) == truth);
  // Without a key the same edit goes unnoticed: the trust model (docs/architecture.md) says so.
  TempDir e;
  REQUIRE(e2e::run(e2e::genre("run " + study(e, 0))).first == 0);
  REQUIRE(tamper(e.path / "cache", "baseline", reverse) == 1);
  auto [rc4, unkeyed] = e2e::run(e2e::genre("run " + study(e, 1)));
  CHECK(rc4 == 0);
  CHECK(accuracy_values(unkeyed) != truth);
  // Unsigned entries met with a key are recomputed (and signed).
  auto [rc5, signed_now] = e2e::run(keyed("team-secret", study(e, 2)));
  INFO(signed_now);
  CHECK(rc5 == 0);
  CHECK_THAT(signed_now, Catch::Contains("is not signed with GENRE_CACHE_KEY: recomputing"));
  CHECK(accuracy_values(signed_now) == truth);
}

TEST_CASE("a cached network whose weights LibTorch cannot read is recomputed, not an internal error", "[e2e]") {
  TempDir d;
  auto study = [&](int seed) {
    return d.write("n" + std::to_string(seed) + ".genre",
                   "dataset tracks = csv(\"" + e2e::fma_csv() + "\", label: \"genre_top\") |> drop_columns([\"track_id\"])\n"
                   "split s = tracks |> split(train: 70%, test: 30%, stratify: label, seed: 1)\n"
                   "model mlp = classifier { dense(16, relu)\n dense(softmax) } with { epochs: 2, seed: 1 }\n"
                   "train nn = fit(mlp, s.train)\n"
                   "report r = evaluate(nn, s.test, seed: " + std::to_string(seed) + ") { accuracy }\n")
               .string() + " --cache " + (d.path / "cache").string();
  };
  auto [rc, before] = e2e::run(e2e::genre("run " + study(0)));
  REQUIRE(rc == 0);
  // Garbage weights (exit 3 once: the bytes went straight to torch::load).
  REQUIRE(tamper(d.path / "cache", "classifier", [](genre::Model& m) { m.state = "not a torch archive"; }) == 1);
  auto [rc2, after] = e2e::run(e2e::genre("run " + study(1)));
  INFO(after);
  CHECK(rc2 == 0);
  CHECK_THAT(after, Catch::Contains("the classifier model's state: the saved classifier network is damaged: LibTorch "
                                    "cannot read its weights"));
  CHECK_THAT(after, Catch::Contains("run   nn/fit"));
}
