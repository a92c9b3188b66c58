# Reference linkages for tests/ops/cluster.cpp, from SciPy (run with Debian's
# python3-scipy: /usr/bin/python3 gen_cluster.py). Writes, for each data set,
# <set>.csv (name, f0, f1, ...) and <set>_<method>.csv (a, b, height, size),
# heights with 17 significant digits.
import numpy as np
from scipy.cluster.hierarchy import linkage

rng = np.random.default_rng(20240521)
sets = {
    # 12 points in 5 dimensions, three loose groups
    "blobs": np.concatenate([rng.normal(c, 1.0, size=(4, 5)) for c in (0.0, 4.0, 9.0)]),
    # 40 pitch-histogram-like rows: 128 bins summing to 1
    "hist": rng.dirichlet(np.full(128, 0.3), size=40),
    # ties: repeated points and equal distances on a grid
    "ties": np.array([[0, 0], [0, 0], [1, 0], [0, 1], [1, 1], [3, 0], [3, 0], [4, 0], [3, 1], [10, 10]], dtype=float),
}
for name, x in sets.items():
    with open(f"{name}.csv", "w") as f:
        f.write("name," + ",".join(f"f{j}" for j in range(x.shape[1])) + "\n")
        for i, row in enumerate(x):
            f.write(f"r{i}," + ",".join(repr(float(v)) for v in row) + "\n")
    for method in ("ward", "average", "complete"):
        z = linkage(x, method=method, metric="euclidean")
        with open(f"{name}_{method}.csv", "w") as f:
            f.write("a,b,height,size\n")
            for a, b, h, s in z:
                f.write(f"{int(a)},{int(b)},{h:.17g},{int(s)}\n")

# Real notes: the per-program pitch histograms (duration-weighted, drums apart)
# of msd-lakh-sample's two MIDI files, from the mido-based note lists in
# ../shared/data/midi-ref, and their ward linkage. tests/ops/cluster.cpp runs
# midi_folder -> pitch_histograms -> cluster on the MIDI files and compares.
import csv, os
ref = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../shared/data/midi-ref/notes.csv")
hist = {}
with open(ref) as f:
    for row in csv.DictReader(f):
        if row["dataset"] != "msd-lakh":
            continue
        key = 128 if row["is_drum"] == "1" else int(row["program"])
        hist.setdefault(key, np.zeros(128))[int(row["pitch"])] += float(row["duration_s"])
keys = sorted(k for k in hist if hist[k].sum() > 0)
x = np.array([hist[k] / hist[k].sum() for k in keys])
with open("msd_lakh_hist.csv", "w") as f:
    f.write("group," + ",".join(f"p{j}" for j in range(128)) + "\n")
    for k, row in zip(keys, x):
        f.write(("drums" if k == 128 else str(k)) + "," + ",".join(repr(float(v)) for v in row) + "\n")
z = linkage(x, method="ward", metric="euclidean")
with open("msd_lakh_ward.csv", "w") as f:
    f.write("a,b,height,size\n")
    for a, b, h, s in z:
        f.write(f"{int(a)},{int(b)},{h:.17g},{int(s)}\n")
