//! A small seeded generator of listening sessions with planted genres, for tests.

use artist2vec_core::{Interactions, Play, Sessions, Vocabulary};

/// SplitMix64, so the tests need no random-number crate.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `genres × per_genre` artists (artist `a` belongs to genre `a / per_genre`); `users` users,
/// each with a favourite genre; sessions of 5–20 plays. A session stays in one genre (the
/// user's favourite with probability 0.8); each play is from the session's genre with
/// probability `1 - noise`, otherwise any artist. Within a genre artists are Zipf-distributed.
pub struct Planted {
    pub genres: usize,
    pub per_genre: usize,
    pub users: usize,
    pub sessions: usize,
    pub noise: f64,
    pub seed: u64,
}

impl Planted {
    pub fn genre(&self, artist: u32) -> usize {
        artist as usize / self.per_genre
    }

    pub fn sessions(&self) -> Sessions {
        let n_items = self.genres * self.per_genre;
        let items = Vocabulary::from_ids((0..n_items).map(|i| format!("a{i}"))).unwrap();
        let users = Vocabulary::from_ids((0..self.users).map(|i| format!("u{i}"))).unwrap();
        let mut out = Sessions::new(users, items, false);
        let mut rng = Rng(self.seed);
        // Zipf(1) within a genre: cumulative weights 1/(r+1).
        let cum: Vec<f64> = (0..self.per_genre)
            .scan(0.0, |s, r| {
                *s += 1.0 / (r as f64 + 1.0);
                Some(*s)
            })
            .collect();
        let total = *cum.last().unwrap();
        for s in 0..self.sessions {
            let user = rng.below(self.users);
            let fav = user % self.genres;
            let g = if rng.unit() < 0.8 {
                fav
            } else {
                rng.below(self.genres)
            };
            let len = 5 + rng.below(16);
            let mut plays = Vec::with_capacity(len);
            for t in 0..len {
                let item = if rng.unit() < self.noise {
                    rng.below(n_items)
                } else {
                    let x = rng.unit() * total;
                    g * self.per_genre + cum.partition_point(|&c| c < x).min(self.per_genre - 1)
                };
                plays.push(Play {
                    item: item as u32,
                    time: (s * 100 + t) as i64,
                    duration: None,
                });
            }
            out.push(s as u64, user as u32, plays).unwrap();
        }
        out
    }

    pub fn interactions(&self) -> Interactions {
        self.sessions().to_counts()
    }
}

/// The default planted world of the tests: 8 genres of 25 artists, 3000 sessions, 10 % noise.
pub fn world() -> Planted {
    Planted {
        genres: 8,
        per_genre: 25,
        users: 200,
        sessions: 3000,
        noise: 0.1,
        seed: 2024,
    }
}
