//! Floating-point helpers that reproduce numpy's arithmetic bit for bit.
//!
//! Reference tools (`evaluate.py`, ranx) compute means with `numpy.mean` and round with
//! `numpy.round`. Summing the same numbers in a different order changes the last bits, so these
//! helpers follow numpy's order exactly: a mean here equals numpy's to the last digit, not just to
//! 1e-15.

/// Sum of `values` in numpy's pairwise order (`np.add.reduce` on a contiguous float64 array).
///
/// Blocks of fewer than 8 values are summed left to right; blocks of up to 128 use eight
/// interleaved accumulators combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` followed by the
/// remainder; longer blocks are split in two at a multiple of 8 and the halves added. numpy adds
/// the result to its identity `0.0`, which this function does too (it turns `-0.0` into `0.0`).
///
/// Numpy applies this scheme per iterator buffer of 8,192 elements when it must buffer; for the
/// contiguous arrays that the reference tools sum, the whole array is one block.
///
/// ```
/// use artist2vec_metrics::numeric::pairwise_sum;
/// assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
/// assert_eq!(pairwise_sum(&[]), 0.0);
/// ```
pub fn pairwise_sum(values: &[f64]) -> f64 {
    0.0 + pairwise_block(values)
}

fn pairwise_block(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_block(&a[..n2]) + pairwise_block(&a[n2..])
    }
}

/// Mean of `values` as `numpy.mean` computes it (pairwise sum, then one division).
///
/// Returns NaN for an empty slice (as numpy does, without its warning); nothing in this crate
/// produces an empty score vector — evaluations of nobody are refused with an error.
///
/// ```
/// use artist2vec_metrics::numeric::mean;
/// assert_eq!(mean(&[1.0, 2.0]), 1.5);
/// assert!(mean(&[]).is_nan());
/// ```
pub fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// Rounds to `decimals` decimal places as `numpy.round` does for float64: multiply by
/// `10^decimals`, round half to even, divide.
///
/// `evaluate.py` writes its per-user arrays with `numpy.round(values, 6)`.
///
/// ```
/// use artist2vec_metrics::numeric::round_like_numpy;
/// // 0.1234565 * 1e6 is exactly 123456.5 in f64, which rounds half to even:
/// assert_eq!(round_like_numpy(0.1234565, 6), 0.123456);
/// assert_eq!(round_like_numpy(2.5, 0), 2.0); // half to even
/// ```
pub fn round_like_numpy(value: f64, decimals: u32) -> f64 {
    // numpy computes the power of ten by repeated multiplication; exact for the decimals used.
    let mut f = 1.0f64;
    for _ in 0..decimals {
        f *= 10.0;
    }
    (value * f).round_ties_even() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64]) -> f64 {
        a.iter().sum()
    }

    #[test]
    fn small_sums_are_left_to_right() {
        let a = [0.1, 0.2, 0.3];
        assert_eq!(pairwise_sum(&a), naive(&a));
    }

    #[test]
    fn eight_accumulator_order_differs_from_naive() {
        // 1e16 + 1 + 1 … : left to right loses every 1.0, pairwise order keeps some.
        let mut a = vec![1e16];
        a.extend(std::iter::repeat_n(1.0, 15));
        // r[j] = a[j] + a[j+8]: r0 = 1e16 + 1 = 1e16 (ties to even), others 2.
        let r = [1e16, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        assert_eq!(pairwise_sum(&a), expected);
        assert_ne!(pairwise_sum(&a), naive(&a));
    }

    #[test]
    fn long_sums_split_at_multiples_of_eight() {
        let a: Vec<f64> = (0..1000).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let n2 = 500 - 500 % 8;
        assert_eq!(
            pairwise_sum(&a),
            pairwise_block(&a[..n2]) + pairwise_block(&a[n2..])
        );
        assert!((pairwise_sum(&a) - naive(&a)).abs() < 1e-12);
    }

    #[test]
    fn rounding_is_half_to_even_after_scaling() {
        assert_eq!(round_like_numpy(0.5, 0), 0.0);
        assert_eq!(round_like_numpy(1.5, 0), 2.0);
        // Scaled to exactly 123456.5: numpy gives …456, round-half-away would give …457.
        assert_eq!(round_like_numpy(0.1234565, 6), 0.123456);
        assert_eq!((0.1234565f64 * 1e6).round() / 1e6, 0.123457);
        assert_eq!(round_like_numpy(1.0 / 3.0, 6), 0.333333);
    }
}
