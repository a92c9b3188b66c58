"""Reference for resampling (tests/ops/audio_resample.cpp): librosa 0.11's load(path, sr=22050,
mono=True) -- res_type soxr_hq -- on clips at other rates, and its features of the result.

librosa resamples through python-soxr, which is not packaged in Debian 12. `soxr` below does what
python-soxr 0.5's resample() does, on Debian's libsoxr0 (0.1.3) through ctypes: soxr_create with
float32 in and out, soxr_quality_spec(SOXR_HQ, 0), the default runtime spec; the input fed in
chunks of 48000 * in / out frames into an output of int(n * out / in) + 1 frames, then a flush.
librosa then cuts or pads to ceil(n * out / in) (util.fix_length).

Run from the repository root (writes tests/data/resample/):
  PYTHONPATH=../shared/peers/librosa-0.11.0 /usr/bin/python3 tests/data/resample/gen_resample.py
"""
import ctypes
import os
import sys
import types

import numpy as np
import soundfile as sf

lib = ctypes.CDLL("libsoxr.so.0")


class QualitySpec(ctypes.Structure):
    _fields_ = [("precision", ctypes.c_double), ("phase_response", ctypes.c_double),
                ("passband_end", ctypes.c_double), ("stopband_begin", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


class IoSpec(ctypes.Structure):
    _fields_ = [("itype", ctypes.c_int), ("otype", ctypes.c_int), ("scale", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


SOXR_FLOAT32_I, SOXR_HQ = 0, 4
lib.soxr_quality_spec.restype = QualitySpec
lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
lib.soxr_io_spec.restype = IoSpec
lib.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
lib.soxr_create.restype = ctypes.c_void_p
lib.soxr_create.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.POINTER(ctypes.c_char_p),
                            ctypes.POINTER(IoSpec), ctypes.POINTER(QualitySpec), ctypes.c_void_p]
lib.soxr_process.restype = ctypes.c_char_p
lib.soxr_process.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                             ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
lib.soxr_delete.argtypes = [ctypes.c_void_p]
lib.soxr_engine.restype = ctypes.c_char_p
lib.soxr_engine.argtypes = [ctypes.c_void_p]
lib.soxr_version.restype = ctypes.c_char_p


def resample(x, in_rate, out_rate, quality="HQ"):
    assert quality in ("HQ", "soxr_hq"), quality
    x = np.ascontiguousarray(x, dtype=np.float32)
    assert x.ndim == 1
    err = ctypes.c_char_p()
    io, q = lib.soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I), lib.soxr_quality_spec(SOXR_HQ, 0)
    s = lib.soxr_create(in_rate, out_rate, 1, ctypes.byref(err), ctypes.byref(io), ctypes.byref(q), None)
    assert s and not err.value, err.value
    global engine
    engine = lib.soxr_engine(s).decode()
    n = len(x)
    olen = int(n * out_rate / in_rate + 1)
    chunk = int(48000 * in_rate / out_rate)
    y = np.zeros(olen, dtype=np.float32)
    pos, done = 0, ctypes.c_size_t()
    for i in range(0, n, chunk):
        e = lib.soxr_process(s, x[i:].ctypes.data, min(chunk, n - i), None,
                             y[pos:].ctypes.data, olen - pos, ctypes.byref(done))
        assert e is None, e
        pos += done.value
    e = lib.soxr_process(s, None, 0, None, y[pos:].ctypes.data, olen - pos, ctypes.byref(done))
    assert e is None, e
    pos += done.value
    lib.soxr_delete(s)
    return y[:pos]


shim = types.ModuleType("soxr")
shim.resample = resample
sys.modules["soxr"] = shim
import librosa  # noqa: E402  (after the shim)

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(15)


def write_clips():
    # 44.1 kHz stereo, 2 s: an exponential sweep 50 Hz - 20 kHz on the left (past the new Nyquist:
    # the anti-alias filter must remove it), a detuned A4 with harmonics and noise on the right.
    sr, n = 44100, 88200
    t = np.arange(n) / sr
    sweep = 0.5 * np.sin(2 * np.pi * 50 * 2.0 * (np.power(400, t / 2.0) - 1) / np.log(400))
    tone = sum(0.3 / k * np.sin(2 * np.pi * 440 * 2 ** (30 / 1200) * k * t) for k in range(1, 6))
    right = tone + 0.05 * rng.standard_normal(n)
    sf.write(os.path.join(here, "stereo_44100.wav"), np.stack([sweep, right], axis=1), sr, subtype="PCM_16")
    # 48 kHz mono FLAC, 1.5 s: clicks every 0.25 s over a low chord, 24-bit.
    sr, n = 48000, 72000
    t = np.arange(n) / sr
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (130.81, 164.81, 196.0))
    clicks = np.zeros(n)
    clicks[::12000] = 0.8
    sf.write(os.path.join(here, "mono_48000.flac"), chord + clicks, sr, subtype="PCM_24")
    # 16 kHz mono, 1 s (upsampling): noise band-passed by a moving average, and a 3 kHz tone.
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    noise = np.convolve(rng.standard_normal(n), np.ones(8) / 8, mode="same")
    sf.write(os.path.join(here, "mono_16000.wav"), 0.3 * noise + 0.3 * np.sin(2 * np.pi * 3000 * t), sr,
             subtype="PCM_16")


def features(y, sr):
    rows = {}
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13)
    for k in range(13):
        rows[f"mfcc{k}"] = mfcc[k]
    rows["centroid"] = librosa.feature.spectral_centroid(y=y, sr=sr)[0]
    chroma = librosa.feature.chroma_stft(y=y, sr=sr)
    for k in range(12):
        rows[f"chroma{k}"] = chroma[k]
    rows["rolloff"] = librosa.feature.spectral_rolloff(y=y, sr=sr)[0]
    return rows


