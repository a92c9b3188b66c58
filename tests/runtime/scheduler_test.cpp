#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <tbb/parallel_for.h>

#include "runtime/engine/scheduler.h"
#include "runtime/core/value.h"

using namespace genre;

namespace {

// Counts how many tasks run at the same moment.
struct Gauge {
  std::atomic<int> now{0}, most{0};
  void hold(int ms) {
    int n = ++now;
    int m = most;
    while (n > m && !most.compare_exchange_weak(m, n)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    --now;
  }
};

uint64_t rng_state = 42;
uint32_t rnd() {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return uint32_t(rng_state >> 33);
}

}  // namespace

TEST_CASE("scheduler: every task runs once, after all its deps, on random DAGs", "[scheduler]") {
  for (int round = 0; round < 30; ++round) {
    size_t n = 1 + rnd() % 60;
    int jobs = 1 + int(rnd() % 4);
    std::vector<Task> tasks(n);
    std::vector<std::atomic<int>> runs(n);
    std::vector<std::atomic<bool>> done(n);
    std::atomic<int> violations{0};
    for (size_t i = 0; i < n; ++i) {
      // Edges only from lower to higher indices: acyclic by construction.
      for (size_t j = 0; j < i; ++j)
        if (rnd() % 5 == 0) tasks[i].deps.push_back(j);
      bool nap = rnd() % 4 == 0;
      tasks[i].run = [&, i, nap] {
        for (size_t d : tasks[i].deps)
          if (!done[d]) ++violations;
        ++runs[i];
        if (nap) std::this_thread::sleep_for(std::chrono::microseconds(200));
        done[i] = true;
      };
    }
    // Shuffle indices so the order of the vector says nothing about the order of the DAG.
    std::vector<size_t> perm(n);
    for (size_t i = 0; i < n; ++i) perm[i] = i;
    for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rnd() % i]);
    std::vector<Task> shuffled(n);
    std::vector<size_t> where(n);
    for (size_t i = 0; i < n; ++i) where[perm[i]] = i;
    for (size_t i = 0; i < n; ++i) {
      Task t;
      for (size_t d : tasks[perm[i]].deps) t.deps.push_back(where[d]);
      size_t orig = perm[i];
      t.run = [&, orig] { tasks[orig].run(); };
      shuffled[i] = t;
    }
    INFO("round " << round << ", " << n << " tasks, jobs " << jobs);
    run_dag(shuffled, jobs);
    CHECK(violations == 0);
    for (size_t i = 0; i < n; ++i) CHECK(runs[i] == 1);
  }
}

TEST_CASE("scheduler: jobs=2 runs two independent tasks at once, jobs=1 never does", "[scheduler]") {
  for (int jobs : {1, 2}) {
    Gauge g;
    std::vector<Task> tasks(4);
    // Each task stays until `jobs` run together (at most 5 s): on a loaded machine a
    // second worker may take longer than a fixed hold to start.
    for (auto& t : tasks)
      t.run = [&] {
        ++g.now;
        for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
             g.now < jobs && std::chrono::steady_clock::now() < until;)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        int n = g.now, m = g.most;
        while (n > m && !g.most.compare_exchange_weak(m, n)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --g.now;
      };
    run_dag(tasks, jobs);
    CHECK(g.most == jobs);
  }
}

TEST_CASE("scheduler: never more than jobs at once, even above the core count", "[scheduler]") {
  int jobs = int(std::thread::hardware_concurrency()) + 2;
  Gauge g;
  std::vector<Task> tasks(size_t(jobs) * 2);
  // Each task waits (up to 5 s) for `jobs` to run at once before it ends: on a loaded
  // machine the workers start late, and a fixed hold may not overlap them all.
  for (auto& t : tasks)
    t.run = [&] {
      int n = ++g.now, m = g.most;
      while (n > m && !g.most.compare_exchange_weak(m, n)) {
      }
      for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
           g.most < jobs && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --g.now;
    };
  run_dag(tasks, jobs);
  CHECK(g.most == jobs);
}

TEST_CASE("scheduler: jobs bounds the tasks, threads the work: a lone task's loop uses every thread", "[scheduler]") {
  // 1 job, 3 threads: one task at a time, but its tbb::parallel_for runs 3 items at once.
  Gauge tasks_at_once, items_at_once;
  std::vector<Task> tasks(2);
  for (auto& t : tasks)
    t.run = [&] {
      tasks_at_once.hold(0);
      int n = ++tasks_at_once.now;
      tbb::parallel_for(0, 6, [&](int) { items_at_once.hold(150); });
      --tasks_at_once.now;
      CHECK(n == 1);
    };
  run_dag(tasks, 1, false, 3);
  CHECK(items_at_once.most == 3);
}

