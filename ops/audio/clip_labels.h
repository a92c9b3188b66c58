// Labels for a folder's clips from a table that maps file names to labels
// (audio_features(label: csv("labels.csv", label: "genre"))), for corpora not
// laid out one folder per genre: FMA's audio beside tracks.csv, or any folder
// of clips with a metadata table.
#pragma once
#include <string>
#include <vector>

#include "runtime/core/value.h"

namespace genre::audio {

struct ClipLabels {
  std::vector<std::string> label;   // per clip; "" where reason is set
  std::vector<std::string> reason;  // per clip; why it has no label ("no row in labels.csv"), else ""
};

// `files`: the clips, relative to the folder `folder` (as the script names it).
// A row's file is a path relative to the folder or a bare file name; a bare
// name that two clips share is an error naming both. `file_column` names the
// table's column of file names; "" takes `file`, else `filename`. The labels
// are the table's label column. Throws DataError for a missing column, a clip
// given two different labels, or a table of which no row names any clip.
ClipLabels clip_labels(const Table& t, const std::vector<std::string>& files, const std::string& file_column,
                       const std::string& folder);

}  // namespace genre::audio
