// Keyword lists, shared by the grammar's messages, the checker and the docs.
// (They must match kind_kw / reserved in grammar.h; tests/lang/parser.cpp checks that.)
#include <algorithm>

#include "lang/parser.h"

namespace genre::lang {

const std::vector<std::string>& definition_kinds() {
  static const std::vector<std::string> k = {"dataset", "genres",   "features", "split",
                                             "model",   "train",    "ensemble", "report",
                                             "analysis", "instruments", "encoding", "let"};
  return k;
}

bool is_keyword(const std::string& w) {
  static const std::vector<std::string> other = {"use", "with", "for", "in", "and",
                                                 "or",  "not",  "true", "false"};
  auto& k = definition_kinds();
  return std::find(k.begin(), k.end(), w) != k.end() ||
         std::find(other.begin(), other.end(), w) != other.end();
}

}  // namespace genre::lang
