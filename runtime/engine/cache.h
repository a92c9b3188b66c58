// The on-disk cache: every node's result stored under its content key.
//
//   dir/P/ab/<key>.val      an entry: header + serialize(value)
//   dir/P/ab/<key>.lock     taken (flock) while a node is being computed
//   dir/P/ab/<key>.corrupt  an entry that failed its checksum, kept for inspection
//   dir/P/ab/<key>.aside    the files the node set aside (JSON [[file, reason], ...]),
//                           written before the entry, so every run that reuses it lists them
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
#include <memory>
#include <optional>
#include <string>

#include "runtime/core/row_groups.h"
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

  // "" when entries can be stored; else why not ("Read-only file system",
  // "Permission denied"). A read-only cache (a team's, mounted read-only) still
  // serves what it holds; a run computes the rest without storing it.
  const std::string& read_only() const { return read_only_; }

  // The value stored under key, or nullopt. A damaged entry also gives nullopt,
  // is moved aside to <key>.corrupt, and *problem says so (for the user).
  // With rows_on_disk, an entry written in row groups comes back as a stored table (its
  // groups read when an op asks, runtime/core/row_groups.h); otherwise whole.
  std::optional<Value> get(const std::string& key, std::string* problem = nullptr, bool rows_on_disk = false);
  void put(const std::string& key, const Value& v);
  // A writer of the entry under `key`, a row group at a time, into a temp file: its
  // finish() gives a stored table there, which place() then moves into the entry.
  std::shared_ptr<RowGroupsOut> rows_out(const std::string& key);
  void place(const std::string& key, Table& t);  // t: from rows_out's finish(); repointed at the entry
  bool contains(const std::string& key) const;  // the file exists; get() still verifies it

  // The files a node set aside while computing the value under `key`: stored
  // beside it (put_aside before put), read by every run that reuses it. An
  // empty list writes nothing; a missing or unreadable list reads as empty.
  void put_aside(const std::string& key, const json& files);
  json aside(const std::string& key) const;

  // Hold this around check-compute-put so two runs computing the same node
  // serialise: the second waits, then finds the entry.
  EntryLock lock(const std::string& key);

  std::filesystem::path path_of(const std::string& key) const;
  const std::filesystem::path& dir() const { return dir_; }
  // This process's numeric platform, as the cache names its folder ("cpu-1a2b3c4d").
  std::string platform() const { return entries_.filename().string(); }

  // Removes the temp files killed runs left (see cache.cpp for when a temp is
  // judged left over). Returns how many.
  size_t gc_temps();

  // What the cache holds (`genre cache`): every entry on every platform, and
  // per run record (a script's runs, its exports and predictions) the entries
  // its nodes' keys reach. An entry no record reaches is garbage: a node of a
  // script since changed, or of one deleted.
  struct Usage {
    struct Record {
      std::string name;  // the record's file name, "<script>-<hash of its path>"
      size_t entries = 0, bytes = 0;
    };
    std::vector<Record> records;
    size_t entries = 0, bytes = 0;                   // all of it (entries, sidecars, locks)
    size_t unreached_entries = 0, unreached_bytes = 0;
  };
  Usage usage() const;
  // Removes the entries no run record reaches, moved-aside corrupt entries and
  // left-over temp files; returns the entries and bytes freed. An entry a run
  // is writing right now may be removed: that run's next use recomputes it.
  std::pair<size_t, size_t> gc();
  // Removes every entry and run record (the folder stays); returns the bytes freed.
  size_t clean();

  // Run records: small JSON the planner keeps between runs. A missing or
  // unreadable record reads as null.
  json read_record(const std::string& name) const;
  void write_record(const std::string& name, const json& j);

 private:
  std::filesystem::path dir_;
  std::filesystem::path entries_;  // dir_/P
  std::string read_only_;
};

}  // namespace genre
