//! Several workers share one run's cases: each is a browser session of its
//! own with its own `setup` (its own login) and `teardown`, taking the next
//! case from one queue until none is left.
//!
//! The first worker runs setup, reads the cases (following a table's pages
//! itself) and only then shares them; the others start as the pool gives
//! them a browser, and do not start at all when the cases run out first.
//! The queue hands each case to one worker; the ledger's `in_progress`
//! before a case's first step is its claim across a crash, as with one
//! worker. `retry.stop_after` counts system exceptions in a row as the
//! workers finish them, and stops them all.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::watch;

use crate::browser::{Browser, BrowserError};
use crate::privacy::secrets::Redactor;
use crate::robot::model::Robot;
use crate::runner::case::Case;
use crate::runner::event::{ItemStatus, RunEvent, SharedSink};
use crate::runner::failure::RunError;
use crate::runner::run::{RunContext, Runner};
use crate::runner::source::{Row, row_field};
use crate::runner::stop::stopped;
use crate::runner::totals::Totals;
use crate::runner::xml_cases::UNREADABLE;

pub use crate::robot::model::MAX_WORKERS;

/// A browser's place under the daemon's `--max-browsers`, held as long as
/// the browser runs; `None` where nothing bounds the browsers.
pub type Seat = Option<tokio::sync::OwnedSemaphorePermit>;

/// A further worker's browser and the seat it holds. Fields are dropped in
/// the order they are declared: the browser is gone before its seat is
/// free, wherever the pair is dropped (a worker cut off mid-run too).
pub struct Seated<B> {
    pub browser: B,
    pub seat: Seat,
}

/// A future a pool answers with, boxed so that the pool can be shared as a trait object.
pub type PoolFuture<'p, T> = Pin<Box<dyn Future<Output = T> + Send + 'p>>;

/// Where a run's further workers get their browsers.
pub trait BrowserPool<B>: Sync {
    /// Waits for a free seat, then starts a browser in it.
    fn start(&self) -> PoolFuture<'_, Result<Seated<B>, BrowserError>>;
    /// Ends the browser's session and takes its processes down.
    fn close(&self, browser: B) -> PoolFuture<'_, ()>;
}

/// How many workers a run has, and where those beyond the first get their browsers.
pub struct Crew<'a, B> {
    pub workers: usize,
    pub pool: &'a (dyn BrowserPool<B> + 'a),
}

/// A run's cases as its workers take them, and what they learn together.
pub(super) struct Queue {
    cases: Mutex<VecDeque<(usize, Row)>>,
    total: usize,
    key_field: String,
    cursor_field: Option<String>,
    finished: AtomicUsize,
    failures_in_a_row: AtomicU32,
    /// Why the workers stopped taking cases, first reason only.
    halted: Mutex<Option<RunError>>,
    /// Each case's cursor value and whether it is settled.
    cursor_seen: Mutex<Vec<(String, bool)>>,
    /// True once no case is left to take.
    empty: watch::Sender<bool>,
}

impl Queue {
    pub(super) fn new(rows: Vec<Row>, key_field: &str, cursor_field: Option<&str>) -> Self {
        let total = rows.len();
        Self {
            cases: Mutex::new(rows.into_iter().enumerate().collect()),
            total,
            key_field: key_field.to_string(),
            cursor_field: cursor_field.map(String::from),
            finished: AtomicUsize::new(0),
            failures_in_a_row: AtomicU32::new(0),
            halted: Mutex::new(None),
            cursor_seen: Mutex::new(Vec::new()),
            empty: watch::Sender::new(total == 0),
        }
    }

    /// The next case, unless the run was halted or none is left.
    fn take(&self) -> Option<(usize, Row)> {
        if lock(&self.halted).is_some() {
            return None;
        }
        let mut cases = lock(&self.cases);
        let next = cases.pop_front();
        if cases.is_empty() {
            self.empty.send_replace(true);
        }
        next
    }

