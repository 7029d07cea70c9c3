//! What the run log gives back: rows with stable field names, serialised as
//! the JSON of `runs --json` and `show RUN --json` (documented in docs/cli.md).

use serde::Serialize;

use crate::runner::event::{ItemStatus, RunStatus};

/// What an alert is about, as the run log's `alerts.kind` column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A robot has had no successful run for longer than its schedule allows.
    NoSuccess,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::NoSuccess => "no_success",
        }
    }
}

/// An alert that is still open, for the console's front page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub job: String,
    /// As stored: an older or newer nightshift may know kinds this one does not.
    pub kind: String,
    pub message: String,
    pub created_at: String,
}

/// What started a run, as the run log's `trigger` column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    /// `nightshift run`.
    #[default]
    Manual,
    /// `nightshift run --dry-run`: not counted in the statistics.
    DryRun,
    /// A schedule's slot, at its time.
    Schedule,
    /// A slot missed while the daemon was down, run on its return.
    CatchUp,
    /// The console's "run now".
    Console,
    /// `nightshift demo`.
    Demo,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::DryRun => "dry-run",
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Console => "console",
            Trigger::Demo => "demo",
        }
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub robot: String,
    pub robot_file: String,
    pub trigger: String,
    /// The schedule job that started it, and the slot it was for (scheduled runs only).
    pub job: Option<String>,
    pub scheduled_for: Option<String>,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub items: ItemCounts,
    pub manual_minutes: f64,
    /// Minutes a person would have needed for the cases that were done.
    pub saved_minutes: f64,
    pub error: Option<String>,
    /// Browser sessions that shared the cases.
    pub workers: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    pub total: i64,
    pub done: i64,
    pub business_exceptions: i64,
    pub system_exceptions: i64,
    pub skipped: i64,
    pub needs_review: i64,
    /// Open exceptions of earlier runs this run met and left to their officers.
    pub awaiting_officer: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    pub seq: i64,
    pub key: String,
    pub status: ItemStatus,
    pub started_at: String,
    pub duration_ms: Option<i64>,
    pub attempts: i64,
    pub saved_minutes: f64,
    pub message: Option<String>,
    /// The page the case failed on, and the step that failed.
    pub error_url: Option<String>,
    pub error_step: Option<String>,
    pub evidence: Vec<EvidenceRow>,
    /// Which worker took the case, from 1.
    pub worker: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow {
    pub block: String,
    pub item_seq: Option<i64>,
    pub index: i64,
    pub step: String,
    pub summary: String,
    pub line: i64,
    pub started_at: String,
    pub duration_ms: f64,
    pub outcome: String,
    pub error: Option<String>,
    /// The case the step belongs to, and how that case ended (null for setup and teardown).
    pub item_key: Option<String>,
    pub item_status: Option<ItemStatus>,
}

/// A locator list's fallback as one run used it. Field names are part of `show --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FallbackUse {
    pub line: i64,
    /// The list's first entry, which found nothing.
    pub wanted: String,
    /// The entry that matched.
    pub used: String,
    pub times: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    pub kind: String,
    pub path: String,
    pub item_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunRow,
    pub item_list: Vec<ItemRow>,
    pub steps: Vec<StepRow>,
    pub evidence: Vec<EvidenceRow>,
    pub logs: Vec<String>,
    pub fallbacks: Vec<FallbackUse>,
}
