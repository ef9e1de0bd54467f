//! The error type of the crate.

use artist2vec_core::CoreError;

/// Errors of the neural models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NeuralError {
    /// A configuration value that is not allowed.
    #[error("invalid configuration: {field} = {value}; expected {expected}")]
    Config {
        /// The field.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A size (dimension, batch, negatives, …) whose tables or batches would take more memory
    /// than [`MAX_TRAINING_BYTES`], found before anything is allocated.
    #[error("`{field}` = {value} is too large: {limit}")]
    OverLimit {
        /// The field of the configuration.
        field: &'static str,
        /// Its value.
        value: String,
        /// The limit and what the value would have taken.
        limit: String,
    },
    /// A [`Device`](crate::Device) this build or machine cannot train on (a GPU without the
    /// `cuda` feature, without an NVIDIA driver, or one that does not exist), found before any
    /// work.
    #[error("cannot train on {device}: {reason}")]
    Device {
        /// The device asked for (`cuda:0`, …).
        device: String,
        /// Why not, and what to do.
        reason: String,
    },
    /// Data that gives nothing to train on (no two trained artists in one sentence, …).
    #[error("nothing to train on: {0}")]
    NoTrainingData(String),
    /// The loss (or a parameter) stopped being finite: the learning rate is too high for the
    /// batch size.
    #[error(
        "training diverged in epoch {epoch} (0-based): mean loss {loss}; lower the learning rate \
         (alpha, lr) or the batch size"
    )]
    Diverged {
        /// The epoch (0-based).
        epoch: usize,
        /// The epoch's mean loss.
        loss: f64,
    },
    /// An error of the core types (shapes, indices, vocabularies).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// The most bytes the parameters (with their gradients and optimiser state) or the tensors of
/// one batch of a neural model may take: 16 GiB, as the factor models' `MAX_MODEL_BYTES`.
pub const MAX_TRAINING_BYTES: u64 = 16 << 30;

/// `4 · Σ factors` bytes (`f32`), overflow-safe, against [`MAX_TRAINING_BYTES`]: the error for
/// `field` = `value` names what the bytes are for (`what`), the bytes and the limit.
pub(crate) fn check_bytes(
    field: &'static str,
    value: impl ToString,
    what: &str,
    terms: &[&[usize]],
) -> Result<()> {
    let floats = terms.iter().try_fold(0u128, |acc, product| {
        let p = product
            .iter()
            .try_fold(1u128, |p, &x| p.checked_mul(x as u128))?;
        acc.checked_add(p)
    });
    let bytes = floats.and_then(|f| f.checked_mul(4));
    let limit = u128::from(MAX_TRAINING_BYTES);
    match bytes {
        Some(b) if b <= limit => Ok(()),
        b => Err(NeuralError::OverLimit {
            field,
            value: value.to_string(),
            limit: format!(
                "{what} would take {} bytes, over the limit of {limit} bytes (16 GiB)",
                b.map_or_else(|| "more than 2^128".to_string(), |b| b.to_string())
            ),
        }),
    }
}

/// A `Result` with [`NeuralError`].
pub type Result<T, E = NeuralError> = std::result::Result<T, E>;

/// [`NeuralError::Config`] for `field`, its `value` and what is `expected`: what every
/// configuration's `validate` returns for its first bad field.
pub(crate) fn bad_config(
    field: &'static str,
    value: impl ToString,
    expected: &'static str,
) -> Result<()> {
    Err(NeuralError::Config {
        field,
        value: value.to_string(),
        expected,
    })
}

/// The loss of a batch or an epoch, checked: a value that is not finite is
/// [`NeuralError::Diverged`] naming `epoch`. Every burn trainer's loop goes through it.
///
/// With the configuration limits (learning rates at most 10, Adam/AdaGrad steps bounded by
/// the learning rate, a log-softmax that cannot overflow) GRU4Rec and YouTube-DNN do not
/// diverge in practice, so the unit tests force the check with [`poison::at_epoch`]: the
/// loss of that epoch's batches reads as NaN inside the real training loop.
pub(crate) fn checked_loss(value: f64, epoch: usize) -> Result<f64> {
    #[cfg(test)]
    let value = poison::apply(value, epoch);
    if value.is_finite() {
        Ok(value)
    } else {
        Err(NeuralError::Diverged { epoch, loss: value })
    }
}

/// Fault injection for the tests: the losses of one epoch read as NaN (this thread only).
#[cfg(test)]
pub(crate) mod poison {
    use std::cell::Cell;

    thread_local! {
        static EPOCH: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// From now on in this thread, every loss of epoch `epoch` is NaN (`None`: none).
    pub fn at_epoch(epoch: Option<usize>) {
        EPOCH.with(|e| e.set(epoch));
    }

    /// Fits once per epoch of `epochs` with that epoch's losses poisoned, and asserts that each
    /// fit stops with [`Diverged`](crate::NeuralError::Diverged) naming that epoch and a NaN.
    pub fn assert_diverges_in<T: std::fmt::Debug>(
        epochs: &[usize],
        fit: impl Fn() -> crate::error::Result<T>,
    ) {
        for &epoch in epochs {
            at_epoch(Some(epoch));
            let r = fit();
            at_epoch(None);
            match r {
                Err(crate::NeuralError::Diverged { epoch: e, loss }) => {
                    assert_eq!(e, epoch);
                    assert!(loss.is_nan(), "{loss}");
                }
                other => panic!("epoch {epoch}: expected Diverged, got {other:?}"),
            }
        }
    }

    pub(super) fn apply(value: f64, epoch: usize) -> f64 {
        if EPOCH.with(Cell::get) == Some(epoch) {
            f64::NAN
        } else {
            value
        }
    }
}
