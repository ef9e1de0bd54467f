/// One progress report of a long-running step (loading, preparing, training, evaluating).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What is being done, e.g. `"read sessions.idomaar"` or `"als epoch"`.
    pub stage: &'a str,
    /// Units done so far (lines, bytes, epochs, users …).
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// An optional named value, e.g. `("loss", 0.31)`.
    pub value: Option<(&'a str, f64)>,
}

/// Receives progress reports. Libraries never print; the CLI turns these into progress bars.
///
/// Implementations must be cheap: they may be called from several threads and often.
pub trait Observer: Send + Sync {
    /// Called with each progress report.
    fn progress(&self, report: &Progress<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Observer for NoProgress {
    fn progress(&self, _report: &Progress<'_>) {}
}

impl<F: Fn(&Progress<'_>) + Send + Sync> Observer for F {
    fn progress(&self, report: &Progress<'_>) {
        self(report)
    }
}
