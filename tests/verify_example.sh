#!/bin/sh
# CI: one example study re-run and compared with its committed lock (examples/X.genre.lock).
# Usage: verify_example.sh GENRE EXAMPLE WORKDIR. Exit 77 (skipped) when the study reads
# ../shared/data and this clone has none beside it.
set -u
genre=$1 example=$2 work=$3
dir=$(dirname "$example")
if grep -q '"\.\./\.\./shared/' "$example" && [ ! -d "$dir/../../shared/data" ]; then
  echo "skipped: $(basename "$example") reads ../shared/data, which is absent"
  exit 77
fi
exec "$genre" verify "$example" --cache "$work/cache" --out "$work/out"
