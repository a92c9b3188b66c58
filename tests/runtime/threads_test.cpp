#include <catch2/catch.hpp>

#include <thread>

#include "runtime/core/threads.h"
#include "runtime/core/value.h"

using namespace genre;

TEST_CASE("threads: the budget is --threads, else GENRE_THREADS, else OMP_NUM_THREADS, else --jobs, else the cores",
          "[threads]") {
  unsetenv("GENRE_THREADS");
  unsetenv("OMP_NUM_THREADS");
  int hw = hardware_threads();
  CHECK(hw >= 1);
  CHECK(thread_budget(0, 0) == hw);
  CHECK(thread_budget(0, 1) == 1);  // --jobs 1 means one thread in all
  CHECK(thread_budget(0, 3) == 3);
  CHECK(thread_budget(5, 1) == 5);
  setenv("OMP_NUM_THREADS", "3,1", 1);  // OpenMP's per-level list: the outer level counts
  CHECK(thread_budget(0, 1) == 3);
  setenv("GENRE_THREADS", "2", 1);
  CHECK(thread_budget(0, 1) == 2);
  CHECK(thread_budget(7, 1) == 7);
  setenv("GENRE_THREADS", "two", 1);
  CHECK_THROWS_WITH(thread_budget(0, 0), "GENRE_THREADS=\"two\" is not a thread count (a whole number from 1 to 4096)");
  setenv("GENRE_THREADS", "0", 1);
  CHECK_THROWS_AS(thread_budget(0, 0), DataError);
  unsetenv("GENRE_THREADS");
  unsetenv("OMP_NUM_THREADS");
}

TEST_CASE("threads: cap_torch_threads sets the count on the calling thread", "[threads][torch]") {
  // Run on fresh threads, as scheduler tasks do; each sets its own cap.
  for (int n : {1, 3}) {
    int seen = 0;
    std::thread t([&] {
      cap_torch_threads(n);
      seen = torch_threads();
    });
    t.join();
    CHECK(seen == n);
  }
}

TEST_CASE("threads: pick_device", "[threads][torch]") {
  CHECK(pick_device("cpu") == "cpu");
  std::string a = pick_device("auto");
  CHECK((a == "cpu" || a == "cuda"));
  if (a == "cpu") {
    CHECK_THROWS_AS(pick_device("cuda"), DataError);
    CHECK_THROWS_WITH(pick_device("cuda"), Catch::Contains("no usable CUDA GPU") && Catch::Contains("device auto or cpu"));
  } else {
    CHECK(pick_device("cuda") == "cuda");
  }
  CHECK_THROWS_WITH(pick_device("tpu"), "unknown device \"tpu\"; expected auto, cpu or cuda");
}
