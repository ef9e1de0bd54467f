//! User-based k-nearest neighbours: the seed notebooks' recipe (cosine between listeners, `k`
//! most similar listeners, similarity-weighted sums of their plays, known artists excluded).

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::topk::TopK;
use artist2vec_core::{
    CoreError, Fit, Interactions, Neighbor, Observer, Query, Recommender, SimilarArtists,
    check_query,
};
use artist2vec_sparse::{Csr, MinMax, Norm, Weighting, gram_top_k, normalize_rows, transpose};
use serde::{Deserialize, Serialize};

use crate::base::{
    DecodeError, TrainData, add_rows, check_index, decode_square_csr, elementwise, encode_csr,
    history_row, one_step,
};
use crate::common::{model_common, recommender_common};
use crate::error::check;
use crate::persist::Stored;
use crate::{ModelError, Result};

/// Configuration of [`UserKnn`].
///
/// Each listener's input row is `w(plays)` per artist, optionally min–max scaled per artist
/// (scikit-learn's `MinMaxScaler` on the dense matrix, as in the notebooks). Two listeners'
/// similarity is the cosine of their input rows; the score of artist `j` for listener `u` is
/// `Σ_v sim(u, v) · x_vj` over the `k` most similar other listeners `v`.
///
/// Defaults (`k = 40`, log1p, min–max scaled: NDCG@10 0.1624) won on hetrec-seed42-val; the
/// notebooks' exact recipe, [`UserKnnConfig::notebooks`] (raw counts, min–max, `k = 30`),
/// reaches 0.0464 there (see `docs/results.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserKnnConfig {
    /// Neighbouring listeners used per listener. Default 40.
    pub k: usize,
    /// Element-wise weighting of play counts (raw, binary, log1p, confidence). Default log1p.
    pub weighting: Weighting,
    /// Scale every artist's column to `[0, 1]` after weighting. Default `true`.
    pub min_max: bool,
}

impl Default for UserKnnConfig {
    fn default() -> Self {
        Self {
            k: 40,
            weighting: Weighting::Log1p,
            min_max: true,
        }
    }
}

impl UserKnnConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The seed notebooks' recipe: raw counts, min–max scaled per artist, `k = 30`.
    pub fn notebooks() -> Self {
        Self {
            k: 30,
            weighting: Weighting::Raw,
            min_max: true,
        }
    }

    /// Sets [`k`](Self::k).
    pub fn with_k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Sets [`weighting`](Self::weighting).
    pub fn with_weighting(mut self, w: Weighting) -> Self {
        self.weighting = w;
        self
    }

    /// Sets [`min_max`](Self::min_max).
    pub fn with_min_max(mut self, on: bool) -> Self {
        self.min_max = on;
        self
    }
}

/// A fitted user-kNN model.
#[derive(Debug, Clone)]
pub struct UserKnn {
    config: UserKnnConfig,
    data: TrainData,
    /// Users × users: the `k` neighbours of each training user.
    neighbours: Csr,
    derived: Derived,
}

/// Matrices recomputed from the training data at fit and load time.
#[derive(Debug, Clone)]
struct Derived {
    /// Weighted (and scaled) users × artists input.
    input: Csr,
    /// Transpose of `input` (artists × users).
    input_t: Csr,
    /// Transpose of the row-normalised input (artists × users), for new listeners.
    unit_t: Csr,
    /// The min–max scaling of the artist columns (`None` when off).
    scaling: Option<MinMax>,
    /// Euclidean norm of every artist column of `input`.
    col_norm: Vec<f32>,
}

model_common!(
    UserKnn,
    UserKnnConfig,
    "user-based kNN, cosine between listeners",
    ["userknn", "user-user"],
    similar_filtered
);

impl UserKnnConfig {
    fn derive(&self, data: &TrainData) -> Derived {
        let mut input = data.matrix.clone();
        let w = self.weighting;
        input
            .data_mut()
            .iter_mut()
            .for_each(|v| *v = elementwise(&w, *v).unwrap_or(*v));
        let nc = input.cols();
        let scaling = self.min_max.then(|| MinMax::fit(&input));
        if let Some(s) = &scaling {
            s.apply(&mut input);
        }
        let input_t = transpose(&input);
        let mut col_norm = vec![0f32; nc];
        for c in 0..nc {
            let row = input_t.outer_view(c).expect("column in range");
            col_norm[c] = row.data().iter().map(|v| v * v).sum::<f32>().sqrt();
        }
        let mut unit = input.clone();
        normalize_rows(&mut unit, Norm::L2);
        let unit_t = transpose(&unit);
        Derived {
            input,
            input_t,
            unit_t,
            scaling,
            col_norm,
        }
    }
}

