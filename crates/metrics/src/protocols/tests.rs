//! Tests of the protocols on tiny hand-made models (a score table and a ring of neighbours).

use artist2vec_core::{
    CoreError, Interactions, Neighbor, Query, Recommender, SimilarArtists, Vocabulary,
};

use super::*;
use crate::batch::Scores;
use crate::error::MetricsError;

fn vocab(n: usize) -> Vocabulary {
    Vocabulary::from_ids((0..n).map(|i| i.to_string())).unwrap()
}

/// Scores artist i as `taste[u][i]` for known users, and for a history the next index after
/// the last artist highest ("a → a + 1").
struct Table {
    taste: Vec<Vec<f32>>,
    seen: Vec<Vec<u32>>,
    n: usize,
}

impl Recommender for Table {
    fn n_items(&self) -> usize {
        self.n
    }
    fn n_users(&self) -> usize {
        self.taste.len()
    }
    fn score_into(&self, q: &Query<'_>, s: &mut [f32]) -> std::result::Result<(), CoreError> {
        match q {
            Query::User(u) => s.copy_from_slice(&self.taste[*u as usize]),
            Query::History(h) => {
                let last = h.last().unwrap().0 as usize;
                for (i, v) in s.iter_mut().enumerate() {
                    *v = if i == (last + 1) % self.n { 1.0 } else { 0.0 };
                }
            }
        }
        Ok(())
    }
    fn seen(&self, u: u32) -> std::result::Result<&[u32], CoreError> {
        Ok(&self.seen[u as usize])
    }
}

/// Similar artists: a → a+1, a+2, … (mod n).
struct Ring(u32);
impl SimilarArtists for Ring {
    fn similar(&self, a: u32, k: usize) -> std::result::Result<Vec<Neighbor>, CoreError> {
        if a >= self.0 {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: a as usize,
                len: self.0 as usize,
            });
        }
        Ok((1..=k as u32)
            .map(|d| Neighbor {
                item: (a + d) % self.0,
                score: 1.0 / d as f32,
            })
            .collect())
    }
}

#[test]
fn time_split_grades_by_play_count() {
    // User 0 ranks 2 > 1 > 0 > 3; test plays: artist 1 ×3, artist 3 ×1.
    let model = Table {
        taste: vec![vec![0.2, 0.5, 0.9, 0.1], vec![0.9, 0.5, 0.2, 0.1]],
        seen: vec![vec![2], vec![]],
        n: 4,
    };
    let mut test = Interactions::new(vocab(2), vocab(4), false);
    for _ in 0..3 {
        test.push(0, 1, 1.0, None);
    }
    test.push(0, 3, 1.0, None);
    test.push(1, 0, 2.0, None);
    let s = time_split(&model, &test).unwrap();
    assert_eq!(s.units(), &[0, 1]);
    // Seen artists are not excluded: user 0's list is [2, 1, 0, 3].
    assert_eq!(s.get("precision@1").unwrap().values, vec![0.0, 1.0]);
    assert_eq!(s.get("precision@10").unwrap().values, vec![0.2, 0.1]);
    // AP@20 user 0: hits at ranks 2 and 4: (1/2 + 2/4) / min(20, 2) = 0.5.
    assert_eq!(s.get("map@20").unwrap().values[0], 0.5);
    // NDCG@20 user 0, gains 3 (rank 2) and 1 (rank 4); ideal 3, 1 at ranks 1, 2.
    let dcg = 3.0 / 3f64.log2() + 1.0 / 5f64.log2();
    let idcg = 3.0 + 1.0 / 3f64.log2();
    assert!((s.get("ndcg@20").unwrap().values[0] - dcg / idcg).abs() < 1e-12);
    assert_eq!(s.get("ndcg@20").unwrap().values[1], 1.0);
    assert_eq!(s.mean("precision@1"), Some(0.5));
}

#[test]
fn hidden_artist_excludes_seen_and_checks_range() {
    let model = Table {
        taste: vec![vec![0.2, 0.5, 0.9, 0.1]],
        seen: vec![vec![2]],
        n: 4,
    };
    let mut test = Interactions::new(vocab(1), vocab(4), false);
    test.push(0, 1, 1.0, None);
    let s = hidden_artist(&model, &test, 1).unwrap();
    assert_eq!(s.get("hit_rate@1").unwrap().values, vec![1.0]);
    let mut bad = Interactions::new(vocab(2), vocab(4), false);
    bad.push(1, 1, 1.0, None);
    assert!(matches!(
        hidden_artist(&model, &bad, 1),
        Err(MetricsError::Model(CoreError::IndexOutOfRange {
            kind: "user",
            ..
        }))
    ));
    let empty = Interactions::new(vocab(1), vocab(4), false);
    assert!(matches!(
        hidden_artist(&model, &empty, 1),
        Err(MetricsError::EmptyInput { .. })
    ));
    assert!(matches!(
        hidden_artist(&model, &test, 0),
        Err(MetricsError::InvalidK(0))
    ));
}

