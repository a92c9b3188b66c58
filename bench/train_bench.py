# One epoch of study S1's model (lstm(32) -> lstm(16) -> dense softmax, Adam
# lr 0.0065, eps 1e-7 as Keras) on 600 random sequences of 1291 x 27, batch
# 128, one thread: the PyTorch-Python side of bench/train_bench.cpp, which runs
# it as a subprocess. The loop is genre's: shuffle, x[idx], forward, weighted
# cross-entropy, backward, step, denormals flushed to zero as genre does. Prints "python_epoch_s <wall seconds> cpu_s <CPU seconds>"
# (CPU time is the fair figure on a shared, busy machine).
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.set_flush_denormal(True)  # as genre runs (runtime/threads.h: flush_denormals)
N, T, D, K, BATCH = 600, 1291, 27, 6, 128
if len(sys.argv) > 1:
    N = int(sys.argv[1])


class S1(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.LSTM(D, 32, batch_first=True)
        self.l2 = nn.LSTM(32, 16, batch_first=True)
        self.out = nn.Linear(16, K)

    def forward(self, x):
        h, _ = self.l1(x)
        _, (hn, _) = self.l2(h)
        return self.out(hn[0])


def keras_init(net):
    # genre starts weights as Keras does (ops/models/classifier.cpp): the same
    # model must start the same way, since the start decides how long the
    # LSTM's gradients linger as slow denormals in the backward pass.
    with torch.no_grad():
        for m in (net.l1, net.l2):
            h = m.hidden_size
            nn.init.xavier_uniform_(m.weight_ih_l0)
            nn.init.orthogonal_(m.weight_hh_l0)
            m.bias_ih_l0.zero_()
            m.bias_hh_l0.zero_()
            m.bias_ih_l0[h:2 * h] = 1  # forget gate (unit_forget_bias)
        nn.init.xavier_uniform_(net.out.weight)
        net.out.bias.zero_()


torch.manual_seed(1)
g = torch.Generator().manual_seed(1)
x = torch.randn(N, T, D, generator=g)
y = torch.randint(0, K, (N,), generator=g)
w = torch.ones(K)
net = S1()
keras_init(net)
opt = torch.optim.Adam(net.parameters(), lr=0.0065, eps=1e-7)

start = time.perf_counter()
cpu = time.process_time()
net.train()
perm = torch.randperm(N, generator=g)
loss_sum = torch.zeros((), dtype=torch.float64)
for s in range(0, N, BATCH):
    idx = perm[s:s + BATCH]
    xb, yb = x[idx], y[idx]
    logits = net(xb)
    loss = (nn.functional.cross_entropy(logits, yb, reduction="none") * w[yb]).mean()
    net.zero_grad()
    loss.backward()
    opt.step()
    loss_sum += loss.detach().double() * len(idx)
print(f"loss {loss_sum.item() / N:.4f}", file=sys.stderr)
print(f"python_epoch_s {time.perf_counter() - start:.3f} cpu_s {time.process_time() - cpu:.3f}")
