//! The skip-gram with negative sampling objective and its batched SGD step on a burn backend.

use artist2vec_core::CoreError;
use burn::tensor::activation::log_sigmoid;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, IndexingUpdateOp, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::Result;

/// The mean skip-gram negative-sampling loss of a batch.
///
/// `input` is `[n, dim]`: the input vector `u` of each pair's center artist. `output` is
/// `[n, 1 + k, dim]`: the output vector `v⁺` of its context artist, then the output vectors
/// `v⁻₁ … v⁻ₖ` of its `k` negatives. The result, of shape `[1]`, is
///
/// ```text
/// (1/n) Σᵢ [ −ln σ(uᵢ·v⁺ᵢ) − Σⱼ ln σ(−uᵢ·v⁻ᵢⱼ) ]
/// ```
///
/// which is non-negative, and small when contexts score high and negatives low. `ln σ` is
/// evaluated stably for large scores of either sign.
///
/// # Panics
/// When the shapes disagree or `output` has fewer than two rows per pair.
pub fn sgns_loss<B: Backend>(input: Tensor<B, 2>, output: Tensor<B, 3>) -> Tensor<B, 1> {
    let [n, m, dim] = output.dims();
    assert!(m >= 2, "output needs the context and at least one negative");
    assert_eq!(input.dims(), [n, dim], "input must be [n, dim]");
    // The broadcast operand first: the product gets a fresh buffer instead of a copy of
    // `output` (which autodiff keeps for the backward pass).
    let scores: Tensor<B, 2> = input
        .unsqueeze_dim::<3>(1)
        .mul(output)
        .sum_dim(2)
        .reshape([n, m]);
    let positive = log_sigmoid(scores.clone().narrow(1, 0, 1)).sum();
    let negative = log_sigmoid(scores.narrow(1, 1, m - 1).neg()).sum();
    (positive + negative).neg().div_scalar(n as f32)
}

/// Skip-gram with negative sampling on a burn backend: the input (`syn0`) and output
/// (`syn1neg`) tables, and one batched SGD step.
///
/// The tables live on the backend's device as tensors of the inner (non-autodiff) backend. A
/// [`step`](Self::step) gathers the rows a batch touches, differentiates [`sgns_loss`] with
/// respect to those rows by burn's autodiff, and adds `−lr · n · gradient` back into the tables
/// with a scatter-add, so a step costs `O(n · (1 + k) · dim)` whatever the vocabulary size, and
/// rows that occur several times in a batch receive the sum of their gradients — exactly the
/// gradient of the batch's summed loss with respect to the whole tables. (burn-cubecl's
/// scatter-add, `select_assign`, is correct for repeated rows because each thread walks all
/// indices of one column; its `scatter_nd` would be faster but races on repeated rows.)
///
/// `B` is an autodiff backend: [`CpuBackend`](crate::CpuBackend) by default, `CudaBackend`
/// with the `cuda` feature.
#[derive(Debug)]
pub struct BurnSkipGram<B: AutodiffBackend> {
    // `Option` so a step can move the tables out: a uniquely owned tensor is updated in place.
    tables: Option<Tables<B::InnerBackend>>,
    rows: usize,
    dim: usize,
    device: B::Device,
}

#[derive(Debug)]
struct Tables<B: Backend> {
    input: Tensor<B, 2>,
    output: Tensor<B, 2>,
}

