//! The two towers on a burn backend: the objectives, the parameters with their Adam state, and
//! one training step.

use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

use super::batch::Batch;
use super::config::{Loss, Score, TwoTowerConfig};
use super::towers::{Dense, UserTower};
use crate::tensors::{floats, ints, read};

/// Rows scaled to unit length (`x / sqrt(|x|² + 1e-12)`), along the last dimension.
fn unit<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let norm = x.clone().square().sum_dim(D - 1).add_scalar(1e-12).sqrt();
    x.div(norm)
}

/// The mean sampled-softmax loss of a batch.
///
/// `users` is `[b, dim]`, `candidates` `[c, dim]` with `c ≥ b`, the positive of example `r`
/// being candidate `r`; `bias` `[b, c]` is added to the logits after the division by
/// `temperature` (the log-Q correction and the masks of accidental hits). The result, of shape
/// `[1]`, is `(1/b) Σ_r −ln softmax(s(u_r, V)/τ + bias_r)[r]`.
pub fn sampled_softmax_loss<B: Backend>(
    users: Tensor<B, 2>,
    candidates: Tensor<B, 2>,
    bias: Tensor<B, 2>,
    temperature: f32,
    score: Score,
) -> Tensor<B, 1> {
    let [b, _] = users.dims();
    let (u, v) = match score {
        Score::Dot => (users, candidates),
        Score::Cosine => (unit(users), unit(candidates)),
    };
    let logits = u.matmul(v.transpose()).div_scalar(temperature) + bias;
    let positives = Tensor::<B, 2, Int>::from_data(
        TensorData::new((0..b as i64).collect::<Vec<_>>(), [b, 1]),
        &logits.device(),
    );
    log_softmax(logits, 1)
        .gather(1, positives)
        .sum()
        .neg()
        .div_scalar(b as f32)
}

/// The mean cosine-embedding loss of a batch (PyTorch's `CosineEmbeddingLoss`, mean
/// reduction).
///
/// `users` is `[b, dim]`, `candidates` `[b, m, dim]`: each example's positive (label +1) then
/// `m − 1` negatives (label −1). The result, of shape `[1]`, is the mean over the `b · m` pairs
/// of `1 − cos(u, v⁺)` and `max(0, cos(u, v⁻) − margin)`.
///
/// # Panics
/// When `m < 2`.
pub fn cosine_embedding_loss<B: Backend>(
    users: Tensor<B, 2>,
    candidates: Tensor<B, 3>,
    margin: f32,
) -> Tensor<B, 1> {
    let [b, m, _] = candidates.dims();
    assert!(
        m >= 2,
        "candidates need the positive and at least one negative"
    );
    let cos: Tensor<B, 2> = unit(users)
        .unsqueeze_dim::<3>(1)
        .mul(unit(candidates))
        .sum_dim(2)
        .reshape([b, m]);
    let positive = cos.clone().narrow(1, 0, 1).neg().add_scalar(1.0).sum();
    let negative = relu(cos.narrow(1, 1, m - 1).sub_scalar(margin)).sum();
    (positive + negative).div_scalar((b * m) as f32)
}

/// Adam's settings and the step count (for the bias corrections).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Adam {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub t: i32,
}

impl Adam {
    fn new(config: &TwoTowerConfig) -> Self {
        Self {
            lr: config.lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: config.weight_decay,
            t: 0,
        }
    }
}

/// A 2-D parameter with its Adam moments, on the (non-autodiff) backend `B`. `Option`s so an
/// update can move the tensors out: a uniquely owned tensor is updated in place.
#[derive(Debug)]
pub(crate) struct Param<B: Backend> {
    value: Option<Tensor<B, 2>>,
    m: Option<Tensor<B, 2>>,
    v: Option<Tensor<B, 2>>,
    shape: [usize; 2],
}

/// Row indices as a column `[n, 1]`, the index shape of `gather_nd` and `scatter_nd` on rows.
fn int_col<B: Backend>(ix: &[u32], device: &B::Device) -> Tensor<B, 2, Int> {
    ints::<B, 2>(ix, [ix.len(), 1], device)
}

impl<B: Backend> Param<B> {
    fn new(values: Vec<f32>, shape: [usize; 2], device: &B::Device) -> Self {
        let zeros = || Some(Tensor::zeros(shape, device));
        Self {
            value: Some(floats(values, shape, device)),
            m: zeros(),
            v: zeros(),
            shape,
        }
    }

