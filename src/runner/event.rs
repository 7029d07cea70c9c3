//! What the runner reports while it works. Console, run log and (later)
//! notifier consume these; the runner keeps no other shared state.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Which part of the robot a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Setup,
    Items,
    Item,
    /// The robot's `check` steps for a case tried again.
    Check,
    /// `items.on_done` or `items.on_exception`, after a case ended.
    OnDone,
    OnException,
    /// A robot's `session.login`, run again when the session ended.
    Session,
    Teardown,
}

impl Block {
    pub fn as_str(self) -> &'static str {
        match self {
            Block::Setup => "setup",
            Block::Items => "items",
            Block::Item => "item",
            Block::Check => "check",
            Block::OnDone => "on_done",
            Block::OnException => "on_exception",
            Block::Session => "session",
            Block::Teardown => "teardown",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Succeeded,
    SucceededWithExceptions,
    Failed,
    TimedOut,
    Interrupted,
    Skipped,
}

impl RunStatus {
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::SucceededWithExceptions,
        RunStatus::Failed,
        RunStatus::TimedOut,
        RunStatus::Interrupted,
        RunStatus::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::SucceededWithExceptions => "succeeded_with_exceptions",
            RunStatus::Failed => "failed",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// How one case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Running,
    Done,
    BusinessException,
    SystemException,
    Skipped,
    NeedsReview,
    /// A business exception from an earlier run that its officer has not
    /// settled yet: not processed, not mailed again.
    AwaitingOfficer,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 7] = [
        ItemStatus::Running,
        ItemStatus::Done,
        ItemStatus::BusinessException,
        ItemStatus::SystemException,
        ItemStatus::Skipped,
        ItemStatus::NeedsReview,
        ItemStatus::AwaitingOfficer,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Running => "running",
            ItemStatus::Done => "done",
            ItemStatus::BusinessException => "business_exception",
            ItemStatus::SystemException => "system_exception",
            ItemStatus::Skipped => "skipped",
            ItemStatus::NeedsReview => "needs_review",
            ItemStatus::AwaitingOfficer => "awaiting_officer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    Ok,
    /// A `skip` step: the case is already done.
    Skipped,
    BusinessException,
    Failed,
}

impl StepOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Ok => "ok",
            StepOutcome::Skipped => "skipped",
            StepOutcome::BusinessException => "business_exception",
            StepOutcome::Failed => "failed",
        }
    }
}

/// Statuses print as their names in the run log (`succeeded_with_exceptions`).
macro_rules! status_text {
    ($($status:ty),*) => {$(
        impl std::fmt::Display for $status {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $status {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    )*};
}

status_text!(RunStatus, ItemStatus);

/// Where a case stands in the robot's ledger, across runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerState {
    /// Its first step has started and its last has not finished.
    InProgress,
    /// Entered into the target system; never entered again.
    Done,
    /// Failed for a technical reason after its retries.
    Failed,
    /// Left half-done by a run that died, with no `check` to settle it.
    NeedsReview,
    /// A business exception its officer owns until it is settled.
    Open,
    /// The officer settled the exception by hand: never taken again.
    Handled,
    /// The officer settled the exception with "try again": the next run takes it.
    Retry,
}

impl LedgerState {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerState::InProgress => "in_progress",
            LedgerState::Done => "done",
            LedgerState::Failed => "failed",
            LedgerState::NeedsReview => "needs_review",
            LedgerState::Open => "open",
            LedgerState::Handled => "handled",
            LedgerState::Retry => "retry",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            LedgerState::InProgress,
            LedgerState::Done,
            LedgerState::Failed,
            LedgerState::NeedsReview,
            LedgerState::Open,
            LedgerState::Handled,
            LedgerState::Retry,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A case's ledger entry as a run finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    pub state: LedgerState,
    /// The run that last changed it.
    pub run_id: i64,
    /// For an open exception: the case's fields when it opened
    /// (`runner::fingerprint`), so that a corrected case is tried again.
    pub fingerprint: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Screenshot,
    /// The screenshot mail attaches: personnummer masked on the page.
    MailScreenshot,
    Html,
    /// The text of a dialog that was open when the case failed (no screenshot can be taken then).
    Dialog,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Screenshot => "screenshot",
            EvidenceKind::MailScreenshot => "mail_screenshot",
            EvidenceKind::Html => "html",
            EvidenceKind::Dialog => "dialog",
        }
    }
}

