//! A port of `tools/evaluate.py`: top-K evaluation of a recommendations file against a
//! train/test split, with the same rules, the same numbers (to the last digit) and the same JSON.
//!
//! The rules, from `evaluate.py`'s docstring:
//!
//! * For each user, rec rows are sorted by rank (ties: file order); duplicate items after the
//!   first occurrence are dropped (counted as `duplicates`).
//! * A recommended item that is in that user's train set is *leakage*: it is counted and removed
//!   from the list (it neither hits nor uses a slot). After removal the list is cut to K items.
//! * The users present in the test file are the evaluated users. A test user without recs scores
//!   0 on every metric. Rec rows of users not in test are ignored (counted as
//!   `recs_for_non_test_users`).
//! * Relevance is binary (the test weight is ignored); metrics as in [`crate::ranking`]
//!   (precision divides by K; `map` by min(K, |R|); `ap_allrel` by |R|). Means are plain
//!   averages over all test users.
//! * coverage@K = |union of all users' lists| / |items in train|.
//!
//! Where `evaluate.py` would produce NaN or crash, this port refuses with a typed error instead:
//! K = 0 ([`MetricsError::InvalidK`]), an empty test set or an empty training set
//! ([`MetricsError::EmptyInput`]), a NaN rank (a [`MetricsError::Parse`] error from the reader).
//! Its stderr warning about an unexpected recs header becomes an entry of
//! [`EvalReport::warnings`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::Path;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::numeric;
use crate::ranking::Metric;
use crate::tsv::{self, Interaction, RECS_HEADER, Recommendation};

/// Settings of an evaluation run.
///
/// ```
/// use artist2vec_metrics::EvalConfig;
/// let c = EvalConfig::new(10).with_per_user_decimals(None);
/// assert_eq!(c.k, 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// The cut-off K (required, at least 1).
    pub k: usize,
    /// Decimals kept in the per-user arrays of the report. Default `Some(6)`: `evaluate.py`
    /// rounds them with `numpy.round(values, 6)`, so reports compare value for value. `None`
    /// keeps full precision. Means are always computed from the unrounded values.
    pub per_user_decimals: Option<u32>,
}

impl EvalConfig {
    /// `evaluate.py`'s rounding of per-user values.
    pub const EVALUATE_PY_DECIMALS: u32 = 6;

    /// Settings for cut-off `k`, per-user values rounded like `evaluate.py`.
    pub fn new(k: usize) -> Self {
        EvalConfig {
            k,
            per_user_decimals: Some(Self::EVALUATE_PY_DECIMALS),
        }
    }

