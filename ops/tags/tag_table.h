// tag_table's report as tables: the share of items per tag ("tags") and the
// Jaccard index between tags ("jaccard"); report.html draws them too.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/table_text.h"

namespace genre {

std::vector<std::pair<std::string, TextTable>> tag_tables(const json& j);

}  // namespace genre
