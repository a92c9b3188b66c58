#include <catch2/catch.hpp>

#include "runtime/engine/executor.h"

using namespace genre;

// What a cluster job's worker writes and the driver reads back (runtime/engine/executor.h).
TEST_CASE("a worker's status: seconds, a positioned data error, a plain error, or nothing usable", "[executor]") {
  CHECK(worker_outcome(worker_status(2.5), "Slurm job 7") == 2.5);

  lang::Diagnostic d{"study.genre", {{17, 14, 402}, {17, 17, 405}}, "in long/fit: knn: k = 9 but 3 rows", "fewer"};
  try {
    worker_outcome(json::parse(worker_status(d).dump()), "Slurm job 7");
    FAIL("no exception");
  } catch (const PlanDataError& e) {
    CHECK(e.diag.file == "study.genre");
    CHECK(e.diag.range.begin.line == 17);
    CHECK(e.diag.range.begin.col == 14);
    CHECK(e.diag.range.end.offset == 405);
    CHECK(e.diag.message == "in long/fit: knn: k = 9 but 3 rows");
    CHECK(e.diag.hint == "fewer");
  }

  CHECK_THROWS_WITH(worker_outcome(worker_status(std::string("no node has the key abc now")), "Slurm job 7"),
                    "Slurm job 7: no node has the key abc now");

  // Not what a worker writes (a half-copied file, another program's JSON): as if it wrote nothing.
  CHECK_FALSE(worker_outcome(nullptr, "x"));
  CHECK_FALSE(worker_outcome(json{{"seconds", "soon"}}, "x"));
  CHECK_FALSE(worker_outcome(json{{"diag", {{"file", 3}}}}, "x"));
  CHECK_FALSE(worker_outcome(json::array({1, 2}), "x"));
}
