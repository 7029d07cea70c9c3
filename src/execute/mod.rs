//! One run from end to end, the same for `run`, `demo` and (later) the
//! daemon: record the run, start the browser, run the robot with the run log
//! and console listening, take the browser down, and settle the record even
//! when the run is interrupted. `progress` is what a person at a terminal
//! sees meanwhile.

pub(crate) mod progress;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::Semaphore;

use crate::browser::BrowserError;
use crate::browser::webdriver::{SessionOptions, StartError, WebDriverBrowser};
use crate::execute::progress::ConsoleSink;
use crate::notify::policy::MailPolicy;
use crate::notify::smtp::Mailer;
use crate::privacy::case_link::CaseLinks;
use crate::privacy::secrets::Redactor;
use crate::robot::model::Robot;
use crate::runner::event::{Fanout, Locked, RunEvent, RunStatus, SharedSink};
use crate::runner::run::{KeyHash, RunContext, RunSummary, Runner, Selection};
pub(crate) use crate::runner::stop::StopReason;
use crate::runner::stop::{TEARDOWN_LIMIT, stop_channel};
use crate::runner::totals::Totals;
use crate::runner::{BrowserPool, Crew, PoolFuture, Seated};
use crate::settings::{Settings, load_secrets};
use crate::store::{Store, StoreError, StoreSink, Trigger};
use crate::upkeep::delivery::deliver_due;

/// How long past `TEARDOWN_LIMIT` a stopped run is waited for before it is
/// dropped and recorded from here.
pub(crate) const STOP_MARGIN: Duration = Duration::from_secs(2);

/// What a run is started with besides the robot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub trigger: Trigger,
    /// The environment `${env.X}` and secrets are read from.
    pub env: HashMap<String, String>,
    pub overrides: Vec<(String, String)>,
    pub headed: bool,
    /// No console progress lines.
    pub quiet: bool,
    /// Which cases to take (`run --input`, `--only`, `--max-items`).
    pub selection: Selection,
    /// Workers sharing the cases (`run --workers`); the robot's `items.workers` otherwise.
    pub workers: Option<usize>,
    /// The daemon's bound on browsers at once (`--max-browsers`), which the
    /// run's further workers wait for; the first worker's seat is taken by the caller.
    pub seats: Option<Arc<Semaphore>>,
}

/// How a run ended, for the command that started it.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub run_id: i64,
    pub summary: RunSummary,
    /// The run could not start because the machine lacks something (browser, secret).
    pub environment_error: bool,
}

#[derive(Debug, Error)]
pub(crate) enum ExecuteError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs `robot` once; `stop` resolving (Ctrl-C, SIGTERM) interrupts it.
pub(crate) async fn execute(
    store: &mut Store,
    settings: &Settings,
    robot: &Robot,
    request: Request,
    stop: impl Future<Output = ()>,
) -> Result<Outcome, ExecuteError> {
    let run_id =
        store.create_run(&robot.name, &robot.path.display().to_string(), request.trigger, robot.manual_minutes)?;
    let stop = async {
        stop.await;
        StopReason::Signal
    };
    execute_recorded(store, settings, robot, run_id, request, stop, None).await
}

/// The state folder's key for the run's mail links and purged cases; or,
/// when going on without it could enter a purged case again, the run
/// recorded as failed for want of it.
fn links_or_refusal(
    store: &mut Store,
    settings: &Settings,
    robot: &Robot,
    run_id: i64,
) -> Result<Result<Option<CaseLinks>, Outcome>, ExecuteError> {
    match crate::upkeep::run_log::console_key(&settings.state_dir, store) {
        Ok(links) => Ok(Ok(Some(links))),
        Err(e) if !e.risks_duplicates() => {
            tracing::warn!("mail goes without links to the console: {e}");
            Ok(Ok(None))
        }
        Err(e) => {
            let policy = MailPolicy::for_robot(robot, MailPolicy::ops_from_env());
            store.finish_as_with_mail(run_id, RunStatus::Failed, &e.to_string(), &policy)?;
            Ok(Err(Outcome { run_id, summary: failed_summary(e.to_string()), environment_error: true }))
        }
    }
}

