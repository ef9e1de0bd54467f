//! The commands of the `artist2vec` command-line tool, as a library so that the fuzz harnesses
//! (`tests/fuzzing.rs`) reach the experiment-file parser. Not a published API: the tool's
//! interface is its command line (`artist2vec --help`, the README); these modules are its
//! implementation.

#[doc(hidden)]
#[allow(missing_docs)]
pub mod data_cmds;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod demo;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod eval_cmds;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod map_cmd;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod model_cmds;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod progress;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod session_cmds;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod study;

use std::path::PathBuf;

/// Parses and checks an experiment file's text as `artist2vec run` does before any work (the
/// JSON shape, every size and name, the models and their configurations against the
/// registry), without reading or generating data.
///
/// # Errors
/// What `artist2vec run` would print for the file.
pub fn check_experiment_json(text: &str) -> anyhow::Result<()> {
    study::experiment::Experiment::parse(text)?;
    Ok(())
}

/// The error and its causes, each cause named once: a cause whose message is already part of
/// what is printed (errors that repeat their source's message) is left out.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let msg = cause.to_string();
        if out.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
    }
    out
}

/// A scratch directory under the system temp dir, unique per process.
pub fn scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("artist2vec-{name}-{}", std::process::id()))
}
