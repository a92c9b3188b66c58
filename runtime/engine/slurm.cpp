#include "runtime/engine/slurm.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "lang/catalog.h"
#include "runtime/core/write_atomic.h"
#include "runtime/engine/cache.h"

extern char** environ;

namespace genre {

namespace fs = std::filesystem;

namespace {

struct Output {
  int rc = -1;  // the exit status; -1: it could not be started
  std::string out, err;
};

// Runs a Slurm command (found on PATH) and collects what it prints. It gets an
// empty signal mask and its own process group, so a Ctrl-C meant for genre
// reaches genre alone, which then cancels its jobs with scancel.
Output command(const std::vector<std::string>& argv) {
  Output o;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {-1, "", std::strerror(errno)};
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    return {-1, "", std::strerror(errno)};
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]), ::close(err[0]);
    return {-1, "", argv[0] + ": " + std::strerror(rc)};
  }
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* into[2] = {&o.out, &o.err};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        into[k]->append(buf, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

std::string last_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (size_t nl = s.rfind('\n'); nl != std::string::npos) s = s.substr(nl + 1);  // the last line says what failed
  return s;
}

// One word for sh -c: --wrap's command is run by a shell.
std::string sh_word(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A node's label as part of a file name: "tuned/trial[batch=256 fold=2]" -> "tuned_trial_batch_256_fold_2_".
std::string file_part(const std::string& label) {
  std::string f;
  for (char c : label) f += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return f.substr(0, 100);
}

// States in which a job will not run any more (squeue's %T).
bool ended(const std::string& state) {
  static const std::set<std::string> end = {"COMPLETED", "FAILED",   "CANCELLED", "TIMEOUT",  "NODE_FAIL",
                                            "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED"};
  return end.count(state) > 0;
}

std::string tail(const fs::path& file, size_t lines) {
  std::ifstream f(file);
  std::vector<std::string> last;
  for (std::string l; std::getline(f, l);) {
    last.push_back(l);
    if (last.size() > lines) last.erase(last.begin());
  }
  std::string out;
  for (auto& l : last) out += "\n    " + l.substr(0, 200);
  return out;
}

json read_json(const fs::path& p) {
  std::ifstream f(p);
  if (!f) return nullptr;
  try {
    return json::parse(f);
  } catch (const json::exception&) {
    return nullptr;
  }
}

class Slurm : public Executor {
 public:
  explicit Slurm(SlurmOptions o) : o_(std::move(o)), dir_(fs::path(o_.cache_dir) / "slurm") {
    platform_ = Cache(o_.cache_dir).platform();  // writable: execute() checks it for any executor
    Output q = command({"squeue", "-h", "-o", "%i", "-j", "0"});
    if (q.rc == -1)
      throw DataError("--executor slurm: cannot run squeue (" + q.err +
                      "): run genre on a machine with Slurm's client commands (slurm-client) and access to the cluster");
    if (q.rc != 0 && q.err.find("Invalid job id") == std::string::npos)
      throw DataError("--executor slurm: the cluster does not answer: squeue says: " + last_line(q.err));
    std::error_code ec;
    fs::create_directories(dir_ / "logs", ec);
    if (ec) throw DataError(fmt::format("{}: cannot create the folder for job logs ({})", (dir_ / "logs").string(), ec.message()));
    watcher_ = std::thread([this] { watch(); });
  }

  ~Slurm() override {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    watcher_.join();
  }

  bool here(const Node& n) const override {
    const lang::Signature* sig = lang::catalog().find(n.op);
    return sig && sig->need.light;
  }

  int slots() const override { return o_.max_jobs; }

  double compute(const Plan& plan, size_t i, RunEvents& events) override {
    const Node& n = plan.nodes[i];
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return cancelled_ || in_flight_ < o_.max_jobs; });
      if (cancelled_) throw Interrupted(interrupted());
      ++in_flight_;
    }
    struct Slot {
      Slurm& s;
      ~Slot() {
        {
          std::lock_guard lock(s.m_);
          --s.in_flight_;
        }
        s.cv_.notify_all();
      }
    } slot{*this};
    auto t0 = std::chrono::steady_clock::now();
    auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    events.start(n.label);
    Job job;
    std::string state;
    try {  // sbatch refused the job, or Ctrl-C came while it was submitted
      job = adopt(n, events);
      if (job.id.empty()) job = submit(n);
      events.step(n.label, 0, 0, fmt::format("Slurm job {} {}", job.id, job.state));
      state = follow(job, n.label, events);
    } catch (...) {
      events.finish(n.label, wall(), false);
      throw;
    }
    if (cancelled()) {
      events.finish(n.label, wall(), false);
      throw Interrupted(interrupted());
    }
    std::string where = "Slurm job " + job.id;
    json status = read_json(dir_ / (n.key + ".status"));
    Cache cache(o_.cache_dir);
    // The worker says it stored the value: a network filesystem may show the file a little
    // later here (NFS caches a folder's listing for up to a minute).
    for (int tries = 0; status.is_object() && status.contains("seconds") && !cache.contains(n.key) && tries < 120; ++tries)
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (cache.contains(n.key)) {
      double secs = wall();
      try {
        if (auto s = worker_outcome(status, where)) secs = *s;
      } catch (const DataError&) {  // stored by another job after this one failed: the value is what counts
      }
      events.finish(n.label, secs);
      return secs;
    }
    events.finish(n.label, wall(), false);
    worker_outcome(status, where);  // the worker's own error, positioned in the script
    std::string last = tail(job.log, 5);
    throw PlanDataError({n.file, n.range,
                         fmt::format("in {}: {} ended {}{}, storing nothing; its log: {}", n.label, where,
                                     state.empty() ? "(gone)" : state, detail(job.id), job.log),
                         last.empty() ? "" : "the log ends:" + last});
  }

  void cancel(const std::string& why) override {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(m_);
      if (cancelled_) return;
      cancelled_ = true;
      why_ = why;
      for (auto& [id, w] : watched_)
        if (!w.done) ids.push_back(id);
      cancelled_jobs_ = ids.size();
    }
    if (!ids.empty()) {
      std::vector<std::string> argv = {"scancel"};
      argv.insert(argv.end(), ids.begin(), ids.end());
      command(argv);
    }
    cv_.notify_all();
  }

 private:
  struct Job {
    std::string id, state, log;
  };
  struct Watched {
    std::string label, state;
    RunEvents* events = nullptr;
    bool done = false;
  };

  SlurmOptions o_;
  fs::path dir_;
  std::string platform_;
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, Watched> watched_;  // job id -> what squeue last said
  int in_flight_ = 0;
  bool cancelled_ = false, stop_ = false;
  std::string why_;
  size_t cancelled_jobs_ = 0;
  std::thread watcher_;

  bool cancelled() {
    std::lock_guard lock(m_);
    return cancelled_;
  }
  std::string interrupted() {
    return fmt::format("interrupted ({}): cancelled the {} Slurm job{} this run had in flight", why_, cancelled_jobs_,
                       cancelled_jobs_ == 1 ? "" : "s");
  }

  // A job an earlier driver submitted for this node and that is still queued or running.
  Job adopt(const Node& n, RunEvents& events) {
    json j = read_json(dir_ / (n.key + ".job"));
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return {};
    std::string id = j["id"], log = j.value("log", "");
    std::string state = states({id})[id];
    if (state.empty() || ended(state)) return {};
    events.note(fmt::format("{}: Slurm job {} (submitted by an earlier run) is still {}: waiting for it", n.label, id, state));
    return {id, state, log};
  }

  Job submit(const Node& n) {
    const lang::Signature* sig = lang::catalog().find(n.op);
    lang::Need need = sig ? sig->need : lang::Need{};
    fs::remove(dir_ / (n.key + ".status"));  // an earlier attempt's
    std::string log = (dir_ / "logs" / (file_part(n.label) + "-%j.log")).string();
    std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=genre " + n.label, "--output=" + log,
                                     "--chdir=" + fs::current_path().string(),
                                     fmt::format("--cpus-per-task={}", o_.cpus > 0 ? o_.cpus : need.cpus),
                                     "--mem=" + (o_.mem.empty() ? fmt::format("{}G", need.mem_gb) : o_.mem)};
    if (need.gpu && (o_.gpus > 0 || o_.device == "cuda")) argv.push_back(fmt::format("--gpus={}", o_.gpus > 0 ? o_.gpus : 1));
    if (!o_.partition.empty()) argv.push_back("--partition=" + o_.partition);
    if (!o_.time.empty()) argv.push_back("--time=" + o_.time);
    argv.insert(argv.end(), o_.args.begin(), o_.args.end());
    std::string wrap;
    for (auto& w : o_.worker) wrap += sh_word(w) + " ";
    wrap += "--node " + n.key + " --status " + sh_word((dir_ / (n.key + ".status")).string()) + " --platform " + platform_;
    argv.push_back("--wrap=" + wrap);
    Output r = command(argv);
    std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
    if (r.rc != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      throw DataError("sbatch did not take the job: " + last_line(r.err.empty() ? r.out : r.err));
    Job job{id, "PENDING", log.replace(log.rfind("%j"), 2, id)};
    write_atomic(dir_ / (n.key + ".job"), json{{"id", id}, {"log", job.log}, {"node", n.label}}.dump() + "\n");
    std::lock_guard lock(m_);
    if (cancelled_) {  // Ctrl-C came while sbatch ran: this job was not among those cancelled
      command({"scancel", id});
      throw Interrupted(interrupted());
    }
    return job;
  }

  // Waits until squeue says the job has ended (or no longer knows it); returns its end state.
  std::string follow(const Job& job, const std::string& label, RunEvents& events) {
    std::unique_lock lock(m_);
    watched_[job.id] = {label, job.state, &events, false};
    cv_.notify_all();
    cv_.wait(lock, [&] { return watched_[job.id].done || cancelled_; });
    std::string state = watched_[job.id].state;
    watched_.erase(job.id);
    return state;
  }

  // squeue's state of each job; "" for one it no longer knows (ended long ago).
  std::map<std::string, std::string> states(const std::vector<std::string>& ids) {
    std::map<std::string, std::string> out;
    std::string list;
    for (auto& id : ids) list += (list.empty() ? "" : ",") + id, out[id] = "";
    Output r = command({"squeue", "-h", "--states=all", "-o", "%i %T", "-j", list});
    if (r.rc != 0 && ids.size() > 1) {  // one unknown id fails the whole call: ask one by one
      for (auto& id : ids) out[id] = states({id})[id];
      return out;
    }
    if (r.rc != 0) {
      if (r.err.find("Invalid job id") == std::string::npos) out[ids[0]] = "?";  // the controller is busy: ask again later
      return out;
    }
    std::istringstream in(r.out);
    for (std::string id, state; in >> id >> state;)
      if (out.count(id)) out[id] = state;
    return out;
  }

  // The watcher thread: one squeue call a second for every job followed.
  void watch() {
    std::unique_lock lock(m_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(500));
      std::vector<std::string> ids;
      for (auto& [id, w] : watched_)
        if (!w.done) ids.push_back(id);
      if (ids.empty() || stop_) continue;
      lock.unlock();
      auto now = states(ids);
      lock.lock();
      for (auto& [id, state] : now) {
        auto w = watched_.find(id);
        if (w == watched_.end() || w->second.done || state == "?") continue;
        if (state != w->second.state && !state.empty() && !ended(state))
          w->second.events->step(w->second.label, 0, 0, fmt::format("Slurm job {} {}", id, state));
        if (!state.empty()) w->second.state = state;
        w->second.done = state.empty() || ended(state);
      }
      cv_.notify_all();
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      lock.lock();
    }
  }

  // ", exit code 2:0 (NonZeroExitCode)" from scontrol, while Slurm still remembers the job.
  std::string detail(const std::string& id) {
    Output r = command({"scontrol", "-o", "show", "job", id});
    if (r.rc != 0) return "";
    std::istringstream in(r.out);
    std::string exit, reason;
    for (std::string w; in >> w;) {
      if (w.starts_with("ExitCode=")) exit = w.substr(9);
      if (w.starts_with("Reason=")) reason = w.substr(7);
    }
    if (exit.empty()) return "";
    return fmt::format(", exit code {}{}", exit, reason.empty() || reason == "None" ? "" : " (" + reason + ")");
  }
};

}  // namespace

std::unique_ptr<Executor> slurm_executor(SlurmOptions o) { return std::make_unique<Slurm>(std::move(o)); }

}  // namespace genre
