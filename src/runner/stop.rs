//! Stopping a run from outside: why (a signal, its time limit, a newer run),
//! and the channel the runner watches while it works.

use std::time::Duration;

use tokio::sync::watch;

use crate::human::fmt_duration;
use crate::runner::event::RunStatus;

/// How long `teardown` may take after a run was stopped; then it is cut short
/// too. The daemon waits a little longer than this before it gives up on a run.
pub(crate) const TEARDOWN_LIMIT: Duration = Duration::from_secs(10);

/// Why a run was stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM.
    Signal,
    /// It ran longer than its job's `max_runtime`.
    TimedOut(Duration),
    /// A newer run of the same job replaced it (`overlap: replace`).
    Replaced,
}

impl StopReason {
    pub fn status(self) -> RunStatus {
        match self {
            StopReason::TimedOut(_) => RunStatus::TimedOut,
            StopReason::Signal | StopReason::Replaced => RunStatus::Interrupted,
        }
    }

    pub fn message(self) -> String {
        match self {
            StopReason::Signal => "stopped by a signal before the run finished".into(),
            StopReason::TimedOut(limit) => {
                format!("stopped after running longer than its max_runtime of {}", fmt_duration(limit))
            }
            StopReason::Replaced => "stopped: replaced by a newer run of its job".into(),
        }
    }
}

/// Sends the stop to a run.
pub(crate) type StopSender = watch::Sender<Option<StopReason>>;
/// What a run watches for a stop.
pub(crate) type StopReceiver = watch::Receiver<Option<StopReason>>;

/// A channel to stop one run with.
pub(crate) fn stop_channel() -> (StopSender, StopReceiver) {
    watch::channel(None)
}

/// Resolves when a stop has been sent (at once if it already was); never
/// without a receiver, or once every sender is gone without sending.
pub(crate) async fn stopped(stop: Option<&mut StopReceiver>) -> StopReason {
    let Some(stop) = stop else { return std::future::pending().await };
    let reason = stop.wait_for(Option::is_some).await.ok().map(|r| (*r).unwrap_or(StopReason::Signal));
    match reason {
        Some(reason) => reason,
        None => std::future::pending().await,
    }
}
