//! Progress bars for long steps (indicatif), silenced by `--quiet`.

use std::time::{Duration, Instant};

use artist2vec::core::{Observer, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Output settings shared by all commands.
#[derive(Clone, Copy)]
pub struct Ui {
    /// No progress bars and no chatter (results are still printed).
    pub quiet: bool,
}

impl Ui {
    /// Runs `f` under a spinner that shows `what` and the elapsed time; prints a line with the
    /// time taken when done (unless quiet).
    pub fn step<T>(
        &self,
        what: &str,
        f: impl FnOnce(&StepObserver) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let bar = if self.quiet {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{elapsed_precise}] {wide_bar} {pos}/{len}",
                )
                .expect("valid template"),
            );
            b.set_message(what.to_owned());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        };
        let obs = StepObserver { bar: bar.clone() };
        let t = Instant::now();
        let out = f(&obs);
        bar.finish_and_clear();
        if !self.quiet && out.is_ok() {
            eprintln!("{what}: {:.2} s", t.elapsed().as_secs_f64());
        }
        out
    }

    /// Prints a line to stderr unless quiet.
    pub fn say(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }
}

/// Turns library progress reports into updates of the current bar.
pub struct StepObserver {
    bar: ProgressBar,
}

impl Observer for StepObserver {
    fn progress(&self, r: &Progress<'_>) {
        if let Some(t) = r.total {
            self.bar.set_length(t);
        }
        self.bar.set_position(r.done);
        match r.value {
            Some((name, v)) => self.bar.set_message(format!("{} {name}={v:.4}", r.stage)),
            None => self.bar.set_message(r.stage.to_owned()),
        }
    }
}
