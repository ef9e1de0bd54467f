//! Seeded train/validation/test splits, and TSV files other tools can read.
//!
//! Every split returns [`Interactions`] parts that share the input's vocabularies, so dense
//! indices mean the same thing in train and test. [`write_tsv`] writes them as
//! `user\titem\tweight[\ttimestamp]` with a header, raw ids, sorted by (user, item);
//! [`read_split_dir`] reads such files back (and the fixed splits in `shared/data/splits`).

use std::collections::HashMap;
use std::path::Path;

use artist2vec_core::modelfile::write_atomic;
use artist2vec_core::{Interactions, Sessions, Vocabulary};
use artist2vec_metrics::MetricsError;
use artist2vec_metrics::tsv::{SplitTsvReader, ValueColumn};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::DataError;

mod sessions;

pub use sessions::last_sessions;

/// A split into parts that share vocabularies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Training rows.
    pub train: Interactions,
    /// Validation rows, for splits that make them.
    pub validation: Option<Interactions>,
    /// Test rows.
    pub test: Interactions,
}

/// A time split of sessions, with the aggregated interaction parts.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSplit {
    /// Sessions of each part.
    pub train_sessions: Sessions,
    /// Validation sessions.
    pub validation_sessions: Sessions,
    /// Test sessions.
    pub test_sessions: Sessions,
    /// Play counts per (user, artist) in each part (relevance graded by play count).
    pub split: Split,
    /// The two cut times (seconds since the epoch).
    pub cuts: (i64, i64),
}

fn check_frac(name: &str, v: f64) -> Result<(), DataError> {
    if !(v > 0.0 && v < 1.0) {
        return Err(DataError::Invalid(format!(
            "{name} must be strictly between 0 and 1, got {v}"
        )));
    }
    Ok(())
}

/// The `q`-quantile of sorted values with linear interpolation (numpy's default).
fn quantile(sorted: &[i64], q: f64) -> i64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let f = pos - lo as f64;
    (sorted[lo] as f64 + f * (sorted[hi] - sorted[lo]) as f64).round() as i64
}

/// Global time split (protocol 1): sessions starting before the `q1` quantile of session start
/// times are train, before the `q2` quantile validation, the rest test (quantiles interpolated
/// linearly, as numpy's `percentile`); only users present in all three parts are kept. The
/// interaction parts hold play counts per (user, artist).
///
/// # Errors
/// [`DataError::Invalid`] for quantiles outside `0 < q1 < q2 < 1` or no sessions.
pub fn global_time_split(sessions: &Sessions, q1: f64, q2: f64) -> Result<SessionSplit, DataError> {
    check_frac("q1", q1)?;
    check_frac("q2", q2)?;
    if q1 >= q2 {
        return Err(DataError::Invalid(format!(
            "q1 ({q1}) must be below q2 ({q2})"
        )));
    }
    if sessions.is_empty() {
        return Err(DataError::Invalid("no sessions to split".into()));
    }
    let mut starts: Vec<i64> = sessions.iter().map(|s| s.start()).collect();
    starts.sort_unstable();
    let (c1, c2) = (quantile(&starts, q1), quantile(&starts, q2));
    let part = |t: i64| {
        if t < c1 {
            0
        } else if t < c2 {
            1
        } else {
            2
        }
    };
    let mut present = vec![[false; 3]; sessions.users.len()];
    for s in sessions.iter() {
        present[s.user as usize][part(s.start())] = true;
    }
    let keep_user = |u: u32| present[u as usize].iter().all(|&b| b);
    let pick = |p: usize| {
        sessions.filter(
            |_, _| true,
            |s, _| part(s.start()) == p && keep_user(s.user),
        )
    };
    let (tr, va, te) = (pick(0), pick(1), pick(2));
    let split = Split {
        train: tr.to_counts(),
        validation: Some(va.to_counts()),
        test: te.to_counts(),
    };
    Ok(SessionSplit {
        train_sessions: tr,
        validation_sessions: va,
        test_sessions: te,
        split,
        cuts: (c1, c2),
    })
}

fn empty_like(t: &Interactions) -> Interactions {
    Interactions::new(t.users.clone(), t.items.clone(), t.time_col().is_some())
}

