#!/usr/bin/env bash
# Installs the Debian 12 packages genre needs (only those missing), then
# configures and builds into build/. Run as root on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev        # LibTorch 1.13: the neural networks
  tao-pegtl-dev       # PEGTL: the grammar
  libtbb-dev          # oneTBB: running ops in parallel
  libsndfile1-dev     # audio files
  libsoxr-dev         # resampling audio to a script's rate: libsoxr, as librosa.load (python-soxr) does
  libfluidsynth-dev   # MIDI -> audio (render)
  fluid-soundfont-gm  # its default soundfont, FluidR3_GM.sf2
  libfmt-dev          # formatting
  catch2              # unit tests
  libsvm-dev          # the SVM (the library scikit-learn wraps)
  libcli11-dev        # the command line
  libopenblas0-openmp # BLAS for LibTorch: the reference BLAS makes training ~25x slower
  nlohmann-json3-dev  # JSON: parameters, reports, results.json
  libxxhash-dev       # XXH3: content hashes for the cache
  zlib1g-dev          # .csv.gz
  libsqlite3-dev      # SQLite: MSD's artist_term.db
  chromium            # the report.html test renders the page headless to a PNG and its DOM (skipped without it)
  libedit-dev         # genre repl: line editing, history, tab completion (BSD licence, unlike readline)
  libboost-dev        # Boost.Math (header-only): the binomial and t distributions of verify's statistics
  libsodium-dev       # keyed BLAKE2b: cache entries signed with GENRE_CACHE_KEY (a shared cache no one else can forge)
  libutf8proc-dev     # Unicode categories, case mapping and NFC for clean/tokenize (Julia's library, Unicode 15)
  liblbfgs-dev        # L-BFGS for logistic(...), the optimiser scikit-learn's LogisticRegression uses (via scipy)
  libxgboost-dev      # xgboost(...) and random_forest(...): XGBoost's C API, the library Python users compare against
  clang               # ctest's sanitizer tree (tests/sanitize.sh): ASan+UBSan unit tests and the libFuzzer targets
  libclang-rt-14-dev  # clang's sanitizer and libFuzzer runtimes (without them clang++ -fsanitize=... cannot link)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$(nproc)"

# The openly licensed audio corpus of examples/gtzan_lstm.genre: the shipped Groove MIDI
# subset rendered to WAV (build/groove-audio). A fresh cache, so that a deleted folder is
# rendered again; files whose bytes would not change are left as they are.
render_cache=$(mktemp -d)
build/genre run tools/render_groove.genre --cache "$render_cache" --out "$render_cache/out" --allow-write build/groove-audio >/dev/null
rm -rf "$render_cache"
echo "setup: rendered data/groove-midi to build/groove-audio"
