// Runs a DAG of tasks in parallel on oneTBB: each task after its deps, at most
// `jobs` at once, in an arena of `threads` (0: jobs) that the tasks' own
// parallel loops share.
#pragma once
#include <cstddef>
#include <exception>
#include <utility>
#include <functional>
#include <string>
#include <vector>

namespace genre {

struct Task {
  std::vector<size_t> deps;  // indices of tasks that must finish first
  std::function<void()> run;
  std::string name = {};     // for error messages ("task 3" if empty)
};

// Runs every task whose deps all succeeded. If a task throws, tasks that
// depend on it (directly or not) are skipped; without keep_going no new task
// starts either. Tasks already running always finish, then the exception of
// the lowest-numbered failed task is rethrown (not the earliest in time, so a
// keep_going run reports the same error however the threads were scheduled). A bad dep index or a cycle throws InternalError
// before anything runs.
// With `failures` (and keep_going), nothing is rethrown: every failed task's
// exception and every skipped task are listed there instead, in task order.
struct DagFailures {
  std::vector<std::pair<size_t, std::exception_ptr>> failed;
  std::vector<size_t> skipped;  // not run: a task it depends on failed
};
void run_dag(std::vector<Task>& tasks, int jobs, bool keep_going = false, int threads = 0,
             DagFailures* failures = nullptr);

}  // namespace genre
