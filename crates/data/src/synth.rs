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

mod write;

use artist2vec_core::{Interactions, Play, Sessions, Vocabulary};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{ArtistTags, DataError, Dataset, Report};

pub use write::{MpdSource, SynthPaths, read_ground_truth};

/// 2014-01-01T00:00:00Z, the start of the 30Music collection period.
pub const DEFAULT_START_TIME: i64 = 1_388_534_400;

/// Minimum idle time between two sessions of a user (seconds): more than the 30-minute gap.
pub const SESSION_SEPARATION_SECS: i64 = 30 * 60 + 1;

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

    /// Checks every value before any work.
    ///
    /// # Errors
    /// [`DataError::Invalid`] naming the first bad value.
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

/// SplitMix64 step: derives independent seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rng_for(seed: u64, stream: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(mix(mix(seed ^ mix(stream)) ^ index))
}

/// Splits `total` into `weights.len()` parts proportional to `weights`, each at least `min`
/// (exact sum), the rounding remainder going to random parts.
fn apportion(total: usize, weights: &[f64], min: usize, rng: &mut StdRng) -> Vec<usize> {
    let n = weights.len();
    let extra = total - min * n;
    let sum: f64 = weights.iter().sum();
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| min + ((extra as f64) * w / sum).floor() as usize)
        .collect();
    let mut given: usize = out.iter().sum();
    // The floor leaves at most n units; give them to random parts, weighted.
    let cum = cumulative(weights);
    while given < total {
        out[sample(&cum, rng)] += 1;
        given += 1;
    }
    out
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect()
}

fn sample(cum: &[f64], rng: &mut StdRng) -> usize {
    let total = *cum.last().expect("non-empty");
    let x = rng.random::<f64>() * total;
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

/// Standard exponential variate.
fn exp1(rng: &mut StdRng) -> f64 {
    -(1.0 - rng.random::<f64>()).ln()
}

/// Standard normal variate (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

const GENRE_NAMES: [&str; 24] = [
    "rock",
    "pop",
    "hip hop",
    "electronic",
    "jazz",
    "classical",
    "metal",
    "folk",
    "r&b",
    "reggae",
    "country",
    "blues",
    "punk",
    "soul",
    "indie",
    "ambient",
    "latin",
    "funk",
    "house",
    "techno",
    "disco",
    "gospel",
    "k-pop",
    "bossa nova",
];

const GENERIC_TAGS: [&str; 12] = [
    "seen live",
    "favorites",
    "chill",
    "party",
    "öl & dance",
    "love",
    "90s",
    "2000s",
    "female vocalists",
    "instrumental",
    "beautiful",
    "música",
];

const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ra", "ven", "tor", "sa", "bel", "dra", "no", "vi", "el", "mon", "ta", "ri",
    "zu", "fen", "gal", "ha", "jo", "qui", "ne", "sol", "ar", "ix", "ul", "pe", "dor", "ma", "ki",
    "ly", "os",
];

fn word(rng: &mut StdRng) -> String {
    let n = 2 + rng.random_range(0..2);
    let mut w = String::new();
    for _ in 0..n {
        w.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
    }
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => w,
    }
}

fn artist_name(rng: &mut StdRng, i: usize) -> String {
    let r = rng.random::<f64>();
    let base = if r < 0.05 {
        format!("{} & the {}s", word(rng), word(rng))
    } else if r < 0.08 {
        // Accents, to exercise UTF-8 and URL encoding.
        format!("{}é {}ø", word(rng), word(rng))
    } else if r < 0.10 {
        format!("{}, {} & {}", word(rng), word(rng), word(rng))
    } else if r < 0.11 {
        format!("{}/{} +{}%", word(rng), word(rng), rng.random_range(1..100))
    } else if r < 0.5 {
        word(rng)
    } else {
        format!("{} {}", word(rng), word(rng))
    };
    // The index makes names unique (real catalogues have duplicates; loaders key by id).
    format!("{base} {}", to_roman_ish(i))
}

