//! Data for **artist2vec**: streaming loaders for the common music-listening formats, preparation
//! steps with the seed notebooks' defaults, seeded splits, and a synthetic 30Music-like generator.
//!
//! Every loader returns a [`Dataset`] and a [`Report`] of what it read, skipped and dropped; bad
//! input is an error naming the file, the line and what was expected ([`Mode::Strict`], the
//! default) or a counted skip ([`Mode::Lenient`]).
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