/// Runs `robot` as the already recorded run `run_id`. `stop` resolving stops
/// it at once; `graceful` set makes it stop after the current case.
pub(crate) async fn execute_recorded(
    store: &mut Store,
    settings: &Settings,
    robot: &Robot,
    run_id: i64,
    request: Request,
    stop: impl Future<Output = StopReason>,
    graceful: Option<Arc<AtomicBool>>,
) -> Result<Outcome, ExecuteError> {
    let links = match links_or_refusal(store, settings, robot, run_id)? {
        Ok(links) => links,
        Err(refused) => return Ok(refused),
    };
    let key_hash = links.clone().map(|links| {
        let robot = robot.name.clone();
        KeyHash(std::sync::Arc::new(move |key: &str| links.key_hash(&robot, key)))
    });
    let policy = MailPolicy::for_robot(robot, MailPolicy::ops_from_env()).with_links(links.clone());
    let failed = |store: &mut Store, message: String| -> Result<Outcome, ExecuteError> {
        store.finish_as_with_mail(run_id, RunStatus::Failed, &message, &policy)?;
        Ok(Outcome { run_id, summary: failed_summary(message), environment_error: true })
    };
    if let Some(other) = store.running_run(&robot.name)?.filter(|other| *other != run_id) {
        let message = format!("`{}` is already running as run {other}", robot.name);
        store.finish_as(run_id, RunStatus::Skipped, &message)?;
        let summary = RunSummary { status: RunStatus::Skipped, ..failed_summary(message) };
        return Ok(Outcome { run_id, summary, environment_error: false });
    }
    let secrets = match load_secrets(&robot.secrets, &request.env, settings.secrets_dir.as_deref()) {
        Ok(secrets) => secrets,
        Err(e) => return failed(store, e.to_string()),
    };
    let options = SessionOptions {
        headless: robot.browser.headless && !request.headed,
        window_size: robot.browser.window_size,
        page_load_timeout: robot.timeouts.page_load,
        webdriver_url: settings.webdriver_url.clone(),
    };
    tokio::pin!(stop);
    // A stop while the browser starts ends the run at once.
    let started = tokio::select! {
        started = WebDriverBrowser::start(&options) => started,
        reason = &mut stop => {
            store.finish_as_with_mail(run_id, reason.status(), &reason.message(), &policy)?;
            let summary = RunSummary { status: reason.status(), ..failed_summary(reason.message()) };
            return Ok(Outcome { run_id, summary, environment_error: false });
        }
    };
    let mut browser = match started {
        Ok(browser) => browser,
        Err(e @ StartError::Driver(_)) => return failed(store, e.to_string()),
        Err(e) => {
            let redactor = Redactor::new(secrets.values().map(|s| s.expose().to_string()));
            return failed(store, redactor.redact(&e.to_string()));
        }
    };
    let ledger = match store.ledger(&robot.name) {
        Ok(ledger) => ledger,
        Err(e) => return failed(store, e.to_string()),
    };
    let cursor = match store.cursor(&robot.name) {
        Ok(cursor) => cursor,
        Err(e) => return failed(store, e.to_string()),
    };
    let (stop_runner, stop_rx) = stop_channel();
    let context = RunContext {
        run_id,
        evidence_dir: settings.evidence_dir(run_id),
        env: request.env,
        secrets,
        overrides: request.overrides,
        ledger,
        graceful,
        stop: Some(stop_rx),
        cursor,
        key_hash,
        selection: request.selection,
    };
    let started_at = Instant::now();
    let mut console = ConsoleSink::new(&robot.name, request.quiet);
    let mut store_sink = StoreSink::new(store, run_id, &robot.name).with_mail(policy);
    let mut fanout = Fanout(vec![&mut store_sink, &mut console]);
    let workers = request.workers.unwrap_or(robot.items.as_ref().map_or(1, |i| i.workers));
    let pool = Pool { options: options.clone(), seats: request.seats.clone() };
    let sink = Locked::new(&mut fanout);
    let finished = {
        let crew = Crew { workers, pool: &pool };
        let run = Runner::new(robot, &mut browser, context, &sink).with_crew(crew).run();
        tokio::pin!(run);
        tokio::select! {
            summary = &mut run => Ok(summary),
            reason = &mut stop => {
                // The runner abandons its step and runs teardown; one that
                // does not end in time is dropped here.
                let _ = stop_runner.send(Some(reason));
                tokio::time::timeout(TEARDOWN_LIMIT + STOP_MARGIN, &mut run).await.map_err(|_| reason)
            }
        }
    };
    let summary = match finished {
        Ok(summary) => summary,
        Err(reason) => {
            let error = format!("{}; teardown did not end in time", reason.message());
            let status = reason.status();
            sink.emit(&RunEvent::RunFinished { status, error: Some(error.clone()), duration: started_at.elapsed() });
            RunSummary { status, ..failed_summary(error) }
        }
    };
    drop(fanout);
    browser.close().await;
    // A robot started by cron reminds its officers as the daemon would.
    match crate::upkeep::reminders::queue_due(store, [robot], links.as_ref(), chrono::Utc::now()) {
        Ok(0) => {}
        Ok(n) => tracing::info!("{n} reminder(s) of open exceptions queued"),
        Err(e) => tracing::error!("failed to queue reminders: {e}"),
    }
    Ok(Outcome { run_id, summary, environment_error: false })
}