impl UserKnn {
    /// The `k` most similar training users of every training user (users × users, cosine).
    pub fn neighbours(&self) -> &Csr {
        &self.neighbours
    }

    /// Adds `Σ_v s_v · input_v` into `scores` (which it first zeroes).
    fn sum_rows(&self, nb: impl Iterator<Item = (u32, f32)>, scores: &mut [f32]) {
        scores.fill(0.0);
        add_rows(
            &self.derived.input,
            nb.map(|(v, s)| (v as usize, s)),
            scores,
        );
        self.data.mask_untrained(scores);
    }

    /// The `k` training users most similar to a new listener's history.
    fn history_neighbours(&self, h: &[(u32, f32)]) -> Vec<Neighbor> {
        let d = &self.derived;
        let mut q: Vec<(u32, f32)> = h
            .iter()
            .map(|&(i, x)| {
                let v = elementwise(&self.config.weighting, x).unwrap_or(x);
                match &d.scaling {
                    Some(s) => (i, s.scale(i as usize, v)),
                    None => (i, v),
                }
            })
            .collect();
        let norm = q.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            q.iter_mut().for_each(|p| p.1 /= norm);
        }
        let mut acc = vec![0f32; self.n_users()];
        add_rows(
            &d.unit_t,
            q.into_iter().map(|(i, x)| (i as usize, x)),
            &mut acc,
        );
        let mut top = TopK::new(self.config.k);
        for (v, &s) in acc.iter().enumerate() {
            if s != 0.0 {
                top.push(v as u32, s);
            }
        }
        top.into_sorted()
    }
}

impl Fit<Interactions> for UserKnnConfig {
    type Model = UserKnn;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = UserKnn::KIND;
        check::at_most(m, "k", self.k, crate::error::MAX_NEIGHBOURS)?;
        check::elementwise(m, "weighting", &self.weighting)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<UserKnn> {
        self.validate()?;
        let data = TrainData::new(UserKnn::KIND, data)?;
        let derived = self.derive(&data);
        let mut unit = derived.input.clone();
        normalize_rows(&mut unit, Norm::L2);
        let neighbours = one_step(observer, "user-knn neighbours", || {
            gram_top_k(&unit, self.k, false)
        });
        Ok(UserKnn {
            config: self.clone(),
            data,
            neighbours,
            derived,
        })
    }
}

impl Recommender for UserKnn {
    recommender_common!();

    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        match query {
            Query::User(u) => {
                let row = self
                    .neighbours
                    .outer_view(*u as usize)
                    .expect("user in range");
                self.sum_rows(row.iter().map(|(v, &s)| (v as u32, s)), scores);
            }
            Query::History(h) => {
                let h = history_row(h)?;
                let nb = self.history_neighbours(&h);
                self.sum_rows(nb.into_iter().map(|n| (n.item, n.score)), scores);
            }
        }
        Ok(())
    }
}

impl SimilarArtists for UserKnn {
    /// Artists whose columns of the model's input matrix (listeners × artists, weighted as
    /// configured) have the highest cosine with `artist`'s column.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        self.similar_filtered(artist, k, &|_| true)
    }
}

impl UserKnn {
    /// [`similar`](SimilarArtists::similar) restricted to the artists for which `keep` is true.
    pub(crate) fn similar_filtered(
        &self,
        artist: u32,
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        let n = self.n_items();
        check_index("artist", artist, n)?;
        let d = &self.derived;
        let mut acc = vec![0f32; n];
        let col = d
            .input_t
            .outer_view(artist as usize)
            .expect("artist in range");
        add_rows(&d.input, col.iter().map(|(u, &x)| (u, x)), &mut acc);
        let qn = d.col_norm[artist as usize];
        let mut top = TopK::new(k);
        for (j, &s) in acc.iter().enumerate() {
            if j as u32 != artist && s != 0.0 && keep(j as u32) {
                top.push(j as u32, s / (qn * d.col_norm[j]));
            }
        }
        Ok(top.into_sorted())
    }
}

impl Stored for UserKnn {
    const KIND: &'static str = "user-knn";
    const VERSION: u32 = 1;
    type Config = UserKnnConfig;

    fn encode(&self, e: &mut Encoder) {
        encode_csr(&self.neighbours, e);
    }

    fn decode(
        config: UserKnnConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let neighbours = decode_square_csr(d, data.n_users(), "neighbour matrix", "users")?;
        let derived = config.derive(&data);
        Ok(Self {
            config,
            data,
            neighbours,
            derived,
        })
    }
}
