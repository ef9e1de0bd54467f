//! What every model keeps of its training data, and the helpers they share.

use artist2vec_core::modelfile::{Decoder, Encoder};
pub(crate) use artist2vec_core::persist::DecodeError;
use artist2vec_core::{
    CoreError, Interactions, Observer, Progress, Query, Vocabulary, check_query,
};
use artist2vec_sparse::{Csr, Weighting, user_item};

use crate::{ModelError, Result};

/// The training data a fitted model keeps: both vocabularies and the users × artists matrix of
/// summed play counts (which gives each training user's seen artists and history).
#[derive(Debug, Clone)]
pub(crate) struct TrainData {
    pub users: Vocabulary,
    pub items: Vocabulary,
    /// Users × artists, summed raw weights, columns sorted within rows, no explicit zeros.
    pub matrix: Csr,
    /// Artists without any training interaction, ascending (derived).
    pub untrained: Vec<u32>,
}

impl TrainData {
    /// Builds the matrix, refusing an empty training set or a negative weight.
    pub fn new(model: &'static str, data: &Interactions) -> Result<Self> {
        if data.is_empty() || data.n_items() == 0 || data.n_users() == 0 {
            return Err(ModelError::EmptyTrainingSet {
                model,
                users: data.n_users(),
                items: data.n_items(),
            });
        }
        if let Some(w) = data.weight_col().iter().find(|w| w.is_nan() || **w < 0.0) {
            return Err(ModelError::InvalidData {
                model,
                message: format!("weights must be play counts >= 0, found {w}"),
            });
        }
        let mut m = user_item(data);
        if m.data().contains(&0.0) {
            m = drop_zeros(&m);
        }
        if m.nnz() == 0 {
            return Err(ModelError::EmptyTrainingSet {
                model,
                users: data.n_users(),
                items: data.n_items(),
            });
        }
        let mut users = data.users.clone();
        let mut items = data.items.clone();
        users.rebuild_index();
        items.rebuild_index();
        Ok(Self::from_parts(users, items, m))
    }

    fn from_parts(users: Vocabulary, items: Vocabulary, matrix: Csr) -> Self {
        let mut count = vec![0u32; items.len()];
        for &c in matrix.indices() {
            count[c as usize] += 1;
        }
        let untrained = (0..items.len() as u32)
            .filter(|&i| count[i as usize] == 0)
            .collect();
        Self {
            users,
            items,
            matrix,
            untrained,
        }
    }

    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Artists and raw weights of training user `u` (unchecked index).
    pub fn row(&self, u: usize) -> (&[u32], &[f32]) {
        let p = crate::base::ptr(&self.matrix);
        let (a, b) = (p[u], p[u + 1]);
        (&self.matrix.indices()[a..b], &self.matrix.data()[a..b])
    }

    /// The artists of training user `u`, ascending.
    pub fn seen(&self, u: u32) -> Result<&[u32], CoreError> {
        check_index("user", u, self.n_users())?;
        Ok(self.row(u as usize).0)
    }

    /// A listener's history checked against the artists (an unknown artist is an error) and
    /// merged by [`history_row`].
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a
    /// negative or non-finite weight.
    pub fn history(&self, h: &[(u32, f32)]) -> Result<Vec<(u32, f32)>, CoreError> {
        check_query(&Query::History(h), self.n_users(), self.n_items())?;
        history_row(h)
    }

