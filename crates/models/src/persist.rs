//! How this crate's models fill the core [`Persist`](artist2vec_core::persist::Persist)
//! contract: every payload starts with the training data the model keeps ([`TrainData`]: both
//! vocabularies and the user × artist matrix), followed by what the model adds.

use std::path::Path;

use artist2vec_core::CoreError;
use artist2vec_core::modelfile::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::{DecodeError, TrainData};

/// Implemented by every model type of this crate; `model_common!` turns it into the core
/// `Persist`, `Model` and `Registered` implementations.
pub(crate) trait Stored: Sized {
    /// The kind written into the file header (the registry name, e.g. `"als"`).
    const KIND: &'static str;
    /// The payload format version this build writes.
    const VERSION: u32;
    /// The configuration type, stored as JSON in the header.
    type Config: Serialize + DeserializeOwned;

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

/// The model kind recorded in a model file's header (e.g. `"als"`), read without loading the
/// model.
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Format`] when it is not an
/// artist2vec model file or its header is cut short.
pub fn model_kind_of(path: &Path) -> Result<String, CoreError> {
    Ok(artist2vec_core::modelfile::read_header(path)?.kind)
}
