//! Content features of artists ([`ArtistContent`]): the tags (or other metadata words) attached to
//! each artist, keyed by the artist's external id so that it can name artists that have no
//! listening data yet (cold-start artists).

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
