// The on-disk cache: every node's result stored under its content key.
//
//   dir/P/ab/<key>.val      an entry: header + serialize(value)
//   dir/P/ab/<key>.lock     taken (flock) while a node is being computed
//   dir/P/ab/<key>.corrupt  an entry that failed its checksum, kept for inspection
//   dir/runs/<name>.json    run records: what the planner saw last time
//
// P ("cpu-1a2b3c4d") names the numeric platform (runtime/core/threads.h): another
// CPU, or another ATEN_CPU_CAPABILITY, may round differently, so a cache shared
// between machines serves each the values its own platform computed, and a
// lock verifies bit for bit. Keys (and the seeds drawn from them) stay the same.
//
// Entries are written to a temp file and renamed into place, so a reader sees
// a whole entry or none, even if the writer is killed.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/core/value.h"

namespace genre {

// An exclusive lock on one key, held until destroyed. Works between threads
// and between processes (flock on its own open file).
class EntryLock {
 public:
  EntryLock() = default;
  explicit EntryLock(const std::filesystem::path& file);  // blocks until the lock is ours
  EntryLock(EntryLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  EntryLock& operator=(EntryLock&& o) noexcept;
  ~EntryLock() { unlock(); }
  void unlock();
  bool owns_lock() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Where a script's results are cached: `flag` (--cache) when given, else
// $GENRE_CACHE, else .genre/cache in `script_dir`. `genre run` and `genre repl`
// both ask here, so a session reuses what a run computed and the other way round.
std::string cache_dir(const std::string& flag, const std::filesystem::path& script_dir);

class Cache {
 public:
  explicit Cache(std::filesystem::path dir);  // creates dir if needed

  // The value stored under key, or nullopt. A damaged entry also gives nullopt,
  // is moved aside to <key>.corrupt, and *problem says so (for the user).
  std::optional<Value> get(const std::string& key, std::string* problem = nullptr);
  void put(const std::string& key, const Value& v);
  bool contains(const std::string& key) const;  // the file exists; get() still verifies it

  // Hold this around check-compute-put so two runs computing the same node
  // serialise: the second waits, then finds the entry.
  EntryLock lock(const std::string& key);

  std::filesystem::path path_of(const std::string& key) const;
  const std::filesystem::path& dir() const { return dir_; }

  // Removes temp files older than an hour (left by killed runs). Returns how many.
  size_t gc_temps();

  // Run records: small JSON the planner keeps between runs. A missing or
  // unreadable record reads as null.
  json read_record(const std::string& name) const;
  void write_record(const std::string& name, const json& j);

 private:
  std::filesystem::path dir_;
  std::filesystem::path entries_;  // dir_/P
};

}  // namespace genre
