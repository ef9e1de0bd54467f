//! Tests of the blocked full-catalogue top-k against per-user scoring and selection.

use super::*;
use crate::topk::top_k;

/// A small deterministic generator of floats in [-1, 1).
fn floats(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn ctx(items: &PackedItems, k: usize, item_block: usize, nan: NanScores) -> Ctx<'_> {
    Ctx {
        items,
        k: k.min(items.n_items),
        item_block_panels: item_block.div_ceil(NR),
        nan,
    }
}

fn no_seen(rows: usize) -> Vec<&'static [u32]> {
    vec![&[]; rows]
}

#[test]
fn heap_keeps_best_and_breaks_ties_by_lower_id() {
    let mut h = Heaps::new(1, 3);
    for (item, score) in [(5, 1.0), (1, 2.0), (2, 1.0), (9, 3.0), (0, 1.0), (3, 1.0)] {
        assert!(h.offer(0, item, score, &[]));
    }
    assert_eq!(
        h.sorted(0).iter().map(|n| n.item).collect::<Vec<_>>(),
        vec![9, 1, 0]
    );
    assert_eq!(h.thr[0], 1.0);
    assert!(!h.offer(0, 7, f32::NAN, &[]));
}

#[test]
fn kernel_scores_equal_dot_scores_bit_for_bit() {
    // Every tile shape and both arithmetic modes give exactly the one-vector scores.
    for dim in [1usize, 5, 8, 13, 16, 64, 65, 100] {
        let n_items = 37;
        let items = floats(dim as u64, n_items * dim);
        let users = floats(1000 + dim as u64, 7 * dim);
        let packed = PackedItems::new(&items, dim).unwrap();
        fn check<const MR: usize, const FMA: bool>(
            users: &[f32],
            items: &[f32],
            packed: &PackedItems,
        ) {
            let dim = packed.dim;
            let n_items = packed.n_items;
            for (tile_users, chunk) in users.chunks(MR * dim).enumerate() {
                let mut up = vec![0.0f32; dim * MR];
                for (r, row) in chunk.chunks_exact(dim).enumerate() {
                    for t in 0..dim {
                        up[t * MR + r] = row[source_dim(t, dim)];
                    }
                }
                for p in 0..n_items.div_ceil(NR) {
                    let panel = &packed.panels[p * dim * NR..(p + 1) * dim * NR];
                    let acc = kernel::<MR, FMA>(&up, panel, dim);
                    for (r, row) in chunk.chunks_exact(dim).enumerate() {
                        for c in 0..NR.min(n_items - p * NR) {
                            let i = p * NR + c;
                            let want = dot_lanes::<FMA>(row, &items[i * dim..][..dim]);
                            assert_eq!(
                                acc[r][c].to_bits(),
                                want.to_bits(),
                                "dim {dim} MR {MR} FMA {FMA} tile {tile_users} user {r} item {i}"
                            );
                        }
                    }
                }
            }
        }
        check::<1, false>(&users, &items, &packed);
        check::<2, false>(&users, &items, &packed);
        check::<4, true>(&users, &items, &packed);
        check::<6, true>(&users, &items, &packed);
        check::<6, false>(&users, &items, &packed);
    }
}

#[test]
fn blocked_top_k_equals_per_user_selection() {
    let (dim, n_items, n_users, k) = (24, 301, 23, 7);
    let items = floats(1, n_items * dim);
    let users = floats(2, n_users * dim);
    let seen: Vec<Vec<u32>> = (0..n_users as u32)
        .map(|u| (0..n_items as u32).filter(|i| (i + u) % 5 == 0).collect())
        .collect();
    let untrained = [3u32, 4, 100, 300];
    for mask in [f32::NAN, f32::NEG_INFINITY] {
        let packed = PackedItems::new(&items, dim)
            .unwrap()
            .with_masked(&untrained, mask)
            .unwrap();
        for (k, ub, ib) in [(k, 5, 48), (k, 192, 1024), (n_items + 5, 4, 16), (0, 3, 3)] {
            let config = TopKConfig::new(k).with_user_block(ub).with_item_block(ib);
            let got = top_k_dot(
                &packed,
                n_users,
                |u, out| {
                    out.copy_from_slice(&users[u * dim..][..dim]);
                    Ok(())
                },
                |u| &seen[u],
                &config,
                NanScores::Skip,
            )
            .unwrap();
            for u in 0..n_users {
                let mut scores = vec![0.0f32; n_items];
                dot_scores(&users[u * dim..][..dim], &items, &mut scores);
                for &i in &untrained {
                    scores[i as usize] = mask;
                }
                assert_eq!(got.get(u), top_k(&scores, k, &seen[u]), "user {u} k {k}");
            }
        }
    }
}

