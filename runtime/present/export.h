// `genre export`: a computed table as CSV, for tools outside genre (pandas, R,
// a spreadsheet). Numbers are written in the shortest form that reads back as
// the same double (a float sequence value as the same float), so the CSV holds
// exactly what the cache holds.
#pragma once
#include <string>

#include "runtime/core/value.h"

namespace genre {

// RFC 4180 CSV with a header line; a missing value is an empty field. A table
// with sequence columns (an audio clip's frames, a song's piano roll) is written
// long: one line per row and step, the row's other columns repeated, then
// `step` (0-based), then each sequence column's dimensions (`mfcc_0`, `mfcc_1`,
// ...; a one-dimensional sequence keeps its column's name). A row with no steps
// gets one line with `step` empty, so no row is lost.
std::string table_csv(const Table& t);

}  // namespace genre
