# The S4 notebook's KNN/SVM inputs, preprocessed by scikit-learn, so the models
# can be checked apart from the tabular ops (tests/ops/models_s4_parity.cpp).
# Reads the third-party genre-factor data (see /work/shared/data/genre-factor/SOURCE.md:
# no licence, do not redistribute) and writes s4_preprocessed_{train,test}.csv here.
# Run: /usr/bin/python3 gen_s4_preprocessed.py [DATA_DIR]
import sys
import pandas as pd
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer
from sklearn.svm import SVC

src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/genre-factor"
data = pd.read_csv(f"{src}/data_selected_v1.csv")
splits = pd.read_csv(f"{src}/splits_6genre_sklearn_rs42.csv")
features = list(data.columns[data.columns.get_loc("Danceability"):data.columns.get_loc("Stream") + 1])
assert len(features) == 15
rows = data.iloc[splits["row"].to_numpy()].reset_index(drop=True)
part = splits["split_knn_svm"].to_numpy()
train, test = rows[part == "train"], rows[part == "test"]
qt = QuantileTransformer(output_distribution="normal").fit(train[features])
mm = MinMaxScaler(feature_range=(-1, 1)).fit(qt.transform(train[features]))
for name, t in [("train", train), ("test", test)]:
    x = mm.transform(qt.transform(t[features]))
    with open(f"s4_preprocessed_{name}.csv", "w") as f:
        f.write(",".join(features) + ",Genre\n")
        for xi, g in zip(x, t["Genre"]):
            f.write(",".join(repr(float(v)) for v in xi) + "," + g + "\n")
xtr, xte = mm.transform(qt.transform(train[features])), mm.transform(qt.transform(test[features]))
for m in [KNeighborsClassifier(n_neighbors=12), SVC()]:
    print(type(m).__name__, round(m.fit(xtr, train["Genre"]).score(xte, test["Genre"]), 4))
