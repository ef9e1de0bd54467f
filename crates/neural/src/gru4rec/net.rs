//! The GRU4Rec network on a burn backend: artist embedding, stacked `burn::nn::gru::Gru`
//! layers, dropout, and a linear layer to one logit per artist; the masked cross-entropy at
//! every step; and the copy of its weights to the host for the CPU model.

use burn::module::{Initializer, Module, Param};
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, sigmoid, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::Gru4RecConfig;
use super::model::GruWeights;
use crate::recurrent::GruLayer;
use crate::tensors::read;

/// The log-probability standing for "no mass" in the repeat mechanism's `[n, 2]` input (a
/// target never played before, or not the current artist): finite, so the mixture's
/// log-sum-exp stays finite, and far below any real log-probability.
pub(crate) const NO_MASS: f32 = -1e4;

/// BPR-max (Hidasi & Karatzoglou 2018) of `logits` (`[n, c]`) with the target of each row at
/// column `targets` (`[n, 1]`): the mean over rows of
/// `−ln(Σ_j s_j σ(r_t − r_j) + 1e-24) + bpreg · Σ_j s_j r_j²`, where `s` is the softmax of the
/// row's scores over the columns other than its target (the target's weight is 0).
pub(crate) fn bpr_max_loss<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2, Int>,
    bpreg: f32,
) -> Tensor<B, 1> {
    let [n, c] = logits.dims();
    let target_score = logits.clone().gather(1, targets.clone()); // [n, 1]
    let is_target = targets.reshape([n]).one_hot::<2>(c).equal_elem(1);
    // The softmax weights of the negatives: the target column pushed to a score of −1e9 (a
    // finite value, so that a row whose only candidate is its target stays finite).
    let weights = softmax(logits.clone().mask_fill(is_target, -1e9), 1);
    let ranking = weights
        .clone()
        .mul(sigmoid(target_score.sub(logits.clone())))
        .sum_dim(1)
        .add_scalar(1e-24)
        .log()
        .neg();
    let reg = weights
        .mul(logits.powi_scalar(2))
        .sum_dim(1)
        .mul_scalar(bpreg);
    ranking.add(reg).sum().div_scalar(n as f32)
}

/// The network. `output` maps a hidden state to the logits of every artist (`None` with
/// [`Gru4RecConfig::constrained`]: the embedding table and `tied_bias` do); `skip` (with
/// [`Gru4RecConfig::skip`]) maps the current play's embedding into the hidden space, added to
/// the last layer's state before `output`.
#[derive(Module, Debug)]
pub(crate) struct GruNet<B: Backend> {
    pub embedding: Embedding<B>,
    pub grus: Vec<Gru<B>>,
    pub dropout: Dropout,
    pub output: Option<Linear<B>>,
    pub tied_bias: Option<Param<Tensor<B, 1>>>,
    pub skip: Option<Linear<B>>,
    /// The repeat mechanism's gates ([`Gru4RecConfig::repeat`]): the output layer's input to
    /// the logits of (explore, copy from the sequence, the current artist again).
    pub gate: Option<Linear<B>>,
}

