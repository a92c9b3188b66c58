#include "runtime/engine/cache.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <xxhash.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <optional>

#include <algorithm>
#include <map>
#include <set>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "runtime/core/hash.h"
#include "runtime/core/threads.h"
#include "runtime/core/write_atomic.h"

namespace genre {

namespace fs = std::filesystem;

namespace {

// Entry header: "GNRC", u32 version, u64 payload size, u64 XXH3-64 of the payload.
// Version 2 is version 1 followed by a 32-byte keyed BLAKE2b tag of header and
// payload: written when GENRE_CACHE_KEY is set (docs/architecture.md, "Trusting a cache").
constexpr char magic[4] = {'G', 'N', 'R', 'C'};
constexpr uint32_t version = 1, signed_version = 2;
constexpr size_t header_size = 24, tag_size = crypto_generichash_BYTES;

// The MAC key: BLAKE2b of $GENRE_CACHE_KEY's text, or nullopt when it is unset.
using MacKey = std::array<unsigned char, crypto_generichash_KEYBYTES>;
const std::optional<MacKey>& mac_key() {
  static const std::optional<MacKey> key = []() -> std::optional<MacKey> {
    const char* k = std::getenv("GENRE_CACHE_KEY");
    if (!k || !*k) return std::nullopt;
    if (sodium_init() < 0) throw InternalError("libsodium could not start");
    MacKey out;
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(k), std::strlen(k), nullptr, 0);
    return out;
  }();
  return key;
}

std::string mac(const MacKey& key, std::string_view header, std::string_view payload) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), tag_size);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(header.data()), header.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  std::string tag(tag_size, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(tag.data()), tag.size());
  return tag;
}

std::string errno_text() { return std::strerror(errno); }

void put_u64(std::string& out, uint64_t v, int bytes = 8) {
  for (int i = 0; i < bytes; ++i) out.push_back(char(v >> (8 * i)));
}
uint64_t get_u64(const char* p, int bytes = 8) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
  return v;
}

// Keys become file names: keep them to characters that cannot escape the folder.
void check_key(const std::string& key) {
  bool ok = key.size() >= 3;
  for (char c : key) ok = ok && (std::isalnum(uint8_t(c)) || c == '_' || c == '-');
  if (!ok) throw InternalError("cache key \"" + key + "\" is not a plain name of 3+ letters/digits");
}

// Record names may be anything (a script path); escape what a file name cannot hold.
std::string file_name_for(const std::string& name) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out.push_back(char(c));
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  if (out.empty() || out == "." || out == "..") out = "%" + out;
  return out;
}

// The rest of an open file (closed after).
std::optional<std::string> read_fd(int fd, std::string* error) {
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = errno_text();
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

// The whole file, or nullopt if it does not exist.
std::optional<std::string> read_all(const fs::path& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) *error = errno_text();
    return std::nullopt;
  }
  return read_fd(fd, error);
}

// What an entry's header says, for a file of file_size bytes: where the payload ends and its
// checksum; or why it cannot be used: `damage` (moved aside) or `other` (another genre wrote it,
// or it is not signed with the key set now: replaced when recomputed).
struct Header {
  uint64_t size = 0, sum = 0;
  std::string damage, other;
};

Header read_header(const char* head, uint64_t file_size) {
  Header h;
  if (file_size < header_size || std::memcmp(head, magic, 4) != 0) return h.damage = "not a cache entry", h;
  uint32_t ver = uint32_t(get_u64(head + 4, 4));
  if (ver != version && ver != signed_version) return h.other = "was written by another version of genre", h;
  if (mac_key() && ver != signed_version) return h.other = "is not signed with GENRE_CACHE_KEY", h;
  h.size = get_u64(head + 8);
  h.sum = get_u64(head + 16);
  size_t tag = ver == signed_version ? tag_size : 0;
  if (file_size < header_size + tag) return h.damage = "truncated: no signature", h;
  uint64_t have = file_size - header_size - tag;
  if (have < h.size) return h.damage = "truncated: " + std::to_string(have) + " of " + std::to_string(h.size) + " bytes", h;
  if (have > h.size) h.damage = std::to_string(have - h.size) + " extra bytes";
  return h;
}

