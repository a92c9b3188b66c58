#include "runtime/core/hash.h"

#include <xxhash.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstring>

namespace genre {

namespace {

std::string to_hex(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  static const char digits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = digits[c.digest[i] >> 4];
    out[2 * i + 1] = digits[c.digest[i] & 15];
  }
  return out;
}

// Integral floats become integers so 1 and 1.0 (or 2 and 2e0) hash alike.
json normalise(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (auto& [k, v] : j.items()) out[k] = normalise(v);
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (auto& v : j) out.push_back(normalise(v));
    return out;
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::trunc(d)) {
      if (d >= 0 && d < 18446744073709551616.0) return json(uint64_t(d));
      if (d < 0 && d >= -9223372036854775808.0) return json(int64_t(d));
    }
  }
  return j;
}

}  // namespace

std::string hash_hex(std::string_view bytes) { return to_hex(XXH3_128bits(bytes.data(), bytes.size())); }

std::string hash_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw DataError(path.string() + ": cannot read file (" + std::strerror(errno) + ")");
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  std::string buf(1 << 20, '\0');
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) XXH3_128bits_update(st, buf.data(), n);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  auto h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  // A directory opens fine on Linux but fails on the first read (EISDIR).
  if (failed) throw DataError(path.string() + ": cannot read file (" + std::strerror(err) + ")");
  return to_hex(h);
}

namespace {

// Calls each(entry) for every regular file under dir; DataError when the folder cannot be read.
template <class Each>
void each_file(const std::filesystem::path& dir, Each each) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw DataError(dir.string() + ": cannot read folder (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw DataError(dir.string() + ": cannot read folder (" + ec.message() + ")");
    if (it->is_regular_file(ec)) each(*it);
  }
}

}  // namespace

std::string hash_tree(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> entries;
  each_file(dir, [&](const fs::directory_entry& e) {
    std::error_code ec;
    auto size = e.file_size(ec);
    auto mtime = e.last_write_time(ec).time_since_epoch().count();
    entries.push_back(fs::relative(e.path(), dir).string() + "\n" + std::to_string(size) + "\n" + std::to_string(mtime));
  });
  std::sort(entries.begin(), entries.end());  // directory order is not stable
  Hasher h;
  for (auto& e : entries) h.add(e);
  return h.hex();
}

std::string hash_tree_content(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  each_file(dir, [&](const fs::directory_entry& e) { files.push_back(e.path()); });
  std::sort(files.begin(), files.end());
  Hasher h;
  for (auto& f : files) h.add(f.lexically_relative(dir).generic_string()).add(hash_file(f));
  return h.hex();
}

std::string canonical_json(const json& j) {
  json n = normalise(j);
  try {
    return n.dump();
  } catch (const json::type_error&) {
    // Text that is not valid UTF-8 cannot be dumped; replacing the bad bytes
    // keeps the key readable, and the raw bytes are hashed too (see Hasher::add).
    return n.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

struct Hasher::State {
  XXH3_state_t* st = XXH3_createState();
  State() { XXH3_128bits_reset(st); }
  ~State() { XXH3_freeState(st); }
};

Hasher::Hasher() : s_(std::make_unique<State>()) {}
Hasher::~Hasher() = default;

Hasher& Hasher::add(std::string_view part) {
  unsigned char len[8];
  uint64_t n = part.size();
  for (int i = 0; i < 8; ++i) len[i] = uint8_t(n >> (8 * i));  // little-endian on every host
  XXH3_128bits_update(s_->st, len, 8);
  XXH3_128bits_update(s_->st, part.data(), part.size());
  return *this;
}

Hasher& Hasher::add(const json& j) {
  json n = normalise(j);
  try {
    return add(n.dump());
  } catch (const json::type_error&) {
    // Invalid UTF-8 somewhere: hash the exact bytes via CBOR (keys still sorted).
    auto c = json::to_cbor(n);
    add("cbor");
    return add(std::string_view(reinterpret_cast<const char*>(c.data()), c.size()));
  }
}

std::string Hasher::hex() const { return to_hex(XXH3_128bits_digest(s_->st)); }

}  // namespace genre
