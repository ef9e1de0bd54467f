//! Compares the crate with the values in `reference/scipy_cases.json`.
//!
//! Tolerances (one rule for every number):
//! - p-values, probabilities and correlations (|expected| <= 1): absolute
//!   difference at most 1e-10;
//! - statistics, degrees of freedom and interval ends: difference at most
//!   1e-10 · max(1, |expected|), i.e. absolute below 1 and relative above.
//!
//! In addition every p-value below 1e-3 must match to a relative 1e-8, so a
//! tiny p-value cannot hide behind the absolute tolerance. Infinite expected
//! values must be matched exactly.
//!
//! Each test collects all mismatches of its section and reports them together.

use std::collections::HashMap;
use std::sync::OnceLock;

use artist2vec_stats::*;
use serde_json::Value;

static JSON: &str = include_str!("../../reference/scipy_cases.json");

const TOL: f64 = 1e-10;
const SMALL_P: f64 = 1e-3;
const SMALL_P_RTOL: f64 = 1e-8;

fn root() -> &'static Value {
    static ROOT: OnceLock<Value> = OnceLock::new();
    ROOT.get_or_init(|| serde_json::from_str(JSON).expect("scipy_cases.json parses"))
}

/// A number from the JSON: a float, or one of the strings "nan", "inf", "-inf".
fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("finite number"),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unexpected number string {other:?}"),
        },
        other => panic!("not a number: {other}"),
    }
}

/// splitmix64 → floats, bit for bit as in make_scipy_cases.py.
fn splitmix(seed: u64, n: usize, kind: &str, scale: f64, offset: f64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 11) as f64 * 2f64.powi(-53);
            match kind {
                "uniform" => offset + scale * u,
                "int" => offset + (u * scale).floor(),
                other => panic!("unknown generator kind {other}"),
            }
        })
        .collect()
}

fn datasets() -> &'static HashMap<String, Vec<f64>> {
    static DATA: OnceLock<HashMap<String, Vec<f64>>> = OnceLock::new();
    DATA.get_or_init(|| {
        let obj = root()["datasets"].as_object().expect("datasets");
        obj.iter()
            .map(|(name, spec)| {
                let values = match spec {
                    Value::Array(a) => a.iter().map(num).collect(),
                    Value::Object(o) => {
                        let g = &o["splitmix"];
                        splitmix(
                            g["seed"].as_u64().unwrap(),
                            g["n"].as_u64().unwrap() as usize,
                            g["kind"].as_str().unwrap(),
                            num(&g["scale"]),
                            num(&g["offset"]),
                        )
                    }
                    other => panic!("bad dataset {name}: {other}"),
                };
                (name.clone(), values)
            })
            .collect()
    })
}

fn data(name: &Value) -> &'static [f64] {
    let name = name.as_str().expect("dataset name");
    datasets()
        .get(name)
        .unwrap_or_else(|| panic!("unknown dataset {name}"))
}

fn cases(section: &str) -> &'static [Value] {
    root()[section].as_array().expect("section").as_slice()
}

fn alternative(v: &Value) -> Alternative {
    match v.as_str().unwrap() {
        "two-sided" => Alternative::TwoSided,
        "less" => Alternative::Less,
        "greater" => Alternative::Greater,
        other => panic!("alternative {other}"),
    }
}

/// Collects mismatches of one section.
#[derive(Default)]
struct Report {
    checked: usize,
    failures: Vec<String>,
    /// Largest scaled difference seen (|diff| / max(1, |expected|)).
    worst: f64,
    /// Largest relative difference among p-values below `SMALL_P`.
    worst_small_p: f64,
}

impl Report {
    fn value(&mut self, case: &str, what: &str, actual: f64, expected: f64) {
        self.checked += 1;
        let ok = if expected.is_infinite() || actual.is_infinite() {
            actual == expected
        } else {
            let scaled = (actual - expected).abs() / expected.abs().max(1.0);
            self.worst = self.worst.max(scaled);
            scaled <= TOL
        };
        if !ok {
            self.failures.push(format!(
                "{case}: {what} = {actual:e}, scipy {expected:e} (diff {:e})",
                actual - expected
            ));
        }
    }