#[test]
fn next_artist_removes_repeats_and_counts_short_sequences() {
    let seqs = vec![
        vec![0, 1, 1, 2, 5], // distinct 0 1 2 5: steps 0→1 ✓, 1→2 ✓, 2→5 ✗
        vec![3, 3],          // one distinct artist: skipped
        vec![4, 0],          // 4→0: ring of 6 predicts 5 ✗ (k = 1), within top 2 ✓
    ];
    let s = next_artist(&Ring(6), &seqs, 6, &NextArtistConfig::default()).unwrap();
    assert_eq!(s.units(), &[0, 2]);
    assert_eq!(s.get("accuracy").unwrap().values, vec![2.0 / 3.0, 0.0]);
    assert_eq!(s.skipped[0].1, 1);
    assert_eq!(s.skipped[1].1, 0);
    let s2 = next_artist(
        &Ring(6),
        &seqs,
        6,
        &NextArtistConfig {
            k: 2,
            remove_repeats: true,
        },
    )
    .unwrap();
    assert_eq!(s2.get("hit_rate@2").unwrap().values, vec![2.0 / 3.0, 1.0]);
    assert_eq!(s2.get("mrr@2").unwrap().values, vec![2.0 / 3.0, 0.5]);
    // With repeats kept, 1→1 is a step (and a miss).
    let s3 = next_artist(
        &Ring(6),
        &seqs,
        6,
        &NextArtistConfig {
            k: 1,
            remove_repeats: false,
        },
    )
    .unwrap();
    assert_eq!(s3.get("accuracy").unwrap().values[0], 0.5);
    assert_eq!(s3.units(), &[0, 1, 2]);
    // Artist outside the catalogue.
    assert!(matches!(
        next_artist(&Ring(6), &[vec![0, 9]], 6, &NextArtistConfig::default()),
        Err(MetricsError::Model(_))
    ));
}

