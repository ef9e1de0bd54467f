//! Methods and trait implementations every model type (or every vector model) shares,
//! generated once.

/// Adds `config`, `users`, `items`, `listeners`, `save` and `load` to a model type with a
/// `config` field, a `data: TrainData` field and a [`Stored`](crate::persist::Stored)
/// implementation, and makes it a registered model family of the core registry: the core
/// `Persist` (training data, then what the model stores), `Model` and `Registered` (on the
/// configuration) implementations.
///
/// `model_common!(Model, Config, "description", [aliases], kind)` where `kind` is `vectors`
/// (artist vectors and their cosine neighbours), `similar` (its own `SimilarArtists`),
/// `similar_filtered` (that, with a `similar_filtered` method for filtered lists) or `plain`
/// (no similarity).
macro_rules! model_common {
    ($model:ty, $config:ty, $description:expr, [$($alias:expr),*], $kind:ident) => {
        impl $model {
            /// The configuration the model was trained with.
            pub fn config(&self) -> &$config {
                &self.config
            }

            /// The users known from training (dense index ⇄ external id).
            pub fn users(&self) -> &artist2vec_core::Vocabulary {
                &self.data.users
            }

            /// The artists (dense index ⇄ external id, with names).
            pub fn items(&self) -> &artist2vec_core::Vocabulary {
                &self.data.items
            }

            /// The number of training listeners of every artist.
            pub fn listeners(&self) -> Vec<u32> {
                self.data.item_users()
            }

            /// Writes the model, with its configuration, to `path` (atomically: a temporary
            /// file renamed into place).
            ///
            /// # Errors
            /// [`CoreError::Io`](artist2vec_core::CoreError::Io) naming the file.
            pub fn save(&self, path: impl AsRef<std::path::Path>) -> $crate::Result<()> {
                Ok(artist2vec_core::persist::save(self, path)?)
            }

            /// Reads a model written by [`save`](Self::save).
            ///
            /// # Errors
            /// [`CoreError::Io`](artist2vec_core::CoreError::Io) when the file cannot be read;
            /// [`CoreError::Format`](artist2vec_core::CoreError::Format) naming the file when it
            /// is not a model of this kind, is of a format version this build does not read, is
            /// truncated or damaged.
            pub fn load(path: impl AsRef<std::path::Path>) -> $crate::Result<Self> {
                Ok(artist2vec_core::persist::load(path)?)
            }
        }

        impl artist2vec_core::persist::Persist for $model {
            const KIND: &'static str = <$model as $crate::persist::Stored>::KIND;
            const VERSION: u32 = <$model as $crate::persist::Stored>::VERSION;
            type Config = $config;

            fn config(&self) -> &$config {
                &self.config
            }

            fn check_config(config: &$config) -> Result<(), String> {
                artist2vec_core::Fit::<artist2vec_core::Interactions>::validate(config)
                    .map_err(|e| e.to_string())
            }

            fn encode(&self, e: &mut artist2vec_core::modelfile::Encoder) {
                self.data.encode(e);
                <$model as $crate::persist::Stored>::encode(self, e);
            }

            fn decode(
                config: $config,
                _version: u32,
                d: &mut artist2vec_core::modelfile::Decoder<'_>,
            ) -> Result<Self, artist2vec_core::persist::DecodeError> {
                let data = $crate::base::TrainData::decode(d)?;
                <$model as $crate::persist::Stored>::decode(config, data, d)
            }
        }

        impl artist2vec_core::Model for $model {
            artist2vec_core::model_persistence!();

            fn users(&self) -> &artist2vec_core::Vocabulary {
                &self.data.users
            }

            fn items(&self) -> &artist2vec_core::Vocabulary {
                &self.data.items
            }

            fn listeners(&self) -> Vec<u32> {
                self.data.item_users()
            }

            $crate::common::model_common!(@$kind);
        }

        impl artist2vec_core::Registered for $config {
            type Model = $model;
            const NAME: &'static str = <$model as $crate::persist::Stored>::KIND;
            const ALIASES: &'static [&'static str] = &[$($alias),*];
            const DESCRIPTION: &'static str = $description;

            fn registry_default() -> Self {
                Self::default()
            }

            fn fit_data(
                &self,
                data: &artist2vec_core::TrainingData<'_>,
                observer: &dyn artist2vec_core::Observer,
            ) -> Result<$model, artist2vec_core::registry::BoxError> {
                Ok(artist2vec_core::Fit::<artist2vec_core::Interactions>::fit_observed(
                    self,
                    data.interactions,
                    observer,
                )?)
            }
        }
    };
    (@vectors) => {
        fn artist_vectors(&self) -> Option<&artist2vec_core::Embeddings> {
            Some(artist2vec_core::ArtistVectors::artist_vectors(self))
        }

        fn similarity(&self) -> Option<&(dyn artist2vec_core::SimilarArtists + Sync)> {
            Some(self)
        }
    };
    (@similar) => {
        fn similarity(&self) -> Option<&(dyn artist2vec_core::SimilarArtists + Sync)> {
            Some(self)
        }
    };
    (@similar_filtered) => {
        fn similarity(&self) -> Option<&(dyn artist2vec_core::SimilarArtists + Sync)> {
            Some(self)
        }

        fn similar_where(
            &self,
            artist: u32,
            k: usize,
            keep: &dyn Fn(u32) -> bool,
        ) -> Result<Vec<artist2vec_core::Neighbor>, artist2vec_core::CoreError> {
            self.similar_filtered(artist, k, keep)
        }
    };
    (@plain) => {};
}

