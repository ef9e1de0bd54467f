//! Preparation steps with the seed notebooks' defaults, each optional and reported.
//!
//! Steps run in this order on sessions: drop short plays → collapse consecutive repeats →
//! keep artists with enough plays → keep sessions with enough distinct artists → keep users with
//! enough distinct artists. Each step records plays, sessions, users and artists before and
//! after, and every removed play is counted in the [`Report`](crate::Report) under the step's name.

use std::collections::HashSet;

use artist2vec_core::{Interactions, Sessions};
use serde::{Deserialize, Serialize};

use crate::{DataError, Dataset};

/// Which preparation steps run, with their thresholds (`None` = step off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrepareConfig {
    /// Drop plays shorter than this many seconds (plays of unknown duration are kept).
    /// Default 30, as in the notebooks.
    pub min_play_seconds: Option<u32>,
    /// Collapse consecutive plays of the same artist within a session into one. Default on.
    pub collapse_repeats: bool,
    /// Keep artists with at least this many plays (after the steps above). Default 100.
    pub min_artist_plays: Option<u64>,
    /// Keep sessions with at least this many distinct artists. Default 2.
    pub min_session_artists: Option<usize>,
    /// Keep users with at least this many distinct artists. Default off.
    pub min_user_artists: Option<usize>,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        Self {
            min_play_seconds: Some(30),
            collapse_repeats: true,
            min_artist_plays: Some(100),
            min_session_artists: Some(2),
            min_user_artists: None,
        }
    }
}

impl PrepareConfig {
    /// Every step off.
    pub fn none() -> Self {
        Self {
            min_play_seconds: None,
            collapse_repeats: false,
            min_artist_plays: None,
            min_session_artists: None,
            min_user_artists: None,
        }
    }
    /// Sets the minimum play time in seconds.
    pub fn with_min_play_seconds(mut self, v: Option<u32>) -> Self {
        self.min_play_seconds = v;
        self
    }
    /// Turns collapsing of consecutive repeats on or off.
    pub fn with_collapse_repeats(mut self, v: bool) -> Self {
        self.collapse_repeats = v;
        self
    }
    /// Sets the minimum number of plays per artist.
    pub fn with_min_artist_plays(mut self, v: Option<u64>) -> Self {
        self.min_artist_plays = v;
        self
    }
    /// Sets the minimum number of distinct artists per session.
    pub fn with_min_session_artists(mut self, v: Option<usize>) -> Self {
        self.min_session_artists = v;
        self
    }
    /// Sets the minimum number of distinct artists per user.
    pub fn with_min_user_artists(mut self, v: Option<usize>) -> Self {
        self.min_user_artists = v;
        self
    }
}

/// Sizes of the data at one point of preparation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Plays (or interaction rows).
    pub plays: u64,
    /// Sessions (0 for interaction data).
    pub sessions: u64,
    /// Users with at least one play.
    pub users: u64,
    /// Artists with at least one play.
    pub artists: u64,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// Step name, e.g. `"drop plays shorter than 30 s"`.
    pub step: String,
    /// Sizes before the step.
    pub before: Counts,
    /// Sizes after the step.
    pub after: Counts,
}

/// The steps that ran, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepareReport {
    /// One entry per step that ran.
    pub steps: Vec<StepReport>,
}

impl std::fmt::Display for PrepareReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<42} {:>12} {:>10} {:>8} {:>9}",
            "step", "plays", "sessions", "users", "artists"
        )?;
        for s in &self.steps {
            writeln!(
                f,
                "{:<42} {:>12} {:>10} {:>8} {:>9}",
                s.step,
                format!("{} → {}", s.before.plays, s.after.plays),
                format!("{} → {}", s.before.sessions, s.after.sessions),
                format!("{}→{}", s.before.users, s.after.users),
                format!("{}→{}", s.before.artists, s.after.artists)
            )?;
        }
        Ok(())
    }
}