impl<B: Backend> GruNet<B> {
    /// A freshly initialised network for `n_items` artists (burn's initialisers, drawn from the
    /// backend's generator: seed it first).
    pub fn new(config: &Gru4RecConfig, n_items: usize, device: &B::Device) -> Self {
        let embedding = EmbeddingConfig::new(n_items, config.embedding)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: 0.1,
            })
            .init(device);
        let grus = (0..config.layers)
            .map(|l| {
                let d_input = if l == 0 {
                    config.embedding
                } else {
                    config.hidden
                };
                GruConfig::new(d_input, config.hidden, true).init(device)
            })
            .collect();
        Self {
            embedding,
            grus,
            dropout: DropoutConfig::new(config.dropout).init(),
            output: (!config.constrained)
                .then(|| LinearConfig::new(config.hidden, n_items).init(device)),
            tied_bias: config
                .constrained
                .then(|| Param::from_tensor(Tensor::zeros([n_items], device))),
            skip: config.skip.then(|| {
                LinearConfig::new(config.embedding, config.hidden)
                    .with_bias(false)
                    .init(device)
            }),
            gate: config
                .repeat
                .then(|| LinearConfig::new(config.hidden, 3).init(device)),
        }
    }

    /// Runs the layers over `items` (`[lanes, steps]`) from `states` (one `[lanes, hidden]` per
    /// layer): the input of the output layer at every step (`[lanes, steps, hidden]`: the last
    /// layer's states, dropout applied, plus the skip connection's map of the step's embedding
    /// when there is one) and every layer's state after the last step.
    pub fn forward(
        &self,
        items: Tensor<B, 2, Int>,
        states: Vec<Tensor<B, 2>>,
    ) -> (Tensor<B, 3>, Vec<Tensor<B, 2>>) {
        let embedded = self.dropout.forward(self.embedding.forward(items));
        let skip = self.skip.as_ref().map(|s| s.forward(embedded.clone()));
        let mut x = embedded;
        let mut last = Vec::with_capacity(self.grus.len());
        for (gru, state) in self.grus.iter().zip(states) {
            let out = gru.forward(x, Some(state));
            let [b, t, h] = out.dims();
            last.push(out.clone().slice([0..b, t - 1..t, 0..h]).reshape([b, h]));
            x = self.dropout.forward(out);
        }
        match skip {
            Some(s) => (x + s, last),
            None => (x, last),
        }
    }

    /// The output layer's weights, `[hidden, artists]` (the transposed embedding table when
    /// constrained).
    pub fn output_weight(&self) -> Tensor<B, 2> {
        match &self.output {
            Some(l) => l.weight.val(),
            None => self.embedding.weight.val().transpose(),
        }
    }

    /// The output layer's bias, `[artists]`.
    pub fn output_bias(&self) -> Option<Tensor<B, 1>> {
        match &self.output {
            Some(l) => l.bias.as_ref().map(|b| b.val()),
            None => self.tied_bias.as_ref().map(|b| b.val()),
        }
    }

    /// The logits of every artist for `rows` (`[n, hidden]`).
    pub fn logits(&self, rows: Tensor<B, 2>) -> Tensor<B, 2> {
        let logits = rows.matmul(self.output_weight());
        match self.output_bias() {
            Some(b) => logits + b.unsqueeze::<2>(),
            None => logits,
        }
    }

    /// The mean cross-entropy of the next artist over the `positions` (flat `lane · steps +
    /// step` indices) of `hidden` (`[lanes, steps, hidden]`) that hold a play.
    ///
    /// With `candidates` (`[c]` artists), the softmax runs over those artists only and
    /// `targets` are positions in `candidates`; without, over every artist and `targets` are
    /// artists. With `bpr_max = Some(bpreg)` (and candidates) the loss is BPR-max instead of
    /// the cross-entropy ([`bpr_max_loss`]). With the repeat mechanism, `repeat` (`[n, 2]`)
    /// holds per position the log-probability of its target under the copy distribution
    /// (`ln(c_t / L)`) and under "the current artist again" (0 or [`NO_MASS`]), and the loss
    /// is the cross-entropy of the gated mixture.
    pub fn loss(
        &self,
        hidden: Tensor<B, 3>,
        positions: Tensor<B, 1, Int>,
        targets: Tensor<B, 2, Int>,
        candidates: Option<Tensor<B, 1, Int>>,
        bpr_max: Option<f32>,
        repeat: Option<Tensor<B, 2>>,
    ) -> Tensor<B, 1> {
        let [b, t, h] = hidden.dims();
        let n = positions.dims()[0];
        let rows = hidden.reshape([b * t, h]).select(0, positions);
        let gates = self
            .gate
            .as_ref()
            .zip(repeat)
            .map(|(g, r)| (log_softmax(g.forward(rows.clone()), 1), r));
        let logits = match candidates {
            None => self.logits(rows),
            Some(c) => {
                let w = self.output_weight().select(1, c.clone());
                let logits = rows.matmul(w);
                match self.output_bias() {
                    Some(bias) => logits + bias.select(0, c).unsqueeze::<2>(),
                    None => logits,
                }
            }
        };
        match bpr_max {
            Some(bpreg) => bpr_max_loss(logits, targets, bpreg),
            None => {
                let explore = log_softmax(logits, 1).gather(1, targets); // [n, 1]
                let logp = match gates {
                    None => explore,
                    // ln Σ_c g_c · P_c(target), stabilised by the row's largest term.
                    Some((gates, repeat)) => {
                        let terms = gates + Tensor::cat(vec![explore, repeat], 1);
                        let top = terms.clone().max_dim(1).detach();
                        terms.sub(top.clone()).exp().sum_dim(1).log().add(top)
                    }
                };
                logp.sum().neg().div_scalar(n as f32)
            }
        }
    }

    /// The weights, copied to the host (burn's `Linear` stores `[input, output]`; the CPU
    /// model keeps the same layout for the gates and one row per artist for the output).
    pub fn weights(&self) -> GruWeights {
        let embedding = read(self.embedding.weight.val());
        let layers = self.grus.iter().map(GruLayer::from_burn).collect();
        let [hidden, n_items] = self.output_weight().dims();
        let w = read(self.output_weight());
        // [hidden, n_items] → one row of `hidden` per artist.
        let mut out = vec![0f32; w.len()];
        for k in 0..hidden {
            for j in 0..n_items {
                out[j * hidden + k] = w[k * n_items + j];
            }
        }
        let out_bias = self
            .output_bias()
            .map(read)
            .unwrap_or_else(|| vec![0.0; n_items]);
        GruWeights {
            embedding,
            layers,
            output: out,
            output_bias: out_bias,
            skip: self.skip.as_ref().map(|s| read(s.weight.val())),
            repeat: self.gate.as_ref().map(|g| {
                let mut w = read(g.weight.val());
                w.extend(
                    g.bias
                        .as_ref()
                        .map_or_else(|| vec![0.0; 3], |b| read(b.val())),
                );
                w
            }),
        }
    }
}
