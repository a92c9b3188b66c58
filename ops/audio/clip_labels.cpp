#include "ops/audio/clip_labels.h"

#include <filesystem>
#include <map>
#include <optional>

#include "runtime/core/op_kit.h"

namespace genre::audio {

namespace fs = std::filesystem;

ClipLabels clip_labels(const Table& t, const std::vector<std::string>& files, const std::string& file_column,
                       const std::string& folder) {
  const std::string op = "audio_features: ";
  const std::string shown = t.source.empty() ? "the label table" : t.source;
  const std::string columns = kit::name_list(t.column_names());
  const Column* fc = nullptr;
  if (!file_column.empty()) {
    fc = t.find(file_column);
    if (!fc)
      throw DataError(op + shown + " has no column \"" + file_column + "\" (file_column) naming the clips; the columns are " +
                      columns);
  } else {
    fc = t.find("file");
    if (!fc) fc = t.find("filename");
    if (!fc)
      throw DataError(op + shown + " has no column \"file\" or \"filename\" naming the clips; name it with file_column: "
                      "\"...\"; the columns are " + columns);
  }
  if (t.label.empty())
    throw DataError(op + shown + " has no label column; choose the column of labels with csv(..., label: \"genre\"); the "
                    "columns are " + columns);
  const Column& lc = t.column(t.label);

  const size_t none = static_cast<size_t>(-1);
  std::map<std::string, size_t> by_path;
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < files.size(); ++i) {
    by_path[files[i]] = i;
    by_name[fs::path(files[i]).filename().string()].push_back(i);
  }

  std::vector<bool> has_row(files.size(), false);
  ClipLabels out;
  out.label.resize(files.size());  // a row's label; rows without one are skipped, so "" = none yet
  out.reason.resize(files.size());
  size_t unused = 0;  // rows that name no clip of the folder (a table of a larger corpus)
  std::string unused_example;
  for (size_t r = 0; r < t.rows(); ++r) {
    auto key = kit::cell_key(*fc, r);
    size_t clip = none;
    if (key && !key->empty()) {
      std::string name = fs::path(*key).lexically_normal().generic_string();
      auto named = name.find('/') == std::string::npos ? by_name.find(name) : by_name.end();
      if (named != by_name.end() && named->second.size() > 1)
        throw DataError(op + shown + ": the file name \"" + *key + "\" matches " + std::to_string(named->second.size()) +
                        " clips under " + folder + ": \"" + files[named->second[0]] + "\" and \"" +
                        files[named->second[1]] + "\"; write each clip's path relative to the folder instead");
      if (auto it = by_path.find(name); it != by_path.end()) clip = it->second;
      else if (named != by_name.end()) clip = named->second[0];
    }
    if (clip == none) {
      ++unused;
      if (unused_example.empty() && key) unused_example = *key;
      continue;
    }
    has_row[clip] = true;
    auto value = kit::cell_key(lc, r);
    if (!value || value->empty()) continue;
    std::string& found = out.label[clip];
    if (!found.empty() && found != *value)
      throw DataError(op + shown + " gives " + files[clip] + " two labels: \"" + found + "\" and \"" + *value + "\"");
    found = *value;
  }

  if (unused == t.rows()) {
    if (t.rows() == 0) throw DataError(op + shown + " has no rows to label the clips under " + folder);
    // A clip in a subfolder shows best how a relative path is written.
    std::string ex = files.front();
    for (auto& f : files)
      if (f.find('/') != std::string::npos) {
        ex = f;
        break;
      }
    throw DataError(op + "none of the " + std::to_string(t.rows()) + " rows of " + shown + " names a clip under " + folder +
                    ": its column \"" + fc->name + "\" " +
                    (unused_example.empty() ? "is empty" : "holds names such as \"" + unused_example + "\"") +
                    ", and a row must give a clip's path relative to the folder (\"" + ex + "\") or its file name (\"" +
                    fs::path(ex).filename().string() + "\")");
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (!out.label[i].empty()) continue;
    out.reason[i] = has_row[i] ? "its row in " + shown + " has no \"" + lc.name + "\"" : "no row in " + shown;
  }
  return out;
}

}  // namespace genre::audio