#[test]
fn session_next_item_masks_unknown_artists() {
    let model = Table {
        taste: vec![],
        seen: vec![],
        n: 5,
    };
    // a → a+1 is the model's belief. Sequence [0, 1, 3, 4] with 3 unknown → [0, 1, 4]:
    // steps 0→1 hit at rank 1, 1→4: predicts 2 first; 4 scores 0 like the rest.
    let known = [true, true, true, false, true];
    let cfg = SessionNextItemConfig {
        k: 1,
        ..Default::default()
    };
    let s = session_next_item(&model, &[vec![0, 1, 3, 4], vec![3, 2]], Some(&known), &cfg).unwrap();
    assert_eq!(s.units(), &[0]);
    assert_eq!(s.get("map@1").unwrap().values, vec![0.5]);
    assert_eq!(s.get("precision@1").unwrap().values, vec![0.5]);
    assert_eq!(s.get("accuracy").unwrap().values, vec![0.5]);
    assert_eq!(
        s.skipped,
        vec![
            ("sequences with fewer than 2 artists to evaluate".into(), 1),
            (
                "plays of artists not seen in training (removed from sequences)".into(),
                2
            )
        ]
    );
    // Without a mask every step of a → a + 1 is a hit at rank 1.
    let s = session_next_item(
        &model,
        &[vec![0, 1, 2]],
        None,
        &SessionNextItemConfig {
            k: 20,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.get("map@20").unwrap().values, vec![1.0]);
    assert_eq!(s.get("precision@20").unwrap().values, vec![1.0 / 20.0]);
}

#[test]
fn cold_start_judges_warm_neighbours_by_shared_listeners() {
    // Artists 0..6; artist 5 is cold (test only). Its test listeners are users 0 and 1,
    // who played 0, 1 (user 0) and 4 (user 1) in training. User 2 listens to cold artist 3
    // but has no training data.
    let mut train = Interactions::new(vocab(3), vocab(6), false);
    for (u, a) in [(0, 0), (0, 1), (1, 4), (1, 0)] {
        train.push(u, a, 1.0, None);
    }
    let mut test = Interactions::new(vocab(3), vocab(6), false);
    for (u, a) in [(0, 5), (1, 5), (2, 3), (0, 1)] {
        test.push(u, a, 1.0, None);
    }
    // Ring(6) from 5: 0, 1, 2, 3, 4 → warm only (0, 1, 4 are warm; 2, 3 are not): 0, 1, 4.
    let s = cold_start(&Ring(6), &train, &test, 2).unwrap();
    assert_eq!(s.units(), &[5]);
    // Top 2 warm: [0, 1], relevant {0, 1, 4}: AP = (1 + 1) / min(2, 3) = 1.
    assert_eq!(s.get("map@2").unwrap().values, vec![1.0]);
    assert_eq!(s.get("precision@2").unwrap().values, vec![1.0]);
    assert_eq!(s.skipped[0].1, 1);
    let empty = Interactions::new(vocab(3), vocab(6), false);
    assert!(cold_start(&Ring(6), &train, &empty, 2).is_err());
}

#[test]
fn subsamples_are_seeded_sized_and_distinct() {
    let units: Vec<u32> = (0..100).collect();
    let cfg = SubsampleConfig::five_halves().with_seed(3);
    let a = cfg.draw(&units).unwrap();
    assert_eq!(a, cfg.draw(&units).unwrap());
    assert_eq!(a.len(), 5);
    assert!(
        a.iter()
            .all(|s| s.len() == 50 && s.windows(2).all(|w| w[0] < w[1]))
    );
    assert_ne!(a[0], a[1]);
    assert_ne!(a, cfg.with_seed(4).draw(&units).unwrap());
    assert_eq!(
        SubsampleConfig::thirty_tenths().draw(&units).unwrap()[0].len(),
        10
    );
    assert_eq!(
        SubsampleConfig::new(1, 0.001).draw(&units).unwrap()[0].len(),
        1
    );
    assert!(SubsampleConfig::new(0, 0.5).draw(&units).is_err());
    assert!(SubsampleConfig::new(2, 1.5).draw(&units).is_err());
    assert!(SubsampleConfig::new(2, f64::NAN).draw(&units).is_err());
    assert!(SubsampleConfig::new(2, 0.5).draw(&[]).is_err());
}

#[test]
fn driver_keeps_one_mean_per_run_and_model() {
    let units: Vec<u32> = (0..10).collect();
    let cfg = SubsampleConfig::new(4, 0.3).with_seed(1);
    let runs = subsample_retrain(&units, &cfg, &["a", "b"], |model, run, subset| {
        assert_eq!(subset.len(), 3);
        let v = if model == "a" { run as f64 } else { 1.0 };
        Ok::<_, MetricsError>(ProtocolScores {
            unit: "user".into(),
            metrics: vec![(
                "m".into(),
                Scores {
                    ids: subset.to_vec(),
                    values: vec![v; subset.len()],
                },
            )],
            skipped: vec![],
        })
    })
    .unwrap();
    assert_eq!(runs.means("a", "m").unwrap(), &[0.0, 1.0, 2.0, 3.0]);
    assert_eq!(runs.means("b", "m").unwrap(), &[1.0; 4]);
    assert_eq!(runs.grand_mean("a", "m"), Some(1.5));
    assert_eq!(runs.subsample_size, 3);
    assert!(runs.means("c", "m").is_none());
    let failed = subsample_retrain(&units, &cfg, &["a"], |_, run, _| {
        if run == 2 {
            Err(MetricsError::InvalidK(0))
        } else {
            Ok(ProtocolScores {
                unit: "user".into(),
                metrics: vec![],
                skipped: vec![],
            })
        }
    });
    assert!(matches!(failed, Err(MetricsError::InvalidK(0))));
}

/// Recommends the first artist of a history: the context changes its answer.
struct FirstOfHistory(usize);

impl Recommender for FirstOfHistory {
    fn n_items(&self) -> usize {
        self.0
    }
    fn n_users(&self) -> usize {
        0
    }
    fn score_into(&self, q: &Query<'_>, s: &mut [f32]) -> std::result::Result<(), CoreError> {
        s.iter_mut().for_each(|x| *x = 0.0);
        if let Query::History(h) = q {
            s[h[0].0 as usize] = 1.0;
        }
        Ok(())
    }
    fn seen(&self, _: u32) -> std::result::Result<&[u32], CoreError> {
        Ok(&[])
    }
}

#[test]
fn session_next_item_in_context_prepends_the_context_and_scores_only_the_session() {
    let m = FirstOfHistory(5);
    let cfg = SessionNextItemConfig {
        k: 1,
        ..Default::default()
    };
    let seqs = [vec![1, 2, 2], vec![3, 4], vec![4]];
    let alone = session_next_item_at(&m, &seqs, None, &cfg, &[1]).unwrap();
    // Alone: "first of history" is 1 at both steps of [1, 2, 2], 3 for [3, 4]: no hit.
    assert_eq!(alone.get("hit_rate@1").unwrap().values, vec![0.0, 0.0]);
    // Context [2] (with an unknown artist 0 masked out) makes 2 the first: both steps hit;
    // context [] leaves [3, 4] as it was. Same units as without context.
    let known = [false, true, true, true, true];
    let ctx: [Vec<u32>; 3] = [vec![0, 2], vec![], vec![1]];
    let with = session_next_item_in_context(&m, &seqs, &ctx, Some(&known), &cfg, &[1]).unwrap();
    assert_eq!(with.units(), alone.units());
    assert_eq!(with.get("hit_rate@1").unwrap().values, vec![1.0, 0.0]);
    assert_eq!(with.get("mrr@1").unwrap().values, vec![1.0, 0.0]);
    // One context per sequence, artists inside the model.
    assert!(matches!(
        session_next_item_in_context(&m, &seqs, &ctx[..2], None, &cfg, &[1]),
        Err(MetricsError::Shape(_))
    ));
    let outside: [Vec<u32>; 3] = [vec![7], vec![], vec![]];
    assert!(matches!(
        session_next_item_in_context(&m, &seqs, &outside, None, &cfg, &[1]),
        Err(MetricsError::Model(_))
    ));
}
