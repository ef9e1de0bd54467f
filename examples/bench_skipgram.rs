//! Benchmark of artist2vec-skipgram against gensim 4.4 on the same generated corpus.
//! `examples/bench_skipgram.sh` drives it; the steps can also be run by hand:
//!
//! ```sh
//! B=$CARGO_TARGET_DIR/release/examples/bench_skipgram
//! $B generate --scale 1.0 --out /tmp/bench    # corpus.txt, profiles.tsv, heldout.tsv, genres.tsv
//! /usr/bin/time -v $B train --corpus /tmp/bench/corpus.txt --out /tmp/bench/artist2vec.bin
//! $B quality --dir /tmp/bench artist2vec gensim_iterable    # NDCG@10, genre precision@10
//! $B table --dir /tmp/bench artist2vec gensim_iterable      # one comparison table
//! ```
//!
//! `generate` makes artist2vec-data's 30Music-like sessions (`SynthConfig::full_30music()`
//! scaled; 20 genres) and splits every listener's sessions in time: the last `--holdout`
//! (default 20 %) of each listener's sessions are held out. Sessions and plays are generated
//! `1 / (1 − holdout)` times the nominal scale, so that the *training* corpus has the nominal
//! size (scale 1.0: ≈ 2.7 M sessions, ≈ 31 M plays, 600 k artists). It writes
//!
//! - `corpus.txt`: the training sessions, one per line (artist ids separated by spaces, in play
//!   order), the form gensim's `LineSentence` reads;
//! - `profiles.tsv`: `user\tartist\tplays` summed over each listener's training sessions;
//! - `heldout.tsv`: `user\tartist\tplays` summed over the held-out sessions;
//! - `genres.tsv`: `artist\tgenre`, the planted genre of every artist.
//!
//! `train` reads `corpus.txt`, trains, writes the input vectors in word2vec binary format
//! (`NAME.bin`) and the output vectors as `NAME.out.npy` + `NAME.out.vocab` (one id per line),
//! and prints one JSON line of timings, including the process CPU time (user + system, all
//! threads) spent in `fit`. `bench_skipgram.py` writes the same files for gensim.
//!
//! `quality` scores, for each trainer, every listener with held-out artists they did not play in
//! training: the listener's vector is the play-share-weighted mean of the input vectors of the
//! artists in their training profile, scored against every artist's *output* vector by dot
//! product, training artists excluded; NDCG@10 (binary relevance: the held-out artists new to
//! the listener) is averaged over listeners. It also reports the share of the 10 nearest
//! neighbours (cosine, input vectors) of the 2,000 most frequent artists that share the
//! artist's planted genre. `table` gathers the JSON lines and `/usr/bin/time -v` outputs that
//! `bench_skipgram.sh` leaves in the directory into one Markdown table.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use artist2vec::core::{Embeddings, Fit, Play, Sessions, Similarity, Vocabulary};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::metrics::{Gain, SeenItems, TopKConfig, full_catalogue_top_k, ndcg_at_k};
use artist2vec::stats::{WilcoxonOptions, wilcoxon};
use artist2vec_skipgram::{
    SkipGramConfig, Window, Word2VecFormat, read_npy, read_word2vec, write_npy, write_word2vec,
};

const K: usize = 10;

/// Process CPU time (user + system, all threads, finished ones included) in seconds, from
/// `/proc/self/stat` (Linux; clock ticks of 1/100 s). `None` elsewhere.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// `(user, artist)` keys with their play counts, sorted.
fn count_pairs(mut keys: Vec<u64>) -> Vec<(u64, u32)> {
    keys.sort_unstable();
    let mut out: Vec<(u64, u32)> = Vec::new();
    for k in keys {
        match out.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => out.push((k, 1)),
        }
    }
    out
}

fn write_pairs(path: &Path, pairs: &[(u64, u32)], sessions: &Sessions) -> Result<()> {
    let mut f = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for &(k, n) in pairs {
        let (u, a) = ((k >> 32) as u32, k as u32);
        writeln!(f, "{}\t{}\t{n}", sessions.users.id(u), sessions.items.id(a))?;
    }
    f.flush()?;
    Ok(())
}

