// `--executor slurm`: each node that is not light becomes a Slurm job (sbatch)
// running `genre worker`, which computes that node from the shared cache and
// stores it there. The driver submits a node once its inputs are in the cache,
// follows its jobs with squeue, and on a failure names the node, the job id, its
// end state and its log. docs/cluster.md says how to run it on a real cluster.
//
// Files, in the cache folder (which the jobs must see: a shared filesystem):
//   slurm/<key>.job       the job last submitted for a node: a later driver finds a
//                         job still queued or running there and waits for it
//   slurm/<key>.status    what the worker reports: its op's seconds, or its error
//   slurm/logs/<node>-<job id>.log   the job's output
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/engine/executor.h"

namespace genre {

struct SlurmOptions {
  // The command that computes one node, less --node, --status and --platform
  // (added per job): genre worker SCRIPT [TARGETS] --cache DIR ...
  std::vector<std::string> worker;
  std::string cache_dir;  // shared with the jobs
  std::string device = "auto";  // "cuda": an op that declares a GPU asks for one
  // Overrides of each op's lang::Need; "" or 0 keep it. gpus: for ops that declare a GPU.
  std::string partition, time, mem;
  int cpus = 0, gpus = 0;
  int max_jobs = 32;              // jobs in flight at once
  std::vector<std::string> args;  // more sbatch options; they come last, so they win
};

// Throws DataError when Slurm cannot be reached (no sbatch, no controller) or the
// cache is not writable.
std::unique_ptr<Executor> slurm_executor(SlurmOptions o);

}  // namespace genre
