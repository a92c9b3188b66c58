#include "runtime/core/stats.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

namespace genre::stats {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("stats: " + what);
}

void require_level(double level) {
  require(level > 0 && level < 1, "level must lie in (0, 1), got " + std::to_string(level));  // NaN fails too
}

// An unbiased index in [0, n) from the top 32 bits of one draw: Lemire's multiply-shift, redrawing the few
// products whose low half falls below 2^32 mod n (those would favour some indices). 32 bits rather than 64
// so the product fits in uint64_t on every compiler (no __int128).
uint32_t below(std::mt19937_64& rng, uint32_t n) {
  uint64_t m = (rng() >> 32) * uint64_t(n);
  if (uint32_t(m) < n) {
    uint32_t threshold = uint32_t(0u - n) % n;  // 2^32 mod n
    while (uint32_t(m) < threshold) m = (rng() >> 32) * uint64_t(n);
  }
  return uint32_t(m >> 32);
}

// The rows grouped by true class. A resample redraws each class's rows from that class alone, into the same
// positions, so the resampled truth never changes: `truth` is built once, and only `rows` is redrawn.
struct Strata {
  std::vector<std::vector<uint32_t>> members;  // members[c]: the rows whose truth is c, in row order
  std::vector<int> truth;                      // class c repeated members[c].size() times, c = 0..k-1
  std::vector<uint32_t> rows;                  // the current resample's rows, reused across resamples

  Strata(const std::vector<int>& t, int k) : members(size_t(k)) {
    require(t.size() <= std::numeric_limits<uint32_t>::max(), "too many rows");
    for (size_t i = 0; i < t.size(); ++i) {
      require(t[i] >= 0 && t[i] < k, "true class " + std::to_string(t[i]) + " outside 0.." + std::to_string(k - 1));
      members[size_t(t[i])].push_back(uint32_t(i));
    }
    truth.reserve(t.size());
    for (int c = 0; c < k; ++c) truth.insert(truth.end(), members[size_t(c)].size(), c);
    rows.resize(t.size());
  }

  void draw(std::mt19937_64& rng) {
    size_t i = 0;
    for (const auto& m : members)
      for (size_t j = 0; j < m.size(); ++j) rows[i++] = m[below(rng, uint32_t(m.size()))];
  }
};

void require_rows(const std::vector<int>& truth, const std::vector<int>& pred, int k, int resamples, double level) {
  require(!truth.empty(), "no rows to resample");
  require(pred.size() == truth.size(), "predictions (" + std::to_string(pred.size()) + ") and truth (" +
                                           std::to_string(truth.size()) + ") differ in length");
  require(k >= 1, "k must be at least 1");
  require(resamples >= 1, "resamples must be at least 1, got " + std::to_string(resamples));
  require_level(level);
}

// Runs `stat` on `resamples` stratified resamples and returns the percentile interval of its values, with
// the percentiles scipy.stats.bootstrap(method='percentile') takes.
template <class Stat>
Interval percentile_bootstrap(Strata& strata, int resamples, double level, uint64_t seed, Stat stat) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(static_cast<size_t>(resamples));
  for (double& v : values) {
    strata.draw(rng);
    v = stat();
    require(!std::isnan(v), "the metric returned NaN");
  }
  double lo = percentile(values, 50 * (1 - level));
  return {lo, percentile(std::move(values), 50 * (1 + level))};
}

void gather(const std::vector<int>& from, const std::vector<uint32_t>& rows, std::vector<int>& to) {
  for (size_t i = 0; i < rows.size(); ++i) to[i] = from[rows[i]];
}

}  // namespace

double mcnemar_exact(long b, long c) {
  require(b >= 0 && c >= 0, "McNemar counts must not be negative");
  // b + c == 0 (no discordant pairs) needs no case of its own: 0 trials give CDF 1, so p = 1.
  boost::math::binomial_distribution<double> dist(double(b + c), 0.5);
  return std::min(1.0, 2 * boost::math::cdf(dist, double(std::min(b, c))));
}

double percentile(std::vector<double> values, double q) {
  require(!values.empty(), "percentile of no values");
  require(q >= 0 && q <= 100, "percentile q must lie in [0, 100], got " + std::to_string(q));
  require(std::none_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
          "percentile of values with a NaN");
  std::sort(values.begin(), values.end());
  // numpy's own steps (1.22+ _quantile and _lerp), so results agree to the last rounding.
  double h = (q / 100) * double(values.size() - 1);
  size_t i = std::min(size_t(h), values.size() - 1);
  double t = h - double(i);
  double a = values[i], b = values[std::min(i + 1, values.size() - 1)];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

Interval bootstrap(const std::vector<int>& truth, const std::vector<int>& pred, int k, const Metric& metric,
                   int resamples, double level, uint64_t seed) {
  require_rows(truth, pred, k, resamples, level);
  Strata strata(truth, k);
  std::vector<int> p(truth.size());
  return percentile_bootstrap(strata, resamples, level, seed, [&] {
    gather(pred, strata.rows, p);
    return metric(strata.truth, p, k);
  });
}

Interval paired_bootstrap(const std::vector<int>& truth, const std::vector<int>& a, const std::vector<int>& b, int k,
                          const Metric& metric, int resamples, double level, uint64_t seed) {
  require_rows(truth, a, k, resamples, level);
  require_rows(truth, b, k, resamples, level);
  Strata strata(truth, k);
  std::vector<int> pa(truth.size()), pb(truth.size());
  return percentile_bootstrap(strata, resamples, level, seed, [&] {
    gather(a, strata.rows, pa);
    gather(b, strata.rows, pb);
    return metric(strata.truth, pa, k) - metric(strata.truth, pb, k);
  });
}

Interval t_interval(const std::vector<double>& xs, double level) {
  require(!xs.empty(), "t interval of no values");
  require_level(level);
  double n = double(xs.size()), mean = 0, ss = 0;
  for (double x : xs) mean += x;
  mean /= n;
  if (xs.size() == 1) return {mean, mean};  // no spread to estimate: the interval is the value itself
  for (double x : xs) ss += (x - mean) * (x - mean);
  double sem = std::sqrt(ss / (n - 1)) / std::sqrt(n);
  boost::math::students_t_distribution<double> dist(n - 1);
  // The upper quantile as a complement: exact for levels near 1, where 1 - (1 + level) / 2 would lose digits.
  double half = boost::math::quantile(boost::math::complement(dist, (1 - level) / 2)) * sem;
  return {mean - half, mean + half};
}

std::vector<double> holm(const std::vector<double>& p) {
  for (double x : p) require(x >= 0 && x <= 1, "p-value outside [0, 1]: " + std::to_string(x));
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> out(p.size());
  double running = 0;
  for (size_t r = 0; r < order.size(); ++r) {
    running = std::max(running, std::min(1.0, double(p.size() - r) * p[order[r]]));
    out[order[r]] = running;
  }
  return out;
}

}  // namespace genre::stats
