#include "lang/suggest.h"

#include <algorithm>

namespace genre::lang {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string closest(const std::string& w, const std::vector<std::string>& cands) {
  std::string best;
  size_t best_d = w.size() <= 4 ? 1 : std::max<size_t>(2, w.size() / 3);
  for (auto& c : cands) {
    if (c == w) continue;
    size_t d = edit_distance(w, c);
    if (d <= best_d && d < w.size() && (best.empty() || d < edit_distance(w, best))) best = c;
  }
  return best;
}

std::string did_you_mean(const std::string& w, const std::vector<std::string>& cands) {
  std::string c = closest(w, cands);
  return c.empty() ? "" : "did you mean '" + c + "'?";
}

}  // namespace genre::lang
