// Where a run's nodes are computed. Without an executor (the local one) every
// node is computed in this process, on the TBB scheduler (run.cpp). A cluster
// executor sends each node that is not light (lang::Need) to an existing engine
// as a job running `genre worker`, which computes that one node from the shared
// cache and stores its value there; the driver waits for it. Slurm is
// slurm.cpp; another engine (Kubernetes Jobs, HTCondor) is one more such class.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/engine/run.h"

namespace genre {

// What `genre worker --status FILE` writes for the driver, for any cluster executor:
// {"seconds": S} when the node's value is stored, {"diag": ...} for its data error
// (positioned in the script), {"error": "..."} for one without a position.
json worker_status(double seconds);
json worker_status(const lang::Diagnostic& d);
json worker_status(const std::string& error);
// The driver's side: the seconds of a success; throws PlanDataError or DataError
// (prefixed with `where`, the job) for an error; nullopt for no status at all.
std::optional<double> worker_outcome(const json& status, const std::string& where);

// Ctrl-C or SIGTERM reached a run whose jobs were then cancelled: exit 130.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Whether node `n` is computed here, in the driver, rather than sent away.
  virtual bool here(const Node& n) const = 0;
  // Computes node `i` elsewhere (its inputs are already in the cache) and returns
  // once its value is in the cache, with the seconds its op ran. Throws
  // PlanDataError for the node's own data error (positioned as a local run
  // reports it), DataError for a job that died (its id, end state and log), or
  // Interrupted. Called from many threads at once.
  virtual double compute(const Plan& plan, size_t i, RunEvents& events) = 0;
  // Jobs that may be in flight at once.
  virtual int slots() const = 0;
  // Cancels every job this run submitted or adopted; compute() calls then throw
  // Interrupted. Safe from any thread; `why` is the signal's name.
  virtual void cancel(const std::string& why) = 0;
};

}  // namespace genre