/// Implements the `n_items`, `n_users` and `seen` methods of `Recommender` from `self.data`.
macro_rules! recommender_common {
    () => {
        fn n_items(&self) -> usize {
            self.data.n_items()
        }

        fn n_users(&self) -> usize {
            self.data.n_users()
        }

        fn seen(&self, user: u32) -> Result<&[u32], artist2vec_core::CoreError> {
            self.data.seen(user)
        }
    };
}

/// Implements `ArtistVectors` (the embeddings at `self.<field path>`) and `SimilarArtists`
/// (their cosine neighbours) for a model type.
macro_rules! vectors_common {
    ($model:ty, $($field:ident).+) => {
        impl artist2vec_core::ArtistVectors for $model {
            fn artist_vectors(&self) -> &artist2vec_core::Embeddings {
                &self.$($field).+
            }
        }

        impl artist2vec_core::SimilarArtists for $model {
            /// Cosine similarity of the artist vectors.
            fn similar(
                &self,
                artist: u32,
                k: usize,
            ) -> Result<Vec<artist2vec_core::Neighbor>, artist2vec_core::CoreError> {
                self.$($field).+
                    .similar(artist, k, artist2vec_core::Similarity::Cosine)
            }

            /// Blocked: the vector table is read once per block of queries.
            fn similar_batch(
                &self,
                artists: &[u32],
                k: usize,
            ) -> Result<Vec<Vec<artist2vec_core::Neighbor>>, artist2vec_core::CoreError> {
                self.$($field).+
                    .similar_batch(artists, k, artist2vec_core::Similarity::Cosine)
            }
        }
    };
}

/// Implements `Recommender` for a factor model whose scores are dot products of a user vector
/// with the artist factors: training users from the user table, new listeners through the
/// model's `fold_in`, batches through the blocked top-k. `|m| expr` gives the model's
/// [`Tables`](crate::factors::Tables).
macro_rules! factor_recommender {
    ($model:ty, |$m:ident| $tables:expr) => {
        impl artist2vec_core::Recommender for $model {
            $crate::common::recommender_common!();

            fn score_into(
                &self,
                query: &artist2vec_core::Query<'_>,
                scores: &mut [f32],
            ) -> Result<(), artist2vec_core::CoreError> {
                let $m = self;
                $tables.score_into(&self.data, query, |h| self.fold_in(h), scores)
            }

            /// The blocked full-catalogue top-k: the lists of
            /// [`recommend`](artist2vec_core::Recommender::recommend), query by query.
            fn recommend_batch(
                &self,
                queries: &[artist2vec_core::Query<'_>],
                k: usize,
                exclude_seen: bool,
            ) -> Result<Vec<Vec<artist2vec_core::Neighbor>>, artist2vec_core::CoreError> {
                let $m = self;
                $tables.recommend_batch(&self.data, queries, k, exclude_seen, |h| self.fold_in(h))
            }
        }
    };
}

/// Implements `Recommender`, `SimilarArtists` and `Stored` for an item-item model whose payload
/// is one artists × artists CSR matrix at `self.$field`: a listener's score for artist `j` is
/// `Σ_i w(x_i)·m_ij` with `w` the element-wise weighting at `self.config.$weighting`, artist
/// `a`'s neighbours are row `a`'s largest entries.
///
/// `item_item_common!(Model, Config, "kind", field, weighting, "matrix name", "similar doc")`.
macro_rules! item_item_common {
    ($model:ty, $config:ty, $kind:literal, $field:ident, $weighting:ident, $what:literal,
     $similar_doc:literal) => {
        impl artist2vec_core::Recommender for $model {
            $crate::common::recommender_common!();

            fn score_into(
                &self,
                query: &artist2vec_core::Query<'_>,
                scores: &mut [f32],
            ) -> Result<(), artist2vec_core::CoreError> {
                let rows = self.data.query_rows(query)?;
                self.data
                    .score_item_item(&self.$field, &self.config.$weighting, rows, scores);
                Ok(())
            }
        }

        impl artist2vec_core::SimilarArtists for $model {
            #[doc = $similar_doc]
            fn similar(
                &self,
                artist: u32,
                k: usize,
            ) -> Result<Vec<artist2vec_core::Neighbor>, artist2vec_core::CoreError> {
                $crate::base::check_index("artist", artist, self.data.n_items())?;
                Ok(artist2vec_sparse::row_top_k(
                    &self.$field,
                    artist as usize,
                    k,
                ))
            }
        }

        impl $crate::persist::Stored for $model {
            const KIND: &'static str = $kind;
            const VERSION: u32 = 1;
            type Config = $config;

            fn encode(&self, e: &mut artist2vec_core::modelfile::Encoder) {
                $crate::base::encode_csr(&self.$field, e);
            }

            fn decode(
                config: $config,
                data: $crate::base::TrainData,
                d: &mut artist2vec_core::modelfile::Decoder<'_>,
            ) -> Result<Self, $crate::base::DecodeError> {
                let $field = $crate::base::decode_square_csr(d, data.n_items(), $what, "artists")?;
                Ok(Self {
                    config,
                    data,
                    $field,
                })
            }
        }
    };
}

/// `with_*` setters of a configuration: `config_setters!(with_x: x: T, …)` inside its `impl`
/// block.
macro_rules! config_setters {
    ($($setter:ident: $field:ident: $ty:ty),* $(,)?) => {
        $(
            #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
            pub fn $setter(mut self, value: $ty) -> Self {
                self.$field = value;
                self
            }
        )*
    };
}

pub(crate) use config_setters;
pub(crate) use factor_recommender;
pub(crate) use item_item_common;
pub(crate) use model_common;
pub(crate) use recommender_common;
pub(crate) use vectors_common;
