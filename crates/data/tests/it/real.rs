//! Loaders on the real data set when `ARTIST2VEC_DATA` points at it (CI sets it).

use std::path::PathBuf;

use artist2vec_data::{HetrecOptions, load_hetrec};

fn data_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("ARTIST2VEC_DATA") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("ARTIST2VEC_DATA not set; skipping {test}");
            None
        }
    }
}

#[test]
fn real_hetrec_counts_and_names() {
    let Some(dir) = data_dir("real_hetrec_counts_and_names") else {
        return;
    };
    let h = load_hetrec(&dir.join("hetrec2011-lastfm-2k"), &HetrecOptions::new()).unwrap();
    let d = &h.dataset;
    assert_eq!(d.users().len(), 1892);
    assert_eq!(d.artists().len(), 17632);
    assert_eq!(d.interactions.len(), 92834);
    let a = d.artists().get("289").unwrap();
    assert_eq!(d.artists().name(a), "Britney Spears");
    let t = d.tags.as_ref().unwrap();
    assert_eq!(t.tags.len(), 11946);
    assert!(d.report.skipped.is_empty());
    // tags.dat is ISO-8859-1: some tag names have non-ASCII letters once decoded.
    assert!((0..t.tags.len() as u32).any(|i| !t.tags.name(i).is_ascii()));
    assert_eq!(h.friends.as_ref().unwrap().len(), 25434);
}
