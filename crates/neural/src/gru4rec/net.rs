//! The GRU4Rec network on a burn backend: artist embedding, stacked `burn::nn::gru::Gru`
//! layers, dropout, and a linear layer to one logit per artist; the masked cross-entropy at
//! every step; and the copy of its weights to the host for the CPU model.

use burn::module::{Initializer, Module};
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::Gru4RecConfig;
use super::model::{GruLayer, GruWeights};
use crate::tensors::read;

/// The network. `output` maps a hidden state to the logits of every artist.
#[derive(Module, Debug)]
pub(crate) struct GruNet<B: Backend> {
    pub embedding: Embedding<B>,
    pub grus: Vec<Gru<B>>,
    pub dropout: Dropout,
    pub output: Linear<B>,
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
            output: LinearConfig::new(config.hidden, n_items).init(device),
        }
    }

    /// Runs the layers over `items` (`[lanes, steps]`) from `states` (one `[lanes, hidden]` per
    /// layer): the last layer's states at every step (`[lanes, steps, hidden]`, dropout
    /// applied) and every layer's state after the last step.
    pub fn forward(
        &self,
        items: Tensor<B, 2, Int>,
        states: Vec<Tensor<B, 2>>,
    ) -> (Tensor<B, 3>, Vec<Tensor<B, 2>>) {
        let mut x = self.dropout.forward(self.embedding.forward(items));
        let mut last = Vec::with_capacity(self.grus.len());
        for (gru, state) in self.grus.iter().zip(states) {
            let out = gru.forward(x, Some(state));
            let [b, t, h] = out.dims();
            last.push(out.clone().slice([0..b, t - 1..t, 0..h]).reshape([b, h]));
            x = self.dropout.forward(out);
        }
        (x, last)
    }

    /// The mean cross-entropy of the next artist over the `positions` (flat `lane · steps +
    /// step` indices) of `hidden` (`[lanes, steps, hidden]`) that hold a play.
    ///
    /// With `candidates` (`[c]` artists), the softmax runs over those artists only and
    /// `targets` are positions in `candidates`; without, over every artist and `targets` are
    /// artists.
    pub fn loss(
        &self,
        hidden: Tensor<B, 3>,
        positions: Tensor<B, 1, Int>,
        targets: Tensor<B, 2, Int>,
        candidates: Option<Tensor<B, 1, Int>>,
    ) -> Tensor<B, 1> {
        let [b, t, h] = hidden.dims();
        let n = positions.dims()[0];
        let rows = hidden.reshape([b * t, h]).select(0, positions);
        let logits = match candidates {
            None => self.output.forward(rows),
            Some(c) => {
                let w = self.output.weight.val().select(1, c.clone());
                let logits = rows.matmul(w);
                match &self.output.bias {
                    Some(bias) => logits + bias.val().select(0, c).unsqueeze::<2>(),
                    None => logits,
                }
            }
        };
        log_softmax(logits, 1)
            .gather(1, targets)
            .sum()
            .neg()
            .div_scalar(n as f32)
    }

    /// The weights, copied to the host (burn's `Linear` stores `[input, output]`; the CPU
    /// model keeps the same layout for the gates and one row per artist for the output).
    pub fn weights(&self) -> GruWeights {
        let embedding = read(self.embedding.weight.val());
        let layers = self
            .grus
            .iter()
            .map(|g| {
                let lin = |l: &Linear<B>| {
                    let w = read(l.weight.val());
                    let b = l.bias.as_ref().map(|b| read(b.val())).unwrap_or_default();
                    (w, b)
                };
                let [d_input, _] = g.update_gate.input_transform.weight.val().dims();
                let gate = |gc: &burn::nn::gru::Gru<B>, which: usize| {
                    let c = match which {
                        0 => &gc.update_gate,
                        1 => &gc.reset_gate,
                        _ => &gc.new_gate,
                    };
                    (lin(&c.input_transform), lin(&c.hidden_transform))
                };
                GruLayer {
                    d_input,
                    gates: [gate(g, 0), gate(g, 1), gate(g, 2)],
                }
            })
            .collect();
        let [hidden, n_items] = self.output.weight.val().dims();
        let w = read(self.output.weight.val());
        // [hidden, n_items] → one row of `hidden` per artist.
        let mut out = vec![0f32; w.len()];
        for k in 0..hidden {
            for j in 0..n_items {
                out[j * hidden + k] = w[k * n_items + j];
            }
        }
        let out_bias = self
            .output
            .bias
            .as_ref()
            .map(|b| read(b.val()))
            .unwrap_or_else(|| vec![0.0; n_items]);
        GruWeights {
            embedding,
            layers,
            output: out,
            output_bias: out_bias,
        }
    }
}
