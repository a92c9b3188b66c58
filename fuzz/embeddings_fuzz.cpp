// libFuzzer entry for the word-vector reader (ops/text/embeddings.cpp, GloVe's
// text format): any bytes must read as a table or give a DataError; anything
// else (a crash, a sanitizer report, another exception, a hang) is a bug. The
// first byte picks the dimensions (1-8) and whether bad lines are skipped.
// Built in the sanitizer tree (see csv_fuzz.cpp).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "ops/text/embeddings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t dims = 1 + (data[0] & 7);
  const bool skip = data[0] & 8;
  std::string path = genre::fuzz::input_file(data + 1, size - 1, ".txt");
  try {
    genre::Table t = genre::text::read_embeddings(path, "fuzz.txt", dims, skip, skip ? "" : "on_error: skip");
    genre::fuzz::check_table(t);
    // Each present vector holds `dims` finite numbers.
    auto& v = t.column("vector");
    for (size_t r = 0; r < t.rows(); ++r)
      if (v.present[r] && v.seq[r].size() != dims) __builtin_trap();
  } catch (const genre::DataError&) {
  }
  return 0;
}
