//! This crate's model families, for the core [`Registry`].

use artist2vec_core::Registry;

use crate::{
    AlsConfig, BprConfig, EaseConfig, ItemKnnConfig, MarkovConfig, PopularityConfig, Rp3betaConfig,
    SessionCoocConfig, SessionKnnConfig, SparseEaseConfig, SvdConfig, UserKnnConfig, WmfConfig,
};

/// The classical model families, in the order of the results table: `popularity`, `item-knn`,
/// `user-knn`, `svd`, `als`, `wmf`, `bpr`, `ease`, `rp3beta`, `sparse-ease`, then the sequence baselines
/// `markov`, `session-cooc`, `session-knn` (they need sessions in play order). The umbrella crate's registry adds
/// skip-gram and the neural models after them.
///
/// ```
/// let names = artist2vec_models::registry().names();
/// assert_eq!(
///     names,
///     [
///         "popularity", "item-knn", "user-knn", "svd", "als", "wmf", "bpr", "ease", "rp3beta",
///         "sparse-ease", "markov", "session-cooc", "session-knn"
///     ]
/// );
/// ```
pub fn registry() -> Registry {
    Registry::new()
        .with::<PopularityConfig>()
        .with::<ItemKnnConfig>()
        .with::<UserKnnConfig>()
        .with::<SvdConfig>()
        .with::<AlsConfig>()
        .with::<WmfConfig>()
        .with::<BprConfig>()
        .with::<EaseConfig>()
        .with::<Rp3betaConfig>()
        .with::<SparseEaseConfig>()
        .with::<MarkovConfig>()
        .with::<SessionCoocConfig>()
        .with::<SessionKnnConfig>()
}
