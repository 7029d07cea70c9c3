//! What a mail is made from: a finished run and its cases, as read from the
//! run log. Plain data between the store, which fills it in, and the mail
//! planner (`notify`), which reads it; neither knows the other.

use std::path::PathBuf;

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
}
