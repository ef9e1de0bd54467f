//! The YouTube-DNN network on a burn backend: id embedding ⊕ content features → dense + ReLU →
//! dropout → GRU → linear layer over the top artists; the cross-entropy of the next artist at
//! every step; the copy of its weights to the host for the CPU model.

use burn::module::{Initializer, Module};
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::YoutubeDnnConfig;
use super::model::YtWeights;
use crate::recurrent::GruLayer;
use crate::tensors::read;

/// The network: `ids` has one row per training artist plus the unknown row (the last).
#[derive(Module, Debug)]
pub(crate) struct YtNet<B: Backend> {
    pub ids: Embedding<B>,
    pub dense: Linear<B>,
    pub dropout: Dropout,
    pub gru: Gru<B>,
    pub output: Linear<B>,
}

impl<B: Backend> YtNet<B> {
    /// A freshly initialised network (burn's initialisers, drawn from the backend's
    /// generator: seed it first).
    pub fn new(
        config: &YoutubeDnnConfig,
        id_rows: usize,
        content_dims: usize,
        top_n: usize,
        device: &B::Device,
    ) -> Self {
        Self {
            ids: EmbeddingConfig::new(id_rows, config.embedding)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 0.1,
                })
                .init(device),
            dense: LinearConfig::new(config.embedding + content_dims, config.dense).init(device),
            dropout: DropoutConfig::new(config.dropout).init(),
            gru: GruConfig::new(config.dense, config.hidden, true).init(device),
            output: LinearConfig::new(config.hidden, top_n).init(device),
        }
    }

    /// The GRU states at every step (`[lanes, steps, hidden]`) of the inputs: `ids`
    /// (`[lanes, steps]`, rows of the id table) and `content` (`[lanes, steps, dims]`, or
    /// `None` without content dimensions).
    pub fn forward(&self, ids: Tensor<B, 2, Int>, content: Option<Tensor<B, 3>>) -> Tensor<B, 3> {
        let x = self.ids.forward(ids);
        let x = match content {
            Some(c) => Tensor::cat(vec![x, c], 2),
            None => x,
        };
        let x = self.dropout.forward(relu(self.dense.forward(x)));
        self.gru.forward(x, None)
    }

    /// The mean cross-entropy of the next artist (`targets`, `[n, 1]` positions in the top
    /// artists) over the `positions` (flat `lane · steps + step` indices) of `hidden`.
    pub fn loss(
        &self,
        hidden: Tensor<B, 3>,
        positions: Tensor<B, 1, Int>,
        targets: Tensor<B, 2, Int>,
    ) -> Tensor<B, 1> {
        let [b, t, h] = hidden.dims();
        let n = positions.dims()[0];
        let rows = hidden.reshape([b * t, h]).select(0, positions);
        log_softmax(self.output.forward(rows), 1)
            .gather(1, targets)
            .sum()
            .neg()
            .div_scalar(n as f32)
    }

    /// The weights, copied to the host (the output layer as one row of `hidden` per top
    /// artist).
    pub fn weights(&self) -> YtWeights {
        let [hidden, top_n] = self.output.weight.val().dims();
        let w = read(self.output.weight.val());
        let mut output = vec![0f32; w.len()];
        for k in 0..hidden {
            for j in 0..top_n {
                output[j * hidden + k] = w[k * top_n + j];
            }
        }
        let bias = |l: &Linear<B>, n: usize| {
            l.bias
                .as_ref()
                .map(|b| read(b.val()))
                .unwrap_or_else(|| vec![0.0; n])
        };
        let [_, dense] = self.dense.weight.val().dims();
        YtWeights {
            ids: read(self.ids.weight.val()),
            dense: (read(self.dense.weight.val()), bias(&self.dense, dense)),
            gru: GruLayer::from_burn(&self.gru),
            output,
            output_bias: bias(&self.output, top_n),
        }
    }
}
