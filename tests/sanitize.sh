#!/bin/sh
# The sanitizer tree (CMakeLists.txt's GENRE_SANITIZE): genre_lang and genre_core under
# AddressSanitizer + UndefinedBehaviorSanitizer (clang++), the unit tests that need no
# LibTorch, and the libFuzzer targets of fuzz/. ctest drives it from the main tree
# (tests/CMakeLists.txt, "asan: ..." and "fuzz: ..."):
#
#   sanitize.sh build SRC TREE                  configure and build TREE
#   sanitize.sh unit TREE LAYER                 TREE's unit tests of LAYER (lang, runtime, ops), one process a file
#   sanitize.sh fuzz TREE NAME SECONDS WORK     fuzz/NAME_fuzz for SECONDS from fuzz/seeds/NAME; WORK keeps
#                                               its corpus, log and crashing inputs (crash-*, leak-*, timeout-*, oom-*)
#
# Exit 77 (ctest: skipped) where clang++ or its sanitizer and libFuzzer runtimes
# (Debian's clang and libclang-rt-14-dev) are missing.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)

# Every report is fatal; leaks are bugs too. A test that passes LibTorch's path on
# must not load the main tree's (uninstrumented) library into these processes.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
unset GENRE_TORCH_LIB

no_clang() {
  if ! command -v clang++ >/dev/null; then echo "skipped: clang++ is not installed (tools/setup.sh installs clang)"; exit 77; fi
}

case "${1:-}" in
build)
  tree=$3
  no_clang
  probe=$(mktemp -d)
  trap 'rm -rf "$probe"' EXIT
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
  if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>"$probe/log"; then
    cat "$probe/log"
    echo "skipped: clang++ cannot link the sanitizer and libFuzzer runtimes (Debian: libclang-rt-14-dev)"
    exit 77
  fi
  start=$(date +%s)
  cmake -S "$2" -B "$tree" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGENRE_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
  if ! ninja -C "$tree" -j"${GENRE_SANITIZE_JOBS:-$(nproc)}" >"$tree/build.log" 2>&1; then
    grep -v '^\[' "$tree/build.log" | tail -60
    exit 1
  fi
  echo "built $tree in $(($(date +%s) - start)) s"
  ;;
unit)
  tree=$2 layer=$3
  if [ ! -x "$tree/tests/test_$layer" ]; then no_clang; echo "no $tree/tests/test_$layer: build the tree first"; exit 1; fi
  # One file at a time: ctest runs this test beside the others.
  ctest --test-dir "$tree" -R "^$layer: " --output-on-failure --timeout 1800
  ;;
fuzz)
  tree=$2 name=$3 seconds=$4 work=$5
  bin="$tree/fuzz/${name}_fuzz"
  if [ ! -x "$bin" ]; then no_clang; echo "no $bin: build the tree first"; exit 1; fi
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
  extra=""
  [ "$name" = midi ] && extra="-max_len=4096"
  status=0
  # New inputs go to $work/corpus; the committed seeds are only read. A crash, a
  # leak, a 10-s input or a 2 GB one is exit 1 (libFuzzer's own 77 would read as a skip).
  (cd "$work" && TMPDIR="$work" "$bin" "$work/corpus" "$src/fuzz/seeds/$name" -max_total_time="$seconds" -seed=1 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
    -artifact_prefix="$work/" $extra) >"$work/log" 2>&1 || status=$?
  tail -25 "$work/log"
  if [ $status -ne 0 ]; then
    echo "crashing inputs are saved in $work (crash-*, leak-*, timeout-*, oom-*)"
    exit 1
  fi
  ;;
*)
  echo "usage: sanitize.sh build SRC TREE | unit TREE LAYER | fuzz TREE NAME SECONDS WORK" >&2
  exit 2
  ;;
esac
