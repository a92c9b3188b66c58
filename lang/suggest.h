// "Did you mean": the one place that decides which name a typo was meant to
// be, for the checker (names, arguments, symbols), the ops (columns, labels,
// tags), the REPL's commands and `genre ops NAME`.
#pragma once
#include <string>
#include <vector>

namespace genre::lang {

// Optimal string alignment distance: insertions, deletions, substitutions and
// transpositions of neighbours ("lenght" -> "length" is 1).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `w` when it is near enough to be a likely typo (1
// edit for names of up to 4 characters, else up to a third of the name, at
// least 2), "" when none is.
std::string closest(const std::string& w, const std::vector<std::string>& cands);

// "did you mean 'x'?", or "" when no candidate is close.
std::string did_you_mean(const std::string& w, const std::vector<std::string>& cands);

}  // namespace genre::lang
