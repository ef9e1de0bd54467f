//! One save/load contract for every model: [`Persist`] over the [`modelfile`] container.
//!
//! A model file holds the model's kind (its registry name), a format version, the configuration
//! the model was trained with as JSON, and a checksummed payload; it is written to a temporary
//! sibling and renamed into place. [`save`] and [`load`] do all of that for any [`Persist`]
//! type, so a model only says how its payload is laid out. Vocabularies are encoded one way
//! everywhere ([`Vocabulary::encode`] / [`Vocabulary::decode`]).
//!
//! ```
//! use artist2vec_core::modelfile::{Decoder, Encoder};
//! use artist2vec_core::persist::{self, DecodeError, Persist};
//!
//! /// A "model" that remembers one number.
//! #[derive(Debug, PartialEq)]
//! struct Constant { config: f32 }
//!
//! impl Persist for Constant {
//!     const KIND: &'static str = "constant";
//!     const VERSION: u32 = 1;
//!     type Config = f32;
//!     fn config(&self) -> &f32 { &self.config }
//!     fn check_config(c: &f32) -> Result<(), String> {
//!         if c.is_finite() { Ok(()) } else { Err(format!("{c} is not finite")) }
//!     }
//!     fn encode(&self, _e: &mut Encoder) {}
//!     fn decode(config: f32, _version: u32, _d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
//!         Ok(Constant { config })
//!     }
//! }
//!
//! let path = std::env::temp_dir().join(format!("a2v-persist-doc-{}", std::process::id()));
//! persist::save(&Constant { config: 2.5 }, &path)?;
//! assert_eq!(persist::load::<Constant>(&path)?, Constant { config: 2.5 });
//! assert_eq!(artist2vec_core::modelfile::read_header(&path)?.kind, "constant");
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), artist2vec_core::CoreError>(())
//! ```

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::modelfile::{self, Decoder, Encoder, Header, Truncated};
use crate::{CoreError, Vocabulary};

/// A damaged or inconsistent payload; [`load`] turns it into [`CoreError::Format`] naming the
/// file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl From<CoreError> for DecodeError {
    fn from(e: CoreError) -> Self {
        DecodeError(e.to_string())
    }
}

impl From<Truncated> for DecodeError {
    fn from(_: Truncated) -> Self {
        DecodeError("the payload ends too early".into())
    }
}

/// A model that can be written to and read from a model file.
pub trait Persist: Sized {
    /// The kind written into the file header (the registry name, e.g. `"als"`).
    const KIND: &'static str;
    /// The payload format version this build writes.
    const VERSION: u32;
    /// The configuration type, stored as JSON in the header.
    type Config: Serialize + DeserializeOwned;

    /// The configuration the model was trained with.
    fn config(&self) -> &Self::Config;

    /// Checks a configuration read from a file (the same checks as before training).
    ///
    /// # Errors
    /// A message naming the first bad value.
    fn check_config(config: &Self::Config) -> Result<(), String>;

    /// Whether this build reads payloads of format `version` (default: [`VERSION`](Self::VERSION) only).
    fn reads_version(version: u32) -> bool {
        version == Self::VERSION
    }

    /// Writes the payload.
    fn encode(&self, e: &mut Encoder);

