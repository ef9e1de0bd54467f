//! Saving and loading fitted models with the core crate's [`modelfile`] container: magic number,
//! model kind, format version, the configuration as JSON, and a checksummed payload, written
//! atomically.

use std::io::Read;
use std::path::Path;

use artist2vec_core::modelfile::{self, Decoder, Encoder, Header};
use artist2vec_core::{CoreError, Fit, Interactions};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::{DecodeError, TrainData};
use crate::{ModelError, Result};

/// Implemented by every model type of this crate.
pub(crate) trait Persist: Sized {
    /// The kind written into the file header (the registry name, e.g. `"als"`).
    const KIND: &'static str;
    /// The payload format version this build writes.
    const VERSION: u32;
    /// The configuration type, stored as JSON in the header.
    type Config: Serialize + DeserializeOwned + Fit<Interactions, Error = ModelError>;

    /// Writes what the model adds to its training data.
    fn encode(&self, e: &mut Encoder);
    /// Reads what [`encode`](Self::encode) wrote, given the configuration and the training data
    /// stored before it.
    fn decode(
        config: Self::Config,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError>;
}

/// Writes `model`, trained with `config` on `data` (its own fields, which the trait cannot
/// reach): the configuration as JSON in the header, then a payload of the training data followed
/// by what [`Persist::encode`] writes.
pub(crate) fn save<M: Persist>(
    model: &M,
    config: &M::Config,
    data: &TrainData,
    path: &Path,
) -> Result<()> {
    let config = serde_json::to_string(config).expect("configurations serialise");
    let mut e = Encoder::new();
    data.encode(&mut e);
    model.encode(&mut e);
    modelfile::write(
        path,
        &Header {
            kind: M::KIND.to_owned(),
            version: M::VERSION,
            config,
        },
        &e.buf,
    )?;
    Ok(())
}

pub(crate) fn load<M: Persist>(path: &Path) -> Result<M> {
    let (header, payload) = modelfile::read(path, M::KIND, &[M::VERSION])?;
    let format = |message: String| {
        ModelError::Core(CoreError::Format {
            path: path.to_path_buf(),
            message,
        })
    };
    let config: M::Config = serde_json::from_str(&header.config)
        .map_err(|e| format(format!("stored {} configuration: {e}", M::KIND)))?;
    config
        .validate()
        .map_err(|e| format(format!("stored configuration is invalid: {e}")))?;
    let mut d = Decoder::new(&payload);
    let model = TrainData::decode(&mut d)
        .and_then(|data| M::decode(config, data, &mut d))
        .map_err(|e| format(format!("damaged {} payload: {}", M::KIND, e.0)))?;
    if !d.is_empty() {
        return Err(format(format!(
            "{} unexpected bytes at the end of the {} payload",
            d.remaining(),
            M::KIND
        )));
    }
    Ok(model)
}

/// The model kind recorded in a model file's header (e.g. `"als"`), read without loading the
/// model.
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Format`] when it is not an
/// artist2vec model file or its header is cut short.
pub fn model_kind_of(path: &Path) -> Result<String> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(8 + 4 + 4 + 256).read_to_end(&mut head))
        .map_err(|e| CoreError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    let format = |message: &str| {
        ModelError::Core(CoreError::Format {
            path: path.to_path_buf(),
            message: message.to_owned(),
        })
    };
    let mut d = Decoder::new(&head);
    let magic = d
        .bytes(8)
        .map_err(|_| format("file too short to be an artist2vec model"))?;
    if magic != modelfile::MAGIC {
        return Err(format("not an artist2vec model file (bad magic number)"));
    }
    let cv = d
        .u32()
        .map_err(|_| format("truncated file: expected container version"))?;
    if cv != modelfile::CONTAINER_VERSION {
        return Err(format(&format!(
            "container version {cv}, this build reads {}",
            modelfile::CONTAINER_VERSION
        )));
    }
    let n = d
        .u32()
        .map_err(|_| format("truncated file: expected kind"))? as usize;
    let kind = d
        .bytes(n)
        .map_err(|_| format("truncated file: expected kind"))?;
    String::from_utf8(kind.to_vec()).map_err(|_| format("kind is not UTF-8"))
}
