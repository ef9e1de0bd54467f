//! The data of an experiment: loaded or generated, prepared, split, and the validation part
//! that `tune` scores on.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use artist2vec::core::{ArtistContent, Interactions, Sessions, TrainingData};
use artist2vec::data::split::{
    cold_start_artists, global_time_split, hide_one_of_top_n, random_holdout, read_split_dir,
};
use artist2vec::data::{Dataset, Mode, Synthetic, formats::load_any, prepare::prepare};

use super::experiment::{Experiment, FitOn, SplitSpec, resolve};

/// One training set: rows, and sessions in play order when known.
#[derive(Debug, Clone)]
pub struct Train {
    /// User × artist rows (play counts).
    pub rows: Interactions,
    /// Sessions over the same vocabularies.
    pub sessions: Option<Sessions>,
}

impl Train {
    /// As the registry takes it.
    pub fn data(&self) -> Result<TrainingData<'_>> {
        Ok(match &self.sessions {
            Some(s) => TrainingData::with_sessions(&self.rows, s)?,
            None => TrainingData::new(&self.rows),
        })
    }
}

/// The experiment's data after preparation and splitting.
pub struct Prepared {
    /// What the models are fitted on (for cold start: the tag × artist table).
    pub train: Train,
    /// Listening rows of training (for cold start, the judges' listening data).
    pub train_listens: Interactions,
    /// Test rows.
    pub test: Interactions,
    /// Test sessions (sequence protocols).
    pub test_sessions: Option<Sessions>,
    /// The validation pair for `tune`: a training part and validation rows.
    pub validation: Option<(Train, Interactions)>,
    /// A line per fact, for the report.
    pub summary: Vec<String>,
    /// Cold start: the artists' tags as content features (every artist, the cold ones
    /// included), attached to the training plays of a model entry with `"fit_on": "plays"`.
    pub content: Option<ArtistContent>,
}

impl Prepared {
    /// What model entry `fit_on` is fitted on: the protocol's training table, or the training
    /// plays with the artists' content attached (the same thing outside cold start).
    pub fn train_for(&self, fit_on: FitOn) -> (Train, Option<&ArtistContent>) {
        match (fit_on, &self.content) {
            (FitOn::Plays, Some(c)) => (
                Train {
                    rows: self.train_listens.clone(),
                    sessions: None,
                },
                Some(c),
            ),
            _ => (self.train.clone(), None),
        }
    }
}

/// Play counts of a dataset (sessions aggregated when it has them).
fn counts(d: &Dataset) -> Interactions {
    match &d.sessions {
        Some(s) if !s.is_empty() => s.to_counts(),
        _ => d.interactions.aggregate(),
    }
}

/// Sessions without the plays of the given (user, artist) pairs.
fn without_pairs(s: &Sessions, pairs: &HashSet<(u32, u32)>) -> Sessions {
    s.filter(
        |sr, j| !pairs.contains(&(sr.user, sr.items[j])),
        |_, plays| !plays.is_empty(),
    )
}

fn pairs(t: &Interactions) -> HashSet<(u32, u32)> {
    t.iter().map(|r| (r.user, r.item)).collect()
}

/// Sessions starting before / from the `q` quantile of start times.
fn cut_sessions(s: &Sessions, q: f64) -> Result<(Sessions, Sessions)> {
    let mut starts: Vec<i64> = s.iter().map(|x| x.start()).collect();
    if starts.is_empty() {
        bail!("no sessions to split");
    }
    starts.sort_unstable();
    let cut = starts[((q * starts.len() as f64) as usize).min(starts.len() - 1)];
    Ok((
        s.filter(|_, _| true, |x, p| x.start() < cut && !p.is_empty()),
        s.filter(|_, _| true, |x, p| x.start() >= cut && !p.is_empty()),
    ))
}

/// A validation pair carved from a training set: `fraction` of each user's rows at random.
pub fn carve_validation(train: &Train, fraction: f64, seed: u64) -> Result<(Train, Interactions)> {
    let sp = random_holdout(&train.rows, fraction, 2, seed)?;
    let hidden = pairs(&sp.test);
    let sessions = train.sessions.as_ref().map(|s| without_pairs(s, &hidden));
    Ok((
        Train {
            rows: sp.train,
            sessions,
        },
        sp.test,
    ))
}

