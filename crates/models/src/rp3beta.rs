//! RP3beta (Paudel, Christoffel, Newell & Bernstein 2017, "Updatable, Accurate, Diverse, and
//! Scalable Recommendations for Interactive Applications"), as in the reference implementation
//! of Dacrema, Cremonesi & Jannach (2019): a three-step random walk listener → artist →
//! listener → artist, with the landing artist's popularity penalised by `β`.

use artist2vec_core::topk::TopK;
use artist2vec_core::{Fit, Interactions, Neighbor, Observer};
use artist2vec_sparse::{Csr, Weighting, from_rows, transpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::base::{TrainData, one_step, ptr};
use crate::common::{config_setters, item_item_common, model_common};
use crate::error::check;
use crate::persist::Stored;
use crate::{ModelError, Result};

/// Configuration of [`Rp3beta`].
///
/// With `X` the weighted listeners × artists matrix and `X₀` its binary pattern:
/// `P_ui = (X_ui / Σ_j X_uj)^α` (listener → artist), `P_iu = (X₀_ui / deg_i)^α` (artist →
/// listener, `deg_i` the artist's number of listeners), and
/// `W_ij = (Σ_u P_iu·P_uj) / deg_j^β` for `j ≠ i` (`W_ii = 0`), of which every row keeps its
/// [`k`](Self::k) largest entries and is then, optionally, scaled to sum 1. A listener's score
/// for artist `j` is `Σ_i x_i·W_ij` over their weighted history `x`. With binary weighting this
/// is the definition behind the RP3beta row of `shared/data/README.md` (`tools/peers/ease.py`,
/// where `k` is unlimited) and the one of Dacrema et al.'s `RP3betaRecommender`.
///
/// Defaults (α = 0.9, β = 0.3, log1p, `k` = 400, no normalisation) are the best setting of a
/// grid on hetrec-seed42-val but for `k`, where keeping every neighbour scored 0.0003 more and
/// costs memory that grows with the catalogue; see `docs/results.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rp3betaConfig {
    /// The exponent α of both transition probabilities. Default 0.9.
    pub alpha: f32,
    /// The popularity penalty β: the walk's arrival at artist `j` is divided by `deg_j^β`.
    /// Default 0.3.
    pub beta: f32,
    /// Neighbours kept per artist; `null` keeps every artist reached by the walk (as the
    /// README's reference does). Default 400.
    pub k: Option<usize>,
    /// Scale every row of `W` to sum 1 after the top-`k` cut. Default `false`.
    pub normalize: bool,
    /// Weighting of the play counts in `P_ui` and in a listener's history; element-wise (raw,
    /// binary, log1p, confidence). Default [`Weighting::Log1p`].
    pub weighting: Weighting,
}

impl Default for Rp3betaConfig {
    fn default() -> Self {
        Self {
            alpha: 0.9,
            beta: 0.3,
            k: Some(400),
            normalize: false,
            weighting: Weighting::Log1p,
        }
    }
}

impl Rp3betaConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    config_setters!(
        with_alpha: alpha: f32,
        with_beta: beta: f32,
        with_k: k: Option<usize>,
        with_normalize: normalize: bool,
        with_weighting: weighting: Weighting
    );
}

/// A fitted RP3beta model: the sparse artist × artist matrix `W`.
#[derive(Debug, Clone)]
pub struct Rp3beta {
    config: Rp3betaConfig,
    data: TrainData,
    /// Artists × artists; row `i` holds `W_i·` (at most `k` entries, columns ascending).
    w: Csr,
}

model_common!(
    Rp3beta,
    Rp3betaConfig,
    "RP3beta: popularity-penalised 3-step random walk (Paudel et al. 2017)",
    ["rp3b", "rp3-beta"],
    similar
);

impl Rp3beta {
    /// The artists × artists matrix `W`; row `i` holds the walk's weights from artist `i`.
    pub fn similarity(&self) -> &Csr {
        &self.w
    }
}