// Feeds fn the bytes [at, at + size) of an open file, a megabyte at a time; false on a read error.
bool stream_range(int fd, uint64_t at, uint64_t size, const std::function<void(const char*, size_t)>& fn) {
  std::string buf(size_t(std::min<uint64_t>(size, 1 << 20)), '\0');
  for (uint64_t done = 0; done < size;) {
    size_t n = size_t(std::min<uint64_t>(buf.size(), size - done));
    if (!read_exact(fd, at + done, n, buf.data())) return false;
    fn(buf.data(), n);
    done += n;
  }
  return true;
}

// An entry written in row groups (its payload starts with groups_header()), opened without
// reading it whole: checksum and signature verified in one pass over the file, then its groups
// indexed. `fd` stays open for the caller to close.
struct StoredEntry {
  std::optional<Table> table;
  std::string error, damage, other;  // cannot read; corrupt; written by another genre or without the key
};

StoredEntry open_stored(int fd, const fs::path& path, const char* head, uint64_t file_size) {
  StoredEntry e;
  Header h = read_header(head, file_size);
  if (!h.damage.empty() || !h.other.empty()) return e.damage = h.damage, e.other = h.other, e;

  // One pass: the checksum, and the signature where a key is set.
  const auto& k = mac_key();
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> xs(XXH3_createState(), XXH3_freeState);
  if (!xs) throw std::bad_alloc();
  XXH3_64bits_reset(xs.get());
  crypto_generichash_state ms;
  if (k) {
    crypto_generichash_init(&ms, k->data(), k->size(), tag_size);
    crypto_generichash_update(&ms, reinterpret_cast<const unsigned char*>(head), header_size);
  }
  bool read = stream_range(fd, header_size, h.size, [&](const char* p, size_t n) {
    XXH3_64bits_update(xs.get(), p, n);
    if (k) crypto_generichash_update(&ms, reinterpret_cast<const unsigned char*>(p), n);
  });
  if (!read) return e.error = "read failed: " + errno_text(), e;
  if (XXH3_64bits_digest(xs.get()) != h.sum) return e.damage = "checksum mismatch", e;
  if (k) {
    std::string want(tag_size, '\0'), got(tag_size, '\0');
    crypto_generichash_final(&ms, reinterpret_cast<unsigned char*>(want.data()), tag_size);
    if (!read_exact(fd, header_size + h.size, tag_size, got.data())) return e.error = "read failed: " + errno_text(), e;
    if (sodium_memcmp(want.data(), got.data(), tag_size) != 0)
      return e.damage = "its signature does not match GENRE_CACHE_KEY: written with another key, or edited", e;
  }

  // The groups: u64 bytes, u64 rows, body; a u64 0 ends them where the payload ends.
  auto stored = std::make_shared<StoredRows>();
  stored->path = path.string();
  uint64_t end = header_size + h.size, at = header_size + groups_header().size(), rows = 0;
  for (;;) {
    char pre[16];
    if (at + 8 > end || !read_exact(fd, at, 8, pre)) return e.damage = "row groups: no end mark", e;
    uint64_t n = get_u64(pre);
    if (n == 0) {
      if (at + 8 != end) return e.damage = "row groups: bytes after the end mark", e;
      break;
    }
    if (at + 16 > end || !read_exact(fd, at + 8, 8, pre + 8)) return e.damage = "row groups: a group's header is cut", e;
    uint64_t r = get_u64(pre + 8);
    if (n > end - at - 16) return e.damage = "row groups: a group of " + std::to_string(n) + " bytes runs past the end", e;
    stored->groups.push_back({at + 16, n, r});
    rows += r;
    at += 16 + n;
  }
  if (stored->groups.empty()) return e.damage = "row groups: none", e;
  // The first group gives the table's label, source and columns, and shows the bytes parse.
  std::string first(stored->groups[0].size, '\0');
  if (!read_exact(fd, stored->groups[0].at, first.size(), first.data())) return e.error = "read failed: " + errno_text(), e;
  Table t;
  try {
    Table g = deserialize_group(first);
    if (g.rows() != stored->groups[0].rows) return e.damage = "row groups: the first says other rows than it holds", e;
    t.label = g.label;
    t.source = g.source;
    stored->columns = g.column_names();
  } catch (const std::runtime_error& x) {
    return e.damage = x.what(), e;
  }
  t.stored = std::move(stored);
  t.stored_rows = rows;
  e.table = std::move(t);
  return e;
}

