//! The generator's configuration ([`SynthConfig`]): exact sizes, per-play probabilities, the
//! presets (`tiny`, `small`, `full_30music`), builder setters and validation.

use serde::{Deserialize, Serialize};

use super::DEFAULT_START_TIME;
use crate::DataError;

/// The most plays (and loved tracks, and playlist entries) [`SynthConfig::validate`] accepts:
/// 400 million, 13 × 30Music, about 16 GB generated.
pub const MAX_SYNTH_PLAYS: usize = 400_000_000;
/// The most tracks (and tags, and playlists) [`SynthConfig::validate`] accepts: 100 million.
pub const MAX_SYNTH_ITEMS: usize = 100_000_000;

/// Configuration of the generator. Sizes are exact; probabilities are per play unless said.
///
/// Deserialising fills missing fields from [`SynthConfig::small`], so a JSON file only needs the
/// values it changes (`{"seed": 7, "n_users": 500}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynthConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Users (each has at least one session).
    pub n_users: usize,
    /// Artists.
    pub n_artists: usize,
    /// Tracks (at least one per artist).
    pub n_tracks: usize,
    /// Genres.
    pub n_genres: usize,
    /// Sessions (at least `n_users`).
    pub n_sessions: usize,
    /// Plays over all sessions (at least `n_sessions`).
    pub n_plays: usize,
    /// Exponent of the Zipf law of artist popularity within a genre (default 1.0).
    pub zipf_exponent: f64,
    /// Largest number of genres in a user's mixture (default 3).
    pub genres_per_user: usize,
    /// Probability that a play switches to another genre of the user (default 0.08).
    pub drift: f64,
    /// Probability that a play repeats the previous track straight away (default 0.05).
    pub repeat_track: f64,
    /// Probability that a play stays with the previous artist (another track; default 0.25).
    pub same_artist: f64,
    /// Probability that a play returns to an artist from the user's past (default 0.25).
    pub favorite: f64,
    /// Share of plays shorter than 30 seconds (default 0.12).
    pub short_play: f64,
    /// Share of tracks with a second artist (a featuring; default 0.05).
    pub multi_artist_tracks: f64,
    /// Tags: about `n_tags / n_genres` per genre come first, the rest are generic.
    pub n_tags: usize,
    /// Largest number of tags per artist (default 3); about 10 % of artists have none.
    pub tags_per_artist: usize,
    /// Probability that an artist's tag comes from another genre (default 0.1).
    pub tag_noise: f64,
    /// Playlists, empty ones included.
    pub n_playlists: usize,
    /// Mean tracks per non-empty playlist (default 20).
    pub playlist_len: usize,
    /// Share of playlists that are empty (`"objects":[[]]`; default 0.02).
    pub empty_playlists: f64,
    /// Loved tracks.
    pub n_loves: usize,
    /// Start of the time span, seconds since the epoch (default 2014-01-01).
    pub start_time: i64,
    /// Length of the time span in days (default 425, about 14 months).
    pub span_days: u32,
    /// Planted sequential order: the probability that a play (after a session's first) is the
    /// planted successor of the previous play's artist instead of the usual draw (default 0:
    /// off, and the data is exactly what it was before the option existed). Within each genre
    /// the artists form one fixed cycle in a seeded random order
    /// ([`Synthetic::artist_successor`](super::Synthetic::artist_successor)), so session models
    /// can be shown to learn play order.
    pub sequential_order: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self::small()
    }
}

impl SynthConfig {
    /// A small configuration with the given seed ([`SynthConfig::small`]).
    pub fn new(seed: u64) -> Self {
        Self::small().with_seed(seed)
    }

    /// 20 users, 60 artists, 150 tracks, 4 genres, 120 sessions, 1,200 plays: for unit tests.
    pub fn tiny() -> Self {
        Self {
            seed: 42,
            n_users: 20,
            n_artists: 60,
            n_tracks: 150,
            n_genres: 4,
            n_sessions: 120,
            n_plays: 1_200,
            zipf_exponent: 1.0,
            genres_per_user: 2,
            drift: 0.08,
            repeat_track: 0.05,
            same_artist: 0.25,
            favorite: 0.25,
            short_play: 0.12,
            multi_artist_tracks: 0.05,
            n_tags: 16,
            tags_per_artist: 3,
            tag_noise: 0.1,
            n_playlists: 15,
            playlist_len: 8,
            empty_playlists: 0.1,
            n_loves: 40,
            start_time: DEFAULT_START_TIME,
            span_days: 425,
            sequential_order: 0.0,
        }
    }

