//! The mail outbox: mail is written in the same transaction as the outcome
//! it reports, and a sender delivers it later with retries. A delivered mail
//! is marked so at once and never sent again.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::mail::report::{ItemReport, RunReport};
use crate::mail::{Mail, MailKind, PlanMail};
use crate::runner::event::{ItemStatus, RunStatus};
use crate::store::{Store, StoreError};

/// The first retry of a mail that failed waits this long; each further one twice as long.
pub(crate) const RETRY_BASE: Duration = Duration::from_secs(5);
/// The longest wait between two tries.
pub(crate) const RETRY_MAX: Duration = Duration::from_secs(600);
/// At most one mail to operations per robot in this time; later failures join it.
pub(crate) const OPS_MAIL_INTERVAL: Duration = Duration::from_secs(3600);

/// A mail waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub mail: Mail,
    pub attempts: i64,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The wait before try number `attempts + 1`.
pub(crate) fn retry_delay(attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.max(0)).unwrap_or(u32::MAX).min(16));
    (RETRY_BASE * factor).min(RETRY_MAX)
}

/// Ends a run as `status` (unless it already ended) and settles its open
/// cases; with `policy`, queues the mail it calls for. One transaction.
pub(crate) fn settle(
    conn: &Connection,
    run_id: i64,
    status: RunStatus,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let at = stamp(Utc::now());
    conn.execute(
        "UPDATE items SET status = 'needs_review', finished_at = ?1 WHERE run_id = ?2 AND status = 'running'",
        params![at, run_id],
    )?;
    // A run whose process died ends at its last sign of life (the end of its
    // last recorded step, case or log line), not when somebody noticed.
    let ended = if status == RunStatus::Interrupted { last_sign_of_life(conn, run_id)?.unwrap_or(at) } else { at };
    let changed = conn.execute(
        "UPDATE runs SET status = ?1, finished_at = ?2, error = COALESCE(error, ?3),
         duration_ms = COALESCE(duration_ms, CAST(ROUND((julianday(?2) - julianday(started_at)) * 86400000) AS INTEGER))
         WHERE id = ?4 AND status = 'running'",
        params![status.as_str(), ended, error, run_id],
    )?;
    Ok(changed > 0)
}

/// The latest moment a run is known to have been alive, RFC 3339.
fn last_sign_of_life(conn: &Connection, run_id: i64) -> Result<Option<String>, StoreError> {
    let last = conn.query_row(
        "SELECT MAX(t) FROM (
             SELECT started_at AS t FROM runs WHERE id = ?1
             UNION ALL SELECT strftime('%Y-%m-%dT%H:%M:%fZ', julianday(started_at) + duration_ms / 86400000.0)
                 FROM steps WHERE run_id = ?1
             UNION ALL SELECT started_at FROM items WHERE run_id = ?1
             UNION ALL SELECT finished_at FROM items WHERE run_id = ?1 AND finished_at IS NOT NULL
             UNION ALL SELECT at FROM logs WHERE run_id = ?1)",
        [run_id],
        |r| r.get(0),
    )?;
    Ok(last)
}

/// What the run log knows about a run, for its mail.
fn run_report(conn: &Connection, run_id: i64) -> Result<Option<RunReport>, StoreError> {
    let run = conn
        .query_row("SELECT robot, status, started_at, error FROM runs WHERE id = ?1", [run_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
        })
        .optional()?;
    let Some((robot, status, started_at, error)) = run else { return Ok(None) };
    let mut stmt = conn.prepare(
        "SELECT i.id, i.seq, i.key, i.status, i.message, i.handler,
                (SELECT COUNT(*) FROM steps s WHERE s.item_id = i.id AND s.outcome = 'ok'),
                (SELECT s.keyword || char(31) || s.line FROM steps s WHERE s.item_id = i.id AND s.outcome != 'ok'
                 ORDER BY s.id DESC LIMIT 1),
                (SELECT e.path FROM evidence e WHERE e.item_id = i.id AND e.kind IN ('screenshot', 'mail_screenshot')
                 ORDER BY e.kind = 'mail_screenshot' DESC, e.id DESC LIMIT 1)
         FROM items i
         WHERE i.run_id = ?1 AND i.status IN ('business_exception', 'system_exception', 'needs_review')
         ORDER BY i.seq",
    )?;
    let items = stmt
        .query_map([run_id], |r| {
            let stopped: Option<String> = r.get(7)?;
            let status: String = r.get(3)?;
            Ok(ItemReport {
                seq: r.get(1)?,
                key: r.get(2)?,
                status: ItemStatus::parse(&status).unwrap_or(ItemStatus::NeedsReview),
                message: r.get(4)?,
                handler: r.get(5)?,
                steps_done: r.get(6)?,
                stopped_at: stopped.and_then(|s| {
                    let (keyword, line) = s.split_once('\u{1f}')?;
                    Some((keyword.to_string(), line.parse().ok()?))
                }),
                screenshot: r.get::<_, Option<String>>(8)?.map(PathBuf::from),
                link: None,
            })
        })?
        .collect::<Result<_, _>>()?;
    let status = RunStatus::parse(&status).unwrap_or(RunStatus::Failed);
    Ok(Some(RunReport { run_id, robot, status, started_at, error, items }))
}

