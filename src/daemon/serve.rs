//! The daemon's loop: sleep until the next slot (no polling), start each run
//! in its own task, and react to finished runs, changed files and signals.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};

use crate::daemon::lock::{LockError, StateLock};
use crate::daemon::policy::{Decision, decide, due, missed};
use crate::daemon::watch::Watcher;
use crate::execute::{StopReason, shutdown_signal};
use crate::mail::{Mail, MailKind};
use crate::notify::policy::MailPolicy;
use crate::notify::render::{Texts, render_alert};
use crate::notify::smtp::Mailer;
use crate::robot::{self, model::Robot};
use crate::runner::event::RunStatus;
use crate::schedule::job::{Fire, Job};
use crate::schedule::overdue::overdue;
use crate::schedule::{load_file, robot_names, yaml_files};
use crate::settings::Settings;
use crate::store::{AlertKind, ScheduledRun, Store, StoreError, Trigger};
use crate::upkeep::delivery::deliver_due;
use crate::web::{self, RunNow, RunNowAnswer, WebError};

/// Why a robot named by a schedule or the console cannot run.
#[derive(Debug, thiserror::Error)]
enum RobotProblem {
    #[error("there is no robot `{name}` in the robots folder `{folder}`")]
    NotInFolder { name: String, folder: String },
    #[error("robot `{name}` is invalid and has no earlier valid version: {problem}")]
    Invalid { name: String, problem: String },
}

/// The longest the daemon sleeps before it looks at the clock again, in case
/// the wall clock was set.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// How long runs get to stop after a hard stop at shutdown.
pub(crate) const STOP_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    /// Browser sessions at the same time, of all runs and their workers together.
    pub max_browsers: usize,
    /// At SIGTERM, how long running runs get to finish their current case.
    pub grace: Duration,
    /// Where the web console listens, if anywhere.
    pub http: Option<std::net::SocketAddr>,
}

#[derive(Debug, Error)]
pub(crate) enum ServeError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Web(#[from] WebError),
}

struct Active {
    run_id: i64,
    stop: Option<oneshot::Sender<StopReason>>,
}

struct Done {
    job: String,
    run_id: i64,
    panicked: Option<String>,
}

struct Daemon {
    settings: Settings,
    /// The console's links for reminders and alerts, made once from the
    /// state folder's key (None when it cannot be read: mail goes unlinked).
    links: Option<crate::privacy::case_link::CaseLinks>,
    options: ServeOptions,
    /// The last valid jobs of each schedule file.
    files: BTreeMap<PathBuf, Vec<Job>>,
    /// The last valid version of each robot.
    robots: HashMap<String, Robot>,
    /// Slots up to this time have been handled.
    cursor: DateTime<Utc>,
    started: DateTime<Utc>,
    active: HashMap<String, Active>,
    queued: HashMap<String, (Job, DateTime<Tz>, Trigger)>,
    browsers: Arc<Semaphore>,
    graceful: Arc<AtomicBool>,
    done: mpsc::UnboundedSender<Done>,
    /// Tells the mail sender that a run has finished (and may have queued mail).
    mail: Arc<Notify>,
    store: Store,
    /// When personal data was last purged.
    last_purge: Option<DateTime<Utc>>,
}

