#!/usr/bin/env python3
"""gensim 4.4 side of examples/bench_skipgram.sh: trains skip-gram on a corpus with one sentence
per line and prints one JSON line of timings; writes the vectors in word2vec binary format.

  python bench_skipgram.py --corpus corpus.txt --out gensim.bin --mode iterable|corpus_file \
      [--workers 2 --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5]

mode iterable: Word2Vec(sentences=LineSentence(corpus)), the usual way;
mode corpus_file: Word2Vec(corpus_file=corpus), gensim's faster file-based path.
words/s = effective words (after min_count and subsampling, all epochs) / seconds of train().
"""
import argparse
import json
import time

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
m.wv.save_word2vec_format(a.out, binary=True)
print(json.dumps({"impl": f"gensim {gensim.__version__} ({a.mode})", "vocab_s": round(t1 - t0, 2),
                  "train_s": round(t2 - t1, 2), "effective_words": eff, "raw_words": raw,
                  "words_per_s": round(eff / (t2 - t1)), "vocab": len(m.wv), "workers": a.workers}))