/// A short, letter-only rendering of `i` (base 26, upper case).
fn to_roman_ish(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

fn mbid(seed: u64, i: usize) -> String {
    let a = mix(seed ^ 0xA5A5 ^ (i as u64));
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0xFFF) as u16,
        (b >> 52) as u16,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// Per-genre samplers: artists of the genre and their cumulative Zipf weights.
struct Genres {
    members: Vec<Vec<u32>>,
    cum: Vec<Vec<f64>>,
    /// Global popularity of each artist (Zipf weight × genre share).
    weight: Vec<f64>,
}

impl Genres {
    fn pick(&self, g: usize, rng: &mut StdRng) -> u32 {
        self.members[g][sample(&self.cum[g], rng)]
    }
}

/// Output of one user's generation.
struct UserOut {
    /// (start, first play index, number of plays) per session.
    sessions: Vec<(i64, u32, u32)>,
    tracks: Vec<u32>,
    times: Vec<i64>,
    durations: Vec<u32>,
}

impl Synthetic {
    /// Generates a dataset.
    ///
    /// # Errors
    /// [`DataError::Invalid`] for a bad configuration (see [`SynthConfig::validate`]).
    pub fn generate(config: &SynthConfig) -> Result<Self, DataError> {
        config.validate()?;
        let c = config;
        let seed = c.seed;
        let mut rng = rng_for(seed, 1, 0);

        // Genres and their shares of listening.
        let genres: Vec<String> = (0..c.n_genres)
            .map(|g| match GENRE_NAMES.get(g) {
                Some(n) => (*n).to_owned(),
                None => format!("genre {g}"),
            })
            .collect();
        let genre_share: Vec<f64> = (0..c.n_genres)
            .map(|g| 1.0 / (1.0 + g as f64).powf(0.5))
            .collect();
        let genre_cum = cumulative(&genre_share);

        // Artists: genre (every genre non-empty), popularity rank within the genre.
        let mut artist_genre: Vec<u32> = (0..c.n_artists)
            .map(|a| {
                if a < c.n_genres {
                    a as u32
                } else {
                    sample(&genre_cum, &mut rng) as u32
                }
            })
            .collect();
        // Shuffle so artist ids carry no genre information.
        for i in (1..artist_genre.len()).rev() {
            let j = rng.random_range(0..=i);
            artist_genre.swap(i, j);
        }
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); c.n_genres];
        for (a, &g) in artist_genre.iter().enumerate() {
            members[g as usize].push(a as u32);
        }
        let mut weight = vec![0.0; c.n_artists];
        let mut cum = Vec::with_capacity(c.n_genres);
        for (g, m) in members.iter().enumerate() {
            let w: Vec<f64> = (0..m.len())
                .map(|r| 1.0 / (1.0 + r as f64).powf(c.zipf_exponent))
                .collect();
            let s: f64 = w.iter().sum();
            for (r, &a) in m.iter().enumerate() {
                weight[a as usize] = w[r] / s * genre_share[g];
            }
            cum.push(cumulative(&w));
        }
        let gs = Genres {
            members,
            cum,
            weight,
        };

        let mut names_rng = rng_for(seed, 2, 0);
        let artist_names: Vec<String> = (0..c.n_artists)
            .map(|i| artist_name(&mut names_rng, i))
            .collect();
        let artist_mbids: Vec<String> = (0..c.n_artists)
            .map(|i| {
                if mix(seed ^ 0x5EED ^ i as u64) % 10 == 3 {
                    String::new()
                } else {
                    mbid(seed, i)
                }
            })
            .collect();

        // Tracks: contiguous per artist, more for popular artists.
        let per_artist = apportion(
            c.n_tracks,
            &gs.weight.iter().map(|w| w.sqrt()).collect::<Vec<_>>(),
            1,
            &mut rng,
        );
        let mut first_track = Vec::with_capacity(c.n_artists + 1);
        let mut tracks = SynthTracks::default();
        first_track.push(0u32);
        for (a, &n) in per_artist.iter().enumerate() {
            for _ in 0..n {
                tracks.artist.push(a as u32);
                let second = if rng.random::<f64>() < c.multi_artist_tracks {
                    let g = artist_genre[a] as usize;
                    let b = gs.pick(g, &mut rng);
                    if b as usize == a { u32::MAX } else { b }
                } else {
                    u32::MAX
                };
                tracks.second_artist.push(second);
                tracks.duration.push(120 + rng.random_range(0..300));
            }
            first_track.push(tracks.artist.len() as u32);
        }

        // Tags.
        let (tag_vocab, by_artist) = make_tags(c, &genres, &artist_genre, &mut rng_for(seed, 3, 0));

        // Users: genre mixtures and activity.
        let mut user_rng = rng_for(seed, 4, 0);
        let user_genres: Vec<Vec<(u32, f32)>> = (0..c.n_users)
            .map(|_| {
                let k = 1 + user_rng.random_range(0..c.genres_per_user.min(c.n_genres));
                let mut gsel: Vec<u32> = Vec::with_capacity(k);
                while gsel.len() < k {
                    let g = sample(&genre_cum, &mut user_rng) as u32;
                    if !gsel.contains(&g) {
                        gsel.push(g);
                    }
                }
                let w: Vec<f64> = gsel.iter().map(|_| exp1(&mut user_rng) + 0.2).collect();
                let s: f64 = w.iter().sum();
                gsel.iter()
                    .zip(&w)
                    .map(|(&g, &x)| (g, (x / s) as f32))
                    .collect()
            })
            .collect();
        let activity: Vec<f64> = (0..c.n_users)
            .map(|_| normal(&mut user_rng).exp())
            .collect();
        let sessions_per_user = apportion(c.n_sessions, &activity, 1, &mut user_rng);
        // Session lengths (exact total), dealt to users in order.
        let len_w: Vec<f64> = (0..c.n_sessions).map(|_| exp1(&mut user_rng)).collect();
        let lengths = apportion(c.n_plays, &len_w, 1, &mut user_rng);
        let mut len_off = Vec::with_capacity(c.n_users + 1);
        len_off.push(0usize);
        for &k in &sessions_per_user {
            len_off.push(len_off.last().copied().unwrap_or(0) + k);
        }

        let span = c.span_days as i64 * 86_400;
        let outs: Vec<UserOut> = (0..c.n_users)
            .into_par_iter()
            .map(|u| {
                let mut r = rng_for(seed, 5, u as u64);
                gen_user(
                    c,
                    &gs,
                    &tracks,
                    &first_track,
                    &user_genres[u],
                    &lengths[len_off[u]..len_off[u + 1]],
                    span,
                    &mut r,
                )
            })
            .collect();

        // All sessions ordered by start time (then user), numbered from 0.
        let mut order: Vec<(i64, u32, u32)> = Vec::with_capacity(c.n_sessions);
        for (u, o) in outs.iter().enumerate() {
            for k in 0..o.sessions.len() {
                order.push((o.sessions[k].0, u as u32, k as u32));
            }
        }
        order.par_sort_unstable();

        let mut users = Vocabulary::new();
        for u in 0..c.n_users {
            users.insert(u.to_string());
        }
        let mut artists = Vocabulary::new();
        for (a, n) in artist_names.into_iter().enumerate() {
            let ix = artists.insert(a.to_string());
            artists.set_name(ix, n);
        }
        let mut sessions = Sessions::new(users.clone(), artists.clone(), true);
        let mut session_tracks = Vec::with_capacity(c.n_plays);
        for (id, &(_, u, k)) in order.iter().enumerate() {
            let o = &outs[u as usize];
            let (_, first, n) = o.sessions[k as usize];
            let range = first as usize..(first + n) as usize;
            session_tracks.extend_from_slice(&o.tracks[range.clone()]);
            let plays = range.map(|j| Play {
                item: tracks.artist[o.tracks[j] as usize],
                time: o.times[j],
                duration: Some(o.durations[j]),
            });
            sessions.push(id as u64, u, plays)?;
        }
        drop(outs);

        // Playlists and loves.
        let mut prng = rng_for(seed, 6, 0);
        let mut playlists = Sessions::new(users.clone(), artists.clone(), false);
        let mut playlist_tracks = Vec::new();
        let mut empty_playlists = Vec::new();
        let t0 = c.start_time;
        let mut pl_times: Vec<(i64, u32)> = (0..c.n_playlists)
            .map(|_| {
                (
                    t0 + prng.random_range(0..span),
                    prng.random_range(0..c.n_users as u32),
                )
            })
            .collect();
        pl_times.sort_unstable();
        let mut buf = Vec::new();
        for (id, &(time, user)) in pl_times.iter().enumerate() {
            if prng.random::<f64>() < c.empty_playlists {
                empty_playlists.push(EmptyPlaylist {
                    id: id as u64,
                    user,
                    time,
                });
                continue;
            }
            let len = 1 + prng.random_range(0..2 * c.playlist_len.max(1) - 1);
            buf.clear();
            for _ in 0..len {
                let g = pick_genre(&user_genres[user as usize], &mut prng);
                let a = gs.pick(g, &mut prng);
                buf.push(pick_track(&first_track, a, &mut prng));
            }
            playlist_tracks.extend_from_slice(&buf);
            playlists.push(
                id as u64,
                user,
                buf.iter().map(|&t| Play {
                    item: tracks.artist[t as usize],
                    time,
                    duration: None,
                }),
            )?;
        }
        let mut loves = Interactions::new(users, artists, true);
        let mut love_rows: Vec<(i64, u32, u32)> = (0..c.n_loves)
            .map(|_| {
                let user = prng.random_range(0..c.n_users as u32);
                let g = pick_genre(&user_genres[user as usize], &mut prng);
                let a = gs.pick(g, &mut prng);
                (
                    t0 + prng.random_range(0..span),
                    user,
                    pick_track(&first_track, a, &mut prng),
                )
            })
            .collect();
        love_rows.sort_unstable();
        let mut love_tracks = Vec::with_capacity(love_rows.len());
        for &(time, user, t) in &love_rows {
            loves.push(user, tracks.artist[t as usize], 1.0, Some(time));
            love_tracks.push(t);
        }

        let mut report = Report::new();
        report.drop_rows("empty playlist", empty_playlists.len() as u64);
        let mut dataset =
            Dataset::from_sessions(format!("synthetic:seed={seed}"), sessions, report);
        dataset.playlists = Some(playlists);
        dataset.loves = Some(loves);
        dataset.tags = Some(ArtistTags {
            tags: tag_vocab,
            by_artist,
        });
        Ok(Self {
            config: c.clone(),
            dataset,
            genres,
            artist_genre,
            user_genres,
            tracks,
            artist_mbids,
            session_tracks,
            playlist_tracks,
            love_tracks,
            empty_playlists,
        })
    }

    /// The sessions (always present in generated data).
    ///
    /// # Panics
    /// Never for data made by [`Synthetic::generate`].
    pub fn sessions(&self) -> &Sessions {
        self.dataset
            .sessions
            .as_ref()
            .expect("generated data has sessions")
    }
}