/// Runs the daemon until SIGTERM or Ctrl-C.
pub(crate) async fn serve(settings: Settings, options: ServeOptions) -> Result<(), ServeError> {
    let _lock = StateLock::acquire(&settings.state_dir)?;
    let store = crate::upkeep::run_log::open(&settings)?;
    let (done, mut done_rx) = mpsc::unbounded_channel();
    let now = Utc::now();
    let mut daemon = Daemon::new(settings, options, store, done, now);
    let mail_stop = Arc::new(AtomicBool::new(false));
    let sender = tokio::spawn(mail_sender(daemon.settings.clone(), daemon.mail.clone(), mail_stop.clone()));
    daemon.reload();
    let (run_now, mut run_now_rx) = mpsc::unbounded_channel::<RunNow>();
    let console_stop = Arc::new(Notify::new());
    let console = match daemon.options.http {
        Some(addr) => {
            let stopped = console_stop.clone();
            Some(web::serve(daemon.settings.clone(), addr, run_now, async move { stopped.notified().await }).await?)
        }
        None => None,
    };
    let mut watcher = watch_files(&daemon.settings);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    // `systemctl reload` (ExecReload=kill -HUP) reloads as a changed file does.
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    tracing::info!("serving {} job(s); state in `{}`", daemon.jobs().len(), daemon.settings.state_dir.display());
    daemon.catch_up(now);
    loop {
        let now = Utc::now();
        daemon.fire_due(now);
        daemon.check_alerts(now);
        daemon.remind(now);
        daemon.purge_daily(now);
        let wait = daemon.next_wake(now);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            Some(done) = done_rx.recv() => daemon.finished(done, true),
            Some(request) = run_now_rx.recv() => {
                let answer = daemon.run_now(&request.robot);
                let _ = request.reply.send(answer);
            }
            () = changed(watcher.as_mut()) => {
                // A new watcher is armed before anything is read, so an edit
                // made while the files are read is seen (and read) next.
                // A folder swapped in is watched from now on.
                watcher = watch_files(&daemon.settings);
                daemon.reload_settled();
            }
            Some(()) = hung_up(hangup.as_mut()) => {
                tracing::info!("SIGHUP: reloading robots and schedules");
                watcher = watch_files(&daemon.settings);
                daemon.reload_settled();
            }
            () = &mut shutdown => break,
        }
    }
    // The console stops taking requests first: no "run now" after SIGTERM.
    console_stop.notify_one();
    if let Some(console) = console {
        let _ = tokio::time::timeout(STOP_WAIT, console).await;
    }
    daemon.shut_down(&mut done_rx).await;
    // The sender finishes the mail it is sending (each is marked sent at once).
    mail_stop.store(true, Ordering::SeqCst);
    daemon.mail.notify_one();
    if tokio::time::timeout(STOP_WAIT, sender).await.is_err() {
        tracing::warn!("the mail sender did not stop in time");
    }
    Ok(())
}

/// Delivers the outbox: at start, when a run finishes, and when a retry is due.
async fn mail_sender(settings: Settings, wake: Arc<Notify>, stop: Arc<AtomicBool>) {
    let state_dir = settings.state_dir.clone();
    let mut store = match crate::upkeep::run_log::open(&settings) {
        Ok(store) => store,
        Err(e) => return tracing::error!("mail sender: {e}"),
    };
    let mailer = match Mailer::from_env(&state_dir) {
        Ok(mailer) => mailer,
        Err(e) => return tracing::error!("mail is off: {e}"),
    };
    tracing::info!("mail goes to the {}", mailer.destination);
    while !stop.load(Ordering::SeqCst) {
        match deliver_due(&mut store, &mailer).await {
            Ok(d) if d.sent > 0 => tracing::info!("mail: {} sent", d.sent),
            Ok(_) => {}
            Err(e) => tracing::error!("mail sender: {e}"),
        }
        let wait = match store.next_mail_due() {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(MAX_SLEEP),
            _ => MAX_SLEEP,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
        }
    }
}

/// How many times a reload reads the files again when they changed under it.
const RELOAD_TRIES: usize = 3;

/// A watcher on the robots and schedules folders, or none (with a warning)
/// when the system will not give one.
fn watch_files(settings: &Settings) -> Option<Watcher> {
    match Watcher::new(&[&settings.robots_dir, &settings.schedules_dir]) {
        Ok(watcher) => Some(watcher),
        Err(e) => {
            tracing::warn!("cannot watch for changed files ({e}); send SIGHUP or restart the daemon to load changes");
            None
        }
    }
}