    fn value(&self) -> Tensor<B, 2> {
        self.value.clone().expect("present outside updates")
    }

    /// The rows `ix` (`[n, 1]`) as `[n, cols]`.
    fn rows(&self, ix: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        self.value().gather_nd::<2, 2>(ix)
    }

    /// One Adam step on the distinct rows `rows` whose summed gradients are `grad`
    /// (`[rows.len(), cols]`); the other rows and their moments are left alone (lazy Adam).
    fn update_rows(&mut self, rows: &[u32], grad: Tensor<B, 2>, adam: &Adam) {
        let col = int_col::<B>(rows, &grad.device());
        let take =
            |t: &Option<Tensor<B, 2>>| t.clone().expect("present").gather_nd::<2, 2>(col.clone());
        let (w, m, v) = (take(&self.value), take(&self.m), take(&self.v));
        let (dw, dm, dv) = adam_deltas(w, m, v, grad, adam);
        // `scatter_nd` adds in place into the uniquely owned table, one flat slice per row;
        // `select_assign` makes an ndarray view per row.
        let add = |slot: &mut Option<Tensor<B, 2>>, delta: Tensor<B, 2>| {
            let t = slot.take().expect("present");
            *slot = Some(t.scatter_nd(col.clone(), delta, IndexingUpdateOp::Add));
        };
        add(&mut self.value, dw);
        add(&mut self.m, dm);
        add(&mut self.v, dv);
    }

    /// One Adam step on every row.
    fn update_all(&mut self, grad: Tensor<B, 2>, adam: &Adam) {
        let (w, m, v) = (
            self.value.take().expect("present"),
            self.m.take().expect("present"),
            self.v.take().expect("present"),
        );
        let (dw, dm, dv) = adam_deltas(w.clone(), m.clone(), v.clone(), grad, adam);
        self.value = Some(w + dw);
        self.m = Some(m + dm);
        self.v = Some(v + dv);
    }

    fn to_vec(&self) -> Vec<f32> {
        read(self.value())
    }
}

/// Adam's changes to the values, first and second moments of some rows.
fn adam_deltas<B: Backend>(
    w: Tensor<B, 2>,
    m: Tensor<B, 2>,
    v: Tensor<B, 2>,
    grad: Tensor<B, 2>,
    a: &Adam,
) -> (Tensor<B, 2>, Tensor<B, 2>, Tensor<B, 2>) {
    let dm = (grad.clone() - m.clone()).mul_scalar(1.0 - a.beta1);
    let dv = (grad.square() - v.clone()).mul_scalar(1.0 - a.beta2);
    let m_hat = (m + dm.clone()).div_scalar(1.0 - a.beta1.powi(a.t));
    let v_hat = (v + dv.clone()).div_scalar(1.0 - a.beta2.powi(a.t));
    let mut dw = m_hat.div(v_hat.sqrt().add_scalar(a.eps)).mul_scalar(-a.lr);
    if a.weight_decay > 0.0 {
        dw = dw - w.mul_scalar(a.lr * a.weight_decay);
    }
    (dw, dm, dv)
}

/// The sums of the gradients of `positions` (`[n, cols]`, position `j` a copy of row
/// `rows[local[j]]`) per distinct row.
fn per_row<B: Backend>(grad: Tensor<B, 2>, local: &[u32], n_rows: usize) -> Tensor<B, 2> {
    let [_, cols] = grad.dims();
    let device = grad.device();
    // `select_assign`, not `scatter_nd`: a gradient out of a matmul's backward is a transposed
    // view, which the CPU backend's `scatter_nd` refuses.
    Tensor::zeros([n_rows, cols], &device).select_assign(
        0,
        ints::<B, 1>(local, [local.len()], &device),
        grad,
        IndexingUpdateOp::Add,
    )
}

/// The real (unpadded) history positions of a batch, flattened: per position its row in the
/// table, its place among the batch's distinct rows, its weight and its example.
struct Positions<B: Backend> {
    /// `[n, 1]` row indices into the table.
    rows: Tensor<B, 2, Int>,
    /// `[n, 1]` indices into the batch's distinct rows.
    local: Tensor<B, 2, Int>,
    /// `[n, 1]` example of each position.
    example_col: Tensor<B, 2, Int>,
    /// `[n, 1]` weights.
    weights: Tensor<B, 2>,
}

