# Reference outputs for tests/ops/models_sequence.cpp: small networks on fixed
# random weights and inputs, run by PyTorch (python3-torch 1.13, the same
# LibTorch genre links), written to tests/data/sequence/parity.json.
# Padding is handled the textbook PyTorch way: pack_padded_sequence for the
# recurrent layers, h_n for "last", masked means, attention scores set to
# -inf on padded steps before the softmax.
#   python3 tests/data/gen_sequence_parity.py
import json, os
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(11)
CLASSES = 3


def rand_w(shape):
    return (torch.randn(shape) * 0.5).float()


def lstm_by_hand(x, lengths, weights, prefix, units, act, bi):
    """An LSTM with `act` in place of tanh, one row at a time over its real steps (the textbook
    equations, no packing or masks): outputs [B, T, dirs * units] (0 past a row's end) and h_n."""
    B, T = x.shape[0], x.shape[1]
    dirs = 2 if bi else 1
    out = torch.zeros(B, T, units * dirs)
    hn = torch.zeros(dirs, B, units)
    for d in range(dirs):
        sfx = "_l0" + ("_reverse" if d else "")
        wi, wh, bi_, bh = (weights[f"{prefix}.{n}{sfx}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        for r in range(B):
            h, c = torch.zeros(units), torch.zeros(units)
            n = int(lengths[r])
            for t in (range(n) if d == 0 else reversed(range(n))):
                i_, f_, g_, o_ = (wi @ x[r, t] + bi_ + wh @ h + bh).chunk(4)
                c = torch.sigmoid(f_) * c + torch.sigmoid(i_) * act(g_)
                h = torch.sigmoid(o_) * act(c)
                out[r, t, d * units:(d + 1) * units] = h
            hn[d, r] = h
    return out, hn


def run(layers, x, lengths, weights, tokens):
    """layers: list of dicts like the spec; returns probs and attention weights."""
    B = x.shape[0]
    T = x.shape[1]
    lengths = torch.tensor(lengths)
    mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
    seq = lengths is not None and x.dim() >= 2 and (tokens or x.dim() == 3)
    out = {}
    h = x
    for i, l in enumerate(layers):
        kind = l["layer"]
        if kind == "embedding":
            h = nn.functional.embedding(h, weights["embedding.weight"])
        elif kind == "dense":
            h = h @ weights[f"dense{i}.weight"].T + weights[f"dense{i}.bias"]
            if i + 1 < len(layers) and l.get("act") == "relu":
                h = torch.relu(h)
        elif kind in ("lstm", "gru"):
            if not seq:
                h = h.unsqueeze(1)
                lengths = torch.ones(B, dtype=torch.long)
                mask = torch.ones(B, 1, dtype=torch.bool)
                seq = True
            bi = l.get("bidirectional", False)
            if l.get("activation", "tanh") == "sigmoid":
                o, hn = lstm_by_hand(h, lengths, weights, f"lstm{i}", l["units"], torch.sigmoid, bi)
            else:
                cls = nn.LSTM if kind == "lstm" else nn.GRU
                m = cls(h.shape[2], l["units"], batch_first=True, bidirectional=bi)
                with torch.no_grad():
                    for name, p in m.named_parameters():
                        p.copy_(weights[f"{kind}{i}.{name}"])
                packed = pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
                po, state = m(packed)
                o, _ = pad_packed_sequence(po, batch_first=True, total_length=h.shape[1])
                hn = state[0] if kind == "lstm" else state
            ret = l["ret"]
            if ret == "sequences":
                h = o
            elif ret == "mean":
                h = (o * mask.unsqueeze(-1)).sum(1) / lengths.unsqueeze(1)
                seq = False
            else:
                h = torch.cat([hn[0], hn[1]], 1) if bi else hn[0]
                seq = False
        elif kind == "attention":
            s = torch.tanh(h @ weights[f"attention{i}_w.weight"].T + weights[f"attention{i}_w.bias"])
            s = (s @ weights[f"attention{i}_v.weight"].T).squeeze(-1)
            s = s.masked_fill(~mask, float("-inf"))
            a = torch.softmax(s, 1)
            out[f"{i}_weights"] = a
            h = h * a.unsqueeze(-1)
            if l["context"]:
                h = h.sum(1)
                seq = False
        elif kind == "global_average_pool":
            h = (h * mask.unsqueeze(-1)).sum(1) / lengths.unsqueeze(1)
            seq = False
    out["probs"] = torch.softmax(h, 1)
    return out


def make_weights(layers, width, vocab):
    w = {}
    for i, l in enumerate(layers):
        kind = l["layer"]
        if kind == "embedding":
            w["embedding.weight"] = rand_w((vocab, l["dims"]))
            width = l["dims"]
        elif kind == "dense":
            units = l["units"] if isinstance(l.get("units"), int) else CLASSES
            w[f"dense{i}.weight"] = rand_w((units, width))
            w[f"dense{i}.bias"] = rand_w((units,))
            width = units
        elif kind in ("lstm", "gru"):
            g = 4 if kind == "lstm" else 3
            u = l["units"]
            for sfx in ([""] + (["_reverse"] if l.get("bidirectional") else [])):
                w[f"{kind}{i}.weight_ih_l0{sfx}"] = rand_w((g * u, width))
                w[f"{kind}{i}.weight_hh_l0{sfx}"] = rand_w((g * u, u))
                w[f"{kind}{i}.bias_ih_l0{sfx}"] = rand_w((g * u,))
                w[f"{kind}{i}.bias_hh_l0{sfx}"] = rand_w((g * u,))
            width = u * (2 if l.get("bidirectional") else 1)
        elif kind == "attention":
            w[f"attention{i}_w.weight"] = rand_w((width, width))
            w[f"attention{i}_w.bias"] = rand_w((width,))
            w[f"attention{i}_v.weight"] = rand_w((1, width))
    return w


def spec_layers(layers):
    """The spec as genre's planner writes it (without the resolved fields)."""
    out = []
    for l in layers:
        d = {k: v for k, v in l.items() if k not in ("ret", "context")}
        if "ret" in l and l.get("explicit"):
            d["return"] = l["ret"]
        d.pop("explicit", None)
        out.append(d)
    return out


cases = []
labels = ["a", "b", "c", "a"]
lengths = [7, 5, 3, 1]
audio = torch.randn(4, 7, 3)
for r, L in enumerate(lengths):
    audio[r, L:] = 0
tok_lengths = [6, 4, 2, 1]
tokens = torch.randint(1, 10, (4, 6))
for r, L in enumerate(tok_lengths):
    tokens[r, L:] = 0
tab = torch.randn(4, 5)

defs = [
    ("lstm_stacked", "audio", [{"layer": "lstm", "units": 6, "ret": "sequences"},
                               {"layer": "lstm", "units": 4, "ret": "last"}, {"layer": "dense", "units": "softmax"}]),
    ("gru_mean", "audio", [{"layer": "gru", "units": 5, "ret": "mean", "explicit": True},
                           {"layer": "dense", "units": "softmax"}]),
    ("lstm_bidirectional", "audio", [{"layer": "lstm", "units": 4, "bidirectional": True, "ret": "last"},
                                     {"layer": "dense", "units": "softmax"}]),
    ("gru_bidirectional_mean", "audio", [{"layer": "gru", "units": 3, "bidirectional": True, "ret": "mean", "explicit": True},
                                         {"layer": "dense", "units": "softmax"}]),
    ("attention_pool", "tokens", [{"layer": "embedding", "dims": 6}, {"layer": "lstm", "units": 5, "ret": "sequences"},
                                  {"layer": "attention", "context": False}, {"layer": "global_average_pool"},
                                  {"layer": "dropout", "p": 0.2}, {"layer": "dense", "units": "softmax"}]),
    ("attention_context", "tokens", [{"layer": "embedding", "dims": 6}, {"layer": "lstm", "units": 5, "ret": "sequences"},
                                     {"layer": "attention", "context": True}, {"layer": "dense", "units": "softmax"}]),
    ("dense_then_lstm", "table", [{"layer": "dense", "units": 4, "act": "relu"}, {"layer": "lstm", "units": 3, "ret": "last"},
                                  {"layer": "dense", "units": "softmax"}]),
    # Keras's LSTM(activation="sigmoid") (study S1), against the by-hand loop above.
    ("lstm_sigmoid_stacked", "audio", [{"layer": "lstm", "units": 6, "activation": "sigmoid", "ret": "sequences"},
                                       {"layer": "lstm", "units": 4, "activation": "sigmoid", "ret": "last"},
                                       {"layer": "dense", "units": "softmax"}]),
    ("lstm_sigmoid_bidirectional_mean", "audio", [{"layer": "lstm", "units": 4, "activation": "sigmoid", "bidirectional": True,
                                                   "ret": "mean", "explicit": True},
                                                  {"layer": "dense", "units": "softmax"}]),
]

for name, kind, layers in defs:
    if kind == "audio":
        x, L, width, vocab = audio, lengths, 3, 0
    elif kind == "tokens":
        x, L, width, vocab = tokens, tok_lengths, 1, 10
    else:
        x, L, width, vocab = tab, [1, 1, 1, 1], 5, 0
    w = make_weights(layers, width, vocab)
    with torch.no_grad():
        res = run(layers, x, L, w, kind == "tokens")
    case = {
        "name": name,
        "input": kind,
        "spec": {"spec": "classifier", "layers": spec_layers(layers)},
        "labels": labels,
        "weights": {k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in w.items()},
        "expect": {k: v.flatten().tolist() for k, v in res.items()},
    }
    if kind == "audio":
        case["rows"] = [audio[r, :L[r]].flatten().tolist() for r in range(4)]
        case["dims"] = 3
    elif kind == "tokens":
        case["rows"] = [tokens[r].tolist() for r in range(4)]  # zeros at the end = padding
        case["dims"] = 1
    else:
        case["columns"] = tab.T.tolist()
    cases.append(case)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "sequence", "parity.json"), "w") as f:
    json.dump({"cases": cases}, f)
print("wrote", len(cases), "cases")
