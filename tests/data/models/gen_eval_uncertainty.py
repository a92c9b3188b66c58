#!/usr/bin/python3
# References for tests/ops/eval_evaluate.cpp's uncertainty case: McNemar's exact
# test (statsmodels) between the scikit-learn predictions of knn_svm_sklearn.json
# and a majority baseline, Holm's adjustment of the three pairs (statsmodels),
# and Student's t interval of three fold scores (scipy).
# Run: /usr/bin/python3 gen_eval_uncertainty.py > eval_uncertainty.json
import collections
import csv
import json

import numpy as np
import scipy.stats as st
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

ref = json.load(open("knn_svm_sklearn.json"))
truth = [r["genre"] for r in csv.DictReader(open("knn_svm_test.csv"))]
train = [r["genre"] for r in csv.DictReader(open("knn_svm_train.csv"))]
counts = collections.Counter(train)
majority = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
preds = {"knn": ref["knn_k5_euclidean"]["pred"], "svm": ref["svm_rbf_scale"]["pred"], "majority": [majority] * len(truth)}

pairs = []
for a, b in [("knn", "svm"), ("knn", "majority"), ("svm", "majority")]:
    x, y = preds[a], preds[b]
    only_a = sum(1 for t, p, q in zip(truth, x, y) if p == t and q != t)
    only_b = sum(1 for t, p, q in zip(truth, x, y) if p != t and q == t)
    p = float(mcnemar([[0, only_a], [only_b, 0]], exact=True).pvalue)
    diff = float(np.mean(np.array(x) == truth) - np.mean(np.array(y) == truth))
    pairs.append({"a": a, "b": b, "only_first_right": only_a, "only_second_right": only_b, "mcnemar_p": p, "accuracy_diff": diff})
holm = multipletests([p["mcnemar_p"] for p in pairs], method="holm")[1]
for p, h in zip(pairs, holm):
    p["mcnemar_p_holm"] = float(h)

folds = [0.78, 0.80, 0.76]
lo, hi = st.t.interval(0.95, len(folds) - 1, loc=np.mean(folds), scale=st.sem(folds))
print(json.dumps({"pairs": pairs, "t_interval": {"xs": folds, "level": 0.95, "lo": float(lo), "hi": float(hi)}}, indent=1))