impl<B: Backend> Positions<B> {
    fn new(batch: &Batch, device: &B::Device) -> Self {
        let n: usize = batch.lens.iter().map(|&k| k as usize).sum();
        let (mut rows, mut local) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut example, mut weights) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (r, &k) in batch.lens.iter().enumerate() {
            let at = r * batch.l..r * batch.l + k as usize;
            rows.extend_from_slice(&batch.history.global[at.clone()]);
            local.extend_from_slice(&batch.history.local[at.clone()]);
            weights.extend_from_slice(&batch.weights[at]);
            example.extend(std::iter::repeat_n(r as u32, k as usize));
        }
        Self {
            rows: ints::<B, 2>(&rows, [n, 1], device),
            local: ints::<B, 2>(&local, [n, 1], device),
            example_col: ints::<B, 2>(&example, [n, 1], device),
            weights: floats(weights, [n, 1], device),
        }
    }

    /// The weighted mean of each example's rows of `table`, `[b, dim]`: the positions' rows
    /// times their weights, summed per example in position order.
    fn mean(&self, table: Tensor<B, 2>, b: usize) -> Tensor<B, 2> {
        self.weighted_move(table, &self.rows, &self.example_col, b)
    }

    /// The sums of the positions' gradients per distinct row (`n_rows` of them), from the
    /// gradient of the means `grad` (`[b, dim]`): a position gets its weight times its example's
    /// gradient.
    fn rows_grad(&self, grad: Tensor<B, 2>, n_rows: usize) -> Tensor<B, 2> {
        let [b, d] = grad.dims();
        // The CPU backend's `gather_nd` needs a contiguous tensor and a gradient can be a
        // transposed view: its reshape copies `[b, dim]` into the standard layout. (`select`
        // reads any layout but builds an ndarray view per position: 31 % of the 300 K-play
        // epoch.)
        self.weighted_move(grad.reshape([b, d]), &self.example_col, &self.local, n_rows)
    }

    /// Row `from[p]` of `src` times position `p`'s weight, summed into row `to[p]` of an
    /// `[n_out, dim]` zero tensor: the one gather–weight–scatter of the mean and its gradient.
    fn weighted_move(
        &self,
        src: Tensor<B, 2>,
        from: &Tensor<B, 2, Int>,
        to: &Tensor<B, 2, Int>,
        n_out: usize,
    ) -> Tensor<B, 2> {
        let [_, d] = src.dims();
        let device = src.device();
        // `h · w`, not `w · h`: the CPU backend multiplies in place into the uniquely owned left
        // operand when it has the result's shape, and allocates a new tensor else.
        let weighted = src
            .gather_nd::<2, 2>(from.clone())
            .mul(self.weights.clone());
        Tensor::zeros([n_out, d], &device).scatter_nd(to.clone(), weighted, IndexingUpdateOp::Add)
    }
}

/// Normal(0, std) values from `rng`.
fn normal(n: usize, std: f32, rng: &mut StdRng) -> Vec<f32> {
    let d = Normal::new(0.0, f64::from(std)).expect("a finite positive std");
    (0..n).map(|_| d.sample(rng) as f32).collect()
}

/// A dense layer's weight and bias.
#[derive(Debug)]
struct Layer<B: Backend> {
    weight: Param<B>,
    bias: Param<B>,
}

/// The user tower's output on a batch and the autodiff leaves it was computed from.
struct UserLeaves<A: AutodiffBackend> {
    /// The weighted means of the histories, `[b, dim]` (a leaf: the history rows' gradients are
    /// [`Positions::rows_grad`] of its gradient).
    mean: Tensor<A, 2>,
    /// The real history positions the means were computed from.
    positions: Positions<A::InnerBackend>,
    layers: Vec<(Tensor<A, 2>, Tensor<A, 2>)>,
    users: Option<Tensor<A, 2>>,
    output: Tensor<A, 2>,
}