fn generate(scale: f64, seed: u64, holdout: f64, out: &Path) -> Result<()> {
    ensure!(
        (0.0..0.9).contains(&holdout),
        "--holdout must be in [0, 0.9), got {holdout}"
    );
    let full = SynthConfig::full_30music();
    let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
    // Sessions and plays grow so that the training part has the nominal size.
    let grow = |n: usize| ((s(n) as f64) / (1.0 - holdout)).round() as usize;
    let cfg = full
        .clone()
        .with_seed(seed)
        .with_users(s(full.n_users))
        .with_artists(s(full.n_artists))
        .with_tracks(s(full.n_tracks))
        .with_sessions(grow(full.n_sessions))
        .with_plays(grow(full.n_plays))
        .with_playlists(s(full.n_playlists))
        .with_loves(s(full.n_loves));
    let t = Instant::now();
    let data = Synthetic::generate(&cfg)?;
    let sessions = data.sessions();
    std::fs::create_dir_all(out)?;

    // Sessions are in start-time order: a listener's k-th session is held out when k is among
    // their last ⌊holdout · n⌋.
    let n_users = sessions.users.len();
    let mut per_user = vec![0usize; n_users];
    for s in sessions.iter() {
        per_user[s.user as usize] += 1;
    }
    let n_train: Vec<usize> = per_user
        .iter()
        .map(|&n| n - (n as f64 * holdout).floor() as usize)
        .collect();
    let mut seen = vec![0usize; n_users];
    let mut f = BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("corpus.txt"))?);
    let (mut train_keys, mut test_keys) = (Vec::new(), Vec::new());
    let (mut train_sessions, mut test_sessions) = (0usize, 0usize);
    for s in sessions.iter() {
        let u = s.user as usize;
        let in_train = seen[u] < n_train[u];
        seen[u] += 1;
        let keys = if in_train {
            train_sessions += 1;
            for (j, &a) in s.items.iter().enumerate() {
                if j > 0 {
                    f.write_all(b" ")?;
                }
                f.write_all(sessions.items.id(a).as_bytes())?;
            }
            f.write_all(b"\n")?;
            &mut train_keys
        } else {
            test_sessions += 1;
            &mut test_keys
        };
        keys.extend(s.items.iter().map(|&a| (s.user as u64) << 32 | a as u64));
    }
    f.flush()?;
    let (train_plays, test_plays) = (train_keys.len(), test_keys.len());
    let profiles = count_pairs(train_keys);
    write_pairs(&out.join("profiles.tsv"), &profiles, sessions)?;
    let heldout = count_pairs(test_keys);
    write_pairs(&out.join("heldout.tsv"), &heldout, sessions)?;
    let mut g = BufWriter::new(std::fs::File::create(out.join("genres.tsv"))?);
    for (a, genre) in data.artist_genre.iter().enumerate() {
        writeln!(g, "{}\t{genre}", sessions.items.id(a as u32))?;
    }
    g.flush()?;
    println!(
        "{{\"users\": {n_users}, \"artists\": {}, \"train_sessions\": {train_sessions}, \
         \"train_plays\": {train_plays}, \"heldout_sessions\": {test_sessions}, \
         \"heldout_plays\": {test_plays}, \"profile_pairs\": {}, \"heldout_pairs\": {}, \
         \"generate_s\": {:.1}}}",
        sessions.items.len(),
        profiles.len(),
        heldout.len(),
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

/// `X.bin` → `X.out.npy`, `X.out.vocab`: where a trainer's output vectors go.
fn output_paths(bin: &Path) -> (PathBuf, PathBuf) {
    (
        bin.with_extension("out.npy"),
        bin.with_extension("out.vocab"),
    )
}

fn train(corpus: &Path, out: &Path, config: &SkipGramConfig) -> Result<()> {
    let t = Instant::now();
    let sessions = read_corpus(corpus)?;
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cpu0 = process_cpu_seconds();
    let model = config.fit(&sessions)?;
    let cpu = cpu0.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    let fit_s = t.elapsed().as_secs_f64();
    let st = model.stats();
    write_word2vec(&model.keyed_vectors()?, out, Word2VecFormat::Binary)?;
    let (npy, vocab) = output_paths(out);
    write_npy(&model.output_keyed_vectors()?, npy, vocab)?;
    let variant = if config.shared_negatives {
        " (shared negatives)"
    } else {
        ""
    };
    println!(
        "{{\"impl\": \"artist2vec{variant}\", \"read_s\": {read_s:.2}, \"fit_s\": {fit_s:.2}, \
         \"train_s\": {:.2}, \"train_cpu_s\": {}, \"effective_words\": {}, \"words_per_s\": {:.0}, \
         \"vocab\": {}, \"threads\": {}, \"kernel\": \"{}\", \"loss\": {:?}}}",
        st.seconds,
        cpu.map_or("null".to_owned(), |c| format!("{c:.2}")),
        st.effective_words,
        st.words_per_second,
        st.vocab_size,
        st.threads,
        st.kernel,
        st.epoch_loss
    );
    Ok(())
}

/// `user\tartist\tplays` rows, grouped by user id.
fn read_pairs(path: &Path) -> Result<HashMap<String, Vec<(String, f32)>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let mut out: HashMap<String, Vec<(String, f32)>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let mut f = line.split('\t');
        let (Some(u), Some(a), Some(n), None) = (f.next(), f.next(), f.next(), f.next()) else {
            bail!(
                "{}:{}: expected user\\tartist\\tplays",
                path.display(),
                i + 1
            );
        };
        let n: f32 = n
            .parse()
            .with_context(|| format!("{}:{}: plays {n:?}", path.display(), i + 1))?;
        out.entry(u.to_owned()).or_default().push((a.to_owned(), n));
    }
    Ok(out)
}

