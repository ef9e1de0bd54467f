//! Full-catalogue top-k against a brute force.

use artist2vec_metrics::{MetricsError, SeenItems, TopKConfig, TopKLists, full_catalogue_top_k};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Exact brute force: every score in f64 (exact for the small-integer data used with it), sorted
/// by (score desc, item asc), seen items removed.
fn brute_force(
    users: &[f32],
    items: &[f32],
    dim: usize,
    seen: Option<&SeenItems<'_>>,
    k: usize,
) -> Vec<Vec<(u32, f64)>> {
    let n_items = items.len() / dim;
    users
        .chunks_exact(dim)
        .enumerate()
        .map(|(u, uv)| {
            let mut scored: Vec<(u32, f64)> = (0..n_items)
                .filter(|&i| seen.is_none_or(|s| !s.of(u).contains(&(i as u32))))
                .map(|i| {
                    let iv = &items[i * dim..(i + 1) * dim];
                    let s: f64 = uv.iter().zip(iv).map(|(&a, &b)| a as f64 * b as f64).sum();
                    (i as u32, s)
                })
                .collect();
            // IEEE order: -0.0 ties with 0.0 (then the lower id wins), as in the library.
            scored.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap().then(a.0.cmp(&b.0)));
            scored.truncate(k);
            scored
        })
        .collect()
}

fn small_ints(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-2i32..=2) as f32).collect()
}

/// Random seen lists (sorted, distinct) in CSR form.
fn random_seen(rng: &mut StdRng, n_users: usize, n_items: usize) -> (Vec<usize>, Vec<u32>) {
    let mut offsets = vec![0];
    let mut items = Vec::new();
    for _ in 0..n_users {
        let mut mine: Vec<u32> = (0..n_items as u32)
            .filter(|_| rng.random_bool(0.2))
            .collect();
        mine.sort_unstable();
        items.extend(mine);
        offsets.push(items.len());
    }
    (offsets, items)
}

fn as_pairs(top: &TopKLists, u: usize) -> Vec<(u32, f64)> {
    top.get(u)
        .iter()
        .map(|n| (n.item, n.score as f64))
        .collect()
}

#[test]
fn equals_brute_force_exactly_with_ties_and_seen_items() {
    let mut rng = StdRng::seed_from_u64(7);
    // Odd sizes: partial user tiles, partial item panels and blocks.
    for &(n_users, n_items, dim, k) in &[
        (37usize, 203usize, 13usize, 10usize),
        (5, 40, 64, 7),
        (70, 1000, 8, 25),
        (3, 17, 1, 4),
    ] {
        let users = small_ints(&mut rng, n_users * dim);
        let items = small_ints(&mut rng, n_items * dim);
        let (off, it) = random_seen(&mut rng, n_users, n_items);
        let seen = SeenItems::new(&off, &it).unwrap();
        let cfg = TopKConfig::new(k).with_user_block(8).with_item_block(48);
        let top = full_catalogue_top_k(&users, &items, dim, Some(&seen), &cfg).unwrap();
        let want = brute_force(&users, &items, dim, Some(&seen), k);
        assert_eq!(top.num_users(), n_users);
        let mut ties = 0;
        for u in 0..n_users {
            assert_eq!(
                as_pairs(&top, u),
                want[u],
                "user {u} of {n_users}x{n_items}x{dim}"
            );
            ties += top
                .get(u)
                .windows(2)
                .filter(|w| w[0].score == w[1].score)
                .count();
        }
        assert!(
            ties > 0,
            "the data should produce ties to test tie-breaking"
        );
        // Without seen items.
        let top = full_catalogue_top_k(&users, &items, dim, None, &cfg).unwrap();
        let want = brute_force(&users, &items, dim, None, k);
        for u in 0..n_users {
            assert_eq!(as_pairs(&top, u), want[u]);
        }
    }
}

