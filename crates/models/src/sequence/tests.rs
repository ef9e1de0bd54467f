use artist2vec_core::{
    NoProgress, Play, Query, Recommender, Registered, Sessions, SimilarArtists, TrainingData,
    Vocabulary,
};

use super::*;

/// Three users; artists 0 → 1 → 2 → 3 in order, artist 4 after 3 in one session, 5 alone.
fn sessions() -> Sessions {
    let users = Vocabulary::from_ids(["u0", "u1", "u2"]).unwrap();
    let items = Vocabulary::from_ids(["a", "b", "c", "d", "e", "f"]).unwrap();
    let mut s = Sessions::new(users, items, false);
    let play = |item, time| Play {
        item,
        time,
        duration: None,
    };
    s.push(0, 0, [play(0, 0), play(1, 60), play(2, 120), play(3, 180)])
        .unwrap();
    s.push(1, 1, [play(0, 0), play(1, 60), play(2, 120)])
        .unwrap();
    s.push(2, 2, [play(1, 0), play(2, 60), play(3, 120), play(4, 180)])
        .unwrap();
    s.push(3, 2, [play(5, 9000), play(0, 9060)]).unwrap();
    s
}

fn top(m: &impl Recommender, h: &[u32], k: usize) -> Vec<u32> {
    let h: Vec<(u32, f32)> = h.iter().map(|&a| (a, 1.0)).collect();
    m.recommend(&Query::History(&h), k, false)
        .unwrap()
        .into_iter()
        .map(|n| n.item)
        .collect()
}

#[test]
fn markov_predicts_the_most_frequent_successor() {
    let s = sessions();
    let rows = s.to_counts();
    let m = Markov::fit(&MarkovConfig::default(), &rows, &s, &NoProgress).unwrap();
    assert_eq!(m.matrix().get(0, 1), Some(&2.0));
    assert_eq!(top(&m, &[3, 0], 1), vec![1]);
    assert_eq!(top(&m, &[0, 1], 1), vec![2]);
    // Only the last artist counts: the same prefix, another last artist.
    assert_eq!(top(&m, &[0, 1, 2], 1), vec![3]);
    // The list is full (popularity after the successors), untrained artists never listed.
    assert_eq!(top(&m, &[4], 6).len(), 6);
    // A training user is scored from their last play (user 2 ended on artist 0).
    let r = m.recommend(&Query::User(2), 1, false).unwrap();
    assert_eq!(r[0].item, 1);
    assert_eq!(m.similar(2, 1).unwrap()[0].item, 3);
}

#[test]
fn cooc_and_knn_use_the_last_artists() {
    let s = sessions();
    let rows = s.to_counts();
    let c = SessionCooc::fit(
        &SessionCoocConfig {
            window: 2,
            decay: true,
        },
        &rows,
        &s,
        &NoProgress,
    )
    .unwrap();
    // 0 and 2 are two plays apart twice.
    assert_eq!(c.matrix().get(0, 2), Some(&2.0));
    assert_eq!(c.matrix().get(2, 0), Some(&2.0));
    assert_eq!(c.matrix().get(0, 3), None);
    let k = SessionKnn::fit(&SessionKnnConfig::default(), &rows, &s, &NoProgress).unwrap();
    // Artist 4 shares its one session with 1, 2 and 3, and is never its own neighbour.
    let n4 = k.similar(4, 3).unwrap();
    assert!(n4.iter().all(|n| [1, 2, 3].contains(&n.item)), "{n4:?}");
    assert!(!top(&k, &[4], 3).contains(&0));
}

#[test]
fn save_load_and_registry() {
    let s = sessions();
    let rows = s.to_counts();
    let data = TrainingData::with_sessions(&rows, &s).unwrap();
    let reg = crate::registry();
    for name in ["markov", "session-cooc", "session-knn", "next-artist"] {
        let m = reg.fit(name, None, &data, &NoProgress).unwrap();
        let path = std::env::temp_dir().join(format!("a2v-seq-{}-{name}.bin", std::process::id()));
        m.save(&path).unwrap();
        let back = reg.load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back.kind(), m.kind());
        for q in [Query::User(2), Query::History(&[(1, 1.0), (2, 1.0)])] {
            assert_eq!(
                back.recommend(&q, 4, true).unwrap(),
                m.recommend(&q, 4, true).unwrap()
            );
        }
        // Without play order the fit is refused with a reason.
        let e = reg
            .fit(name, None, &TrainingData::new(&rows), &NoProgress)
            .unwrap_err();
        assert!(e.to_string().contains("sessions in play order"), "{e}");
    }
    assert!(
        reg.fit("session-cooc", Some(r#"{"window": 0}"#), &data, &NoProgress)
            .is_err()
    );
    assert!(
        reg.fit(
            "session-knn",
            Some(r#"{"neighbours": 100000000000}"#),
            &data,
            &NoProgress
        )
        .is_err()
    );
    assert_eq!(<MarkovConfig as Registered>::NAME, "markov");
    // Bad queries are errors, not panics.
    let m = reg.fit("markov", None, &data, &NoProgress).unwrap();
    assert!(m.recommend(&Query::User(9), 1, true).is_err());
    assert!(m.recommend(&Query::History(&[(99, 1.0)]), 1, true).is_err());
    assert!(m.recommend(&Query::History(&[(1, -1.0)]), 1, true).is_err());
}