    fn p_value(&mut self, case: &str, actual: f64, expected: f64) {
        self.value(case, "p-value", actual, expected);
        if expected > 0.0 && expected < SMALL_P {
            self.worst_small_p = self.worst_small_p.max((actual - expected).abs() / expected);
        }
        if expected < SMALL_P && (actual - expected).abs() > SMALL_P_RTOL * expected {
            self.failures.push(format!(
                "{case}: small p-value {actual:e}, scipy {expected:e} (relative diff {:e})",
                (actual - expected) / expected
            ));
        }
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Checks an expected typed error; returns true if the case expected one.
    fn error<T: std::fmt::Debug>(
        &mut self,
        case: &str,
        expected: &Value,
        result: &std::result::Result<T, StatsError>,
    ) -> bool {
        let Some(variant) = expected.get("error").and_then(Value::as_str) else {
            return false;
        };
        self.checked += 1;
        match result {
            Err(e) if format!("{e:?}").starts_with(variant) => {}
            other => self.fail(format!("{case}: expected error {variant}, got {other:?}")),
        }
        true
    }

    fn finish(self, section: &str, min_checks: usize) {
        // Shown with `cargo test -- --nocapture`.
        eprintln!(
            "{section}: {} checks, largest scaled difference {:.1e}, \
             largest relative difference of p < {SMALL_P}: {:.1e}",
            self.checked, self.worst, self.worst_small_p
        );
        assert!(
            self.checked >= min_checks,
            "{section}: only {} values checked; is scipy_cases.json complete?",
            self.checked
        );
        assert!(
            self.failures.is_empty(),
            "{section}: {} of {} checks failed:\n{}",
            self.failures.len(),
            self.checked,
            self.failures
                .iter()
                .take(40)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn reference_file_records_versions() {
    let v = &root()["versions"];
    assert_eq!(v["scipy"], "1.17.1");
    assert!(v["numpy"].is_string() && v["statsmodels"].is_string());
}

#[test]
fn mann_whitney_matches_scipy() {
    let mut report = Report::default();
    for case in cases("mann_whitney") {
        let name = case["name"].as_str().unwrap();
        let method = match case["method"].as_str().unwrap() {
            "auto" => MannWhitneyMethod::Auto,
            "exact" => MannWhitneyMethod::Exact,
            "asymptotic" => MannWhitneyMethod::Asymptotic,
            other => panic!("{other}"),
        };
        let options = MannWhitneyOptions::new()
            .with_alternative(alternative(&case["alternative"]))
            .with_method(method)
            .with_continuity(case["use_continuity"].as_bool().unwrap());
        let result = mann_whitney_u(data(&case["x"]), data(&case["y"]), &options);
        let expected = &case["expected"];
        if report.error(name, expected, &result) {
            continue;
        }
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                report.fail(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        report.value(name, "statistic", r.statistic, num(&expected["statistic"]));
        report.p_value(name, r.p_value, num(&expected["pvalue"]));
        if let Some(matches) = expected.get("auto_matches").and_then(Value::as_array) {
            let used = serde_json::to_value(r.method).unwrap();
            report.checked += 1;
            if !matches.contains(&used) {
                report.fail(format!(
                    "{name}: auto chose {used}, scipy's auto matches {matches:?}"
                ));
            }
        }
    }
    report.finish("mann_whitney", 800);
}

#[test]
fn wilcoxon_matches_scipy() {
    let mut report = Report::default();
    for case in cases("wilcoxon") {
        let name = case["name"].as_str().unwrap();
        let method = match case["method"].as_str().unwrap() {
            "auto" => WilcoxonMethod::Auto,
            "exact" => WilcoxonMethod::Exact,
            "asymptotic" => WilcoxonMethod::Asymptotic,
            "permutation" => WilcoxonMethod::Permutation,
            other => panic!("{other}"),
        };
        let zero_method = match case["zero_method"].as_str().unwrap() {
            "wilcox" => ZeroMethod::Wilcox,
            "pratt" => ZeroMethod::Pratt,
            "zsplit" => ZeroMethod::Zsplit,
            other => panic!("{other}"),
        };
        let options = WilcoxonOptions::new()
            .with_alternative(alternative(&case["alternative"]))
            .with_zero_method(zero_method)
            .with_correction(case["correction"].as_bool().unwrap())
            .with_method(method);
        let result = if case["y"].is_null() {
            wilcoxon_one_sample(data(&case["x"]), &options)
        } else {
            wilcoxon(data(&case["x"]), data(&case["y"]), &options)
        };
        let expected = &case["expected"];
        if report.error(name, expected, &result) {
            continue;
        }
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                report.fail(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        report.value(name, "statistic", r.statistic, num(&expected["statistic"]));
        report.p_value(name, r.p_value, num(&expected["pvalue"]));
        if let Some(z) = expected.get("zstatistic") {
            match r.z {
                Some(actual) => report.value(name, "z", actual, num(z)),
                None => report.fail(format!("{name}: no z, scipy {z}")),
            }
        }
        if let Some(matches) = expected.get("auto_matches").and_then(Value::as_array) {
            let used = serde_json::to_value(r.method).unwrap();
            report.checked += 1;
            if !matches.contains(&used) {
                report.fail(format!(
                    "{name}: auto chose {used}, scipy's auto matches {matches:?}"
                ));
            }
        }
    }
    report.finish("wilcoxon", 2500);
}

#[test]
fn t_tests_match_scipy() {
    let mut report = Report::default();
    for case in cases("ttest") {
        let name = case["name"].as_str().unwrap();
        let alt = alternative(&case["alternative"]);
        let x = data(&case["x"]);
        let result = match case["kind"].as_str().unwrap() {
            "one_sample" => one_sample_t_test(x, num(&case["popmean"]), alt),
            "paired" => paired_t_test(x, data(&case["y"]), alt),
            "student" => student_t_test(x, data(&case["y"]), alt),
            "welch" => welch_t_test(x, data(&case["y"]), alt),
            other => panic!("{other}"),
        };
        let expected = &case["expected"];
        if report.error(name, expected, &result) {
            continue;
        }
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                report.fail(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        report.value(name, "statistic", r.statistic, num(&expected["statistic"]));
        report.p_value(name, r.p_value, num(&expected["pvalue"]));
        report.value(name, "df", r.df, num(&expected["df"]));
        for ci in expected["confidence_intervals"].as_array().unwrap() {
            let c = num(&ci[0]);
            let what = format!("{c} interval");
            match r.confidence_interval(c) {
                Ok(got) => {
                    report.value(name, &format!("{what} low"), got.low, num(&ci[1]));
                    report.value(name, &format!("{what} high"), got.high, num(&ci[2]));
                }
                Err(e) => report.fail(format!("{name}: {what}: {e}")),
            }
        }
    }
    report.finish("ttest", 900);
}

#[test]
fn mean_intervals_match_scipy() {
    let mut report = Report::default();
    for case in cases("t_interval") {
        let name = case["name"].as_str().unwrap();
        let result = mean_confidence_interval(data(&case["x"]), num(&case["confidence"]));
        let expected = &case["expected"];
        if report.error(name, expected, &result) {
            continue;
        }
        match result {
            Ok(ci) => {
                report.value(name, "low", ci.low, num(&expected["low"]));
                report.value(name, "high", ci.high, num(&expected["high"]));
            }
            Err(e) => report.fail(format!("{name}: unexpected error {e}")),
        }
    }
    report.finish("t_interval", 70);
}

#[test]
fn exact_permutation_tests_match_scipy() {
    let mut report = Report::default();
    for case in cases("permutation") {
        let name = case["name"].as_str().unwrap();
        let options =
            PermutationOptions::new(0).with_alternative(alternative(&case["alternative"]));
        let result = paired_permutation_test(data(&case["x"]), data(&case["y"]), &options);
        if report.error(name, &case["expected"], &result) {
            continue;
        }
        match result {
            Ok(r) => {
                report.checked += 1;
                if !r.exact {
                    report.fail(format!("{name}: not exact"));
                }
                report.value(
                    name,
                    "statistic",
                    r.statistic,
                    num(&case["expected"]["statistic"]),
                );
                report.p_value(name, r.p_value, num(&case["expected"]["pvalue"]));
            }
            Err(e) => report.fail(format!("{name}: unexpected error {e}")),
        }
    }
    report.finish("permutation", 39);
}

#[test]
fn corrections_match_statsmodels_and_scipy() {
    let mut report = Report::default();
    for case in cases("corrections") {
        let name = case["name"].as_str().unwrap();
        let p: Vec<f64> = case["p"].as_array().unwrap().iter().map(num).collect();
        let holm_adj = holm(&p).unwrap();
        let bh_adj = benjamini_hochberg(&p).unwrap();
        for (key, got) in [("holm", &holm_adj), ("bh", &bh_adj), ("bh_scipy", &bh_adj)] {
            let want: Vec<f64> = case[key].as_array().unwrap().iter().map(num).collect();
            assert_eq!(got.len(), want.len());
            for (i, (&a, &e)) in got.iter().zip(&want).enumerate() {
                report.p_value(&format!("{name}[{i}]"), a, e);
            }
        }
    }
    report.finish("corrections", 700);
}

fn median(s: &[f64]) -> f64 {
    let mut v = s.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (v[(n - 1) / 2] + v[n / 2]) / 2.0
}

fn mean(s: &[f64]) -> f64 {
    s.iter().sum::<f64>() / s.len() as f64
}

#[test]
fn bootstrap_intervals_match_scipy_on_a_fixed_distribution() {
    let mut report = Report::default();
    for case in cases("bootstrap_interval") {
        let name = case["name"].as_str().unwrap();
        let method = match case["method"].as_str().unwrap() {
            "percentile" => BootstrapMethod::Percentile,
            "bca" => BootstrapMethod::Bca,
            other => panic!("{other}"),
        };
        let options = BootstrapOptions::new(0)
            .with_method(method)
            .with_confidence(num(&case["confidence"]))
            .with_alternative(alternative(&case["alternative"]));
        let statistic: fn(&[f64]) -> f64 = match case["statistic"].as_str().unwrap() {
            "mean" => mean,
            "median" => median,
            other => panic!("{other}"),
        };
        let result = bootstrap_interval(
            data(&case["data"]),
            statistic,
            data(&case["distribution"]),
            &options,
        );
        match result {
            Ok(ci) => {
                report.value(name, "low", ci.low, num(&case["expected"]["low"]));
                report.value(name, "high", ci.high, num(&case["expected"]["high"]));
            }
            Err(e) => report.fail(format!("{name}: unexpected error {e}")),
        }
    }
    report.finish("bootstrap_interval", 140);
}

#[test]
fn effect_sizes_match_reference_formulas() {
    let mut report = Report::default();
    for case in cases("effect_size") {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (data(&case["x"]), data(&case["y"]));
        let result = match case["kind"].as_str().unwrap() {
            "cohens_d" => cohens_d(x, y),
            "cohens_dz" => cohens_dz(x, y),
            "rank_biserial_independent" => rank_biserial_independent(x, y),
            "rank_biserial_paired" => {
                let zm = match case["zero_method"].as_str().unwrap() {
                    "wilcox" => ZeroMethod::Wilcox,
                    "pratt" => ZeroMethod::Pratt,
                    "zsplit" => ZeroMethod::Zsplit,
                    other => panic!("{other}"),
                };
                rank_biserial_paired(x, y, zm)
            }
            other => panic!("{other}"),
        };
        match result {
            Ok(v) => report.value(name, "effect size", v, num(&case["expected"])),
            Err(e) => report.fail(format!("{name}: unexpected error {e}")),
        }
    }
    report.finish("effect_size", 24);
}