// The temp file of an entry being written a row group at a time (Cache::rows_out).
class EntryRows : public RowGroupsOut {
 public:
  explicit EntryRows(const fs::path& target) {
    static std::atomic<uint64_t> counter{0};
    tmp_ = target;  // named as write_atomic names its temps, so gc_temps knows a killed run's
    tmp_ += ".tmp." + std::to_string(::getpid()) + "." +
            std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + "." + std::to_string(counter++);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw DataError(target.string() + ": cannot write (create " + tmp_.string() + ": " + errno_text() + ")");
    XXH3_64bits_reset(xs_.get());
    write(std::string(header_size, '\0'), false);  // the header, filled in by finish()
    write(groups_header());
  }
  ~EntryRows() override {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(tmp_.c_str());
  }

  void add(Table&& group) override {
    if (finished_) throw InternalError("a row group after the last");
    if (stored_->groups.empty()) {
      schema_ = group.take({});
      stored_->columns = group.column_names();
    } else if (std::string why = other_columns(schema_, group); !why.empty()) {
      throw InternalError("a row group " + why);
    }
    std::string body = serialize_group(group);
    std::string pre;
    put_u64(pre, body.size());
    put_u64(pre, group.rows());
    write(pre);
    stored_->groups.push_back({written_, body.size(), group.rows()});
    rows_ += group.rows();
    write(body);
  }

  Table finish() override {
    if (stored_->groups.empty()) throw InternalError("an op wrote no row group");
    write(std::string(8, '\0'));
    uint64_t size = written_ - header_size;
    const auto& k = mac_key();
    std::string header(magic, 4);
    put_u64(header, k ? signed_version : version, 4);
    put_u64(header, size);
    put_u64(header, XXH3_64bits_digest(xs_.get()));
    if (::pwrite(fd_, header.data(), header.size(), 0) != ssize_t(header.size())) fail("write");
    if (k) {  // the signature covers the header, known only now: read the payload back
      crypto_generichash_state ms;
      crypto_generichash_init(&ms, k->data(), k->size(), tag_size);
      crypto_generichash_update(&ms, reinterpret_cast<const unsigned char*>(header.data()), header.size());
      int in = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) fail("reopen");
      bool read = stream_range(in, header_size, size, [&](const char* p, size_t n) {
        crypto_generichash_update(&ms, reinterpret_cast<const unsigned char*>(p), n);
      });
      ::close(in);
      if (!read) fail("read back");
      std::string tag(tag_size, '\0');
      crypto_generichash_final(&ms, reinterpret_cast<unsigned char*>(tag.data()), tag_size);
      write(tag, false);
    }
    if (::fsync(fd_) != 0) fail("fsync");
    ::close(fd_);
    fd_ = -1;
    finished_ = true;
    stored_->path = tmp_.string();
    Table t;
    t.label = schema_.label;
    t.source = schema_.source;
    t.stored = std::move(stored_);
    t.stored_rows = rows_;
    return t;
  }

 private:
  fs::path tmp_;
  int fd_ = -1;
  bool finished_ = false;
  uint64_t written_ = 0, rows_ = 0;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> xs_{XXH3_createState(), XXH3_freeState};
  std::shared_ptr<StoredRows> stored_ = std::make_shared<StoredRows>();
  Table schema_;  // the first group's columns, label and source, without rows

  [[noreturn]] void fail(const char* what) {
    throw DataError(tmp_.string() + ": cannot write a cache entry (" + what + ": " + errno_text() + ")");
  }
  void write(std::string_view bytes, bool hashed = true) {
    for (size_t done = 0; done < bytes.size();) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write");
      done += size_t(n);
    }
    if (hashed) XXH3_64bits_update(xs_.get(), bytes.data(), bytes.size());
    written_ += bytes.size();
  }
};

}  // namespace

