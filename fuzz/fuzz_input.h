// For the fuzz targets whose reader takes a path (CSV, audio, word vectors):
// the input written to a file of this process, rewritten for every run.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "runtime/core/value.h"

namespace genre::fuzz {

// `ext` (".csv", ".wav") ends the name; the readers do not go by it, but messages show it.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& ext) {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("genre-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  std::string path = (dir / ("input" + ext)).string();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) std::abort();
  return path;
}

// A table a reader gives must be well-formed (every column of rows() values, a
// present flag per text or sequence value, whole steps) and survive the cache's
// serialize/deserialize unchanged; otherwise the target traps.
inline void check_table(const Table& t) {
  for (auto& c : t.cols) {
    if (c.size() != t.rows()) __builtin_trap();
    if (!c.numeric && c.present.size() != c.size()) __builtin_trap();
    if (c.is_sequence())
      for (auto& s : c.seq)
        if (s.size() % c.seq_dims) __builtin_trap();
  }
  std::string bytes = serialize(Value(t));
  if (serialize(deserialize(bytes)) != bytes) __builtin_trap();
}

}  // namespace genre::fuzz