    /// Sets how many decimals the per-user arrays keep (`None`: all).
    pub fn with_per_user_decimals(mut self, decimals: Option<u32>) -> Self {
        self.per_user_decimals = decimals;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::InvalidConfig`] for more than 15
    /// decimals (beyond f64 precision).
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(MetricsError::InvalidK(self.k));
        }
        if let Some(d) = self.per_user_decimals {
            if d > 15 {
                return Err(MetricsError::InvalidConfig {
                    name: "per_user_decimals",
                    value: d.to_string(),
                    reason: "at most 15 decimals are meaningful in f64",
                });
            }
        }
        Ok(())
    }
}

/// A map from metric key (`ndcg@10`) to a value that keeps its insertion order in JSON, so a
/// report is written with `evaluate.py`'s key order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricMap<T>(pub Vec<(String, T)>);

impl<T> MetricMap<T> {
    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for MetricMap<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MetricMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MetricMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from metric name to value")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((k, v)) = access.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(MetricMap(out))
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The result of an evaluation: bookkeeping counts, means and per-user arrays, with the keys and
/// layout of `evaluate.py --out` JSON. Reports written by either tool load with
/// [`EvalReport::load`]; keys this struct does not know (`ranx`, `model`, `params`, timings…) are
/// kept in [`extra`](Self::extra) and written back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EvalReport {
    /// The cut-off K.
    pub k: usize,
    /// The training file, as given (empty when evaluated from memory).
    pub train: String,
    /// The test file, as given.
    pub test: String,
    /// The recommendations file, as given.
    pub recs: String,
    /// Users in the test set: the evaluated users.
    pub n_test_users: usize,
    /// Test users whose list is empty after duplicate and leakage removal.
    pub n_users_without_recs: usize,
    /// Test users whose final list has fewer than K items (includes those without recs).
    pub n_users_with_fewer_than_k: usize,
    /// Recommended items removed because the user has them in train.
    pub leakage_items: usize,
    /// Test users with at least one leaked item.
    pub leakage_users: usize,
    /// Repeated (user, item) rec rows dropped after the first occurrence.
    pub duplicates: usize,
    /// Raw rec rows beyond the K-th of test users (before removals).
    pub rows_beyond_k: usize,
    /// Rec rows of users not in the test set (ignored).
    pub recs_for_non_test_users: usize,
    /// Distinct items in the union of all final lists.
    pub coverage_items: usize,
    /// Distinct items in the training set.
    pub catalogue_items: usize,
    /// `coverage_items / catalogue_items`.
    pub coverage: f64,
    /// Mean of each metric over all test users, keyed `name@K`, computed from unrounded values.
    pub mean: MetricMap<f64>,
    /// Evaluated user ids, ascending.
    pub users: Vec<u32>,
    /// Per-user values of each metric, aligned with `users` (rounded as configured).
    pub per_user: MetricMap<Vec<f64>>,
    /// Other keys of the JSON file, kept as they are.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Notes about the input that did not stop the evaluation (an unexpected header, …);
    /// not part of the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl EvalReport {
    /// A report of a protocol's per-unit scores (e.g. the session protocol's per-sequence
    /// scores), so that `artist2vec compare` reads it like any evaluation: `users` are the
    /// units, `per_user` and `mean` hold every metric of `scores`, `k` is the largest cut-off,
    /// `test` and `recs` name the test data and the model; the bookkeeping counts are 0 and
    /// what the protocol left out is kept under the extra key `skipped`.
    pub fn from_protocol(
        scores: &crate::protocols::ProtocolScores,
        k: usize,
        test: &str,
        model: &str,
    ) -> Self {
        let per_user = MetricMap(
            scores
                .metrics
                .iter()
                .map(|(key, s)| (key.clone(), s.values.clone()))
                .collect(),
        );
        let mean = MetricMap(scores.means());
        let mut extra = serde_json::Map::new();
        extra.insert("unit".into(), scores.unit.clone().into());
        extra.insert(
            "skipped".into(),
            serde_json::to_value(&scores.skipped).unwrap_or_default(),
        );
        EvalReport {
            k: k.max(1),
            train: String::new(),
            test: test.to_owned(),
            recs: model.to_owned(),
            n_test_users: scores.units().len(),
            n_users_without_recs: 0,
            n_users_with_fewer_than_k: 0,
            leakage_items: 0,
            leakage_users: 0,
            duplicates: 0,
            rows_beyond_k: 0,
            recs_for_non_test_users: 0,
            coverage_items: 0,
            catalogue_items: 0,
            coverage: 0.0,
            mean,
            users: scores.units().to_vec(),
            per_user,
            extra,
            warnings: Vec::new(),
        }
    }

    /// The mean of `metric` (looked up as `name@K`), if the report has it.
    pub fn mean_of(&self, metric: Metric) -> Option<f64> {
        self.mean.get(&metric.key(self.k)).copied()
    }

    /// The per-user values of `metric` paired with [`users`](Self::users), if present.
    pub fn scores(&self, metric: Metric) -> Option<Scores> {
        self.scores_by_key(&metric.key(self.k))
    }

    /// The per-user values stored under `key` (e.g. `ndcg@10`), paired with the users.
    pub fn scores_by_key(&self, key: &str) -> Option<Scores> {
        self.per_user.get(key).map(|v| Scores {
            ids: self.users.clone(),
            values: v.clone(),
        })
    }

    /// Parses a report from JSON text; `origin` names the source in errors.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Json`] for malformed JSON or missing keys; [`MetricsError::InvalidReport`]
    /// if a per-user array does not have one value per user, or `k` is 0.
    pub fn from_json_str(text: &str, origin: impl AsRef<Path>) -> Result<Self> {
        let origin = origin.as_ref();
        let report: EvalReport =
            serde_json::from_str(text).map_err(|source| MetricsError::Json {
                path: origin.to_path_buf(),
                source,
            })?;
        report.check(&origin.display().to_string())?;
        Ok(report)
    }