/// `m` with every row scaled to sum 1 (empty rows stay empty), then every value raised to
/// `alpha`.
fn transition(m: &Csr, alpha: f32) -> Csr {
    let mut out = m.clone();
    let p = ptr(m).to_vec();
    let data = out.data_mut();
    for r in 0..p.len() - 1 {
        let row = &mut data[p[r]..p[r + 1]];
        let sum: f64 = row.iter().map(|&v| f64::from(v)).sum();
        if sum > 0.0 {
            for v in row.iter_mut() {
                *v = ((f64::from(*v) / sum).powf(f64::from(alpha))) as f32;
            }
        }
    }
    out
}

impl Fit<Interactions> for Rp3betaConfig {
    type Model = Rp3beta;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Rp3beta::KIND;
        check::non_negative(m, "alpha", self.alpha)?;
        check::non_negative(m, "beta", self.beta)?;
        if let Some(k) = self.k {
            check::at_least_one(m, "k", k)?;
        }
        check::elementwise(m, "weighting", &self.weighting)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Rp3beta> {
        self.validate()?;
        let data = TrainData::new(Rp3beta::KIND, data)?;
        let n = data.n_items();
        let x = artist2vec_sparse::weight(&data.matrix, self.weighting);
        let pui = transition(&x, self.alpha);
        let piu = transition(
            &artist2vec_sparse::weight(&transpose(&data.matrix), Weighting::Binary),
            self.alpha,
        );
        let penalty: Vec<f64> = data
            .item_users()
            .iter()
            .map(|&d| f64::from(d.max(1)).powf(-f64::from(self.beta)))
            .collect();
        let (ip, ii, id) = (ptr(&piu), piu.indices(), piu.data());
        let (up, ui, ud) = (ptr(&pui), pui.indices(), pui.data());
        let w = one_step(observer, "rp3beta walk", || {
            let rows: Vec<Vec<Neighbor>> = (0..n)
                .into_par_iter()
                .map_init(
                    || (vec![0f64; n], Vec::<u32>::new()),
                    |(acc, touched), i| {
                        for p in ip[i]..ip[i + 1] {
                            let (u, a) = (ii[p] as usize, f64::from(id[p]));
                            for q in up[u]..up[u + 1] {
                                let j = ui[q] as usize;
                                if acc[j] == 0.0 {
                                    touched.push(j as u32);
                                }
                                acc[j] += a * f64::from(ud[q]);
                            }
                        }
                        let mut row: Vec<Neighbor> = Vec::with_capacity(touched.len());
                        for &j in touched.iter() {
                            let score = (acc[j as usize] * penalty[j as usize]) as f32;
                            acc[j as usize] = 0.0;
                            if j as usize != i && score > 0.0 {
                                row.push(Neighbor { item: j, score });
                            }
                        }
                        touched.clear();
                        if let Some(k) = self.k.filter(|&k| k < row.len()) {
                            let mut top = TopK::new(k);
                            for nb in &row {
                                top.push(nb.item, nb.score);
                            }
                            row = top.into_sorted();
                        }
                        if self.normalize {
                            let sum: f64 = row.iter().map(|e| f64::from(e.score)).sum();
                            if sum > 0.0 {
                                row.iter_mut()
                                    .for_each(|e| e.score = (f64::from(e.score) / sum) as f32);
                            }
                        }
                        row
                    },
                )
                .collect();
            from_rows((n, n), rows)
        });
        Ok(Rp3beta {
            config: self.clone(),
            data,
            w,
        })
    }
}

