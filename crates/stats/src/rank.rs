//! Average ranks with tie information (scipy's `rankdata(method='average')`).

/// Ranks of a sample and the sizes of its groups of tied values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ranks {
    /// Average rank (1-based) of each value, in input order.
    pub ranks: Vec<f64>,
    /// Sizes of the groups of equal values, in ascending order of value
    /// (untied values form groups of size 1).
    pub tie_sizes: Vec<usize>,
}

impl Ranks {
    /// Whether any two values are equal.
    pub fn has_ties(&self) -> bool {
        self.tie_sizes.iter().any(|&t| t > 1)
    }

    /// `Σ (t³ − t)` over the tie groups, skipping the first `skip` groups.
    pub fn tie_term(&self, skip: usize) -> f64 {
        self.tie_sizes
            .iter()
            .skip(skip)
            .map(|&t| {
                let t = t as f64;
                t * t * t - t
            })
            .sum()
    }
}

/// Average ranks of `values`, which must not contain NaN. `-0.0` and `0.0`
/// are equal, as in numpy.
pub(crate) fn rank_average(values: &[f64]) -> Ranks {
    let n = values.len();
    // Adding 0.0 turns -0.0 into 0.0, so `total_cmp` orders like `==`.
    let key: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key[a].total_cmp(&key[b]));
    let mut ranks = vec![0.0; n];
    let mut tie_sizes = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && key[order[end]] == key[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the average of ranks start+1..=end.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        tie_sizes.push(end - start);
        start = end;
    }
    Ranks { ranks, tie_sizes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_with_ties_follow_scipy_example() {
        // scipy's _rankdata docstring example.
        let r = rank_average(&[3.0, 2.0, 1.0, 2.0, 2.0, 2.0, 1.0]);
        assert_eq!(r.ranks, vec![7.0, 4.5, 1.5, 4.5, 4.5, 4.5, 1.5]);
        assert_eq!(r.tie_sizes, vec![2, 4, 1]);
        assert!(r.has_ties());
        assert_eq!(r.tie_term(0), 6.0 + 60.0);
        assert_eq!(r.tie_term(1), 60.0);
    }

    #[test]
    fn negative_zero_ties_with_zero_and_infinities_rank() {
        let r = rank_average(&[0.0, f64::INFINITY, -0.0, f64::NEG_INFINITY]);
        assert_eq!(r.ranks, vec![2.5, 4.0, 2.5, 1.0]);
        assert_eq!(r.tie_sizes, vec![1, 2, 1]);
    }

    #[test]
    fn untied_sample() {
        let r = rank_average(&[0.3, -1.0, 2.0]);
        assert_eq!(r.ranks, vec![2.0, 1.0, 3.0]);
        assert!(!r.has_ties());
    }
}
