//! What a mail is made from: a finished run and its cases, as read from the
//! run log. Plain data between the store, which fills it in, and the mail
//! planner (`notify`), which reads it; neither knows the other.

use std::path::PathBuf;

use serde::Serialize;

use crate::runner::event::{ItemStatus, RunStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub run_id: i64,
    pub robot: String,
    pub status: RunStatus,
    /// RFC 3339.
    pub started_at: String,
    pub error: Option<String>,
    pub items: Vec<ItemReport>,
}

/// A case that needs a person.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReport {
    pub seq: i64,
    pub key: String,
    /// A business or system exception, or a case that needs review.
    pub status: ItemStatus,
    pub message: Option<String>,
    /// The officer responsible for this case, when the robot names one per case.
    pub handler: Option<String>,
    /// Steps that completed before the one that stopped the case.
    pub steps_done: i64,
    /// The step that stopped the case: its keyword and line.
    pub stopped_at: Option<(String, i64)>,
    pub screenshot: Option<PathBuf>,
    /// The case's page on the web console (signed, expiring), when it has a public address.
    pub link: Option<String>,
}

/// An exception waiting for its officer. Field names are part of `review --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenException {
    pub robot: String,
    pub key: String,
    pub message: Option<String>,
    /// The case's officer, or null when the robot's handlers get its mail.
    pub handler: Option<String>,
    /// The run that opened it.
    pub run_id: i64,
    /// RFC 3339, UTC.
    pub opened_at: String,
    /// The last run that met the case still open.
    pub last_seen_at: String,
    pub last_run_id: i64,
    /// When the officer was last reminded of it.
    pub reminded_at: Option<String>,
    /// The case's fields as its source gave them (secrets masked).
    pub fields: Vec<(String, String)>,
    /// The evidence the exception left (none when the case had not opened a
    /// page); the screenshot is the one mail attaches (masked when the robot
    /// masks personnummer).
    pub screenshot: Option<PathBuf>,
    pub html: Option<PathBuf>,
}
