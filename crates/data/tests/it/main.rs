//! Integration tests of the loaders, the synthetic generator and the writers, in one binary.

mod common;
mod hetrec;
mod idomaar;
mod lastfm1k;
mod mpd;
mod real;
mod synth;
mod table;