/// Counts of a session collection.
pub fn session_counts(s: &Sessions) -> Counts {
    let mut users = vec![false; s.users.len()];
    let mut artists = vec![false; s.items.len()];
    for r in s.iter() {
        if !r.is_empty() {
            users[r.user as usize] = true;
        }
        for &i in r.items {
            artists[i as usize] = true;
        }
    }
    Counts {
        plays: s.n_plays() as u64,
        sessions: s.len() as u64,
        users: users.iter().filter(|&&b| b).count() as u64,
        artists: artists.iter().filter(|&&b| b).count() as u64,
    }
}

/// Counts of an interaction table.
pub fn interaction_counts(t: &Interactions) -> Counts {
    let mut users = vec![false; t.n_users()];
    let mut artists = vec![false; t.n_items()];
    for (&u, &i) in t.user_col().iter().zip(t.item_col()) {
        users[u as usize] = true;
        artists[i as usize] = true;
    }
    Counts {
        plays: t.len() as u64,
        sessions: 0,
        users: users.iter().filter(|&&b| b).count() as u64,
        artists: artists.iter().filter(|&&b| b).count() as u64,
    }
}

/// Runs the configured steps on a dataset: on its sessions when it has them (interactions are
/// then re-derived, one row per play), otherwise on its interactions (where the artist threshold
/// counts the sum of weights and the session steps do not apply). Playlists, loves and tags are
/// kept as they are; artist and user vocabularies shrink to what is left.
///
/// # Errors
/// [`DataError::Invalid`] when a threshold is 0.
pub fn prepare(
    data: &Dataset,
    config: &PrepareConfig,
) -> Result<(Dataset, PrepareReport), DataError> {
    if config.min_artist_plays == Some(0)
        || config.min_session_artists == Some(0)
        || config.min_user_artists == Some(0)
    {
        return Err(DataError::Invalid(
            "preparation thresholds must be at least 1 (use None to turn a step off)".into(),
        ));
    }
    let mut report = PrepareReport::default();
    let mut out_report = data.report.clone();
    let mut out = match &data.sessions {
        Some(s) => {
            let s = prepare_sessions(s, config, &mut report);
            for st in &report.steps {
                out_report.drop_rows(&st.step, st.before.plays - st.after.plays);
            }
            let mut d = Dataset::from_sessions(data.source.clone(), s, out_report);
            d.playlists = data.playlists.clone();
            d.loves = data.loves.clone();
            d.tags = data.tags.clone();
            d
        }
        None => {
            let t = prepare_interactions(&data.interactions, config, &mut report);
            for st in &report.steps {
                out_report.drop_rows(&st.step, st.before.plays - st.after.plays);
            }
            let mut d = Dataset::from_interactions(data.source.clone(), t, out_report);
            d.playlists = data.playlists.clone();
            d.loves = data.loves.clone();
            d.tags = data.tags.clone();
            d
        }
    };
    // Tags follow the artist vocabulary: rebuild by id.
    if let Some(tags) = &data.tags {
        let old = data.artists();
        let new = out.artists();
        let by_artist = (0..new.len() as u32)
            .map(|i| {
                old.get(new.id(i))
                    .and_then(|o| tags.by_artist.get(o as usize).cloned())
                    .unwrap_or_default()
            })
            .collect();
        out.tags = Some(crate::ArtistTags {
            tags: tags.tags.clone(),
            by_artist,
        });
    }
    Ok((out, report))
}

fn step(report: &mut PrepareReport, name: String, before: Counts, after: Counts) {
    report.steps.push(StepReport {
        step: name,
        before,
        after,
    });
}

