//! Present so that the build-dependencies (proc-macro features to unify) are part of the build.
fn main() {}
