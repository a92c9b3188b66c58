// Content hashes for cache keys: XXH3 128-bit, written as 32 hex characters.
// Fast and stable across runs and machines; not meant to resist an attacker.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/core/value.h"

namespace genre {

// XXH3-128 of the bytes, in xxhsum's canonical form (`xxhsum -H2` prints the same).
std::string hash_hex(std::string_view bytes);

// XXH3-128 of a file's content, read in 1 MiB chunks; equals hash_hex(content).
// Throws DataError naming the file when it cannot be read.
std::string hash_file(const std::filesystem::path& path);

// A folder's listing: every file's relative path, size and modification time
// (as make and ninja judge change), not its content: a corpus of 100,000
// files is hashed in a moment. Touching a file counts as a change.
std::string hash_tree(const std::filesystem::path& dir);

// A folder's content: every file's relative path and content hash, in path
// order. Slow where hash_tree is quick, but the same on every checkout (a lock
// must not differ by a fresh clone's mtimes).
std::string hash_tree_content(const std::filesystem::path& dir);

// The form of a JSON value that is hashed: keys sorted (nlohmann objects are
// sorted maps) and integral floats written as integers, so 1 and 1.0 agree.
std::string canonical_json(const json& j);

// Builds one hash from several parts. Each part is length-prefixed, so
// add("ab"), add("c") differs from add("a"), add("bc").
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(std::string_view part);
  // Without these a string literal or std::string would be ambiguous between
  // string_view and json.
  Hasher& add(const char* part) { return add(std::string_view(part)); }
  Hasher& add(const std::string& part) { return add(std::string_view(part)); }
  Hasher& add(const json& j);  // hashes canonical_json(j)
  std::string hex() const;     // 32 hex characters; adding more afterwards is fine

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace genre
