//! Checks shared by the models' tests.

use artist2vec_core::{AnyModel, Model, Query, Recommender};

/// Of the artists that have listeners and whose planted successor has listeners, how many get
/// that successor as the first recommendation after them: (hits, artists).
pub(crate) fn successor_first<M: Model + Recommender + ?Sized>(
    m: &M,
    successor: &[u32],
) -> (usize, usize) {
    let listeners = m.listeners();
    let (mut hit, mut n) = (0, 0);
    for a in 0..successor.len() as u32 {
        let s = successor[a as usize];
        if listeners[a as usize] == 0 || listeners[s as usize] == 0 {
            continue;
        }
        n += 1;
        let top = m.recommend(&Query::History(&[(a, 1.0)]), 1, false).unwrap();
        hit += usize::from(top[0].item == s);
    }
    (hit, n)
}

/// Saves `m` under a temporary name, loads it through the registry, and asserts that both
/// recommend alike for a listener and for a history; returns the loaded model.
pub(crate) fn assert_save_load_round_trip(m: &AnyModel, name: &str) -> AnyModel {
    let path = std::env::temp_dir().join(format!("a2v-{name}-{}.bin", std::process::id()));
    m.save(&path).unwrap();
    let back = crate::registry().load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let q = Query::History(&[(1, 1.0), (2, 1.0), (5, 1.0)]);
    for q in [Query::User(3), q] {
        assert_eq!(
            back.recommend(&q, 10, true).unwrap(),
            m.recommend(&q, 10, true).unwrap()
        );
    }
    back
}
