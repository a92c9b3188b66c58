#!/bin/sh
# The layers of docs/architecture.md: each folder includes only from the
# folders it may depend on. Prints every include that points the wrong way.
# Usage: layers.sh REPO
cd "$1" || exit 2
bad=0
check() {  # folder, allowed include prefixes (a regex)
  for f in $(find "$1" -maxdepth 1 -name '*.h' -o -maxdepth 1 -name '*.cpp'); do
    grep -n '^#include "' "$f" | grep -Ev "#include \"($2)" | while read -r line; do
      echo "$f:$line: $1 may include only from: $2"
    done
  done
}
out=$(
  check lang 'lang/'
  check runtime/core 'lang/|runtime/core/'
  for d in ops ops/*/; do check "${d%/}" 'lang/|runtime/core/|ops/'; done
  check runtime/engine 'lang/|runtime/core/|runtime/engine/'
  check runtime/present 'lang/|runtime/core/|ops/|runtime/engine/|runtime/present/'
  check runtime/app 'lang/|runtime/'
)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "layers: every include points down"
