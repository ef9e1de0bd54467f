//! The commands of the `artist2vec` command-line tool, as a library so that the fuzz harnesses
//! (`tests/fuzzing.rs`) reach the experiment-file parser. Not a published API: the tool's
//! interface is its command line (`artist2vec --help`, the README); these modules are its
//! implementation.

/// Declares the command modules: public for the fuzz harnesses and the binary, hidden from the
/// documentation and exempt from `missing_docs` (their interface is the command line).
macro_rules! command_modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc(hidden)]
            #[allow(missing_docs)]
            pub mod $name;
        )*
    };
}

command_modules!(
    data_cmds,
    demo,
    eval_cmds,
    map_cmd,
    model_cmds,
    progress,
    session_cmds,
    study,
);

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
