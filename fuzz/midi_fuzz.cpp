// libFuzzer entry for the SMF reader (ops/midi/smf.cpp): any bytes must parse
// or give a DataError; anything else (a crash, a sanitizer report, another
// exception) is a bug. Built in the sanitizer tree (CMakeLists.txt's
// GENRE_SANITIZE: clang++, ASan+UBSan), which ctest builds and fuzzes from
// fuzz/seeds/midi for 30 s (tests/sanitize.sh). By hand:
//
//   tests/sanitize.sh build . build-asan
//   mkdir -p /tmp/midi-corpus
//   build-asan/fuzz/midi_fuzz /tmp/midi-corpus fuzz/seeds/midi -max_total_time=120 -max_len=4096
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ops/midi/smf.h"
#include "runtime/core/value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto song = genre::midi::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.mid");
    for (auto& n : song.notes)  // every note must be well-formed
      if (!(n.duration >= 0) || !(n.onset >= 0) || n.pitch > 127 || n.velocity > 127 || n.program > 127 ||
          n.channel > 15 || n.drum != (n.channel == 9))
        __builtin_trap();
  } catch (const genre::DataError&) {
  }
  return 0;
}
