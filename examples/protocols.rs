//! The five evaluation protocols of the seed notebooks and their significance designs, run with
//! the library's protocol functions (`artist2vec::metrics::protocols`) on models from three
//! crates through the shared traits:
//!
//! 1. global time split (60/80 %), graded relevance, P@1 / P@10 / MAP@20 / NDCG@20 per user;
//!    5 × 50 % user subsamples, refit, Mann–Whitney U on the per-run means;
//! 2. next artist in a session by nearest neighbour, repeats removed; t-based 95 % CIs and a
//!    one-sided Wilcoxon test against the co-occurrence + SVD baseline;
//! 3. hide one of each user's top-6 artists, HR@10; 30 × 10 % user subsamples, refit, Welch
//!    t-test on the per-run means;
//! 4. cold-start artists (10 % unseen in training) with vectors from tags only, MAP@10 against
//!    artists that share listeners;
//! 5. session next-item at every step (MAP@20, P@20), training artists only.
//!
//! On generated 30Music-like data (always), and protocols 3 and 4 also on hetrec2011-lastfm-2k
//! when `ARTIST2VEC_DATA` is set (hetrec has no timestamps or sessions, so 1, 2 and 5 do not apply).
//!
//! ```sh
//! cargo run --release --example protocols                 # add --sessions N to change the size
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{CoreError, Fit, Interactions, Neighbor, Recommender, SimilarArtists};
use artist2vec::data::split::{cold_start_artists, global_time_split, hide_one_of_top_n, users_of};
use artist2vec::data::{ArtistTags, HetrecOptions, SynthConfig, Synthetic, load_hetrec};
use artist2vec::metrics::Scores;
use artist2vec::metrics::protocols::{
    NextArtistConfig, ProtocolScores, SessionNextItemConfig, SubsampleConfig, SubsampleRuns,
    cold_start, hidden_artist, next_artist, session_next_item, subsample_retrain, time_split,
};
use artist2vec::models::{AlsConfig, ItemKnnConfig, PopularityConfig, SvdConfig, UserKnnConfig};
use artist2vec::skipgram::{SkipGramConfig, Window};
use artist2vec::sparse::Weighting;
use artist2vec::stats::{
    Alternative, MannWhitneyOptions, WilcoxonOptions, mann_whitney_u, mean_confidence_interval,
    welch_t_test, wilcoxon,
};

/// A content-free baseline for protocols 2 and 4: a fixed pseudo-random list of artists.
struct Uninformed(u32);

impl SimilarArtists for Uninformed {
    fn similar(&self, a: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        Ok((1..=k as u32)
            .map(|d| Neighbor {
                item: (a.wrapping_add(7919u32.wrapping_mul(d))) % self.0,
                score: 1.0 / d as f32,
            })
            .collect())
    }
}

fn row(name: &str, s: &ProtocolScores, key: &str) -> Result<String> {
    let v = s.get(key).with_context(|| format!("{name}: no {key}"))?;
    let ci = mean_confidence_interval(&v.values, 0.95)?;
    Ok(format!(
        "| {name} | {} | {:.4} | [{:.4}, {:.4}] |",
        v.len(),
        v.mean(),
        ci.low,
        ci.high
    ))
}

fn one_sided(x: &Scores, y: &Scores) -> Result<f64> {
    Ok(wilcoxon(
        &x.values,
        &y.values,
        &WilcoxonOptions::new().with_alternative(Alternative::Greater),
    )?
    .p_value)
}

fn only_users(t: &Interactions, users: &[u32]) -> Interactions {
    let mut t = t.clone();
    t.retain(|r| users.binary_search(&r.user).is_ok());
    t
}