    /// Loads a report written by `evaluate.py --out` or by [`EvalReport::save`].
    ///
    /// # Errors
    ///
    /// [`MetricsError::Io`] if the file cannot be read, otherwise as
    /// [`from_json_str`](Self::from_json_str).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| MetricsError::io(path, e))?;
        Self::from_json_str(&text, path)
    }

    /// The report as JSON text (one line, like `evaluate.py`).
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// Writes the report as JSON to `path`, through a temporary file renamed into place so a
    /// crash never leaves half a file.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Io`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(".tmp");
        let tmp = Path::new(&tmp_name);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(tmp)?;
            f.write_all(self.to_json_string().as_bytes())?;
            f.sync_all()?;
            std::fs::rename(tmp, path)
        };
        write().map_err(|e| MetricsError::io(path, e))
    }

    fn check(&self, origin: &str) -> Result<()> {
        let bad = |reason: String| MetricsError::InvalidReport {
            origin: origin.to_owned(),
            reason,
        };
        if self.k == 0 {
            return Err(bad("k is 0".into()));
        }
        for (key, values) in &self.per_user.0 {
            if values.len() != self.users.len() {
                return Err(bad(format!(
                    "per_user[{key:?}] has {} values for {} users",
                    values.len(),
                    self.users.len()
                )));
            }
        }
        Ok(())
    }
}

