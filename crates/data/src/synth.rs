//! A seeded generator of 30Music-like listening data with planted structure, and writers for
//! every format the loaders read.
//!
//! What is planted, so later stages can be tested against it:
//! - every artist belongs to one genre ([`Synthetic::artist_genre`], saved by
//!   [`Synthetic::write_ground_truth`] as `artist\tgenre`); within a genre, popularity follows a
//!   Zipf law;
//! - every user listens to a mixture of one to a few genres;
//! - sessions start in one of the user's genres and drift to another with a small probability per
//!   play; plays repeat (the same track straight again, the same artist, or an artist from the
//!   user's past), and a share of plays stop before 30 seconds;
//! - tags are drawn mostly from the artist's genre's tags (a few artists have none);
//! - with [`SynthConfig::sequential_order`] `p > 0`, a play follows the previous play's artist's
//!   planted successor (a fixed cycle per genre) with probability `p`, so play order carries
//!   information beyond the genres;
//! - playlists (some empty) and loves follow the users' genres; all times fall in a span of
//!   about 14 months.
//!
//! Counts are exact: the dataset has exactly `n_users` users, `n_artists` artists, `n_tracks`
//! tracks, `n_sessions` sessions and `n_plays` plays (every user has at least one session). Each
//! user's sessions are separated by more than 30 minutes and plays inside a session by less, so
//! a 30-minute idle-gap sessionizer recovers them exactly.
//!
//! Generation is parallel over users, each with its own random stream derived from the seed, so
//! the result depends on the seed only, not on the number of threads.
//!
//! ```
//! use artist2vec_data::synth::{SynthConfig, Synthetic};
//!
//! let cfg = SynthConfig::tiny().with_seed(7);
//! let data = Synthetic::generate(&cfg)?;
//! let sessions = data.dataset.sessions.as_ref().unwrap();
//! assert_eq!(sessions.len(), cfg.n_sessions);
//! assert_eq!(sessions.n_plays(), cfg.n_plays);
//! assert_eq!(data.artist_genre.len(), cfg.n_artists);
//! # Ok::<(), artist2vec_data::DataError>(())
//! ```
//!
//! One concept a file: `config` ([`SynthConfig`]), `generate` (the generator), `random` (seeded
//! streams and samplers), `names` (genre, tag and artist names, MBIDs) and `write` (a writer per
//! format).

mod config;
mod generate;
mod names;
mod random;
mod write;

use crate::Dataset;

pub use config::{MAX_SYNTH_ITEMS, MAX_SYNTH_PLAYS, SynthConfig};
pub use write::{MpdSource, SynthPaths, read_ground_truth};

/// 2014-01-01T00:00:00Z, the start of the 30Music collection period.
pub const DEFAULT_START_TIME: i64 = 1_388_534_400;

/// Minimum idle time between two sessions of a user (seconds): more than the 30-minute gap.
pub const SESSION_SEPARATION_SECS: i64 = 30 * 60 + 1;

/// Tracks of the generated catalogue, indexed by track id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthTracks {
    /// First (main) artist of each track.
    pub artist: Vec<u32>,
    /// Second artist (a featuring), or `u32::MAX`.
    pub second_artist: Vec<u32>,
    /// Full length in seconds.
    pub duration: Vec<u32>,
}

impl SynthTracks {
    /// Number of tracks.
    pub fn len(&self) -> usize {
        self.artist.len()
    }

    /// Whether there are no tracks.
    pub fn is_empty(&self) -> bool {
        self.artist.is_empty()
    }

    /// The artists of track `t` (one or two).
    pub fn artists(&self, t: u32) -> impl Iterator<Item = u32> + '_ {
        let s = self.second_artist[t as usize];
        std::iter::once(self.artist[t as usize]).chain((s != u32::MAX).then_some(s))
    }
}

/// An empty playlist (written as `"objects":[[]]` / `"tracks":[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyPlaylist {
    /// Playlist id.
    pub id: u64,
    /// Dense user index.
    pub user: u32,
    /// Creation time.
    pub time: i64,
}

/// Generated data: the dataset every loader would produce from it, the ground truth, and the
/// track-level detail the writers need.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// The configuration it was made with.
    pub config: SynthConfig,
    /// Sessions (plays credited to each track's first artist, with durations), one interaction per
    /// play, playlists (non-empty ones), loves, and artist tags. Users are `"0"…`, artists `"0"…`
    /// with names, tags `"0"…` with names.
    pub dataset: Dataset,
    /// Genre names.
    pub genres: Vec<String>,
    /// Ground truth: the genre (index into `genres`) of each artist.
    pub artist_genre: Vec<u32>,
    /// Ground truth: each user's genres with their weights (summing to 1).
    pub user_genres: Vec<Vec<(u32, f32)>>,
    /// Ground truth of the planted order ([`SynthConfig::sequential_order`]): the artist that
    /// follows each artist within its genre's cycle; empty when the option is off.
    pub artist_successor: Vec<u32>,
    /// The track catalogue.
    pub tracks: SynthTracks,
    /// MusicBrainz-style id of each artist (empty for about 10 %, as in Last.fm data).
    pub artist_mbids: Vec<String>,
    /// The track of every session play, in the order of `dataset.sessions` plays.
    pub session_tracks: Vec<u32>,
    /// The track of every playlist entry, in the order of `dataset.playlists` plays.
    pub playlist_tracks: Vec<u32>,
    /// The track of every love, in the order of `dataset.loves` rows.
    pub love_tracks: Vec<u32>,
    /// Playlists without tracks (not in `dataset.playlists`; counted in the report's drops as
    /// `"empty playlist"`, as the loaders count them).
    pub empty_playlists: Vec<EmptyPlaylist>,
}