/// The tags × artists matrix whose TF-IDF cosine gives content-only artist neighbours.
fn tag_model(
    tags: &ArtistTags,
    items: &artist2vec::core::Vocabulary,
) -> Result<impl SimilarArtists> {
    let mut by_tag = Interactions::new(tags.tags.clone(), items.clone(), false);
    for (a, ts) in tags.by_artist.iter().enumerate() {
        for &t in ts {
            by_tag.push(t, a as u32, 1.0, None);
        }
    }
    Ok(ItemKnnConfig::new()
        .with_k(200)
        .with_weighting(Weighting::TfIdf)
        .fit(&by_tag)?)
}

/// Protocol 3 with the third notebook's design (30 × 10 % of users, Welch t-test), then the
/// single full-population run with paired Wilcoxon tests.
fn protocol_3(counts: &Interactions, seed: u64) -> Result<()> {
    let split = hide_one_of_top_n(counts, 6, 10, seed)?;
    let users = users_of(&split.test);
    println!(
        "\n## 3. hide one of the top-6 artists ({} users with > 10 artists), HR@10",
        users.len()
    );
    let t = Instant::now();
    let names = ["user-knn", "item-knn", "als", "popularity"];
    let fit_eval = |model: &str, train: &Interactions, test: &Interactions| {
        let r = match model {
            "user-knn" => hidden_artist(&UserKnnConfig::default().fit(train)?, test, 10),
            "item-knn" => hidden_artist(&ItemKnnConfig::default().fit(train)?, test, 10),
            "als" => hidden_artist(&AlsConfig::default().fit(train)?, test, 10),
            _ => hidden_artist(&PopularityConfig::default().fit(train)?, test, 10),
        }?;
        Ok::<_, anyhow::Error>(r)
    };
    let full: Vec<ProtocolScores> = names
        .iter()
        .map(|m| fit_eval(m, &split.train, &split.test))
        .collect::<Result<_>>()?;
    println!("| model | users | HR@10 | 95 % CI (t) | one-sided Wilcoxon p vs popularity |");
    println!("|---|---:|---:|---|---:|");
    let pop = full[3].get("hit_rate@10").context("hit rate")?;
    for (name, s) in names.iter().zip(&full) {
        let p = if *name == "popularity" {
            "—".to_string()
        } else {
            format!(
                "{:.2e}",
                one_sided(s.get("hit_rate@10").context("hit rate")?, pop)?
            )
        };
        println!("{} {p} |", row(name, s, "hit_rate@10")?);
    }
    let cfg = SubsampleConfig::thirty_tenths().with_seed(seed);
    let runs = subsample_retrain(&users, &cfg, &names, |model, _, sub| {
        fit_eval(
            model,
            &only_users(&split.train, sub),
            &only_users(&split.test, sub),
        )
    })?;
    print_runs(&runs, &names, "hit_rate@10", "user-knn", |x, y| {
        Ok(welch_t_test(x, y, Alternative::TwoSided)?.p_value)
    })?;
    println!(
        "({:.1} s for {} fits)",
        t.elapsed().as_secs_f64(),
        names.len() * 31
    );
    Ok(())
}

