// Classification metrics with scikit-learn's definitions, so reported numbers
// can be checked against it: labels are class indices 0..k-1.
#pragma once
#include <vector>

namespace genre::metrics {

double accuracy(const std::vector<int>& truth, const std::vector<int>& pred);

// cm[t][p] = rows of true class t predicted as p (k x k).
std::vector<std::vector<long>> confusion(const std::vector<int>& truth, const std::vector<int>& pred, int k);

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;  // 0 where undefined (zero_division=0)
  long support = 0;                          // true rows of the class
};
std::vector<ClassScores> per_class(const std::vector<int>& truth, const std::vector<int>& pred, int k);

// Mean F1 over the classes present in truth or pred (scikit-learn's average="macro").
double macro_f1(const std::vector<int>& truth, const std::vector<int>& pred, int k);

// One class against the rest: precision_recall_curve's points (highest
// threshold last, ending at recall 0 / precision 1) and average precision.
struct PrCurve {
  std::vector<double> precision, recall, thresholds;
};
PrCurve pr_curve(const std::vector<bool>& positive, const std::vector<double>& score);
double average_precision(const std::vector<bool>& positive, const std::vector<double>& score);

}  // namespace genre::metrics