/// Genre precision@10 of the top artists, and NDCG@10 of output-vector recommendations on the
/// held-out sessions, for each trainer `NAME` (files `NAME.bin`, `NAME.out.npy`,
/// `NAME.out.vocab` in `dir`).
/// `max_users`: score an evenly spaced sample of at most this many held-out users (sorted by
/// id; the same sample for every trainer) — the full-scale catalogue makes scoring all 45 K users
/// take minutes per trainer.
fn quality(dir: &Path, names: &[String], max_users: Option<usize>) -> Result<()> {
    let mut genre = HashMap::new();
    let genres = dir.join("genres.tsv");
    for line in std::fs::read_to_string(&genres)
        .with_context(|| format!("{}", genres.display()))?
        .lines()
    {
        let (a, g) = line
            .split_once('\t')
            .context("genres.tsv: artist\\tgenre")?;
        genre.insert(a.to_owned(), g.parse::<u32>()?);
    }
    let profiles = read_pairs(&dir.join("profiles.tsv"))?;
    let heldout = read_pairs(&dir.join("heldout.tsv"))?;
    let mut users: Vec<&String> = heldout.keys().collect();
    users.sort();
    if let Some(m) = max_users.filter(|&m| m > 0 && m < users.len()) {
        let step = users.len() as f64 / m as f64;
        users = (0..m).map(|i| users[(i as f64 * step) as usize]).collect();
    }
    let mut out = BufWriter::new(std::fs::File::create(dir.join("quality.json"))?);
    // Per trainer, each scored user's NDCG@10, for the paired test at the end.
    let mut scored: Vec<(String, HashMap<&String, f64>)> = Vec::new();
    for name in names {
        let t = Instant::now();
        let bin = dir.join(format!("{name}.bin"));
        let input: Embeddings = read_word2vec(&bin, Word2VecFormat::Binary)?;
        let (npy, vocab) = output_paths(&bin);
        let output = read_npy(&npy, &vocab)?;
        let dim = input.dim();
        ensure!(
            output.dim() == dim && output.len() == input.len(),
            "{name}: output vectors are {} × {}, input vectors {} × {dim}",
            output.len(),
            output.dim(),
            input.len()
        );
        // Output rows in the order of the input vocabulary.
        let mut items = vec![0f32; input.len() * dim];
        for (i, id) in input.vocab().ids().iter().enumerate() {
            let j = output
                .vocab()
                .get(id)
                .with_context(|| format!("{name}: {id} has no output vector"))?;
            items[i * dim..(i + 1) * dim].copy_from_slice(output.row(j)?);
        }

        // Genre precision@10 of the 2,000 most frequent artists (files are in frequency order).
        let top = 2000.min(input.len());
        let mut hits = 0usize;
        for a in 0..top as u32 {
            let g = genre[input.vocab().id(a)];
            hits += input
                .similar(a, 10, Similarity::Cosine)?
                .iter()
                .filter(|n| genre[input.vocab().id(n.item)] == g)
                .count();
        }

        // Listener vectors and their relevant (held-out, new) artists.
        let mut user_vecs: Vec<f32> = Vec::new();
        let (mut seen_off, mut seen_items) = (vec![0usize], Vec::<u32>::new());
        let mut relevant: Vec<HashSet<u32>> = Vec::new();
        let (mut no_vector, mut no_new) = (0usize, 0usize);
        let mut scored_users: Vec<&String> = Vec::new();
        for u in &users {
            let profile = profiles.get(*u).map_or(&[][..], Vec::as_slice);
            let played: HashSet<&str> = profile.iter().map(|p| p.0.as_str()).collect();
            let rel: HashSet<u32> = heldout[*u]
                .iter()
                .filter(|p| !played.contains(p.0.as_str()))
                .filter_map(|p| input.vocab().get(&p.0))
                .collect();
            // Held-out artists outside the vocabulary cannot be recommended by either library:
            // they are left out of the relevant set (and so of the ideal DCG) for all.
            if rel.is_empty() {
                no_new += 1;
                continue;
            }
            let mut v = vec![0f32; dim];
            let mut total = 0f64;
            let mut seen: Vec<u32> = Vec::new();
            for (a, w) in profile {
                if let Some(i) = input.vocab().get(a) {
                    total += *w as f64;
                    for (x, y) in v.iter_mut().zip(input.row(i)?) {
                        *x += w * y;
                    }
                    seen.push(i);
                }
            }
            if total == 0.0 {
                no_vector += 1;
                continue;
            }
            v.iter_mut().for_each(|x| *x /= total as f32);
            seen.sort_unstable();
            user_vecs.extend_from_slice(&v);
            scored_users.push(*u);
            seen_items.extend_from_slice(&seen);
            seen_off.push(seen_items.len());
            relevant.push(rel);
        }
        let seen = SeenItems::new(&seen_off, &seen_items)?;
        let lists =
            full_catalogue_top_k(&user_vecs, &items, dim, Some(&seen), &TopKConfig::new(K))?;
        let per_user: Vec<f64> = relevant
            .iter()
            .enumerate()
            .map(|(u, r)| ndcg_at_k(&lists.items(u), r, K, Gain::Linear))
            .collect();
        let ndcg = per_user.iter().sum::<f64>() / per_user.len().max(1) as f64;
        scored.push((
            name.clone(),
            scored_users.iter().copied().zip(per_user).collect(),
        ));
        let line = format!(
            "{{\"name\": \"{name}\", \"rows\": {}, \"ndcg_at_10\": {ndcg:.4}, \"users\": {}, \
             \"users_without_new_heldout_artists\": {no_new}, \"users_without_vector\": {no_vector}, \
             \"genre_precision_at_10_top2000\": {:.4}, \"quality_s\": {:.1}}}",
            input.len(),
            relevant.len(),
            hits as f64 / (top * 10) as f64,
            t.elapsed().as_secs_f64()
        );
        println!("{line}");
        writeln!(out, "{line}")?;
    }
    // Paired two-sided Wilcoxon signed-rank test of every trainer against the first, over the
    // users both scored.
    if let Some((first, base)) = scored.first() {
        for (name, other) in &scored[1..] {
            let (x, y): (Vec<f64>, Vec<f64>) = base
                .iter()
                .filter_map(|(u, a)| other.get(u).map(|b| (*b, *a)))
                .unzip();
            let w = wilcoxon(&x, &y, &WilcoxonOptions::new())?;
            let line = format!(
                "{{\"paired\": \"{name} vs {first}\", \"users\": {}, \"mean_difference\": {:.5}, \
                 \"wilcoxon_p\": {:.4}}}",
                x.len(),
                x.iter().zip(&y).map(|(a, b)| a - b).sum::<f64>() / x.len().max(1) as f64,
                w.p_value
            );
            println!("{line}");
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The first JSON object line of a file.
fn json_line(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .with_context(|| format!("{}: no JSON line", path.display()))?;
    Ok(serde_json::from_str(line)?)
}

/// User + system CPU seconds, wall seconds and peak RSS (kB) from a `/usr/bin/time -v` output.
fn time_v(path: &Path) -> Result<(f64, f64, u64)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let field = |name: &str| -> Option<&str> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(str::trim))
    };
    let num = |name: &str| -> Result<f64> {
        Ok(field(name)
            .with_context(|| format!("{}: no {name}", path.display()))?
            .parse()?)
    };
    let cpu = num("User time (seconds):")? + num("System time (seconds):")?;
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")
        .context("no wall clock time")?
        .split(':')
        .try_fold(0.0, |acc, p| {
            Ok::<f64, anyhow::Error>(acc * 60.0 + p.parse::<f64>()?)
        })?;
    let rss = num("Maximum resident set size (kbytes):")? as u64;
    Ok((cpu, wall, rss))
}