fn pick_genre(mixture: &[(u32, f32)], rng: &mut StdRng) -> usize {
    let x: f32 = rng.random::<f32>();
    let mut acc = 0.0;
    for &(g, w) in mixture {
        acc += w;
        if x < acc {
            return g as usize;
        }
    }
    mixture.last().map_or(0, |m| m.0 as usize)
}

/// A track of artist `a`, favouring its first (most popular) tracks.
fn pick_track(first_track: &[u32], a: u32, rng: &mut StdRng) -> u32 {
    let (lo, hi) = (first_track[a as usize], first_track[a as usize + 1]);
    let n = (hi - lo) as f64;
    let u: f64 = rng.random();
    lo + ((u * u * n) as u32).min(hi - lo - 1)
}

#[allow(clippy::too_many_arguments)]
fn gen_user(
    c: &SynthConfig,
    gs: &Genres,
    tracks: &SynthTracks,
    first_track: &[u32],
    mixture: &[(u32, f32)],
    lengths: &[usize],
    span: i64,
    rng: &mut StdRng,
) -> UserOut {
    let n_plays: usize = lengths.iter().sum();
    let mut out = UserOut {
        sessions: Vec::with_capacity(lengths.len()),
        tracks: Vec::with_capacity(n_plays),
        times: Vec::with_capacity(n_plays),
        durations: Vec::with_capacity(n_plays),
    };
    // Candidate starts, uniform over the span, sorted; pushed later when a session runs long.
    let mut starts: Vec<i64> = lengths.iter().map(|_| rng.random_range(0..span)).collect();
    starts.sort_unstable();
    let mut history: Vec<u32> = Vec::with_capacity(n_plays);
    let mut earliest = i64::MIN;
    for (k, &len) in lengths.iter().enumerate() {
        let mut t = (c.start_time + starts[k]).max(earliest);
        let first = out.tracks.len() as u32;
        let mut genre = pick_genre(mixture, rng);
        let mut prev: Option<u32> = None;
        for _ in 0..len {
            let x: f64 = rng.random();
            let track = match prev {
                Some(p) if x < c.repeat_track => p,
                Some(p) if x < c.repeat_track + c.same_artist => {
                    pick_track(first_track, tracks.artist[p as usize], rng)
                }
                _ if x < c.repeat_track + c.same_artist + c.favorite && !history.is_empty() => {
                    let a = history[rng.random_range(0..history.len())];
                    pick_track(first_track, a, rng)
                }
                _ => {
                    if rng.random::<f64>() < c.drift {
                        genre = if rng.random::<f64>() < 0.1 {
                            rng.random_range(0..gs.members.len())
                        } else {
                            pick_genre(mixture, rng)
                        };
                    }
                    pick_track(first_track, gs.pick(genre, rng), rng)
                }
            };
            let full = tracks.duration[track as usize];
            let dur = if rng.random::<f64>() < c.short_play {
                1 + rng.random_range(0..29)
            } else if rng.random::<f64>() < 0.2 {
                30 + rng.random_range(0..full - 29)
            } else {
                full
            };
            out.tracks.push(track);
            out.times.push(t);
            out.durations.push(dur);
            history.push(tracks.artist[track as usize]);
            t += dur as i64 + rng.random_range(0..6);
            prev = Some(track);
        }
        let start = out.times[first as usize];
        out.sessions.push((start, first, len as u32));
        earliest = t + SESSION_SEPARATION_SECS + rng.random_range(0..600);
    }
    out
}

