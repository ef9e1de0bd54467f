//! The recurrent models' shared CPU parts: GRU layers on plain CPU buffers (copied from burn's
//! `Gru` after training, run step by step to serve), their file encoding, and per-user lists
//! (seen artists, last plays). Used by GRU4Rec ([`crate::gru4rec`]) and YouTube-DNN
//! ([`crate::youtube_dnn`]).

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::DecodeError;
use artist2vec_core::{Interactions, Sessions};
use burn::nn::Linear;
use burn::nn::gru::Gru;
use burn::tensor::backend::Backend;

use crate::tensors::read;

/// One affine map `x · W + b` with `W` row-major `[input, output]`.
pub(crate) type Affine = (Vec<f32>, Vec<f32>);

/// One GRU layer: the update, reset and new gates, each an input map and a hidden map.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GruLayer {
    pub d_input: usize,
    pub gates: [(Affine, Affine); 3],
}

impl GruLayer {
    /// A burn GRU layer's weights, copied to the host (burn's `Linear` stores `[input,
    /// output]`, kept as is).
    pub fn from_burn<B: Backend>(g: &Gru<B>) -> Self {
        let lin = |l: &Linear<B>| {
            let w = read(l.weight.val());
            let b = l.bias.as_ref().map(|b| read(b.val())).unwrap_or_default();
            (w, b)
        };
        let [d_input, _] = g.update_gate.input_transform.weight.val().dims();
        let gate =
            |c: &burn::nn::GateController<B>| (lin(&c.input_transform), lin(&c.hidden_transform));
        GruLayer {
            d_input,
            gates: [gate(&g.update_gate), gate(&g.reset_gate), gate(&g.new_gate)],
        }
    }

    /// Whether the weights have the shapes of a layer from `d_input` to `hidden`.
    pub fn fits(&self, d_input: usize, hidden: usize) -> bool {
        self.d_input == d_input
            && self.gates.iter().all(|(i, hh)| {
                i.0.len() == d_input * hidden
                    && i.1.len() == hidden
                    && hh.0.len() == hidden * hidden
                    && hh.1.len() == hidden
            })
    }

    /// Every weight, for the finiteness check.
    pub fn values(&self) -> impl Iterator<Item = &f32> {
        self.gates
            .iter()
            .flat_map(|(i, hh)| i.0.iter().chain(&i.1).chain(&hh.0).chain(&hh.1))
    }

    /// Appends the input size and the six weight/bias pairs (update, reset, new gate; input
    /// then hidden map).
    pub fn encode(&self, e: &mut Encoder) {
        e.u64(self.d_input as u64);
        for (i, h) in &self.gates {
            for part in [&i.0, &i.1, &h.0, &h.1] {
                e.f32s(part);
            }
        }
    }

