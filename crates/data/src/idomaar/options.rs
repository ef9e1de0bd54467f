//! How to read idomaar files: the strictness, which artists of a multi-artist track get its
//! plays ([`ArtistPolicy`]) and the parallel chunk size ([`IdomaarOptions`]).

use serde::{Deserialize, Serialize};

use crate::Mode;
use crate::lines::DEFAULT_CHUNK_BYTES;

/// Which artists of a multi-artist track get its plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtistPolicy {
    /// Only the first artist listed (the seed notebooks' choice).
    #[default]
    First,
    /// Every artist listed: a play of a track with two artists becomes two plays.
    All,
}

/// How to read idomaar files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdomaarOptions {
    /// Strict (first bad line is an error) or lenient (bad lines skipped and counted).
    pub mode: Mode,
    /// Which artists of a track get its plays. Default [`ArtistPolicy::First`].
    pub artists: ArtistPolicy,
    /// Bytes per parallel parsing chunk. Default [`DEFAULT_CHUNK_BYTES`].
    pub chunk_bytes: usize,
}

impl Default for IdomaarOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Strict,
            artists: ArtistPolicy::First,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

impl IdomaarOptions {
    /// Strict mode, first artist, default chunks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the artist policy.
    pub fn with_artists(mut self, artists: ArtistPolicy) -> Self {
        self.artists = artists;
        self
    }

    /// Sets the chunk size of the parallel reader (at least 1 byte).
    pub fn with_chunk_bytes(mut self, chunk_bytes: usize) -> Self {
        self.chunk_bytes = chunk_bytes.max(1);
        self
    }
}
