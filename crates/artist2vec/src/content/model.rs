//! The fitted content model: artist vectors (collaborative for artists with training plays,
//! predicted from content for the others), the regression that predicts them, and its file
//! format.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::registry::Model;
use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Query, Recommender, SimilarArtists, Vocabulary,
    check_query, dot,
};

use super::ContentConfig;
use super::features::{Row, normalise, predict, tfidf};
use super::history::{Histories, row_weight};

/// A content model for cold-start artists (registry name `content`): every artist has a unit
/// vector in a collaborative space — its base model's vector when it had training plays, the
/// ridge regression's prediction from its TF-IDF tag features otherwise — so an artist first
/// seen in the content gets neighbours ([`SimilarArtists`]) and is recommended at once.
///
/// A listener (training user or a new history) is scored by the `ln(1 + weight)`-weighted sum
/// of their artists' vectors: an artist's score is the weighted sum of its cosines with what the
/// listener played (plus `tag_weight ×` the same sum over TF-IDF tag cosines).
#[derive(Debug, Clone)]
pub struct ContentModel {
    pub(super) config: ContentConfig,
    pub(super) users: Vocabulary,
    /// Unit artist vectors over the model's artists (training artists, then the artists only
    /// the content named).
    pub(super) vectors: Embeddings,
    /// Training listeners per artist (0 for cold artists).
    pub(super) listeners: Vec<u32>,
    /// Artists whose vector was predicted from content (sorted).
    pub(super) cold: Vec<u32>,
    /// Of those, the ones without any feature (they get the intercept, the mean direction).
    pub(super) without_content: Vec<u32>,
    pub(super) histories: Histories,
    /// Unit TF-IDF tag rows of the artists (empty for artists without tags).
    pub(super) tag_rows: Vec<Row>,
    /// Feature (tag) vocabulary of the regression.
    pub(super) features: Vocabulary,
    pub(super) idf: Vec<f32>,
    /// `n_features × dim`, row-major.
    pub(super) weights: Vec<f32>,
    /// The intercept (mean target vector).
    pub(super) mean: Vec<f32>,
}

impl ContentModel {
    /// The artists whose vectors were predicted from their content (no training plays).
    pub fn cold_artists(&self) -> &[u32] {
        &self.cold
    }

    /// Of [`cold_artists`](Self::cold_artists), those that had no content features either:
    /// their vector is the intercept alone.
    pub fn without_content(&self) -> &[u32] {
        &self.without_content
    }

    /// The unit vector the regression gives an artist with these `(tag, count)` features —
    /// a new artist's vector the moment it has tags, without refitting. Tags the model never
    /// saw are ignored; no known tag gives the intercept's direction.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for a count that is not positive and finite.
    pub fn embed_tags(&self, tags: &[(&str, f32)]) -> Result<Vec<f32>, CoreError> {
        let mut feats: Vec<(u32, f32)> = Vec::new();
        for &(t, c) in tags {
            if !(c.is_finite() && c > 0.0) {
                return Err(CoreError::Invalid(format!(
                    "tag {t:?}: count must be positive and finite, found {c}"
                )));
            }
            if let Some(f) = self.features.get(t) {
                match feats.iter_mut().find(|p| p.0 == f) {
                    Some(p) => p.1 += c,
                    None => feats.push((f, c)),
                }
            }
        }
        let mut v = predict(&tfidf(&feats, &self.idf), &self.weights, &self.mean);
        normalise(&mut v);
        Ok(v)
    }
}

impl Recommender for ContentModel {
    fn n_items(&self) -> usize {
        self.vectors.len()
    }
    fn n_users(&self) -> usize {
        self.histories.n_users()
    }
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        if scores.len() != self.n_items() {
            return Err(CoreError::Shape(format!(
                "score buffer of {} for {} artists",
                scores.len(),
                self.n_items()
            )));
        }
        let dim = self.vectors.dim();
        let beta = self.config.tag_weight;
        let mut profile = vec![0f32; dim];
        let mut tags = vec![0f32; if beta > 0.0 { self.features.len() } else { 0 }];
        for (i, w) in self.histories.of_query(query)? {
            let v = self.vectors.row(i)?;
            let w = row_weight(w);
            profile.iter_mut().zip(v).for_each(|(p, &v)| *p += w * v);
            if beta > 0.0 {
                for &(f, x) in &self.tag_rows[i as usize] {
                    tags[f as usize] += w * x;
                }
            }
        }
        for ((s, v), row) in scores
            .iter_mut()
            .zip(self.vectors.as_slice().chunks_exact(dim))
            .zip(&self.tag_rows)
        {
            *s = dot(&profile, v);
            if beta > 0.0 {
                *s += beta * row.iter().map(|&(f, x)| tags[f as usize] * x).sum::<f32>();
            }
        }
        Ok(())
    }
    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        self.histories.items(user)
    }
}