fn insert(conn: &Connection, robot: &str, run_id: Option<i64>, mail: &Mail) -> Result<(), StoreError> {
    let now = Utc::now();
    let attachments = serde_json::to_string(&mail.attachments).unwrap_or_else(|_| "[]".into());
    if mail.kind == MailKind::Ops {
        // Failures while an operations mail waits join it: a storm is one mail.
        let waiting: Option<(i64, String, String)> = conn
            .query_row(
                "SELECT id, body_text, body_html FROM outbox
                 WHERE robot = ?1 AND kind = 'ops' AND sent_at IS NULL ORDER BY id LIMIT 1",
                [robot],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, text, html)) = waiting {
            let text = format!("{text}\n{}", mail.text);
            let html = format!("{html}\n{}", mail.html);
            conn.execute(
                "UPDATE outbox SET body_text = ?1, body_html = ?2,
                 subject = CASE WHEN subject LIKE '% (+)' THEN subject ELSE subject || ' (+)' END,
                 attachments = json(json_insert(attachments, '$[#]', json(?3))) WHERE id = ?4",
                params![text, html, serde_json::to_string(&mail.attachments.first()).unwrap_or_default(), id],
            )?;
            return Ok(());
        }
    }
    let mut first_try = now;
    if mail.kind == MailKind::Ops {
        let last_sent: Option<String> =
            conn.query_row("SELECT MAX(sent_at) FROM outbox WHERE robot = ?1 AND kind = 'ops'", [robot], |r| r.get(0))?;
        if let Some(sent) = last_sent.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()) {
            let allowed = sent.with_timezone(&Utc) + chrono::Duration::from_std(OPS_MAIL_INTERVAL).unwrap_or_default();
            first_try = first_try.max(allowed);
        }
    }
    conn.execute(
        "INSERT INTO outbox (message_id, run_id, robot, kind, recipients, subject, body_text, body_html, attachments,
                             created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (message_id) DO NOTHING",
        params![
            mail.message_id,
            run_id,
            robot,
            mail.kind.as_str(),
            mail.to.join(", "),
            mail.subject,
            mail.text,
            mail.html,
            attachments,
            stamp(now),
            stamp(first_try)
        ],
    )?;
    Ok(())
}

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    let recipients: String = r.get(4)?;
    let attachments: String = r.get(8)?;
    let kind: String = r.get(3)?;
    let mail = Mail {
        kind: MailKind::parse(&kind).unwrap_or(MailKind::Test),
        to: recipients.split(", ").map(String::from).filter(|s| !s.is_empty()).collect(),
        subject: r.get(5)?,
        text: r.get(6)?,
        html: r.get(7)?,
        attachments: serde_json::from_str::<Vec<Option<PathBuf>>>(&attachments)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
        message_id: r.get(1)?,
    };
    Ok(OutboxRow {
        id: r.get(0)?,
        run_id: r.get(2)?,
        mail,
        attempts: r.get(9)?,
        sent_at: r.get(10)?,
        last_error: r.get(11)?,
    })
}

const OUTBOX_SELECT: &str = "SELECT id, message_id, run_id, kind, recipients, subject, body_text, body_html,
                                    attachments, attempts, sent_at, last_error FROM outbox";

