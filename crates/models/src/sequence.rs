//! Sequence baselines of the session protocol: models that predict the next artist of a
//! listening session from the last artists played.
//!
//! Each is one artists × artists sparse matrix learnt from training sessions in play order, and
//! one rule for scoring: the rows of the last `window` artists of the history, summed with
//! weights that fall with distance from the end (`1 / (1 + back)` for `back` steps back, or all
//! 1), then the artists' play counts as a tie-break far below every co-occurrence, so the list is
//! always full:
//!
//! | registry name | matrix | window |
//! |---|---|---|
//! | `markov` | transitions `a → b` between consecutive plays (first-order Markov counts: "most frequent next artist") | 1 |
//! | `session-cooc` | co-occurrences of `a` and `b` at most `window` plays apart in a session | `window` (5) |
//! | `session-knn` | cosine similarity of the artists' session sets, `neighbours` per artist (GRU4Rec's item-kNN) | `last` (1) |
//!
//! Skip-gram's input·output prediction is the fourth baseline: the `skipgram` family with
//! `history_last = 1`.
//!
//! They read [`TrainingData::sessions`](artist2vec_core::TrainingData) (a TSV with timestamps cut
//! at idle gaps, or a dataset with sessions) and refuse data without play order. A new listener
//! is a [`Query::History`] in play order; a training user is scored from the last plays of
//! their last training sessions.

mod rules;

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::{
    CoreError, Interactions, Observer, Progress, Query, Recommender, Sessions, check_query,
};
use artist2vec_sparse::Csr;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::{DecodeError, TrainData, add_rows, decode_square_csr, encode_csr};
use crate::{ModelError, Result};

pub use rules::{MarkovConfig, SessionCoocConfig, SessionKnnConfig};

/// Largest scoring window of the sequence baselines.
pub const MAX_WINDOW: usize = 1000;

/// What makes a sequence baseline: its configuration type, which builds the matrix and says how
/// many of the last plays are scored. Implemented by [`MarkovConfig`], [`SessionCoocConfig`] and
/// [`SessionKnnConfig`].
pub trait SessionRule:
    Clone + std::fmt::Debug + Serialize + DeserializeOwned + Default + Send + Sync + 'static
{
    /// The registry name and model-file kind.
    const KIND: &'static str;
    /// Checks every value before any work.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] or [`ModelError::OverLimit`] naming the field.
    fn validate(&self) -> Result<()>;
    /// The artists × artists matrix learnt from `sessions` (`n` artists).
    ///
    /// # Errors
    /// [`ModelError::Sparse`] in practice never (indices come from the vocabularies).
    fn build(&self, sessions: &Sessions, n: usize) -> Result<Csr>;
    /// How many of the last plays are scored.
    fn window(&self) -> usize;
    /// Whether plays further back weigh less (`1 / (1 + back)`), or all the same.
    fn decay(&self) -> bool {
        true
    }
}

/// A fitted sequence baseline ([`Markov`], [`SessionCooc`], [`SessionKnn`]).
#[derive(Debug, Clone)]
pub struct SessionModel<C: SessionRule> {
    config: C,
    data: TrainData,
    matrix: Csr,
    /// Play counts scaled to `[0, 1e-3]`: the tie-break.
    prior: Vec<f32>,
    /// Offsets into `recent`: training user `u`'s last plays are `recent[off[u]..off[u + 1]]`.
    recent_off: Vec<u64>,
    recent: Vec<u32>,
}

/// First-order Markov counts: the most frequent next artist after the last one.
pub type Markov = SessionModel<MarkovConfig>;
/// Co-occurrence within the last `window` artists of a session.
pub type SessionCooc = SessionModel<SessionCoocConfig>;
/// Item-kNN on sessions: the artists whose session sets are most like the last artist's.
pub type SessionKnn = SessionModel<SessionKnnConfig>;

impl<C: SessionRule> SessionModel<C> {
    /// The configuration it was fitted with.
    pub fn config(&self) -> &C {
        &self.config
    }

    /// The learnt artists × artists matrix.
    pub fn matrix(&self) -> &Csr {
        &self.matrix
    }

