#!/usr/bin/python3
# Reference for select_best: scikit-learn 1.2.1's SelectKBest(f_classif) on a
# small table with informative, noise and constant features (three classes).
# Run: /usr/bin/python3 gen_select.py  (writes select_train.csv, select_test.csv, select_best.json)
import json

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif

rng = np.random.default_rng(7)
n = 45
y = np.array(["blues", "jazz", "rock"] * (n // 3))
shift = {"blues": 0.0, "jazz": 1.0, "rock": 2.0}
cols = {
    "strong": np.array([shift[c] for c in y]) + 0.3 * rng.normal(size=n),
    "weak": np.array([shift[c] for c in y]) * 0.2 + rng.normal(size=n),
    "noise1": rng.normal(size=n),
    "noise2": rng.normal(size=n) * 5 + 3,
    "constant": np.full(n, 4.0),
    "medium": np.array([shift[c] for c in y]) * 0.6 + rng.normal(size=n),
}
names = list(cols)
X = np.column_stack([cols[c] for c in names])
train, test = slice(0, 30), slice(30, n)


def write(path, rows):
    with open(path, "w") as f:
        f.write(",".join(names) + ",label\n")
        for i in range(n)[rows]:
            f.write(",".join(repr(float(v)) for v in X[i]) + "," + y[i] + "\n")


write("select_train.csv", train)
write("select_test.csv", test)
import warnings
warnings.simplefilter("ignore")  # the constant feature's F is NaN (0 / 0)
scores = f_classif(X[train], y[train])[0]
out = {"features": names, "f": [None if np.isnan(s) else float(s) for s in scores], "selected": {}}
for k in [1, 2, 3, 5]:
    sel = SelectKBest(f_classif, k=k).fit(X[train], y[train])
    out["selected"][str(k)] = [names[i] for i in np.flatnonzero(sel.get_support())]
json.dump(out, open("select_best.json", "w"), indent=1)
print(out)
