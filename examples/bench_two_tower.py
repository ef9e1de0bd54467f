"""PyTorch reference of artist2vec's two-tower model (the registry defaults): user vector = the
ln(1 + plays)-weighted mean of the history-embedding rows of up to 200 of the user's other
artists, artist vector = a second embedding table, dim 64, N(0, 0.02) initialisation; every
(user, artist) row of users with two or more artists is one example per epoch; in-batch
softmax over the batch's 512 targets with the log-Q correction (log of the target's share of
listeners) and the listener's other artists masked; sparse Adam lr 0.005 on the rows a batch
touches, with a decoupled decay of lr * 0.5 of those rows. Run by bench_gru.sh."""
import json, math, random, sys, time
import torch
from torch import nn

path, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(42)
random.seed(42)
D, B, H, LR, WD = 64, 512, 200, 0.005, 0.5
prof = {}
for line in open(path):
    u, i, c = line.split()
    prof.setdefault(int(u), []).append((int(i), math.log1p(float(c))))
prof = {u: p for u, p in prof.items() if len(p) >= 2}
n_items = 1 + max(i for p in prof.values() for i, _ in p)
listeners = torch.zeros(n_items)
for p in prof.values():
    for i, _ in p:
        listeners[i] += 1
logq = torch.log(listeners.clamp(min=1) / listeners.sum())
items_of = {u: torch.tensor([i for i, _ in p]) for u, p in prof.items()}
examples = [(u, j) for u, p in prof.items() for j in range(len(p))]

hist = nn.EmbeddingBag(n_items, D, mode="sum", sparse=True)
art = nn.Embedding(n_items, D, sparse=True)
for w in (hist.weight, art.weight):
    nn.init.normal_(w, std=0.02)
opt = torch.optim.SparseAdam(list(hist.parameters()) + list(art.parameters()), lr=LR)
times, losses = [], []
for epoch in range(epochs):
    random.shuffle(examples)
    t0, total = time.time(), 0.0
    for b in range(0, len(examples), B):
        batch = examples[b:b + B]
        idx, w, offsets, targets = [], [], [], []
        for u, j in batch:
            p = prof[u]
            rest = p[:j] + p[j + 1:]
            if len(rest) > H:
                rest = random.sample(rest, H)
            s = sum(x for _, x in rest)
            offsets.append(len(idx))
            idx += [i for i, _ in rest]
            w += [x / s for _, x in rest]
            targets.append(p[j][0])
        idx_t, tg = torch.tensor(idx), torch.tensor(targets)
        user = hist(idx_t, torch.tensor(offsets), per_sample_weights=torch.tensor(w))
        logits = user @ art(tg).T - logq[tg]
        # The listener's other artists are positives, not negatives: mask them (not the diagonal).
        rows = torch.cat([torch.full((len(items_of[u]),), r) for r, (u, _) in enumerate(batch)])
        cols = torch.cat([items_of[u] for u, _ in batch])
        seen = torch.zeros(len(batch), n_items, dtype=torch.bool)
        seen[rows, cols] = True
        mask = seen[:, tg]
        mask.fill_diagonal_(False)
        logits = logits.masked_fill(mask, float("-inf"))
        loss = nn.functional.cross_entropy(logits, torch.arange(len(batch)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            hist.weight[idx_t.unique()] *= 1 - LR * WD
            art.weight[tg.unique()] *= 1 - LR * WD
        total += loss.item() * len(batch)
    times.append(time.time() - t0)
    losses.append(total / len(examples))
print(json.dumps({"trainer": f"pytorch-{torch.__version__} two-tower", "examples": len(examples),
                  "epoch_seconds": round(sum(times) / len(times), 2),
                  "examples_per_second": round(len(examples) * len(times) / sum(times)),
                  "loss": losses}))