    /// Fits on sessions in play order; `rows` are the user × artist rows over the same
    /// vocabularies (they give the seen artists).
    ///
    /// # Errors
    /// A bad configuration; [`ModelError::EmptyTrainingSet`] for no rows;
    /// [`ModelError::InvalidData`] when the vocabularies differ.
    pub fn fit(
        config: &C,
        rows: &Interactions,
        sessions: &Sessions,
        observer: &dyn Observer,
    ) -> Result<Self> {
        config.validate()?;
        let data = TrainData::new(C::KIND, rows)?;
        if sessions.items.len() != data.n_items() || sessions.users.len() != data.n_users() {
            return Err(ModelError::InvalidData {
                model: C::KIND,
                message: format!(
                    "sessions over {} users × {} artists, rows over {} × {}",
                    sessions.users.len(),
                    sessions.items.len(),
                    data.n_users(),
                    data.n_items()
                ),
            });
        }
        let report = |done| {
            observer.progress(&Progress {
                stage: C::KIND,
                done,
                total: Some(1),
                value: None,
            })
        };
        report(0);
        let matrix = config.build(sessions, data.n_items())?;
        let mut counts = vec![0f64; data.n_items()];
        for &a in sessions.play_items() {
            counts[a as usize] += 1.0;
        }
        let max = counts.iter().copied().fold(0.0, f64::max).max(1.0);
        let prior = counts.iter().map(|&c| (1e-3 * c / max) as f32).collect();
        // Each user's last `window` plays, from their sessions in time order.
        let keep = config.window();
        let mut order: Vec<usize> = (0..sessions.len()).collect();
        order.sort_by_key(|&i| {
            let s = sessions.get(i);
            (s.user, s.start(), i)
        });
        let mut last: Vec<Vec<u32>> = vec![Vec::new(); data.n_users()];
        for i in order {
            let s = sessions.get(i);
            let l = &mut last[s.user as usize];
            l.extend_from_slice(s.items);
            if l.len() > keep {
                l.drain(..l.len() - keep);
            }
        }
        let mut recent_off = Vec::with_capacity(last.len() + 1);
        recent_off.push(0u64);
        let mut recent = Vec::new();
        for l in last {
            recent.extend(l);
            recent_off.push(recent.len() as u64);
        }
        report(1);
        Ok(Self {
            config: config.clone(),
            data,
            matrix,
            prior,
            recent_off,
            recent,
        })
    }

    /// Scores from the artists of `history` in play order (the last `window` of them).
    fn score_sequence(&self, history: &[u32], scores: &mut [f32]) {
        scores.copy_from_slice(&self.prior);
        let w = self.config.window();
        let start = history.len().saturating_sub(w);
        let decay = self.config.decay();
        let rows = history[start..].iter().rev().enumerate().map(|(back, &a)| {
            let wt = if decay { 1.0 / (1 + back) as f32 } else { 1.0 };
            (a as usize, wt)
        });
        add_rows(&self.matrix, rows, scores);
        self.data.mask_untrained(scores);
    }

    fn encode_payload(&self, e: &mut Encoder) {
        encode_csr(&self.matrix, e);
        e.f32s(&self.prior);
        e.u64s(&self.recent_off);
        e.u32s(&self.recent);
    }

    fn decode_payload(
        config: C,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let n = data.n_items();
        let matrix = decode_square_csr(d, n, "sequence matrix", "artists")?;
        let prior = crate::base::decode_table(d, n, 1, "play-count prior")?;
        let recent_off = d.u64s()?;
        let recent = d.u32s()?;
        let ok_off = recent_off.len() == data.n_users() + 1
            && recent_off.first() == Some(&0)
            && recent_off.windows(2).all(|w| w[0] <= w[1])
            && recent_off.last() == Some(&(recent.len() as u64));
        if !ok_off || recent.iter().any(|&a| a as usize >= n) {
            return Err(DecodeError(
                "users' recent plays do not match the users and artists".into(),
            ));
        }
        Ok(Self {
            config,
            data,
            matrix,
            prior,
            recent_off,
            recent,
        })
    }
}

impl<C: SessionRule> Recommender for SessionModel<C> {
    crate::common::recommender_common!();

