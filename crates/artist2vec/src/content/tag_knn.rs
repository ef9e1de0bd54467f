//! The tag-only baseline for cold-start artists: an artist's score for a listener is the mean
//! cosine similarity of its TF-IDF tags to the tags of the listener's artists.

use artist2vec_core::{
    ArtistContent, CoreError, Interactions, Query, Recommender, Vocabulary, check_query,
};

use super::features::{Row, content_index, extend_items, idf, tfidf};
use super::history::{Histories, row_weight};

/// Tag-only nearest neighbours: an artist's score for a listener is the `ln(1 + weight)`-
/// weighted sum of the cosine similarities between its TF-IDF tag vector and those of the
/// listener's artists. It uses no listening data beyond the listener's own history, so it is
/// the natural baseline for cold-start artists. Artists without tags score 0.
#[derive(Debug, Clone)]
pub struct TagKnn {
    items: Vocabulary,
    rows: Vec<Row>,
    n_features: usize,
    histories: Histories,
}

impl TagKnn {
    /// Builds the baseline over the training artists and the artists only `content` names
    /// (in the same order as [`ContentModel`](super::ContentModel)'s artists).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] when no artist has a tag.
    pub fn new(train: &Interactions, content: &ArtistContent) -> Result<Self, CoreError> {
        if content.n_with_features() == 0 {
            return Err(CoreError::Invalid(
                "tag-only baseline: no artist has a tag".into(),
            ));
        }
        let items = extend_items(&train.items, content);
        let idf = idf(content);
        let rows = content_index(&items, content)
            .into_iter()
            .map(|c| c.map_or_else(Vec::new, |c| tfidf(content.features_of(c), &idf)))
            .collect();
        Ok(TagKnn {
            items,
            rows,
            n_features: content.features.len(),
            histories: Histories::new(train),
        })
    }

    /// The artists, as scored.
    pub fn items(&self) -> &Vocabulary {
        &self.items
    }
}

impl Recommender for TagKnn {
    fn n_items(&self) -> usize {
        self.items.len()
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
        let mut profile = vec![0f32; self.n_features];
        for (i, w) in self.histories.of_query(query)? {
            let w = row_weight(w);
            for &(f, x) in &self.rows[i as usize] {
                profile[f as usize] += w * x;
            }
        }
        for (s, row) in scores.iter_mut().zip(&self.rows) {
            *s = row.iter().map(|&(f, x)| profile[f as usize] * x).sum();
        }
        Ok(())
    }
    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        self.histories.items(user)
    }
}
