// End to end: the machine's limits end a run with a message, never a signal.
#include <catch2/catch.hpp>

#include "shell.h"

using e2e::genre;
using e2e::small_study;
using e2e::TempDir;

TEST_CASE("a file-size limit (ulimit -f) is a data error naming the file, not death by SIGXFSZ", "[e2e]") {
  TempDir d;
  std::string f = d.write("study.genre", small_study("1")).string();
  // 8 blocks: far less than the table the first op caches. (Exit 153 = 128 + SIGXFSZ before.)
  auto r = e2e::run("ulimit -f 8; " + genre("run " + f + " --cache " + (d.path / "cache").string()));
  INFO(r.second);
  CHECK(r.first == 2);
  CHECK_THAT(r.second, Catch::Contains("File too large"));
  CHECK_THAT(r.second, Catch::Contains((d.path / "cache").string()));
}

TEST_CASE("usage mistakes exit 1 with CLI11's message; help and version exit 0", "[e2e][cli]") {
  auto [rc, out] = e2e::run(e2e::genre(""));  // no subcommand
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("A subcommand is required"));
  std::tie(rc, out) = e2e::run(e2e::genre("run --no-such-flag x.genre"));
  CHECK(rc == 1);
  std::tie(rc, out) = e2e::run(e2e::genre("check /no/such/file.genre"));
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("/no/such/file.genre"));
  std::tie(rc, out) = e2e::run(e2e::genre("ops --help"));
  CHECK(rc == 0);
  std::tie(rc, out) = e2e::run(e2e::genre("ops knn"));
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("k?: integer = 5 [k >= 1]"));
  std::tie(rc, out) = e2e::run(e2e::genre("ops knm"));
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("no op named 'knm' (did you mean 'knn'?)"));
}
