#include "runtime/core/write_atomic.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "runtime/core/value.h"

namespace genre {

void write_atomic(const std::filesystem::path& target, std::string_view bytes, int mode) {
  write_atomic(target, {bytes}, mode);
}

void write_atomic(const std::filesystem::path& target, std::initializer_list<std::string_view> pieces, int mode) {
  // Unique per process, thread and call: two writers of one target never share a temp file.
  static std::atomic<uint64_t> counter{0};
  std::filesystem::path tmp = target;
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + "." +
         std::to_string(counter++);
  auto errno_text = [] { return std::string(std::strerror(errno)); };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode < 0 ? 0644 : mode);
  if (fd < 0) throw DataError(target.string() + ": cannot write (create " + tmp.string() + ": " + errno_text() + ")");
  if (mode >= 0) (void)::fchmod(fd, mode_t(mode));  // open() applied the umask
  std::string failed;
  for (std::string_view bytes : pieces) {
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0 && failed.empty()) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) failed = "write: " + errno_text();
      else p += n, left -= size_t(n);
    }
  }
  if (failed.empty() && ::fsync(fd) != 0) failed = "fsync: " + errno_text();
  ::close(fd);
  if (failed.empty() && ::rename(tmp.c_str(), target.c_str()) != 0) failed = "rename: " + errno_text();
  if (!failed.empty()) {
    ::unlink(tmp.c_str());
    throw DataError(target.string() + ": cannot write (" + failed + ")");
  }
}

bool write_if_changed(const std::filesystem::path& target, std::string_view bytes) {
  int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && size_t(st.st_size) == bytes.size();
    std::string buf(same ? std::min<size_t>(bytes.size(), 1 << 20) : 0, '\0');
    for (size_t at = 0; same && at < bytes.size();) {
      ssize_t n = ::read(fd, buf.data(), std::min(buf.size(), bytes.size() - at));
      if (n < 0 && errno == EINTR) continue;
      same = n > 0 && std::memcmp(buf.data(), bytes.data() + at, size_t(n)) == 0;
      at += n > 0 ? size_t(n) : 0;
    }
    ::close(fd);
    if (same) return false;
  }
  write_atomic(target, bytes);
  return true;
}

}  // namespace genre
