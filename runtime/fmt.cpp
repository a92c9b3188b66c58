// `genre fmt`: the command around lang/format.cpp.
#include "runtime/fmt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "lang/diagnostics.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "runtime/value.h"

namespace genre {

namespace {

// Replaces `path` by `text` through a temp file beside it and a rename, keeping its mode:
// an interrupted write leaves the old script whole.
void replace_file(const std::string& path, const std::string& text) {
  struct stat st {};
  mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  std::string tmp = path + ".fmt." + std::to_string(::getpid());
  std::string failed;
  auto fail = [&](const std::string& what) { failed = what + " (" + std::strerror(errno) + ")"; };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    fail("cannot create " + tmp);
  } else {
    ::fchmod(fd, mode);  // open() applied the umask
    for (size_t done = 0; done < text.size() && failed.empty();) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("cannot write " + tmp);
      else done += size_t(n);
    }
    if (failed.empty() && ::fsync(fd) != 0) fail("cannot write " + tmp);
    ::close(fd);
    if (failed.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot replace it");
    if (!failed.empty()) ::unlink(tmp.c_str());
  }
  if (!failed.empty()) throw DataError(path + ": " + failed);
}

}  // namespace

int run_fmt(const FmtOptions& o) {
  if (o.files.size() > 1 && !o.write && !o.check) {
    std::cerr << "genre fmt: several files need -w (rewrite them) or --check (list those not formatted)\n";
    return 1;
  }
  int rc = 0;
  size_t unformatted = 0;
  for (const std::string& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DataError(file + ": cannot read the script");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string source = ss.str();

    lang::Diagnostics d;
    lang::Script s = lang::parse(file, source, d);
    if (d.has_errors()) {
      std::cerr << lang::format(d, s) << fmt::format("{}: not formatted: fix the syntax first\n", file);
      rc = 1;
      continue;
    }
    std::string text = lang::format_script(s);
    if (o.check) {
      if (text != source) {
        std::cout << file << "\n";
        ++unformatted;
        rc = 1;
      }
    } else if (o.write) {
      if (text != source) {
        replace_file(file, text);
        std::cerr << "formatted " << file << "\n";
      }
    } else {
      std::cout << text;
    }
  }
  if (unformatted)
    std::cerr << fmt::format("{} file{} not formatted; `genre fmt -w FILE...` rewrites them\n", unformatted,
                             unformatted == 1 ? " is" : "s are");
  return rc;
}

}  // namespace genre