std::shared_ptr<RowGroupsOut> Cache::rows_out(const std::string& key) {
  if (!read_only_.empty()) throw InternalError("rows_out on a read-only cache");
  return std::make_shared<EntryRows>(path_of(key));
}

void Cache::place(const std::string& key, Table& t) {
  if (!t.stored) throw InternalError("place() of a table in memory");
  fs::path path = path_of(key);
  if (::rename(t.stored->path.c_str(), path.c_str()) != 0)
    throw DataError(path.string() + ": cannot store the entry (rename " + t.stored->path + ": " + errno_text() + ")");
  auto moved = std::make_shared<StoredRows>(*t.stored);
  moved->path = path.string();
  t.stored = std::move(moved);
}

EntryLock::EntryLock(const fs::path& file) {
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw DataError(file.string() + ": cannot create lock file (" + errno_text() + ")");
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    std::string why = errno_text();
    ::close(fd_);
    fd_ = -1;
    throw DataError(file.string() + ": cannot lock (" + why + ")");
  }
}

EntryLock& EntryLock::operator=(EntryLock&& o) noexcept {
  if (this != &o) {
    unlock();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void EntryLock::unlock() {
  if (fd_ < 0) return;
  ::flock(fd_, LOCK_UN);  // closing releases it too; this makes the intent plain
  ::close(fd_);
  fd_ = -1;
}

Cache::Cache(fs::path dir) : dir_(std::move(dir)), entries_(dir_ / ("cpu-" + hash_hex(numeric_platform().line()).substr(0, 8))) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw DataError(dir_.string() + ": cannot create cache folder (" + ec.message() + ")");
  // access() sees read-only mounts and permissions (and that root ignores the latter).
  if (::access(dir_.c_str(), W_OK) != 0) read_only_ = errno_text();
}

std::string cache_dir(const std::string& flag, const fs::path& script_dir) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("GENRE_CACHE"); e && *e) return e;
  return (script_dir / ".genre" / "cache").string();
}

fs::path Cache::path_of(const std::string& key) const {
  check_key(key);
  return entries_ / key.substr(0, 2) / (key + ".val");
}

bool Cache::contains(const std::string& key) const { return fs::exists(path_of(key)); }

std::optional<Value> Cache::get(const std::string& key, std::string* problem, bool rows_on_disk) {
  fs::path path = path_of(key);
  auto report = [&](const std::string& msg) {
    if (problem) *problem = msg;
    return std::nullopt;
  };
  // Damaged entries are moved aside so they are never read again but can be looked at.
  auto corrupt = [&](const std::string& why) {
    fs::path aside = path;
    aside.replace_extension(".corrupt");
    ::rename(path.c_str(), aside.c_str());  // another run may have moved it first: fine
    return report("cache entry " + key + " is corrupt (" + why + "): recomputing");
  };
  auto unreadable = [&](const std::string& why) { return report("cache entry " + key + " cannot be read (" + why + "): recomputing"); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;  // not cached: the usual case
    return unreadable(errno_text());
  }
  if (rows_on_disk) {  // an entry in row groups stays on disk; any other is read below
    std::string head(header_size + groups_header().size(), '\0');
    struct stat st {};
    if (::fstat(fd, &st) == 0 && read_exact(fd, 0, head.size(), head.data()) &&
        head.compare(header_size, std::string::npos, groups_header()) == 0) {
      StoredEntry e = open_stored(fd, path, head.data(), uint64_t(st.st_size));
      ::close(fd);
      if (!e.error.empty()) return unreadable(e.error);
      if (!e.damage.empty()) return corrupt(e.damage);
      if (!e.other.empty()) return report("cache entry " + key + " " + e.other + ": recomputing");
      return Value(std::move(*e.table));
    }
  }
  std::string error;
  auto bytes = read_fd(fd, &error);  // closes fd; reads from the start (pread moved no offset)
  if (!bytes) return unreadable(error);
  const std::string& b = *bytes;
  Header h = read_header(b.data(), b.size());
  if (!h.damage.empty()) return corrupt(h.damage);
  if (!h.other.empty()) return report("cache entry " + key + " " + h.other + ": recomputing");
  if (XXH3_64bits(b.data() + header_size, h.size) != h.sum) return corrupt("checksum mismatch");
  const auto& k = mac_key();
  if (k && sodium_memcmp(mac(*k, std::string_view(b).substr(0, header_size), std::string_view(b).substr(header_size, h.size))
                             .data(),
                         b.data() + header_size + h.size, tag_size) != 0)
    return corrupt("its signature does not match GENRE_CACHE_KEY: written with another key, or edited");
  try {
    return deserialize(std::string_view(b).substr(header_size, h.size));  // not the signature after it
  } catch (const std::runtime_error& e) {
    return corrupt(e.what());
  }
}