fn rows_by_user(t: &Interactions) -> Vec<Vec<usize>> {
    let mut by = vec![Vec::new(); t.n_users()];
    for (r, &u) in t.user_col().iter().enumerate() {
        by[u as usize].push(r);
    }
    by
}

fn push_row(dst: &mut Interactions, src: &Interactions, r: usize) {
    let x = src.get(r);
    dst.push(x.user, x.item, x.weight, x.time);
}

/// Per-user leave-last-`n` by time: each user's `n` latest rows (ties: later row first) go to
/// test; users with `n` rows or fewer stay wholly in train.
///
/// # Errors
/// [`DataError::Invalid`] when the table has no time column or `n == 0`.
pub fn leave_last_n(t: &Interactions, n: usize) -> Result<Split, DataError> {
    let times = t
        .time_col()
        .ok_or_else(|| DataError::Invalid("leave-last-n needs timestamps".into()))?;
    if n == 0 {
        return Err(DataError::Invalid("leave-last-n needs n >= 1".into()));
    }
    let (mut train, mut test) = (empty_like(t), empty_like(t));
    for mut rows in rows_by_user(t) {
        rows.sort_by_key(|&r| (times[r], r));
        let cut = if rows.len() > n {
            rows.len() - n
        } else {
            rows.len()
        };
        for (k, &r) in rows.iter().enumerate() {
            push_row(if k < cut { &mut train } else { &mut test }, t, r);
        }
    }
    Ok(Split {
        train,
        validation: None,
        test,
    })
}

/// Per-user random holdout, the procedure of `shared/tools/make_split.py` (`ratio` mode) with
/// this crate's seeded generator: users in ascending id order, each user's rows in ascending
/// artist order; a user with at least `min_items` rows sends
/// `max(1, floor(fraction·n + 0.5))` rows, chosen by a seeded permutation, to test. Counts equal
/// the Python script's; the draws do not (numpy's PCG64 is not reproduced).
///
/// Users and artists are ordered numerically when every id is an integer, else lexically.
///
/// # Errors
/// [`DataError::Invalid`] for a fraction outside (0, 1) or `min_items == 0`.
pub fn random_holdout(
    t: &Interactions,
    fraction: f64,
    min_items: usize,
    seed: u64,
) -> Result<Split, DataError> {
    check_frac("fraction", fraction)?;
    if min_items == 0 {
        return Err(DataError::Invalid("min_items must be at least 1".into()));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (empty_like(t), empty_like(t));
    let by_user = rows_by_user(t);
    let item_rank = id_order(&t.items);
    for u in id_order_indices(&t.users) {
        let mut rows = by_user[u].clone();
        rows.sort_by_key(|&r| item_rank[t.item_col()[r] as usize]);
        let n = rows.len();
        if n < min_items {
            rows.iter().for_each(|&r| push_row(&mut train, t, r));
            continue;
        }
        let n_test = ((fraction * n as f64 + 0.5).floor() as usize).max(1);
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng);
        let mut is_test = vec![false; n];
        perm[..n_test].iter().for_each(|&k| is_test[k] = true);
        for (k, &r) in rows.iter().enumerate() {
            push_row(if is_test[k] { &mut test } else { &mut train }, t, r);
        }
    }
    Ok(Split {
        train,
        validation: None,
        test,
    })
}

/// Protocol 3: for each user with more than `min_artists` distinct artists, hide one artist drawn
/// uniformly from their `top_n` by weight (ties: lower index first) in test; all else is train.
///
/// # Errors
/// [`DataError::Invalid`] when `top_n == 0`.
pub fn hide_one_of_top_n(
    t: &Interactions,
    top_n: usize,
    min_artists: usize,
    seed: u64,
) -> Result<Split, DataError> {
    if top_n == 0 {
        return Err(DataError::Invalid("top_n must be at least 1".into()));
    }
    let agg = t.aggregate();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (empty_like(&agg), empty_like(&agg));
    for rows in rows_by_user(&agg) {
        if rows.len() <= min_artists {
            rows.iter().for_each(|&r| push_row(&mut train, &agg, r));
            continue;
        }
        let mut top = rows.clone();
        top.sort_by(|&a, &b| {
            agg.weight_col()[b]
                .total_cmp(&agg.weight_col()[a])
                .then(agg.item_col()[a].cmp(&agg.item_col()[b]))
        });
        let hidden = top[rng.random_range(0..top_n.min(top.len()))];
        for &r in &rows {
            push_row(if r == hidden { &mut test } else { &mut train }, &agg, r);
        }
    }
    Ok(Split {
        train,
        validation: None,
        test,
    })
}