/// Both towers' parameters on the device of the (non-autodiff) backend `B`.
#[derive(Debug)]
pub(crate) struct Net<B: Backend> {
    /// The user tower's artist embeddings, `[n_items, dim]`.
    history: Param<B>,
    /// The artist tower's id embeddings, `[n_items, dim]`.
    artists: Param<B>,
    users: Option<Param<B>>,
    layers: Vec<Layer<B>>,
    /// Content features `[n_items, f]` and their map `[f, dim]`.
    features: Option<(Tensor<B, 2>, Param<B>)>,
    /// A learned logit offset per artist, `[n_items, 1]`.
    bias: Option<Param<B>>,
    adam: Adam,
    dim: usize,
    device: B::Device,
}

impl<B: Backend> Net<B> {
    /// Initial parameters: normal embeddings, He-initialised hidden layers and a zero last
    /// layer (the MLP starts as the identity of the residual connection), a zero feature map.
    pub fn new(
        config: &TwoTowerConfig,
        n_items: usize,
        n_users: usize,
        features: Option<(&[f32], usize)>,
        rng: &mut StdRng,
        device: &B::Device,
    ) -> Self {
        let d = config.dim;
        let std = config.init_std;
        let history = Param::new(normal(n_items * d, std, rng), [n_items, d], device);
        let artists = Param::new(normal(n_items * d, std, rng), [n_items, d], device);
        let users = config
            .user_embedding
            .then(|| Param::new(vec![0.0; n_users * d], [n_users, d], device));
        let mut layers = Vec::new();
        let mut input = d;
        let sizes = config.user_layers.iter().copied().chain([d]);
        let n_layers = config.user_layers.len() + 1;
        if !config.user_layers.is_empty() {
            for (j, out) in sizes.enumerate() {
                let w = if j + 1 == n_layers {
                    vec![0.0; input * out]
                } else {
                    normal(input * out, (2.0 / input as f32).sqrt(), rng)
                };
                layers.push(Layer {
                    weight: Param::new(w, [input, out], device),
                    bias: Param::new(vec![0.0; out], [1, out], device),
                });
                input = out;
            }
        }
        let features = features.map(|(values, f)| {
            (
                floats(values.to_vec(), [n_items, f], device),
                Param::new(vec![0.0; f * d], [f, d], device),
            )
        });
        Self {
            history,
            artists,
            users,
            layers,
            features,
            bias: config
                .artist_bias
                .then(|| Param::new(vec![0.0; n_items], [n_items, 1], device)),
            adam: Adam::new(config),
            dim: d,
            device: device.clone(),
        }
    }

    /// The artist tower's output for every artist, row-major `[n_items, dim]`.
    pub fn artist_vectors(&self) -> Vec<f32> {
        let mut artists = self.artists.to_vec();
        if let Some((f, p)) = &self.features {
            let mapped = read(f.clone().matmul(p.value()));
            artists.iter_mut().zip(mapped).for_each(|(a, m)| *a += m);
        }
        artists
    }

    /// The learned offset of every artist, when the model has them.
    pub fn artist_bias(&self) -> Option<Vec<f32>> {
        self.bias.as_ref().map(Param::to_vec)
    }

    /// The current user tower, on the CPU.
    pub fn user_tower(&self) -> UserTower {
        UserTower {
            dim: self.dim,
            history: self.history.to_vec(),
            users: self.users.as_ref().map(Param::to_vec),
            layers: self
                .layers
                .iter()
                .map(|l| Dense {
                    input: l.weight.shape[0],
                    output: l.weight.shape[1],
                    weight: l.weight.to_vec(),
                    bias: l.bias.to_vec(),
                })
                .collect(),
        }
    }
}

