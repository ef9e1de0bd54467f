//! Training: the loss, reproducibility, and the structure the vectors learn.

use artist2vec_core::{CoreError, Fit, Observer, Progress, Query, Recommender, SimilarArtists};
use artist2vec_skipgram::{Order, Sigmoid, SkipGramConfig, SkipGramError, SkipGramModel, Window};

use crate::synth::{Planted, world};

fn config() -> SkipGramConfig {
    SkipGramConfig::new(32)
        .with_window(Window::Fixed(5))
        .with_min_count(1)
        .with_epochs(5)
        .with_seed(3)
}

/// Mean fraction of each artist's 10 nearest neighbours (cosine of input vectors) that share
/// its planted genre.
fn genre_precision(model: &SkipGramModel, w: &Planted) -> f64 {
    let n = (w.genres * w.per_genre) as u32;
    let mut sum = 0.0;
    for a in 0..n {
        let nb = model.similar(a, 10).unwrap();
        assert_eq!(nb.len(), 10);
        sum += nb.iter().filter(|x| w.genre(x.item) == w.genre(a)).count() as f64 / 10.0;
    }
    sum / n as f64
}

#[test]
fn loss_is_finite_and_decreases_over_epochs() {
    let w = world();
    let model = config()
        .with_epochs(8)
        .with_threads(1)
        .fit(&w.sessions())
        .unwrap();
    let loss = &model.stats().epoch_loss;
    assert_eq!(loss.len(), 8);
    assert!(loss.iter().all(|l| l.is_finite() && *l > 0.0), "{loss:?}");
    // At initialisation every logit is ~0, so each pair costs (1 + negative) · ln 2 ≈ 4.16;
    // the first epoch already learns, the second is far lower, and after that the loss stays
    // at its floor: stochastic gradient descent wobbles there by well under 1 %, while the
    // first notebook's sign error made it grow without bound.
    assert!(loss[0] < 6.0 * std::f64::consts::LN_2, "{loss:?}");
    assert!(loss[1] < 0.8 * loss[0], "{loss:?}");
    for pair in loss.windows(2) {
        assert!(pair[1] < pair[0] * 1.01, "loss went up: {loss:?}");
    }
    assert!(loss[7] < loss[1], "{loss:?}");
}

#[test]
fn exact_sigmoid_also_learns() {
    let w = world();
    let model = config()
        .with_sigmoid(Sigmoid::Exact)
        .with_threads(1)
        .fit(&w.sessions())
        .unwrap();
    let loss = &model.stats().epoch_loss;
    assert!(loss.last() < loss.first(), "{loss:?}");
    assert!(genre_precision(&model, &w) > 0.8);
}

#[test]
fn one_thread_is_bit_reproducible_and_seed_matters() {
    let sessions = world().sessions();
    let shared = config().with_threads(1).with_shared_negatives(true);
    let (x, y) = (
        shared.fit(&sessions).unwrap(),
        shared.fit(&sessions).unwrap(),
    );
    assert_eq!(x.input_vectors().as_slice(), y.input_vectors().as_slice());
    let cfg = config().with_threads(1).with_sample(1e-3);
    let a = cfg.fit(&sessions).unwrap();
    let b = cfg.fit(&sessions).unwrap();
    assert_eq!(a.input_vectors().as_slice(), b.input_vectors().as_slice());
    assert_eq!(a.output_vectors(), b.output_vectors());
    assert_eq!(a.stats().epoch_loss, b.stats().epoch_loss);
    let c = cfg.with_seed(4).fit(&sessions).unwrap();
    assert_ne!(a.input_vectors().as_slice(), c.input_vectors().as_slice());
}

/// On planted genres, an artist's nearest neighbours are mostly from its genre.
///
/// Threshold: by chance 24 of the 199 other artists (12 %) share a genre. A working model
/// measured 0.97–1.00 here for every seed and thread count tried; a model with the first
/// notebook's sign error (pushing co-occurring artists apart) lands at or below chance. 0.8
/// leaves room for seed noise and Hogwild timing while staying 6.5× above chance.
#[test]
fn neighbours_are_mostly_from_the_planted_genre() {
    let w = world();
    let sessions = w.sessions();
    for (threads, shared) in [(1, false), (2, false), (1, true), (2, true)] {
        let model = config()
            .with_threads(threads)
            .with_shared_negatives(shared)
            .fit(&sessions)
            .unwrap();
        let p = genre_precision(&model, &w);
        assert!(
            p > 0.8,
            "{threads} threads, shared negatives {shared}: genre precision {p}"
        );
        let l = &model.stats().epoch_loss;
        assert!(l.last() < l.first(), "{l:?}");
    }
    // The same holds when each user's artists are one bag (Fit<Interactions>).
    let model = config()
        .with_window(Window::Whole)
        .with_epochs(20)
        .with_threads(2)
        .fit(&w.interactions())
        .unwrap();
    let p = genre_precision(&model, &w);
    // Users listen to their favourite genre 80 % of the time, so bags are noisier than
    // sessions: chance is still 12 %.
    assert!(p > 0.6, "bags: genre precision {p}");
}

