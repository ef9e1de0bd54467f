//! Experiment files: what data, how it is prepared and split, which models with which
//! configurations, the protocol, the metrics, the significance design and the seed.
//!
//! ```json
//! {
//!   "name": "000 skip-gram vs weighted MF",
//!   "seed": 42,
//!   "data": {"synth": {"preset": "small", "n_sessions": 6000}, "prepare": {"min_artist_plays": 5}},
//!   "split": {"kind": "time", "train": 0.6, "validation": 0.8},
//!   "protocol": {"kind": "holdout"},
//!   "metrics": ["precision@1", "precision@10", "map_nb000@20", "map@20", "ndcg@20"],
//!   "models": [
//!     {"name": "wmf", "model": "wmf", "config": {"factors": 20}},
//!     {"name": "skipgram", "model": "skipgram", "config": {"dim": 50},
//!      "tune": {"space": {"window.fixed": {"type": "int", "low": 2, "high": 10}}, "trials": 8}}
//!   ],
//!   "reference": "wmf",
//!   "significance": {"design": "subsample", "unit": "sessions", "runs": 5, "fraction": 0.5,
//!                    "test": "mann_whitney"},
//!   "neighbours": {"artists": ["Кино"], "most_popular": 2, "k": 10}
//! }
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use artist2vec::data::{PrepareConfig, SynthConfig};
use artist2vec::stats::Alternative;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::score::MetricSpec;
use super::tune::TuneSpec;

fn default_seed() -> u64 {
    42
}

/// A whole experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Its title.
    pub name: String,
    /// What it studies (copied into the report).
    #[serde(default)]
    pub description: String,
    /// Seed of the generated data (unless it sets its own), the splits, the subsamples and of
    /// every model whose configuration has a `seed` and does not set it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Where the data comes from and how it is prepared.
    pub data: DataSpec,
    /// How it is split into train and test.
    pub split: SplitSpec,
    /// How the validation set used by `tune` is carved from train (default: 20 % of each
    /// user's training rows at random; a time split uses its own validation part).
    #[serde(default)]
    pub validation: Option<ValidationSpec>,
    /// What is measured on the test part.
    pub protocol: ProtocolSpec,
    /// Metric keys (`ndcg@10`, `map_nb000@20`, …); the first one picks the best model.
    pub metrics: Vec<String>,
    /// The models.
    pub models: Vec<ModelSpec>,
    /// The model the others are tested against: an entry's name, or `"best"` (the highest
    /// mean of the first metric). Default: the first model.
    #[serde(default)]
    pub reference: Option<String>,
    /// The significance design.
    #[serde(default)]
    pub significance: SignificanceSpec,
    /// Neighbour lists of named artists in the report.
    #[serde(default)]
    pub neighbours: Option<NeighboursSpec>,
}

/// The data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Generated 30Music-like data: `{"preset": "tiny" | "small", …SynthConfig fields}`.
    #[serde(default)]
    pub synth: Option<serde_json::Map<String, Value>>,
    /// A dataset in any format `artist2vec stats` reads (idomaar directory, Last.fm-1K TSV,
    /// hetrec directory, .a2vd, CSV/Parquet); relative to the experiment file;
    /// `$ARTIST2VEC_DATA/…` is expanded.
    #[serde(default)]
    pub path: Option<String>,
    /// A split directory (train.tsv + test.tsv), for `"split": {"kind": "given"}`.
    #[serde(default)]
    pub split_dir: Option<String>,
    /// Artist names (`id<TAB>name` lines, e.g. hetrec's artists.dat).
    #[serde(default)]
    pub names: Option<String>,
    /// Preparation steps (fields left out take the defaults of `artist2vec prepare`); none when
    /// absent.
    #[serde(default)]
    pub prepare: Option<PrepareConfig>,
}

/// How the data is split.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SplitSpec {
    /// The split directory of `data.split_dir`, as it is.
    Given,
    /// Global time split of sessions at the `train` and `validation` quantiles of session
    /// start times (notebook 000: 0.6 and 0.8); test = the sessions after the second cut.
    Time {
        /// First cut.
        train: f64,
        /// Second cut.
        validation: f64,
    },
    /// The last `fraction` of sessions by start time are test (sequence protocols).
    LastSessions {
        /// Share of sessions held out.
        fraction: f64,
    },
    /// `fraction` of each user's rows at random.
    RandomHoldout {
        /// Share of rows held out.
        fraction: f64,
        /// Users with fewer artists keep everything in train.
        #[serde(default)]
        min_items: usize,
    },
    /// One of each user's `top_n` artists hidden (notebook 002: 6, users with > 10 artists).
    HideOneOfTop {
        /// How many top artists the hidden one is drawn from.
        top_n: usize,
        /// Users with fewer artists are not evaluated.
        min_artists: usize,
    },
    /// `fraction` of the artists are cold: all their rows go to test.
    ColdStart {
        /// Share of artists.
        fraction: f64,
    },
}

