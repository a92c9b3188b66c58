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

const std::vector<std::string>& keywords() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> k = definition_kinds();
    for (const char* w : {"use", "with", "for", "in", "and", "or", "not", "true", "false"}) k.push_back(w);
    return k;
  }();
  return all;
}

bool is_keyword(const std::string& w) {
  auto& k = keywords();
  return std::find(k.begin(), k.end(), w) != k.end();
}

}  // namespace genre::lang
