use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A bijection between external ids (strings such as `"707"` or a MusicBrainz id) and dense
/// `u32` indices `0..len`, with an optional display name per entry.
///
/// Indices are handed out in insertion order, so a vocabulary built from sorted ids is sorted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Vocabulary {
    ids: Vec<String>,
    names: Vec<Option<String>>,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Self {
        Self::default()
    }

    /// A vocabulary of the given ids, in order.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] when an id occurs twice.
    pub fn from_ids<I, S>(ids: I) -> Result<Self, CoreError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut v = Self::new();
        for id in ids {
            let id = id.into();
            if v.index.contains_key(&id) {
                return Err(CoreError::Invalid(format!(
                    "duplicate id {id:?} in vocabulary"
                )));
            }
            v.insert(id);
        }
        Ok(v)
    }

    /// The index of `id`, inserting it when new.
    ///
    /// # Panics
    /// When the vocabulary already holds `u32::MAX` entries.
    pub fn insert(&mut self, id: impl Into<String>) -> u32 {
        let id = id.into();
        if let Some(&ix) = self.index.get(&id) {
            return ix;
        }
        let ix = u32::try_from(self.ids.len()).expect("vocabulary larger than u32::MAX");
        self.index.insert(id.clone(), ix);
        self.ids.push(id);
        self.names.push(None);
        ix
    }

    /// The index of `id`, inserting it when new, without allocating when it is known.
    pub fn insert_str(&mut self, id: &str) -> u32 {
        match self.index.get(id) {
            Some(&ix) => ix,
            None => self.insert(id.to_owned()),
        }
    }

    /// Sets the display name of entry `ix`.
    ///
    /// # Panics
    /// When `ix` is out of range.
    pub fn set_name(&mut self, ix: u32, name: impl Into<String>) {
        self.names[ix as usize] = Some(name.into());
    }

    /// The index of an external id.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The index of an external id, or a typed error naming it.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] when absent.
    pub fn require(&self, id: &str, kind: &'static str) -> Result<u32, CoreError> {
        self.get(id).ok_or_else(|| CoreError::UnknownId {
            kind,
            id: id.to_owned(),
        })
    }

    /// The external id of index `ix`.
    ///
    /// # Panics
    /// When `ix` is out of range.
    pub fn id(&self, ix: u32) -> &str {
        &self.ids[ix as usize]
    }

    /// The display name of index `ix`, falling back to its id.
    ///
    /// # Panics
    /// When `ix` is out of range.
    pub fn name(&self, ix: u32) -> &str {
        self.names[ix as usize]
            .as_deref()
            .unwrap_or(&self.ids[ix as usize])
    }

    /// The display name of index `ix` when one was set.
    pub fn name_opt(&self, ix: u32) -> Option<&str> {
        self.names.get(ix as usize).and_then(|n| n.as_deref())
    }

    /// Finds an entry by display name (exact match first, then case-insensitive), or by id.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] when nothing matches.
    pub fn find(&self, name_or_id: &str) -> Result<u32, CoreError> {
        if let Some(ix) = self
            .names
            .iter()
            .position(|n| n.as_deref() == Some(name_or_id))
        {
            return Ok(ix as u32);
        }
        let lower = name_or_id.to_lowercase();
        if let Some(ix) = self
            .names
            .iter()
            .position(|n| n.as_deref().map(|s| s.to_lowercase() == lower) == Some(true))
        {
            return Ok(ix as u32);
        }
        self.require(name_or_id, "artist")
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All external ids, in index order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Rebuilds the id → index map (needed after deserialisation, which does not store it).
    pub fn rebuild_index(&mut self) {
        self.index = self
            .ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
    }

    /// A new vocabulary holding only the entries for which `keep[ix]` is true, in the same order,
    /// and the old → new index map (`u32::MAX` for dropped entries).
    ///
    /// # Panics
    /// When `keep.len() != self.len()`.
    pub fn filter(&self, keep: &[bool]) -> (Vocabulary, Vec<u32>) {
        assert_eq!(keep.len(), self.len());
        let mut out = Vocabulary::new();
        let mut map = vec![u32::MAX; self.len()];
        for (ix, k) in keep.iter().enumerate() {
            if *k {
                let n = out.insert(self.ids[ix].clone());
                if let Some(name) = &self.names[ix] {
                    out.set_name(n, name.clone());
                }
                map[ix] = n;
            }
        }
        (out, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_is_idempotent_and_dense() {
        let mut v = Vocabulary::new();
        assert_eq!(v.insert("a"), 0);
        assert_eq!(v.insert("b"), 1);
        assert_eq!(v.insert_str("a"), 0);
        assert_eq!(v.len(), 2);
        assert_eq!(v.id(1), "b");
        assert_eq!(v.name(1), "b");
        v.set_name(1, "Bee");
        assert_eq!(v.name(1), "Bee");
        assert_eq!(v.find("bee").unwrap(), 1);
        assert!(matches!(v.find("zzz"), Err(CoreError::UnknownId { .. })));
    }

    #[test]
    fn duplicates_rejected_and_serde_roundtrip() {
        assert!(Vocabulary::from_ids(["x", "x"]).is_err());
        let v = Vocabulary::from_ids(["x", "y"]).unwrap();
        let s = serde_json::to_string(&v).unwrap();
        let mut back: Vocabulary = serde_json::from_str(&s).unwrap();
        back.rebuild_index();
        assert_eq!(back, v);
        assert_eq!(back.get("y"), Some(1));
    }

    #[test]
    fn filter_keeps_order_and_names() {
        let mut v = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
        v.set_name(2, "Cee");
        let (f, map) = v.filter(&[true, false, true]);
        assert_eq!(f.ids(), &["a".to_string(), "c".to_string()]);
        assert_eq!(f.name(1), "Cee");
        assert_eq!(map, vec![0, u32::MAX, 1]);
    }
}