#[test]
fn random_floats_match_brute_force_up_to_rounding() {
    let mut rng = StdRng::seed_from_u64(11);
    let (n_users, n_items, dim, k) = (50, 3001, 64, 10);
    let users: Vec<f32> = (0..n_users * dim)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let items: Vec<f32> = (0..n_items * dim)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let top = full_catalogue_top_k(&users, &items, dim, None, &TopKConfig::new(k)).unwrap();
    let want = brute_force(&users, &items, dim, None, k);
    for u in 0..n_users {
        let got = top.get(u);
        assert_eq!(got.len(), k);
        for (g, w) in got.iter().zip(&want[u]) {
            // f32 accumulation vs f64: same items unless two scores are within rounding.
            assert!(
                (g.score as f64 - w.1).abs() < 1e-4,
                "user {u}: {g:?} vs {w:?}"
            );
        }
        let got_items: Vec<u32> = got.iter().map(|n| n.item).collect();
        let want_items: Vec<u32> = want[u].iter().map(|p| p.0).collect();
        if got_items != want_items {
            // Only acceptable for near-ties.
            for (g, w) in got.iter().zip(&want[u]) {
                assert!((g.score as f64 - w.1).abs() < 1e-5);
            }
        }
        assert!(got.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn results_do_not_depend_on_blocks_or_threads() {
    let mut rng = StdRng::seed_from_u64(3);
    let (n_users, n_items, dim) = (61, 777, 24);
    let users: Vec<f32> = (0..n_users * dim).map(|_| rng.random::<f32>()).collect();
    let items: Vec<f32> = (0..n_items * dim).map(|_| rng.random::<f32>()).collect();
    let (off, it) = random_seen(&mut rng, n_users, n_items);
    let seen = SeenItems::new(&off, &it).unwrap();
    let reference =
        full_catalogue_top_k(&users, &items, dim, Some(&seen), &TopKConfig::new(15)).unwrap();
    for (ub, ib) in [(1, 1), (7, 16), (64, 100), (1000, 5000)] {
        let cfg = TopKConfig::new(15).with_user_block(ub).with_item_block(ib);
        let got = full_catalogue_top_k(&users, &items, dim, Some(&seen), &cfg).unwrap();
        assert_eq!(got, reference, "blocks {ub}x{ib}");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let single = pool
        .install(|| full_catalogue_top_k(&users, &items, dim, Some(&seen), &TopKConfig::new(15)))
        .unwrap();
    assert_eq!(single, reference);
}

#[test]
fn short_lists_when_few_items_are_unseen() {
    let users = [1.0f32, 2.0];
    let items = [3.0f32, 1.0, 2.0];
    let seen = SeenItems::new(&[0, 2, 2], &[0, 2]).unwrap();
    let top = full_catalogue_top_k(&users, &items, 1, Some(&seen), &TopKConfig::new(5)).unwrap();
    assert_eq!(top.items(0), vec![1]);
    assert_eq!(top.items(1), vec![0, 2, 1]);
    assert_eq!(top.iter().map(|l| l.len()).collect::<Vec<_>>(), vec![1, 3]);
    // A huge k or block size is clamped, not allocated.
    let all = full_catalogue_top_k(
        &users,
        &items,
        1,
        None,
        &TopKConfig::new(usize::MAX).with_user_block(usize::MAX),
    )
    .unwrap();
    assert_eq!(all.items(1), vec![0, 2, 1]);
    // No items at all: empty lists; no users: no lists.
    let none = full_catalogue_top_k(&users, &[], 1, None, &TopKConfig::new(5)).unwrap();
    assert!(none.get(1).is_empty());
    let nobody = full_catalogue_top_k(&[], &items, 1, None, &TopKConfig::new(5)).unwrap();
    assert_eq!(nobody.num_users(), 0);
}

#[test]
fn bad_input_is_refused() {
    let ok = [1.0f32, 2.0];
    let cfg = TopKConfig::new(1);
    let err = |r: Result<TopKLists, MetricsError>| r.unwrap_err();
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &[1.0, f32::NAN], 2, None, &cfg)),
        MetricsError::NonFinite {
            what: "item vectors",
            ..
        }
    ));
    assert!(matches!(
        err(full_catalogue_top_k(
            &[f32::INFINITY, 0.0],
            &ok,
            2,
            None,
            &cfg
        )),
        MetricsError::NonFinite {
            what: "user vectors",
            ..
        }
    ));
    // Finite vectors whose products overflow: without FMA the sum is inf - inf = NaN and must
    // be refused; with FMA it stays inf. Either way no NaN is ever ranked.
    match full_catalogue_top_k(
        &[f32::MAX, f32::MAX],
        &[f32::MAX, -f32::MAX, 1.0, 1.0],
        2,
        None,
        &TopKConfig::new(2),
    ) {
        Err(e) => assert!(
            matches!(e, MetricsError::NonFinite { what: "scores", .. }),
            "{e}"
        ),
        Ok(top) => assert!(top.get(0).iter().all(|n| !n.score.is_nan())),
    }
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &[1.0, 2.0, 3.0], 2, None, &cfg)),
        MetricsError::Shape(_)
    ));
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &ok, 0, None, &cfg)),
        MetricsError::InvalidConfig { name: "dim", .. }
    ));
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &ok, 2, None, &TopKConfig::new(0))),
        MetricsError::InvalidK(0)
    ));
    assert!(matches!(
        err(full_catalogue_top_k(
            &ok,
            &ok,
            2,
            None,
            &cfg.clone().with_user_block(0)
        )),
        MetricsError::InvalidConfig {
            name: "user_block",
            ..
        }
    ));
    let seen = SeenItems::new(&[0, 1], &[5]).unwrap();
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &ok, 2, Some(&seen), &cfg)),
        MetricsError::InvalidSeen(_)
    ));
    let two_users = SeenItems::new(&[0, 0, 0], &[]).unwrap();
    assert!(matches!(
        err(full_catalogue_top_k(&ok, &ok, 2, Some(&two_users), &cfg)),
        MetricsError::Shape(_)
    ));
}