/// The next SIGHUP; never when it could not be listened for.
async fn hung_up(hangup: Option<&mut tokio::signal::unix::Signal>) -> Option<()> {
    match hangup {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

async fn changed(watcher: Option<&mut Watcher>) {
    match watcher {
        Some(w) => w.changed().await,
        None => std::future::pending().await,
    }
}

impl Daemon {
    /// A daemon that has loaded nothing yet, started at `now`.
    fn new(
        settings: Settings,
        options: ServeOptions,
        store: Store,
        done: mpsc::UnboundedSender<Done>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            browsers: Arc::new(Semaphore::new(options.max_browsers.max(1))),
            links: crate::privacy::case_link::CaseLinks::from_state(&settings.state_dir).ok(),
            settings,
            options,
            files: BTreeMap::new(),
            robots: HashMap::new(),
            cursor: now,
            started: now,
            active: HashMap::new(),
            queued: HashMap::new(),
            graceful: Arc::new(AtomicBool::new(false)),
            done,
            mail: Arc::new(Notify::new()),
            store,
            last_purge: None,
        }
    }

    fn jobs(&self) -> Vec<Job> {
        self.files.values().flatten().cloned().collect()
    }

    /// Reloads until the files read are the files there: a file that
    /// changed while it was read is read again (at most a few times).
    fn reload_settled(&mut self) {
        let dirs = [self.settings.robots_dir.clone(), self.settings.schedules_dir.clone()];
        for _ in 0..RELOAD_TRIES {
            let before = crate::schedule::file_states(&dirs);
            self.reload();
            if crate::schedule::file_states(&dirs) == before {
                return;
            }
        }
    }

    /// Re-reads schedules and robots; a broken file keeps its last good version.
    fn reload(&mut self) {
        let names = robot_names(&self.settings.robots_dir);
        for name in &names {
            let path = robot::find(&self.settings.robots_dir, name);
            match robot::load(&path, &self.settings.robots_dir) {
                Ok(robot) => {
                    let (workers, seats) = (robot.items.as_ref().map_or(1, |i| i.workers), self.options.max_browsers);
                    if workers > seats.max(1) {
                        tracing::warn!(
                            "robot `{name}` asks for {workers} workers, but --max-browsers is {seats}:                              at most {seats} of them run at once"
                        );
                    }
                    self.robots.insert(name.clone(), robot);
                }
                Err(e) => tracing::error!(
                    "robot `{}` is invalid; keeping its last good version:\n{}",
                    path.display(),
                    e.render()
                ),
            }
        }
        let present = yaml_files(&self.settings.schedules_dir);
        self.files.retain(|path, _| present.contains(path));
        for path in present {
            match load_file(&path, &names) {
                Ok(jobs) => {
                    self.files.insert(path, jobs);
                }
                Err(invalid) => tracing::error!(
                    "schedule `{}` is invalid; keeping its last good version:\n{}",
                    path.display(),
                    invalid.render()
                ),
            }
        }
        // A robot whose file is gone is not kept: a broken file keeps its
        // last good version, a deleted one does not, nor do its jobs.
        self.robots.retain(|name, _| names.contains(name));
        for (path, jobs) in &mut self.files {
            jobs.retain(|job| {
                let here = names.contains(&job.robot);
                if !here {
                    tracing::warn!(
                        "schedule `{}` refers to robot `{}`, whose file is gone: job `{}` does not run until the robot is back",
                        path.display(),
                        job.robot,
                        job.id
                    );
                }
                here
            });
        }
        tracing::info!("loaded {} robot(s) and {} job(s)", self.robots.len(), self.jobs().len());
    }

    /// At start: runs once the last slot missed while down, for `missed: run_once` jobs.
    fn catch_up(&mut self, now: DateTime<Utc>) {
        for job in self.jobs() {
            let Some(at) = missed(&job, now) else { continue };
            match self.store.has_slot(&job.id, &at.to_rfc3339()) {
                Ok(false) => {
                    tracing::info!("{}: catching up the slot of {} missed while down", job.id, at.to_rfc3339());
                    self.slot(&job, Fire { at, skipped: None }, Trigger::CatchUp);
                }
                Ok(true) => {}
                Err(e) => tracing::error!("failed to read the run log: {e}"),
            }
        }
    }

    fn fire_due(&mut self, now: DateTime<Utc>) {
        let since = self.cursor;
        self.cursor = now;
        if self.graceful.load(Ordering::SeqCst) {
            return;
        }
        for job in self.jobs() {
            for fire in due(&job, since, now) {
                self.slot(&job, fire, Trigger::Schedule);
            }
        }
    }

    fn next_wake(&self, now: DateTime<Utc>) -> Duration {
        let next = self
            .jobs()
            .iter()
            .filter(|j| j.enabled)
            .filter_map(|j| j.cron.next_after(j.timezone, self.cursor, crate::schedule::job::HORIZON_DAYS))
            .map(|t| t.with_timezone(&Utc))
            .min();
        match next {
            Some(at) => (at - now).to_std().unwrap_or(Duration::ZERO).min(MAX_SLEEP),
            None => MAX_SLEEP,
        }
    }

    fn slot(&mut self, job: &Job, fire: Fire, trigger: Trigger) {
        if let Some(reason) = &fire.skipped {
            self.record_skipped(job, &fire.at, trigger, reason);
            return;
        }
        // A job paused from the console: its slots are recorded, not run. A
        // run log that cannot say runs it, as the schedule file says.
        if self.store.is_paused(&job.id).unwrap_or(false) {
            self.record_skipped(job, &fire.at, trigger, "paused from the console");
            return;
        }
        let running = self.active.get(&job.id).map(|a| a.run_id);
        match decide(job.overlap, running, self.queued.contains_key(&job.id)) {
            Decision::Start => self.start(job.clone(), fire.at, trigger),
            Decision::Skip(reason) => self.record_skipped(job, &fire.at, trigger, &reason),
            Decision::Queue => {
                tracing::info!("{}: slot {} waits for run {}", job.id, fire.at.to_rfc3339(), running.unwrap_or(0));
                self.queued.insert(job.id.clone(), (job.clone(), fire.at, trigger));
            }
            Decision::Replace => {
                if let Some(stop) = self.active.get_mut(&job.id).and_then(|a| a.stop.take()) {
                    let _ = stop.send(StopReason::Replaced);
                }
                self.queued.insert(job.id.clone(), (job.clone(), fire.at, trigger));
            }
        }
    }

    fn record_skipped(&mut self, job: &Job, at: &DateTime<Tz>, trigger: Trigger, reason: &str) {
        tracing::info!("{}: slot {} skipped: {reason}", job.id, at.to_rfc3339());
        let recorded =
            record_slot(&mut self.store, job, &at.to_rfc3339(), trigger, self.robots.get(&job.robot), Some(reason));
        if let Err(e) = recorded {
            tracing::error!("failed to record a skipped slot: {e}");
        }
    }

    /// The robot as its file is now, or its last good version if the file is broken.
    /// A robot of the robots folder by name; a name that is not one (a path,
    /// a deleted file) is refused without reading anything.
    fn robot(&mut self, name: &str) -> Result<Robot, RobotProblem> {
        let Some(path) = robot::find_named(&self.settings.robots_dir, name) else {
            let folder = self.settings.robots_dir.display().to_string();
            return Err(RobotProblem::NotInFolder { name: name.to_string(), folder });
        };
        match robot::load(&path, &self.settings.robots_dir) {
            Ok(robot) => {
                self.robots.insert(name.to_string(), robot.clone());
                Ok(robot)
            }
            Err(e) => match self.robots.get(name) {
                Some(last_good) => {
                    tracing::warn!("robot `{name}` is invalid; running its last good version:\n{}", e.render());
                    Ok(last_good.clone())
                }
                None => Err(RobotProblem::Invalid { name: name.to_string(), problem: e.to_string() }),
            },
        }
    }

    fn start(&mut self, job: Job, at: DateTime<Tz>, trigger: Trigger) {
        let slot = at.to_rfc3339();
        let robot = match self.robot(&job.robot) {
            Ok(robot) => robot,
            Err(problem) => {
                let message = problem.to_string();
                tracing::error!("{}: {message}", job.id);
                if let Ok(Some(id)) = record_slot(&mut self.store, &job, &slot, trigger, None, None) {
                    let _ = self.store.finish_as(id, RunStatus::Failed, &message);
                }
                return;
            }
        };
        let run_id = match record_slot(&mut self.store, &job, &slot, trigger, Some(&robot), None) {
            Ok(Some(id)) => id,
            Ok(None) => {
                tracing::info!("{}: slot {slot} already has a run; not running it twice", job.id);
                return;
            }
            Err(e) => {
                tracing::error!("{}: failed to record the run: {e}", job.id);
                return;
            }
        };
        tracing::info!("{}: run {run_id} for slot {slot} ({trigger})", job.id);
        self.spawn(job.id.clone(), robot, run_id, trigger, job.max_runtime);
    }

    /// Runs a recorded run in its own task; its end comes back as a `Done`.
    fn spawn(&mut self, job_id: String, robot: Robot, run_id: i64, trigger: Trigger, max_runtime: Option<Duration>) {
        let (stop, stop_rx) = oneshot::channel();
        self.active.insert(job_id.clone(), Active { run_id, stop: Some(stop) });
        let task = tokio::spawn(crate::daemon::task::run_task(
            self.settings.clone(),
            robot,
            run_id,
            trigger,
            max_runtime,
            stop_rx,
            self.browsers.clone(),
            self.graceful.clone(),
        ));
        let done = self.done.clone();
        tokio::spawn(async move {
            let panicked = task.await.err().map(|e| e.to_string());
            let _ = done.send(Done { job: job_id, run_id, panicked });
        });
    }

    /// "Run now" from the console: a manual run of the robot, unless it is running.
    fn run_now(&mut self, name: &str) -> RunNowAnswer {
        match self.store.running_run(name) {
            Ok(Some(id)) => return RunNowAnswer::Running(id),
            Ok(None) => {}
            Err(e) => return RunNowAnswer::RunLog(format!("the run log could not be read: {e}")),
        }
        let robot = match self.robot(name) {
            Ok(robot) => robot,
            Err(RobotProblem::NotInFolder { name, folder }) => return RunNowAnswer::NoSuchRobot { name, folder },
            Err(RobotProblem::Invalid { name, problem }) => return RunNowAnswer::InvalidRobot { name, problem },
        };
        let file = robot.path.display().to_string();
        match self.store.create_run(&robot.name, &file, Trigger::Console, robot.manual_minutes) {
            Ok(run_id) => {
                tracing::info!("{}: run {run_id} started from the console", robot.name);
                self.spawn(format!("console/{}", robot.name), robot, run_id, Trigger::Console, None);
                RunNowAnswer::Started(run_id)
            }
            Err(e) => RunNowAnswer::RunLog(format!("the run could not be recorded: {e}")),
        }
    }

    fn finished(&mut self, done: Done, start_queued: bool) {
        self.mail.notify_one();
        if self.active.get(&done.job).is_some_and(|a| a.run_id == done.run_id) {
            self.active.remove(&done.job);
        }
        if let Some(panic) = &done.panicked {
            tracing::error!("{}: run {} ended in a nightshift bug: {panic}", done.job, done.run_id);
            let message = format!("nightshift bug: the run's task failed: {panic}");
            if let Err(e) = self.store.finish_as(done.run_id, RunStatus::Failed, &message) {
                tracing::error!("failed to record run {}: {e}", done.run_id);
            }
        }
        match self.store.run(done.run_id) {
            Ok(Some(detail)) => {
                tracing::info!("{}: run {} ended {}", done.job, done.run_id, detail.run.status);
                if matches!(detail.run.status, RunStatus::Succeeded | RunStatus::SucceededWithExceptions) {
                    let _ = self.store.resolve_alerts(&detail.run.robot, AlertKind::NoSuccess);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!("failed to read run {}: {e}", done.run_id),
        }
        if start_queued && let Some((job, at, trigger)) = self.queued.remove(&done.job) {
            self.start(job, at, trigger);
        }
    }

    /// Forgets personal data past its robots' retention, once a day (and at start).
    fn purge_daily(&mut self, now: DateTime<Utc>) {
        if self.last_purge.is_some_and(|last| now - last < chrono::Duration::hours(24)) {
            return;
        }
        self.last_purge = Some(now);
        match crate::upkeep::retention::purge_due(&mut self.store, &self.settings, now, false) {
            Ok(report) => {
                let cases: usize = report.purged.iter().map(|(_, p)| p.cases).sum();
                if cases > 0 || report.files_removed() > 0 {
                    tracing::info!(
                        "purge: personal data of {cases} case(s) and {} file(s) past retention",
                        report.files_removed()
                    );
                }
            }
            Err(e) => tracing::error!("purge: {e}"),
        }
    }

    /// Queues the reminders of open exceptions that are due (at most one a
    /// day per officer, so asking every wake is cheap and safe).
    fn remind(&mut self, now: DateTime<Utc>) {
        match crate::upkeep::reminders::queue_due(&mut self.store, self.robots.values(), self.links.as_ref(), now) {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!("{n} reminder(s) of open exceptions queued");
                self.mail.notify_one();
            }
            Err(e) => tracing::error!("failed to queue reminders: {e}"),
        }
    }

    /// Records an alert for each robot whose slot passed without a success.
    fn check_alerts(&mut self, now: DateTime<Utc>) {
        for job in self.jobs() {
            let last = match self.store.last_success(&job.robot) {
                Ok(last) => last.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc)),
                Err(_) => continue,
            };
            if self.store.is_paused(&job.id).unwrap_or(false) {
                continue;
            }
            // The slots a job was paused for are not missed ones.
            let resumed = self.store.resumed_at(&job.id).ok().flatten();
            let resumed = resumed.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc));
            let since = resumed.map_or(self.started, |r| r.max(self.started));
            let Some(late) = overdue(&job, last, since, now) else { continue };
            let language = MailPolicy::ops_language_from_env();
            let message = late.message(language);
            if let Ok(Some(alert)) = self.store.raise_alert(&job.id, &job.robot, AlertKind::NoSuccess, &message) {
                tracing::warn!("{}: alert: {message}", job.id);
                if let Some(ops) = MailPolicy::ops_from_env() {
                    let console = self.links.as_ref().and_then(|l| l.page("/"));
                    let (subject, text, html) = render_alert(&Texts::new(language), &job.id, &late, console);
                    let mail = Mail {
                        kind: MailKind::Ops,
                        to: vec![ops],
                        subject,
                        text,
                        html,
                        attachments: Vec::new(),
                        message_id: format!("<alert-{alert}@nightshift>"),
                    };
                    if let Err(e) = self.store.queue_mail(&job.robot, &mail) {
                        tracing::error!("failed to queue the alert mail: {e}");
                    }
                    self.mail.notify_one();
                }
            }
        }
    }

    /// SIGTERM: no new runs; running ones finish their current case (within
    /// the grace time), then are stopped and recorded.
    async fn shut_down(&mut self, done_rx: &mut mpsc::UnboundedReceiver<Done>) {
        tracing::info!("shutting down: {} run(s) to finish their current case", self.active.len());
        self.graceful.store(true, Ordering::SeqCst);
        self.queued.clear();
        let grace = tokio::time::sleep(self.options.grace);
        tokio::pin!(grace);
        let mut stopped = false;
        while !self.active.is_empty() {
            tokio::select! {
                Some(done) = done_rx.recv() => self.finished(done, false),
                () = &mut grace => {
                    if stopped {
                        tracing::error!("{} run(s) did not stop in time", self.active.len());
                        break;
                    }
                    stopped = true;
                    for active in self.active.values_mut() {
                        if let Some(stop) = active.stop.take() {
                            let _ = stop.send(StopReason::Signal);
                        }
                    }
                    grace.as_mut().reset(tokio::time::Instant::now() + STOP_WAIT);
                }
            }
        }
        tracing::info!("stopped");
    }
}

/// Records a run of `job` for `slot` (RFC 3339), with `robot` as last
/// loaded when it is known; `skipped` says why the slot is recorded without
/// running. None when the slot already has a run.
fn record_slot(
    store: &mut Store,
    job: &Job,
    slot: &str,
    trigger: Trigger,
    robot: Option<&Robot>,
    skipped: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let file = robot.map(|r| r.path.display().to_string()).unwrap_or_default();
    let run = ScheduledRun {
        robot: &job.robot,
        robot_file: &file,
        trigger,
        manual_minutes: robot.map_or(0.0, |r| r.manual_minutes),
        job: &job.id,
        scheduled_for: slot,
    };
    store.create_scheduled_run(&run, skipped)
}

#[cfg(test)]
#[path = "serve_tests.rs"]
mod tests;