/// Loads, prepares and splits the data of `e` (`file` locates relative paths; `data_path`
/// replaces `data.path`).
pub fn prepare_data(e: &Experiment, file: &Path, data_path: Option<&Path>) -> Result<Prepared> {
    let base = file.parent().unwrap_or(Path::new("."));
    let mut summary = Vec::new();
    let seed = e.seed;
    if let (Some(dir), None) = (&e.data.split_dir, data_path) {
        let dir = resolve(base, dir)?;
        let mut sp = read_split_dir(&dir)?;
        if let Some(n) = &e.data.names {
            let p = resolve(base, n)?;
            crate::model_cmds::apply_names(&mut sp.train.items, &p)?;
        }
        summary.push(format!(
            "split directory {}: {} train rows, {} test rows, {} users, {} artists",
            dir.display(),
            sp.train.len(),
            sp.test.len(),
            sp.train.n_users(),
            sp.train.n_items()
        ));
        let train = Train {
            rows: sp.train.clone(),
            sessions: None,
        };
        let fraction = e.validation.as_ref().map_or(0.2, |v| v.fraction);
        // A validation part only where one can be carved (tune needs it; run does not).
        let validation = carve_validation(&train, fraction, seed ^ 0x5eed).ok();
        return Ok(Prepared {
            train,
            train_listens: sp.train,
            test: sp.test,
            test_sessions: None,
            validation,
            summary,
            content: None,
        });
    }
    let synth = match data_path {
        Some(_) => None,
        None => e.synth_config()?,
    };
    let mut data = if let Some(c) = synth {
        summary.push(format!(
            "generated 30Music-like data (seed {}): {} users, {} artists in {} genres, {} sessions, {} plays",
            c.seed, c.n_users, c.n_artists, c.n_genres, c.n_sessions, c.n_plays
        ));
        Synthetic::generate(&c)?.dataset
    } else {
        let p = match data_path {
            Some(p) => p.to_path_buf(),
            None => resolve(base, e.data.path.as_deref().unwrap_or_default())?,
        };
        let (d, f) =
            load_any(&p, None, Mode::Strict).with_context(|| format!("loading {}", p.display()))?;
        summary.push(format!("{} read as {}", p.display(), f.name()));
        d
    };
    if let Some(n) = &e.data.names {
        let p = resolve(base, n)?;
        crate::model_cmds::apply_names(&mut data.interactions.items, &p)?;
        if let Some(s) = &mut data.sessions {
            s.items = data.interactions.items.clone();
        }
    }
    if let Some(pc) = &e.data.prepare {
        let (d, rep) = prepare(&data, pc)?;
        for st in &rep.steps {
            summary.push(format!(
                "prepare: {}: {} → {} plays",
                st.step, st.before.plays, st.after.plays
            ));
        }
        data = d;
    }
    let sessions = data.sessions.clone().filter(|s| !s.is_empty());
    let need_sessions = || {
        sessions.clone().context(
            "this split needs sessions; the data has none (use random_holdout or hide_one_of_top)",
        )
    };
    let all = counts(&data);
    summary.push(format!(
        "after preparation: {} users, {} artists, {} (user, artist) pairs{}",
        all.n_users(),
        all.n_items(),
        all.len(),
        sessions.as_ref().map_or(String::new(), |s| format!(
            ", {} sessions, {} plays",
            s.len(),
            s.n_plays()
        ))
    ));
    let fraction = e.validation.as_ref().map_or(0.2, |v| v.fraction);
    let vseed = seed ^ 0x5eed;
    let p = match e.split {
        SplitSpec::Given => bail!(
            "split \"given\" reads the split directory of data.split_dir; --data cannot replace it"
        ),
        SplitSpec::Time { train, validation } => {
            let s = need_sessions()?;
            let sp = global_time_split(&s, train, validation)?;
            summary.push(format!(
                "global time split at the {train} and {validation} quantiles of session starts: {} / {} / {} sessions (users in all three parts)",
                sp.train_sessions.len(),
                sp.validation_sessions.len(),
                sp.test_sessions.len()
            ));
            let tr = Train {
                rows: sp.split.train.clone(),
                sessions: Some(sp.train_sessions),
            };
            let val = sp
                .split
                .validation
                .clone()
                .context("the time split has a validation part")?;
            Prepared {
                train_listens: tr.rows.clone(),
                validation: Some((tr.clone(), val)),
                train: tr,
                test: sp.split.test,
                test_sessions: Some(sp.test_sessions),
                summary,
                content: None,
            }
        }
        SplitSpec::LastSessions { fraction: f } => {
            let s = need_sessions()?;
            let (a, b) = cut_sessions(&s, 1.0 - f)?;
            let (va, vb) = cut_sessions(&a, 1.0 - fraction)?;
            summary.push(format!(
                "the last {:.0} % of sessions by start time are test: {} train, {} test sessions",
                f * 100.0,
                a.len(),
                b.len()
            ));
            let tr = Train {
                rows: a.to_counts(),
                sessions: Some(a),
            };
            Prepared {
                train_listens: tr.rows.clone(),
                validation: Some((
                    Train {
                        rows: va.to_counts(),
                        sessions: Some(va),
                    },
                    vb.to_counts(),
                )),
                train: tr,
                test: b.to_counts(),
                test_sessions: Some(b),
                summary,
                content: None,
            }
        }
        SplitSpec::RandomHoldout {
            fraction: f,
            min_items,
        } => {
            let sp = random_holdout(&all, f, min_items, seed)?;
            let hidden = pairs(&sp.test);
            summary.push(format!(
                "{:.0} % of each user's artists held out at random: {} train, {} test pairs",
                f * 100.0,
                sp.train.len(),
                sp.test.len()
            ));
            let tr = Train {
                rows: sp.train,
                sessions: sessions.as_ref().map(|s| without_pairs(s, &hidden)),
            };
            Prepared {
                train_listens: tr.rows.clone(),
                validation: carve_validation(&tr, fraction, vseed).ok(),
                train: tr,
                test: sp.test,
                test_sessions: None,
                summary,
                content: None,
            }
        }
        SplitSpec::HideOneOfTop { top_n, min_artists } => {
            let sp = hide_one_of_top_n(&all, top_n, min_artists, seed)?;
            let hidden = pairs(&sp.test);
            summary.push(format!(
                "one of each user's top {top_n} artists hidden (users with at least {min_artists} artists): {} test users",
                sp.test.len()
            ));
            let tr = Train {
                rows: sp.train,
                sessions: sessions.as_ref().map(|s| without_pairs(s, &hidden)),
            };
            let validation = hide_one_of_top_n(&tr.rows, top_n, min_artists, vseed)
                .ok()
                .map(|vsp| {
                    let vhidden = pairs(&vsp.test);
                    let vtr = Train {
                        rows: vsp.train,
                        sessions: tr.sessions.as_ref().map(|s| without_pairs(s, &vhidden)),
                    };
                    (vtr, vsp.test)
                });
            Prepared {
                train_listens: tr.rows.clone(),
                validation,
                train: tr,
                test: sp.test,
                test_sessions: None,
                summary,
                content: None,
            }
        }
        SplitSpec::ColdStart { fraction: f } => {
            let tags = data.tags.as_ref().context(
                "the cold-start protocol needs artist tags (generated data or a source with tags)",
            )?;
            let sp = cold_start_artists(&all, f, seed)?;
            let mut table = Interactions::new(tags.tags.clone(), all.items.clone(), false);
            for (a, ts) in tags.by_artist.iter().enumerate() {
                for &t in ts {
                    table.push(t, a as u32, 1.0, None);
                }
            }
            let cold: HashSet<u32> = sp.test.item_col().iter().copied().collect();
            summary.push(format!(
                "{:.0} % of artists are cold ({} with test rows); models are fitted on the tag × artist table ({} tags, {} links) of every artist (entries with \"fit_on\": \"plays\" on the training plays with every artist's tags)",
                f * 100.0,
                cold.len(),
                tags.tags.len(),
                table.len()
            ));
            Prepared {
                train: Train {
                    rows: table,
                    sessions: None,
                },
                train_listens: sp.train,
                test: sp.test,
                test_sessions: None,
                validation: None,
                summary,
                content: data.content(),
            }
        }
    };
    Ok(p)
}

/// Training data cut to some units: sessions (by index) or users (by index).
pub fn subset_train(train: &Train, sessions: Option<&[u32]>, users: Option<&[u32]>) -> Train {
    if let (Some(idx), Some(s)) = (sessions, &train.sessions) {
        let keep: HashSet<u32> = idx.iter().copied().collect();
        let sub = s.filter(|_, _| true, |x, _| keep.contains(&(x.index as u32)));
        return Train {
            rows: sub.to_counts(),
            sessions: Some(sub),
        };
    }
    if let Some(us) = users {
        let keep: HashSet<u32> = us.iter().copied().collect();
        let mut rows = train.rows.clone();
        rows.retain(|r| keep.contains(&r.user));
        let sessions = train
            .sessions
            .as_ref()
            .map(|s| s.filter(|_, _| true, |x, _| keep.contains(&x.user)));
        return Train { rows, sessions };
    }
    train.clone()
}
