//! The fit cache of `artist2vec run`: one model file per (training data, model, complete
//! configuration), named by a 128-bit FNV-1a hash of all three.

use std::path::PathBuf;

use anyhow::{Context, Result};
use artist2vec::core::{AnyModel, ArtistContent, Interactions, Sessions};
use serde_json::Value;

/// Two FNV-1a 64-bit hashes with different offset bases (128 bits).
struct Fnv([u64; 2]);

impl Fnv {
    fn new() -> Self {
        Fnv([0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142])
    }
    fn bytes(&mut self, b: &[u8]) {
        for h in &mut self.0 {
            for &x in b {
                *h ^= u64::from(x);
                *h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
}

/// The key of a fit: the training rows and sessions (ids, indices, weights, times), the model
/// family and its complete configuration.
pub fn data_key(
    rows: &Interactions,
    sessions: Option<&Sessions>,
    family: &str,
    config: &str,
) -> String {
    let mut h = Fnv::new();
    h.str(family);
    h.str(config);
    for v in [&rows.users, &rows.items] {
        h.u64(v.len() as u64);
        for id in v.ids() {
            h.str(id);
        }
    }
    h.u64(rows.len() as u64);
    for ((&u, &i), &w) in rows
        .user_col()
        .iter()
        .zip(rows.item_col())
        .zip(rows.weight_col())
    {
        h.u64(u64::from(u));
        h.u64(u64::from(i));
        h.u64(u64::from(w.to_bits()));
    }
    if let Some(t) = rows.time_col() {
        for &x in t {
            h.u64(x as u64);
        }
    }
    match sessions {
        None => h.u64(0),
        Some(s) => {
            h.u64(1 + s.len() as u64);
            for x in s.iter() {
                h.u64(u64::from(x.user));
                h.u64(x.items.len() as u64);
                for (&i, &t) in x.items.iter().zip(x.times) {
                    h.u64(u64::from(i));
                    h.u64(t as u64);
                }
            }
        }
    }
    format!("{:016x}{:016x}", h.0[0], h.0[1])
}

/// The key of a fit with artist content attached: `key` (from [`data_key`]) and the content
/// (artist ids, feature ids, weights).
pub fn content_key(key: &str, c: &ArtistContent) -> String {
    let mut h = Fnv::new();
    h.str(key);
    for v in [&c.artists, &c.features] {
        h.u64(v.len() as u64);
        for id in v.ids() {
            h.str(id);
        }
    }
    for a in 0..c.artists.len() as u32 {
        let f = c.features_of(a);
        h.u64(f.len() as u64);
        for &(x, w) in f {
            h.u64(u64::from(x));
            h.u64(u64::from(w.to_bits()));
        }
    }
    format!("{:016x}{:016x}", h.0[0], h.0[1])
}

/// A directory of cached fits and tuning outcomes.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creates) the directory.
    pub fn new(dir: PathBuf) -> Result<Cache> {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Cache { dir })
    }

    /// The cached fit of `key`, if any (an unreadable file counts as absent and is refitted).
    pub fn load(&self, key: &str) -> Result<Option<AnyModel>> {
        let p = self.dir.join(format!("{key}.a2v"));
        if !p.exists() {
            return Ok(None);
        }
        Ok(artist2vec::registry().load(&p).ok())
    }

    /// Stores a fit.
    pub fn store(&self, key: &str, m: &AnyModel) -> Result<()> {
        Ok(m.save(&self.dir.join(format!("{key}.a2v")))?)
    }

    /// A cached JSON value.
    pub fn load_json(&self, key: &str) -> Result<Option<Value>> {
        let p = self.dir.join(format!("{key}.json"));
        match std::fs::read_to_string(&p) {
            Ok(t) => Ok(serde_json::from_str(&t).ok()),
            Err(_) => Ok(None),
        }
    }

    /// Stores a JSON value.
    pub fn store_json(&self, key: &str, v: &Value) -> Result<()> {
        let p = self.dir.join(format!("{key}.json"));
        std::fs::write(&p, serde_json::to_string_pretty(v)?)
            .with_context(|| format!("writing {}", p.display()))
    }
}
