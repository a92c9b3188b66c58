# Reference metrics from scikit-learn for tests/ops/eval_metrics.cpp.
# Run: /usr/bin/python3 gen_metrics.py  (writes metrics_cases.json)
import json
import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                             precision_recall_curve, precision_recall_fscore_support)

rng = np.random.default_rng(7)
cases = []
for name, n, k, decimals, never in [("random", 200, 4, 3, None), ("ties_and_unpredicted", 150, 5, 1, 4)]:
    truth = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.5, truth, rng.integers(0, k, n))
    if never is not None:
        pred[pred == never] = 0  # a class that is never predicted: precision 0/0 -> 0
    scores = np.round(rng.random((n, k)), decimals)  # few decimals: many tied scores
    scores[np.arange(n), truth] += 0.3 * rng.random(n)
    labels = list(range(k))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    case = {
        "name": name, "k": k, "truth": truth.tolist(), "pred": pred.tolist(), "scores": scores.tolist(),
        "accuracy": accuracy_score(truth, pred),
        "macro_f1": f1_score(truth, pred, average="macro", zero_division=0),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "confusion": confusion_matrix(truth, pred, labels=labels).tolist(),
        "average_precision": [], "pr_precision": [], "pr_recall": [],
    }
    for c in range(k):
        pos = (truth == c).astype(int)
        pr, rc, _ = precision_recall_curve(pos, scores[:, c])
        case["pr_precision"].append(pr.tolist())
        case["pr_recall"].append(rc.tolist())
        case["average_precision"].append(average_precision_score(pos, scores[:, c]))
    cases.append(case)

with open("metrics_cases.json", "w") as f:
    json.dump(cases, f)
