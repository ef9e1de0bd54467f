//! Run-time CPU feature detection, in one place for the whole workspace.
//!
//! Every kernel that has an instruction-set-specific version (the scoring and top-k kernels
//! here, the ALS and SGD kernels of `artist2vec-models`, the skip-gram trainer) asks these
//! functions which version to run. The answer is detected once per process and cached, so a
//! call costs one relaxed atomic load, and every kernel of a process takes the same decision —
//! which matters where two code paths must give bit-identical results (per-user scoring and the
//! blocked top-k of the same model).
//!
//! On other architectures than x86-64 every function returns `false` and the portable kernels
//! run.

use std::sync::atomic::{AtomicU8, Ordering};

/// Bit set of detected features; 0 until the first query.
static FEATURES: AtomicU8 = AtomicU8::new(0);

const DETECTED: u8 = 1;
const AVX_FMA: u8 = 1 << 1;
const AVX2_FMA: u8 = 1 << 2;
const AVX512F: u8 = 1 << 3;

#[cfg(target_arch = "x86_64")]
fn detect() -> u8 {
    let avx = std::arch::is_x86_feature_detected!("avx");
    let fma = std::arch::is_x86_feature_detected!("fma");
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    let avx512f = std::arch::is_x86_feature_detected!("avx512f");
    DETECTED
        | if avx && fma { AVX_FMA } else { 0 }
        | if avx2 && fma { AVX2_FMA } else { 0 }
        | if avx512f { AVX512F } else { 0 }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> u8 {
    DETECTED
}

#[inline]
fn features() -> u8 {
    let f = FEATURES.load(Ordering::Relaxed);
    if f != 0 {
        return f;
    }
    // Racing first calls all store the same value.
    let f = detect();
    FEATURES.store(f, Ordering::Relaxed);
    f
}

/// Whether the CPU has AVX2 and FMA (the `avx2,fma` kernels may run).
#[inline]
pub fn has_avx2_fma() -> bool {
    features() & AVX2_FMA != 0
}

/// Whether the CPU has AVX and FMA (the `avx,fma` kernels may run).
#[inline]
pub fn has_avx_fma() -> bool {
    features() & AVX_FMA != 0
}

/// Whether the CPU has AVX-512F.
#[inline]
pub fn has_avx512f() -> bool {
    features() & AVX512F != 0
}

/// The detected features in words, for reports: e.g. `"avx2+fma, avx512f"` or `"portable"`.
pub fn describe() -> String {
    let mut v = Vec::new();
    if has_avx2_fma() {
        v.push("avx2+fma");
    } else if has_avx_fma() {
        v.push("avx+fma");
    }
    if has_avx512f() {
        v.push("avx512f");
    }
    if v.is_empty() {
        "portable".to_owned()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_answers_agree_with_the_standard_library() {
        for _ in 0..2 {
            #[cfg(target_arch = "x86_64")]
            {
                use std::arch::is_x86_feature_detected as has;
                assert_eq!(has_avx2_fma(), has!("avx2") && has!("fma"));
                assert_eq!(has_avx_fma(), has!("avx") && has!("fma"));
                assert_eq!(has_avx512f(), has!("avx512f"));
            }
            #[cfg(not(target_arch = "x86_64"))]
            assert!(!has_avx2_fma() && !has_avx_fma() && !has_avx512f());
        }
        assert!(!describe().is_empty());
    }
}
