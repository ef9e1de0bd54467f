//! Data for **artist2vec**: streaming loaders for the common music-listening formats, preparation
//! steps with the seed notebooks' defaults, seeded splits, and a synthetic 30Music-like generator.
//!
//! Every loader returns a [`Dataset`] and a [`Report`] of what it read, skipped and dropped; bad
//! input is an error naming the file, the line and what was expected ([`Mode::Strict`], the
//! default) or a counted skip ([`Mode::Lenient`]).
//!
//! # Quick start
//!
//! Generate a small dataset with planted genres, apply the notebooks' preparation steps, save
//! and reload it in the canonical binary format, and split it per user:
//!
//! ```
//! use artist2vec_data::synth::{SynthConfig, Synthetic};
//! use artist2vec_data::{Dataset, PrepareConfig, prepare, split};
//!
//! let synth = Synthetic::generate(&SynthConfig::tiny().with_seed(7))?;
//! let data = &synth.dataset;
//! assert_eq!(data.artists().len(), 60);
//!
//! // The default steps drop short plays, repeats, rare artists and short sessions; with 60
//! // artists, keep every artist heard at least 5 times.
//! let config = PrepareConfig::default().with_min_artist_plays(Some(5));
//! let (prepared, report) = prepare(data, &config)?;
//! assert!(prepared.n_plays() <= data.n_plays());
//! println!("{report}");
//!
//! let path = std::env::temp_dir().join(format!("a2v-data-doc-{}.a2vd", std::process::id()));
//! prepared.save(&path)?;
//! let back = Dataset::load(&path)?;
//! assert_eq!(back.n_plays(), prepared.n_plays());
//! # std::fs::remove_file(&path).ok();
//!
//! // 20 % of each user's artists go to test (users with at least 5 artists), seeded.
//! let rows = back.sessions.as_ref().expect("generated data has sessions").to_counts();
//! let parts = split::random_holdout(&rows, 0.2, 5, 42)?;
//! assert_eq!(parts.train.len() + parts.test.len(), rows.len());
//! # Ok::<(), artist2vec_data::DataError>(())
//! ```
#![warn(missing_docs)]

pub mod dataset;
mod error;
pub mod formats;
pub mod prepare;
mod report;
pub mod split;

pub use dataset::{ArtistTags, Dataset};
pub use error::DataError;
pub use formats::{DatasetStats, Format, detect, load_any};
pub use prepare::{PrepareConfig, PrepareReport, prepare};
pub use report::{Mode, Report};
pub use split::{Split, read_split_dir, write_split_dir};

pub mod hetrec;
pub mod idomaar;
pub mod iso8601;
pub mod lastfm1k;
pub mod lines;
pub mod mpd;
pub mod synth;
pub mod table;

pub use hetrec::{Hetrec, HetrecOptions, load_hetrec};
pub use idomaar::{ArtistPolicy, IdomaarFiles, IdomaarOptions, load_idomaar, load_idomaar_files};
pub use lastfm1k::{LastFm1kOptions, load_lastfm1k};
pub use mpd::{MpdOptions, load_mpd};
pub use synth::{SynthConfig, Synthetic};
pub use table::{TableColumns, TableFormat, TableOptions, load_table};
