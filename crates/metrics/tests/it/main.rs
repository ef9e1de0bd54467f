//! Integration tests of artist2vec-metrics (one binary, as the workspace style asks).

mod hetrec;
mod reference_cases;
mod topk;

/// Public types are usable across threads.
#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<artist2vec_metrics::Scores>();
    check::<artist2vec_metrics::EvalReport>();
    check::<artist2vec_metrics::EvalConfig>();
    check::<artist2vec_metrics::TopKLists>();
    check::<artist2vec_metrics::TopKConfig>();
    check::<artist2vec_metrics::SeenItems<'static>>();
    check::<artist2vec_metrics::MetricsError>();
    check::<artist2vec_metrics::NextItemPerSequence>();
}
