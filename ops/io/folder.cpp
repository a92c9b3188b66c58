#include "ops/io/folder.h"

#include <algorithm>

#include "runtime/core/value.h"

namespace genre {

namespace fs = std::filesystem;

std::vector<Found> list_files(const fs::path& root, const std::string& shown,
                              const std::function<bool(const fs::path&)>& wanted) {
  std::vector<Found> out;
  std::vector<fs::path> todo{root};  // a stack, not recursion: folder depth is the data's, not ours
  while (!todo.empty()) {
    fs::path dir = std::move(todo.back());
    todo.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    auto unreadable = [&](const std::error_code& why) {
      if (dir == root) throw DataError("cannot list " + shown + ": " + why.message());
      out.push_back({dir.lexically_relative(root).generic_string() + "/", "cannot read folder: " + why.message()});
    };
    if (ec) {
      unreadable(ec);
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::error_code e2;
      if (it->is_directory(e2) && !it->is_symlink(e2)) todo.push_back(it->path());
      else if (it->is_regular_file(e2) && wanted(it->path()))
        out.push_back({it->path().lexically_relative(root).generic_string(), ""});
    }
    if (ec) unreadable(ec);
  }
  std::sort(out.begin(), out.end(), [](const Found& a, const Found& b) { return a.path < b.path; });
  return out;
}

}  // namespace genre
