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

// Taking turns. this_run(): the run_dag whose task the calling thread is running (nullptr outside
// one); read it at the start of the task, before anything that may take a turn. take_turn(run):
// called by a task between the steps of long work (a training epoch). When ready tasks wait for
// a job slot, this task hands its slot to the first of them and waits at the back of the line,
// so that 3 equal trials on 2 slots take turns and finish together (1.5x one trial) instead of
// the third running alone on one core while the other idles (2x). At most `jobs` tasks wait like
// this at once (each keeps its memory), so 12 trials on 2 slots do not all start at once.
// The task may go on on another thread: thread-local settings (LibTorch's thread count) must be
// set again after it returns. Returns the seconds it waited; 0 at once when no task waits, or
// for a null run.
struct DagRun;
DagRun* this_run();
double take_turn(DagRun* run);

}  // namespace genre
