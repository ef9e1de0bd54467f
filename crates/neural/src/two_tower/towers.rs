//! The user tower on the CPU, for scoring: the same arithmetic as the training step, on plain
//! `f32` buffers, so a fitted model needs no burn backend to recommend.

use artist2vec_core::dot;

/// A dense layer `y = x · W + b`, `W` row-major `[input, output]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dense {
    pub input: usize,
    pub output: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Dense {
    fn apply(&self, x: &[f32], relu: bool) -> Vec<f32> {
        let mut y = self.bias.clone();
        for (xi, row) in x.iter().zip(self.weight.chunks_exact(self.output)) {
            if *xi != 0.0 {
                y.iter_mut().zip(row).for_each(|(a, w)| *a += xi * w);
            }
        }
        if relu {
            y.iter_mut().for_each(|a| *a = a.max(0.0));
        }
        y
    }
}

/// The user tower's parameters: the artist embeddings a history is averaged over, the
/// residual MLP, and the per-user vectors when the model has them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserTower {
    pub dim: usize,
    /// `[n_items, dim]`, row-major.
    pub history: Vec<f32>,
    /// `[n_users, dim]`, row-major.
    pub users: Option<Vec<f32>>,
    pub layers: Vec<Dense>,
}

impl UserTower {
    /// The tower's output for a history of `(artist, weight)` pairs (weights already
    /// transformed, artists known to be trained) and, for a training user, their index;
    /// `None` when the weights sum to zero.
    pub fn user_vector(&self, history: &[(u32, f32)], user: Option<u32>) -> Option<Vec<f32>> {
        let d = self.dim;
        let total: f64 = history.iter().map(|&(_, w)| f64::from(w)).sum();
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        let mut mean = vec![0f32; d];
        for &(i, w) in history {
            let w = (f64::from(w) / total) as f32;
            let row = &self.history[i as usize * d..(i as usize + 1) * d];
            mean.iter_mut().zip(row).for_each(|(a, x)| *a += w * x);
        }
        let mut u = mean.clone();
        if !self.layers.is_empty() {
            let mut x = mean;
            for (j, layer) in self.layers.iter().enumerate() {
                x = layer.apply(&x, j + 1 < self.layers.len());
            }
            u.iter_mut().zip(&x).for_each(|(a, b)| *a += b);
        }
        if let (Some(users), Some(user)) = (&self.users, user) {
            let row = &users[user as usize * d..(user as usize + 1) * d];
            u.iter_mut().zip(row).for_each(|(a, b)| *a += b);
        }
        Some(u)
    }
}

/// Cosine of two vectors given the second's norm; 0 when either is zero.
#[inline]
pub(crate) fn cosine(u: &[f32], u_norm: f32, v: &[f32], v_norm: f32) -> f32 {
    let d = u_norm * v_norm;
    if d > 0.0 { dot(u, v) / d } else { 0.0 }
}
