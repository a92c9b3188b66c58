#include <catch2/catch.hpp>

#include <thread>

#include "runtime/threads.h"
#include "runtime/value.h"

using namespace genre;

TEST_CASE("threads: torch threads per op divide the cores among jobs", "[threads]") {
  int hw = hardware_threads();
  CHECK(hw >= 1);
  CHECK(torch_threads_per_op(1) == hw);
  CHECK(torch_threads_per_op(hw) == 1);
  CHECK(torch_threads_per_op(hw * 4) == 1);  // never 0
  CHECK(torch_threads_per_op(2) == std::max(1, hw / 2));
  CHECK(torch_threads_per_op(0) == hw);
}

TEST_CASE("threads: cap_torch_threads sets the count on the calling thread", "[threads]") {
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

TEST_CASE("threads: pick_device", "[threads]") {
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
