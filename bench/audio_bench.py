# The peer of audio_bench.cpp: librosa 0.11 on the same files, decode + S1's four features, as
# the study computed them (each feature call with its own STFT), mean and variance per clip.
# Prints one line: "librosa SECONDS CLIPS" for the timed pass (after a warm-up clip for numba's JIT).
#   python3 audio_bench.py FILE...   (PYTHONPATH: ../shared/peers/librosa-0.11.0 and its shims)
import sys
import time

import librosa
import numpy as np


def features(path):
    y, sr = librosa.load(path, sr=None, mono=True)
    out = []
    for f in (librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=2048, hop_length=512),
              librosa.feature.spectral_centroid(y=y, sr=sr, n_fft=2048, hop_length=512),
              librosa.feature.chroma_stft(y=y, sr=sr, n_fft=2048, hop_length=512),
              librosa.feature.spectral_rolloff(y=y, sr=sr, n_fft=2048, hop_length=512)):
        out += [f.mean(axis=1), f.var(axis=1)]
    return np.concatenate(out)


files = sys.argv[1:]
features(files[0])  # numba compiles on first use
t0 = time.perf_counter()
rows = [features(f) for f in files]
print(f"librosa {time.perf_counter() - t0:.4f} {len(rows)}")