/// Protocol 4, cold-start artists: a seeded `fraction` of the artists that occur in `t` is held
/// out; all their rows go to test, everything else to train.
///
/// # Errors
/// [`DataError::Invalid`] for a fraction outside (0, 1).
pub fn cold_start_artists(t: &Interactions, fraction: f64, seed: u64) -> Result<Split, DataError> {
    check_frac("fraction", fraction)?;
    let mut present: Vec<u32> = t.item_col().to_vec();
    present.sort_unstable();
    present.dedup();
    let mut rng = StdRng::seed_from_u64(seed);
    present.shuffle(&mut rng);
    let n_out = ((fraction * present.len() as f64).round() as usize)
        .max(1)
        .min(present.len());
    let mut held = vec![false; t.n_items()];
    present[..n_out]
        .iter()
        .for_each(|&i| held[i as usize] = true);
    let (mut train, mut test) = (empty_like(t), empty_like(t));
    for r in 0..t.len() {
        push_row(
            if held[t.item_col()[r] as usize] {
                &mut test
            } else {
                &mut train
            },
            t,
            r,
        );
    }
    Ok(Split {
        train,
        validation: None,
        test,
    })
}

/// Rank of each vocabulary entry in id order (numeric when all ids are integers).
fn id_order(v: &Vocabulary) -> Vec<usize> {
    let order = id_order_indices(v);
    let mut rank = vec![0; v.len()];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k;
    }
    rank
}

fn id_order_indices(v: &Vocabulary) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    let nums: Option<Vec<i64>> = v.ids().iter().map(|s| s.parse::<i64>().ok()).collect();
    match nums {
        Some(n) => idx.sort_by_key(|&i| n[i]),
        None => idx.sort_by(|&a, &b| v.ids()[a].cmp(&v.ids()[b])),
    }
    idx
}

fn fmt_weight(w: f32) -> String {
    if w.fract() == 0.0 && w.abs() < 1e15 {
        format!("{}", w as i64)
    } else {
        format!("{w}")
    }
}

