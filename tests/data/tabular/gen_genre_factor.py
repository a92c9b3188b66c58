# Reference values for the S4 preprocessing test (tests/ops/tabular_genre_factor.cpp):
# the authors' notebook recipe on /work/shared/data/genre-factor, fitted on the
# split_knn_svm train part: QuantileTransformer(normal), then MinMaxScaler(-1, 1).
# Stores 20 rows (by "Unnamed: 0") of train, val and test.
# Run: /usr/bin/python3 gen_genre_factor.py [data folder]   (scikit-learn 1.2.1)
import sys

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer

folder = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/genre-factor"
data = pd.read_csv(folder + "/data_selected_v1.csv")
splits = pd.read_csv(folder + "/splits_6genre_sklearn_rs42.csv")
d = data.merge(splits[["Unnamed: 0", "split_knn_svm"]], on="Unnamed: 0")  # the 6 genres only
feats = list(data.columns[1:16])  # Danceability .. Stream
assert feats[0] == "Danceability" and feats[-1] == "Stream"
train = d[d.split_knn_svm == "train"]
q = QuantileTransformer(output_distribution="normal").fit(train[feats].to_numpy())
m = MinMaxScaler(feature_range=(-1, 1)).fit(q.transform(train[feats].to_numpy()))
rows = []
for part, n in (("train", 10), ("val", 5), ("test", 5)):
    p = d[d.split_knn_svm == part]
    rows.append(p.iloc[np.linspace(0, len(p) - 1, n).astype(int)])
sel = pd.concat(rows)
out = pd.DataFrame(m.transform(q.transform(sel[feats].to_numpy())), columns=feats)
out.insert(0, "part", sel.split_knn_svm.to_numpy())
out.insert(0, "Unnamed: 0", sel["Unnamed: 0"].to_numpy())
out.to_csv("genre_factor_quantile_minmax.csv", index=False, float_format="%.17g")
print(d.split_knn_svm.value_counts())
