// libFuzzer entry for the SMF reader (ops/midi/smf.cpp): any bytes must parse
// or give a DataError; anything else (a crash, a sanitizer report, another
// exception) is a bug. Not part of the default build (clang only):
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DGENRE_FUZZ=ON
//   ninja -C build-fuzz midi_fuzz
//   mkdir -p /tmp/midi-corpus && cp tests/data/midi/good/*.mid /tmp/midi-corpus/
//   build-fuzz/fuzz/midi_fuzz /tmp/midi-corpus -max_total_time=120 -max_len=4096
//
// or without CMake:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. fuzz/midi_fuzz.cpp ops/midi/smf.cpp -o midi_fuzz
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