void Cache::put(const std::string& key, const Value& v) {
  fs::path path = path_of(key);
  std::string payload = serialize(v);
  const auto& k = mac_key();
  std::string header(magic, 4);
  put_u64(header, k ? signed_version : version, 4);
  put_u64(header, payload.size());
  put_u64(header, XXH3_64bits(payload.data(), payload.size()));
  std::string tag = k ? mac(*k, header, payload) : "";
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  write_atomic(path, {header, payload, tag});  // not joined: a large table is not copied once more
}

void Cache::put_aside(const std::string& key, const json& files) {
  fs::path path = path_of(key);
  path.replace_extension(".aside");
  std::error_code ec;
  if (files.empty()) {
    fs::remove(path, ec);  // a recomputed node that now reads every file
    return;
  }
  fs::create_directories(path.parent_path(), ec);
  write_atomic(path, files.dump(-1, ' ', false, json::error_handler_t::replace));
}

json Cache::aside(const std::string& key) const {
  fs::path path = path_of(key);
  path.replace_extension(".aside");
  std::string error;
  auto bytes = read_all(path, &error);
  json out = json::array();
  if (!bytes) return out;
  json j = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (auto& q : j)  // only well-formed pairs: the list is shown, never trusted further
    if (q.is_array() && q.size() == 2 && q[0].is_string() && q[1].is_string()) out.push_back(q);
  return out;
}

EntryLock Cache::lock(const std::string& key) {
  fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  path.replace_extension(".lock");
  return EntryLock(path);
}

size_t Cache::gc_temps() {
  // write_atomic names its temp files <target>.tmp.<pid>.<thread>.<n>. One whose
  // process is gone was left by a killed run; a writer on another machine
  // sharing this cache (a cluster) may have the same pid as a dead one here, so
  // a temp is only removed when it has also not been written to for 5 minutes
  // (an entry is written in seconds), or for an hour whatever its pid.
  size_t removed = 0;
  auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    size_t at = name.find(".tmp.");
    if (at == std::string::npos || !it->is_regular_file(ec)) continue;
    auto when = fs::last_write_time(it->path(), ec);
    if (ec) continue;
    long pid = std::strtol(name.c_str() + at + 5, nullptr, 10);
    bool gone = pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
    auto age = now - when;
    if ((age > std::chrono::hours(1) || (gone && age > std::chrono::minutes(5))) && fs::remove(it->path(), ec))
      ++removed;
  }
  return removed;
}

