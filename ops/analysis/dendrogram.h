// Showing a cluster report ({"dendrogram": {"names", "merges", ...}}): the
// merge list as a table, the tree drawn in text for the terminal, and the same
// tree as a self-contained SVG file in the output folder.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/core/table_text.h"
#include "runtime/core/value.h"

namespace genre {

bool is_dendrogram(const json& j);

// Leaves from top to bottom: each merge puts its `a` side above its `b` side
// (SciPy's dendrogram order without sorting).
std::vector<int> dendrogram_order(const json& d);

// One row per merge: cluster (n + i), a, b (leaf names or cluster numbers), height, size.
TextTable merge_table(const json& d, bool for_files);

// The tree sideways: leaves on the left, one per line, heights growing to the
// right over `width` columns, with a height axis underneath.
std::string dendrogram_text(const json& d, int width = 48);

std::string dendrogram_svg(const json& d, const std::string& title);

// What describe() shows, and the files: DIR/<name>_merges.csv and DIR/<name>_dendrogram.svg.
std::string describe_dendrogram(const json& j);
void write_dendrogram(const std::filesystem::path& dir, const std::string& name, const json& j);

}  // namespace genre