#[test]
fn every_order_and_window_trains() {
    let w = Planted {
        sessions: 600,
        ..world()
    };
    let sessions = w.sessions();
    for order in [
        Order::Auto,
        Order::Given,
        Order::ShuffledOnce,
        Order::ShuffledEachEpoch,
    ] {
        for (window, shrink) in [
            (Window::Fixed(2), true),
            (Window::Whole, false),
            (Window::Whole, true),
        ] {
            let m = config()
                .with_order(order)
                .with_window(window)
                .with_shrink_window(shrink)
                .with_threads(1)
                .fit(&sessions)
                .unwrap();
            let l = &m.stats().epoch_loss;
            assert!(l.last() < l.first(), "{order:?} {window:?} {shrink}: {l:?}");
        }
    }
}

#[test]
fn whole_window_without_shrinking_sees_every_pair() {
    // Every ordered pair of positions of every sentence, every epoch.
    let w = Planted {
        sessions: 4,
        noise: 0.0,
        ..world()
    };
    let s = w.sessions();
    let expected: u64 = s
        .iter()
        .map(|r| (r.len() * (r.len() - 1)) as u64)
        .sum::<u64>()
        * 3;
    for shared in [false, true] {
        let m = config()
            .with_window(Window::Whole)
            .with_shrink_window(false)
            .with_sample(0.0)
            .with_epochs(3)
            .with_threads(1)
            .with_shared_negatives(shared)
            .fit(&s)
            .unwrap();
        assert_eq!(m.stats().pairs, expected);
        assert_eq!(m.stats().effective_words, 3 * s.n_plays() as u64);
    }
}

#[test]
fn min_count_and_subsampling_reduce_the_work() {
    let sessions = world().sessions();
    let all = config()
        .with_threads(1)
        .with_sample(0.0)
        .fit(&sessions)
        .unwrap();
    let sub = config()
        .with_threads(1)
        .with_sample(1e-3)
        .fit(&sessions)
        .unwrap();
    assert!(sub.stats().effective_words < all.stats().effective_words);
    let counts = all.counts();
    let cut = 300;
    let rare = counts.iter().filter(|&&c| c < cut).count();
    let m = config()
        .with_threads(1)
        .with_min_count(cut)
        .fit(&sessions)
        .unwrap();
    assert_eq!(m.stats().vocab_size, counts.len() - rare);
    assert!(rare > 0);
    for (i, &c) in counts.iter().enumerate() {
        assert_eq!(m.is_trained(i as u32), c >= cut);
        if c < cut {
            assert!(
                m.input_vectors()
                    .row(i as u32)
                    .unwrap()
                    .iter()
                    .all(|&v| v == 0.0)
            );
        }
    }
}

#[test]
fn bad_configuration_fails_before_any_work() {
    let sessions = world().sessions();
    let t = std::time::Instant::now();
    let err = config().with_alpha(-1.0).fit(&sessions).unwrap_err();
    assert!(
        matches!(err, SkipGramError::Config { field: "alpha", .. }),
        "{err}"
    );
    assert!(t.elapsed().as_millis() < 50);
    let err = config()
        .with_min_count(1_000_000)
        .fit(&sessions)
        .unwrap_err();
    assert!(matches!(err, SkipGramError::EmptyCorpus(_)), "{err}");
}

#[test]
fn divergence_is_reported() {
    let sessions = world().sessions();
    let err = config()
        .with_alpha(10.0)
        .with_min_alpha(10.0)
        .with_sigmoid(Sigmoid::Exact)
        .with_threads(1)
        .fit(&sessions);
    // An absurd learning rate either still gives finite numbers or is reported, never NaN
    // vectors in a model.
    match err {
        Ok(m) => assert!(m.input_vectors().as_slice().iter().all(|v| v.is_finite())),
        Err(e) => assert!(
            matches!(e, SkipGramError::Diverged { .. } | SkipGramError::Core(_)),
            "{e}"
        ),
    }
}

