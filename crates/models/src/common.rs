//! Methods and trait implementations every model type (or every vector model) shares,
//! generated once.

/// Adds `config`, `users`, `items`, `save` and `load` to a model type with a `config` field, a
/// `data: TrainData` field and a `Persist` implementation.
macro_rules! model_common {
    ($model:ty, $config:ty) => {
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
                $crate::persist::save(self, &self.config, &self.data, path.as_ref())
            }

            /// Reads a model written by [`save`](Self::save).
            ///
            /// # Errors
            /// [`CoreError::Io`](artist2vec_core::CoreError::Io) when the file cannot be read;
            /// [`CoreError::Format`](artist2vec_core::CoreError::Format) naming the file when it
            /// is not a model of this kind, is of a format version this build does not read, is
            /// truncated or damaged.
            pub fn load(path: impl AsRef<std::path::Path>) -> $crate::Result<Self> {
                $crate::persist::load(path.as_ref())
            }
        }
    };
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

pub(crate) use model_common;
pub(crate) use recommender_common;
pub(crate) use vectors_common;
