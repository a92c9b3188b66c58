// Text cleaning as declared steps, shared by the clean op and its tests.
#pragma once
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace genre::text {

enum class Step { lower, links, punctuation, non_alnum, digits, stopwords, casefold };

struct CleanOptions {
  std::vector<Step> steps;                    // applied in this order
  std::unordered_set<std::string> stopwords;  // for Step::stopwords; matched exactly
};

// Applies the steps to valid UTF-8 text, then turns every run of whitespace
// into one space and trims both ends.
std::string clean_text(std::string_view text, const CleanOptions& opt);

// One word per line; blank lines and lines starting with '#' are skipped,
// each word is trimmed. DataError with `shown:line` on invalid UTF-8.
std::vector<std::string> read_word_list(const std::string& path, const std::string& shown);

}  // namespace genre::text
