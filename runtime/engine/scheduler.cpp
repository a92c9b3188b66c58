#include "runtime/engine/scheduler.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>

#include "runtime/core/value.h"

namespace genre {

namespace {

std::string label(const std::vector<Task>& tasks, size_t i) {
  return tasks[i].name.empty() ? "task " + std::to_string(i) : "task \"" + tasks[i].name + "\"";
}

// Checks dep indices and acyclicity (Kahn's algorithm); returns each task's users.
std::vector<std::vector<size_t>> users_of(const std::vector<Task>& tasks) {
  size_t n = tasks.size();
  std::vector<std::vector<size_t>> users(n);
  std::vector<size_t> waiting(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t d : tasks[i].deps) {
      if (d >= n)
        throw InternalError(label(tasks, i) + " depends on task " + std::to_string(d) + ", but there are only " +
                            std::to_string(n) + " tasks");
      users[d].push_back(i);
    }
    waiting[i] = tasks[i].deps.size();
  }
  std::vector<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) ready.push_back(i);
  size_t done = 0;
  while (!ready.empty()) {
    size_t i = ready.back();
    ready.pop_back();
    ++done;
    for (size_t u : users[i])
      if (--waiting[u] == 0) ready.push_back(u);
  }
  if (done < n) {
    std::string names;
    for (size_t i = 0; i < n; ++i)
      if (waiting[i] > 0) names += (names.empty() ? "" : ", ") + label(tasks, i);
    throw InternalError("the tasks form a cycle (these never become ready: " + names + ")");
  }
  return users;
}

// The run whose task the thread is running: set when a task starts, cleared when one ends and when
// run_dag returns, read by this_run() before the task can take a turn (after a turn the task may
// go on on another thread, whose value is another task's).
thread_local DagRun* started_in = nullptr;

// A ready task not yet started, or a started one waiting its turn (take_turn).
struct Waiter {
  size_t task = 0;
  std::optional<tbb::task::suspend_point> resume;
};

}  // namespace

// One run_dag call: the tasks' state, the job slots and who waits for one. (Outside the
// anonymous namespace: this_run() hands it to tasks, as the header's opaque DagRun.)
struct DagRun {
  std::vector<Task>& tasks;
  std::vector<std::vector<size_t>> users;
  bool keep_going;
  std::unique_ptr<std::atomic<size_t>[]> waiting;  // deps not yet finished
  std::unique_ptr<std::atomic<bool>[]> blocked;    // a dep failed or was skipped
  std::atomic<bool> stop{false};                    // a task failed and !keep_going
  std::mutex mu;
  std::exception_ptr first;  // the failure of the lowest-numbered task: the same on every run
  std::vector<std::exception_ptr> errors;  // per task, when the caller wants every failure
  std::vector<char> skipped;
  size_t first_index = 0;
  tbb::task_group* group = nullptr;
  int jobs = 1;
  int running = 0;            // tasks holding a job slot (under mu)
  int turning = 0;            // tasks waiting in `queued` for their turn (under mu)
  std::deque<Waiter> queued;  // waiting for a job slot, first come first served (under mu)

  // A ready task starts now if fewer than `jobs` run, else when one finishes.
  void ready(size_t i) {
    {
      std::lock_guard lock(mu);
      if (running >= jobs) {
        queued.push_back({i, {}});
        return;
      }
      ++running;
    }
    start(i);
  }

  // Gives a job slot to `w`: starts its task, or lets it go on after take_turn.
  void launch(const Waiter& w) {
    if (w.resume) tbb::task::resume(*w.resume);
    else start(w.task);
  }

  // The first waiter, taking a job slot over (under mu).
  Waiter pop() {
    Waiter w = queued.front();
    queued.pop_front();
    if (w.resume) --turning;
    return w;
  }

  void start(size_t i) {
    group->run([this, i] {
      started_in = this;
      bool ok = false;
      if (blocked[i] && !skipped.empty()) skipped[i] = 1;
      if (!blocked[i] && !stop) {
        try {
          tasks[i].run();
          ok = true;
        } catch (...) {
          std::lock_guard lock(mu);
          if (!first || i < first_index) first = std::current_exception(), first_index = i;
          if (!errors.empty()) errors[i] = std::current_exception();
          if (!keep_going) stop = true;
        }
      }
      started_in = nullptr;  // on the thread the task ended on
      finish(i, ok);
    });
  }

  // A finished (or skipped) task releases its users; a failure blocks them.
  // Its job slot goes to the first queued task, else back to the pool.
  void finish(size_t i, bool ok) {
    for (size_t u : users[i]) {
      if (!ok) blocked[u] = true;
      if (--waiting[u] == 0) ready(u);
    }
    std::optional<Waiter> next;
    {
      std::lock_guard lock(mu);
      if (queued.empty()) --running;
      else next = pop();
    }
    if (next) launch(*next);
  }
};

DagRun* this_run() { return started_in; }

double take_turn(DagRun* r) {
  if (!r) return 0;
  {
    std::lock_guard lock(r->mu);
    if (r->queued.empty() || r->turning >= r->jobs) return 0;
  }
  auto t0 = std::chrono::steady_clock::now();
  tbb::task::suspend([r](tbb::task::suspend_point self) {
    Waiter next;
    {
      std::lock_guard lock(r->mu);
      r->queued.push_back({0, self});
      ++r->turning;
      next = r->pop();  // ourselves when the line emptied meanwhile: we go on at once
    }
    r->launch(next);
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run_dag(std::vector<Task>& tasks, int jobs, bool keep_going, int threads, DagFailures* failures) {
  if (jobs < 1) throw InternalError("run_dag: jobs must be at least 1, got " + std::to_string(jobs));
  if (threads < 1) threads = jobs;
  DagRun r{tasks, users_of(tasks), keep_going};
  r.jobs = jobs;
  size_t n = tasks.size();
  if (n == 0) return;
  if (failures) r.errors.resize(n), r.skipped.resize(n);
  r.waiting = std::make_unique<std::atomic<size_t>[]>(n);
  r.blocked = std::make_unique<std::atomic<bool>[]>(n);
  for (size_t i = 0; i < n; ++i) {
    r.waiting[i] = tasks[i].deps.size();
    r.blocked[i] = false;
  }
  // TBB caps its threads at the core count; asking for more (tasks that wait
  // on I/O or a GPU) needs the cap raised for this run.
  std::optional<tbb::global_control> raise;
  if (threads > tbb::info::default_concurrency())
    raise.emplace(tbb::global_control::max_allowed_parallelism, size_t(threads));
  // `threads` workers: the arena's idle ones help the running ops' own loops.
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::task_group group;
    r.group = &group;
    for (size_t i = 0; i < n; ++i)
      if (tasks[i].deps.empty()) r.ready(i);
    group.wait();
  });
  started_in = nullptr;  // this thread may have run a task that ended on another
  if (failures && keep_going) {
    for (size_t i = 0; i < n; ++i) {
      if (r.errors[i]) failures->failed.push_back({i, r.errors[i]});
      if (r.skipped[i]) failures->skipped.push_back(i);
    }
    return;
  }
  if (r.first) std::rethrow_exception(r.first);
}

}  // namespace genre
