# Reference outputs of scikit-learn's preprocessing for tests/ops/tabular_preprocess.cpp.
# Input: prep_train.csv / prep_test.csv (label + 5 features, some missing).
# Output: <method>_train.csv / <method>_test.csv, each fitted on the train part only.
# Run: /usr/bin/python3 gen_preprocess.py   (scikit-learn 1.2.1, numpy 1.24.2)
import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer, StandardScaler

rng = np.random.RandomState(42)


def make(n, shift):
    d = pd.DataFrame({
        "label": rng.choice(["rock", "pop", "jazz"], n),
        "cont": rng.normal(shift, 2.0, n),
        "disc": rng.randint(0, 6, n).astype(float),          # repeated values: ties in the quantiles
        "skew": rng.exponential(3.0, n) + shift,
        "gaps": rng.uniform(-1, 1, n),
        "tiny": rng.normal(0, 1e-3, n),
    })
    return d


train, test = make(40, 0.0), make(15, 1.5)
for d, frac in ((train, 0.15), (test, 0.25)):  # missing values in every feature
    for c in ["cont", "disc", "skew", "gaps", "tiny"]:
        d.loc[rng.uniform(0, 1, len(d)) < frac, c] = np.nan
test.loc[0, ["cont", "disc", "skew", "gaps"]] = np.nan  # a row with one value left
test.loc[1, "cont"] = 100.0                             # outside the train range: clipped
test.loc[2, "cont"] = -100.0
feats = ["cont", "disc", "skew", "gaps", "tiny"]


def write(name, d):
    d.to_csv(name, index=False, float_format="%.17g", na_rep="")


write("prep_train.csv", train)
write("prep_test.csv", test)

methods = {
    "quantile_normal": lambda: QuantileTransformer(output_distribution="normal"),  # n_quantiles 1000 -> 40 rows
    "quantile_uniform_nq10": lambda: QuantileTransformer(output_distribution="uniform", n_quantiles=10),
    "quantile_normal_nq7": lambda: QuantileTransformer(output_distribution="normal", n_quantiles=7),
    "minmax": lambda: MinMaxScaler(),
    "minmax_m1_1": lambda: MinMaxScaler(feature_range=(-1, 1)),
    "standardize": lambda: StandardScaler(),
    "impute_mean": lambda: SimpleImputer(strategy="mean"),
    "impute_median": lambda: SimpleImputer(strategy="median"),
    "impute_knn5": lambda: KNNImputer(n_neighbors=5),
    "impute_knn3": lambda: KNNImputer(n_neighbors=3),
}
for name, make_t in methods.items():
    t = make_t().fit(train[feats].to_numpy())
    for part, d in (("train", train), ("test", test)):
        out = d.copy()
        out[feats] = t.transform(d[feats].to_numpy())
        write("%s_%s.csv" % (name, part), out)