    /// The (artist, raw weight) pairs a query is scored from: a training user's row, or a new
    /// listener's history merged by [`history_row`].
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user or artist; [`CoreError::Invalid`] for
    /// a negative or non-finite weight.
    pub fn query_rows(&self, query: &Query<'_>) -> Result<Vec<(u32, f32)>, CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        match query {
            Query::User(u) => {
                let (items, w) = self.row(*u as usize);
                Ok(items.iter().copied().zip(w.iter().copied()).collect())
            }
            Query::History(h) => history_row(h),
        }
    }

    /// Scores of an item-item model: `Σ_i w(x_i)·m_i` over the (artist, raw weight) pairs of
    /// `rows`, with `w` the element-wise `weighting` and `m_i` row `i` of the artists × artists
    /// matrix `m`; artists without training plays get NaN.
    pub fn score_item_item(
        &self,
        m: &Csr,
        weighting: &Weighting,
        rows: Vec<(u32, f32)>,
        scores: &mut [f32],
    ) {
        scores.fill(0.0);
        let rows = rows
            .into_iter()
            .map(|(i, x)| (i as usize, elementwise(weighting, x).unwrap_or(x)));
        add_rows(m, rows, scores);
        self.mask_untrained(scores);
    }

    /// Zeroes the rows (`dim` wide) of the users without training plays in `users` and of the
    /// artists without them in `items`: initial factors that training never updates.
    pub fn zero_untrained_rows(&self, users: &mut [f32], items: &mut [f32], dim: usize) {
        let ptr = ptr(&self.matrix);
        for (u, row) in users.chunks_exact_mut(dim).enumerate() {
            if ptr[u] == ptr[u + 1] {
                row.fill(0.0);
            }
        }
        for &i in &self.untrained {
            items[i as usize * dim..][..dim].fill(0.0);
        }
    }

    /// Sets the score of every artist without training interactions to NaN, so that it is never
    /// recommended (the model knows nothing about it).
    pub fn mask_untrained(&self, scores: &mut [f32]) {
        for &i in &self.untrained {
            scores[i as usize] = f32::NAN;
        }
    }

    /// Number of listeners per artist.
    pub fn item_users(&self) -> Vec<u32> {
        let mut count = vec![0u32; self.n_items()];
        for &c in self.matrix.indices() {
            count[c as usize] += 1;
        }
        count
    }

    /// The artists with training interactions, ascending.
    pub fn trained_items(&self) -> Vec<u32> {
        let n = self.item_users();
        (0..n.len() as u32).filter(|&i| n[i as usize] > 0).collect()
    }

    /// The user of every stored entry of the matrix, in storage order.
    pub fn entry_users(&self) -> Vec<u32> {
        let ptr = ptr(&self.matrix);
        let mut users = vec![0u32; self.matrix.nnz()];
        for u in 0..self.n_users() {
            users[ptr[u]..ptr[u + 1]].fill(u as u32);
        }
        users
    }

    pub fn encode(&self, e: &mut Encoder) {
        self.users.encode(e);
        self.items.encode(e);
        encode_csr(&self.matrix, e);
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let users = Vocabulary::decode(d)?;
        let items = Vocabulary::decode(d)?;
        let matrix = decode_csr(d)?;
        if matrix.shape() != (users.len(), items.len()) {
            return Err(DecodeError(format!(
                "matrix of shape {:?} for {} users and {} artists",
                matrix.shape(),
                users.len(),
                items.len()
            )));
        }
        Ok(Self::from_parts(users, items, matrix))
    }
}

/// Refuses an index `index` of a `kind` (`"user"`, `"artist"`) of which there are `len`.
///
/// # Errors
/// [`CoreError::IndexOutOfRange`] when `index >= len`.
pub(crate) fn check_index(kind: &'static str, index: u32, len: usize) -> Result<(), CoreError> {
    if index as usize >= len {
        return Err(CoreError::IndexOutOfRange {
            kind,
            index: index as usize,
            len,
        });
    }
    Ok(())
}

