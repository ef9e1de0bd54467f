//! `artist2vec demo`: the whole chain on generated data, saying what each step did.

use std::path::Path;

use anyhow::{Result, ensure};
use artist2vec::core::Recommender;
use artist2vec::core::TrainingData;
use artist2vec::data::formats::{DatasetStats, Format, load_any};
use artist2vec::data::split::{global_time_split, write_split_dir};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::data::{Dataset, Mode, PrepareConfig, prepare};
use artist2vec::metrics::{
    EvalConfig, Gain, Interaction as MInteraction, Metric, Recommendation, evaluate,
};
use artist2vec::sparse::{
    CooccurrenceConfig, Norm, gram_top_k, normalize_rows, row_top_k, user_item,
};
use artist2vec::stats::{WilcoxonOptions, mean_confidence_interval, wilcoxon};
use std::time::Instant;

use crate::progress::Ui;

pub fn run(ui: &Ui, dir: &Path, cfg: SynthConfig) -> Result<()> {
    println!(
        "== 1. generate 30Music-like data with planted genres (seed {})",
        cfg.seed
    );
    let synth = ui.step("generate", |_| Ok(Synthetic::generate(&cfg)?))?;
    let idomaar = dir.join("idomaar");
    ui.step(
        "write idomaar files",
        |_| Ok(synth.write_idomaar(&idomaar)?),
    )?;
    synth.write_ground_truth(&dir.join("ground_truth.tsv"))?;
    println!(
        "   {} users, {} artists in {} genres, {} sessions, {} plays → {}",
        cfg.n_users,
        cfg.n_artists,
        cfg.n_genres,
        cfg.n_sessions,
        cfg.n_plays,
        idomaar.display()
    );

    println!(
        "== 2. ingest the idomaar files (strict: the first bad line would stop with file:line)"
    );
    let (data, _) = ui.step("read idomaar", |_| {
        Ok(load_any(&idomaar, Some(Format::Idomaar), Mode::Strict)?)
    })?;
    let stats = DatasetStats::of(&data);
    for line in stats.to_string().lines() {
        println!("   {line}");
    }
    ensure!(
        stats.plays == synth.dataset.n_plays(),
        "read back {} plays, generated {}",
        stats.plays,
        synth.dataset.n_plays()
    );
    let a2vd = dir.join("data.a2vd");
    data.save(&a2vd)?;
    let back = Dataset::load(&a2vd)?;
    ensure!(
        back == data,
        "the binary dataset did not read back identically"
    );
    println!(
        "   saved and re-read {} ({} bytes): identical",
        a2vd.display(),
        std::fs::metadata(&a2vd)?.len()
    );

    println!("== 3. prepare (notebooks' steps; artist threshold 20 plays for this small dataset)");
    let pcfg = PrepareConfig::default().with_min_artist_plays(Some(20));
    let (prepared, rep) = ui.step("prepare", |_| Ok(prepare(&data, &pcfg)?))?;
    for line in rep.to_string().lines() {
        println!("   {line}");
    }

    println!("== 4. global time split at the 60th/80th percentile of session start");
    let sessions = prepared
        .sessions
        .as_ref()
        .expect("idomaar data has sessions");
    let ts = global_time_split(sessions, 0.6, 0.8)?;
    let split_dir = dir.join("split");
    write_split_dir(&ts.split, &split_dir)?;
    println!(
        "   train {} / validation {} / test {} sessions; user×artist rows {} / {} / {} → {}",
        ts.train_sessions.len(),
        ts.validation_sessions.len(),
        ts.test_sessions.len(),
        ts.split.train.len(),
        ts.split.validation.as_ref().map_or(0, |v| v.len()),
        ts.split.test.len(),
        split_dir.display()
    );

    println!("== 5. sparse matrices: users × artists, artist co-occurrence within sessions");
    let ui_m = user_item(&ts.split.train);
    let co = ui.step("co-occurrence", |_| {
        Ok(artist2vec::sparse::cooccurrence(
            ts.train_sessions.offsets(),
            ts.train_sessions.play_items(),
            ts.train_sessions.items.len(),
            &CooccurrenceConfig::default(),
        )?)
    })?;
    println!(
        "   users×artists: {}×{} with {} entries; co-occurrence: {} entries",
        ui_m.rows(),
        ui_m.cols(),
        ui_m.nnz(),
        co.nnz()
    );

    println!(
        "== 6. similar artists from co-occurrence (cosine of co-occurrence rows) vs the planted genres"
    );
    let mut rows = co.clone();
    normalize_rows(&mut rows, Norm::L2);
    let sim = gram_top_k(&rows, 10, false);
    let artists = &ts.train_sessions.items;
    let genre_of = |ix: u32| -> Option<u32> {
        let gix = synth.dataset.artists().get(artists.id(ix))?;
        synth.artist_genre.get(gix as usize).copied()
    };
    let (mut same, mut total) = (0usize, 0usize);
    for a in 0..artists.len() {
        let Some(g) = genre_of(a as u32) else {
            continue;
        };
        for n in row_top_k(&sim, a, 10) {
            total += 1;
            same += usize::from(genre_of(n.item) == Some(g));
        }
    }
    let share = same as f64 / total.max(1) as f64;
    println!(
        "   {:.1} % of top-10 neighbours share the artist's planted genre (chance ≈ {:.1} %)",
        100.0 * share,
        100.0 / cfg.n_genres as f64
    );
    let mut plays = vec![0u64; artists.len()];
    for &i in ts.train_sessions.play_items() {
        plays[i as usize] += 1;
    }
    let mut top: Vec<u32> = (0..artists.len() as u32).collect();
    top.sort_by_key(|&i| std::cmp::Reverse(plays[i as usize]));
    for &a in top.iter().take(3) {
        let list: Vec<String> = row_top_k(&sim, a as usize, 5)
            .iter()
            .map(|n| {
                format!(
                    "{} (g{})",
                    artists.name(n.item),
                    genre_of(n.item).map_or(-1, |g| g as i64)
                )
            })
            .collect();
        println!(
            "   {} (genre {}): {}",
            artists.name(a),
            genre_of(a).map_or(-1, |g| g as i64),
            list.join(", ")
        );
    }
    println!("== 7. fit models on the train part, recommend for the test users, evaluate (K = 10)");
    let train = &ts.split.train;
    let test = &ts.split.test;
    let to_rows = |t: &artist2vec::core::Interactions| -> Vec<MInteraction> {
        t.iter()
            .map(|r| MInteraction {
                user: r.user,
                item: r.item,
                weight: r.weight as f64,
            })
            .collect()
    };
    let (train_rows, test_rows) = (to_rows(train), to_rows(test));
    let mut test_users: Vec<u32> = test.user_col().to_vec();
    test_users.sort_unstable();
    test_users.dedup();
    let mut per_user = Vec::new();
    let registry = artist2vec::registry();
    for name in ["popularity", "item-knn", "als"] {
        let t = Instant::now();
        let model = ui.step(&format!("fit {name}"), |obs| {
            Ok(registry.fit(name, None, &TrainingData::new(train), obs)?)
        })?;
        let fit_s = t.elapsed().as_secs_f64();
        let lists = model.recommend_users(&test_users, 10, true)?;
        let recs: Vec<Recommendation> = test_users
            .iter()
            .zip(&lists)
            .flat_map(|(&u, l)| {
                l.iter().enumerate().map(move |(r, n)| Recommendation {
                    user: u,
                    item: n.item,
                    rank: (r + 1) as f64,
                })
            })
            .collect();
        let rep = evaluate(
            &EvalConfig::new(10).with_per_user_decimals(None),
            &train_rows,
            &test_rows,
            &recs,
        )?;
        let ndcg = rep
            .scores(Metric::Ndcg(Gain::Linear))
            .expect("evaluate computes ndcg@10");
        println!(
            "   {:<11} NDCG@10 {:.4}  P@10 {:.4}  HR@10 {:.3}  coverage {:.3}  fit {fit_s:.2} s",
            name,
            ndcg.mean(),
            rep.mean_of(Metric::Precision).unwrap_or(f64::NAN),
            rep.mean_of(Metric::HitRate).unwrap_or(f64::NAN),
            rep.coverage
        );
        per_user.push((name, ndcg.values));
    }

    println!("== 8. is the difference real? paired Wilcoxon on per-user NDCG@10, 95 % t-intervals");
    let (ref_name, reference) = per_user.last().cloned().expect("three models");
    for (name, values) in &per_user {
        let ci = mean_confidence_interval(values, 0.95)?;
        let p = if *name == ref_name {
            "reference".to_string()
        } else {
            match wilcoxon(values, &reference, &WilcoxonOptions::new()) {
                Ok(w) => format!("p = {:.2e} vs {ref_name}", w.p_value),
                Err(e) => format!("no test ({e})"),
            }
        };
        println!(
            "   {name:<11} mean {:.4}  95 % CI [{:.4}, {:.4}]  {p}",
            ci.low / 2.0 + ci.high / 2.0,
            ci.low,
            ci.high
        );
    }
    println!("done.");
    Ok(())
}
