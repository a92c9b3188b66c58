# PyTorch reference for the classifier's optimizers (tests/ops/models_classifier.cpp):
# a 4-5-3 tanh MLP with Glorot-uniform weights drawn exactly as genre draws them
# (CPU generator seeded with the fit's seed, rand * 2a - a per dense layer, zero
# biases), trained full-batch with torch.optim.NAdam / Adam (eps 1e-7 as Keras).
# NAdam runs with foreach=True: PyTorch 1.13's single-tensor NAdam multiplies mu
# twice into mu_product_next (fixed upstream in pytorch/pytorch#92699, PyTorch 2.0);
# its multi-tensor path, PyTorch 2.x and Keras's Nadam all use mu_product * mu_next.
# Run: /usr/bin/python3 gen_optim.py  (writes optim_reference.json and optim_data.csv)
import json
import math
import torch

SEED, EPOCHS = 11, 6
x = torch.tensor([[0.1, -0.4, 0.9, 0.3], [0.5, 0.2, -0.7, -0.1], [-0.8, 0.6, 0.05, 0.4],
                  [0.3, 0.3, 0.3, -0.9], [-0.2, -0.5, 0.6, 0.1], [0.9, -0.1, -0.3, 0.2],
                  [-0.6, 0.8, -0.4, -0.5], [0.0, 0.1, 0.7, 0.6], [0.4, -0.9, -0.2, 0.8],
                  [-0.3, 0.2, -0.8, 0.0], [0.7, 0.5, 0.4, -0.3], [-0.9, -0.2, 0.2, 0.7]])
names = ["classic", "metal", "pop"]
y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0])
with open("optim_data.csv", "w") as f:
    f.write("a,b,c,d,genre\n")
    for row, t in zip(x.tolist(), y.tolist()):
        f.write(",".join(repr(v) for v in row) + "," + names[t] + "\n")

def run(make_opt):
    g = torch.Generator().manual_seed(SEED)
    lins = [torch.nn.Linear(4, 5), torch.nn.Linear(5, 3)]
    with torch.no_grad():
        for l in lins:
            a = math.sqrt(6.0 / (l.in_features + l.out_features))
            l.weight.copy_(torch.rand(l.weight.shape, generator=g) * (2 * a) - a)
            l.bias.zero_()
    params = [p for l in lins for p in l.parameters()]
    opt = make_opt(params)
    losses = []
    for _ in range(EPOCHS):
        logits = lins[1](torch.tanh(lins[0](x)))
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        prob = torch.softmax(lins[1](torch.tanh(lins[0](x))), 1)
    return {"loss": losses, "proba": prob.tolist()}

out = {
    "seed": SEED, "epochs": EPOCHS,
    "nadam": run(lambda p: torch.optim.NAdam(p, lr=0.05, eps=1e-7, foreach=True)),
    "adam": run(lambda p: torch.optim.Adam(p, lr=0.05, eps=1e-7)),
    "sgd": run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
}
with open("optim_reference.json", "w") as f:
    json.dump(out, f, indent=1)
print(out["nadam"]["loss"])