/// Refuses factors with a non-finite value after `step` (`"epoch"`, `"iteration"`) `epoch`
/// (1-based) of an iterative trainer.
///
/// # Errors
/// [`ModelError::Diverged`] "non-finite factor {value}; {hint}".
pub(crate) fn check_finite(
    model: &'static str,
    (step, epoch): (&'static str, usize),
    users: &[f32],
    items: &[f32],
    hint: &str,
) -> Result<()> {
    match users.iter().chain(items).find(|v| !v.is_finite()) {
        Some(bad) => Err(ModelError::Diverged {
            model,
            step,
            epoch,
            message: format!("non-finite factor {bad}; {hint}"),
        }),
        None => Ok(()),
    }
}

/// The number of training threads `threads` asks for: 0 means all available cores.
pub(crate) fn effective_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// The `t`-th of `parts` contiguous, near-equal parts of `0..n`.
pub(crate) fn share(n: usize, parts: usize, t: usize) -> std::ops::Range<usize> {
    let at = |k: usize| (n as u128 * k as u128 / parts as u128) as usize;
    at(t)..at(t + 1)
}

/// Runs `work(t, &mut rngs[t])` for every generator of `rngs`, on scoped threads when there
/// are several (lock-free SGD: `work` shares its tables through
/// [`HogwildRows`](artist2vec_core::hogwild::HogwildRows)), and returns the results in
/// order. A panic in a worker is passed on.
pub(crate) fn hogwild<T: Send>(
    rngs: &mut [crate::rng::Rng],
    work: impl Fn(usize, &mut crate::rng::Rng) -> T + Sync,
) -> Vec<T> {
    if let [rng] = rngs {
        return vec![work(0, rng)];
    }
    std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = rngs
            .iter_mut()
            .enumerate()
            .map(|(t, rng)| s.spawn(move || work(t, rng)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Reports `done` of `total` steps of `stage` (no value) to `observer`.
pub(crate) fn report(observer: &dyn Observer, stage: &str, done: u64, total: u64) {
    observer.progress(&Progress {
        stage,
        done,
        total: Some(total),
        value: None,
    })
}

/// Runs `work` as a stage of one step, reported to `observer` as 0 of 1 before and 1 of 1 after.
pub(crate) fn one_step<T>(observer: &dyn Observer, stage: &str, work: impl FnOnce() -> T) -> T {
    report(observer, stage, 0, 1);
    let out = work();
    report(observer, stage, 1, 1);
    out
}

/// `acc += Σ w · m_r` over the (row `r`, weight `w`) pairs of `rows`, in their order.
pub(crate) fn add_rows(m: &Csr, rows: impl IntoIterator<Item = (usize, f32)>, acc: &mut [f32]) {
    let ptr = ptr(m);
    let (idx, dat) = (m.indices(), m.data());
    for (r, w) in rows {
        for p in ptr[r]..ptr[r + 1] {
            acc[idx[p] as usize] += w * dat[p];
        }
    }
}

/// The row pointers of a CSR matrix (`rows + 1` offsets starting at 0).
pub(crate) fn ptr(m: &Csr) -> &[usize] {
    m.indptr().into_raw_storage()
}

fn drop_zeros(m: &Csr) -> Csr {
    let (nr, nc) = m.shape();
    let ptr = crate::base::ptr(m);
    let mut indptr = Vec::with_capacity(nr + 1);
    let mut idx = Vec::with_capacity(m.nnz());
    let mut dat = Vec::with_capacity(m.nnz());
    indptr.push(0);
    for r in 0..nr {
        for p in ptr[r]..ptr[r + 1] {
            if m.data()[p] != 0.0 {
                idx.push(m.indices()[p]);
                dat.push(m.data()[p]);
            }
        }
        indptr.push(idx.len());
    }
    Csr::new((nr, nc), indptr, idx, dat)
}

/// The value of an element-wise weighting for one play count, or `None` for weightings that
/// need the whole matrix (BM25, TF-IDF).
pub(crate) fn elementwise(w: &Weighting, x: f32) -> Option<f32> {
    match *w {
        Weighting::Raw => Some(x),
        Weighting::Binary => Some(1.0),
        Weighting::Log1p => Some(x.ln_1p()),
        Weighting::Confidence { alpha, beta } => Some(1.0 + alpha * (beta * x).ln_1p()),
        _ => None,
    }
}

/// A listener's history as sorted, de-duplicated (artist, summed raw weight) pairs.
///
/// # Errors
/// [`CoreError::Invalid`] for a negative or non-finite weight.
pub(crate) fn history_row(h: &[(u32, f32)]) -> Result<Vec<(u32, f32)>, CoreError> {
    artist2vec_core::check_history_weights(h)?;
    let mut v = h.to_vec();
    v.sort_unstable_by_key(|p| p.0);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(v.len());
    for (i, w) in v {
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 += w,
            _ => out.push((i, w)),
        }
    }
    out.retain(|p| p.1 > 0.0);
    Ok(out)
}

pub(crate) fn encode_csr(m: &Csr, e: &mut Encoder) {
    e.u64(m.rows() as u64);
    e.u64(m.cols() as u64);
    let ptr: Vec<u64> = crate::base::ptr(m).iter().map(|&p| p as u64).collect();
    e.u64s(&ptr);
    e.u32s(m.indices());
    e.f32s(m.data());
}

/// Decodes an `n × n` sparse matrix (`what`, e.g. `"similarity matrix"`, of `n` `of`, e.g.
/// `"artists"`), refusing another shape.
pub(crate) fn decode_square_csr(
    d: &mut Decoder<'_>,
    n: usize,
    what: &str,
    of: &str,
) -> Result<Csr, DecodeError> {
    let m = decode_csr(d)?;
    if m.shape() != (n, n) {
        return Err(DecodeError(format!(
            "{what} of shape {:?} for {n} {of}",
            m.shape()
        )));
    }
    Ok(m)
}

pub(crate) fn decode_csr(d: &mut Decoder<'_>) -> Result<Csr, DecodeError> {
    let rows = d.u64()? as usize;
    let cols = d.u64()? as usize;
    let ptr: Vec<usize> = d.u64s()?.into_iter().map(|p| p as usize).collect();
    let idx = d.u32s()?;
    let dat = d.f32s()?;
    if ptr.first() != Some(&0) {
        return Err(DecodeError(
            "sparse matrix row pointers must start at 0".into(),
        ));
    }
    Csr::try_new((rows, cols), ptr, idx, dat)
        .map_err(|(_, _, _, e)| DecodeError(format!("invalid sparse matrix: {e}")))
}

/// Decodes a row-major `rows × dim` f32 table, checking its size and finiteness.
pub(crate) fn decode_table(
    d: &mut Decoder<'_>,
    rows: usize,
    dim: usize,
    what: &str,
) -> Result<Vec<f32>, DecodeError> {
    let v = d.f32s()?;
    if rows.checked_mul(dim) != Some(v.len()) {
        return Err(DecodeError(format!(
            "{what}: {} values for {rows} rows of dimension {dim}",
            v.len()
        )));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(DecodeError(format!("{what}: non-finite value")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_rows_are_merged_and_checked() {
        let h = history_row(&[(3, 1.0), (1, 2.0), (3, 4.0), (2, 0.0)]).unwrap();
        assert_eq!(h, vec![(1, 2.0), (3, 5.0)]);
        assert!(history_row(&[(0, -1.0)]).is_err());
        assert!(history_row(&[(0, f32::NAN)]).is_err());
    }

    #[test]
    fn elementwise_matches_sparse_weighting() {
        let m = artist2vec_sparse::from_triplets(1, 3, &[0, 0, 0], &[0, 1, 2], &[1.0, 5.0, 300.0])
            .unwrap();
        for w in [
            Weighting::Raw,
            Weighting::Binary,
            Weighting::Log1p,
            Weighting::Confidence {
                alpha: 2.0,
                beta: 0.5,
            },
        ] {
            let got = artist2vec_sparse::weight(&m, w);
            for (x, y) in m.data().iter().zip(got.data()) {
                assert_eq!(elementwise(&w, *x), Some(*y));
            }
        }
        assert_eq!(elementwise(&Weighting::TfIdf, 1.0), None);
    }
}
