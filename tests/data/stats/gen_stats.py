#!/usr/bin/python3
# Reference values for tests/runtime/stats_test.cpp, from the libraries that
# runtime/stats.h promises to agree with: statsmodels (McNemar), numpy
# (percentile), scipy (t interval, percentile bootstrap). Debian's packages
# (apt-get install python3-scipy python3-statsmodels python3-numpy), hence
# /usr/bin/python3. Run: /usr/bin/python3 gen_stats.py > reference.json
import json
import sys

import numpy as np
import scipy.stats as st
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

out = {}

# McNemar: b, c are the off-diagonal cells; the diagonal does not enter the test.
pairs = [(0, 0), (0, 5), (5, 0), (1, 1), (3, 4), (12, 3), (2, 20), (50, 50), (100, 80), (1000, 1100)]
out["mcnemar"] = [
    {"b": b, "c": c, "p": float(mcnemar([[7, b], [c, 9]], exact=True).pvalue)} for b, c in pairs
]

rng = np.random.default_rng(20240501)

# Holm's adjustment of many pairwise tests' p-values (ties and a p of 1 included).
holm_sets = [[0.01], [0.01, 0.04, 0.03, 0.005], [0.2, 0.2, 0.01, 1.0, 0.049, 0.0001], [0.5, 0.6, 0.7]]
out["holm"] = [{"p": ps, "adjusted": multipletests(ps, method="holm")[1].tolist()} for ps in holm_sets]

arrays = [[3.0], [1.0, 2.0, 3.0, 4.0], [0.1, -5.0, 7.25, 3.3, 3.3, 100.0, 2e-3], rng.normal(size=17).tolist()]
qs = [0.0, 2.5, 25.0, 33.3, 50.0, 62.5, 97.5, 100.0]
out["percentile"] = [{"values": a, "q": qs, "expected": np.percentile(a, qs).tolist()} for a in arrays]

out["t_interval"] = []
for n, level in [(2, 0.95), (5, 0.9), (10, 0.95), (10, 0.99)]:
    xs = (0.7 + 0.05 * rng.normal(size=n)).tolist()
    lo, hi = st.t.interval(level, n - 1, loc=np.mean(xs), scale=st.sem(xs))
    out["t_interval"].append({"xs": xs, "level": level, "lo": float(lo), "hi": float(hi)})

# A test set: 1000 rows, 3 unbalanced classes, each prediction right with
# probability 0.8 (else another class at random). Model b is model a with 60 of
# a's right rows made wrong and 20 of its wrong rows made right: a's accuracy
# is b's + 0.04.
n, k = 1000, 3
truth = rng.choice(k, size=n, p=[0.5, 0.3, 0.2])
right = rng.random(n) < 0.8
pred = np.where(right, truth, (truth + rng.integers(1, k, size=n)) % k)
pred_b = pred.copy()
worse = rng.choice(np.flatnonzero(pred == truth), size=60, replace=False)
better = rng.choice(np.flatnonzero(pred != truth), size=20, replace=False)
pred_b[worse] = (truth[worse] + 1) % k
pred_b[better] = truth[better]
diff = float(np.mean(pred == truth) - np.mean(pred_b == truth))
assert abs(diff - 0.04) < 1e-12

# Two levels: a mix-up of the tail percentiles moves an end by more than the
# test's tolerance at one of them at least.
scipy_accuracy = []
for level in [0.95, 0.8]:
    ci = st.bootstrap((truth, pred), lambda t, p, axis=-1: np.mean(t == p, axis=axis), paired=True,
                      vectorized=True, n_resamples=10000, method="percentile", confidence_level=level,
                      random_state=np.random.default_rng(1)).confidence_interval
    scipy_accuracy.append({"level": level, "lo": float(ci.low), "hi": float(ci.high), "n_resamples": 10000})
    print(f"accuracy {level}: scipy {ci.low:.5f} {ci.high:.5f}", file=sys.stderr)


# The stratified paired bootstrap of stats.h, in numpy: each class's rows redrawn
# from that class, the same rows for both models.
def stratified(stat, resamples, seed, level=0.95):
    g = np.random.default_rng(seed)
    classes = [np.flatnonzero(truth == c) for c in range(k)]
    values = np.empty(resamples)
    for r in range(resamples):
        rows = np.concatenate([m[g.integers(0, len(m), size=len(m))] for m in classes])
        values[r] = stat(rows)
    return np.percentile(values, [50 * (1 - level), 50 * (1 + level)])


acc = lambda p, rows: np.mean(p[rows] == truth[rows])
paired = stratified(lambda rows: acc(pred, rows) - acc(pred_b, rows), 20000, 2)
# Not stored: how far stratification moves the accuracy interval from scipy's
# unstratified one (the test's tolerance must cover it).
for level in [0.95, 0.8]:
    strat = stratified(lambda rows: acc(pred, rows), 20000, 3, level)
    print(f"accuracy {level}: stratified {strat[0]:.5f} {strat[1]:.5f}", file=sys.stderr)
print(f"difference: stratified paired {paired[0]:.5f} {paired[1]:.5f}", file=sys.stderr)

out["bootstrap"] = {
    "k": k, "truth": truth.tolist(), "pred": pred.tolist(), "pred_b": pred_b.tolist(),
    "accuracy": float(np.mean(pred == truth)), "difference": diff,
    "scipy_accuracy": scipy_accuracy,
    "numpy_paired_difference": {"level": 0.95, "lo": float(paired[0]), "hi": float(paired[1]), "n_resamples": 20000},
}


# The exact rows a seed draws, from an independent implementation of the
# documented method: std::mt19937_64 (the standard's parameters) and Lemire's
# unbiased multiply-shift on the top 32 bits of each draw, class by class.
def mt19937_64(seed):
    mask = (1 << 64) - 1
    mt = [seed & mask]
    for i in range(1, 312):
        mt.append((6364136223846793005 * (mt[-1] ^ (mt[-1] >> 62)) + i) & mask)
    i = 312
    while True:
        if i == 312:
            for j in range(312):
                x = (mt[j] & ~((1 << 31) - 1) & mask) | (mt[(j + 1) % 312] & ((1 << 31) - 1))
                mt[j] = mt[(j + 156) % 312] ^ (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
            i = 0
        y = mt[i]
        i += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        yield y & mask


g = mt19937_64(5489)
assert [next(g) for _ in range(10000)][-1] == 9981545732273789042  # the standard's check value


def below(g, n):
    m = (next(g) >> 32) * n
    if m & 0xFFFFFFFF < n:
        while m & 0xFFFFFFFF < (1 << 32) % n:
            m = (next(g) >> 32) * n
    return m >> 32


small = [2, 0, 1, 0, 2, 2, 0, 1, 0, 0]
seed = 12345
g = mt19937_64(seed)
members = [[i for i, t in enumerate(small) if t == c] for c in range(3)]
draws = [[m[below(g, len(m))] for m in members for _ in m] for _ in range(3)]
out["stream"] = {"truth": small, "k": 3, "seed": seed, "rows": draws}

print("{\n" + ",\n".join(f' "{key}": {json.dumps(value)}' for key, value in out.items()) + "\n}")
