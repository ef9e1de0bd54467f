//! Shared helpers of the examples.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use artist2vec_models::AlsConfig;

/// The `--name value` options of a benchmark's command line, by name (without the dashes).
///
/// # Errors
/// An argument that is not an option, or an option without a value.
pub fn options(args: impl Iterator<Item = String>) -> Result<HashMap<String, String>> {
    let mut args = args;
    let mut opts = HashMap::new();
    while let Some(k) = args.next() {
        let Some(name) = k.strip_prefix("--") else {
            bail!("unexpected argument {k:?}");
        };
        let v = args.next().with_context(|| format!("{k} needs a value"))?;
        opts.insert(name.to_owned(), v);
    }
    Ok(opts)
}

/// ALS with `implicit`'s hetrec settings (64 factors, regularisation 0.05, alpha 1, 15
/// iterations, CG; log1p input), each overridable by its option: `--factors`,
/// `--regularization`, `--alpha`, `--iterations`. `get(name, default)` reads an option.
///
/// # Errors
/// A value that does not parse.
pub fn implicit_als(get: &dyn Fn(&str, &str) -> String) -> Result<AlsConfig> {
    Ok(AlsConfig::new()
        .with_factors(get("factors", "64").parse()?)
        .with_regularization(get("regularization", "0.05").parse()?)
        .with_alpha(get("alpha", "1").parse()?)
        .with_iterations(get("iterations", "15").parse()?))
}
