# Expected XXH3-128 hashes for tests/runtime/hash_test.cpp, from the xxhash CLI
# (an independent implementation path: `apt-get install xxhash`).
# Inputs: fixed strings, and pattern(n) = bytes (i*7+3) % 256 for i < n, which the
# test rebuilds in C++. Run: python3 gen_vectors.py > vectors.txt
import subprocess

def pattern(n):
    return bytes((i * 7 + 3) % 256 for i in range(n))

cases = [
    ("text", "", b""),
    ("text", "a", b"a"),
    ("text", "abc", b"abc"),
    ("text", "The quick brown fox jumps over the lazy dog", b"The quick brown fox jumps over the lazy dog"),
]
# Sizes around XXH3's internal thresholds (16, 128, 240 bytes, 1 KiB stripes) and
# around hash_file's 1 MiB chunks.
for n in [17, 129, 241, 1025, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 5]:
    cases.append(("pattern", str(n), pattern(n)))

for kind, arg, data in cases:
    out = subprocess.run(["xxhsum", "-H2", "-"], input=data, capture_output=True, check=True).stdout.decode()
    print(out.split()[0], kind, arg, sep="\t")