    /// Reads what [`encode`](Self::encode) wrote (in format `version`), given the stored
    /// configuration.
    ///
    /// # Errors
    /// [`DecodeError`] naming what is damaged or inconsistent.
    fn decode(config: Self::Config, version: u32, d: &mut Decoder<'_>)
    -> Result<Self, DecodeError>;
}

/// Writes `model` to `path`, atomically: the configuration as JSON in the header, then the
/// checksummed payload.
///
/// # Errors
/// [`CoreError::Io`] naming the file; [`CoreError::Invalid`] if the configuration does not
/// serialise (a non-finite float, for instance).
pub fn save<M: Persist>(model: &M, path: impl AsRef<Path>) -> Result<(), CoreError> {
    let config = serde_json::to_string(model.config())
        .map_err(|e| CoreError::Invalid(format!("{} configuration: {e}", M::KIND)))?;
    let mut e = Encoder::new();
    model.encode(&mut e);
    modelfile::write(
        path.as_ref(),
        &Header {
            kind: M::KIND.to_owned(),
            version: M::VERSION,
            config,
        },
        &e.buf,
    )
}

/// The bytes [`save`] would write, kept in memory (a model stored inside another model's
/// payload, as the hybrid stores its members).
///
/// # Errors
/// [`CoreError::Invalid`] if the configuration does not serialise.
pub fn to_bytes<M: Persist>(model: &M) -> Result<Vec<u8>, CoreError> {
    let config = serde_json::to_string(model.config())
        .map_err(|e| CoreError::Invalid(format!("{} configuration: {e}", M::KIND)))?;
    let mut e = Encoder::new();
    model.encode(&mut e);
    Ok(modelfile::to_bytes(
        &Header {
            kind: M::KIND.to_owned(),
            version: M::VERSION,
            config,
        },
        &e.buf,
    ))
}

/// Reads a model written by [`save`], checking the magic number, the kind, the format version,
/// the checksum, the stored configuration and that the payload is read to its end.
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Format`] naming the file for
/// anything else.
pub fn load<M: Persist>(path: impl AsRef<Path>) -> Result<M, CoreError> {
    let path = path.as_ref();
    let (header, payload) = modelfile::read_with(path, M::KIND, M::reads_version)?;
    decode_checked(path, header, &payload)
}

/// [`load`] from the bytes of a model file held in memory ([`to_bytes`]); `origin` names them
/// in errors.
///
/// # Errors
/// [`CoreError::Format`] naming `origin`, as [`load`].
pub fn from_bytes<M: Persist>(bytes: &[u8], origin: &Path) -> Result<M, CoreError> {
    let (header, payload) = modelfile::read_bytes_with(bytes, origin, M::KIND, M::reads_version)?;
    decode_checked(origin, header, &payload)
}

fn decode_checked<M: Persist>(path: &Path, header: Header, payload: &[u8]) -> Result<M, CoreError> {
    let format = |message: String| CoreError::Format {
        path: path.to_path_buf(),
        message,
    };
    let config: M::Config = serde_json::from_str(&header.config)
        .map_err(|e| format(format!("stored {} configuration: {e}", M::KIND)))?;
    M::check_config(&config)
        .map_err(|e| format(format!("stored configuration is invalid: {e}")))?;
    let mut d = Decoder::new(payload);
    let model = M::decode(config, header.version, &mut d)
        .map_err(|e| format(format!("damaged {} payload: {e}", M::KIND)))?;
    if !d.is_empty() {
        return Err(format(format!(
            "{} unexpected bytes at the end of the {} payload",
            d.remaining(),
            M::KIND
        )));
    }
    Ok(model)
}

impl Vocabulary {
    /// Appends the vocabulary to a payload: the number of entries (`u64`), then for each entry
    /// its id (length-prefixed UTF-8) and a `u32` flag, 1 followed by its display name or 0.
    /// The one vocabulary encoding of model files and datasets.
    pub fn encode(&self, e: &mut Encoder) {
        e.u64(self.len() as u64);
        for i in 0..self.len() as u32 {
            e.str(self.id(i));
            match self.name_opt(i) {
                Some(n) => {
                    e.u32(1);
                    e.str(n);
                }
                None => e.u32(0),
            }
        }
    }

    /// Reads what [`encode`](Self::encode) wrote.
    ///
    /// # Errors
    /// [`DecodeError`] for a truncated payload, a duplicate id or a bad name flag. The entry
    /// count is checked against the bytes left before anything is allocated.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Vocabulary, DecodeError> {
        let n = d.u64()?;
        // Every entry takes at least 12 bytes (an 8-byte length and a 4-byte flag).
        if n > (d.remaining() / 12) as u64 {
            return Err(Truncated.into());
        }
        let mut v = Vocabulary::new();
        for i in 0..n as usize {
            let id = d.str()?;
            let ix = v.insert(id);
            if ix as usize != i {
                return Err(DecodeError(format!(
                    "duplicate id {:?} in vocabulary",
                    v.id(ix)
                )));
            }
            match d.u32()? {
                0 => {}
                1 => v.set_name(ix, d.str()?),
                f => return Err(DecodeError(format!("bad name flag {f}"))),
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_round_trip_and_damage() {
        let mut v = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
        v.set_name(1, "Bee");
        let mut e = Encoder::new();
        v.encode(&mut e);
        let back = Vocabulary::decode(&mut Decoder::new(&e.buf)).unwrap();
        assert_eq!(back.ids(), v.ids());
        assert_eq!(back.name_opt(1), Some("Bee"));
        assert_eq!(back.name_opt(0), None);
        for cut in 0..e.buf.len() {
            assert!(Vocabulary::decode(&mut Decoder::new(&e.buf[..cut])).is_err());
        }
        // A huge count is refused before allocating.
        let mut e = Encoder::new();
        e.u64(u64::MAX);
        assert!(Vocabulary::decode(&mut Decoder::new(&e.buf)).is_err());
        // A duplicate id.
        let mut e = Encoder::new();
        e.u64(2);
        for _ in 0..2 {
            e.str("x");
            e.u32(0);
        }
        let err = Vocabulary::decode(&mut Decoder::new(&e.buf)).unwrap_err();
        assert!(err.0.contains("duplicate"), "{err}");
    }
}