/// The session steps of [`prepare`], on a bare session collection.
pub fn prepare_sessions(
    s: &Sessions,
    config: &PrepareConfig,
    report: &mut PrepareReport,
) -> Sessions {
    let mut cur = s.clone();
    if let Some(min) = config.min_play_seconds {
        let before = session_counts(&cur);
        cur = cur.filter(
            |r, j| r.durations.is_none_or(|d| d[j] == u32::MAX || d[j] >= min),
            |_, _| true,
        );
        step(
            report,
            format!("drop plays shorter than {min} s"),
            before,
            session_counts(&cur),
        );
    }
    if config.collapse_repeats {
        let before = session_counts(&cur);
        cur = cur.filter(|r, j| j == 0 || r.items[j] != r.items[j - 1], |_, _| true);
        step(
            report,
            "collapse consecutive repeats".into(),
            before,
            session_counts(&cur),
        );
    }
    if let Some(min) = config.min_artist_plays {
        let before = session_counts(&cur);
        let mut plays = vec![0u64; cur.items.len()];
        for &i in cur.play_items() {
            plays[i as usize] += 1;
        }
        let keep: Vec<bool> = plays.iter().map(|&p| p >= min).collect();
        let (items, imap) = cur.items.filter(&keep);
        let all_users = vec![true; cur.users.len()];
        let (users, umap) = cur.users.filter(&all_users);
        cur = cur.remap(users, &umap, items, &imap);
        step(
            report,
            format!("keep artists with >= {min} plays"),
            before,
            session_counts(&cur),
        );
    }
    if let Some(min) = config.min_session_artists {
        let before = session_counts(&cur);
        let mut seen = HashSet::new();
        cur = cur.filter(
            |_, _| true,
            |_, plays| {
                seen.clear();
                seen.extend(plays.iter().map(|p| p.item));
                seen.len() >= min
            },
        );
        step(
            report,
            format!("keep sessions with >= {min} artists"),
            before,
            session_counts(&cur),
        );
    }
    if let Some(min) = config.min_user_artists {
        let before = session_counts(&cur);
        let mut per_user: Vec<HashSet<u32>> = vec![HashSet::new(); cur.users.len()];
        for r in cur.iter() {
            per_user[r.user as usize].extend(r.items.iter().copied());
        }
        let keep: Vec<bool> = per_user.iter().map(|s| s.len() >= min).collect();
        let (users, umap) = cur.users.filter(&keep);
        let all_items = vec![true; cur.items.len()];
        let (items, imap) = cur.items.filter(&all_items);
        cur = cur.remap(users, &umap, items, &imap);
        step(
            report,
            format!("keep users with >= {min} artists"),
            before,
            session_counts(&cur),
        );
    }
    // Drop vocabulary entries nobody plays any more, so downstream models see only live artists.
    let c = session_counts(&cur);
    if c.artists as usize != cur.items.len() || c.users as usize != cur.users.len() {
        let mut a = vec![false; cur.items.len()];
        let mut u = vec![false; cur.users.len()];
        for r in cur.iter() {
            if !r.is_empty() {
                u[r.user as usize] = true;
            }
            for &i in r.items {
                a[i as usize] = true;
            }
        }
        let (items, imap) = cur.items.filter(&a);
        let (users, umap) = cur.users.filter(&u);
        cur = cur.remap(users, &umap, items, &imap);
        cur = cur.filter(|_, _| true, |_, plays| !plays.is_empty());
    }
    cur
}

/// The interaction steps of [`prepare`] (artist threshold on summed weights, user threshold on
/// distinct artists), on a bare interaction table.
pub fn prepare_interactions(
    t: &Interactions,
    config: &PrepareConfig,
    report: &mut PrepareReport,
) -> Interactions {
    let mut cur = t.clone();
    if let Some(min) = config.min_artist_plays {
        let before = interaction_counts(&cur);
        let w = cur.item_weights();
        cur.retain(|r| w[r.item as usize] >= min as f64);
        step(
            report,
            format!("keep artists with >= {min} plays"),
            before,
            interaction_counts(&cur),
        );
    }
    if let Some(min) = config.min_user_artists {
        let before = interaction_counts(&cur);
        let by_user = cur.items_by_user();
        cur.retain(|r| by_user[r.user as usize].len() >= min);
        step(
            report,
            format!("keep users with >= {min} artists"),
            before,
            interaction_counts(&cur),
        );
    }
    compact(&cur)
}