/// One Markdown table over trainers `NAME` (files `NAME.json`, `NAME.time` and the lines of
/// `quality.json` in `dir`); the first name is the reference for the ratios.
fn table(dir: &Path, names: &[String]) -> Result<()> {
    let mut quality: HashMap<String, serde_json::Value> = HashMap::new();
    let qpath = dir.join("quality.json");
    for line in std::fs::read_to_string(&qpath)
        .with_context(|| format!("{}", qpath.display()))?
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line)?;
        quality.insert(v["name"].as_str().unwrap_or_default().to_owned(), v);
    }
    println!(
        "| trainer | effective words | train s | words/s (wall) | train CPU s | words / train CPU-s | \
         process CPU s | words / process CPU-s | × ref (train CPU) | × ref (wall) | NDCG@10 | \
         genre P@10 | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut reference: Option<(f64, f64)> = None;
    for name in names {
        let run = json_line(&dir.join(format!("{name}.json")))?;
        let (cpu, _wall, rss) = time_v(&dir.join(format!("{name}.time")))?;
        let q = quality
            .get(name)
            .with_context(|| format!("{name}: not in quality.json"))?;
        let words = run["effective_words"].as_f64().context("effective_words")?;
        let train_s = run["train_s"].as_f64().context("train_s")?;
        let train_cpu = run["train_cpu_s"].as_f64().unwrap_or(f64::NAN);
        let (per_cpu, per_wall) = (words / train_cpu, words / train_s);
        let (ref_cpu, ref_wall) = *reference.get_or_insert((per_cpu, per_wall));
        println!(
            "| {} | {:.0} | {train_s:.1} | {:.1} k | {train_cpu:.1} | {:.1} k | {cpu:.1} | {:.1} k | \
             {:.2} | {:.2} | {:.4} | {:.4} | {:.0} MB |",
            run["impl"].as_str().unwrap_or(name),
            words,
            per_wall / 1e3,
            per_cpu / 1e3,
            words / cpu / 1e3,
            per_cpu / ref_cpu,
            per_wall / ref_wall,
            q["ndcg_at_10"].as_f64().unwrap_or(f64::NAN),
            q["genre_precision_at_10_top2000"]
                .as_f64()
                .unwrap_or(f64::NAN),
            rss as f64 / 1e3,
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("usage: bench_skipgram generate|train|quality|table …");
    };
    let get = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    // Positional arguments: everything that is neither an option nor an option's value.
    let names = || -> Vec<String> {
        args[1..]
            .iter()
            .enumerate()
            .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || !args[*i].starts_with("--")))
            .map(|(_, a)| a.clone())
            .collect()
    };
    match cmd.as_str() {
        "generate" => generate(
            get("--scale").unwrap_or("1.0").parse()?,
            get("--seed").unwrap_or("42").parse()?,
            get("--holdout").unwrap_or("0.2").parse()?,
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
            train(
                Path::new(get("--corpus").context("--corpus FILE")?),
                Path::new(get("--out").context("--out FILE")?),
                &config,
            )
        }
        "quality" => quality(
            Path::new(get("--dir").context("--dir DIR")?),
            &names(),
            get("--users").map(str::parse).transpose()?,
        ),
        "table" => table(Path::new(get("--dir").context("--dir DIR")?), &names()),
        other => bail!("unknown command {other:?}"),
    }
}
