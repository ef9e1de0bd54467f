use artist2vec_stats::*;

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<StatsError>();
    assert_send_sync::<Alternative>();
    assert_send_sync::<ConfidenceInterval>();
    assert_send_sync::<MannWhitneyOptions>();
    assert_send_sync::<MannWhitneyResult>();
    assert_send_sync::<WilcoxonOptions>();
    assert_send_sync::<WilcoxonResult>();
    assert_send_sync::<TTestResult>();
    assert_send_sync::<BootstrapOptions>();
    assert_send_sync::<BootstrapResult>();
    assert_send_sync::<PermutationOptions>();
    assert_send_sync::<PermutationResult>();
}

#[test]
fn results_serialize_to_json() {
    let r = mann_whitney_u(&[1.0, 2.0, 3.5], &[0.5, 4.0], &MannWhitneyOptions::new()).unwrap();
    let v = serde_json::to_value(r).unwrap();
    assert_eq!(v["method"], "exact");
    assert_eq!(v["alternative"], "two-sided");
    assert_eq!(v["statistic"], 3.0);
    let w = wilcoxon_one_sample(&[1.0, -2.0, 3.0], &WilcoxonOptions::new()).unwrap();
    let v = serde_json::to_value(w).unwrap();
    assert_eq!(v["zero_method"], "wilcox");
    assert_eq!(v["r_plus"], 4.0);
    let opts: WilcoxonOptions = serde_json::from_str(
        r#"{"alternative":"less","zero_method":"zsplit","correction":true,"method":"asymptotic"}"#,
    )
    .unwrap();
    assert_eq!(
        opts,
        WilcoxonOptions::new()
            .with_alternative(Alternative::Less)
            .with_zero_method(ZeroMethod::Zsplit)
            .with_correction(true)
            .with_method(WilcoxonMethod::Asymptotic)
    );
}

#[test]
fn errors_display_what_went_wrong() {
    let e = wilcoxon(&[1.0, 2.0], &[1.0], &WilcoxonOptions::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "paired samples differ in length: `x` has 2 observations, `y` has 1"
    );
    let e = paired_t_test(&[1.0], &[2.0], Alternative::TwoSided).unwrap_err();
    assert!(e.to_string().contains("at least 2"), "{e}");
}
