//! Benchmark of the full-catalogue top-k: how long does it take to score every artist for every
//! user, drop what each user has heard, and keep the 10 best?
//!
//! Run with
//!
//! ```text
//! cargo run --release -p artist2vec-metrics --example bench_topk
//! cargo run --release -p artist2vec-metrics --example bench_topk -- --quick   # first size only
//! ```
//!
//! Two sizes: hetrec-2k (1,877 users × 17,632 artists) and 30Music (45,000 users × 100,000
//! artists), both with 64-dimensional random vectors and about 40 seen artists per user. The
//! thread count is rayon's default (all cores; set `RAYON_NUM_THREADS` to change it). Besides
//! wall time it prints the CPU time per run: on a machine busy with other work, wall time
//! overstates the cost and CPU time / threads estimates the time on idle cores.

use std::time::Instant;

use artist2vec_metrics::{SeenItems, TopKConfig, full_catalogue_top_k};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random data for one size: user vectors, item vectors and CSR seen lists.
struct Problem {
    users: Vec<f32>,
    items: Vec<f32>,
    offsets: Vec<usize>,
    seen: Vec<u32>,
}

fn make_problem(n_users: usize, n_items: usize, dim: usize, seen_per_user: usize) -> Problem {
    let mut rng = StdRng::seed_from_u64(42);
    let users = (0..n_users * dim)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let items = (0..n_items * dim)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let mut offsets = vec![0];
    let mut seen = Vec::with_capacity(n_users * seen_per_user);
    for _ in 0..n_users {
        let mut mine: Vec<u32> = (0..seen_per_user)
            .map(|_| rng.random_range(0..n_items as u32))
            .collect();
        mine.sort_unstable();
        mine.dedup();
        seen.extend(mine);
        offsets.push(seen.len());
    }
    Problem {
        users,
        items,
        offsets,
        seen,
    }
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (Linux,
/// where USER_HZ is 100); `None` elsewhere. On a busy machine wall time overstates the cost,
/// CPU time does not.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name in parentheses: state is the first, utime the 12th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Times `reps` runs and returns the best and median wall seconds and the mean CPU seconds.
fn time(p: &Problem, dim: usize, config: &TopKConfig, reps: usize) -> (f64, f64, Option<f64>) {
    let seen = SeenItems::new(&p.offsets, &p.seen).expect("valid CSR");
    let mut secs = Vec::with_capacity(reps);
    let cpu0 = cpu_seconds();
    for _ in 0..reps {
        let t = Instant::now();
        let top = full_catalogue_top_k(&p.users, &p.items, dim, Some(&seen), config)
            .expect("finite random data");
        secs.push(t.elapsed().as_secs_f64());
        // Keep the result alive and sanity-check it.
        assert_eq!(top.get(0).len(), config.k);
    }
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| (b - a) / reps as f64);
    secs.sort_by(f64::total_cmp);
    (secs[0], secs[secs.len() / 2], cpu)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let threads = rayon::current_num_threads();
    let dim = 64;
    let k = 10;
    let config = TopKConfig::new(k);
    println!(
        "full-catalogue top-{k}, dim {dim}, {threads} threads, user_block {}, item_block {}",
        config.user_block, config.item_block
    );

    let sizes: &[(usize, usize, usize, &str)] = if quick {
        &[(1877, 17632, 7, "hetrec-2k")]
    } else {
        &[
            (1877, 17632, 7, "hetrec-2k"),
            (45_000, 100_000, 3, "30Music"),
        ]
    };
    for &(n_users, n_items, reps, label) in sizes {
        let p = make_problem(n_users, n_items, dim, 40);
        let (best, median, cpu) = time(&p, dim, &config, reps);
        let gflops = 2.0 * (n_users * n_items * dim) as f64 / best / 1e9;
        let cpu = cpu.map_or(String::new(), |c| format!(", {c:.3} CPU s per run"));
        println!(
            "{label:>10}: {n_users} users x {n_items} items x {dim} dims: best {best:.3} s, \
             median {median:.3} s over {reps} runs ({gflops:.1} GFLOP/s{cpu})"
        );
    }
}