/// Evaluates a recommendations file against a train/test split, like
/// `evaluate.py --train T --test T --recs R --k K`.
///
/// The report's `train`, `test` and `recs` fields hold the paths as given.
///
/// # Errors
///
/// Reader errors ([`MetricsError::Io`], [`MetricsError::EmptyFile`], [`MetricsError::Parse`],
/// [`MetricsError::MissingColumn`], [`MetricsError::NotUtf8`]) and those of [`evaluate`].
///
/// ```no_run
/// use artist2vec_metrics::{evaluate_files, EvalConfig, Metric, Gain};
/// let report = evaluate_files(&EvalConfig::new(10), "train.tsv", "test.tsv", "recs.tsv")?;
/// println!("NDCG@10 = {:.5}", report.mean_of(Metric::Ndcg(Gain::Linear)).unwrap());
/// report.save("eval.json")?;
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn evaluate_files(
    config: &EvalConfig,
    train: impl AsRef<Path>,
    test: impl AsRef<Path>,
    recs: impl AsRef<Path>,
) -> Result<EvalReport> {
    config.validate()?;
    let (train, test, recs) = (train.as_ref(), test.as_ref(), recs.as_ref());
    let train_t = tsv::read_interactions(train)?;
    let test_t = tsv::read_interactions(test)?;
    let recs_t = tsv::read_recommendations(recs)?;
    let mut warnings = Vec::new();
    let got: Vec<String> = recs_t
        .header
        .iter()
        .take(3)
        .map(|h| h.trim().to_lowercase())
        .collect();
    if got != RECS_HEADER {
        warnings.push(format!(
            "{}: recs header is {:?}, expected user/item/rank",
            recs.display(),
            recs_t.header
        ));
    }
    for (path, header) in [
        (train, &train_t.header),
        (test, &test_t.header),
        (recs, &recs_t.header),
    ] {
        if header.len() >= 2 && header[..2].iter().all(|h| h.trim().parse::<u32>().is_ok()) {
            warnings.push(format!(
                "{}: the first line {:?} looks like data; it was read as the header and skipped",
                path.display(),
                header.join("\t")
            ));
        }
    }
    let mut report = evaluate_with_origin(
        config,
        &train_t.rows,
        &test_t.rows,
        &recs_t.rows,
        Some([train, test, recs]),
    )?;
    report.train = train.display().to_string();
    report.test = test.display().to_string();
    report.recs = recs.display().to_string();
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// Evaluates in-memory rows with `evaluate.py`'s rules (see the [module docs](self)).
///
/// `recs` must be in file order: it breaks ties between equal ranks. The report's `train`,
/// `test` and `recs` fields are empty strings; set them if you like.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::EmptyInput`] if `test` or `train` has
/// no rows; [`MetricsError::NonFinite`] if a rank is NaN.
///
/// ```
/// use artist2vec_metrics::{evaluate, EvalConfig, Interaction, Recommendation};
/// let row = |user, item| Interaction { user, item, weight: 1.0 };
/// let train = [row(1, 10), row(1, 11)];
/// let test = [row(1, 12)];
/// let recs = [
///     Recommendation { user: 1, item: 10, rank: 1.0 }, // seen in train: leakage, removed
///     Recommendation { user: 1, item: 12, rank: 2.0 },
/// ];
/// let report = evaluate(&EvalConfig::new(2), &train, &test, &recs)?;
/// assert_eq!(report.leakage_items, 1);
/// assert_eq!(report.mean.get("mrr@2"), Some(&1.0));
/// assert_eq!(report.mean.get("precision@2"), Some(&0.5));
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn evaluate(
    config: &EvalConfig,
    train: &[Interaction],
    test: &[Interaction],
    recs: &[Recommendation],
) -> Result<EvalReport> {
    evaluate_with_origin(config, train, test, recs, None)
}

fn evaluate_with_origin(
    config: &EvalConfig,
    train: &[Interaction],
    test: &[Interaction],
    recs: &[Recommendation],
    origin: Option<[&Path; 3]>,
) -> Result<EvalReport> {
    config.validate()?;
    let k = config.k;
    let name = |i: usize| origin.map(|o| o[i].display().to_string());
    if test.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "test set (no users to evaluate)",
            origin: name(1),
        });
    }
    if train.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "training set (the catalogue for coverage)",
            origin: name(0),
        });
    }
    if let Some(r) = recs.iter().find(|r| r.rank.is_nan()) {
        return Err(MetricsError::NonFinite {
            what: "ranks",
            detail: format!("user {} item {} has rank NaN", r.user, r.item),
        });
    }

    let mut seen: HashMap<u32, HashSet<u32>> = HashMap::new();
    let mut train_items: HashSet<u32> = HashSet::new();
    for r in train {
        seen.entry(r.user).or_default().insert(r.item);
        train_items.insert(r.item);
    }
    let mut rel: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    for r in test {
        rel.entry(r.user).or_default().insert(r.item);
    }
    let users: Vec<u32> = rel.keys().copied().collect();

    // (rank, file position, item) per user, as evaluate.py's tuples.
    let mut recs_by_user: HashMap<u32, Vec<(f64, usize, u32)>> = HashMap::new();
    for (pos, r) in recs.iter().enumerate() {
        recs_by_user
            .entry(r.user)
            .or_default()
            .push((r.rank, pos, r.item));
    }
    let non_test: usize = recs_by_user
        .iter()
        .filter(|(u, _)| !rel.contains_key(u))
        .map(|(_, v)| v.len())
        .sum();

    let empty_seen = HashSet::new();
    let (mut leakage, mut leakage_users, mut duplicates, mut over_k_rows) = (0, 0, 0, 0);
    let mut lists: Vec<Vec<u32>> = Vec::with_capacity(users.len());
    for &u in &users {
        let mut cand = recs_by_user.remove(&u).unwrap_or_default();
        // Python compares floats with `<`: -0.0 and 0.0 tie (then file order decides), so use
        // partial_cmp (no NaN here) rather than total_cmp.
        cand.sort_by(|a, b| {
            a.0.partial_cmp(&b.0)
                .expect("NaN ranks were refused")
                .then(a.1.cmp(&b.1))
        });
        if cand.len() > k {
            over_k_rows += cand.len() - k;
        }
        let seen_u = seen.get(&u).unwrap_or(&empty_seen);
        let mut used = HashSet::with_capacity(cand.len());
        let mut out = Vec::with_capacity(cand.len().min(k));
        let mut leaked_here = 0;
        for &(_, _, i) in &cand {
            if !used.insert(i) {
                duplicates += 1;
                continue;
            }
            if seen_u.contains(&i) {
                leaked_here += 1;
                continue;
            }
            out.push(i);
        }
        leakage += leaked_here;
        leakage_users += usize::from(leaked_here > 0);
        out.truncate(k);
        lists.push(out);
    }

    let metrics = Metric::EVALUATE_PY;
    let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(users.len()); metrics.len()];
    let mut covered: HashSet<u32> = HashSet::new();
    let (mut without, mut fewer) = (0, 0);
    for (u, list) in users.iter().zip(&lists) {
        let r = &rel[u];
        without += usize::from(list.is_empty());
        fewer += usize::from(list.len() < k);
        covered.extend(list.iter().copied());
        for (m, col) in metrics.iter().zip(per.iter_mut()) {
            col.push(m.score(list, r, k));
        }
    }

    let mean = MetricMap(
        metrics
            .iter()
            .zip(&per)
            .map(|(m, v)| (m.key(k), numeric::mean(v)))
            .collect(),
    );
    let per_user = MetricMap(
        metrics
            .iter()
            .zip(per)
            .map(|(m, mut v)| {
                if let Some(d) = config.per_user_decimals {
                    for x in &mut v {
                        *x = numeric::round_like_numpy(*x, d);
                    }
                }
                (m.key(k), v)
            })
            .collect(),
    );
    Ok(EvalReport {
        k,
        train: String::new(),
        test: String::new(),
        recs: String::new(),
        n_test_users: users.len(),
        n_users_without_recs: without,
        n_users_with_fewer_than_k: fewer,
        leakage_items: leakage,
        leakage_users,
        duplicates,
        rows_beyond_k: over_k_rows,
        recs_for_non_test_users: non_test,
        coverage_items: covered.len(),
        catalogue_items: train_items.len(),
        coverage: covered.len() as f64 / train_items.len() as f64,
        mean,
        users,
        per_user,
        extra: serde_json::Map::new(),
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user: u32, item: u32) -> Interaction {
        Interaction {
            user,
            item,
            weight: 1.0,
        }
    }
    fn rec(user: u32, item: u32, rank: f64) -> Recommendation {
        Recommendation { user, item, rank }
    }

    #[test]
    fn bookkeeping_follows_evaluate_py() {
        let train = [row(1, 100), row(2, 200), row(3, 300)];
        let test = [row(1, 1), row(1, 2), row(2, 3)];
        let recs = [
            rec(1, 5, 2.0),
            rec(1, 1, 1.0),
            rec(1, 1, 3.0),   // duplicate
            rec(1, 100, 0.5), // leakage, ranked first
            rec(1, 2, 2.0),   // ties with item 5 at rank 2: file order puts 5 first
            rec(9, 7, 1.0),   // not a test user
            rec(9, 8, 2.0),
        ];
        let r = evaluate(&EvalConfig::new(2), &train, &test, &recs).unwrap();
        assert_eq!(r.users, vec![1, 2]);
        assert_eq!(r.n_test_users, 2);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.leakage_items, 1);
        assert_eq!(r.leakage_users, 1);
        assert_eq!(r.rows_beyond_k, 3); // user 1 has 5 raw rows, K = 2
        assert_eq!(r.recs_for_non_test_users, 2);
        assert_eq!(r.n_users_without_recs, 1);
        assert_eq!(r.n_users_with_fewer_than_k, 1);
        // User 1's list: [1, 5] (100 leaked, 2 cut by K).
        assert_eq!(r.coverage_items, 2);
        assert_eq!(r.catalogue_items, 3);
        assert_eq!(r.coverage, 2.0 / 3.0);
        let p = r.scores(Metric::Precision).unwrap();
        assert_eq!(p.values, vec![0.5, 0.0]);
        assert_eq!(r.mean_of(Metric::Mrr), Some(0.5));
        assert_eq!(r.mean_of(Metric::Map), Some(0.25)); // (1/1)/min(2,2) = 0.5 for user 1
        assert_eq!(r.mean.keys().collect::<Vec<_>>()[2], "ndcg@2");
    }

    #[test]
    fn negative_zero_ties_with_zero_like_python() {
        let train = [row(1, 100)];
        let test = [row(1, 2)];
        let recs = [rec(1, 2, 0.0), rec(1, 3, -0.0)];
        let r = evaluate(&EvalConfig::new(1), &train, &test, &recs).unwrap();
        assert_eq!(r.mean_of(Metric::HitRate), Some(1.0));
    }

    #[test]
    fn degenerate_inputs_are_refused() {
        let c = EvalConfig::new(10);
        let some = [row(1, 1)];
        assert!(matches!(
            evaluate(&c, &some, &[], &[]),
            Err(MetricsError::EmptyInput { .. })
        ));
        assert!(matches!(
            evaluate(&c, &[], &some, &[]),
            Err(MetricsError::EmptyInput { .. })
        ));
        assert!(matches!(
            evaluate(&EvalConfig::new(0), &some, &some, &[]),
            Err(MetricsError::InvalidK(0))
        ));
        assert!(matches!(
            evaluate(&c, &some, &some, &[rec(1, 1, f64::NAN)]),
            Err(MetricsError::NonFinite { .. })
        ));
        assert!(
            EvalConfig::new(1)
                .with_per_user_decimals(Some(16))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn report_json_round_trips_with_extra_keys_and_order() {
        let r = evaluate(
            &EvalConfig::new(3),
            &[row(1, 9)],
            &[row(1, 1)],
            &[rec(1, 1, 1.0)],
        )
        .unwrap();
        let json = r.to_json_string();
        let text = format!(
            "{},\"ranx\": {{\"error\": \"ranx unavailable\"}}}}",
            &json[..json.len() - 1]
        );
        let back = EvalReport::from_json_str(&text, "x.json").unwrap();
        assert_eq!(back.extra["ranx"]["error"], "ranx unavailable");
        assert_eq!(back.mean, r.mean);
        assert_eq!(back.per_user, r.per_user);
        let out = back.to_json_string();
        assert!(out.find("\"k\"").unwrap() < out.find("\"mean\"").unwrap());
        assert!(out.find("\"precision@3\"").unwrap() < out.find("\"recall@3\"").unwrap());
        assert!(out.contains("\"ranx\""));

        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["per_user"]["ndcg@3"] = serde_json::json!([1.0, 2.0]);
        let e = EvalReport::from_json_str(&v.to_string(), "x.json").unwrap_err();
        assert!(matches!(e, MetricsError::InvalidReport { .. }), "{e}");
        let e = EvalReport::from_json_str("{\"k\": 10}", "x.json").unwrap_err();
        assert!(matches!(e, MetricsError::Json { .. }));
    }

    #[test]
    fn per_user_values_are_rounded_but_means_are_not() {
        // MRR 1/3 for one user, 1 for another.
        let train = [row(1, 9), row(2, 9)];
        let test = [row(1, 3), row(2, 1)];
        let recs = [
            rec(1, 1, 1.0),
            rec(1, 2, 2.0),
            rec(1, 3, 3.0),
            rec(2, 1, 1.0),
        ];
        let r = evaluate(&EvalConfig::new(3), &train, &test, &recs).unwrap();
        assert_eq!(r.scores(Metric::Mrr).unwrap().values, vec![0.333333, 1.0]);
        assert_eq!(r.mean_of(Metric::Mrr), Some((1.0 / 3.0 + 1.0) / 2.0));
        let full = evaluate(
            &EvalConfig::new(3).with_per_user_decimals(None),
            &train,
            &test,
            &recs,
        )
        .unwrap();
        assert_eq!(
            full.scores(Metric::Mrr).unwrap().values,
            vec![1.0 / 3.0, 1.0]
        );
    }
}