/// Drops vocabulary entries that no row uses, remapping indices (order kept).
pub fn compact(t: &Interactions) -> Interactions {
    let mut u = vec![false; t.n_users()];
    let mut a = vec![false; t.n_items()];
    for (&x, &y) in t.user_col().iter().zip(t.item_col()) {
        u[x as usize] = true;
        a[y as usize] = true;
    }
    let (users, umap) = t.users.filter(&u);
    let (items, imap) = t.items.filter(&a);
    let uc = t.user_col().iter().map(|&x| umap[x as usize]).collect();
    let ic = t.item_col().iter().map(|&x| imap[x as usize]).collect();
    Interactions::from_columns(
        users,
        items,
        uc,
        ic,
        t.weight_col().to_vec(),
        t.time_col().map(<[i64]>::to_vec),
    )
    .expect("remapped columns are consistent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_core::{Play, Vocabulary};

    fn sessions() -> Sessions {
        let users = Vocabulary::from_ids(["u0", "u1", "u2"]).unwrap();
        let items = Vocabulary::from_ids(["a", "b", "c", "rare"]).unwrap();
        let mut s = Sessions::new(users, items, true);
        let p = |item, dur| Play {
            item,
            time: 0,
            duration: Some(dur),
        };
        // u0: a a b (one short play of c)
        s.push(1, 0, [p(0, 100), p(0, 100), p(2, 10), p(1, 100)])
            .unwrap();
        // u1: a only -> session dropped (1 artist)
        s.push(2, 1, [p(0, 100), p(0, 200)]).unwrap();
        // u2: b c rare
        s.push(3, 2, [p(1, 100), p(2, 100), p(3, 100)]).unwrap();
        s
    }

    #[test]
    fn every_step_reports_and_counts_drops() {
        let d = Dataset::from_sessions("test", sessions(), crate::Report::new());
        let cfg = PrepareConfig::default().with_min_artist_plays(Some(2));
        let (out, rep) = prepare(&d, &cfg).unwrap();
        let names: Vec<&str> = rep.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "drop plays shorter than 30 s",
                "collapse consecutive repeats",
                "keep artists with >= 2 plays",
                "keep sessions with >= 2 artists"
            ]
        );
        assert_eq!(rep.steps[0].before.plays, 9);
        assert_eq!(rep.steps[0].after.plays, 8);
        assert_eq!(rep.steps[1].after.plays, 6); // a b | a | b c rare
        assert_eq!(rep.steps[2].after.plays, 4); // c (1 play) and rare dropped
        assert_eq!(rep.steps[3].after.sessions, 1); // only u0's a b survives
        let s = out.sessions.as_ref().unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(out.artists().ids(), &["a".to_string(), "b".to_string()]);
        assert_eq!(out.users().len(), 1);
        assert_eq!(out.report.total_dropped(), 9 - 2);
        assert!(prepare(&d, &PrepareConfig::default().with_min_artist_plays(Some(0))).is_err());
    }

    #[test]
    fn interaction_steps() {
        let users = Vocabulary::from_ids(["u0", "u1"]).unwrap();
        let items = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
        let t = Interactions::from_columns(
            users,
            items,
            vec![0, 0, 1, 1],
            vec![0, 1, 1, 2],
            vec![5.0, 1.0, 1.0, 50.0],
            None,
        )
        .unwrap();
        let d = Dataset::from_interactions("t", t, crate::Report::new());
        let cfg = PrepareConfig::none()
            .with_min_artist_plays(Some(3))
            .with_min_user_artists(Some(2));
        let (out, rep) = prepare(&d, &cfg).unwrap();
        assert_eq!(rep.steps.len(), 2);
        assert_eq!(
            out.interactions.len(),
            0,
            "b has 2 plays; then no user keeps 2 artists"
        );
        let cfg = PrepareConfig::none().with_min_artist_plays(Some(2));
        let (out, _) = prepare(&d, &cfg).unwrap();
        assert_eq!(out.interactions.len(), 4);
    }
}