/// The validation set of `tune`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationSpec {
    /// Share of each user's training rows held out for validation.
    pub fraction: f64,
}

/// The protocol.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProtocolSpec {
    /// Top-k per test user with training artists excluded, binary relevance, every test user
    /// counted (`evaluate.py`); any metric of `metrics` (standard or notebook variant).
    Holdout,
    /// Next artist of each test session as the nearest neighbour of the current one
    /// (notebook 001); metrics `accuracy`, `hit_rate@k`, `mrr@k`.
    NextArtist {
        /// Neighbours listed.
        #[serde(default = "one")]
        k: usize,
        /// Remove repeated artists first.
        #[serde(default = "yes")]
        remove_repeats: bool,
    },
    /// Next item at every step of each test session, the history so far as the query
    /// (notebook 004); metrics `map@k`, `precision@k`, `hit_rate@k`, `accuracy`.
    SessionNextItem {
        /// Cut-off.
        #[serde(default = "twenty")]
        k: usize,
        /// Leave the session's artists out of each step's list.
        #[serde(default)]
        exclude_history: bool,
        /// Remove repeated artists first.
        #[serde(default)]
        remove_repeats: bool,
    },
    /// Cold-start artists: the models are fitted on the content (tag × artist) table of every
    /// artist instead of listening data; each cold artist's warm neighbours are judged by shared
    /// listeners (notebook 003); metrics `map@k`, `precision@k`, `ndcg@k`.
    ColdStart {
        /// Cut-off.
        #[serde(default = "ten")]
        k: usize,
    },
}

fn one() -> usize {
    1
}
fn ten() -> usize {
    10
}
fn twenty() -> usize {
    20
}
fn yes() -> bool {
    true
}

/// One model of the experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Its name in the report (unique).
    pub name: String,
    /// The registry model.
    pub model: String,
    /// Its configuration (fields left out take the model's defaults).
    #[serde(default)]
    pub config: serde_json::Map<String, Value>,
    /// Tune it first, on the validation split only; the best configuration is then fitted.
    #[serde(default)]
    pub tune: Option<TuneSpec>,
    /// What it is fitted on (matters for cold start only, where the protocol's table is the
    /// tag × artist table): `"table"` (default) or `"plays"`, the training plays with every
    /// artist's tags attached — for content models such as `content`, which learn from
    /// listening data and map tags onto it.
    #[serde(default, skip_serializing_if = "FitOn::is_table")]
    pub fit_on: FitOn,
}

/// What a model entry is fitted on ([`ModelSpec::fit_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitOn {
    /// The protocol's training table (for cold start the tag × artist table).
    #[default]
    Table,
    /// The training plays, with the artists' content (tags) attached.
    Plays,
}

impl FitOn {
    /// The default.
    pub fn is_table(&self) -> bool {
        *self == FitOn::Table
    }
}

/// Paired test on per-unit scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairedTest {
    /// Wilcoxon signed-rank.
    Wilcoxon,
    /// Paired t-test.
    TTest,
}

/// Test between the per-run means of two models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunsTest {
    /// Mann–Whitney U.
    MannWhitney,
    /// Welch's t-test.
    TTest,
}

/// What a subsample draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Training sessions; every model is refitted on each subsample, evaluated on the whole
    /// test part (notebook 000).
    Sessions,
    /// Users; train and test are cut to them and every model is refitted.
    Users,
    /// Test units (users or sequences) without refitting (notebook 002).
    TestUnits,
}

/// Which alternative hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Different.
    #[default]
    TwoSided,
    /// The model is better than the reference.
    Greater,
    /// The model is worse than the reference.
    Less,
}

impl Side {
    /// As the stats crate spells it.
    pub fn alternative(self) -> Alternative {
        match self {
            Side::TwoSided => Alternative::TwoSided,
            Side::Greater => Alternative::Greater,
            Side::Less => Alternative::Less,
        }
    }
}