#[test]
fn overflow_to_nan_is_an_error_or_skipped_without_fma() {
    // Without FMA, MAX*MAX + MAX*(-MAX) = inf - inf = NaN.
    let packed = PackedItems::new(&[f32::MAX, -f32::MAX], 2).unwrap();
    let c = ctx(&packed, 1, 16, NanScores::Error);
    let e = c
        .run_block_generic::<4, false>(0, &[f32::MAX, f32::MAX], &no_seen(1))
        .unwrap_err();
    assert!(e.to_string().contains("user 0 item 0 scores NaN"), "{e}");
    let ok = c
        .run_block_generic::<4, false>(0, &[1.0, 1.0], &no_seen(1))
        .unwrap();
    assert_eq!(ok.0, vec![1]);
    let skip = ctx(&packed, 1, 16, NanScores::Skip);
    let none = skip
        .run_block_generic::<4, false>(0, &[f32::MAX, f32::MAX], &no_seen(1))
        .unwrap();
    assert_eq!(none.0, vec![0]);
}

#[test]
fn portable_path_equals_the_dispatched_path_on_exact_data() {
    // Small integers: every product and sum is exact, so FMA or not, any tile shape gives
    // the same scores and the same lists.
    let (n_users, n_items, dim) = (23, 101, 5);
    let val = |i: usize| ((i * 7919) % 5) as f32 - 2.0;
    let users: Vec<f32> = (0..n_users * dim).map(val).collect();
    let items: Vec<f32> = (0..n_items * dim).map(|i| val(i * 31 + 3)).collect();
    let packed = PackedItems::new(&items, dim).unwrap();
    let c = ctx(&packed, 9, 32, NanScores::Error);
    let seen = no_seen(n_users);
    let dispatched = c.run_block(0, &users, &seen).unwrap();
    assert_eq!(dispatched.0, vec![9; n_users]);
    assert_eq!(
        c.run_block_generic::<FALLBACK_MR, false>(0, &users, &seen)
            .unwrap(),
        dispatched
    );
    assert_eq!(
        c.run_block_generic::<3, true>(0, &users, &seen).unwrap(),
        dispatched
    );
    assert_eq!(
        c.run_block_generic::<1, false>(0, &users, &seen).unwrap(),
        dispatched
    );
}

#[test]
fn packing_follows_the_lane_order_and_zero_pads() {
    // dim 17: q = 2, lanes 0..8 hold dims (0, 8), (1, 9), …, then dim 16.
    let order: Vec<usize> = (0..17).map(|t| source_dim(t, 17)).collect();
    assert_eq!(
        order,
        vec![0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15, 16]
    );
    let dim = 2;
    let items: Vec<f32> = (0..(NR + 1) * dim).map(|x| x as f32).collect();
    let p = PackedItems::new(&items, dim).unwrap();
    assert_eq!(p.panels.len(), 2 * NR * dim);
    assert_eq!(p.panels[0], 0.0); // item 0, t 0
    assert_eq!(p.panels[1], 2.0); // item 1, t 0
    assert_eq!(p.panels[NR], 1.0); // item 0, t 1
    assert_eq!(p.panels[NR * dim], (NR * dim) as f32); // item NR, t 0
    assert_eq!(p.panels[NR * dim + 1], 0.0); // padding
    assert!(PackedItems::new(&items, 0).is_err());
    assert!(PackedItems::new(&items[..3], 2).is_err());
    assert!(p.clone().with_masked(&[17], f32::NAN).is_err());
    assert!(TopKConfig::new(1).with_item_block(0).validate().is_err());
}