impl Store {
    /// Ends a run from outside the runner and queues the mail it calls for, in one transaction.
    pub fn finish_as_with_mail(
        &mut self,
        run_id: i64,
        status: RunStatus,
        error: &str,
        planner: &dyn PlanMail,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if settle(&tx, run_id, status, Some(error))? {
            queue_run_mail(&tx, run_id, planner)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Queues one mail that belongs to no run (a test mail).
    pub fn queue_mail(&self, robot: &str, mail: &Mail) -> Result<(), StoreError> {
        insert(&self.conn, robot, None, mail)
    }

    /// Queues a mail unless one with its message id was ever queued; true when queued.
    pub fn queue_mail_once(&self, robot: &str, mail: &Mail) -> Result<bool, StoreError> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE message_id = ?1)",
            [&mail.message_id],
            |r| r.get(0),
        )?;
        if !known {
            insert(&self.conn, robot, None, mail)?;
        }
        Ok(!known)
    }

    /// Unsent mail whose time to try has come, oldest first.
    pub fn due_mail(&self, now: DateTime<Utc>) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{OUTBOX_SELECT} WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY id"))?;
        let rows = stmt.query_map([stamp(now)], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the next unsent mail is due, if any is waiting.
    pub fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<String> =
            self.conn.query_row("SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL", [], |r| r.get(0))?;
        Ok(next.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc)))
    }

    pub fn mark_mail_sent(&self, id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET sent_at = ?1, attempts = attempts + 1, last_error = NULL WHERE id = ?2",
            params![stamp(Utc::now()), id],
        )?;
        Ok(())
    }

    /// Records a failed try and when to try again.
    pub fn mark_mail_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let attempts: i64 = self.conn.query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |r| r.get(0))?;
        let next = Utc::now() + chrono::Duration::from_std(retry_delay(attempts)).unwrap_or_default();
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2 WHERE id = ?3",
            params![error, stamp(next), id],
        )?;
        Ok(())
    }

    /// Every mail in the outbox, newest first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{OUTBOX_SELECT} ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit as i64], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Plans (with `planner`) and queues the mail for a finished run.
pub(crate) fn queue_run_mail(conn: &Connection, run_id: i64, planner: &dyn PlanMail) -> Result<usize, StoreError> {
    let Some(report) = run_report(conn, run_id)? else { return Ok(0) };
    let mails = planner.plan(&report);
    for mail in &mails {
        insert(conn, &report.robot, Some(run_id), mail)?;
    }
    Ok(mails.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops_mail(run: i64) -> Mail {
        Mail {
            kind: MailKind::Ops,
            to: vec!["drift@example.se".into()],
            subject: format!("run {run} failed"),
            text: format!("run {run}"),
            html: format!("<p>run {run}</p>"),
            attachments: vec![PathBuf::from(format!("/e/{run}.png"))],
            message_id: format!("<run-{run}.ops@nightshift>"),
        }
    }

    #[test]
    fn failures_while_an_ops_mail_waits_become_one_mail() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for run in 1..=50 {
            insert(&store.conn, "r", Some(run), &ops_mail(run)).unwrap();
        }
        let waiting = store.due_mail(Utc::now()).unwrap();
        assert_eq!(waiting.len(), 1);
        assert!(waiting[0].mail.text.contains("run 1\n") && waiting[0].mail.text.ends_with("run 50"));
        assert_eq!(waiting[0].mail.attachments.len(), 50);
        store.mark_mail_sent(waiting[0].id).unwrap();
        // Right after a sent one, the next waits for the interval.
        insert(&store.conn, "r", Some(51), &ops_mail(51)).unwrap();
        assert!(store.due_mail(Utc::now()).unwrap().is_empty());
        let next = store.next_mail_due().unwrap().unwrap();
        assert!(next > Utc::now() + chrono::Duration::minutes(59));
    }

    #[test]
    fn a_failed_try_waits_longer_each_time_and_a_sent_mail_is_never_due_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut mail = ops_mail(1);
        mail.kind = MailKind::Digest;
        store.queue_mail("r", &mail).unwrap();
        store.queue_mail("r", &mail).unwrap();
        let row = store.due_mail(Utc::now()).unwrap().remove(0);
        store.mark_mail_failed(row.id, "connection refused").unwrap();
        assert!(store.due_mail(Utc::now()).unwrap().is_empty());
        assert!(store.due_mail(Utc::now() + chrono::Duration::seconds(6)).unwrap().len() == 1);
        store.mark_mail_sent(row.id).unwrap();
        assert!(store.due_mail(Utc::now() + chrono::Duration::days(1)).unwrap().is_empty());
        assert_eq!(retry_delay(0), Duration::from_secs(5));
        assert_eq!(retry_delay(3), Duration::from_secs(40));
        assert_eq!(retry_delay(30), RETRY_MAX);
    }
}
