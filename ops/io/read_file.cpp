#include "ops/io/read_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runtime/core/value.h"

namespace genre {

std::string read_file(const std::string& path, const std::string& shown) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw DataError(shown + ": file not found" + (path != shown ? " (looked for " + path + ")" : ""));
  if (fs::is_directory(path, ec)) throw DataError(shown + ": is a folder, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(shown + ": cannot open: " + std::strerror(errno));
  gzbuffer(f, 1 << 20);
  std::string out;
  // A plain file's size is known: one allocation of exactly that, instead of a
  // doubling buffer (which peaks near twice a large file).
  if (gzdirect(f)) out.reserve(size_t(fs::file_size(path, ec)) + 1);
  const size_t chunk = 4 << 20;
  for (;;) {
    size_t old = out.size();
    if (out.capacity() < old + chunk && out.capacity() > old) {  // fill what was reserved, then grow
      out.resize(out.capacity());
    } else {
      out.resize(old + chunk);
    }
    size_t want = out.size() - old;
    int n = gzread(f, out.data() + old, static_cast<unsigned>(std::min(want, chunk)));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DataError(shown + ": cannot read (corrupt or truncated gzip?): " + msg);
    }
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    std::string m = msg;
    gzclose(f);
    throw DataError(shown + ": cannot read (corrupt or truncated gzip?): " + m);
  }
  gzclose(f);
  return out;
}

}  // namespace genre