/// The significance design.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "design", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignificanceSpec {
    /// Paired test of every model against the reference on the per-unit scores.
    Paired {
        /// Wilcoxon (default) or t-test.
        #[serde(default = "wilcoxon")]
        test: PairedTest,
        /// The alternative hypothesis (model vs reference).
        #[serde(default)]
        alternative: Side,
    },
    /// `runs` subsamples of `fraction` of the units; one mean per run and model; a test on the
    /// run means of each model against the reference's.
    Subsample {
        /// What is drawn.
        unit: Unit,
        /// How many subsamples.
        runs: usize,
        /// Their share of the units.
        fraction: f64,
        /// Mann–Whitney U or Welch's t-test.
        test: RunsTest,
        /// The alternative hypothesis.
        #[serde(default)]
        alternative: Side,
    },
}

fn wilcoxon() -> PairedTest {
    PairedTest::Wilcoxon
}

impl Default for SignificanceSpec {
    fn default() -> Self {
        SignificanceSpec::Paired {
            test: PairedTest::Wilcoxon,
            alternative: Side::TwoSided,
        }
    }
}

/// Neighbour lists in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighboursSpec {
    /// Artists by name or id (absent ones are listed as such).
    #[serde(default)]
    pub artists: Vec<String>,
    /// Also the n artists with the most training listeners.
    #[serde(default)]
    pub most_popular: usize,
    /// List length.
    #[serde(default = "ten")]
    pub k: usize,
    /// Only neighbours with at least this many training listeners.
    #[serde(default = "one_u32")]
    pub min_listeners: u32,
}

fn one_u32() -> u32 {
    1
}

impl Experiment {
    /// Reads and checks an experiment file.
    pub fn load(path: &Path) -> Result<Experiment> {
        let e: Experiment = super::tune::read_json(path)?;
        e.check()
            .map_err(shortened)
            .with_context(|| format!("in {}", path.display()))?;
        Ok(e)
    }

