//! Integration tests of the loaders, the synthetic generator and the writers, in one binary.

mod common;
mod idomaar;