impl<B: AutodiffBackend> BurnSkipGram<B> {
    /// Tables for `rows` artists of dimension `dim`, initialised as word2vec does: input vectors
    /// uniform in `[−0.5/dim, 0.5/dim)` (drawn with `seed`), output vectors zero.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `rows` or `dim` is zero.
    pub fn new(rows: usize, dim: usize, seed: u64, device: &B::Device) -> Result<Self> {
        if rows == 0 || dim == 0 {
            return Err(
                CoreError::Shape(format!("tables of {rows} rows of dimension {dim}")).into(),
            );
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let input: Vec<f32> = (0..rows * dim)
            .map(|_| (rng.random::<f32>() - 0.5) / dim as f32)
            .collect();
        Self::from_vectors(rows, dim, input, vec![0.0; rows * dim], device)
    }

    /// Tables from given row-major input and output vectors (a warm start, or a test).
    ///
    /// # Errors
    /// [`CoreError::Shape`] when a table does not hold `rows · dim` values or either is zero;
    /// [`CoreError::Invalid`] for a non-finite value.
    pub fn from_vectors(
        rows: usize,
        dim: usize,
        input: Vec<f32>,
        output: Vec<f32>,
        device: &B::Device,
    ) -> Result<Self> {
        for (name, t) in [("input", &input), ("output", &output)] {
            if rows == 0 || dim == 0 || t.len() != rows * dim {
                return Err(CoreError::Shape(format!(
                    "{name} table of {} values for {rows} rows of dimension {dim}",
                    t.len()
                ))
                .into());
            }
            if let Some(p) = t.iter().position(|v| !v.is_finite()) {
                return Err(CoreError::Invalid(format!(
                    "non-finite value {} in row {} of the {name} table",
                    t[p],
                    p / dim
                ))
                .into());
            }
        }
        let table = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [rows, dim]), device);
        Ok(Self {
            tables: Some(Tables {
                input: table(input),
                output: table(output),
            }),
            rows,
            dim,
            device: device.clone(),
        })
    }

    /// Number of rows (artists) of each table.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The device the tables live on.
    pub fn device(&self) -> &B::Device {
        &self.device
    }

    fn tables(&self) -> &Tables<B::InnerBackend> {
        self.tables
            .as_ref()
            .expect("tables are only absent inside a step")
    }

    /// Negatives per pair of a batch, after checking its shape and indices.
    fn check_batch(&self, centers: &[u32], targets: &[u32]) -> Result<usize> {
        let n = centers.len();
        if n == 0 || targets.len() % n != 0 || targets.len() / n < 2 {
            return Err(CoreError::Shape(format!(
                "{} targets for {n} centers: need (1 + k) per center with k ≥ 1",
                targets.len()
            ))
            .into());
        }
        if let Some(&i) = centers
            .iter()
            .chain(targets)
            .find(|&&i| i as usize >= self.rows)
        {
            return Err(CoreError::IndexOutOfRange {
                kind: "table row",
                index: i as usize,
                len: self.rows,
            }
            .into());
        }
        Ok(targets.len() / n - 1)
    }

    fn indices<K: Backend<Device = B::Device>>(&self, ix: &[u32]) -> Tensor<K, 1, Int> {
        let data: Vec<i64> = ix.iter().map(|&i| i64::from(i)).collect();
        Tensor::from_data(TensorData::new(data, [ix.len()]), &self.device)
    }

    /// The rows of a batch: `[n, dim]` input vectors of the centers and `[n, 1 + k, dim]` output
    /// vectors of the targets. `gather_nd` copies whole rows (burn-ndarray's `select` goes
    /// through a slow generic concatenation).
    fn gather<K: Backend<Device = B::Device>>(
        &self,
        tables: &Tables<K>,
        centers: &[u32],
        targets: &[u32],
        k: usize,
    ) -> (Tensor<K, 2>, Tensor<K, 3>) {
        let n = centers.len();
        let ic: Tensor<K, 2, Int> = self.indices(centers).reshape([n, 1]);
        let it: Tensor<K, 3, Int> = self.indices(targets).reshape([n, k + 1, 1]);
        (
            tables.input.clone().gather_nd::<2, 2>(ic),
            tables.output.clone().gather_nd::<3, 3>(it),
        )
    }

    /// The mean loss ([`sgns_loss`]) of a batch at the current vectors, without changing them.
    ///
    /// `centers[i]` is trained against `targets[i·(1+k)]` (its context) and the `k` rows after
    /// it (its negatives).
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `targets` does not hold `1 + k` rows per center (`k ≥ 1`);
    /// [`CoreError::IndexOutOfRange`] for a row outside the tables.
    pub fn loss(&self, centers: &[u32], targets: &[u32]) -> Result<f32> {
        let k = self.check_batch(centers, targets)?;
        let t = self.tables();
        let (u, v) = self.gather(t, centers, targets, k);
        Ok(sgns_loss(u, v).into_scalar().elem::<f32>())
    }

    /// One SGD step on a batch with per-pair learning rate `lr`: every touched row moves by
    /// `−lr ·` its gradient of the batch's *summed* loss (`n` times the mean). Returns the mean
    /// loss before the step, as a tensor on the device (read it with `into_scalar`; not reading
    /// it keeps a GPU pipeline busy).
    ///
    /// The batch is laid out as in [`loss`](Self::loss).
    ///
    /// # Errors
    /// As [`loss`](Self::loss); `lr` must be finite ([`CoreError::Invalid`]). On an error the
    /// tables are unchanged.
    pub fn step(
        &mut self,
        centers: &[u32],
        targets: &[u32],
        lr: f32,
    ) -> Result<Tensor<B::InnerBackend, 1>> {
        let k = self.check_batch(centers, targets)?;
        if !lr.is_finite() {
            return Err(CoreError::Invalid(format!("learning rate {lr}")).into());
        }
        Ok(self.step_unchecked(centers, targets, k, lr))
    }

    /// [`step`](Self::step) for a batch already known to be well formed.
    pub(crate) fn step_unchecked(
        &mut self,
        centers: &[u32],
        targets: &[u32],
        k: usize,
        lr: f32,
    ) -> Tensor<B::InnerBackend, 1> {
        let n = centers.len();
        let tables = self
            .tables
            .take()
            .expect("tables are only absent inside a step");
        let (u, v) = self.gather(&tables, centers, targets, k);
        let Tables { input, output } = tables;
        // Leaves of the autodiff graph: the gathered rows, not the whole tables.
        let u = Tensor::<B, 2>::from_inner(u).require_grad();
        let v = Tensor::<B, 3>::from_inner(v).require_grad();
        let loss = sgns_loss(u.clone(), v.clone());
        let grads = loss.backward();
        let gu = u.grad(&grads).expect("u is a leaf of the loss");
        let gv: Tensor<B::InnerBackend, 2> = v
            .grad(&grads)
            .expect("v is a leaf of the loss")
            .reshape([n * (k + 1), self.dim]);
        drop((u, v, grads));
        let (ic, it) = (self.indices(centers), self.indices(targets));
        // d(sum loss) = n · d(mean loss); rows repeated in the batch accumulate.
        let scale = -lr * n as f32;
        self.tables = Some(Tables {
            input: input.select_assign(0, ic, gu.mul_scalar(scale), IndexingUpdateOp::Add),
            output: output.select_assign(0, it, gv.mul_scalar(scale), IndexingUpdateOp::Add),
        });
        loss.inner()
    }

    /// The input vectors (`syn0`), row-major, copied from the device.
    pub fn input_vectors(&self) -> Vec<f32> {
        read(self.tables().input.clone())
    }

    /// The output vectors (`syn1neg`), row-major, copied from the device.
    pub fn output_vectors(&self) -> Vec<f32> {
        read(self.tables().output.clone())
    }
}