/// Browsers for a run's further workers: each waits for a seat under the
/// daemon's bound, then starts a session as the first worker's was started
/// (its own chromedriver here, or a new session on a remote WebDriver).
struct Pool {
    options: SessionOptions,
    seats: Option<Arc<Semaphore>>,
}

impl BrowserPool<WebDriverBrowser> for Pool {
    fn start(&self) -> PoolFuture<'_, Result<Seated<WebDriverBrowser>, BrowserError>> {
        Box::pin(async move {
            let seat = match &self.seats {
                Some(seats) => Some(
                    seats
                        .clone()
                        .acquire_owned()
                        .await
                        .map_err(|_| BrowserError::NotStarted("the daemon is stopping".into()))?,
                ),
                None => None,
            };
            let browser =
                WebDriverBrowser::start(&self.options).await.map_err(|e| BrowserError::NotStarted(e.to_string()))?;
            Ok(Seated { browser, seat })
        })
    }

    fn close(&self, browser: WebDriverBrowser) -> PoolFuture<'_, ()> {
        Box::pin(browser.close())
    }
}

fn failed_summary(message: String) -> RunSummary {
    RunSummary { status: RunStatus::Failed, error: Some(message), totals: Totals::default() }
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives while
/// the browser is still starting is not lost (nor kills the process outright).
pub(crate) fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// How long a one-off command waits for its mail to go out.
pub(crate) const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Sends what waits in the outbox now, for commands that run once; what
/// cannot go stays for the daemon or the next command. Returns a line for people.
pub(crate) async fn deliver_now(store: &mut Store, settings: &Settings) -> Option<String> {
    let mailer = match Mailer::from_env(&settings.state_dir) {
        Ok(mailer) => mailer,
        Err(e) => return Some(format!("mail: {e}")),
    };
    match tokio::time::timeout(DELIVERY_TIMEOUT, deliver_due(store, &mailer)).await {
        Ok(Ok(d)) if d.sent + d.failed == 0 => None,
        Ok(Ok(d)) if d.failed == 0 => Some(format!("mail: {} sent to the {}", d.sent, mailer.destination)),
        Ok(Ok(d)) => Some(format!(
            "mail: {} sent, {} waiting in the outbox (the {} did not take it; it is tried again later)",
            d.sent, d.failed, mailer.destination
        )),
        Ok(Err(e)) => Some(format!("mail: {e}")),
        Err(_) => Some(format!("mail: the {} did not answer in time; mail waits in the outbox", mailer.destination)),
    }
}