    /// 1,000 users, 5,000 artists, 25,000 tracks, 10 genres, 12,000 sessions, 140,000 plays:
    /// big enough for models to find the genres, small enough for a test.
    pub fn small() -> Self {
        Self {
            n_users: 1_000,
            n_artists: 5_000,
            n_tracks: 25_000,
            n_genres: 10,
            n_sessions: 12_000,
            n_plays: 140_000,
            genres_per_user: 3,
            n_tags: 60,
            n_playlists: 800,
            playlist_len: 20,
            empty_playlists: 0.02,
            n_loves: 8_000,
            ..Self::tiny()
        }
    }

    /// The scale of 30Music: 45,000 users, 600,000 artists, 5,600,000 tracks, 2,700,000 sessions,
    /// 31,000,000 plays, 57,000 playlists, 4,100,000 loves, 20 genres.
    pub fn full_30music() -> Self {
        Self {
            n_users: 45_000,
            n_artists: 600_000,
            n_tracks: 5_600_000,
            n_genres: 20,
            n_sessions: 2_700_000,
            n_plays: 31_000_000,
            genres_per_user: 3,
            n_tags: 200,
            n_playlists: 57_000,
            playlist_len: 30,
            empty_playlists: 0.02,
            n_loves: 4_100_000,
            ..Self::tiny()
        }
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the number of users.
    pub fn with_users(mut self, n: usize) -> Self {
        self.n_users = n;
        self
    }
    /// Sets the number of artists.
    pub fn with_artists(mut self, n: usize) -> Self {
        self.n_artists = n;
        self
    }
    /// Sets the number of tracks.
    pub fn with_tracks(mut self, n: usize) -> Self {
        self.n_tracks = n;
        self
    }
    /// Sets the number of genres.
    pub fn with_genres(mut self, n: usize) -> Self {
        self.n_genres = n;
        self
    }
    /// Sets the number of sessions.
    pub fn with_sessions(mut self, n: usize) -> Self {
        self.n_sessions = n;
        self
    }
    /// Sets the number of plays.
    pub fn with_plays(mut self, n: usize) -> Self {
        self.n_plays = n;
        self
    }
    /// Sets the Zipf exponent.
    pub fn with_zipf_exponent(mut self, s: f64) -> Self {
        self.zipf_exponent = s;
        self
    }
    /// Sets the largest number of genres per user.
    pub fn with_genres_per_user(mut self, n: usize) -> Self {
        self.genres_per_user = n;
        self
    }
    /// Sets the genre drift probability.
    pub fn with_drift(mut self, p: f64) -> Self {
        self.drift = p;
        self
    }
    /// Sets the probability of repeating the previous track.
    pub fn with_repeat_track(mut self, p: f64) -> Self {
        self.repeat_track = p;
        self
    }
    /// Sets the probability of staying with the previous artist.
    pub fn with_same_artist(mut self, p: f64) -> Self {
        self.same_artist = p;
        self
    }
    /// Sets the probability of returning to a past artist.
    pub fn with_favorite(mut self, p: f64) -> Self {
        self.favorite = p;
        self
    }
    /// Sets the share of plays shorter than 30 s.
    pub fn with_short_play(mut self, p: f64) -> Self {
        self.short_play = p;
        self
    }
    /// Sets the share of tracks with a second artist.
    pub fn with_multi_artist_tracks(mut self, p: f64) -> Self {
        self.multi_artist_tracks = p;
        self
    }
    /// Sets the number of tags.
    pub fn with_tags(mut self, n: usize) -> Self {
        self.n_tags = n;
        self
    }
    /// Sets the largest number of tags per artist.
    pub fn with_tags_per_artist(mut self, n: usize) -> Self {
        self.tags_per_artist = n;
        self
    }
    /// Sets the probability of an off-genre tag.
    pub fn with_tag_noise(mut self, p: f64) -> Self {
        self.tag_noise = p;
        self
    }
    /// Sets the number of playlists.
    pub fn with_playlists(mut self, n: usize) -> Self {
        self.n_playlists = n;
        self
    }
    /// Sets the mean playlist length.
    pub fn with_playlist_len(mut self, n: usize) -> Self {
        self.playlist_len = n;
        self
    }
    /// Sets the share of empty playlists.
    pub fn with_empty_playlists(mut self, p: f64) -> Self {
        self.empty_playlists = p;
        self
    }
    /// Sets the number of loves.
    pub fn with_loves(mut self, n: usize) -> Self {
        self.n_loves = n;
        self
    }
    /// Sets the start of the time span.
    pub fn with_start_time(mut self, t: i64) -> Self {
        self.start_time = t;
        self
    }
    /// Sets the length of the time span in days.
    pub fn with_span_days(mut self, d: u32) -> Self {
        self.span_days = d;
        self
    }
    /// Sets the probability of the planted successor ([`sequential_order`](Self::sequential_order)).
    pub fn with_sequential_order(mut self, p: f64) -> Self {
        self.sequential_order = p;
        self
    }

    /// Checks every value before any work.
    ///
    /// # Errors
    /// [`DataError::Invalid`] naming the first bad value.
    ///
    /// Counts are capped ([`MAX_SYNTH_PLAYS`], [`MAX_SYNTH_ITEMS`]) so that a configuration
    /// that passes fits in memory on one machine.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |m: String| Err(DataError::Invalid(m));
        if self.n_users == 0 || self.n_artists == 0 || self.n_genres == 0 {
            return bad(format!(
                "synth: n_users ({}), n_artists ({}) and n_genres ({}) must be positive",
                self.n_users, self.n_artists, self.n_genres
            ));
        }
        if self.n_genres > self.n_artists {
            return bad(format!(
                "synth: n_genres ({}) exceeds n_artists ({})",
                self.n_genres, self.n_artists
            ));
        }
        if self.n_tracks < self.n_artists {
            return bad(format!(
                "synth: n_tracks ({}) must be at least n_artists ({})",
                self.n_tracks, self.n_artists
            ));
        }
        if self.n_sessions < self.n_users {
            return bad(format!(
                "synth: n_sessions ({}) must be at least n_users ({})",
                self.n_sessions, self.n_users
            ));
        }
        if self.n_plays < self.n_sessions {
            return bad(format!(
                "synth: n_plays ({}) must be at least n_sessions ({})",
                self.n_plays, self.n_sessions
            ));
        }
        if self.n_tracks > u32::MAX as usize / 2 || self.n_plays > u32::MAX as usize {
            return bad("synth: n_tracks and n_plays must fit in 32 bits".into());
        }
        // Every count is held in memory at once: caps well above 30Music's scale (31 M plays,
        // 5.6 M tracks) that keep a generated dataset within about 16 GB.
        for (name, n, cap) in [
            ("n_plays", self.n_plays, MAX_SYNTH_PLAYS),
            ("n_tracks", self.n_tracks, MAX_SYNTH_ITEMS),
            ("n_tags", self.n_tags, MAX_SYNTH_ITEMS),
            ("n_playlists", self.n_playlists, MAX_SYNTH_ITEMS),
            ("n_loves", self.n_loves, MAX_SYNTH_PLAYS),
            ("tags_per_artist", self.tags_per_artist, 1_000),
            ("playlist_len", self.playlist_len, 100_000),
        ] {
            if n > cap {
                return bad(format!(
                    "synth: {name} ({n}) is over the generator's limit of {cap}"
                ));
            }
        }
        if self.n_playlists.saturating_mul(self.playlist_len) > MAX_SYNTH_PLAYS {
            return bad(format!(
                "synth: n_playlists × playlist_len ({} × {}) is over the generator's limit of \
                 {MAX_SYNTH_PLAYS} playlist entries",
                self.n_playlists, self.playlist_len
            ));
        }
        if self.genres_per_user == 0 {
            return bad("synth: genres_per_user must be positive".into());
        }
        if !(self.zipf_exponent.is_finite() && self.zipf_exponent >= 0.0) {
            return bad(format!(
                "synth: zipf_exponent must be finite and >= 0, got {}",
                self.zipf_exponent
            ));
        }
        for (name, p) in [
            ("drift", self.drift),
            ("repeat_track", self.repeat_track),
            ("same_artist", self.same_artist),
            ("favorite", self.favorite),
            ("short_play", self.short_play),
            ("multi_artist_tracks", self.multi_artist_tracks),
            ("tag_noise", self.tag_noise),
            ("empty_playlists", self.empty_playlists),
            ("sequential_order", self.sequential_order),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!(
                    "synth: {name} must be a probability in [0, 1], got {p}"
                ));
            }
        }
        if self.repeat_track + self.same_artist + self.favorite > 1.0 {
            return bad("synth: repeat_track + same_artist + favorite must not exceed 1".into());
        }
        if self.n_tags > 0 && self.n_tags < self.n_genres {
            return bad(format!(
                "synth: n_tags ({}) must be 0 or at least n_genres ({})",
                self.n_tags, self.n_genres
            ));
        }
        if self.n_playlists > 0 && self.playlist_len == 0 {
            return bad("synth: playlist_len must be positive when there are playlists".into());
        }
        if self.span_days == 0 {
            return bad("synth: span_days must be positive".into());
        }
        Ok(())
    }
}