namespace {

// Every file of an entry: the key it belongs to ("" for none), its size, and whether it is the entry itself.
struct EntryFile {
  fs::path path;
  std::string key;
  size_t bytes = 0;
  bool value = false;
};

std::vector<EntryFile> entry_files(const fs::path& dir) {
  std::vector<EntryFile> out;
  std::error_code ec;
  for (auto& platform : fs::directory_iterator(dir, ec)) {
    if (!platform.path().filename().string().starts_with("cpu-")) continue;
    for (auto it = fs::recursive_directory_iterator(platform.path(), ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::error_code e2;
      if (!it->is_regular_file(e2)) continue;
      std::string name = it->path().filename().string();
      EntryFile f{it->path(), name.substr(0, name.find('.')), size_t(it->file_size(e2)), it->path().extension() == ".val"};
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

Cache::Usage Cache::usage() const {
  Usage u;
  std::map<std::string, std::set<std::string>> reached;  // record -> keys
  std::set<std::string> all_reached;
  std::error_code ec;
  for (auto& r : fs::directory_iterator(dir_ / "runs", ec)) {
    if (r.path().extension() != ".json") continue;
    std::string error;
    auto bytes = read_all(r.path(), &error);
    json j = bytes ? json::parse(*bytes, nullptr, false) : json();
    auto& keys = reached[r.path().stem().string()];
    if (j.is_object())
      for (auto& [label, e] : j.items())
        if (e.is_object() && e.contains("key") && e["key"].is_string()) keys.insert(e["key"].get<std::string>());
    all_reached.insert(keys.begin(), keys.end());
  }
  std::map<std::string, size_t> size_of, count_of;  // key -> bytes, entries
  for (auto& f : entry_files(dir_)) {
    u.bytes += f.bytes;
    u.entries += f.value;
    size_of[f.key] += f.bytes;
    count_of[f.key] += f.value;
    if (!all_reached.count(f.key)) {
      u.unreached_bytes += f.bytes;
      u.unreached_entries += f.value;
    }
  }
  for (auto& [name, keys] : reached) {
    Usage::Record r{name};
    for (auto& k : keys) {
      r.entries += count_of[k];
      r.bytes += size_of[k];
    }
    u.records.push_back(r);
  }
  std::sort(u.records.begin(), u.records.end(), [](auto& a, auto& b) { return a.bytes > b.bytes; });
  return u;
}

std::pair<size_t, size_t> Cache::gc() {
  std::set<std::string> reached;
  std::error_code ec;
  for (auto& r : fs::directory_iterator(dir_ / "runs", ec)) {
    std::string error;
    auto bytes = read_all(r.path(), &error);
    json j = bytes ? json::parse(*bytes, nullptr, false) : json();
    if (j.is_object())
      for (auto& [label, e] : j.items())
        if (e.is_object() && e.contains("key") && e["key"].is_string()) reached.insert(e["key"].get<std::string>());
  }
  size_t entries = 0, bytes = 0;
  for (auto& f : entry_files(dir_)) {
    bool garbage = !reached.count(f.key) || f.path.extension() == ".corrupt";
    if (garbage && fs::remove(f.path, ec)) entries += f.value, bytes += f.bytes;
  }
  gc_temps();
  return {entries, bytes};
}

size_t Cache::clean() {
  size_t bytes = 0;
  for (auto& f : entry_files(dir_)) bytes += f.bytes;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("cpu-") || name == "runs") fs::remove_all(e.path(), ec);
  }
  return bytes;
}

json Cache::read_record(const std::string& name) const {
  std::string error;
  auto bytes = read_all(dir_ / "runs" / (file_name_for(name) + ".json"), &error);
  if (!bytes) return nullptr;
  json j = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return nullptr;
  // A record is a hint (why a node will run): an entry of the wrong shape is dropped, never trusted.
  auto strings = [](const json& a) { return std::all_of(a.begin(), a.end(), [](auto& x) { return x.is_string(); }); };
  json out = json::object();
  for (auto& [label, e] : j.items()) {
    if (!e.is_object()) continue;
    bool ok = true;
    for (const char* s : {"key", "params", "op"}) ok = ok && (!e.contains(s) || e[s].is_string());
    ok = ok && (!e.contains("inputs") || (e["inputs"].is_array() && strings(e["inputs"])));
    ok = ok && (!e.contains("files") || (e["files"].is_object() && strings(e["files"])));
    if (ok) out[label] = e;
  }
  return out;
}

void Cache::write_record(const std::string& name, const json& j) {
  fs::path runs = dir_ / "runs";
  std::error_code ec;
  fs::create_directories(runs, ec);
  write_if_changed(runs / (file_name_for(name) + ".json"), j.dump(2, ' ', false, json::error_handler_t::replace));
}

}  // namespace genre
