//! The robot's ledger of cases and the life of a business exception: opened
//! by a run, seen again by later runs, settled by its officer (by hand, or
//! "try again"), and done when a run then enters the case.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::mail::report::OpenException;

use rusqlite::{Connection, OptionalExtension, params};

use crate::runner::event::{LedgerEntry, LedgerState};
use crate::store::audit::{Act, Actor};
use crate::store::db::now;
use crate::store::{Store, StoreError};

/// The `meta` row naming the key the ledger's purged keys were hashed with.
const KEY_CHECK: &str = "console_key_check";

impl Store {
    /// Whether the ledger holds keys a purge hashed (`#` and hex digits):
    /// without the key they were hashed with, those cases look new.
    pub fn holds_hashed_keys(&self) -> Result<bool, StoreError> {
        let found =
            self.conn.query_row("SELECT EXISTS (SELECT 1 FROM ledger WHERE key LIKE '#%')", [], |r| r.get(0))?;
        Ok(found)
    }

    /// The check value of the key the ledger's hashed keys were made with, if recorded.
    pub fn key_check(&self) -> Result<Option<String>, StoreError> {
        let value =
            self.conn.query_row("SELECT value FROM meta WHERE name = ?1", [KEY_CHECK], |r| r.get(0)).optional()?;
        Ok(value)
    }

    pub fn set_key_check(&self, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![KEY_CHECK, value],
        )?;
        Ok(())
    }
}

/// How an officer settles an open exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Finished by hand: closed, never taken again, counted as an exception.
    Handled,
    /// The data was put right: the next run takes the case again.
    Retry,
}

impl Settlement {
    fn ledger_state(self) -> LedgerState {
        match self {
            Settlement::Handled => LedgerState::Handled,
            Settlement::Retry => LedgerState::Retry,
        }
    }
}

/// What settling a case found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Done,
    /// The ledger has no such case.
    Unknown,
    /// The case is in the ledger but not an open exception (its state).
    NotOpen(String),
}

const OPEN_SELECT: &str = "
    SELECT x.robot, x.key, x.message, x.handler, x.run_id, x.opened_at, x.last_seen_at, x.last_run_id, x.reminded_at, x.fields,
           (SELECT path FROM evidence e WHERE e.item_id = x.item_id AND e.kind IN ('screenshot', 'mail_screenshot')
            ORDER BY e.kind = 'mail_screenshot' DESC, e.id DESC LIMIT 1),
           (SELECT path FROM evidence e WHERE e.item_id = x.item_id AND e.kind = 'html' ORDER BY e.id DESC LIMIT 1)
    FROM exceptions x WHERE x.state = 'open'";

/// Why the case may not be settled or reopened: not in the ledger, or in
/// none of the `states` that allow it; None when it may.
fn unless_in(tx: &Connection, robot: &str, key: &str, states: &[&str]) -> Result<Option<Settled>, StoreError> {
    let sql = "SELECT state FROM ledger WHERE robot = ?1 AND key = ?2";
    let state: Option<String> = tx.query_row(sql, params![robot, key], |r| r.get(0)).optional()?;
    Ok(match state {
        None => Some(Settled::Unknown),
        Some(state) if states.contains(&state.as_str()) => None,
        Some(state) => Some(Settled::NotOpen(state)),
    })
}

fn open_exception_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OpenException> {
    Ok(OpenException {
        robot: r.get(0)?,
        key: r.get(1)?,
        message: r.get(2)?,
        handler: r.get(3)?,
        run_id: r.get(4)?,
        opened_at: r.get(5)?,
        last_seen_at: r.get(6)?,
        last_run_id: r.get(7)?,
        reminded_at: r.get(8)?,
        fields: r
            .get::<_, Option<String>>(9)?
            .and_then(|f| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&f).ok())
            .map(|m| m.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default(),
        screenshot: r.get::<_, Option<String>>(10)?.map(PathBuf::from),
        html: r.get::<_, Option<String>>(11)?.map(PathBuf::from),
    })
}

