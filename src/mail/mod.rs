//! A mail as nightshift plans it, before it is queued or sent: plain data
//! between the planner (`notify`), the outbox (`store`) and the sender.
//! `report` is what a mail is made from: a finished run as the run log
//! holds it.

pub(crate) mod report;

use std::path::PathBuf;

use crate::mail::report::RunReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Business exceptions of one run for one recipient.
    Digest,
    /// One business exception.
    Item,
    /// Technical failures, for operations.
    Ops,
    Test,
    /// Open exceptions still waiting for their officer, after some working days.
    Reminder,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Digest => "digest",
            MailKind::Item => "item",
            MailKind::Ops => "ops",
            MailKind::Test => "test",
            MailKind::Reminder => "reminder",
        }
    }
}

/// One mail to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub kind: MailKind,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<PathBuf>,
    /// Stable for the notification: the same run never makes two different ids.
    pub message_id: String,
}

/// Plans the mail for a finished run from what the run log says about it.
/// The store is handed one when a run ends, so it queues the mail in the same
/// transaction as the outcome without knowing how mail is worded.
pub trait PlanMail: Send + Sync {
    fn plan(&self, report: &RunReport) -> Vec<Mail>;
}

impl MailKind {
    pub fn parse(text: &str) -> Option<Self> {
        [MailKind::Digest, MailKind::Item, MailKind::Ops, MailKind::Test, MailKind::Reminder]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}