/// One finished step. Texts are already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub block: Block,
    pub item: Option<usize>,
    pub index: usize,
    pub keyword: &'static str,
    /// The step's arguments as written (templates unrendered).
    pub summary: String,
    pub line: u32,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    pub outcome: StepOutcome,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The first event of every run.
    RunStarted {
        robot: String,
        run_id: i64,
    },
    Step(StepRecord),
    ItemsFound {
        total: usize,
        /// How many workers (browser sessions) share the cases; 1 unless `workers:` asks for more.
        workers: usize,
    },
    ItemStarted {
        seq: usize,
        key: String,
        started_at: DateTime<Utc>,
        /// The responsible officer's address, from the robot's `notify.handler_field`.
        handler: Option<String>,
        /// Which worker took the case, from 1.
        worker: usize,
    },
    ItemFinished {
        seq: usize,
        status: ItemStatus,
        message: Option<String>,
        duration: Duration,
        attempts: u32,
    },
    /// The fields of a case that ended in a business exception, for the
    /// officer who finishes it (values redacted as every text).
    CaseFields {
        seq: usize,
        fields: Vec<(String, String)>,
    },
    /// A case is tried again after a system exception.
    ItemRetry {
        seq: usize,
        attempt: u32,
        error: String,
    },
    /// A case's ledger entry changes (`None`: removed, so the next run tries
    /// it afresh). An exception that opens carries the case's fingerprint.
    Ledger {
        key: String,
        state: Option<LedgerState>,
        fingerprint: Option<u64>,
    },
    /// A locator list matched by an entry other than its first: the page has
    /// changed. `wanted` is the first entry, `used` the one that matched.
    Fallback {
        item: Option<usize>,
        line: u32,
        wanted: String,
        used: String,
    },
    Evidence {
        item: Option<usize>,
        kind: EvidenceKind,
        path: PathBuf,
    },
    Log {
        item: Option<usize>,
        message: String,
    },
    /// Where a case failed: the page's address and the step (texts redacted).
    FailedAt {
        item: Option<usize>,
        url: Option<String>,
        step: String,
    },
    /// The robot's cursor moves on to this value (an `http` source with `cursor`).
    Cursor {
        value: String,
    },
    /// The last event of every run, also of one stopped from outside.
    RunFinished {
        status: RunStatus,
        error: Option<String>,
        duration: Duration,
    },
}

impl RunEvent {
    /// The event with `f` applied to every text that comes from pages, robot
    /// files or errors (the runner masks secrets with it before any sink sees them).
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        let opt = |t: Option<String>| t.map(|t| f(&t));
        match self {
            RunEvent::Step(mut step) => {
                step.summary = f(&step.summary);
                step.error = opt(step.error);
                RunEvent::Step(step)
            }
            RunEvent::ItemFinished { seq, status, message, duration, attempts } => {
                RunEvent::ItemFinished { seq, status, message: opt(message), duration, attempts }
            }
            RunEvent::ItemRetry { seq, attempt, error } => RunEvent::ItemRetry { seq, attempt, error: f(&error) },
            RunEvent::CaseFields { seq, fields } => {
                RunEvent::CaseFields { seq, fields: fields.into_iter().map(|(k, v)| (k, f(&v))).collect() }
            }
            RunEvent::Log { item, message } => RunEvent::Log { item, message: f(&message) },
            RunEvent::Fallback { item, line, wanted, used } => {
                RunEvent::Fallback { item, line, wanted: f(&wanted), used: f(&used) }
            }
            RunEvent::FailedAt { item, url, step } => RunEvent::FailedAt { item, url: opt(url), step: f(&step) },
            RunEvent::RunFinished { status, error, duration } => {
                RunEvent::RunFinished { status, error: opt(error), duration }
            }
            other => other,
        }
    }
}

/// Something that consumes run events.
pub trait EventSink: Send {
    fn emit(&mut self, event: &RunEvent);

    /// Why this sink can no longer keep what it is given (the run log
    /// cannot be written), once it cannot: a run must not start a case it
    /// cannot record.
    fn broken(&self) -> Option<String> {
        None
    }
}

/// One sink that several workers of a run report to at once: each event
/// is handed over whole, under a lock held for that event only.
pub trait SharedSink: Sync {
    fn emit(&self, event: &RunEvent);

    /// As `EventSink::broken`.
    fn broken(&self) -> Option<String>;
}

/// A sink made shareable by a lock.
pub struct Locked<'s>(std::sync::Mutex<&'s mut (dyn EventSink + Send)>);

impl<'s> Locked<'s> {
    pub fn new(sink: &'s mut (dyn EventSink + Send)) -> Self {
        Self(std::sync::Mutex::new(sink))
    }
}

impl SharedSink for Locked<'_> {
    fn emit(&self, event: &RunEvent) {
        // A sink that panicked mid-event leaves nothing half-written that
        // the next event depends on: its lock is taken over.
        let mut sink = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        sink.emit(event);
    }

    fn broken(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).broken()
    }
}

/// Sends every event to several sinks in order.
pub struct Fanout<'a>(pub Vec<&'a mut (dyn EventSink + Send)>);

impl EventSink for Fanout<'_> {
    fn emit(&mut self, event: &RunEvent) {
        for sink in &mut self.0 {
            sink.emit(event);
        }
    }

    fn broken(&self) -> Option<String> {
        self.0.iter().find_map(|sink| sink.broken())
    }
}

impl EventSink for Vec<RunEvent> {
    fn emit(&mut self, event: &RunEvent) {
        self.push(event.clone());
    }
}