impl<B: Backend> Net<B> {
    /// The user tower on a batch: its leaves (the history rows read, the layers, the users'
    /// vectors) and its output `[b, dim]`.
    fn user_forward<A>(&self, batch: &Batch) -> UserLeaves<A>
    where
        A: AutodiffBackend<InnerBackend = B>,
    {
        let b = batch.b;
        let dev = &self.device;
        // The weighted means, computed outside the autodiff graph over the real positions only:
        // a batch's histories are padded to its longest, often several times the mean length.
        // A `[b, l, dim]` autodiff leaf cost three such tensors in the backward (ones, their
        // product with the gradient, the product with the weights) and reshape copies
        // (issue 14's profile).
        let positions = Positions::<B>::new(batch, dev);
        let mean = positions.mean(self.history.value(), b);
        let mean = Tensor::<A, 2>::from_inner(mean).require_grad();
        let layers: Vec<(Tensor<A, 2>, Tensor<A, 2>)> = self
            .layers
            .iter()
            .map(|layer| {
                (
                    Tensor::from_inner(layer.weight.value()).require_grad(),
                    Tensor::from_inner(layer.bias.value()).require_grad(),
                )
            })
            .collect();
        let mut u = mean.clone();
        if !layers.is_empty() {
            let mut x = mean.clone();
            for (j, (weight, bias)) in layers.iter().enumerate() {
                x = x.matmul(weight.clone()) + bias.clone();
                if j + 1 < layers.len() {
                    x = relu(x);
                }
            }
            u = u + x;
        }
        let users = self.users.as_ref().map(|users| {
            Tensor::<A, 2>::from_inner(users.rows(int_col::<B>(&batch.users.global, dev)))
                .require_grad()
        });
        if let Some(ue) = &users {
            u = u + ue.clone();
        }
        UserLeaves {
            mean,
            positions,
            layers,
            users,
            output: u,
        }
    }

    /// One Adam step on a batch; returns its mean loss, on the device.
    pub fn step<A>(&mut self, batch: &Batch, config: &TwoTowerConfig) -> Tensor<B, 1>
    where
        A: AutodiffBackend<InnerBackend = B>,
    {
        let (b, d) = (batch.b, self.dim);
        let dev = self.device.clone();
        let UserLeaves {
            mean,
            positions,
            layers: leaves,
            users: ue,
            output: u,
        } = self.user_forward::<A>(batch);
        let cand = &batch.candidates;
        let c = cand.global.len();
        let cand_ix = int_col::<B>(&cand.global, &dev);
        let v = Tensor::<A, 2>::from_inner(self.artists.rows(cand_ix.clone())).require_grad();
        let map = self
            .features
            .as_ref()
            .map(|(_, p)| Tensor::<A, 2>::from_inner(p.value()).require_grad());
        let mut vc = v.clone();
        if let (Some((f, _)), Some(map)) = (&self.features, &map) {
            let fc = Tensor::<A, 2>::from_inner(f.clone().gather_nd::<2, 2>(cand_ix));
            vc = vc + fc.matmul(map.clone());
        }
        let offsets = self.bias.as_ref().map(|p| {
            Tensor::<A, 2>::from_inner(p.rows(int_col::<B>(&cand.global, &dev))).require_grad()
        });
        let loss = match config.loss {
            Loss::Softmax => {
                let mut bias = Tensor::<A, 2>::from_inner(floats(batch.bias.clone(), [b, c], &dev));
                if let Some(o) = &offsets {
                    bias = bias + o.clone().reshape([1, c]);
                }
                sampled_softmax_loss(u, vc, bias, config.temperature, config.score)
            }
            Loss::Cosine => cosine_embedding_loss(u, vc.reshape([b, c / b, d]), config.margin),
        };
        let grads = loss.backward();
        self.adam.t += 1;
        let adam = self.adam;
        if let Some(g) = mean.grad(&grads) {
            let g = positions.rows_grad(g, batch.history.rows.len());
            self.history.update_rows(&batch.history.rows, g, &adam);
        }
        if let Some(g) = v.grad(&grads) {
            let g = per_row(g, &cand.local, cand.rows.len());
            self.artists.update_rows(&cand.rows, g, &adam);
        }
        if let (Some(users), Some(g)) = (&mut self.users, ue.and_then(|t| t.grad(&grads))) {
            let g = per_row(g, &batch.users.local, batch.users.rows.len());
            users.update_rows(&batch.users.rows, g, &adam);
        }
        for (layer, (weight, bias)) in self.layers.iter_mut().zip(&leaves) {
            if let Some(g) = weight.grad(&grads) {
                layer.weight.update_all(g, &adam);
            }
            if let Some(g) = bias.grad(&grads) {
                layer.bias.update_all(g, &adam);
            }
        }
        if let (Some((_, p)), Some(g)) = (&mut self.features, map.and_then(|t| t.grad(&grads))) {
            p.update_all(g, &adam);
        }
        if let (Some(p), Some(g)) = (&mut self.bias, offsets.and_then(|t| t.grad(&grads))) {
            let g = per_row(g, &cand.local, cand.rows.len());
            p.update_rows(&cand.rows, g, &adam);
        }
        loss.inner()
    }
}

#[cfg(test)]
mod tests;
