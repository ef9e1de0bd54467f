//! Content features of artists ([`ArtistContent`]): the tags (or other metadata words) attached to
//! each artist, keyed by the artist's external id so that it can name artists that have no
//! listening data yet (cold-start artists); and the TF-IDF rows that the content models read
//! ([`idf`], [`tfidf`]), shared by the content model of `artist2vec` and the YouTube-DNN of
//! `artist2vec-neural`.

use crate::{CoreError, Vocabulary};

/// Per artist (by external id), its content features with weights (e.g. how many times a tag
/// was given). Read by content models (the registry's `content` model); the others ignore it.
///
/// ```
/// use artist2vec_core::ArtistContent;
/// let mut c = ArtistContent::new();
/// c.add("707", "metal", 2.0)?;
/// c.add("707", "thrash", 1.0)?;
/// c.add("708", "metal", 1.0)?;
/// c.add("707", "metal", 1.0)?; // weights of a repeated pair add up
/// assert_eq!(c.artists.len(), 2);
/// assert_eq!(c.features_of(0), &[(0, 3.0), (1, 1.0)]);
/// assert_eq!(c.n_with_features(), 2);
/// # Ok::<(), artist2vec_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArtistContent {
    /// Artist ids (names when known), in order of appearance.
    pub artists: Vocabulary,
    /// Feature ids (tag texts), in order of appearance.
    pub features: Vocabulary,
    /// For each artist of `artists`, its `(feature, weight)` pairs, sorted by feature, weights
    /// positive and finite.
    by_artist: Vec<Vec<(u32, f32)>>,
}

impl ArtistContent {
    /// No artists.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `weight` to feature `feature` of artist `artist` (both external ids, inserted when
    /// new).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for a weight that is not positive and finite.
    pub fn add(&mut self, artist: &str, feature: &str, weight: f32) -> Result<(), CoreError> {
        if !(weight.is_finite() && weight > 0.0) {
            return Err(CoreError::Invalid(format!(
                "content weight of artist {artist:?}, feature {feature:?} must be positive and \
                 finite, found {weight}"
            )));
        }
        let a = self.add_artist(artist) as usize;
        let f = self.features.insert_str(feature);
        let list = &mut self.by_artist[a];
        match list.binary_search_by_key(&f, |p| p.0) {
            Ok(i) => list[i].1 += weight,
            Err(i) => list.insert(i, (f, weight)),
        }
        Ok(())
    }

    /// The index of artist `artist`, inserting it (without features) when new: an artist known
    /// to have no content.
    pub fn add_artist(&mut self, artist: &str) -> u32 {
        let a = self.artists.insert_str(artist);
        if a as usize >= self.by_artist.len() {
            self.by_artist.resize(a as usize + 1, Vec::new());
        }
        a
    }

    /// The `(feature, weight)` pairs of artist index `a` (empty when out of range).
    pub fn features_of(&self, a: u32) -> &[(u32, f32)] {
        self.by_artist.get(a as usize).map_or(&[], Vec::as_slice)
    }

    /// The number of artists with at least one feature.
    pub fn n_with_features(&self) -> usize {
        self.by_artist.iter().filter(|l| !l.is_empty()).count()
    }

    /// The number of (artist, feature) pairs.
    pub fn n_pairs(&self) -> usize {
        self.by_artist.iter().map(Vec::len).sum()
    }
}

/// A sparse feature row: `(feature, value)` pairs.
pub type Row = Vec<(u32, f32)>;

/// Smoothed inverse document frequencies over the artists with at least one feature:
/// `ln((1 + n) / (1 + df)) + 1` (as scikit-learn's `TfidfTransformer`).
pub fn idf(content: &ArtistContent) -> Vec<f32> {
    let mut df = vec![0u32; content.features.len()];
    let mut n = 0u32;
    for a in 0..content.artists.len() as u32 {
        let f = content.features_of(a);
        if !f.is_empty() {
            n += 1;
        }
        for &(t, _) in f {
            df[t as usize] += 1;
        }
    }
    df.iter()
        .map(|&d| (((1.0 + n as f64) / (1.0 + d as f64)).ln() + 1.0) as f32)
        .collect()
}

/// The unit-length TF-IDF row of a feature list: `(1 + ln count) · idf`, features outside
/// `idf` dropped. Empty for no features.
pub fn tfidf(features: &[(u32, f32)], idf: &[f32]) -> Row {
    let mut row: Row = features
        .iter()
        .filter(|p| (p.0 as usize) < idf.len())
        .map(|&(t, c)| (t, (1.0 + c.max(1.0).ln()) * idf[t as usize]))
        .collect();
    let norm = row.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|p| p.1 /= norm);
    }
    row
}

/// Where each artist of `items` (the model's artist vocabulary) is in `content`.
pub fn content_index(items: &Vocabulary, content: &ArtistContent) -> Vec<Option<u32>> {
    (0..items.len() as u32)
        .map(|i| content.artists.get(items.id(i)))
        .collect()
}

/// The training artists' vocabulary extended by the artists that only `content` names (with
/// their names when known), in content order.
pub fn extend_items(train_items: &Vocabulary, content: &ArtistContent) -> Vocabulary {
    let mut items = train_items.clone();
    for a in 0..content.artists.len() as u32 {
        let id = content.artists.id(a);
        if items.get(id).is_none() {
            let ix = items.insert_str(id);
            if let Some(name) = content.artists.name_opt(a) {
                items.set_name(ix, name);
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_rows_are_unit_length_and_rarer_tags_weigh_more() {
        let mut c = ArtistContent::new();
        c.add("a", "rock", 1.0).unwrap();
        c.add("a", "krautrock", 1.0).unwrap();
        c.add("b", "rock", 1.0).unwrap();
        let idf = idf(&c);
        let row = tfidf(c.features_of(0), &idf);
        let norm: f32 = row.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        assert!(row[1].1 > row[0].1, "{row:?}");
    }
}