    /// No worker takes another case. The cases not taken hold the cursor
    /// back: another worker may have settled a later one.
    fn halt(&self, error: RunError) {
        lock(&self.halted).get_or_insert(error);
        let left: Vec<(usize, Row)> = lock(&self.cases).drain(..).collect();
        if let Some(field) = &self.cursor_field {
            let values = left.iter().filter_map(|(_, row)| row_field(row, field));
            lock(&self.cursor_seen).extend(values.map(|value| (value, false)));
        }
        self.empty.send_replace(true);
    }

    /// Resolves once no case is left to take.
    async fn drained(&self) {
        let mut empty = self.empty.subscribe();
        let _ = empty.wait_for(|empty| *empty).await;
    }

    fn stopped(&self) -> bool {
        matches!(*lock(&self.halted), Some(RunError::Stopped(_)))
    }

    /// Why the run stopped taking cases, if it did.
    pub(super) fn outcome(self) -> Result<(), RunError> {
        match self.halted.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    pub(super) fn cursor_seen(&self) -> Vec<(String, bool)> {
        lock(&self.cursor_seen).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<'a, B: Browser> Runner<'a, B> {
    /// The cases shared by this worker and, with a crew, the others: all
    /// of them work until the queue is empty or the run halts.
    pub(super) async fn share(&mut self, queue: &Queue) {
        let Some(crew) = self.crew.take() else { return self.work(queue).await };
        let helpers: Vec<(usize, RunContext)> =
            (2..=crew.workers.min(queue.total)).map(|worker| (worker, self.helper_context())).collect();
        let (robot, sink, pool) = (self.robot, self.sink, crew.pool);
        let redactor = self.redactor.clone();
        let others =
            helpers.into_iter().map(|(worker, context)| helper(robot, pool, sink, &redactor, context, worker, queue));
        let ((), totals) = tokio::join!(self.work(queue), futures_util::future::join_all(others));
        for other in &totals {
            self.totals.absorb(other);
        }
    }

    /// Takes cases until none is left or the run halts.
    pub(super) async fn work(&mut self, queue: &Queue) {
        loop {
            // Asked before a case is taken: one taken is one to be finished.
            if self.graceful.as_ref().is_some_and(|g| g.load(Ordering::SeqCst)) {
                let done = queue.finished.load(Ordering::SeqCst);
                queue.halt(RunError::Shutdown { done, total: queue.total });
                return;
            }
            let Some((seq, row)) = queue.take() else { return };
            if let Some(error) = self.one_case(queue, seq, row).await {
                queue.halt(error);
                return;
            }
        }
    }

    /// One case from the queue, from its first event to its last; an error
    /// when the run must stop taking cases.
    async fn one_case(&mut self, queue: &Queue, seq: usize, mut row: Row) -> Option<RunError> {
        let key = row_field(&row, &queue.key_field).unwrap_or_default();
        let cursor_value = queue.cursor_field.as_deref().and_then(|f| row_field(&row, f));
        let handler = self.robot.notify.handler_field.as_deref().and_then(|f| row_field(&row, f));
        let handler = handler.map(|v| v.trim().to_string()).filter(|v| v.contains('@'));
        let worker = self.worker;
        self.emit(RunEvent::ItemStarted { seq, key: key.clone(), started_at: Utc::now(), handler, worker });
        // A case the run log cannot record is not started at all.
        if let Some(error) = self.sink.broken() {
            return Some(RunError::RunLog(error));
        }
        let started = Instant::now();
        let mut case = Case::new(seq, key, super::source::fingerprint(&row));
        case.unreadable = row.iter().position(|(k, _)| k == UNREADABLE).map(|at| row.remove(at).1);
        self.scope.item = Some(row);
        let end = self.item(&mut case).await;
        let fields = self.scope.item.take();
        if let (ItemStatus::Done | ItemStatus::Skipped, Some(fields)) = (end.status, &fields) {
            self.file_away(fields, seq);
        }
        if end.status == ItemStatus::BusinessException
            && let Some(fields) = fields
        {
            self.emit(RunEvent::CaseFields { seq, fields });
        }
        if let Some(value) = cursor_value {
            lock(&queue.cursor_seen).push((value, end.settled()));
        }
        let in_a_row = if end.is_system_exception() {
            queue.failures_in_a_row.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            queue.failures_in_a_row.store(0, Ordering::SeqCst);
            0
        };
        queue.finished.fetch_add(1, Ordering::SeqCst);
        let (status, message, attempts) = (end.status, end.message, end.attempts);
        self.emit(RunEvent::ItemFinished { seq, status, message, duration: started.elapsed(), attempts });
        if let Some(error) = end.unrecorded {
            return Some(RunError::RunLog(error));
        }
        if let Some(reason) = end.stopped {
            return Some(RunError::Stopped(reason));
        }
        (in_a_row >= self.robot.retry.stop_after).then_some(RunError::FailuresInARow(in_a_row))
    }

    /// A further worker's part: its own setup, cases from the queue, its own teardown.
    async fn join_in(mut self, queue: &Queue) -> Totals {
        let worker = self.worker;
        match self.setup().await {
            Ok(()) => self.work(queue).await,
            Err(error) => {
                let message = format!("worker {worker} did not take cases: {error}; the other workers go on");
                self.emit(RunEvent::Log { item: None, message });
            }
        }
        self.teardown(queue.stopped()).await;
        self.totals
    }
}

/// Starts a further worker when the pool gives it a browser, unless the
/// cases run out or the run is stopped first; returns the worker's counts.
async fn helper<'a, B: Browser>(
    robot: &'a Robot,
    pool: &'a (dyn BrowserPool<B> + 'a),
    sink: &'a (dyn SharedSink + 'a),
    redactor: &Redactor,
    context: RunContext,
    worker: usize,
    queue: &Queue,
) -> Totals {
    let mut stop = context.stop.clone();
    let started = tokio::select! {
        biased;
        _ = stopped(stop.as_mut()) => return Totals::default(),
        () = queue.drained() => return Totals::default(),
        started = pool.start() => started,
    };
    let mut seated = match started {
        Ok(seated) => seated,
        Err(e) => {
            let message = redactor.redact(&format!("worker {worker} could not start a browser: {e}"));
            sink.emit(&RunEvent::Log { item: None, message });
            return Totals::default();
        }
    };
    // Started too late: the other workers took every case meanwhile.
    if *queue.empty.borrow() {
        pool.close(seated.browser).await;
        return Totals::default();
    }
    let totals = Runner::new(robot, &mut seated.browser, context, sink).numbered(worker).join_in(queue).await;
    pool.close(seated.browser).await;
    totals
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;
    use crate::browser::Table;
    use crate::browser::fake::FakeBrowser;
    use crate::privacy::secrets::Secret;
    use crate::robot::validate::robot_from_str;
    use crate::runner::event::{Locked, RunStatus};
    use crate::runner::run::RunSummary;

    /// Fake browsers with the same inbox; each closed one is kept to look at.
    #[derive(Default)]
    struct FakePool {
        ids: Vec<String>,
        refuse: bool,
        started: AtomicUsize,
        closed: Mutex<Vec<FakeBrowser>>,
    }

    impl FakePool {
        fn browser(&self) -> FakeBrowser {
            let rows = self.ids.iter().map(|id| vec![id.clone()]).collect();
            let table = Table { headers: vec!["Id".into()], rows };
            FakeBrowser { table, latency: Duration::from_millis(150), ..FakeBrowser::default() }
        }
    }

    impl BrowserPool<FakeBrowser> for FakePool {
        fn start(&self) -> PoolFuture<'_, Result<Seated<FakeBrowser>, BrowserError>> {
            Box::pin(async move {
                if self.refuse {
                    return Err(BrowserError::NotStarted("chromedriver did not start (secret-canary)".into()));
                }
                self.started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(600)).await;
                Ok(Seated { browser: self.browser(), seat: None })
            })
        }

        fn close(&self, browser: FakeBrowser) -> PoolFuture<'_, ()> {
            Box::pin(async move { lock(&self.closed).push(browser) })
        }
    }

    fn robot(steps: &str, workers: usize) -> Robot {
        let source = format!(
            "name: t\nsecrets: [PW]\nsetup:\n  - goto: http://x/login\n  - fill: {{\"#pw\": \"${{secrets.PW}}\"}}\n\
             items:\n  table: \"#inbox\"\n  key: Id\n  workers: {workers}\n  steps:\n{steps}"
        );
        robot_from_str(Path::new("t.yaml"), &source).unwrap()
    }

    async fn run(
        robot: &Robot,
        pool: &dyn BrowserPool<FakeBrowser>,
        mut first: FakeBrowser,
    ) -> (RunSummary, Vec<RunEvent>, FakeBrowser) {
        let dir = tempfile::tempdir().unwrap();
        let context = RunContext {
            evidence_dir: dir.path().to_path_buf(),
            secrets: [("PW".to_string(), Secret::new("secret-canary"))].into(),
            ..RunContext::default()
        };
        let mut events = Vec::new();
        let sink = Locked::new(&mut events);
        let workers = robot.items.as_ref().map_or(1, |i| i.workers);
        let crew = Crew { workers, pool };
        let summary = Runner::new(robot, &mut first, context, &sink).with_crew(crew).run().await;
        (summary, events, first)
    }

    fn started(events: &[RunEvent]) -> Vec<(String, usize)> {
        let started = events.iter().filter_map(|e| match e {
            RunEvent::ItemStarted { key, worker, .. } => Some((key.clone(), *worker)),
            _ => None,
        });
        started.collect()
    }

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|n| format!("E{n}")).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn three_workers_share_the_cases_each_taken_once_each_logging_in_once() {
        let pool = FakePool { ids: ids(12), ..FakePool::default() };
        let (summary, events, first) = run(&robot("    - goto: http://x/${item.Id}\n", 3), &pool, pool.browser()).await;
        assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
        assert_eq!(summary.totals.done, 12);
        let mut keys: Vec<String> = started(&events).into_iter().map(|(k, _)| k).collect();
        keys.sort();
        let mut expected = ids(12);
        expected.sort();
        assert_eq!(keys, expected, "each case is taken exactly once");
        for worker in 1..=3 {
            let cases = started(&events).iter().filter(|(_, w)| *w == worker).count();
            assert!(cases >= 2, "worker {worker} took {cases} case(s): {:?}", started(&events));
        }
        assert!(events.contains(&RunEvent::ItemsFound { total: 12, workers: 3 }));
        let closed = lock(&pool.closed);
        assert_eq!(closed.len(), 2, "two further browsers, both closed");
        for browser in closed.iter().chain([&first]) {
            let logins = browser.calls.iter().filter(|c| *c == "goto http://x/login").count();
            assert_eq!(logins, 1, "{:?}", browser.calls);
        }
        // Only the first worker read the inbox.
        assert!(closed.iter().all(|b| !b.calls.iter().any(|c| c.starts_with("table "))));
        assert!(first.calls.iter().any(|c| c.starts_with("table ")), "{:?}", first.calls);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_in_a_row_across_workers_stop_them_all() {
        let pool = FakePool { ids: ids(20), ..FakePool::default() };
        let mut r = robot("    - goto: http://x/${item.Id}\n    - click: \"#save\"\n", 3);
        r.retry.max_retries = 0;
        // Every click fails in every browser: the journal is down.
        let mut first = pool.browser();
        first.missing.push("#save".into());
        let (summary, events, _) = run(&r, &MissingSave(pool), first).await;
        assert_eq!(summary.status, RunStatus::Failed);
        assert!(summary.error.as_deref().unwrap_or_default().contains("3"), "{:?}", summary.error);
        let taken = started(&events).len();
        // The third failure halts the queue; the workers still in a case finish it.
        assert!((3..=5).contains(&taken), "{taken} cases were started");
    }

    /// A pool whose browsers never find `#save`.
    struct MissingSave(FakePool);

    impl BrowserPool<FakeBrowser> for MissingSave {
        fn start(&self) -> PoolFuture<'_, Result<Seated<FakeBrowser>, BrowserError>> {
            Box::pin(async move {
                let mut seated = self.0.start().await?;
                seated.browser.missing.push("#save".into());
                Ok(seated)
            })
        }

        fn close(&self, browser: FakeBrowser) -> PoolFuture<'_, ()> {
            self.0.close(browser)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_without_a_browser_leaves_its_share_to_the_others_and_says_so() {
        let pool = FakePool { ids: ids(4), refuse: true, ..FakePool::default() };
        let (summary, events, _) = run(&robot("    - goto: http://x/${item.Id}\n", 2), &pool, pool.browser()).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert_eq!(summary.totals.done, 4);
        assert!(started(&events).iter().all(|(_, w)| *w == 1));
        let logs: Vec<&String> = events
            .iter()
            .filter_map(|e| match e {
                RunEvent::Log { message, .. } => Some(message),
                _ => None,
            })
            .collect();
        assert!(logs.iter().any(|m| m.contains("worker 2 could not start a browser")), "{logs:?}");
        assert!(logs.iter().all(|m| !m.contains("secret-canary")), "{logs:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_graceful_stop_lets_every_worker_finish_its_case_and_take_no_other() {
        let pool = FakePool { ids: ids(40), ..FakePool::default() };
        let robot = robot("    - goto: http://x/${item.Id}\n", 3);
        let graceful = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = graceful.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            flag.store(true, Ordering::SeqCst);
        });
        let dir = tempfile::tempdir().unwrap();
        let context = RunContext {
            evidence_dir: dir.path().to_path_buf(),
            secrets: [("PW".to_string(), Secret::new("secret-canary"))].into(),
            graceful: Some(graceful),
            ..RunContext::default()
        };
        let mut first = pool.browser();
        let mut events = Vec::new();
        let sink = Locked::new(&mut events);
        let crew = Crew { workers: 3, pool: &pool };
        let summary = Runner::new(&robot, &mut first, context, &sink).with_crew(crew).run().await;
        assert_eq!(summary.status, RunStatus::Interrupted, "{:?}", summary.error);
        let started = started(&events).len();
        assert!((10..40).contains(&started), "{started} of 40 started before the stop");
        let workers: std::collections::BTreeSet<usize> =
            super::tests::started(&events).iter().map(|(_, w)| *w).collect();
        assert_eq!(workers.len(), 3, "all three workers had cases before the stop");
        assert_eq!(summary.totals.finished, started, "every case taken was finished");
        assert_eq!(summary.totals.done, started);
    }

    #[test]
    fn cases_no_worker_took_hold_the_cursor_back() {
        let row = |id: &str| vec![("id".to_string(), id.to_string())];
        let queue = Queue::new(vec![row("1"), row("2"), row("3"), row("4")], "id", Some("id"));
        let (first, second) = (queue.take().unwrap(), queue.take().unwrap());
        assert_eq!((first.0, second.0), (0, 1));
        // The second case was settled by its worker; then the run halts.
        lock(&queue.cursor_seen).push(("2".into(), true));
        queue.halt(RunError::FailuresInARow(3));
        assert!(queue.take().is_none(), "a halted queue hands out nothing");
        let seen = queue.cursor_seen();
        assert_eq!(seen, [("2".to_string(), true), ("3".to_string(), false), ("4".to_string(), false)]);
        // Case 1 is still under way and would report itself; without it the
        // cursor may move to 2, never past 3.
        assert_eq!(crate::runner::source::next_cursor("0", seen), "2");
        assert!(matches!(queue.outcome(), Err(RunError::FailuresInARow(3))));
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_workers_start_than_there_are_cases() {
        let pool = FakePool { ids: ids(2), ..FakePool::default() };
        let (summary, events, _) = run(&robot("    - goto: http://x/${item.Id}\n", 4), &pool, pool.browser()).await;
        assert_eq!(summary.totals.done, 2);
        assert!(events.contains(&RunEvent::ItemsFound { total: 2, workers: 2 }));
        assert!(pool.started.load(Ordering::SeqCst) <= 1);
    }
}
