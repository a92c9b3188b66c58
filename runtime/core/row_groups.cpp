#include "runtime/core/row_groups.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace genre {

namespace {

// The bytes [at, at + size) of an open file, into `out`.
void read_into(int fd, const std::string& path, uint64_t at, uint64_t size, char* out) {
  if (!read_exact(fd, at, size, out))
    throw DataError(path + ": cannot read a row group at byte " + std::to_string(at) + " (" +
                    (errno ? std::strerror(errno) : "the file ends early") + ")");
}

// Group g of s, from its open file; the offsets of `column`'s rows in the group's bytes into
// row_at (deserialize_group). The entry was verified when opened: bytes that no longer parse
// were changed since.
Table read_group(int fd, const StoredRows& s, const StoredRows::Group& g, const std::string& column = "",
                 std::vector<uint64_t>* row_at = nullptr) {
  std::string bytes(g.size, '\0');
  read_into(fd, s.path, g.at, g.size, bytes.data());
  Table group;
  try {
    group = deserialize_group(bytes, column, row_at);
  } catch (const std::runtime_error& e) {
    throw DataError(s.path + ": a row group changed after the entry was verified (" + e.what() + ")");
  }
  if (group.rows() != g.rows) throw DataError(s.path + ": a row group changed after the entry was verified");
  return group;
}

int open_stored_rows(const StoredRows& s) {
  int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(s.path + ": cannot open the stored rows (" + std::strerror(errno) + ")");
  return fd;
}

class InMemory : public RowGroupsOut {
 public:
  void add(Table&& group) override {
    if (!any_) t_ = std::move(group), any_ = true;
    else append_rows(t_, std::move(group));
  }
  Table finish() override {
    if (!any_) throw InternalError("an op wrote no row group");
    return std::move(t_);
  }

 private:
  Table t_;
  bool any_ = false;
};

}  // namespace

void each_group(const Table& t, const std::function<void(const Table& group, size_t first_row)>& fn) {
  if (!t.stored) {
    fn(t, 0);
    return;
  }
  const StoredRows& s = *t.stored;
  int fd = open_stored_rows(s);
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close{fd};
  size_t first = 0;
  for (auto& g : s.groups) {
    fn(read_group(fd, s, g), first);
    first += g.rows;
  }
}

Table whole(const Table& t) {
  if (!t.stored) return t;
  auto out = rows_in_memory();
  each_group(t, [&](const Table& g, size_t) { out->add(Table(g)); });
  return out->finish();
}

Value whole(const Value& v) {
  if (auto* t = std::get_if<Table>(&v); t && t->stored) return whole(*t);
  return v;
}

bool read_exact(int fd, uint64_t at, size_t n, char* out) {
  errno = 0;
  for (size_t done = 0; done < n;) {
    ssize_t r = ::pread(fd, out + done, n - done, off_t(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += size_t(r);
  }
  return true;
}

std::string other_columns(const Table& first, const Table& group) {
  if (group.cols.size() != first.cols.size())
    return "has " + std::to_string(group.cols.size()) + " columns, the first group " + std::to_string(first.cols.size());
  for (size_t i = 0; i < first.cols.size(); ++i) {
    const Column& a = first.cols[i];
    const Column& b = group.cols[i];
    if (a.name != b.name || a.numeric != b.numeric || a.seq_dims != b.seq_dims)
      return "column " + std::to_string(i + 1) + " is \"" + b.name + "\", in the first group \"" + a.name +
             "\" (or of another kind)";
  }
  return "";
}

void append_rows(Table& to, Table&& from) {
  if (to.stored || from.stored) throw InternalError("append_rows on a stored table");
  if (std::string why = other_columns(to, from); !why.empty()) throw std::runtime_error(why);
  for (size_t i = 0; i < to.cols.size(); ++i) {
    Column& a = to.cols[i];
    Column& b = from.cols[i];
    a.num.insert(a.num.end(), b.num.begin(), b.num.end());
    a.text.insert(a.text.end(), std::make_move_iterator(b.text.begin()), std::make_move_iterator(b.text.end()));
    a.seq.insert(a.seq.end(), std::make_move_iterator(b.seq.begin()), std::make_move_iterator(b.seq.end()));
    a.present.insert(a.present.end(), b.present.begin(), b.present.end());
  }
}

// The floats a row group holds are little-endian (runtime/core/value.cpp), read here as they lie.
static_assert(std::endian::native == std::endian::little, "SequenceRows reads floats as stored: little-endian");

SequenceRows::SequenceRows(const Table& t, const std::string& column) {
  std::string where = t.source.empty() ? std::string("table") : t.source;
  auto not_sequence = [&] {
    return DataError(where + ": column \"" + column + "\" is not a sequence column");
  };
  if (!t.stored) {
    mem_ = &t.column(column);
    if (!mem_->is_sequence()) throw not_sequence();
    dims_ = mem_->seq_dims;
    for (size_t r = 0; r < mem_->size(); ++r) steps_.push_back(mem_->steps(r));
    present_ = mem_->present;
    return;
  }
  const StoredRows& s = *t.stored;
  path_ = s.path;
  fd_ = open_stored_rows(s);
  for (auto& g : s.groups) {
    std::vector<uint64_t> at;
    Table group = read_group(fd_, s, g, column, &at);
    const Column& c = group.column(column);
    if (!c.is_sequence()) throw not_sequence();
    dims_ = c.seq_dims;
    if (at.size() != c.size()) throw InternalError("SequenceRows: row offsets do not match the rows");
    for (size_t r = 0; r < c.size(); ++r) {
      at_.push_back(g.at + at[r]);
      steps_.push_back(c.steps(r));
      present_.push_back(c.present[r]);
    }
  }
}

SequenceRows::~SequenceRows() {
  if (fd_ >= 0) ::close(fd_);
}

const std::vector<const float*>& SequenceRows::load(const std::vector<int64_t>& rows) {
  ptrs_.clear();
  if (mem_) {
    for (int64_t r : rows) ptrs_.push_back(mem_->seq[size_t(r)].data());
    return ptrs_;
  }
  size_t total = 0;
  for (int64_t r : rows) total += steps_[size_t(r)] * dims_;
  buf_.resize(total);
  size_t k = 0;
  for (int64_t r : rows) {
    size_t n = steps_[size_t(r)] * dims_;
    read_into(fd_, path_, at_[size_t(r)], n * 4, reinterpret_cast<char*>(buf_.data() + k));
    k += n;
  }
  k = 0;
  for (int64_t r : rows) ptrs_.push_back(buf_.data() + k), k += steps_[size_t(r)] * dims_;
  return ptrs_;
}

size_t group_rows() {
  if (const char* v = std::getenv("GENRE_ROW_GROUP_ROWS"); v && std::atoll(v) > 0) return size_t(std::atoll(v));
  return size_t(1) << 17;
}

std::unique_ptr<RowGroupsOut> rows_in_memory() { return std::make_unique<InMemory>(); }

}  // namespace genre
