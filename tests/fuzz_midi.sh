#!/bin/sh
# ctest "fuzz: the MIDI reader": builds fuzz/midi_fuzz.cpp with clang's libFuzzer,
# address and undefined-behaviour sanitizers, and runs it from the test MIDI files
# for $1 seconds (default 30). Any crash, sanitizer report or exception other
# than DataError fails (exit 1; libFuzzer's own 77 would read as a skip). Skipped
# (exit 77) where clang++ is not installed.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-$(mktemp -d)}
seconds=${1:-30}
command -v clang++ >/dev/null || { echo "skipped: clang++ is not installed"; exit 77; }
mkdir -p "$work/corpus"
cp "$src"/tests/data/midi/good/*.mid "$work/corpus/"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$src" -I/usr/include "$src/fuzz/midi_fuzz.cpp" "$src/ops/midi/smf.cpp" -o "$work/midi_fuzz"
status=0
"$work/midi_fuzz" "$work/corpus" -max_total_time="$seconds" -max_len=4096 -seed=1 -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/" \
  > "$work/log" 2>&1 || status=$?
tail -25 "$work/log"
[ $status -eq 0 ] || echo "crashing inputs are saved in $work (crash-*)"
exit $status
