//! Protocol 2: the next artist of a session or playlist predicted as the nearest neighbour of
//! the current one ([`next_artist`]).

use artist2vec_core::{CoreError, Neighbor, SimilarArtists};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ProtocolScores;
use super::scores::{check_k, core};
use super::sequences::{prepare_sequences, with_ids};
use crate::error::Result;
use crate::ranking::Metric;
use crate::sequence::next_item_per_sequence;

/// Settings of [`next_artist`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NextArtistConfig {
    /// How many neighbours of artist n are listed (hit rate and MRR at this cut-off; accuracy
    /// is always the first neighbour).
    pub k: usize,
    /// Remove repeated artists from each sequence first (keep the first appearance).
    pub remove_repeats: bool,
}

impl Default for NextArtistConfig {
    /// The notebook's protocol: the nearest neighbour only, repeats removed.
    fn default() -> Self {
        Self {
            k: 1,
            remove_repeats: true,
        }
    }
}

/// Protocol 2: within each sequence (a session or playlist; repeated artists removed by default),
/// predict artist n+1 as the nearest neighbour of artist n (`model.similar(n, k)`), and score
/// each sequence by its share of correct predictions (accuracy), hit rate@k and MRR@k. Units are
/// the indices of the input sequences; sequences with fewer than two distinct artists are counted
/// in `skipped`.
///
/// The neighbours of every distinct query artist are computed once, in parallel, so 8,000
/// playlists take a fraction of a second (the notebook took 48 minutes).
///
/// # Errors
/// [`MetricsError::InvalidK`](crate::MetricsError::InvalidK), [`MetricsError::EmptyInput`](crate::MetricsError::EmptyInput) when no sequence has two artists, and
/// the model's errors as [`MetricsError::Model`](crate::MetricsError::Model) (e.g. an artist outside its vocabulary, whose
/// size is `n_items`) — except [`CoreError::Invalid`] ("no vector for this artist"), which makes
/// that artist's steps misses and is counted in `skipped`.
pub fn next_artist<M: SimilarArtists + Sync + ?Sized, S: AsRef<[u32]>>(
    model: &M,
    sequences: &[S],
    n_items: usize,
    config: &NextArtistConfig,
) -> Result<ProtocolScores> {
    check_k(config.k)?;
    let (ids, seqs, skipped) = prepare_sequences(sequences, config.remove_repeats, None, n_items)?;
    let mut asked = vec![false; n_items];
    for s in &seqs {
        for &a in &s[..s.len() - 1] {
            asked[a as usize] = true;
        }
    }
    let queries: Vec<u32> = (0..n_items as u32).filter(|&a| asked[a as usize]).collect();
    // An artist the model has no vector for (e.g. below skip-gram's min_count) predicts
    // nothing: its steps are misses, and such artists are counted.
    // Batched calls over chunks of queries (models backed by vector tables scan them once per
    // block of queries); a chunk in which some artist has no vector is asked one artist at a
    // time, so one such artist does not slow down the rest.
    let items = |v: Vec<Neighbor>| v.into_iter().map(|n| n.item).collect::<Vec<u32>>();
    let mut lists: Vec<Option<Vec<u32>>> = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(512) {
        match model.similar_batch(chunk, config.k) {
            Ok(all) => lists.extend(all.into_iter().map(|v| Some(items(v)))),
            Err(CoreError::Invalid(_)) => {
                let one: Vec<Option<Vec<u32>>> = chunk
                    .par_iter()
                    .map(|&a| match model.similar(a, config.k) {
                        Ok(v) => Ok(Some(items(v))),
                        Err(CoreError::Invalid(_)) => Ok(None),
                        Err(e) => Err(e),
                    })
                    .collect::<std::result::Result<_, CoreError>>()
                    .map_err(core)?;
                lists.extend(one);
            }
            Err(e) => return Err(core(e)),
        }
    }
    let mut table: Vec<&[u32]> = vec![&[]; n_items];
    let mut no_vector = 0usize;
    for (&a, l) in queries.iter().zip(&lists) {
        match l {
            Some(l) => table[a as usize] = l,
            None => no_vector += 1,
        }
    }
    let mut skipped = skipped;
    skipped.push((
        "query artists without a vector in the model (their steps count as misses)".into(),
        no_vector,
    ));
    let r = next_item_per_sequence(&seqs, config.k, |prefix: &[u32]| {
        table[prefix[prefix.len() - 1] as usize].to_vec()
    })?;
    Ok(ProtocolScores {
        unit: "sequence".into(),
        metrics: vec![
            ("accuracy".into(), with_ids(r.accuracy, &ids)),
            (Metric::HitRate.key(config.k), with_ids(r.hit_rate, &ids)),
            (Metric::Mrr.key(config.k), with_ids(r.mrr, &ids)),
        ],
        skipped,
    })
}
