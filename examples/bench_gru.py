"""PyTorch reference of artist2vec's GRU4Rec (the notebook's variant): embedding 128, GRU 128,
linear to every artist, cross-entropy at every step, Adam lr 1e-3 weight decay 1e-4, 200
sessions per batch (each cut to its last 150 plays), one epoch. Run by bench_gru.sh."""
import json, random, sys, time
import torch
from torch import nn

path, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(42)
random.seed(42)
seqs = [[int(a) for a in l.split()][-150:] for l in open(path)]
seqs = [s for s in seqs if len(s) >= 2]
n_items = 1 + max(max(s) for s in seqs)

class Gru4Rec(nn.Module):
    def __init__(self, n, e=128, h=128):
        super().__init__()
        self.emb, self.gru, self.out = nn.Embedding(n, e), nn.GRU(e, h, batch_first=True), nn.Linear(h, n)
    def forward(self, x):
        return self.gru(self.emb(x))[0]

model = Gru4Rec(n_items)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
times, losses, positions = [], [], sum(len(s) - 1 for s in seqs)
for epoch in range(epochs):
    random.shuffle(seqs)
    t0, total = time.time(), 0.0
    for b in range(0, len(seqs), 200):
        batch = seqs[b:b + 200]
        t = max(len(s) for s in batch) - 1
        x = torch.zeros(len(batch), t, dtype=torch.long)
        y = torch.full((len(batch), t), -1, dtype=torch.long)
        for i, s in enumerate(batch):
            x[i, :len(s) - 1] = torch.tensor(s[:-1]); y[i, :len(s) - 1] = torch.tensor(s[1:])
        h = model(x).reshape(-1, 128)
        keep = y.reshape(-1) >= 0
        loss = nn.functional.cross_entropy(model.out(h[keep]), y.reshape(-1)[keep])
        opt.zero_grad(); loss.backward(); opt.step()
        total += loss.item() * int(keep.sum())
    times.append(time.time() - t0); losses.append(total / positions)
print(json.dumps({"trainer": f"pytorch-{torch.__version__}", "sessions": len(seqs), "positions": positions,
                  "epoch_seconds": round(sum(times) / len(times), 2),
                  "positions_per_second": round(positions * len(times) / sum(times)), "loss": losses}))
