#include "runtime/core/metrics.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "runtime/core/value.h"

namespace genre::metrics {

static void check_sizes(size_t a, size_t b) {
  if (a != b) throw InternalError("metrics: truth and predictions differ in length");
}

double accuracy(const std::vector<int>& truth, const std::vector<int>& pred) {
  check_sizes(truth.size(), pred.size());
  if (truth.empty()) return 0;
  size_t hit = 0;
  for (size_t i = 0; i < truth.size(); i++) hit += truth[i] == pred[i];
  return double(hit) / double(truth.size());
}

std::vector<std::vector<long>> confusion(const std::vector<int>& truth, const std::vector<int>& pred, int k) {
  check_sizes(truth.size(), pred.size());
  std::vector<std::vector<long>> cm(size_t(k), std::vector<long>(size_t(k), 0));
  for (size_t i = 0; i < truth.size(); i++) cm[size_t(truth[i])][size_t(pred[i])]++;
  return cm;
}

std::vector<ClassScores> per_class(const std::vector<int>& truth, const std::vector<int>& pred, int k) {
  auto cm = confusion(truth, pred, k);
  std::vector<ClassScores> out(static_cast<size_t>(k));
  for (size_t c = 0; c < size_t(k); c++) {
    long tp = cm[c][c], predicted = 0, actual = 0;
    for (size_t o = 0; o < size_t(k); o++) {
      predicted += cm[o][c];
      actual += cm[c][o];
    }
    auto& s = out[c];
    s.support = actual;
    s.precision = predicted ? double(tp) / double(predicted) : 0;
    s.recall = actual ? double(tp) / double(actual) : 0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  }
  return out;
}

double macro_f1(const std::vector<int>& truth, const std::vector<int>& pred, int k) {
  auto pc = per_class(truth, pred, k);
  std::set<int> present(truth.begin(), truth.end());
  present.insert(pred.begin(), pred.end());
  if (present.empty()) return 0;
  double s = 0;
  for (int c : present) s += pc[size_t(c)].f1;
  return s / double(present.size());
}

PrCurve pr_curve(const std::vector<bool>& positive, const std::vector<double>& score) {
  check_sizes(positive.size(), score.size());
  size_t n = score.size();
  // Scores high to low; equal scores form one threshold (scikit-learn's _binary_clf_curve).
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  std::vector<double> tps, fps, thr;
  double tp = 0;
  for (size_t i = 0; i < n; i++) {
    tp += positive[order[i]];
    if (i + 1 == n || score[order[i + 1]] != score[order[i]]) {
      tps.push_back(tp);
      fps.push_back(double(i + 1) - tp);
      thr.push_back(score[order[i]]);
    }
  }
  PrCurve c;
  double total = tps.empty() ? 0 : tps.back();
  for (size_t i = tps.size(); i-- > 0;) {  // lowest threshold first, as scikit-learn returns them
    double ps = tps[i] + fps[i];
    c.precision.push_back(ps > 0 ? tps[i] / ps : 0);
    c.recall.push_back(total > 0 ? tps[i] / total : 1);  // no positives: recall 1 everywhere (scikit-learn)
    c.thresholds.push_back(thr[i]);
  }
  c.precision.push_back(1);
  c.recall.push_back(0);
  return c;
}

double average_precision(const std::vector<bool>& positive, const std::vector<double>& score) {
  PrCurve c = pr_curve(positive, score);
  double ap = 0;  // -sum(diff(recall) * precision[:-1])
  for (size_t i = 0; i + 1 < c.recall.size(); i++) ap -= (c.recall[i + 1] - c.recall[i]) * c.precision[i];
  return ap;
}

}  // namespace genre::metrics
