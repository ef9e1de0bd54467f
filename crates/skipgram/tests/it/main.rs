//! Integration tests of artist2vec-skipgram (one binary, as the workspace's style asks).

mod export;
mod model;
mod synth;
mod training;
