//! Who did what: every settle, "run now" and "mark as seen", when, by whom
//! and through what (a mail link names its recipient, the console its
//! user, the command line the login name), kept for its own retention.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::store::db::now;
use crate::store::{Store, StoreError};

/// Who acted, and through what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A mail address, a console user's name, or a login name.
    pub who: String,
    /// `mail link`, `console` or `command line`.
    pub via: &'static str,
}

impl Actor {
    /// The person at the terminal, by their login name.
    pub fn command_line() -> Self {
        let who = crate::environment::var("USER").or_else(|| crate::environment::var("LOGNAME")).unwrap_or("unknown");
        Self { who: who.to_string(), via: "command line" }
    }

    /// A console user (the console has one shared token so far).
    pub fn console() -> Self {
        Self { who: "console".into(), via: "console" }
    }

    /// Whoever holds a case's link from a mail sent to `to`.
    pub fn mail_link(to: &str) -> Self {
        Self { who: if to.is_empty() { "mail link".into() } else { to.to_string() }, via: "mail link" }
    }
}

/// One entry of the audit log. Field names are part of `/audit.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub at: String,
    pub who: String,
    pub via: String,
    /// `handled`, `retry`, `run_now`, `seen`.
    pub action: String,
    pub robot: Option<String>,
    pub key: Option<String>,
    pub run_id: Option<i64>,
    pub note: Option<String>,
}

/// What the audit log keeps of one act.
pub struct Act<'a> {
    pub action: &'a str,
    pub robot: Option<&'a str>,
    pub key: Option<&'a str>,
    pub run_id: Option<i64>,
    pub note: Option<&'a str>,
}

/// How a case was settled, for its page once it is no longer open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// `handled` or `retry` (and `changed`, `done` for what the robot did).
    pub state: String,
    pub at: Option<String>,
    pub by: Option<String>,
    pub note: Option<String>,
}

/// Writes one entry, in the caller's transaction when it has one.
pub(crate) fn record(conn: &rusqlite::Connection, by: &Actor, act: &Act<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (at, who, via, action, robot, key, run_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![now(), by.who, by.via, act.action, act.robot, act.key, act.run_id, act.note],
    )?;
    Ok(())
}

impl Store {
    /// Records one act.
    pub fn audit(&self, by: &Actor, act: &Act<'_>) -> Result<(), StoreError> {
        record(&self.conn, by, act)
    }

    /// The newest entries first, at most `limit`; of one case when `case`
    /// names it (robot, key).
    pub fn audit_entries(&self, case: Option<(&str, &str)>, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let (robot, key) = case.unzip();
        let mut stmt = self.conn.prepare(
            "SELECT at, who, via, action, robot, key, run_id, note FROM audit
             WHERE (?1 IS NULL OR (robot = ?1 AND key = ?2)) ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![robot, key, limit as i64], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                who: r.get(1)?,
                via: r.get(2)?,
                action: r.get(3)?,
                robot: r.get(4)?,
                key: r.get(5)?,
                run_id: r.get(6)?,
                note: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How the case's latest exception ended, if it had one that is settled.
    pub fn settlement(&self, robot: &str, key: &str) -> Result<Option<Settlement>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT state, settled_at, settled_by, note FROM exceptions
                 WHERE robot = ?1 AND key = ?2 AND state != 'open' ORDER BY id DESC LIMIT 1",
                params![robot, key],
                |r| Ok(Settlement { state: r.get(0)?, at: r.get(1)?, by: r.get(2)?, note: r.get(3)? }),
            )
            .optional()?)
    }

    /// Pauses (`paused`) or resumes a job of `robot` as `by` asks, and
    /// records it; false when it already was so.
    pub fn set_paused(&mut self, job: &str, robot: &str, paused: bool, by: &Actor) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = if paused {
            tx.execute(
                "INSERT INTO paused (job, at, by) VALUES (?1, ?2, ?3)
                 ON CONFLICT (job) DO UPDATE SET at = ?2, by = ?3, resumed_at = NULL WHERE resumed_at IS NOT NULL",
                params![job, now(), by.who],
            )?
        } else {
            tx.execute("UPDATE paused SET resumed_at = ?2 WHERE job = ?1 AND resumed_at IS NULL", params![job, now()])?
        };
        if changed == 1 {
            let note = format!("job {job}");
            let action = if paused { "pause" } else { "resume" };
            record(&tx, by, &Act { action, robot: Some(robot), key: None, run_id: None, note: Some(&note) })?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// The paused jobs: (job, since when, by whom).
    pub fn paused_jobs(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT job, at, by FROM paused WHERE resumed_at IS NULL ORDER BY job")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the job is paused.
    pub fn is_paused(&self, job: &str) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM paused WHERE job = ?1 AND resumed_at IS NULL";
        Ok(self.conn.query_row(sql, [job], |r| r.get::<_, i64>(0))? > 0)
    }

    /// When the job was last resumed (RFC 3339), if it ever was paused.
    pub fn resumed_at(&self, job: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT resumed_at FROM paused WHERE job = ?1";
        Ok(self.conn.query_row(sql, [job], |r| r.get(0)).optional()?.flatten())
    }

    /// Entries older than `before` (RFC 3339) removed; how many.
    pub fn purge_audit(&self, before: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM audit WHERE at < ?1", [before])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settlement_is_kept_with_its_officer_and_note_and_old_entries_go_by_their_own_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let anna = Actor::mail_link("anna.svensson@kommun.se");
        let act = Act { action: "handled", robot: Some("r"), key: Some("2026-1"), run_id: None, note: Some("ringde") };
        store.audit(&anna, &act).unwrap();
        store
            .audit(
                &Actor::console(),
                &Act { action: "run_now", robot: Some("r"), key: None, run_id: Some(4), note: None },
            )
            .unwrap();
        store.conn.execute("UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE action = 'run_now'", []).unwrap();
        let case = store.audit_entries(Some(("r", "2026-1")), 10).unwrap();
        assert_eq!(case.len(), 1);
        assert_eq!(
            (case[0].who.as_str(), case[0].via.as_str(), case[0].note.as_deref()),
            ("anna.svensson@kommun.se", "mail link", Some("ringde"))
        );
        assert_eq!(store.audit_entries(None, 10).unwrap().len(), 2);
        assert_eq!(store.purge_audit("2021-12-08T00:00:00.000Z").unwrap(), 1);
        let left: Vec<String> = store.audit_entries(None, 10).unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(left, ["handled"]);
    }
}