item_item_common!(
    Rp3beta,
    Rp3betaConfig,
    "rp3beta",
    w,
    weighting,
    "walk matrix",
    "The artists the walk from `artist` reaches with the largest weight `W_ij`, best first (at \
     most [`Rp3betaConfig::k`] of them)."
);

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_core::{Query, Recommender, SimilarArtists, Vocabulary};

    /// Three listeners, four artists:
    /// u0 plays a0 (2×), a1; u1 plays a1, a2; u2 plays a1, a2, a3.
    fn graph() -> Interactions {
        let users = Vocabulary::from_ids(["u0", "u1", "u2"]).unwrap();
        let items = Vocabulary::from_ids(["a0", "a1", "a2", "a3"]).unwrap();
        Interactions::from_columns(
            users,
            items,
            vec![0, 0, 1, 1, 2, 2, 2],
            vec![0, 1, 1, 2, 1, 2, 3],
            vec![2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            None,
        )
        .unwrap()
    }

    #[test]
    fn w_matches_a_hand_computation() {
        let (alpha, beta) = (0.5f64, 0.5f64);
        let m = Rp3betaConfig::new()
            .with_alpha(alpha as f32)
            .with_beta(beta as f32)
            .with_k(None)
            .with_weighting(Weighting::Binary)
            .fit(&graph())
            .unwrap();
        // deg(u) = 2, 2, 3; deg(a) = 1, 3, 2, 1.
        // P_ui = (1/deg u)^α, P_iu = (1/deg i)^α, W_ij = Σ_u P_iu P_uj / deg_j^β.
        let h = |d: f64| d.powf(-alpha);
        let pen = |d: f64| d.powf(-beta);
        // a0 → u0 → {a1}: W_01 = h(1)·h(2) / 3^β.
        let w01 = h(1.0) * h(2.0) * pen(3.0);
        // a1 → {u0, u1, u2}: W_10 = h(3)h(2)/1, W_12 = (h(3)h(2) + h(3)h(3))/2^β, W_13 = h(3)h(3)/1.
        let w10 = h(3.0) * h(2.0) * pen(1.0);
        let w12 = (h(3.0) * h(2.0) + h(3.0) * h(3.0)) * pen(2.0);
        let w13 = h(3.0) * h(3.0) * pen(1.0);
        // a2 → {u1, u2}: W_21 = (h(2)h(2) + h(2)h(3))/3^β, W_23 = h(2)h(3)/1.
        let w21 = (h(2.0) * h(2.0) + h(2.0) * h(3.0)) * pen(3.0);
        let w23 = h(2.0) * h(3.0) * pen(1.0);
        // a3 → u2 → {a1, a2}.
        let w31 = h(1.0) * h(3.0) * pen(3.0);
        let w32 = h(1.0) * h(3.0) * pen(2.0);
        let want = [
            (0, 1, w01),
            (1, 0, w10),
            (1, 2, w12),
            (1, 3, w13),
            (2, 1, w21),
            (2, 3, w23),
            (3, 1, w31),
            (3, 2, w32),
        ];
        let w = m.similarity();
        assert_eq!(w.nnz(), want.len());
        for (i, j, v) in want {
            let got = f64::from(*w.get(i, j).expect("entry"));
            assert!((got - v).abs() < 1e-6, "W[{i}][{j}] = {got}, expected {v}");
        }
        // A new listener of a0 and a3 (binary history): scores W_0· + W_3·.
        let mut s = vec![0f32; 4];
        m.score_into(&Query::History(&[(0, 5.0), (3, 1.0)]), &mut s)
            .unwrap();
        assert!((f64::from(s[1]) - (w01 + w31)).abs() < 1e-6);
        assert!((f64::from(s[2]) - w32).abs() < 1e-6);
        let recs = m
            .recommend(&Query::History(&[(0, 5.0), (3, 1.0)]), 2, true)
            .unwrap();
        let want_first = if w01 + w31 > w32 { 1 } else { 2 };
        assert_eq!(recs[0].item, want_first);
    }

    #[test]
    fn top_k_and_normalisation() {
        let m = Rp3betaConfig::new()
            .with_k(Some(1))
            .with_normalize(true)
            .with_weighting(Weighting::Binary)
            .fit(&graph())
            .unwrap();
        let w = m.similarity();
        for i in 0..4 {
            let row = w.outer_view(i).unwrap();
            assert_eq!(row.nnz(), 1, "row {i}");
            assert!((row.data()[0] - 1.0).abs() < 1e-6);
        }
        // The one neighbour kept is the largest: a1 reaches a2 through two listeners.
        assert_eq!(m.similar(1, 5).unwrap()[0].item, 2);
    }

    #[test]
    fn bad_configurations_are_refused() {
        for (cfg, field) in [
            (Rp3betaConfig::new().with_alpha(-1.0), "alpha"),
            (Rp3betaConfig::new().with_beta(f32::INFINITY), "beta"),
            (Rp3betaConfig::new().with_k(Some(0)), "`k`"),
            (
                Rp3betaConfig::new().with_weighting(Weighting::bm25()),
                "weighting",
            ),
        ] {
            let e = cfg.fit(&graph()).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }
}
