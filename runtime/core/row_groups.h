// Tables larger than memory: rows written and read a row group at a time.
//
// An op that declares need.groups (midi_folder, instruments, piano_roll) hands its
// table on in groups (RowGroupsOut): the runtime appends each to the node's cache
// entry as it comes, so the op holds one group, never the corpus. Its value is then a
// stored Table (Table::stored): the entry's path and where each group lies. Ops that
// declare need.groups read their inputs with each_group; the runtime gives the others
// whole() tables. A table in memory is one group, so such an op reads both alike.
//
// Groups never split a file's rows (the ops that write them cut between files), so an
// op that works per file (instruments' require: all, piano_roll) sees each file whole.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre {

struct StoredRows {
  struct Group {
    uint64_t at = 0, size = 0, rows = 0;  // the body's offset and bytes in the file, its rows
  };
  std::string path;  // a cache entry (runtime/engine/cache.h), verified when it was opened
  std::vector<Group> groups;
  std::vector<std::string> columns;  // every group's, in order
};

// Calls fn with each row group of t in order and the index of its first row in t.
void each_group(const Table& t, const std::function<void(const Table& group, size_t first_row)>& fn);

// t with its rows in memory: t itself, or every group appended.
Table whole(const Table& t);
Value whole(const Value& v);

// Appends from's rows to `to`, which has the same columns in the same order (a later
// row group of one table); std::runtime_error if they differ.
void append_rows(Table& to, Table&& from);
// "" when `group` has `first`'s columns (names and kinds, in order); else how it differs.
std::string other_columns(const Table& first, const Table& group);

// Reads exactly n bytes at `at` of an open file; false at its end (errno 0) or on an error.
bool read_exact(int fd, uint64_t at, size_t n, char* out);

// Where an op that declares need.groups sends its table (OpContext::rows_out).
class RowGroupsOut {
 public:
  virtual ~RowGroupsOut() = default;
  virtual void add(Table&& group) = 0;  // every group has the first one's columns
  virtual Table finish() = 0;           // the op's value; at least one group was added
};

// A sequence column (a window's piano roll) read a batch of rows at a time: from memory, or,
// for a stored table, from its cache entry: one pass notes where each row's floats lie, and a
// batch is then read with a pread a row. So a fit over a corpus larger than memory holds one
// batch of rows, whichever rows it asks for in whatever order.
class SequenceRows {
 public:
  SequenceRows(const Table& t, const std::string& column);  // DataError: no such column, or not a sequence
  ~SequenceRows();
  SequenceRows(const SequenceRows&) = delete;
  SequenceRows& operator=(const SequenceRows&) = delete;

  size_t size() const { return steps_.size(); }
  uint32_t dims() const { return dims_; }
  size_t steps(size_t row) const { return steps_[row]; }
  bool present(size_t row) const { return present_[row] != 0; }
  // The rows' floats (steps(row) x dims() each), valid until the next load.
  const std::vector<const float*>& load(const std::vector<int64_t>& rows);

 private:
  const Column* mem_ = nullptr;  // the column, when the table is in memory
  std::string path_;
  int fd_ = -1;
  uint32_t dims_ = 0;
  std::vector<uint64_t> at_;  // stored: each row's first float in the file
  std::vector<size_t> steps_;
  std::vector<uint8_t> present_;
  std::vector<float> buf_;
  std::vector<const float*> ptrs_;
};

// About how many rows an op puts in a group before it cuts (at the next file): 131,072, or
// $GENRE_ROW_GROUP_ROWS. Results never depend on it (tests run a study with small groups and
// compare); larger groups hold more in memory, smaller ones cost a little per group.
size_t group_rows();

// Groups appended in memory: where no cache entry takes them (a read-only cache, a test).
std::unique_ptr<RowGroupsOut> rows_in_memory();

}  // namespace genre