fn print_runs(
    runs: &SubsampleRuns,
    names: &[&str],
    key: &str,
    reference: &str,
    test: impl Fn(&[f64], &[f64]) -> Result<f64>,
) -> Result<()> {
    println!(
        "\n{} subsamples of {} units (seed {}), refit each model on each; per-run means of {key}:",
        runs.config.runs, runs.subsample_size, runs.config.seed
    );
    println!("| model | mean of run means | min | max | p vs {reference} |");
    println!("|---|---:|---:|---:|---:|");
    let r = runs.means(reference, key).context("reference runs")?;
    for name in names {
        let m = runs.means(name, key).context("runs")?;
        let (lo, hi) = m
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let p = if *name == reference {
            "—".into()
        } else {
            format!("{:.2e}", test(m, r)?)
        };
        println!(
            "| {name} | {:.4} | {lo:.4} | {hi:.4} | {p} |",
            runs.grand_mean(name, key).unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

fn protocol_4(counts: &Interactions, tags: &ArtistTags, seed: u64) -> Result<()> {
    let split = cold_start_artists(counts, 0.1, seed)?;
    let content = tag_model(tags, &counts.items)?;
    let t = Instant::now();
    let s_tags = cold_start(&content, &split.train, &split.test, 10)?;
    let secs = t.elapsed().as_secs_f64();
    let s_none = cold_start(
        &Uninformed(counts.n_items() as u32),
        &split.train,
        &split.test,
        10,
    )?;
    println!(
        "\n## 4. cold-start artists (10 % held out; {} evaluated, {} without a listener in training)",
        s_tags.units().len(),
        s_tags.total_skipped()
    );
    println!("| content model | artists | MAP@10 | 95 % CI (t) |");
    println!("|---|---:|---:|---|");
    println!("{}", row("tags, TF-IDF cosine", &s_tags, "map@10")?);
    println!("{}", row("uninformed", &s_none, "map@10")?);
    println!(
        "one-sided Wilcoxon, tags > uninformed: p = {:.2e}; evaluation {secs:.3} s",
        one_sided(
            s_tags.get("map@10").context("map")?,
            s_none.get("map@10").context("map")?
        )?
    );
    Ok(())
}

fn synthetic(n_sessions: usize, seed: u64) -> Result<()> {
    let t = Instant::now();
    let data = Synthetic::generate(
        &SynthConfig::small()
            .with_seed(seed)
            .with_sessions(n_sessions)
            .with_plays(n_sessions * 12),
    )?;
    let sessions = data.sessions();
    println!(
        "# Generated data: {} sessions, {} plays, {} users, {} artists ({:.1} s)",
        sessions.len(),
        sessions.n_plays(),
        sessions.users.len(),
        sessions.items.len(),
        t.elapsed().as_secs_f64()
    );
    let ts = global_time_split(sessions, 0.6, 0.8)?;
    let (train, test) = (&ts.split.train, &ts.split.test);
    let n_items = sessions.items.len();
    let sg = SkipGramConfig::new(64)
        .with_window(Window::Fixed(3))
        .with_min_count(1)
        .with_epochs(5)
        .with_seed(seed)
        .fit(&ts.train_sessions)?;
    let svd = SvdConfig::default().fit(train)?;
    let als = AlsConfig::default().fit(train)?;
    let pop = PopularityConfig::default().fit(train)?;

    // 1. Global time split.
    println!(
        "\n## 1. global time split: {} train / {} validation / {} test sessions, {} users in all three",
        ts.train_sessions.len(),
        ts.validation_sessions.len(),
        ts.test_sessions.len(),
        users_of(test).len()
    );
    println!("| model | P@1 | P@10 | MAP@20 | NDCG@20 (graded) |");
    println!("|---|---:|---:|---:|---:|");
    let models: [(&str, &dyn Recommender); 4] = [
        ("als", &als),
        ("skip-gram", &sg),
        ("svd", &svd),
        ("popularity", &pop),
    ];
    for (name, m) in models {
        let s = time_split(m, test)?;
        let v: Vec<String> = s.means().iter().map(|(_, x)| format!("{x:.4}")).collect();
        println!("| {name} | {} |", v.join(" | "));
    }
    let users = users_of(test);
    let names = ["als", "popularity"];
    let runs = subsample_retrain(
        &users,
        &SubsampleConfig::five_halves().with_seed(seed),
        &names,
        |model, _, sub| {
            let (tr, te) = (only_users(train, sub), only_users(test, sub));
            let r = match model {
                "als" => time_split(&AlsConfig::default().fit(&tr)?, &te),
                _ => time_split(&PopularityConfig::default().fit(&tr)?, &te),
            }?;
            Ok::<_, anyhow::Error>(r)
        },
    )?;
    print_runs(&runs, &names, "ndcg@20", "als", |x, y| {
        Ok(mann_whitney_u(x, y, &MannWhitneyOptions::new())?.p_value)
    })?;

    // 2. Next artist by nearest neighbour.
    let seqs: Vec<Vec<u32>> = ts.test_sessions.iter().map(|s| s.items.to_vec()).collect();
    let cfg = NextArtistConfig::default();
    println!(
        "\n## 2. next artist by nearest neighbour ({} test sessions, repeats removed)",
        seqs.len()
    );
    println!("| model | sessions | accuracy | 95 % CI (t) | eval s |");
    println!("|---|---:|---:|---|---:|");
    let mut scores = Vec::new();
    let similar: [(&str, &(dyn SimilarArtists + Sync)); 3] = [
        ("skip-gram (input vectors)", &sg),
        ("co-occurrence + SVD", &svd),
        ("uninformed", &Uninformed(n_items as u32)),
    ];
    for (name, m) in similar {
        let t = Instant::now();
        let s = next_artist(m, &seqs, n_items, &cfg)?;
        println!(
            "{} {:.3} |",
            row(name, &s, "accuracy")?,
            t.elapsed().as_secs_f64()
        );
        scores.push(s);
    }
    println!(
        "one-sided Wilcoxon, skip-gram > co-occurrence + SVD: p = {:.2e}",
        one_sided(
            scores[0].get("accuracy").context("accuracy")?,
            scores[1].get("accuracy").context("accuracy")?
        )?
    );

    // 3 and 4 on the interaction counts of all sessions.
    let counts = sessions.to_counts();
    protocol_3(&counts, seed)?;
    protocol_4(
        &counts,
        data.dataset.tags.as_ref().context("generated tags")?,
        seed,
    )?;

    // 5. Session next-item at every step.
    let mut trained = vec![false; n_items];
    for &a in ts.train_sessions.play_items() {
        trained[a as usize] = true;
    }
    let cfg = SessionNextItemConfig::default();
    let some: Vec<Vec<u32>> = seqs.iter().take(2000).cloned().collect();
    println!(
        "\n## 5. session next-item at every step ({} test sessions)",
        some.len()
    );
    println!("| model | sessions | MAP@20 | 95 % CI (t) | P@20 |");
    println!("|---|---:|---:|---|---:|");
    let models: [(&str, &dyn Recommender); 3] = [
        ("skip-gram (history · output vectors)", &sg),
        ("svd", &svd),
        ("popularity", &pop),
    ];
    for (name, m) in models {
        let s = session_next_item(m, &some, Some(&trained), &cfg)?;
        println!(
            "{} {:.4} |",
            row(name, &s, "map@20")?,
            s.mean("precision@20").unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

fn hetrec(dir: PathBuf, seed: u64) -> Result<()> {
    let h = load_hetrec(&dir, &HetrecOptions::default())
        .with_context(|| format!("loading {}", dir.display()))?;
    let counts = &h.dataset.interactions;
    println!(
        "\n# hetrec2011-lastfm-2k: {} users, {} artists, {} rows",
        counts.n_users(),
        counts.n_items(),
        counts.len()
    );
    protocol_3(counts, seed)?;
    match h.dataset.tags.as_ref() {
        Some(tags) if tags.by_artist.iter().any(|t| !t.is_empty()) => {
            protocol_4(counts, tags, seed)?
        }
        _ => println!(
            "\n## 4. cold-start artists: skipped — {} has no tag assignments \
             (user_taggedartists.dat), so there is no content to build vectors from",
            dir.display()
        ),
    }
    Ok(())
}

fn main() -> Result<()> {
    let (mut n_sessions, mut seed) = (24_000usize, 7u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || -> Result<u64> { Ok(args.next().context("missing value")?.parse()?) };
        match a.as_str() {
            "--sessions" => n_sessions = val()? as usize,
            "--seed" => seed = val()?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    synthetic(n_sessions, seed)?;
    match std::env::var_os("ARTIST2VEC_DATA") {
        Some(d) => hetrec(PathBuf::from(d).join("hetrec2011-lastfm-2k"), seed)?,
        None => println!("\nARTIST2VEC_DATA is not set: skipping the hetrec2011-lastfm-2k runs"),
    }
    Ok(())
}
