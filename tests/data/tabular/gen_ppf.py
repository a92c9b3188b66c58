# Reference values of scipy.stats.norm.ppf for tests/ops/tabular_normal.cpp.
# Run: /usr/bin/python3 gen_ppf.py   (scipy 1.10.1 was used)
import numpy as np
from scipy import stats

eps = np.spacing(1)
ps = [1e-300, 1e-100, 1e-20, 1e-12, 1.3888e-11, 1e-10, 1e-7 - eps, 1e-7, 1e-5, 0.001, 0.01, 0.02425, 0.05,
      0.075, 0.0751, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.9, 0.925, 0.95,
      0.975, 0.99, 0.999, 1 - 1e-5, 1 - 1e-7, 1 - (1e-7 - eps), 1 - 1e-10, 1 - 1e-15]
rng = np.random.RandomState(0)
ps += list(rng.uniform(0, 1, 40)) + list(10.0 ** rng.uniform(-30, -1, 20))
with open("norm_ppf.csv", "w") as f:
    f.write("p,ppf\n")
    for p in ps:
        f.write("%.17g,%.17g\n" % (p, stats.norm.ppf(p)))