TEST_CASE("scheduler: a dependent waits even when slots are free", "[scheduler]") {
  Gauge g;
  std::atomic<bool> a_done{false};
  bool b_saw_a = false;
  std::vector<Task> tasks(2);
  tasks[0].run = [&] { g.hold(100); a_done = true; };
  tasks[1].deps = {0};
  tasks[1].run = [&] { b_saw_a = a_done; g.hold(1); };
  run_dag(tasks, 4);
  CHECK(b_saw_a);
  CHECK(g.most == 1);
}

TEST_CASE("scheduler: a failure skips its dependents and is rethrown after running tasks finish", "[scheduler]") {
  //   0 (fails) -> 1 -> 2      3 (slow, independent)     4 depends on 1 and 3
  std::atomic<int> ran1{0}, ran2{0}, ran4{0};
  std::atomic<bool> slow_finished{false};
  std::vector<Task> tasks(5);
  tasks[0].run = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    throw DataError("bad row 7");
  };
  tasks[1] = {{0}, [&] { ++ran1; }};
  tasks[2] = {{1}, [&] { ++ran2; }};
  tasks[3].run = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    slow_finished = true;
  };
  tasks[4] = {{1, 3}, [&] { ++ran4; }};
  CHECK_THROWS_WITH(run_dag(tasks, 2), "bad row 7");
  CHECK(slow_finished);  // already running: allowed to finish before the rethrow
  CHECK(ran1 == 0);
  CHECK(ran2 == 0);
  CHECK(ran4 == 0);
  CHECK_THROWS_AS(run_dag(tasks, 2), DataError);  // the original type survives
}