fn make_tags(
    c: &SynthConfig,
    genres: &[String],
    artist_genre: &[u32],
    rng: &mut StdRng,
) -> (Vocabulary, Vec<Vec<u32>>) {
    let mut vocab = Vocabulary::new();
    if c.n_tags == 0 {
        return (vocab, vec![Vec::new(); artist_genre.len()]);
    }
    let n_generic = (c.n_tags / 5).min(c.n_tags - c.n_genres);
    let per_genre = (c.n_tags - n_generic) / c.n_genres;
    let n_genre_tags = per_genre * c.n_genres;
    let n_generic = c.n_tags - n_genre_tags;
    let forms = [
        "{}",
        "best of {}",
        "{} classics",
        "{} música",
        "{} vibes",
        "{} forever",
    ];
    let mut id = 0usize;
    for g in genres {
        for j in 0..per_genre {
            let name = match forms.get(j) {
                Some(f) => f.replace("{}", g),
                None => format!("{g} {j}"),
            };
            let ix = vocab.insert(id.to_string());
            vocab.set_name(ix, name);
            id += 1;
        }
    }
    for j in 0..n_generic {
        let name = match GENERIC_TAGS.get(j) {
            Some(n) => (*n).to_owned(),
            None => format!("tag {j}"),
        };
        let ix = vocab.insert(id.to_string());
        vocab.set_name(ix, name);
        id += 1;
    }
    let by_artist = artist_genre
        .iter()
        .map(|&g| {
            if rng.random::<f64>() < 0.1 {
                return Vec::new();
            }
            let k = 1 + rng.random_range(0..c.tags_per_artist.max(1));
            let mut v: Vec<u32> = (0..k)
                .map(|_| {
                    if rng.random::<f64>() < c.tag_noise || per_genre == 0 {
                        rng.random_range(0..c.n_tags as u32)
                    } else {
                        (g as usize * per_genre + rng.random_range(0..per_genre)) as u32
                    }
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    (vocab, by_artist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_counts_and_determinism() {
        let cfg = SynthConfig::tiny().with_seed(3);
        let a = Synthetic::generate(&cfg).unwrap();
        let b = Synthetic::generate(&cfg).unwrap();
        assert_eq!(a, b);
        let s = a.sessions();
        assert_eq!(s.len(), cfg.n_sessions);
        assert_eq!(s.n_plays(), cfg.n_plays);
        assert_eq!(a.dataset.users().len(), cfg.n_users);
        assert_eq!(a.dataset.artists().len(), cfg.n_artists);
        assert_eq!(a.tracks.len(), cfg.n_tracks);
        assert_eq!(a.session_tracks.len(), cfg.n_plays);
        let other = Synthetic::generate(&cfg.clone().with_seed(4)).unwrap();
        assert_ne!(a.sessions(), other.sessions());
        // Every user has a session.
        let mut seen = vec![false; cfg.n_users];
        for r in s.iter() {
            seen[r.user as usize] = true;
        }
        assert!(seen.iter().all(|&x| x));
        // Sessions ordered by start.
        assert!(
            s.iter()
                .zip(s.iter().skip(1))
                .all(|(x, y)| x.start() <= y.start())
        );
        let pl = a.dataset.playlists.as_ref().unwrap();
        assert_eq!(pl.len() + a.empty_playlists.len(), cfg.n_playlists);
        assert_eq!(a.dataset.loves.as_ref().unwrap().len(), cfg.n_loves);
    }

    #[test]
    fn same_result_with_one_thread() {
        let cfg = SynthConfig::tiny().with_seed(11);
        let many = Synthetic::generate(&cfg).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| Synthetic::generate(&cfg)).unwrap();
        assert_eq!(many, one);
    }

    #[test]
    fn partial_json_config_fills_in_defaults() {
        let c: SynthConfig = serde_json::from_str(r#"{"seed": 7, "n_users": 500}"#).unwrap();
        assert_eq!(c, SynthConfig::small().with_seed(7).with_users(500));
        let back: SynthConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn bad_configs_fail_fast() {
        assert!(SynthConfig::tiny().with_tracks(10).validate().is_err());
        assert!(SynthConfig::tiny().with_drift(1.5).validate().is_err());
        assert!(SynthConfig::tiny().with_sessions(5).validate().is_err());
        assert!(SynthConfig::tiny().with_plays(10).validate().is_err());
        assert!(SynthConfig::tiny().with_users(0).validate().is_err());
        assert!(SynthConfig::tiny().validate().is_ok());
        assert!(SynthConfig::full_30music().validate().is_ok());
    }
}
