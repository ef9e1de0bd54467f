//! Time splits of sessions that keep play order: the test part holds plays with their
//! timestamps, so session models can be evaluated on next plays.

use artist2vec_core::Sessions;

use super::{Split, check_frac};
use crate::DataError;

/// The last `fraction` of the sessions by start time (ties: later session index) go to test,
/// the rest to train (global time split with one cut). Both parts are one row per play with its
/// timestamp (`Sessions::to_play_interactions`), over the input's vocabularies, so
/// `artist2vec fit` cuts the training rows into sessions again and `evaluate-sessions` the test
/// rows. At least one session goes to each part.
///
/// ```
/// use artist2vec_data::split::last_sessions;
/// use artist2vec_data::synth::{SynthConfig, Synthetic};
/// let data = Synthetic::generate(&SynthConfig::tiny())?;
/// let s = last_sessions(data.sessions(), 0.2)?;
/// assert_eq!(s.train.len() + s.test.len(), data.sessions().n_plays());
/// assert!(s.test.time_col().is_some());
/// # Ok::<(), artist2vec_data::DataError>(())
/// ```
///
/// # Errors
/// [`DataError::Invalid`] for a fraction outside (0, 1) or fewer than two sessions.
pub fn last_sessions(sessions: &Sessions, fraction: f64) -> Result<Split, DataError> {
    check_frac("fraction", fraction)?;
    if sessions.len() < 2 {
        return Err(DataError::Invalid(format!(
            "the last-sessions split needs at least 2 sessions, found {}",
            sessions.len()
        )));
    }
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions.get(i).start(), i));
    let n_test = ((sessions.len() as f64 * fraction).round() as usize).clamp(1, sessions.len() - 1);
    let mut test = vec![false; sessions.len()];
    for &i in &order[sessions.len() - n_test..] {
        test[i] = true;
    }
    let part = |t: bool| {
        sessions
            .filter(|_, _| true, |s, _| test[s.index] == t)
            .to_play_interactions()
    };
    Ok(Split {
        train: part(false),
        validation: None,
        test: part(true),
    })
}
