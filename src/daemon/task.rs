//! One scheduled or console run as the daemon's task: it waits for a seat
//! under `--max-browsers` (a stop while it waits wins: the run never
//! starts), then runs end to end with the run's limit and stop signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

use crate::execute::{Request, StopReason, execute_recorded};
use crate::robot::model::Robot;
use crate::runner::event::RunStatus;
use crate::settings::Settings;
use crate::store::Trigger;

/// Runs `robot` as run `run_id`, already recorded, until it ends or is stopped.
#[expect(clippy::too_many_arguments, reason = "a run task owns each of these; bundling them would only move the list")]
pub(super) async fn run_task(
    settings: Settings,
    robot: Robot,
    run_id: i64,
    trigger: Trigger,
    max_runtime: Option<Duration>,
    stop: oneshot::Receiver<StopReason>,
    browsers: Arc<Semaphore>,
    graceful: Arc<AtomicBool>,
) {
    let mut stop = stop;
    let permit = tokio::select! {
        permit = browsers.clone().acquire_owned() => permit.ok(),
        _ = &mut stop => None,
    };
    let mut store = match crate::upkeep::run_log::open(&settings) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!("run {run_id}: failed to open the run log: {e}");
            return;
        }
    };
    // A stop that came while the run waited for a browser wins: it never starts.
    if permit.is_none() || graceful.load(Ordering::SeqCst) {
        let message = "not started: nightshift was stopped while the run waited for a free browser";
        if let Err(e) = store.finish_as(run_id, RunStatus::Interrupted, message) {
            tracing::error!("run {run_id}: failed to record it: {e}");
        }
        return;
    }
    let _permit = permit;
    let stop = async move {
        let limit = async {
            match max_runtime {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            reason = stop => reason.unwrap_or(StopReason::Signal),
            () = limit => StopReason::TimedOut(max_runtime.unwrap_or_default()),
        }
    };
    // The run's first browser holds `_permit`; its further workers wait for seats of their own.
    let request = Request {
        trigger,
        env: crate::environment::get().vars().clone(),
        quiet: true,
        seats: Some(browsers),
        ..Request::default()
    };
    if let Err(e) = execute_recorded(&mut store, &settings, &robot, run_id, request, stop, Some(graceful)).await {
        tracing::error!("run {run_id}: {e}");
    }
}
