//! Serving benchmark, the Rust half of `examples/bench_recommend.sh` (which runs `implicit`
//! 0.7.3 on the same model and prints the ratio): fits implicit ALS on a TSV of play counts,
//! times `recommend_users` — top-k of every artist for a set of users, their training artists
//! left out, through the blocked full-catalogue top-k — and writes the model and the matrix so
//! that `bench_recommend.py` serves the *same* factors with `implicit`.
//!
//! ```sh
//! cargo build --release --example bench_recommend
//! B=$CARGO_TARGET_DIR/release/examples/bench_recommend
//! # hetrec: the users of the test split
//! $B --train $S/train.tsv --test $S/test.tsv --out /tmp/serve-hetrec
//! # a generated matrix (bench_als generate): 10,000 users drawn with a fixed seed
//! $B --train /tmp/large.tsv --sample 10000 --out /tmp/serve-large
//! ```
//!
//! Options: `--factors 64 --iterations 15 --regularization 0.05 --alpha 1` (implicit's hetrec
//! settings), `--k 10`, `--threads 2` (a rayon pool of that many threads), `--repeat 1` (timed
//! runs; all are printed). It prints one JSON line and writes into `--out`:
//! `user_factors.npy` and `item_factors.npy` (float32), `users.i32` (the users served),
//! `indptr.i64`, `indices.i32` (the users × artists training matrix, CSR), `ours.i32` (our
//! lists, `k` per user, -1 where shorter) and `meta.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{ArtistVectors, Fit, Interactions, Recommender};
use artist2vec::data::split::read_tsv_into;
use artist2vec_skipgram::write_npy_matrix;

fn main() -> Result<()> {
    let opts = artist2vec_examples::options(std::env::args().skip(1))?;
    let get = |k: &str, d: &str| opts.get(k).cloned().unwrap_or_else(|| d.to_owned());
    let train = PathBuf::from(opts.get("train").context("--train FILE is required")?);
    let out = PathBuf::from(opts.get("out").context("--out DIR is required")?);
    let threads: usize = get("threads", "2").parse()?;
    let k: usize = get("k", "10").parse()?;
    let repeat: usize = get("repeat", "1").parse()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;

    let mut data = Interactions::default();
    read_tsv_into(&train, &mut data)?;
    let config = artist2vec_examples::implicit_als(&get)?;
    let t0 = Instant::now();
    let model = pool.install(|| config.fit(&data))?;
    let fit_s = t0.elapsed().as_secs_f64();

    let users = match (opts.get("test"), opts.get("sample")) {
        (Some(test), _) => test_users(&data, Path::new(test))?,
        (None, Some(n)) => sample_users(data.n_users(), n.parse()?, get("seed", "42").parse()?),
        (None, None) => bail!("give --test FILE (its users) or --sample N"),
    };
    let mut times = Vec::new();
    let mut lists = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        lists = pool.install(|| model.recommend_users(&users, k, true))?;
        times.push(t.elapsed().as_secs_f64());
    }

    std::fs::create_dir_all(&out)?;
    let f = config.factors;
    let n_items = model.n_items();
    write_npy_matrix(
        out.join("user_factors.npy"),
        model.n_users(),
        f,
        model.user_factors(),
    )?;
    let items = model.artist_vectors().as_slice();
    write_npy_matrix(out.join("item_factors.npy"), n_items, f, items)?;
    let mut indptr = vec![0i64];
    let mut indices = Vec::new();
    for u in 0..model.n_users() as u32 {
        indices.extend(model.seen(u)?.iter().map(|&i| i as i32));
        indptr.push(indices.len() as i64);
    }
    write_raw(
        &out.join("indptr.i64"),
        indptr.iter().flat_map(|x| x.to_le_bytes()),
    )?;
    write_raw(
        &out.join("indices.i32"),
        indices.iter().flat_map(|x| x.to_le_bytes()),
    )?;
    write_raw(
        &out.join("users.i32"),
        users.iter().flat_map(|&u| (u as i32).to_le_bytes()),
    )?;
    let ours = lists
        .iter()
        .flat_map(|l| (0..k).map(move |r| l.get(r).map_or(-1, |n| n.item as i32)));
    write_raw(&out.join("ours.i32"), ours.flat_map(i32::to_le_bytes))?;
    let meta = format!(
        "{{\"impl\": \"artist2vec\", \"train\": {:?}, \"users\": {}, \"items\": {n_items}, \
         \"nnz\": {}, \"served\": {}, \"k\": {k}, \"factors\": {f}, \"threads\": {threads}, \
         \"cpu\": {:?}, \"fit_s\": {fit_s:.3}, \"recommend_s\": {times:?}}}",
        train.display().to_string(),
        model.n_users(),
        indices.len(),
        users.len(),
        artist2vec::core::cpu::describe(),
    );
    std::fs::write(out.join("meta.json"), &meta)?;
    println!("{meta}");
    Ok(())
}

/// The users of a test TSV that the training data knows, as training indices, ascending.
fn test_users(train: &Interactions, test: &Path) -> Result<Vec<u32>> {
    let mut rows = Interactions::default();
    read_tsv_into(test, &mut rows)?;
    let mut users: Vec<u32> = (0..rows.n_users() as u32)
        .filter_map(|u| train.users.get(rows.users.id(u)))
        .collect();
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// `n` distinct users of `0..n_users` drawn with a fixed seed (a partial Fisher–Yates shuffle
/// driven by SplitMix64), ascending.
fn sample_users(n_users: usize, n: usize, seed: u64) -> Vec<u32> {
    let mut all: Vec<u32> = (0..n_users as u32).collect();
    let mut s = seed;
    let n = n.min(n_users);
    for i in 0..n {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let j = i + (z % (n_users - i) as u64) as usize;
        all.swap(i, j);
    }
    let mut users = all[..n].to_vec();
    users.sort_unstable();
    users
}

fn write_raw(path: &Path, bytes: impl Iterator<Item = u8>) -> Result<()> {
    let bytes: Vec<u8> = bytes.collect();
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
