#!/usr/bin/env python3
"""gensim 4.4 side of examples/bench_skipgram.sh: trains skip-gram on a corpus with one sentence
per line and prints one JSON line of timings; writes the input vectors in word2vec binary format
(OUT) and the output vectors (syn1neg) as OUT.out.npy with their ids, one per line, in OUT.out.vocab
(OUT with its extension replaced), the files bench_skipgram.rs writes for artist2vec.

  python bench_skipgram.py --corpus corpus.txt --out gensim.bin --mode iterable|corpus_file \
      [--workers 2 --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5]

mode iterable: Word2Vec(sentences=LineSentence(corpus)), the usual way;
mode corpus_file: Word2Vec(corpus_file=corpus), gensim's faster file-based path.
words/s = effective words (after min_count and subsampling, all epochs) / seconds of train();
train_cpu_s = process CPU time (user + system, all threads) of build_vocab() + train().
"""
import argparse
import json
import os
import time

import numpy as np

import gensim
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

p = argparse.ArgumentParser()
p.add_argument("--corpus", required=True)
p.add_argument("--out", required=True)
p.add_argument("--mode", default="iterable", choices=["iterable", "corpus_file"])
p.add_argument("--workers", type=int, default=2)
p.add_argument("--dim", type=int, default=100)
p.add_argument("--window", type=int, default=5)
p.add_argument("--negative", type=int, default=5)
p.add_argument("--sample", type=float, default=1e-3)
p.add_argument("--min-count", type=int, default=5)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()

kw = dict(vector_size=a.dim, window=a.window, negative=a.negative, sample=a.sample, min_count=a.min_count,
          sg=1, hs=0, workers=a.workers, seed=a.seed)
m = Word2Vec(**kw)
c0 = time.process_time()
t0 = time.perf_counter()
if a.mode == "iterable":
    m.build_vocab(corpus_iterable=LineSentence(a.corpus))
else:
    m.build_vocab(corpus_file=a.corpus)
t1 = time.perf_counter()
if a.mode == "iterable":
    eff, raw = m.train(corpus_iterable=LineSentence(a.corpus), total_examples=m.corpus_count, epochs=a.epochs)
else:
    eff, raw = m.train(corpus_file=a.corpus, total_examples=m.corpus_count, total_words=m.corpus_total_words,
                       epochs=a.epochs)
t2 = time.perf_counter()
c2 = time.process_time()
m.wv.save_word2vec_format(a.out, binary=True)
stem = os.path.splitext(a.out)[0]
np.save(stem + ".out.npy", m.syn1neg.astype(np.float32))
with open(stem + ".out.vocab", "w") as f:
    f.writelines(k + "\n" for k in m.wv.index_to_key)
print(json.dumps({"impl": f"gensim {gensim.__version__} ({a.mode})", "vocab_s": round(t1 - t0, 2),
                  "train_s": round(t2 - t1, 2), "train_cpu_s": round(c2 - c0, 2), "effective_words": eff, "raw_words": raw,
                  "words_per_s": round(eff / (t2 - t1)), "vocab": len(m.wv), "workers": a.workers}))