impl ArtistVectors for ContentModel {
    fn artist_vectors(&self) -> &Embeddings {
        &self.vectors
    }
}

impl SimilarArtists for ContentModel {
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<artist2vec_core::Neighbor>, CoreError> {
        self.vectors
            .similar(artist, k, artist2vec_core::Similarity::Cosine)
    }
    fn similar_batch(
        &self,
        artists: &[u32],
        k: usize,
    ) -> Result<Vec<Vec<artist2vec_core::Neighbor>>, CoreError> {
        self.vectors
            .similar_batch(artists, k, artist2vec_core::Similarity::Cosine)
    }
}

impl Persist for ContentModel {
    const KIND: &'static str = "content";
    const VERSION: u32 = 1;
    type Config = ContentConfig;

    fn config(&self) -> &ContentConfig {
        &self.config
    }

    fn check_config(c: &ContentConfig) -> Result<(), String> {
        c.check()
    }

    fn encode(&self, e: &mut Encoder) {
        self.users.encode(e);
        self.vectors.vocab().encode(e);
        e.u64(self.vectors.dim() as u64);
        e.f32s(self.vectors.as_slice());
        e.u32s(&self.listeners);
        e.u32s(&self.cold);
        e.u32s(&self.without_content);
        self.histories.encode(e);
        let mut offsets = vec![0u64];
        let (mut feats, mut vals) = (Vec::new(), Vec::new());
        for row in &self.tag_rows {
            feats.extend(row.iter().map(|p| p.0));
            vals.extend(row.iter().map(|p| p.1));
            offsets.push(feats.len() as u64);
        }
        e.u64s(&offsets);
        e.u32s(&feats);
        e.f32s(&vals);
        self.features.encode(e);
        e.f32s(&self.idf);
        e.f32s(&self.weights);
        e.f32s(&self.mean);
    }

    fn decode(config: ContentConfig, _v: u32, d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let users = Vocabulary::decode(d)?;
        let items = Vocabulary::decode(d)?;
        let dim = d.u64()?;
        let data = d.f32s()?;
        let n = items.len();
        if dim == 0 || data.len() as u64 != n as u64 * dim {
            return Err(DecodeError(format!(
                "{} vector values for {n} artists of dimension {dim}",
                data.len()
            )));
        }
        let dim = dim as usize;
        let vectors = Embeddings::new(items, dim, data)?;
        let listeners = d.u32s()?;
        let cold = d.u32s()?;
        let without_content = d.u32s()?;
        let histories = Histories::decode(d, n)?;
        let offsets = d.u64s()?;
        let feats = d.u32s()?;
        let vals = d.f32s()?;
        let features = Vocabulary::decode(d)?;
        let nf = features.len();
        let rows_ok = offsets.len() == n + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last() == Some(&(feats.len() as u64))
            && feats.len() == vals.len()
            && feats.iter().all(|&f| (f as usize) < nf);
        if !rows_ok {
            return Err(DecodeError("inconsistent tag rows".into()));
        }
        let tag_rows = offsets
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0] as usize, w[1] as usize);
                feats[a..b]
                    .iter()
                    .copied()
                    .zip(vals[a..b].iter().copied())
                    .collect()
            })
            .collect();
        let idf = d.f32s()?;
        let weights = d.f32s()?;
        let mean = d.f32s()?;
        if listeners.len() != n
            || cold
                .iter()
                .chain(&without_content)
                .any(|&a| a as usize >= n)
            || histories.n_users() != users.len()
            || idf.len() != nf
            || weights.len() as u64 != nf as u64 * dim as u64
            || mean.len() != dim
        {
            return Err(DecodeError("inconsistent content model tables".into()));
        }
        Ok(ContentModel {
            config,
            users,
            vectors,
            listeners,
            cold,
            without_content,
            histories,
            tag_rows,
            features,
            idf,
            weights,
            mean,
        })
    }
}

impl Model for ContentModel {
    fn users(&self) -> &Vocabulary {
        &self.users
    }
    fn items(&self) -> &Vocabulary {
        self.vectors.vocab()
    }
    fn listeners(&self) -> Vec<u32> {
        self.listeners.clone()
    }
    fn artist_vectors(&self) -> Option<&Embeddings> {
        Some(&self.vectors)
    }
    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }
    artist2vec_core::model_persistence!();
}