    /// The history's artists in play order (their weights are checked, not used); a training
    /// user's last training plays.
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        if scores.len() != self.n_items() {
            return Err(CoreError::Shape(format!(
                "score buffer of length {} for {} artists",
                scores.len(),
                self.n_items()
            )));
        }
        match query {
            Query::User(u) => {
                let (a, b) = (
                    self.recent_off[*u as usize] as usize,
                    self.recent_off[*u as usize + 1] as usize,
                );
                self.score_sequence(&self.recent[a..b], scores);
            }
            Query::History(h) => {
                let items: Vec<u32> = h.iter().filter(|p| p.1 > 0.0).map(|p| p.0).collect();
                self.score_sequence(&items, scores);
            }
        }
        Ok(())
    }
}

impl<C: SessionRule> artist2vec_core::persist::Persist for SessionModel<C> {
    const KIND: &'static str = C::KIND;
    const VERSION: u32 = 1;
    type Config = C;

    fn config(&self) -> &C {
        &self.config
    }

    fn check_config(config: &C) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    fn encode(&self, e: &mut Encoder) {
        self.data.encode(e);
        self.encode_payload(e);
    }

    fn decode(config: C, _version: u32, d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let data = TrainData::decode(d)?;
        Self::decode_payload(config, data, d)
    }
}

impl<C: SessionRule> artist2vec_core::Model for SessionModel<C> {
    artist2vec_core::model_persistence!();

    fn users(&self) -> &artist2vec_core::Vocabulary {
        &self.data.users
    }

    fn items(&self) -> &artist2vec_core::Vocabulary {
        &self.data.items
    }

    fn listeners(&self) -> Vec<u32> {
        self.data.item_users()
    }

    fn similarity(&self) -> Option<&(dyn artist2vec_core::SimilarArtists + Sync)> {
        Some(self)
    }
}

impl<C: SessionRule> artist2vec_core::SimilarArtists for SessionModel<C> {
    /// The largest entries of the artist's row: its most frequent successors (`markov`),
    /// co-occurring artists (`session-cooc`) or nearest neighbours (`session-knn`).
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<artist2vec_core::Neighbor>, CoreError> {
        crate::base::check_index("artist", artist, self.data.n_items())?;
        let mut v = artist2vec_sparse::row_top_k(&self.matrix, artist as usize, k + 1);
        v.retain(|n| n.item != artist);
        v.truncate(k);
        Ok(v)
    }
}

/// The error of a sequence baseline fitted on data without play order.
fn no_sessions(kind: &'static str) -> ModelError {
    ModelError::InvalidData {
        model: kind,
        message: "needs sessions in play order: a TSV with a timestamp column (cut at idle \
                  gaps, --session-gap) or a dataset with sessions"
            .into(),
    }
}

/// Implements the core `Registered` for a sequence baseline's configuration.
macro_rules! session_registered {
    ($config:ty, [$($alias:expr),*], $description:expr) => {
        impl artist2vec_core::Registered for $config {
            type Model = SessionModel<$config>;
            const NAME: &'static str = <$config as SessionRule>::KIND;
            const ALIASES: &'static [&'static str] = &[$($alias),*];
            const DESCRIPTION: &'static str = $description;

            fn registry_default() -> Self {
                Self::default()
            }

            fn fit_data(
                &self,
                data: &artist2vec_core::TrainingData<'_>,
                observer: &dyn Observer,
            ) -> Result<SessionModel<$config>, artist2vec_core::registry::BoxError> {
                let sessions = data
                    .sessions
                    .ok_or_else(|| no_sessions(<$config as SessionRule>::KIND))?;
                Ok(SessionModel::fit(self, data.interactions, sessions, observer)?)
            }
        }
    };
}

session_registered!(
    MarkovConfig,
    ["first-order-markov", "next-artist"],
    "most frequent next artist after the last one (first-order Markov counts; sessions)"
);
session_registered!(
    SessionCoocConfig,
    ["cooc-last-n"],
    "co-occurrence with the last n artists of the session (sessions)"
);
session_registered!(
    SessionKnnConfig,
    ["session-item-knn"],
    "artists whose session sets are most like the last artist's (item-kNN on sessions)"
);

#[cfg(test)]
mod tests;
