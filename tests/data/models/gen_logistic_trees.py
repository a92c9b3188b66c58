# scikit-learn's LogisticRegression and XGBoost's Python package (Debian's
# python3-sklearn 1.2 and python3-xgboost 1.7, the library genre links) on the
# committed 3-class data (knn_svm_{train,test}.csv) and a 2-class set written
# here, for tests/ops/models_logistic_trees.cpp.
# Run: /usr/bin/python3 gen_logistic_trees.py
import json
import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

def read(path):
    rows = [l.strip().split(",") for l in open(path)][1:]
    return np.array([[float(v) for v in r[:-1]] for r in rows]), np.array([r[-1] for r in rows])

X, y = make_classification(n_samples=180, n_features=5, n_informative=3, n_redundant=1, n_classes=2,
                           class_sep=0.6, flip_y=0.05, random_state=11)
names = np.array(["pop", "rock"])
for name, rows in [("train", range(0, 120)), ("test", range(120, 180))]:
    with open(f"binary_{name}.csv", "w") as f:
        f.write("f1,f2,f3,f4,f5,genre\n")
        for i in rows:
            f.write(",".join(repr(float(v)) for v in X[i]) + "," + names[y[i]] + "\n")

sets = {"three": ("knn_svm_train.csv", "knn_svm_test.csv"), "binary": ("binary_train.csv", "binary_test.csv")}
out = {}
for key, (tr, te) in sets.items():
    xtr, ytr = read(tr)
    xte, yte = read(te)
    classes = sorted(set(ytr))
    for C in [1.0, 0.05]:
        # scikit-learn's own fit stops early (tol 1e-4; even at tol 1e-10 scipy's ftol ends it with
        # a gradient near 3e-6), so the weights are checked against the optimum of its objective,
        # (1/n) sum cross-entropy + |W|^2 / (2 C n), found by scipy's L-BFGS-B run to a gradient of
        # 1e-12; predictions and probabilities against scikit-learn itself.
        Y = np.eye(len(classes))[[classes.index(v) for v in ytr]]
        n, d = xtr.shape
        k = len(classes) if len(classes) > 2 else 1
        def objective(w):
            W = w.reshape(k, d + 1)
            Z = xtr @ W[:, :d].T + W[:, d]
            if k == 1:
                Z = np.c_[np.zeros(n), Z]
            Z -= Z.max(1, keepdims=True)
            P = np.exp(Z)
            P /= P.sum(1, keepdims=True)
            E = (P - Y)[:, 1:] if k == 1 else P - Y
            G = E.T @ np.c_[xtr, np.ones(n)] / n
            G[:, :d] += W[:, :d] / (C * n)
            return -(Y * np.log(P)).sum() / n + (W[:, :d] ** 2).sum() / (2 * C * n), G.ravel()
        opt = minimize(objective, np.zeros(k * (d + 1)), jac=True, method="L-BFGS-B",
                       options=dict(gtol=1e-12, ftol=1e-16, maxiter=100000))
        assert np.abs(opt.jac).max() < 1e-8, (key, C, np.abs(opt.jac).max())
        W = opt.x.reshape(k, d + 1)
        Z = xte @ W[:, :d].T + W[:, d]
        if k == 1:
            Z = np.c_[np.zeros(len(xte)), Z]
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        sk = LogisticRegression(C=C).fit(xtr, ytr)
        # The objective is scikit-learn's: its solution is near the optimum.
        assert np.abs(objective(np.c_[sk.coef_, sk.intercept_].ravel())[1]).max() < 1e-4
        out[f"logistic_{key}_C{C}"] = {
            "coef": W[:, :d].tolist(), "intercept": W[:, d].tolist(), "proba": P.tolist(),
            "sklearn_pred": sk.predict(xte).tolist(), "sklearn_proba": sk.predict_proba(xte).tolist(),
            "sklearn_iterations": int(sk.n_iter_[0])}
    lab = np.array([classes.index(v) for v in ytr], dtype=np.float32)
    dtr = xgb.DMatrix(xtr.astype(np.float32), label=lab)
    dte = xgb.DMatrix(xte.astype(np.float32))
    base = {"objective": "multi:softprob", "num_class": len(classes), "tree_method": "hist", "nthread": 1, "seed": 7}
    cases = {
        "xgboost_default": (dict(base, max_depth=6, eta=0.3, subsample=1, colsample_bytree=1, min_child_weight=1, reg_lambda=1), 100),
        "xgboost_sampled": (dict(base, max_depth=3, eta=0.1, subsample=0.7, colsample_bytree=0.6, min_child_weight=2, reg_lambda=3), 40),
        "random_forest": (dict(base, max_depth=6, eta=1, subsample=0.8, colsample_bynode=0.8, num_parallel_tree=50, reg_lambda=1e-5), 1),
    }
    for name, (p, rounds) in cases.items():
        bst = xgb.train(p, dtr, num_boost_round=rounds)
        proba = bst.predict(dte)
        out[f"{name}_{key}"] = {"pred": [classes[i] for i in proba.argmax(axis=1)], "proba": proba.astype(float).tolist()}
