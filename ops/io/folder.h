// Listing the files under a data folder (midi_folder, audio_features, render).
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace genre {

// A file under the folder, as a path relative to it; or a subfolder that could
// not be listed ("sub/"), with the reason in `error`, so the op sets it aside
// like a damaged file instead of silently reading less.
struct Found {
  std::string path;
  std::string error;
};

// Files under `root` (recursively; symbolic links to folders are not followed)
// whose name `wanted` accepts, sorted by path so a table's order never depends
// on the file system. DataError naming `shown` when root itself cannot be listed.
std::vector<Found> list_files(const std::filesystem::path& root, const std::string& shown,
                              const std::function<bool(const std::filesystem::path&)>& wanted);

}  // namespace genre
