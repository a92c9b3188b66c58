// libFuzzer entry for the CSV reader (ops/io/csv.cpp): any bytes must read as a
// table or give a DataError; anything else (a crash, a sanitizer report, another
// exception, a hang) is a bug. The first byte picks the options (delimiter, type
// inference, missing values, text columns), the rest is the file (gzip or not).
// Built in the sanitizer tree (CMakeLists.txt's GENRE_SANITIZE; tests/sanitize.sh):
//
//   tests/sanitize.sh build . build-asan
//   build-asan/fuzz/csv_fuzz -runs=1000000 /tmp/csv-corpus fuzz/seeds/csv
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "ops/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t o = data[0];
  genre::CsvOptions opt;
  opt.delimiter = ",;\t|"[o & 3];
  opt.infer_types = !(o & 4);
  if (o & 8) opt.missing_values = {"NA", "Not Found", ""};
  if (o & 16) opt.text_columns = {"a", "id", "x"};
  std::string path = genre::fuzz::input_file(data + 1, size - 1, ".csv");
  try {
    genre::fuzz::check_table(genre::read_csv(path, "fuzz.csv", opt));
  } catch (const genre::DataError&) {
  }
  return 0;
}
