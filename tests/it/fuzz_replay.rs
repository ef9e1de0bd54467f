//! Replays every committed fuzz input — the minimised corpus in `fuzz/corpus/<target>/` and
//! every case a fuzzer found in `fuzz/artifacts/<target>/` — through the same harness
//! functions the cargo-fuzz targets call (`artist2vec_tests::fuzzing`), so a fixed crash
//! stays fixed on stable, without cargo-fuzz. `fuzz/make_seeds.sh` writes the seed inputs the
//! corpus was grown from; see docs/reliability.md.

use std::path::{Path, PathBuf};

use artist2vec_tests::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file());
    v.sort();
    v
}

#[test]
fn every_committed_fuzz_input_is_answered_without_a_panic() {
    let mut total = 0;
    for &(name, harness) in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name} is empty: every target has a committed corpus"
        );
        let found = files(&fuzz_dir().join("artifacts").join(name));
        for p in corpus.iter().chain(&found) {
            let data = std::fs::read(p).unwrap();
            let r = std::panic::catch_unwind(|| harness(&data));
            assert!(r.is_ok(), "{name}: {} panicked", p.display());
            total += 1;
        }
    }
    assert!(total >= TARGETS.len());
}
