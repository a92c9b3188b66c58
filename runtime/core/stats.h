// Statistics for comparing classifiers: McNemar's exact test, percentiles,
// bootstrap intervals of a metric (plain and paired) and Student's t interval.
// Each one is defined as the Python function a reader would check it against
// (tests/data/stats/gen_stats.py computes the references with them).
//
// The bootstrap is reproducible everywhere: its random numbers come from
// std::mt19937_64, whose output the standard fixes, turned into row indices by
// our own code (std::uniform_int_distribution's algorithm differs between
// standard libraries). Same seed, same rows, same interval.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace genre::stats {

// McNemar's exact test as statsmodels' mcnemar(table, exact=True): the two-sided
// binomial p-value of b discordant pairs one way against c the other (p = 0.5):
// min(1, 2 * BinomCDF(min(b, c); b + c, 0.5)); 1 when b + c == 0.
// Throws std::invalid_argument when b or c is negative.
double mcnemar_exact(long b, long c);

// numpy.percentile(values, q) (linear interpolation), q in [0, 100]. values non-empty.
// Taken by value: it is sorted in place. Throws std::invalid_argument for empty
// values, a NaN among them, or q outside [0, 100].
double percentile(std::vector<double> values, double q);

struct Interval {
  double lo = 0, hi = 0;
};

// A metric of predictions against the truth; class indices 0..k-1.
using Metric = std::function<double(const std::vector<int>& truth, const std::vector<int>& pred, int k)>;

// Percentile bootstrap interval (level e.g. 0.95) of metric(truth, pred): `resamples` resamples of the rows,
// drawn with replacement within each true class (stratified: every resample keeps each class's row count).
// Stratified because a study's test set has fixed class counts: resampling them too would widen the interval
// with variation the design does not have. The endpoints are numpy.percentile of the resampled metrics at
// 100 * (1 -+ level) / 2, as scipy.stats.bootstrap(method='percentile').
// The metric sees each resample's rows grouped by class (class 0's first); pred values are passed as they are.
// Throws std::invalid_argument for empty input, mismatched sizes, k < 1, a truth outside 0..k-1,
// resamples < 1, level outside (0, 1), or a metric value that is NaN.
Interval bootstrap(const std::vector<int>& truth, const std::vector<int>& pred, int k, const Metric& metric,
                   int resamples, double level, uint64_t seed);

// The same for the paired difference metric(truth, a) - metric(truth, b): each resample takes the same rows
// for both prediction vectors (so the rows both models find hard cancel out: a far narrower interval than
// two separate ones would suggest).
Interval paired_bootstrap(const std::vector<int>& truth, const std::vector<int>& a, const std::vector<int>& b, int k,
                          const Metric& metric, int resamples, double level, uint64_t seed);

// Student's t interval of the mean: mean ± t_{n-1,(1+level)/2} * sd(ddof=1) / sqrt(n) (scipy.stats.t.interval);
// n == 1 gives {x, x}. For a handful of values (cross-validation folds, seeds), where a normal interval is too narrow.
// Throws std::invalid_argument for empty xs or level outside (0, 1).
Interval t_interval(const std::vector<double>& xs, double level);

// Holm's step-down adjusted p-values, in the input's order, as statsmodels' multipletests(p, method="holm")[1]:
// the i-th smallest p times (m - i + 1), made monotone, capped at 1. For many pairwise tests in one report, where
// one p below 0.05 among 66 pairs is what chance alone gives. Throws std::invalid_argument for a p outside [0, 1].
std::vector<double> holm(const std::vector<double>& p);

}  // namespace genre::stats