/// The largest learning rate the configuration accepts, held constant, with sigmoids that
/// never stop the gradient (exact, or the table saturating outside [-6, 6]), blows the vectors
/// up within the first epoch: the trainer must stop there with the typed error naming epoch 0
/// (0-based), not train on, and not only notice non-finite vectors after the last epoch (which
/// would name epoch 5), nor return a model.
#[test]
fn a_huge_learning_rate_stops_in_the_first_epoch_with_a_typed_error() {
    let sessions = world().sessions();
    for sigmoid in [Sigmoid::Exact, Sigmoid::TableClipped] {
        for threads in [1, 3] {
            let result = config()
                .with_dim(64)
                .with_negative(10)
                .with_alpha(10.0)
                .with_min_alpha(10.0)
                .with_sigmoid(sigmoid)
                .with_threads(threads)
                .with_epochs(6)
                .fit(&sessions);
            match result {
                Err(SkipGramError::Diverged { epoch, loss }) => {
                    assert_eq!(epoch, 0, "{sigmoid:?}, {threads} threads: loss {loss}");
                    assert!(!loss.is_finite(), "{sigmoid:?}: loss {loss}");
                    let text = SkipGramError::Diverged { epoch, loss }.to_string();
                    assert!(text.contains("diverged in epoch 0"), "{text}");
                }
                Err(e) => panic!("{sigmoid:?}, {threads} threads: expected Diverged, got {e}"),
                Ok(m) => panic!(
                    "{sigmoid:?}, {threads} threads: expected Diverged, got a model with losses {:?}",
                    m.stats().epoch_loss
                ),
            }
        }
    }
}

#[test]
fn observer_sees_epochs_with_loss() {
    struct Log(std::sync::Mutex<Vec<(String, u64, Option<f64>)>>);
    impl Observer for Log {
        fn progress(&self, r: &Progress<'_>) {
            self.0
                .lock()
                .unwrap()
                .push((r.stage.to_owned(), r.done, r.value.map(|v| v.1)));
        }
    }
    let log = Log(Default::default());
    let m = config()
        .with_epochs(3)
        .with_threads(2)
        .fit_observed(&world().sessions(), &log)
        .unwrap();
    let epochs: Vec<_> = log
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.0 == "skipgram epoch")
        .cloned()
        .collect();
    assert_eq!(epochs.len(), 3);
    assert_eq!(
        epochs.iter().map(|e| e.1).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    for (e, l) in epochs.iter().zip(&m.stats().epoch_loss) {
        assert_eq!(e.2, Some(*l));
    }
    assert!(m.stats().words_per_second > 0.0);
    assert_eq!(m.stats().threads, 2);
}

#[test]
fn history_queries_refuse_negative_and_non_finite_weights() {
    let sessions = world().sessions();
    let m = config()
        .with_epochs(1)
        .with_threads(1)
        .fit(&sessions)
        .unwrap();
    for w in [-1.0f32, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let q = Query::History(&[(0, 1.0), (1, w)]);
        let e = m.recommend(&q, 3, true).unwrap_err();
        assert!(matches!(e, CoreError::Invalid(_)), "{w}: {e}");
        assert!(e.to_string().contains("history weight"), "{w}: {e}");
    }
    assert!(
        m.recommend(&Query::History(&[(0, 1.0), (1, 0.0)]), 3, true)
            .is_ok()
    );
}

/// `dim` is at most 65536 and a vocabulary can be large; their product is checked before the
/// trainer allocates its two tables: 65536 dimensions for 33,000 artists (17.3 GB) are refused
/// naming the value and the limit, at once.
#[test]
fn tables_over_the_byte_limit_are_refused_before_allocation() {
    use artist2vec_core::{Interactions, Vocabulary};
    let artists = Vocabulary::from_ids((0..33_000).map(|i| format!("a{i}"))).unwrap();
    let users = Vocabulary::from_ids(["u0", "u1"]).unwrap();
    let mut data = Interactions::new(users, artists, false);
    for a in 0..33_000 {
        data.push(a % 2, a, 1.0, None);
    }
    let t = std::time::Instant::now();
    let err = SkipGramConfig::new(65_536)
        .with_min_count(1)
        .fit(&data)
        .unwrap_err();
    match &err {
        SkipGramError::OverLimit {
            field,
            value,
            limit,
        } => {
            assert_eq!((*field, value.as_str()), ("dim", "65536"));
            assert!(
                limit.contains("33000 artists") && limit.contains("17301504000 bytes"),
                "{limit}"
            );
            assert!(limit.contains("17179869184"), "{limit}");
        }
        other => panic!("expected OverLimit, got {other}"),
    }
    assert!(
        err.to_string().starts_with("`dim` = 65536 is too large"),
        "{err}"
    );
    assert!(t.elapsed().as_secs() < 5, "refused before any work");
    // The same vocabulary with a sensible dimension trains.
    assert!(
        SkipGramConfig::new(2)
            .with_min_count(1)
            .with_epochs(1)
            .fit(&data)
            .is_ok()
    );
}
