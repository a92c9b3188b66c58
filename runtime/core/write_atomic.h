// Replacing a file so that no reader, and no crash, ever leaves half of it.
#pragma once
#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace genre {

// Writes `bytes` to a temp file beside `target`, flushes it to disk and renames it over
// `target`: readers see the old file or the new one, never half of one. `mode`: the new
// file's permission bits, set exactly (the umask does not apply); -1: 0644 less the umask.
// Throws DataError naming `target` and the step that failed, and removes the temp file.
void write_atomic(const std::filesystem::path& target, std::string_view bytes, int mode = -1);
// The same for a file made of several pieces (a header and a large payload), without joining them first.
void write_atomic(const std::filesystem::path& target, std::initializer_list<std::string_view> pieces, int mode = -1);

// write_atomic, unless `target` already holds exactly `bytes` (a re-run that changed nothing leaves
// its outputs, and their times, alone, and costs no flush to disk). True when it wrote.
bool write_if_changed(const std::filesystem::path& target, std::string_view bytes);

}  // namespace genre
