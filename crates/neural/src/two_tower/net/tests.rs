//! Tests of the objectives, lazy Adam and the burn user tower against the CPU one.

use burn::tensor::ElementConversion;
use rand::Rng;

use super::*;
use crate::CpuBackend;

type Inner = burn::backend::NdArray;

fn t2(v: &[f32], shape: [usize; 2]) -> Tensor<Inner, 2> {
    floats(v.to_vec(), shape, &Default::default())
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    use rand::SeedableRng;
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

#[test]
fn softmax_loss_matches_the_formula() {
    let (b, c, d) = (3, 5, 4);
    let (u, v, bias) = (values(b * d, 1), values(c * d, 2), values(b * c, 3));
    for (score, tau) in [(Score::Dot, 0.7f32), (Score::Cosine, 0.1)] {
        let got = sampled_softmax_loss(
            t2(&u, [b, d]),
            t2(&v, [c, d]),
            t2(&bias, [b, c]),
            tau,
            score,
        )
        .into_scalar()
        .elem::<f64>();
        let norm = |x: &[f32]| dot(x, x).sqrt();
        let mut want = 0.0;
        for r in 0..b {
            let ur = &u[r * d..(r + 1) * d];
            let logits: Vec<f64> = (0..c)
                .map(|j| {
                    let vj = &v[j * d..(j + 1) * d];
                    let s = match score {
                        Score::Dot => dot(ur, vj),
                        Score::Cosine => dot(ur, vj) / (norm(ur) * norm(vj)),
                    };
                    s / f64::from(tau) + f64::from(bias[r * c + j])
                })
                .collect();
            let lse = logits.iter().map(|x| x.exp()).sum::<f64>().ln();
            want += lse - logits[r];
        }
        want /= b as f64;
        assert!(
            (got - want).abs() < 1e-4 * want.abs().max(1.0),
            "{score:?}: {got} vs {want}"
        );
    }
    // A masked candidate changes nothing but its own weight.
    let mut masked = bias.clone();
    masked[1] = super::super::batch::MASKED;
    let l = sampled_softmax_loss(
        t2(&u, [b, d]),
        t2(&v, [c, d]),
        t2(&masked, [b, c]),
        1.0,
        Score::Dot,
    )
    .into_scalar()
    .elem::<f32>();
    assert!(l.is_finite());
}

#[test]
fn cosine_loss_matches_the_formula() {
    let (b, m, d) = (2, 3, 4);
    let (u, v) = (values(b * d, 4), values(b * m * d, 5));
    let cand: Tensor<Inner, 3> = floats(v.clone(), [b, m, d], &Default::default());
    let margin = 0.1;
    let got = cosine_embedding_loss(t2(&u, [b, d]), cand, margin)
        .into_scalar()
        .elem::<f64>();
    let mut want = 0.0;
    for r in 0..b {
        let ur = &u[r * d..(r + 1) * d];
        for j in 0..m {
            let vj = &v[(r * m + j) * d..(r * m + j + 1) * d];
            let cos = dot(ur, vj) / (dot(ur, ur).sqrt() * dot(vj, vj).sqrt());
            want += if j == 0 {
                1.0 - cos
            } else {
                (cos - f64::from(margin)).max(0.0)
            };
        }
    }
    want /= (b * m) as f64;
    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
}

#[test]
fn lazy_adam_moves_only_the_given_rows_and_sums_repeats() {
    let dev = Default::default();
    let mut p = Param::<Inner>::new(vec![1.0; 8], [4, 2], &dev);
    let adam = Adam {
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
        t: 1,
    };
    // Positions 0 and 2 are both row 3: their gradients add up before the step.
    let g = per_row(t2(&[1.0, 1.0, -2.0, 0.0, 1.0, 1.0], [3, 2]), &[0, 1, 0], 2);
    assert_eq!(read(g.clone()), vec![2.0, 2.0, -2.0, 0.0]);
    p.update_rows(&[3, 1], g, &adam);
    let w = p.to_vec();
    // The first Adam step moves every coordinate with a gradient by lr against its sign.
    assert_eq!(&w[..2], &[1.0, 1.0]);
    assert!(
        (w[2] - 1.1).abs() < 1e-6 && (w[3] - 1.0).abs() < 1e-6,
        "{w:?}"
    );
    assert_eq!(&w[4..6], &[1.0, 1.0]);
    assert!(
        (w[6] - 0.9).abs() < 1e-6 && (w[7] - 0.9).abs() < 1e-6,
        "{w:?}"
    );
    // Dense Adam gives the same step.
    let mut q = Param::<Inner>::new(vec![1.0; 2], [1, 2], &dev);
    q.update_all(t2(&[2.0, -2.0], [1, 2]), &adam);
    let w = q.to_vec();
    assert!((w[0] - 0.9).abs() < 1e-6 && (w[1] - 1.1).abs() < 1e-6);
    // Decoupled weight decay shrinks by lr · decay · value on top.
    let mut q = Param::<Inner>::new(vec![1.0; 2], [1, 2], &dev);
    let decayed = Adam {
        weight_decay: 0.5,
        ..adam
    };
    q.update_all(t2(&[2.0, -2.0], [1, 2]), &decayed);
    let w = q.to_vec();
    assert!(
        (w[0] - 0.85).abs() < 1e-6 && (w[1] - 1.05).abs() < 1e-6,
        "{w:?}"
    );
}

/// The CPU user tower that scores listeners computes what the burn forward pass trained,
/// with the MLP, the user vectors and the artist offsets all moved away from their start.
#[test]
fn the_cpu_user_tower_matches_the_burn_forward_pass() {
    use rand::SeedableRng;

    use super::super::batch::{Batcher, Prepared};
    use artist2vec_core::{Interactions, Vocabulary};

    let users = Vocabulary::from_ids((0..30).map(|u| format!("u{u}"))).unwrap();
    let items = Vocabulary::from_ids((0..40).map(|i| format!("a{i}"))).unwrap();
    let mut data = Interactions::new(users, items, false);
    let mut rng = StdRng::seed_from_u64(9);
    for u in 0..30u32 {
        for _ in 0..8 {
            data.push(
                u,
                rng.random_range(0..40),
                rng.random_range(1..20) as f32,
                None,
            );
        }
    }
    let config = TwoTowerConfig::new(8)
        .with_user_layers(vec![12, 6])
        .with_user_embedding(true)
        .with_artist_bias(true)
        .with_batch_size(32)
        .with_lr(0.05);
    let prep = Prepared::new(&data, &config).unwrap();
    let dev = Default::default();
    let mut net = Net::<Inner>::new(&config, 40, 30, None, &mut rng, &dev);
    let mut batcher = Batcher::new(&prep, &config);
    let examples = prep.epoch_examples(&config, &mut rng);
    for chunk in examples.chunks(32) {
        batcher.build(chunk, &mut rng);
        net.step::<CpuBackend>(&batcher.batch, &config);
    }
    let tower = net.user_tower();
    assert!(
        tower
            .layers
            .iter()
            .all(|l| l.weight.iter().any(|&w| w != 0.0))
    );
    assert!(net.artist_bias().unwrap().iter().any(|&b| b != 0.0));
    batcher.build(&examples[..16], &mut rng);
    let batch = &batcher.batch;
    let burn = read(net.user_forward::<CpuBackend>(batch).output.inner());
    for (r, &(user, _)) in examples[..16].iter().enumerate() {
        let h: Vec<(u32, f32)> = (0..batch.l)
            .map(|j| {
                (
                    batch.history.global[r * batch.l + j],
                    batch.weights[r * batch.l + j],
                )
            })
            .collect();
        let cpu = tower.user_vector(&h, Some(user)).unwrap();
        for (a, b) in cpu.iter().zip(&burn[r * 8..(r + 1) * 8]) {
            assert!(
                (a - b).abs() < 1e-5,
                "example {r}: {cpu:?} vs {:?}",
                &burn[r * 8..(r + 1) * 8]
            );
        }
    }
}

#[test]
fn autodiff_through_the_softmax_matches_central_differences() {
    let (b, c, d) = (2, 3, 3);
    let (u, v, bias) = (values(b * d, 6), values(c * d, 7), values(b * c, 8));
    let dev = Default::default();
    let ul =
        Tensor::<CpuBackend, 2>::from_data(TensorData::new(u.clone(), [b, d]), &dev).require_grad();
    let vl =
        Tensor::<CpuBackend, 2>::from_data(TensorData::new(v.clone(), [c, d]), &dev).require_grad();
    let bl = Tensor::<CpuBackend, 2>::from_data(TensorData::new(bias.clone(), [b, c]), &dev);
    let grads = sampled_softmax_loss(ul.clone(), vl.clone(), bl, 0.5, Score::Cosine).backward();
    let gu = read(ul.grad(&grads).unwrap());
    let gv = read(vl.grad(&grads).unwrap());
    let loss = |u: &[f32], v: &[f32]| {
        sampled_softmax_loss(
            t2(u, [b, d]),
            t2(v, [c, d]),
            t2(&bias, [b, c]),
            0.5,
            Score::Cosine,
        )
        .into_scalar()
        .elem::<f64>()
    };
    // Central differences in each coordinate of u (which = 0) and of v (which = 1).
    let h = 1e-2f32;
    for (which, grad) in [(0, &gu), (1, &gv)] {
        for e in 0..grad.len() {
            let (mut p, mut m) = (vec![u.clone(), v.clone()], vec![u.clone(), v.clone()]);
            p[which][e] += h;
            m[which][e] -= h;
            let step = f64::from(p[which][e] - m[which][e]);
            let fd = (loss(&p[0], &p[1]) - loss(&m[0], &m[1])) / step;
            assert!(
                (f64::from(grad[e]) - fd).abs() < 2e-3,
                "{which}[{e}]: {} vs {fd}",
                grad[e]
            );
        }
    }
}
