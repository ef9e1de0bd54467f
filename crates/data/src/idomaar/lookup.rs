//! Track id → artists: the tracks table read from `tracks.idomaar` ([`Tracks`]) and its lookup
//! under an [`ArtistPolicy`] ([`TrackLookup`]), with a flat table for the common case.

use crate::lines::IdMap;

use super::ArtistPolicy;

#[derive(Default)]
pub(super) struct Tracks {
    pub(super) map: IdMap,
    pub(super) off: Vec<u32>,
    pub(super) artists: Vec<u32>,
}

impl Tracks {
    pub(super) fn get(&self, id: u64) -> Option<&[u32]> {
        let t = self.map.get(id)? as usize;
        Some(&self.artists[self.off[t] as usize..self.off[t + 1] as usize])
    }
}

/// Track id → artists under a policy, with a flat id-indexed table of first artists so that the
/// common case (first artist, dense ids) costs one memory access per play.
pub(super) struct TrackLookup<'a> {
    direct: Vec<u32>,
    tracks: &'a Tracks,
    policy: ArtistPolicy,
}

pub(super) const NO_TRACK: u32 = u32::MAX;
pub(super) const NO_ARTIST: u32 = u32::MAX - 1;
/// Not in the flat table: use [`TrackLookup::get`].
pub(super) const SLOW: u32 = u32::MAX - 2;

impl<'a> TrackLookup<'a> {
    pub(super) fn new(tracks: &'a Tracks, policy: ArtistPolicy) -> Self {
        let direct = match policy {
            ArtistPolicy::First => tracks
                .map
                .dense()
                .iter()
                .map(|&t| {
                    if t == u32::MAX {
                        NO_TRACK
                    } else {
                        let (a, b) = (tracks.off[t as usize], tracks.off[t as usize + 1]);
                        if a == b {
                            NO_ARTIST
                        } else {
                            tracks.artists[a as usize]
                        }
                    }
                })
                .collect(),
            ArtistPolicy::All => Vec::new(),
        };
        Self {
            direct,
            tracks,
            policy,
        }
    }

    /// The first artist from the flat table, [`NO_TRACK`], [`NO_ARTIST`] or [`SLOW`].
    pub(super) fn fast(&self, id: u64) -> u32 {
        match self.direct.get(id as usize) {
            Some(&NO_TRACK) if self.tracks.map.has_sparse() => SLOW,
            Some(&v) => v,
            None => SLOW,
        }
    }

    pub(super) fn get(&self, id: u64) -> Option<&[u32]> {
        if let Some(v) = self.direct.get(id as usize) {
            match *v {
                NO_ARTIST => return Some(&[]),
                NO_TRACK if !self.tracks.map.has_sparse() => return None,
                NO_TRACK => {}
                _ => return Some(std::slice::from_ref(v)),
            }
        }
        let arts = self.tracks.get(id)?;
        Some(match self.policy {
            ArtistPolicy::First => &arts[..arts.len().min(1)],
            ArtistPolicy::All => arts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idmap_dense_and_sparse() {
        let mut m = IdMap::new();
        assert_eq!(m.insert(5, 0), None);
        assert_eq!(m.insert(1 << 40, 1), None);
        assert_eq!(m.insert(7, 2), None);
        assert_eq!(m.insert(5, 9), Some(0));
        assert_eq!(m.get(5), Some(0));
        assert_eq!(m.get(1 << 40), Some(1));
        assert_eq!(m.get(7), Some(2));
        assert_eq!(m.get(6), None);
        assert_eq!(m.len(), 3);
    }
}