# XGBRFClassifier's defaults are the random_forest case's (learning rate 1, 0.8 row and node
# samples, lambda 1e-5): the same probabilities as xgb.train above.
xtr, ytr = read("knn_svm_train.csv")
xte, _ = read("knn_svm_test.csv")
classes = sorted(set(ytr))
rf = xgb.XGBRFClassifier(n_estimators=50, tree_method="hist", n_jobs=1, random_state=7,
                         objective="multi:softprob").fit(xtr, [classes.index(v) for v in ytr])
assert np.array_equal(rf.predict_proba(xte), np.array(out["random_forest_three"]["proba"], dtype=np.float32))
with open("logistic_trees_reference.json", "w") as f:
    json.dump(out, f)

# Study S4's matrix (tests/ops/models_s4_parity.cpp): test accuracy of each family on
# gen_s4_preprocessed.py's preprocessing, when the third-party data is here.
import os
import sys
src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/genre-factor"
if os.path.exists(src):
    import pandas as pd
    from sklearn.preprocessing import MinMaxScaler, QuantileTransformer
    data = pd.read_csv(f"{src}/data_selected_v1.csv")
    splits = pd.read_csv(f"{src}/splits_6genre_sklearn_rs42.csv")
    features = list(data.columns[data.columns.get_loc("Danceability"):data.columns.get_loc("Stream") + 1])
    rows = data.iloc[splits["row"].to_numpy()].reset_index(drop=True)
    part = splits["split_knn_svm"].to_numpy()
    train, test = rows[part == "train"], rows[part == "test"]
    qt = QuantileTransformer(output_distribution="normal").fit(train[features])
    mm = MinMaxScaler(feature_range=(-1, 1)).fit(qt.transform(train[features]))
    xtr, xte = mm.transform(qt.transform(train[features])), mm.transform(qt.transform(test[features]))
    lr = LogisticRegression().fit(xtr, train["Genre"])
    print("S4 logistic", lr.n_iter_, round(lr.score(xte, test["Genre"]), 4))
    classes = sorted(set(train["Genre"]))
    lab = np.array([classes.index(v) for v in train["Genre"]])
    base = {"objective": "multi:softprob", "num_class": len(classes), "tree_method": "hist", "nthread": 1, "seed": 7}
    for name, p, rounds in [("xgboost", dict(base, max_depth=6, eta=0.3), 100),
                            ("random_forest", dict(base, max_depth=6, eta=1, subsample=0.8, colsample_bynode=0.8,
                                                   num_parallel_tree=100, reg_lambda=1e-5), 1)]:
        b = xgb.train(p, xgb.DMatrix(xtr.astype(np.float32), label=lab), rounds)
        pred = np.array(classes)[b.predict(xgb.DMatrix(xte.astype(np.float32))).argmax(1)]
        print("S4", name, round((pred == test["Genre"].to_numpy()).mean(), 4))