TEST_CASE("scheduler: without keep_going nothing new starts after a failure", "[scheduler]") {
  // 0 fails at once; 1 is slow and independent; 2..7 wait on 1. Without
  // keep_going they must not start once 1 finishes; with it they all run.
  for (bool keep_going : {false, true}) {
    std::atomic<int> after{0};
    std::vector<Task> t(8);
    // 1 finishes only after 0 has failed, however busy the machine (a fixed
    // sleep alone was not enough under load: 1 could finish before 0 ran).
    std::atomic<bool> failing{false};
    t[0].run = [&] {
      failing = true;
      throw std::runtime_error("first");
    };
    t[1].run = [&] {
      for (int i = 0; i < 500 && !failing; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    };
    for (size_t i = 2; i < 8; ++i) t[i] = {{1}, [&] { ++after; }};
    CHECK_THROWS_WITH(run_dag(t, 2, keep_going), "first");
    CHECK(after == (keep_going ? 6 : 0));
  }
}

TEST_CASE("scheduler: keep_going finishes independent branches", "[scheduler]") {
  std::atomic<int> ran{0};
  std::atomic<bool> dependent_ran{false};
  std::vector<Task> tasks(6);
  tasks[0].run = [] { throw DataError("first"); };
  tasks[1] = {{0}, [&] { dependent_ran = true; }};
  tasks[2].run = [&] { std::this_thread::sleep_for(std::chrono::milliseconds(30)); ++ran; };
  tasks[3] = {{2}, [&] { ++ran; }};
  tasks[4] = {{3}, [&] { ++ran; }};
  tasks[5] = {{4}, [] { throw DataError("second"); }};
  CHECK_THROWS_WITH(run_dag(tasks, 2, true), "first");
  CHECK(ran == 3);
  CHECK_FALSE(dependent_ran);
}

TEST_CASE("scheduler: keep_going with a failure list reports every failure and skip, throws none", "[scheduler]") {
  std::atomic<int> ran{0};
  std::vector<Task> tasks(6);
  tasks[0].run = [] { throw DataError("first"); };
  tasks[1] = {{0}, [&] { ++ran; }};
  tasks[2] = {{1}, [&] { ++ran; }};
  tasks[3].run = [&] { ++ran; };
  tasks[4] = {{3}, [] { throw DataError("second"); }};
  tasks[5] = {{3}, [&] { ++ran; }};
  DagFailures f;
  CHECK_NOTHROW(run_dag(tasks, 2, true, 2, &f));
  CHECK(ran == 2);  // 3 and 5
  REQUIRE(f.failed.size() == 2);
  CHECK(f.failed[0].first == 0);
  CHECK(f.failed[1].first == 4);
  CHECK_THROWS_WITH(std::rethrow_exception(f.failed[1].second), "second");
  CHECK(f.skipped == std::vector<size_t>{1, 2});
}

TEST_CASE("scheduler: cycles and bad indices are refused before anything runs", "[scheduler]") {
  std::atomic<int> ran{0};
  std::vector<Task> cyc(4);
  for (auto& t : cyc) t.run = [&] { ++ran; };
  cyc[1].deps = {3};
  cyc[2].deps = {1};
  cyc[3].deps = {2};
  cyc[3].name = "train nn";
  CHECK_THROWS_AS(run_dag(cyc, 2), InternalError);
  CHECK_THROWS_WITH(run_dag(cyc, 2), Catch::Contains("cycle") && Catch::Contains("task 1") &&
                                          Catch::Contains("task \"train nn\"") && !Catch::Contains("task 0"));
  std::vector<Task> self(1);
  self[0] = {{0}, [&] { ++ran; }};
  CHECK_THROWS_AS(run_dag(self, 1), InternalError);
  std::vector<Task> bad(2);
  bad[1] = {{5}, [&] { ++ran; }};
  bad[0].run = [&] { ++ran; };
  CHECK_THROWS_WITH(run_dag(bad, 2), "task 1 depends on task 5, but there are only 2 tasks");
  CHECK(ran == 0);
  std::vector<Task> none;
  CHECK_NOTHROW(run_dag(none, 3));
  CHECK_THROWS_AS(run_dag(none, 0), InternalError);
}

TEST_CASE("scheduler: take_turn lets 3 tasks on 2 slots share them to the end", "[scheduler]") {
  CHECK(this_run() == nullptr);  // not in a run_dag task
  CHECK(take_turn(nullptr) == 0);
  std::mutex mu;
  std::vector<int> log;  // task of each step, in time order
  std::vector<int> turns(3, 0);  // turns each task waited for
  Gauge g;
  std::vector<Task> tasks(3);
  for (int k = 0; k < 3; ++k)
    tasks[size_t(k)].run = [&, k] {
      DagRun* run = this_run();
      for (int step = 0; step < 6; ++step) {
        {
          std::lock_guard lock(mu);
          log.push_back(k);
        }
        g.hold(10);   // one "epoch"
        if (take_turn(run) > 0) ++turns[size_t(k)];  // may go on on another thread
      }
    };
  run_dag(tasks, 2);
  REQUIRE(log.size() == 18);
  CHECK(g.most <= 2);
  // Without turns task 2 starts at step 12, once tasks 0 and 1 have done all theirs (their last
  // steps at 10 and 11, then task 2 alone on one slot). With them it starts after their first
  // steps, long before either ends, and every task waited for its turn at least once.
  auto first = [&](int k) { return std::find(log.begin(), log.end(), k) - log.begin(); };
  auto last = [&](int k) { return log.rend() - std::find(log.rbegin(), log.rend(), k) - 1; };
  CHECK(first(2) <= 3);
  CHECK(first(2) < std::min(last(0), last(1)) - 4);
  for (int k = 0; k < 3; ++k) CHECK(turns[size_t(k)] >= 1);
}

TEST_CASE("scheduler: take_turn keeps at most jobs tasks waiting their turn", "[scheduler]") {
  std::atomic<int> started{0}, ended{0}, most_live{0};
  std::atomic<int> waited_some{0};
  std::vector<Task> tasks(12);
  for (auto& t : tasks)
    t.run = [&] {
      ++started;
      DagRun* run = this_run();
      for (int step = 0; step < 4; ++step) {
        int live = started - ended, m = most_live;
        while (live > m && !most_live.compare_exchange_weak(m, live)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        if (take_turn(run) > 0) ++waited_some;
      }
      ++ended;
    };
  run_dag(tasks, 2);
  CHECK(ended == 12);
  CHECK(waited_some > 0);
  CHECK(most_live <= 4);  // 2 holding a slot + at most 2 waiting their turn
  // Nothing waits for a slot with a slot per task: no turns taken.
  waited_some = 0, started = 0, ended = 0;
  std::vector<Task> few(3, tasks[0]);
  run_dag(few, 3);
  CHECK(waited_some == 0);
}
