# A small 3-class problem and scikit-learn's KNN / SVC predictions on it, for
# tests/ops/models_knn_svm.cpp. Run: /usr/bin/python3 gen_knn_svm.py
import json
import numpy as np
from sklearn.datasets import make_classification
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

X, y = make_classification(n_samples=300, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
                           n_clusters_per_class=1, class_sep=0.8, random_state=3)
names = np.array(["blues", "jazz", "rock"])
lab = names[y]
train, test = np.arange(0, 200), np.arange(200, 300)

def write(path, rows):
    with open(path, "w") as f:
        f.write("f1,f2,f3,f4,genre\n")
        for i in rows:
            f.write(",".join(repr(float(v)) for v in X[i]) + "," + lab[i] + "\n")

write("knn_svm_train.csv", train)
write("knn_svm_test.csv", test)
out = {}
for key, model in {
    "knn_k5_euclidean": KNeighborsClassifier(n_neighbors=5, algorithm="brute"),
    "knn_k7_manhattan": KNeighborsClassifier(n_neighbors=7, metric="manhattan", algorithm="brute"),
    "knn_k4_cosine": KNeighborsClassifier(n_neighbors=4, metric="cosine", algorithm="brute"),
    "svm_rbf_scale": SVC(kernel="rbf", C=1.0, gamma="scale"),
    "svm_rbf_auto_C3": SVC(kernel="rbf", C=3.0, gamma="auto"),
    "svm_linear_C05": SVC(kernel="linear", C=0.5),
    "svm_rbf_gamma2": SVC(kernel="rbf", C=1.0, gamma=2.0),
}.items():
    model.fit(X[train], lab[train])
    out[key] = {"pred": model.predict(X[test]).tolist()}
    if key.startswith("knn"):
        out[key]["proba"] = model.predict_proba(X[test]).tolist()
    else:
        out[key]["n_support"] = int(model.n_support_.sum())
with open("knn_svm_sklearn.json", "w") as f:
    json.dump(out, f)
