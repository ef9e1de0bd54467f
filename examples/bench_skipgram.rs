//! Benchmark of artist2vec-skipgram against gensim 4.4 on the same generated corpus.
//! `examples/bench_skipgram.sh` drives it; the steps can also be run by hand:
//!
//! ```sh
//! B=$CARGO_TARGET_DIR/release/examples/bench_skipgram
//! $B generate --scale 1.0 --out /tmp/bench          # corpus.txt (one session per line), genres.tsv
//! /usr/bin/time -v $B train --corpus /tmp/bench/corpus.txt --out /tmp/bench/artist2vec.bin
//! $B quality --genres /tmp/bench/genres.tsv /tmp/bench/artist2vec.bin /tmp/bench/gensim.bin
//! ```
//!
//! `generate` writes artist2vec-data's 30Music-like sessions (scale 1.0: 2.7 M sessions, 31 M
//! plays, 600 k artists in 20 genres) as text, the form gensim's `LineSentence` reads. `train`
//! reads that file into `Sessions`, trains, prints one JSON line of timings and writes the
//! vectors in word2vec binary format. `quality` measures, for vector files, the share of the
//! 10 nearest neighbours (cosine) of the 2,000 most frequent artists that share the artist's
//! planted genre, and next-artist accuracy on the last 1 % of the sessions (not a held-out
//! set: both models trained on them; it compares the two models, it does not estimate
//! generalisation).

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Embeddings, Fit, Play, Sessions, Vocabulary};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec_skipgram::{SkipGramConfig, Window, Word2VecFormat, read_word2vec, write_word2vec};