/// Writes a part as TSV: header `user\titem\tweight` (plus `\ttimestamp` when the table has
/// times), raw ids, rows sorted by (user, item) — numerically when all ids are integers.
/// Written atomically.
///
/// # Errors
/// [`DataError::Io`] naming the file.
pub fn write_tsv(t: &Interactions, path: &Path) -> Result<(), DataError> {
    let ur = id_order(&t.users);
    let ir = id_order(&t.items);
    let mut rows: Vec<usize> = (0..t.len()).collect();
    rows.sort_by_key(|&r| {
        (
            ur[t.user_col()[r] as usize],
            ir[t.item_col()[r] as usize],
            r,
        )
    });
    let times = t.time_col();
    write_atomic(path, |w| {
        if times.is_some() {
            writeln!(w, "user\titem\tweight\ttimestamp")?;
        } else {
            writeln!(w, "user\titem\tweight")?;
        }
        for r in rows {
            let x = t.get(r);
            write!(
                w,
                "{}\t{}\t{}",
                t.users.id(x.user),
                t.items.id(x.item),
                fmt_weight(x.weight)
            )?;
            match times {
                Some(ts) => writeln!(w, "\t{}", ts[r])?,
                None => writeln!(w)?,
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Writes `train.tsv`, `validation.tsv` (when present) and `test.tsv` into `dir`.
///
/// # Errors
/// [`DataError::Io`] naming the file.
pub fn write_split_dir(split: &Split, dir: &Path) -> Result<(), DataError> {
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    write_tsv(&split.train, &dir.join("train.tsv"))?;
    if let Some(v) = &split.validation {
        write_tsv(v, &dir.join("validation.tsv"))?;
    }
    write_tsv(&split.test, &dir.join("test.tsv"))
}

/// Reads a split TSV (`user\titem\tweight[\ttimestamp]` with a header) into `t`, adding unknown
/// ids to its vocabularies. Errors name the file, the line and what was expected.
///
/// The file is read by the workspace's one split-TSV reader,
/// [`artist2vec_metrics::tsv::SplitTsvReader`], under its rules (a byte-order mark and `\r\n`
/// line ends accepted, blank lines skipped, fields trimmed of surrounding spaces, weights
/// numbers other than NaN); ids are kept as text ([`SplitRow::user`]), where the evaluator
/// wants integers. The header must name `user` and `item` first; a fourth header column
/// `timestamp` makes the timestamps read.
///
/// [`SplitRow::user`]: artist2vec_metrics::tsv::SplitRow::user
///
/// # Errors
/// [`DataError::Io`], [`DataError::Empty`] for a file without a header, and
/// [`DataError::Parse`] for a bad header, a missing column or a non-number.
pub fn read_tsv_into(path: &Path, t: &mut Interactions) -> Result<usize, DataError> {
    let tsv = |e| tsv_error(path, e);
    let mut r = SplitTsvReader::open(path, ValueColumn::Weight).map_err(tsv)?;
    let cols: Vec<&str> = r.header().iter().map(|c| c.trim()).collect();
    if cols.len() < 3
        || !cols[0].eq_ignore_ascii_case("user")
        || !cols[1].eq_ignore_ascii_case("item")
    {
        return Err(DataError::parse(
            path,
            1,
            format!(
                "bad header: expected `user\\titem\\tweight[\\ttimestamp]`, found {}",
                excerpt(&r.header().join("\t"))
            ),
        ));
    }
    let with_time = cols
        .get(3)
        .is_some_and(|c| c.eq_ignore_ascii_case("timestamp"));
    if with_time && t.time_col().is_none() && t.is_empty() {
        *t = Interactions::new(t.users.clone(), t.items.clone(), true);
    }
    r.read_timestamps(with_time);
    let mut n = 0usize;
    while let Some(row) = r.next_row().map_err(tsv)? {
        let value = row.value().map_err(tsv)?;
        let weight = value as f32;
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(DataError::parse(
                path,
                row.line() as u64,
                format!(
                    "bad number: weight {} (play counts are finite and >= 0)",
                    excerpt(&value.to_string())
                ),
            ));
        }
        let time = row.timestamp().map_err(tsv)?;
        let ux = t.users.insert_str(row.user());
        let ix = t.items.insert_str(row.item());
        t.try_push(ux, ix, weight, time)
            .map_err(|e| DataError::parse(path, row.line() as u64, e.to_string()))?;
        n += 1;
    }
    Ok(n)
}

/// A short, marked excerpt of `s` ([`artist2vec_core::excerpt`]).
fn excerpt(s: &str) -> String {
    artist2vec_core::excerpt(s)
}

/// A reader error as this crate's error, its messages starting with the reason lenient readers
/// count (`bad number`, `missing column`, …).
fn tsv_error(path: &Path, e: MetricsError) -> DataError {
    match e {
        MetricsError::Io { path, source } => DataError::Io { path, source },
        MetricsError::EmptyFile { path, .. } => DataError::Empty {
            path,
            expected: "a header `user\\titem\\tweight`".into(),
        },
        MetricsError::NotUtf8 { path, line } => DataError::parse(
            path,
            line as u64,
            "invalid UTF-8: the line is not UTF-8 text",
        ),
        MetricsError::MissingColumn {
            path,
            line,
            expected,
            found,
            names,
        } => DataError::parse(
            path,
            line as u64,
            format!(
                "missing column: expected {expected} tab-separated columns ({names}), found {found}"
            ),
        ),
        MetricsError::Parse {
            path,
            line,
            column,
            name,
            expected,
            found,
        } => DataError::parse(
            path,
            line as u64,
            format!("bad number: column {column} ({name}): expected {expected}, found {found:?}"),
        ),
        other => DataError::parse(path, 0, other.to_string()),
    }
}

/// Reads `train.tsv`, optional `validation.tsv` and `test.tsv` from `dir` into parts that share
/// vocabularies (train's ids first, then ids only the other parts have).
///
/// # Errors
/// As [`read_tsv_into`].
pub fn read_split_dir(dir: &Path) -> Result<Split, DataError> {
    let mut train = Interactions::default();
    read_tsv_into(&dir.join("train.tsv"), &mut train)?;
    let mut validation = None;
    let vpath = dir.join("validation.tsv");
    if vpath.exists() {
        let mut v = Interactions::new(
            train.users.clone(),
            train.items.clone(),
            train.time_col().is_some(),
        );
        read_tsv_into(&vpath, &mut v)?;
        validation = Some(v);
    }
    let (users, items) = match &validation {
        Some(v) => (v.users.clone(), v.items.clone()),
        None => (train.users.clone(), train.items.clone()),
    };
    let mut test = Interactions::new(users, items, train.time_col().is_some());
    read_tsv_into(&dir.join("test.tsv"), &mut test)?;
    // Give every part the final vocabularies.
    let widen = |p: &Interactions| {
        Interactions::from_columns(
            test.users.clone(),
            test.items.clone(),
            p.user_col().to_vec(),
            p.item_col().to_vec(),
            p.weight_col().to_vec(),
            p.time_col().map(<[i64]>::to_vec),
        )
        .expect("indices of an earlier, smaller vocabulary stay valid")
    };
    let train = widen(&train);
    let validation = validation.as_ref().map(widen);
    Ok(Split {
        train,
        validation,
        test,
    })
}

/// Users (dense indices) that have at least one row in `t`, ascending.
pub fn users_of(t: &Interactions) -> Vec<u32> {
    let mut u = t.user_col().to_vec();
    u.sort_unstable();
    u.dedup();
    u
}

/// Number of distinct (user, artist) pairs per user, as a map from dense user index.
pub fn items_per_user(t: &Interactions) -> HashMap<u32, usize> {
    let mut m = HashMap::new();
    for (u, items) in t.items_by_user().into_iter().enumerate() {
        if !items.is_empty() {
            m.insert(u as u32, items.len());
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_core::Play;

    fn table(with_time: bool) -> Interactions {
        let users = Vocabulary::from_ids((0..20).map(|u| format!("{}", u * 3))).unwrap();
        let items = Vocabulary::from_ids((0..30).map(|i| format!("{}", 100 - i))).unwrap();
        let mut t = Interactions::new(users, items, with_time);
        for u in 0..20u32 {
            for i in 0..(u as usize % 13 + 1) as u32 {
                t.push(
                    u,
                    (i * 7 + u) % 30,
                    (i + 1) as f32,
                    Some((u * 100 + i) as i64),
                );
            }
        }
        t
    }

    #[test]
    fn random_holdout_counts_follow_make_split() {
        let t = table(false);
        let s = random_holdout(&t, 0.2, 5, 42).unwrap();
        let mut want_test = 0;
        for u in 0..20 {
            let n = u % 13 + 1;
            if n >= 5 {
                want_test += ((0.2 * n as f64 + 0.5).floor() as usize).max(1);
            }
        }
        assert_eq!(s.test.len(), want_test);
        assert_eq!(s.train.len() + s.test.len(), t.len());
        assert_eq!(random_holdout(&t, 0.2, 5, 42).unwrap(), s, "seeded");
        assert_ne!(random_holdout(&t, 0.2, 5, 7).unwrap().test, s.test);
        assert!(random_holdout(&t, 1.5, 5, 1).is_err());
    }

    #[test]
    fn leave_last_and_hide_top_and_cold_start() {
        let t = table(true);
        let s = leave_last_n(&t, 2).unwrap();
        for (u, n) in items_per_user(&s.test) {
            assert_eq!(n, 2, "user {u}");
        }
        // The test rows are the latest of each user.
        for r in s.test.iter() {
            let later = s
                .train
                .iter()
                .filter(|x| x.user == r.user && x.time > r.time)
                .count();
            assert_eq!(later, 0);
        }
        assert!(leave_last_n(&table(false), 1).is_err());

        let h = hide_one_of_top_n(&t, 6, 10, 1).unwrap();
        let users_with_many = (0..20).filter(|u| u % 13 + 1 > 10).count();
        assert_eq!(h.test.len(), users_with_many);
        for r in h.test.iter() {
            let better = h
                .train
                .iter()
                .filter(|x| x.user == r.user && x.weight > r.weight)
                .count();
            assert!(better < 6, "hidden artist must be among the user's top 6");
        }

        let c = cold_start_artists(&t, 0.1, 3).unwrap();
        let test_items: std::collections::HashSet<u32> =
            c.test.item_col().iter().copied().collect();
        assert!(c.train.item_col().iter().all(|i| !test_items.contains(i)));
        assert_eq!(c.train.len() + c.test.len(), t.len());
    }

    #[test]
    fn tsv_roundtrip_sorted_numeric_and_errors() {
        let dir = std::env::temp_dir().join(format!("a2v-split-{}", std::process::id()));
        let t = table(true);
        let s = random_holdout(&t, 0.3, 2, 9).unwrap();
        write_split_dir(&s, &dir).unwrap();
        let text = std::fs::read_to_string(dir.join("train.tsv")).unwrap();
        assert!(text.starts_with("user\titem\tweight\ttimestamp\n0\t"));
        let back = read_split_dir(&dir).unwrap();
        assert_eq!(back.train.len(), s.train.len());
        assert_eq!(back.test.len(), s.test.len());
        assert_eq!(back.train.users.len(), back.test.users.len());

        let bad = dir.join("bad.tsv");
        for (text, want) in [
            ("user\titem\tweight\n1\t2\tx\n", "bad.tsv:2: bad number"),
            ("user\titem\tweight\n1\t2\n", "bad.tsv:2: missing column"),
            ("", "empty file"),
            ("user\titem\tweight\n1\t2\tNaN\n", "bad.tsv:2: bad number"),
            (
                "user\titem\tweight\n1\t2\tinf\n",
                "bad.tsv:2: bad number: weight «inf»",
            ),
            (
                "user\titem\tweight\n1\t2\t1\n1\t3\t-inf\n",
                "bad.tsv:3: bad number",
            ),
            (
                "user\titem\tweight\n1\t2\t-3\n",
                "bad.tsv:2: bad number: weight «-3»",
            ),
            ("user\titem\tweight\n1\t2\t1e39\n", "bad.tsv:2: bad number"),
            (
                "user\titem\tweight\ttimestamp\n1\t2\t3\n",
                "bad.tsv:2: missing column",
            ),
            ("a\tb\n", "bad.tsv:1: bad header"),
        ] {
            std::fs::write(&bad, text).unwrap();
            let e = read_tsv_into(&bad, &mut Interactions::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        // The reader's rules: a byte-order mark, \r\n and spaces around fields are accepted.
        std::fs::write(&bad, "\u{feff}user\titem\tweight\r\n u7 \t 2 \t 3 \r\n\r\n").unwrap();
        let mut t = Interactions::default();
        assert_eq!(read_tsv_into(&bad, &mut t).unwrap(), 1);
        assert_eq!(
            (t.users.id(0), t.items.id(0), t.get(0).weight),
            ("u7", "2", 3.0)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn global_time_split_keeps_users_in_all_parts() {
        let users = Vocabulary::from_ids(["a", "b"]).unwrap();
        let items = Vocabulary::from_ids(["x", "y"]).unwrap();
        let mut s = Sessions::new(users, items, false);
        for k in 0..10i64 {
            s.push(
                k as u64,
                0,
                [Play {
                    item: (k % 2) as u32,
                    time: k * 10,
                    duration: None,
                }],
            )
            .unwrap();
        }
        // user b only early
        s.push(
            99,
            1,
            [Play {
                item: 0,
                time: 0,
                duration: None,
            }],
        )
        .unwrap();
        let g = global_time_split(&s, 0.6, 0.8).unwrap();
        assert!(g.train_sessions.iter().all(|x| x.user == 0));
        assert_eq!(
            g.train_sessions.len() + g.validation_sessions.len() + g.test_sessions.len(),
            10
        );
        assert!(g.cuts.0 < g.cuts.1);
        assert!(global_time_split(&s, 0.8, 0.6).is_err());
    }
}
