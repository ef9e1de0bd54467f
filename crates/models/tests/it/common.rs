//! Seeded planted-genre data and small helpers shared by the tests.

use artist2vec_core::{Interactions, SimilarArtists, Vocabulary};

/// SplitMix64: a tiny seeded generator, enough for test data.
pub struct Rand(u64);

impl Rand {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

/// Listening data with planted genres: `n_genres` genres of `per_genre` artists each (artist
/// `a` belongs to genre `a / per_genre`). Every user has a favourite genre (users spread evenly)
/// and plays 12–30 artists, 85 % from that genre and 15 % from anywhere; within a genre the
/// choice is skewed towards a few popular artists (index drawn as `per_genre · u²`). Play counts
/// are 1 + an exponential with mean 20.
pub struct Planted {
    pub data: Interactions,
    pub per_genre: usize,
    pub n_genres: usize,
}

impl Planted {
    pub fn genre(&self, artist: u32) -> usize {
        artist as usize / self.per_genre
    }
}

pub fn planted(seed: u64, n_users: usize, n_genres: usize, per_genre: usize) -> Planted {
    let mut r = Rand::new(seed);
    let n_items = n_genres * per_genre;
    let users = Vocabulary::from_ids((0..n_users).map(|u| format!("u{u}"))).unwrap();
    let mut items = Vocabulary::new();
    for a in 0..n_items {
        let ix = items.insert(format!("a{a}"));
        items.set_name(ix, format!("Artist {a} (genre {})", a / per_genre));
    }
    let (mut uc, mut ic, mut wc) = (vec![], vec![], vec![]);
    for u in 0..n_users {
        let fav = u % n_genres;
        let n = 12 + r.below(19);
        let mut seen = std::collections::HashSet::new();
        while seen.len() < n {
            let g = if r.unit() < 0.85 {
                fav
            } else {
                r.below(n_genres)
            };
            let x = r.unit();
            let a = g * per_genre + ((x * x) * per_genre as f64) as usize;
            if seen.insert(a) {
                uc.push(u as u32);
                ic.push(a as u32);
                wc.push(1.0 + (-(1.0 - r.unit()).ln() * 20.0).floor() as f32);
            }
        }
    }
    let data = Interactions::from_columns(users, items, uc, ic, wc, None).unwrap();
    Planted {
        data,
        per_genre,
        n_genres,
    }
}

/// Mean fraction of each artist's `k` nearest neighbours that share its planted genre.
pub fn genre_purity(p: &Planted, model: &dyn SimilarArtists, k: usize) -> f64 {
    let n = p.n_genres * p.per_genre;
    let mut total = 0.0;
    for a in 0..n as u32 {
        let nb = model.similar(a, k).unwrap();
        assert_eq!(nb.len(), k, "artist {a} has {} neighbours", nb.len());
        assert!(
            nb.iter().all(|x| x.item != a),
            "artist {a} is its own neighbour"
        );
        total += nb.iter().filter(|x| p.genre(x.item) == p.genre(a)).count() as f64 / k as f64;
    }
    total / n as f64
}

/// An empty interaction table over small vocabularies.
pub fn empty() -> Interactions {
    Interactions::new(
        Vocabulary::from_ids(["u"]).unwrap(),
        Vocabulary::from_ids(["a", "b"]).unwrap(),
        false,
    )
}

/// A unique temporary directory (removed by the caller).
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-models-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every model family of the crate, in registry order.
pub const ALL: [&str; 10] = [
    "popularity",
    "item-knn",
    "user-knn",
    "svd",
    "als",
    "wmf",
    "bpr",
    "ease",
    "rp3beta",
    "sparse-ease",
];

/// Fits the family called `name` through the crate's registry.
pub fn fit(
    name: &str,
    json: Option<&str>,
    data: &artist2vec_core::Interactions,
    observer: &dyn artist2vec_core::Observer,
) -> Result<artist2vec_models::AnyModel, artist2vec_core::CoreError> {
    artist2vec_models::registry().fit(
        name,
        json,
        &artist2vec_core::TrainingData::new(data),
        observer,
    )
}

/// Loads any model file through the crate's registry.
pub fn load(
    path: impl AsRef<std::path::Path>,
) -> Result<artist2vec_models::AnyModel, artist2vec_core::CoreError> {
    artist2vec_models::registry().load(path)
}

/// Small, fast configurations of every model for the planted data, as JSON.
pub fn small_config(kind: &str) -> &'static str {
    match kind {
        "popularity" => "{}",
        "item-knn" => r#"{"k": 50}"#,
        "user-knn" => r#"{"k": 30}"#,
        "svd" => r#"{"factors": 16}"#,
        "als" => r#"{"factors": 16, "regularization": 1.0, "alpha": 3.0, "iterations": 10}"#,
        // One thread: lock-free training on several is not bit-reproducible.
        "wmf" => r#"{"factors": 16, "epochs": 15, "threads": 1}"#,
        "bpr" => r#"{"factors": 16, "iterations": 60, "learning_rate": 0.02, "threads": 1}"#,
        "ease" => r#"{"lambda": 50.0, "min_listeners": 1}"#,
        "rp3beta" => r#"{"k": 50}"#,
        "sparse-ease" => r#"{"lambda": 50.0, "k": 50}"#,
        _ => "{}",
    }
}