fn generate(scale: f64, seed: u64, out: &Path) -> Result<()> {
    let full = SynthConfig::full_30music();
    let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
    let cfg = full
        .clone()
        .with_seed(seed)
        .with_users(s(full.n_users))
        .with_artists(s(full.n_artists))
        .with_tracks(s(full.n_tracks))
        .with_sessions(s(full.n_sessions))
        .with_plays(s(full.n_plays))
        .with_playlists(s(full.n_playlists))
        .with_loves(s(full.n_loves));
    let t = Instant::now();
    let data = Synthetic::generate(&cfg)?;
    let sessions = data.sessions();
    std::fs::create_dir_all(out)?;
    let mut f = BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("corpus.txt"))?);
    for s in sessions.iter() {
        for (j, &a) in s.items.iter().enumerate() {
            if j > 0 {
                f.write_all(b" ")?;
            }
            f.write_all(sessions.items.id(a).as_bytes())?;
        }
        f.write_all(b"\n")?;
    }
    f.flush()?;
    let mut g = BufWriter::new(std::fs::File::create(out.join("genres.tsv"))?);
    for (a, genre) in data.artist_genre.iter().enumerate() {
        writeln!(g, "{}\t{genre}", sessions.items.id(a as u32))?;
    }
    g.flush()?;
    println!(
        "{{\"sessions\": {}, \"plays\": {}, \"artists\": {}, \"generate_s\": {:.1}}}",
        sessions.len(),
        sessions.n_plays(),
        sessions.items.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Reads one sentence per line (space-separated ids) into sessions of a single user.
fn read_corpus(path: &Path) -> Result<Sessions> {
    let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut items = Vocabulary::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut offsets = vec![0usize];
    for line in r.lines() {
        let line = line?;
        for tok in line.split_ascii_whitespace() {
            lines.push(items.insert_str(tok));
        }
        offsets.push(lines.len());
    }
    let users = Vocabulary::from_ids(["all"])?;
    let mut sessions = Sessions::new(users, items, false);
    for (i, w) in offsets.windows(2).enumerate() {
        let plays = lines[w[0]..w[1]].iter().map(|&item| Play {
            item,
            time: 0,
            duration: None,
        });
        sessions.push(i as u64, 0, plays)?;
    }
    Ok(sessions)
}

struct TrainArgs {
    corpus: PathBuf,
    out: PathBuf,
    config: SkipGramConfig,
}

fn train(a: &TrainArgs) -> Result<()> {
    let t = Instant::now();
    let sessions = read_corpus(&a.corpus)?;
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let model = a.config.fit(&sessions)?;
    let fit_s = t.elapsed().as_secs_f64();
    let st = model.stats();
    write_word2vec(&model.keyed_vectors()?, &a.out, Word2VecFormat::Binary)?;
    println!(
        "{{\"impl\": \"artist2vec{}\", \"read_s\": {read_s:.2}, \"fit_s\": {fit_s:.2}, \"train_s\": {:.2}, \
         \"effective_words\": {}, \"words_per_s\": {:.0}, \"vocab\": {}, \"threads\": {}, \"kernel\": \"{}\", \
         \"loss\": {:?}}}",
        if a.config.shared_negatives {
            " (shared negatives)"
        } else {
            ""
        },
        st.seconds,
        st.effective_words,
        st.words_per_second,
        st.vocab_size,
        st.threads,
        st.kernel,
        st.epoch_loss
    );
    Ok(())
}

/// Share of each top artist's 10 nearest neighbours in its genre, and next-artist accuracy.
fn quality(genres: &Path, corpus: Option<&Path>, files: &[PathBuf]) -> Result<()> {
    let mut genre = std::collections::HashMap::new();
    for line in std::fs::read_to_string(genres)?.lines() {
        let (a, g) = line
            .split_once('\t')
            .context("genres.tsv: artist\\tgenre")?;
        genre.insert(a.to_owned(), g.parse::<u32>()?);
    }
    let tail: Vec<Vec<String>> = match corpus {
        Some(p) => {
            let text = std::fs::read_to_string(p)?;
            let lines: Vec<&str> = text.lines().collect();
            let from = lines.len() - lines.len() / 100;
            lines[from..]
                .iter()
                .map(|l| l.split(' ').map(str::to_owned).collect())
                .collect()
        }
        None => Vec::new(),
    };
    for f in files {
        let e: Embeddings = read_word2vec(f, Word2VecFormat::Binary)?;
        let top = 2000.min(e.len());
        let mut hits = 0usize;
        for a in 0..top as u32 {
            let g = genre[e.vocab().id(a)];
            let nb = e.similar(a, 10, artist2vec::core::Similarity::Cosine)?;
            hits += nb
                .iter()
                .filter(|n| genre[e.vocab().id(n.item)] == g)
                .count();
        }
        // Next-artist accuracy by nearest neighbour, repeats of the previous artist skipped.
        let mut nn: std::collections::HashMap<u32, u32> = Default::default();
        let (mut ok, mut total) = (0usize, 0usize);
        for s in &tail {
            let ids: Vec<u32> = s.iter().filter_map(|t| e.vocab().get(t)).collect();
            for w in ids.windows(2) {
                if w[0] == w[1] {
                    continue;
                }
                let p = *nn.entry(w[0]).or_insert_with(|| {
                    e.similar(w[0], 1, artist2vec::core::Similarity::Cosine)
                        .map(|v| v[0].item)
                        .unwrap_or(u32::MAX)
                });
                ok += (p == w[1]) as usize;
                total += 1;
            }
        }
        println!(
            "{{\"file\": \"{}\", \"rows\": {}, \"genre_precision_at_10_top2000\": {:.4}, \"next_artist_accuracy\": {:.4}, \"next_artist_pairs\": {total}}}",
            f.display(),
            e.len(),
            hits as f64 / (top * 10) as f64,
            ok as f64 / total.max(1) as f64
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("usage: bench_skipgram generate|train|quality …");
    };
    let get = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    match cmd.as_str() {
        "generate" => generate(
            get("--scale").unwrap_or("1.0").parse()?,
            get("--seed").unwrap_or("42").parse()?,
            Path::new(get("--out").context("--out DIR")?),
        ),
        "train" => {
            // gensim's defaults, which the gensim side of the benchmark uses too.
            let config = SkipGramConfig::new(get("--dim").unwrap_or("100").parse()?)
                .with_window(Window::Fixed(get("--window").unwrap_or("5").parse()?))
                .with_negative(get("--negative").unwrap_or("5").parse()?)
                .with_sample(get("--sample").unwrap_or("0.001").parse()?)
                .with_min_count(get("--min-count").unwrap_or("5").parse()?)
                .with_epochs(get("--epochs").unwrap_or("5").parse()?)
                .with_threads(get("--threads").unwrap_or("2").parse()?)
                .with_seed(get("--seed").unwrap_or("1").parse()?)
                .with_shared_negatives(args.iter().any(|a| a == "--shared-negatives"));
            train(&TrainArgs {
                corpus: get("--corpus").context("--corpus FILE")?.into(),
                out: get("--out").context("--out FILE")?.into(),
                config,
            })
        }
        "quality" => {
            let genres = PathBuf::from(get("--genres").context("--genres FILE")?);
            let corpus = get("--corpus").map(PathBuf::from);
            let files: Vec<PathBuf> = args[1..]
                .iter()
                .enumerate()
                .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || !args[*i].starts_with("--")))
                .map(|(_, a)| PathBuf::from(a))
                .collect();
            quality(&genres, corpus.as_deref(), &files)
        }
        other => bail!("unknown command {other:?}"),
    }
}