fn read<B: Backend>(t: Tensor<B, 2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("converted to f32 above")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend;

    /// A reference loss in `f64`, written from the formula, independent of burn.
    fn reference_loss(input: &[f32], output: &[f32], dim: usize, c: &[u32], t: &[u32]) -> f64 {
        let m = t.len() / c.len();
        let row = |tab: &[f32], i: u32| -> Vec<f64> {
            tab[i as usize * dim..(i as usize + 1) * dim]
                .iter()
                .map(|&x| x as f64)
                .collect()
        };
        let ln_sigma = |x: f64| -(1.0 + (-x).exp()).ln();
        let mut total = 0.0;
        for (i, &ci) in c.iter().enumerate() {
            let u = row(input, ci);
            for j in 0..m {
                let v = row(output, t[i * m + j]);
                let s: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                total -= if j == 0 { ln_sigma(s) } else { ln_sigma(-s) };
            }
        }
        total / c.len() as f64
    }

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
    }

    const ROWS: usize = 5;
    const DIM: usize = 3;
    // Two pairs, k = 2; row 1 is a negative twice and a center once, row 4 is never touched.
    const CENTERS: [u32; 2] = [0, 1];
    const TARGETS: [u32; 6] = [2, 1, 3, 3, 1, 0];

    /// The loss as a function of the *whole* tables, through the same `sgns_loss` the trainer
    /// uses, on the autodiff CPU backend.
    fn table_loss(
        input: &Tensor<CpuBackend, 2>,
        output: &Tensor<CpuBackend, 2>,
    ) -> Tensor<CpuBackend, 1> {
        let dev = input.device();
        let ix = |v: &[u32]| {
            Tensor::<CpuBackend, 1, Int>::from_data(
                TensorData::new(v.iter().map(|&i| i as i64).collect::<Vec<_>>(), [v.len()]),
                &dev,
            )
        };
        let u = input.clone().select(0, ix(&CENTERS));
        let v = output.clone().select(0, ix(&TARGETS)).reshape([2, 3, DIM]);
        sgns_loss(u, v)
    }

    fn tensor(v: &[f32]) -> Tensor<CpuBackend, 2> {
        Tensor::from_data(
            TensorData::new(v.to_vec(), [ROWS, DIM]),
            &Default::default(),
        )
    }

    #[test]
    fn loss_matches_the_formula_in_f64() {
        let (a, b) = (values(ROWS * DIM, 1), values(ROWS * DIM, 2));
        let got = table_loss(&tensor(&a), &tensor(&b))
            .into_scalar()
            .elem::<f32>();
        let want = reference_loss(&a, &b, DIM, &CENTERS, &TARGETS);
        assert!(want > 0.0);
        assert!(
            (got as f64 - want).abs() <= 1e-5 * want,
            "burn {got} vs reference {want}"
        );
        // Large scores of both signs stay finite (ln σ evaluated stably).
        let big: Vec<f32> = a.iter().map(|x| x * 200.0).collect();
        let l = table_loss(&tensor(&big), &tensor(&b))
            .into_scalar()
            .elem::<f32>();
        let want = reference_loss(&big, &b, DIM, &CENTERS, &TARGETS);
        assert!(
            l.is_finite() && (l as f64 - want).abs() <= 1e-4 * want,
            "{l} vs {want}"
        );
    }

    #[test]
    fn autodiff_gradient_matches_central_differences() {
        let (a, b) = (values(ROWS * DIM, 3), values(ROWS * DIM, 4));
        let input = tensor(&a).require_grad();
        let output = tensor(&b).require_grad();
        let grads = table_loss(&input, &output).backward();
        let ga = read(input.grad(&grads).unwrap());
        let gb = read(output.grad(&grads).unwrap());
        // Central differences of the f64 reference loss: with h = 1e-3 the truncation error is
        // O(h²·|L'''|) ≈ 1e-6 and the rounding error ≈ 1e-16/h, far below the tolerance, which is
        // set by burn's f32 arithmetic: a few ulps of terms of size ~1 (≈ 1e-6); we allow 1e-4.
        let h = 1e-3f32;
        let fd = |which: usize, e: usize| -> f64 {
            let (mut ap, mut bp) = (a.clone(), b.clone());
            let (mut am, mut bm) = (a.clone(), b.clone());
            if which == 0 {
                ap[e] += h;
                am[e] -= h;
            } else {
                bp[e] += h;
                bm[e] -= h;
            }
            // The perturbation actually applied in f32, so the quotient is exact in h.
            let dh = if which == 0 {
                ap[e] - am[e]
            } else {
                bp[e] - bm[e]
            } as f64;
            (reference_loss(&ap, &bp, DIM, &CENTERS, &TARGETS)
                - reference_loss(&am, &bm, DIM, &CENTERS, &TARGETS))
                / dh
        };
        let mut checked_nonzero = 0;
        for e in 0..ROWS * DIM {
            for (which, g) in [(0, &ga), (1, &gb)] {
                let want = fd(which, e);
                assert!(
                    (g[e] as f64 - want).abs() <= 1e-4,
                    "table {which} entry {e}: autodiff {} vs finite difference {want}",
                    g[e]
                );
                if want.abs() > 1e-2 {
                    checked_nonzero += 1;
                }
            }
        }
        // Untouched rows have zero gradient, touched rows real ones (so the test is not vacuous).
        assert!(
            ga[4 * DIM..]
                .iter()
                .chain(&gb[4 * DIM..])
                .all(|&g| g == 0.0)
        );
        assert!(checked_nonzero >= 15, "{checked_nonzero}");
        // And against burn's own loss in f32 for two entries, with a wider step: rounding error
        // ≈ 2·6e-8·L/h ≈ 1e-5 at h = 1e-2, truncation ≈ h²·|L'''|/6 ≲ 1e-4.
        for (which, e) in [(0usize, 1usize), (1, 7)] {
            let h = 1e-2f32;
            let eval = |d: f32| {
                let (mut x, mut y) = (a.clone(), b.clone());
                if which == 0 {
                    x[e] += d
                } else {
                    y[e] += d
                }
                table_loss(&tensor(&x), &tensor(&y))
                    .into_scalar()
                    .elem::<f32>() as f64
            };
            let want = (eval(h) - eval(-h)) / (2.0 * h as f64);
            let g = if which == 0 { ga[e] } else { gb[e] } as f64;
            assert!((g - want).abs() <= 5e-4, "entry {e}: {g} vs {want}");
        }
    }

    #[test]
    fn a_step_is_the_dense_gradient_step_of_the_summed_loss() {
        let (a, b) = (values(ROWS * DIM, 5), values(ROWS * DIM, 6));
        let input = tensor(&a).require_grad();
        let output = tensor(&b).require_grad();
        let grads = table_loss(&input, &output).backward();
        let ga = read(input.grad(&grads).unwrap());
        let gb = read(output.grad(&grads).unwrap());
        let dev = Default::default();
        let mut m = BurnSkipGram::<CpuBackend>::from_vectors(ROWS, DIM, a.clone(), b.clone(), &dev)
            .unwrap();
        let lr = 0.1;
        let before = m.step(&CENTERS, &TARGETS, lr).unwrap().into_scalar();
        let want = reference_loss(&a, &b, DIM, &CENTERS, &TARGETS);
        assert!((before as f64 - want).abs() <= 1e-5 * want);
        let n = CENTERS.len() as f32;
        for (got, start, g) in [(m.input_vectors(), &a, &ga), (m.output_vectors(), &b, &gb)] {
            for e in 0..ROWS * DIM {
                let expected = start[e] - lr * n * g[e];
                assert!(
                    (got[e] - expected).abs() <= 1e-6,
                    "{e}: {} vs {expected}",
                    got[e]
                );
            }
        }
        // A small step lowers the loss.
        assert!(m.loss(&CENTERS, &TARGETS).unwrap() < before);
    }

    #[test]
    fn bad_batches_are_refused_and_leave_the_tables_alone() {
        let dev = Default::default();
        let mut m = BurnSkipGram::<CpuBackend>::new(4, 2, 1, &dev).unwrap();
        let before = m.input_vectors();
        assert!(m.step(&[0, 1], &[1, 2, 3], 0.1).is_err()); // not (1 + k) per center
        assert!(m.step(&[0], &[1], 0.1).is_err()); // k = 0
        assert!(m.step(&[0], &[1, 9], 0.1).is_err()); // row out of range
        assert!(m.step(&[0], &[1, 2], f32::NAN).is_err());
        assert!(m.loss(&[], &[]).is_err());
        assert_eq!(m.input_vectors(), before);
        assert!(BurnSkipGram::<CpuBackend>::new(0, 2, 1, &dev).is_err());
        assert!(
            BurnSkipGram::<CpuBackend>::from_vectors(1, 2, vec![0.0, f32::NAN], vec![0.0; 2], &dev)
                .is_err()
        );
        // word2vec's initialisation: small input vectors, zero output vectors.
        assert!(before.iter().all(|x| x.abs() <= 0.25) && before.iter().any(|&x| x != 0.0));
        assert!(m.output_vectors().iter().all(|&x| x == 0.0));
    }
}