impl Store {
    /// The robot's ledger: every case it has a state for.
    pub fn ledger(&self, robot: &str) -> Result<HashMap<String, LedgerEntry>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT key, state, run_id, fingerprint FROM ledger WHERE robot = ?1")?;
        let rows = stmt.query_map([robot], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get::<_, Option<i64>>(3)?))
        })?;
        let mut ledger = HashMap::new();
        for row in rows {
            let (key, state, run_id, fingerprint) = row?;
            if let Some(state) = LedgerState::parse(&state) {
                ledger.insert(key, LedgerEntry { state, run_id, fingerprint: fingerprint.map(|f| f as u64) });
            }
        }
        Ok(ledger)
    }

    /// Sets (or with `None` removes) a case's ledger entry, and moves its
    /// exception on: a case tried again settles its open exception (`retry`
    /// by a changed case), a case done closes a settled one as done.
    /// Returns whether the entry existed.
    pub fn set_ledger(
        &self,
        robot: &str,
        key: &str,
        state: Option<LedgerState>,
        run_id: i64,
        fingerprint: Option<u64>,
    ) -> Result<bool, StoreError> {
        let at = now();
        let changed = match state {
            Some(state) => self.conn.execute(
                "INSERT INTO ledger (robot, key, state, run_id, updated_at, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (robot, key) DO UPDATE SET state = ?3, run_id = ?4, updated_at = ?5, fingerprint = ?6",
                params![robot, key, state.as_str(), run_id, at, fingerprint.map(|f| f as i64)],
            )?,
            None => self.conn.execute("DELETE FROM ledger WHERE robot = ?1 AND key = ?2", params![robot, key])?,
        };
        match state {
            Some(LedgerState::Retry) => {
                self.conn.execute(
                    "UPDATE exceptions SET state = 'retry', settled_at = ?3, settled_by = 'changed'
                     WHERE robot = ?1 AND key = ?2 AND state = 'open'",
                    params![robot, key, at],
                )?;
            }
            Some(LedgerState::Done) => {
                self.conn.execute(
                    "UPDATE exceptions SET state = 'done', done_at = ?3 WHERE robot = ?1 AND key = ?2 AND state = 'retry'",
                    params![robot, key, at],
                )?;
            }
            _ => {}
        }
        Ok(changed > 0)
    }

    /// The cases of `robot` a person must look at: marked `needs_review`, or
    /// left `in_progress` by a run that is no longer running (the same cases
    /// `show` lists as `needs_review`). Key, run and since when.
    pub fn cases_to_review(&self, robot: &str) -> Result<Vec<(String, i64, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.key, l.run_id, l.updated_at FROM ledger l LEFT JOIN runs r ON r.id = l.run_id
             WHERE l.robot = ?1 AND (l.state = 'needs_review' OR (l.state = 'in_progress' AND COALESCE(r.status, '') != 'running'))
             ORDER BY l.updated_at",
        )?;
        let rows = stmt.query_map(params![robot], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A person's word on a case a dead run left half-done: done (never
    /// enter it again) or to be entered again (the entry removed). False
    /// when the ledger has no such case; a case it never saw is not made up.
    pub fn settle_case(&self, robot: &str, key: &str, done: bool) -> Result<bool, StoreError> {
        let changed = if done {
            self.conn.execute(
                "UPDATE ledger SET state = 'done', updated_at = ?3 WHERE robot = ?1 AND key = ?2",
                params![robot, key, now()],
            )?
        } else {
            self.conn.execute("DELETE FROM ledger WHERE robot = ?1 AND key = ?2", params![robot, key])?
        };
        Ok(changed > 0)
    }

    /// Exceptions waiting for their officers, oldest first; of one robot or all.
    pub fn open_exceptions(&self, robot: Option<&str>) -> Result<Vec<OpenException>, StoreError> {
        let sql = format!("{OPEN_SELECT} AND (?1 IS NULL OR x.robot = ?1) ORDER BY x.opened_at, x.id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![robot], open_exception_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One open exception, if `key` of `robot` is one.
    pub fn open_exception_of(&self, robot: &str, key: &str) -> Result<Option<OpenException>, StoreError> {
        let sql = format!("{OPEN_SELECT} AND x.robot = ?1 AND x.key = ?2");
        Ok(self.conn.query_row(&sql, params![robot, key], open_exception_row).optional()?)
    }

    /// The officer's word on an open exception, in one transaction with the ledger.
    /// Settles an open exception as `by` says, with their note; the audit
    /// log records it in the same transaction.
    pub fn settle_exception(
        &mut self,
        robot: &str,
        key: &str,
        how: Settlement,
        by: &Actor,
        note: Option<&str>,
    ) -> Result<Settled, StoreError> {
        let tx = self.conn.transaction()?;
        if let Some(refused) = unless_in(&tx, robot, key, &["open"])? {
            return Ok(refused);
        }
        let at = now();
        tx.execute(
            "UPDATE ledger SET state = ?3, updated_at = ?4 WHERE robot = ?1 AND key = ?2",
            params![robot, key, how.ledger_state().as_str(), at],
        )?;
        let state = match how {
            Settlement::Handled => "handled",
            Settlement::Retry => "retry",
        };
        tx.execute(
            "UPDATE exceptions SET state = ?3, settled_at = ?4, settled_by = ?5, note = ?6
             WHERE robot = ?1 AND key = ?2 AND state = 'open'",
            params![robot, key, state, at, by.who, note],
        )?;
        let act = Act { action: state, robot: Some(robot), key: Some(key), run_id: None, note };
        crate::store::audit::record(&tx, by, &act)?;
        tx.commit()?;
        Ok(Settled::Done)
    }

    /// Opens again a case settled by mistake (IT's undo): only while the
    /// ledger still holds the settlement, so never a case a run has taken
    /// since; the audit log records it.
    pub fn reopen_exception(&mut self, robot: &str, key: &str, by: &Actor) -> Result<Settled, StoreError> {
        let tx = self.conn.transaction()?;
        if let Some(refused) = unless_in(&tx, robot, key, &["handled", "retry"])? {
            return Ok(refused);
        }
        let at = now();
        tx.execute(
            "UPDATE ledger SET state = 'open', updated_at = ?3 WHERE robot = ?1 AND key = ?2",
            params![robot, key, at],
        )?;
        tx.execute(
            "UPDATE exceptions SET state = 'open', settled_at = NULL, settled_by = NULL
             WHERE id = (SELECT MAX(id) FROM exceptions WHERE robot = ?1 AND key = ?2 AND state IN ('handled', 'retry'))",
            params![robot, key],
        )?;
        let act = Act { action: "reopen", robot: Some(robot), key: Some(key), run_id: None, note: None };
        crate::store::audit::record(&tx, by, &act)?;
        tx.commit()?;
        Ok(Settled::Done)
    }

    /// Every robot the ledger holds cases of, by name.
    pub fn robots(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT DISTINCT robot FROM ledger ORDER BY robot")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks open exceptions (robot, key) as reminded of at `at` (RFC 3339).
    pub(crate) fn mark_reminded(&self, cases: &[(String, String)], at: &str) -> Result<(), StoreError> {
        for (robot, key) in cases {
            self.conn.execute(
                "UPDATE exceptions SET reminded_at = ?3 WHERE robot = ?1 AND key = ?2 AND state = 'open'",
                params![robot, key, at],
            )?;
        }
        Ok(())
    }
}

/// Opens a business exception for a case of this run (`run`: the run and
/// the case's row, whose message and officer it takes), with the case's
/// fields as JSON; one already open for the key is replaced.
pub(crate) fn open_exception(
    conn: &Connection,
    robot: &str,
    key: &str,
    run: (i64, i64),
    fields: Option<&str>,
) -> Result<(), StoreError> {
    let (run_id, item_id) = run;
    conn.execute(
        "INSERT INTO exceptions (robot, key, run_id, item_id, message, handler, fields, opened_at, last_seen_at, last_run_id, state)
         SELECT ?1, ?2, ?3, id, message, handler, ?6, ?5, ?5, ?3, 'open' FROM items WHERE id = ?4
         ON CONFLICT (robot, key) WHERE state = 'open' DO UPDATE SET
            run_id = excluded.run_id, item_id = excluded.item_id, message = excluded.message, fields = excluded.fields,
            handler = excluded.handler, last_seen_at = excluded.last_seen_at, last_run_id = excluded.last_run_id",
        params![robot, key, run_id, item_id, now(), fields],
    )?;
    Ok(())
}

/// A run met the case still open: when it was last seen.
pub(crate) fn saw_open_exception(conn: &Connection, robot: &str, key: &str, run_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE exceptions SET last_seen_at = ?3, last_run_id = ?4 WHERE robot = ?1 AND key = ?2 AND state = 'open'",
        params![robot, key, now(), run_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_opens_is_settled_once_and_a_retried_case_ends_done() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let run = store.create_run("r", "r.yaml", crate::store::Trigger::Manual, 0.0).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO items (run_id, seq, key, status, started_at, message, handler)
                 VALUES (?1, 0, 'A', 'business_exception', '2026-11-24T01:00:00Z', 'fel personnummer', 'sk@example.se')",
                [run],
            )
            .unwrap();
        let item = store.conn.last_insert_rowid();
        store.set_ledger("r", "A", Some(LedgerState::Open), run, Some(42)).unwrap();
        open_exception(&store.conn, "r", "A", (run, item), None).unwrap();
        open_exception(&store.conn, "r", "A", (run, item), None).unwrap();
        let open = store.open_exceptions(Some("r")).unwrap();
        assert_eq!(open.len(), 1, "one open exception per case");
        assert_eq!(
            (open[0].message.as_deref(), open[0].handler.as_deref()),
            (Some("fel personnummer"), Some("sk@example.se"))
        );
        assert_eq!(store.ledger("r").unwrap()["A"].fingerprint, Some(42));

        assert_eq!(
            store.settle_exception("r", "B", Settlement::Handled, &Actor::command_line(), None).unwrap(),
            Settled::Unknown
        );
        assert_eq!(
            store.settle_exception("r", "A", Settlement::Retry, &Actor::command_line(), None).unwrap(),
            Settled::Done
        );
        assert_eq!(
            store.settle_exception("r", "A", Settlement::Handled, &Actor::command_line(), None).unwrap(),
            Settled::NotOpen("retry".into()),
            "a settled exception is not settled again"
        );
        assert!(store.open_exceptions(None).unwrap().is_empty());
        // IT undoes the settlement: the case waits for its officer again.
        let it = Actor { who: "it@kommun.se".into(), via: "console" };
        assert_eq!(store.reopen_exception("r", "A", &it).unwrap(), Settled::Done);
        assert_eq!(store.open_exceptions(None).unwrap().len(), 1);
        assert_eq!(store.reopen_exception("r", "A", &it).unwrap(), Settled::NotOpen("open".into()), "once");
        let actions: Vec<String> = store.audit_entries(None, 5).unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["reopen", "retry"]);
        assert_eq!(
            store.settle_exception("r", "A", Settlement::Retry, &Actor::command_line(), None).unwrap(),
            Settled::Done
        );
        store.set_ledger("r", "A", Some(LedgerState::Done), run, None).unwrap();
        let state: String = store.conn.query_row("SELECT state FROM exceptions", [], |r| r.get(0)).unwrap();
        assert_eq!(state, "done");
        assert_eq!(store.reopen_exception("r", "A", &it).unwrap(), Settled::NotOpen("done".into()), "a run took it");
    }
}