    /// An experiment from the text of its file, checked ([`check`](Self::check)).
    ///
    /// # Errors
    /// The JSON's line and column, or what [`check`](Self::check) refuses.
    pub fn parse(text: &str) -> Result<Experiment> {
        let e: Experiment = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: {}",
                e.line(),
                e.column(),
                artist2vec::core::shorten_quotes(&e.to_string())
            )
        })?;
        e.check().map_err(shortened)?;
        Ok(e)
    }

    /// Everything that can be checked before any work.
    pub fn check(&self) -> Result<()> {
        let d = &self.data;
        let sources = [d.synth.is_some(), d.path.is_some(), d.split_dir.is_some()];
        if sources.iter().filter(|&&b| b).count() != 1 {
            bail!("data: give exactly one of \"synth\", \"path\" and \"split_dir\"");
        }
        self.synth_config()?;
        if matches!(self.split, SplitSpec::Given) != d.split_dir.is_some() {
            bail!("split: \"kind\": \"given\" goes with data.split_dir, and only with it");
        }
        let frac = |name: &str, v: f64| -> Result<()> {
            if !(v > 0.0 && v < 1.0) {
                bail!("{name} must lie strictly between 0 and 1, found {v}");
            }
            Ok(())
        };
        match self.split {
            SplitSpec::Time { train, validation } => {
                frac("split.train", train)?;
                frac("split.validation", validation)?;
                if train >= validation {
                    bail!("split: train ({train}) must be below validation ({validation})");
                }
            }
            SplitSpec::LastSessions { fraction } | SplitSpec::ColdStart { fraction } => {
                frac("split.fraction", fraction)?
            }
            SplitSpec::RandomHoldout { fraction, .. } => frac("split.fraction", fraction)?,
            SplitSpec::HideOneOfTop { top_n, .. } => {
                if top_n == 0 || top_n > 100_000 {
                    bail!("split.top_n must be between 1 and 100000, found {top_n}");
                }
            }
            SplitSpec::Given => {}
        }
        if let Some(v) = &self.validation {
            frac("validation.fraction", v.fraction)?;
        }
        let seq = matches!(
            self.protocol,
            ProtocolSpec::NextArtist { .. } | ProtocolSpec::SessionNextItem { .. }
        );
        if seq
            && !matches!(
                self.split,
                SplitSpec::Time { .. } | SplitSpec::LastSessions { .. }
            )
        {
            bail!(
                "protocol: a sequence protocol needs a split of sessions (\"time\" or \"last_sessions\")"
            );
        }
        if matches!(self.protocol, ProtocolSpec::ColdStart { .. })
            != matches!(self.split, SplitSpec::ColdStart { .. })
        {
            bail!("protocol \"cold_start\" goes with split \"cold_start\", and only with it");
        }
        match self.protocol {
            ProtocolSpec::NextArtist { k, .. }
            | ProtocolSpec::SessionNextItem { k, .. }
            | ProtocolSpec::ColdStart { k } => {
                if k == 0 || k > 100_000 {
                    bail!("protocol.k must be between 1 and 100000, found {k}");
                }
            }
            ProtocolSpec::Holdout => {}
        }
        if self.metrics.is_empty() {
            bail!("metrics: give at least one metric key");
        }
        if matches!(self.protocol, ProtocolSpec::Holdout) {
            for m in &self.metrics {
                MetricSpec::parse(m)?;
            }
        }
        if self.models.is_empty() {
            bail!("models: give at least one model");
        }
        let registry = artist2vec::registry();
        for (i, m) in self.models.iter().enumerate() {
            if self.models[..i].iter().any(|o| o.name == m.name) {
                bail!("models: the name {:?} is used twice", m.name);
            }
            let family = registry
                .get(&m.model)
                .with_context(|| format!("model {:?}", m.name))?;
            // Values, and what the fit needs (the device asked for), before any work.
            family
                .check_fit_json(&Value::Object(m.config.clone()).to_string())
                .with_context(|| format!("model {:?}", m.name))?;
            if let Some(t) = &m.tune {
                let mut t = t.clone();
                let mut base = m.config.clone();
                base.extend(t.config.clone());
                t.config = base;
                t.check(family)
                    .with_context(|| format!("model {:?}: tune", m.name))?;
            }
        }
        if let Some(r) = &self.reference {
            if r != "best" && !self.models.iter().any(|m| &m.name == r) {
                bail!("reference {r:?} is neither \"best\" nor one of the models' names");
            }
        }
        if let SignificanceSpec::Subsample {
            runs,
            fraction,
            unit,
            ..
        } = &self.significance
        {
            if *runs < 2 || *runs > 10_000 {
                bail!("significance.runs must be between 2 and 10000, found {runs}");
            }
            frac("significance.fraction", *fraction)?;
            if *unit == Unit::Sessions && self.data.split_dir.is_some() {
                bail!("significance.unit \"sessions\" needs data with sessions (synth or path)");
            }
            if *unit != Unit::TestUnits && matches!(self.protocol, ProtocolSpec::ColdStart { .. }) {
                bail!(
                    "significance: the cold-start protocol refits on no subsample (its models \
                     are fitted on the tag table or on the plays); use the paired design or \
                     \"unit\": \"test_units\""
                );
            }
        }
        if let Some(n) = &self.neighbours {
            if n.k == 0 || n.k > 1000 {
                bail!("neighbours.k must be between 1 and 1000, found {}", n.k);
            }
            if n.most_popular > 1000 {
                bail!("neighbours.most_popular must be at most 1000");
            }
        }
        Ok(())
    }

    /// The synthetic data configuration: the preset, then the fields given.
    pub fn synth_config(&self) -> Result<Option<SynthConfig>> {
        let Some(s) = &self.data.synth else {
            return Ok(None);
        };
        let mut s = s.clone();
        let preset = match s.remove("preset") {
            None => SynthConfig::small(),
            Some(Value::String(p)) if p == "small" => SynthConfig::small(),
            Some(Value::String(p)) if p == "tiny" => SynthConfig::tiny(),
            Some(p) => bail!("data.synth.preset: expected \"tiny\" or \"small\", found {p}"),
        };
        let mut v = serde_json::to_value(preset.with_seed(self.seed))?;
        if let Value::Object(m) = &mut v {
            m.extend(s);
        }
        let c: SynthConfig =
            serde_json::from_value(v).context("data.synth: not a generator configuration")?;
        c.validate().context("data.synth")?;
        Ok(Some(c))
    }
}

/// The error with its causes on one line and every quoted stretch of the input (a model name,
/// a metric key, a path) cut to a short excerpt, so that a megabyte-long name in a file is
/// not printed back whole.
fn shortened(e: anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!(artist2vec::core::shorten_quotes(&format!("{e:#}")))
}

/// Resolves a path of the experiment file: `$ARTIST2VEC_DATA/…` from the environment, relative
/// paths against the file's directory.
pub fn resolve(base: &Path, p: &str) -> Result<PathBuf> {
    if let Some(rest) = p.strip_prefix("$ARTIST2VEC_DATA") {
        let root = std::env::var_os("ARTIST2VEC_DATA").with_context(|| {
            format!("{p}: set ARTIST2VEC_DATA to the data directory (it holds splits/ and hetrec2011-lastfm-2k/)")
        })?;
        return Ok(PathBuf::from(root).join(rest.trim_start_matches('/')));
    }
    let p = PathBuf::from(p);
    Ok(if p.is_absolute() { p } else { base.join(p) })
}