def reference(path, name, out_dir, keep_samples):
    y, sr = librosa.load(path, sr=22050, mono=True)
    info = sf.info(path)
    assert len(y) == int(np.ceil(info.frames * 22050 / info.samplerate))
    if keep_samples:
        y.astype("<f4").tofile(os.path.join(out_dir, name + ".f32"))
    else:  # a long clip: every 1000th sample, and the sums
        with open(os.path.join(out_dir, name + ".samples.csv"), "w") as f:
            f.write("n,sum,sum_sq,max_abs\n%d,%.17g,%.17g,%.9g\n" % (
                len(y), float(np.sum(y, dtype=np.float64)), float(np.sum(np.square(y, dtype=np.float64))),
                float(np.max(np.abs(y)))))
            f.write("every_1000th\n" + "\n".join("%.9g" % v for v in y[::1000]) + "\n")
    with open(os.path.join(out_dir, name + ".features.csv"), "w") as f:
        for key, row in features(y, sr).items():
            f.write(key + "," + ",".join("%.9g" % v for v in row) + "\n")
    print(f"{name}: {info.samplerate} Hz x {info.channels} -> {len(y)} samples at 22050 Hz ({engine})")


if __name__ == "__main__":
    write_clips()
    for name in ("stereo_44100.wav", "mono_48000.flac", "mono_16000.wav"):
        reference(os.path.join(here, name), name.split(".")[0], here, True)
    fma = os.path.join(here, "../../../../shared/data/fma-audio-clip/000002.mp3")
    if os.path.exists(fma):  # CC BY-NC-SA audio stays in shared/; its derived figures are kept here
        reference(fma, "fma_000002", here, False)
    with open(os.path.join(here, "VERSIONS"), "w") as f:
        f.write(f"librosa {librosa.__version__}, numpy {np.__version__}, soundfile {sf.__version__}, "
                f"libsndfile {sf.__libsndfile_version__}, {lib.soxr_version().decode()} (engine {engine})\n")