    /// Reads what [`encode`](Self::encode) wrote (shapes are checked by the model).
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let d_input = d.u64()? as usize;
        let mut gate = || -> Result<(Affine, Affine), DecodeError> {
            Ok(((d.f32s()?, d.f32s()?), (d.f32s()?, d.f32s()?)))
        };
        let gates = [gate()?, gate()?, gate()?];
        Ok(GruLayer { d_input, gates })
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `out = b + x · W` for `W` row-major `[x.len(), out.len()]`.
pub(crate) fn affine(x: &[f32], (w, b): &Affine, out: &mut [f32]) {
    out.copy_from_slice(b);
    let h = out.len();
    for (i, &xi) in x.iter().enumerate() {
        if xi != 0.0 {
            for (o, &wv) in out.iter_mut().zip(&w[i * h..(i + 1) * h]) {
                *o += xi * wv;
            }
        }
    }
}

/// Scratch space of [`step`] for hidden size `hidden`.
pub(crate) fn buffers(hidden: usize) -> [Vec<f32>; 6] {
    std::array::from_fn(|_| vec![0.0; hidden])
}

/// Advances the states of stacked GRU `layers` (one state per layer) by one step with input
/// `x` to the first layer: burn's GRU cell, `h ← (1 − z) · n + z · h`.
pub(crate) fn step(
    layers: &[GruLayer],
    x: &[f32],
    state: &mut [Vec<f32>],
    buf: &mut [Vec<f32>; 6],
) {
    let mut x = x.to_vec();
    for (layer, h) in layers.iter().zip(state.iter_mut()) {
        let [zi, zh, ri, rh, ni, nh] = &mut *buf;
        affine(&x, &layer.gates[0].0, zi);
        affine(h, &layer.gates[0].1, zh);
        affine(&x, &layer.gates[1].0, ri);
        affine(h, &layer.gates[1].1, rh);
        affine(&x, &layer.gates[2].0, ni);
        affine(h, &layer.gates[2].1, nh);
        for k in 0..h.len() {
            let z = sigmoid(zi[k] + zh[k]);
            let r = sigmoid(ri[k] + rh[k]);
            let n = (ni[k] + r * nh[k]).tanh();
            h[k] = (1.0 - z) * n + z * h[k];
        }
        x.clear();
        x.extend_from_slice(h);
    }
}

/// Lists per user: user `u`'s are `items[offsets[u]..offsets[u + 1]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Lists {
    pub offsets: Vec<u64>,
    pub items: Vec<u32>,
}

impl Lists {
    pub fn from_vecs(v: Vec<Vec<u32>>) -> Self {
        let mut out = Lists {
            offsets: vec![0],
            items: Vec::new(),
        };
        for l in v {
            out.items.extend(l);
            out.offsets.push(out.items.len() as u64);
        }
        out
    }

    pub fn get(&self, u: u32) -> &[u32] {
        let (a, b) = (self.offsets[u as usize], self.offsets[u as usize + 1]);
        &self.items[a as usize..b as usize]
    }

    pub fn encode(&self, e: &mut Encoder) {
        e.u64s(&self.offsets);
        e.u32s(&self.items);
    }

    pub fn decode(
        d: &mut Decoder<'_>,
        n_users: usize,
        n_items: usize,
    ) -> Result<Self, DecodeError> {
        let offsets = d.u64s()?;
        let items = d.u32s()?;
        let ok = offsets.len() == n_users + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last() == Some(&(items.len() as u64))
            && items.iter().all(|&i| (i as usize) < n_items);
        if !ok {
            return Err(DecodeError(
                "per-user lists do not match the users and artists".into(),
            ));
        }
        Ok(Lists { offsets, items })
    }
}

/// Listeners per artist and each user's seen artists (sorted, distinct).
pub(crate) fn listeners_and_seen(rows: &Interactions) -> (Vec<u32>, Lists) {
    let (nu, ni) = (rows.n_users(), rows.n_items());
    let mut seen: Vec<Vec<u32>> = vec![Vec::new(); nu];
    for r in rows.iter() {
        seen[r.user as usize].push(r.item);
    }
    let mut listeners = vec![0u32; ni];
    for s in &mut seen {
        s.sort_unstable();
        s.dedup();
        for &a in s.iter() {
            listeners[a as usize] += 1;
        }
    }
    (listeners, Lists::from_vecs(seen))
}

/// Each user's plays in play order: their sessions by start time, concatenated.
pub(crate) fn plays_in_order(sessions: &Sessions) -> Vec<Vec<u32>> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions.get(i).user, sessions.get(i).start(), i));
    let mut plays: Vec<Vec<u32>> = vec![Vec::new(); sessions.users.len()];
    for i in order {
        let s = sessions.get(i);
        plays[s.user as usize].extend_from_slice(s.items);
    }
    plays
}

/// Keeps the last `max_len` items of every list.
pub(crate) fn last_plays(plays: &[Vec<u32>], max_len: usize) -> Lists {
    Lists::from_vecs(
        plays
            .iter()
            .map(|p| p[p.len().saturating_sub(max_len)..].to_vec())
            .collect(),
    )
}
