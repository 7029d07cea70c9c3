//! Why a step, a case or a run did not finish. Typed all the way from the
//! step that failed to the sink that shows it; text is made only there.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::browser::BrowserError;
use crate::human::fmt_duration;
use crate::robot::expr::RenderError;
use crate::runner::source::SourceError;
use crate::runner::stop::StopReason;

/// How a case's steps ended, when they did not simply finish.
#[derive(Debug, Error)]
pub(crate) enum Failure {
    /// A `skip` step: the case is already done.
    #[error("{0}")]
    Skip(String),
    /// A `fail` or `validate` step: the case needs a person. Not retried.
    #[error("{0}")]
    Business(String),
    /// Something technical failed. Retried.
    #[error(transparent)]
    System(#[from] SystemError),
    /// The run was stopped from outside while a step was under way.
    #[error("{}", .0.message())]
    Stopped(StopReason),
}

/// A technical failure, with its cause as data.
#[derive(Debug, Error)]
pub(crate) enum SystemError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// A wait ran out: what was waited for, and the limit.
    #[error("{waited_for} was not met within {}", fmt_duration(*limit))]
    TimedOut { waited_for: String, limit: Duration },
    /// A `${...}` reference had no value.
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("failed to {action} `{}`: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    /// A step's `expect` saw its `fault` element: the system said it failed.
    #[error("`{locator}` showed: {text}")]
    PageSaid { locator: String, text: String },
    #[error("there is no file `{}` to upload", path.display())]
    NoSuchFile { path: PathBuf },
    #[error("`download` needs the browser on this machine; a remote WebDriver keeps its files")]
    RemoteDownload,
    #[error("no download finished within {}", fmt_duration(*limit))]
    DownloadTimedOut { limit: Duration },
    #[error("`{url}` answered HTTP {status}")]
    ServerError { url: String, status: u16 },
    /// A browser command that never came back.
    #[error("the browser did not answer `{keyword}` within {}", fmt_duration(*limit))]
    Unresponsive { keyword: &'static str, limit: Duration },
    /// A condition's `matches:` whose pattern, once its references were
    /// filled in, is not a regular expression.
    #[error("`{pattern}` is not a regular expression: {reason}")]
    BadPattern { pattern: String, reason: String },
    /// An `assert` whose condition did not hold: the page is not the one
    /// the robot was written for.
    #[error("{message}")]
    AssertFailed { message: String },
    /// A blocking task (an HTTP call) ended without an answer.
    #[error("the {what} could not finish: {source}")]
    Task { what: &'static str, source: tokio::task::JoinError },
    /// A step that failed, with where it stands in the robot file.
    #[error("line {line}: `{keyword}` failed: {cause}")]
    Step { line: u32, keyword: &'static str, cause: Box<Failure> },
    #[error("restarting the browser failed: {0}")]
    Restart(BrowserError),
    #[error("logging in again failed: {0}")]
    LoginAgain(Box<Failure>),
    #[error("setup failed before the retry: {0}")]
    SetupBeforeRetry(Box<Failure>),
}

impl From<RenderError> for Failure {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::NoElement(_) => Failure::Business(e.to_string()),
            e => Failure::System(SystemError::Render(e)),
        }
    }
}

impl From<BrowserError> for Failure {
    fn from(e: BrowserError) -> Self {
        Failure::System(SystemError::Browser(e))
    }
}

impl From<SourceError> for Failure {
    fn from(e: SourceError) -> Self {
        Failure::System(SystemError::Source(e))
    }
}

/// Why a run ended other than with every case tried.
#[derive(Debug, Error)]
pub(crate) enum RunError {
    #[error("variable `{name}`: {source}")]
    Variable { name: String, source: RenderError },
    #[error("setup failed: {0}")]
    Setup(Failure),
    #[error("reading the items failed: {0}")]
    Items(Failure),
    #[error("the items have no field `{key}` (they have: {})", columns.join(", "))]
    NoKeyField { key: String, columns: Vec<String> },
    #[error("stopped after {0} system exceptions in a row; the target system may be down")]
    FailuresInARow(u32),
    #[error("stopped for shutdown after {done} of {total} case(s)")]
    Shutdown { done: usize, total: usize },
    #[error("{}", .0.message())]
    Stopped(StopReason),
    /// The run log cannot be written (a full disk, a read-only or locked
    /// file): a case that cannot be claimed in the ledger is not started.
    #[error("the run log cannot be written, so no further case was started: {0}")]
    RunLog(String),
}

impl RunError {
    /// The run's status for this ending.
    pub(crate) fn status(&self) -> crate::runner::event::RunStatus {
        use crate::runner::event::RunStatus;
        match self {
            RunError::Shutdown { .. } => RunStatus::Interrupted,
            RunError::Stopped(reason) => reason.status(),
            _ => RunStatus::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_names_its_line_and_keyword_and_keeps_its_cause_typed() {
        let wait = SystemError::TimedOut { waited_for: "wait_for text `Sparat`".into(), limit: Duration::from_secs(5) };
        let step = SystemError::Step { line: 12, keyword: "wait_for", cause: Box::new(Failure::System(wait)) };
        assert_eq!(step.to_string(), "line 12: `wait_for` failed: wait_for text `Sparat` was not met within 5s");
        let Failure::System(SystemError::Step { cause, .. }) = Failure::System(step) else { unreachable!() };
        assert!(
            matches!(*cause, Failure::System(SystemError::TimedOut { limit, .. }) if limit == Duration::from_secs(5))
        );
    }
}
