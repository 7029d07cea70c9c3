//! Opening the run log, writing runs as their events arrive, and reading them back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use thiserror::Error;

use crate::mail::PlanMail;
use crate::runner::event::{ItemStatus, RunStatus};
use crate::store::migrations::MIGRATIONS;
use crate::store::outbox::settle;
use crate::store::records::{AlertKind, OpenAlert, Trigger};
use crate::store::records::{EvidenceRow, FallbackUse, ItemCounts, ItemRow, RunDetail, RunRow, StepRow};

/// How long a writer waits for another process's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("failed to create the state folder `{}`: {source}", path.display())]
    StateDir { path: PathBuf, source: std::io::Error },
    #[error("failed to open the run log `{}`: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("the run log `{}` has schema version {found}, newer than this nightshift knows ({known}): upgrade nightshift", path.display())]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("run log query failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A run a schedule asks for: which job, for which slot.
#[derive(Debug, Clone, Copy)]
pub struct ScheduledRun<'a> {
    pub robot: &'a str,
    pub robot_file: &'a str,
    pub trigger: Trigger,
    pub manual_minutes: f64,
    pub job: &'a str,
    /// The slot, RFC 3339 in the job's timezone.
    pub scheduled_for: &'a str,
}

/// A connection to `<state-dir>/nightshift.db`.
pub struct Store {
    pub(crate) conn: Connection,
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating if needed) the run log in `state_dir` and migrates it.
    /// Runs left `running` by a process that is gone are settled by
    /// `mark_dead_runs_interrupted` (see `run_log::open`, which every command uses).
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(state_dir)
            .map_err(|source| StoreError::StateDir { path: state_dir.to_path_buf(), source })?;
        let path = state_dir.join("nightshift.db");
        let open_err = |source| StoreError::Open { path: path.clone(), source };
        let conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        wal_mode(&conn).map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        // What is deleted is overwritten, so purged personal data is gone from the file.
        conn.pragma_update(None, "secure_delete", "ON").map_err(open_err)?;
        let mut store = Self { conn };
        store.migrate(&path)?;
        Ok(store)
    }

    /// Brings the schema up to date. Each migration runs in an immediate
    /// transaction that reads the version again first, so two processes
    /// opening a new state folder at once apply each migration once.
    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        // An up-to-date run log (every open but the first) takes no write lock.
        let current: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current == known {
            return Ok(());
        }
        loop {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version > known {
                return Err(StoreError::TooNew { path: path.to_path_buf(), found: version, known });
            }
            let Some(sql) = MIGRATIONS.get(version as usize) else { return Ok(()) };
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
    }

    /// Runs whose process is gone are `interrupted`; their open items need
    /// review, and `planner` plans the mail that calls for.
    pub fn mark_dead_runs_interrupted(&mut self, planner: &dyn PlanMail) -> Result<usize, StoreError> {
        let running: Vec<(i64, i64)> = {
            let mut stmt = self.conn.prepare("SELECT id, pid FROM runs WHERE status = 'running'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
        };
        let dead: Vec<i64> =
            running.into_iter().filter(|(_, pid)| !crate::process::alive(*pid)).map(|(id, _)| id).collect();
        for id in &dead {
            let error = "the process running it ended before the run finished";
            self.finish_as_with_mail(*id, RunStatus::Interrupted, error, planner)?;
        }
        Ok(dead.len())
    }

    /// Ends a run from outside the runner (Ctrl-C, a dead process).
    pub fn finish_as(&mut self, run_id: i64, status: RunStatus, error: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        settle(&tx, run_id, status, Some(error))?;
        tx.commit()?;
        Ok(())
    }

    /// Records a new run as `running` and returns its id.
    pub fn create_run(
        &self,
        robot: &str,
        robot_file: &str,
        trigger: Trigger,
        manual_minutes: f64,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO runs (robot, robot_file, trigger, status, started_at, manual_minutes, pid)
             VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)",
            params![robot, robot_file, trigger.as_str(), now(), manual_minutes, std::process::id()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records a scheduled run for `job`'s slot `scheduled_for` (RFC 3339), as
    /// `running`, or with `skipped` as skipped with that reason. `None` when the
    /// slot already has a run: a restarted daemon never runs a slot twice.
    pub fn create_scheduled_run(
        &self,
        run: &ScheduledRun<'_>,
        skipped: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let ScheduledRun { robot, robot_file, trigger, manual_minutes, job, scheduled_for } = *run;
        let at = now();
        let (status, finished) = match skipped {
            Some(_) => ("skipped", Some(at.as_str())),
            None => ("running", None),
        };
        let inserted = self.conn.execute(
            "INSERT INTO runs (robot, robot_file, trigger, status, started_at, finished_at, duration_ms, manual_minutes,
                               pid, job, scheduled_for, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?6 IS NULL THEN NULL ELSE 0 END, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT DO NOTHING",
            params![robot, robot_file, trigger.as_str(), status, at, finished, manual_minutes, std::process::id(), job, scheduled_for, skipped],
        )?;
        Ok((inserted > 0).then(|| self.conn.last_insert_rowid()))
    }

    /// Whether `job`'s slot `scheduled_for` already has a run.
    pub fn has_slot(&self, job: &str, scheduled_for: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .query_row("SELECT id FROM runs WHERE job = ?1 AND scheduled_for = ?2", params![job, scheduled_for], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(found.is_some())
    }

    /// When `robot` last finished a run that succeeded (with or without exceptions).
    pub fn last_success(&self, robot: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT MAX(finished_at) FROM runs WHERE robot = ?1 AND status IN ('succeeded', 'succeeded_with_exceptions')",
            [robot],
            |r| r.get(0),
        )?)
    }

    /// Opens an alert unless one of that kind is open for the job; returns the new alert's id.
    pub fn raise_alert(
        &self,
        job: &str,
        robot: &str,
        kind: AlertKind,
        message: &str,
    ) -> Result<Option<i64>, StoreError> {
        let kind = kind.as_str();
        let open: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM alerts WHERE job = ?1 AND kind = ?2 AND resolved_at IS NULL",
                params![job, kind],
                |r| r.get(0),
            )
            .optional()?;
        if open.is_some() {
            return Ok(None);
        }
        self.conn.execute(
            "INSERT INTO alerts (job, robot, kind, message, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![job, robot, kind, message, now()],
        )?;
        Ok(Some(self.conn.last_insert_rowid()))
    }

    /// Closes the open alerts of `kind` for `robot`.
    pub fn resolve_alerts(&self, robot: &str, kind: AlertKind) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE alerts SET resolved_at = ?1 WHERE robot = ?2 AND kind = ?3 AND resolved_at IS NULL",
            params![now(), robot, kind.as_str()],
        )?)
    }

    /// The open alerts, oldest first.
    pub fn open_alerts(&self) -> Result<Vec<OpenAlert>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT job, kind, message, created_at FROM alerts WHERE resolved_at IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenAlert { job: r.get(0)?, kind: r.get(1)?, message: r.get(2)?, created_at: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The most recent runs first.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{RUN_SELECT} ORDER BY r.id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit as i64], run_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn run(&self, id: i64) -> Result<Option<RunDetail>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{RUN_SELECT} WHERE r.id = ?1"))?;
        let Some(run) = stmt.query_row([id], run_row).optional()? else { return Ok(None) };
        let mut stmt = self.conn.prepare(
            "SELECT e.kind, e.path, i.key, e.item_id FROM evidence e LEFT JOIN items i ON i.id = e.item_id
             WHERE e.run_id = ?1 ORDER BY e.id",
        )?;
        let evidence: Vec<(EvidenceRow, Option<i64>)> = stmt
            .query_map([id], |r| {
                Ok((EvidenceRow { kind: r.get(0)?, path: r.get(1)?, item_key: r.get(2)? }, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, seq, key, status, started_at, duration_ms, message, attempts, saved_minutes, error_url, error_step,
                    worker
             FROM items WHERE run_id = ?1 ORDER BY seq",
        )?;
        let item_list = stmt
            .query_map([id], |r| {
                let item_id: i64 = r.get(0)?;
                Ok(ItemRow {
                    seq: r.get(1)?,
                    key: r.get(2)?,
                    status: item_status(r.get(3)?),
                    started_at: r.get(4)?,
                    duration_ms: r.get(5)?,
                    message: r.get(6)?,
                    attempts: r.get(7)?,
                    saved_minutes: r.get(8)?,
                    error_url: r.get(9)?,
                    error_step: r.get(10)?,
                    worker: r.get(11)?,
                    evidence: evidence.iter().filter(|(_, i)| *i == Some(item_id)).map(|(e, _)| e.clone()).collect(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT s.block, i.seq, s.idx, s.keyword, s.summary, s.line, s.started_at, s.duration_ms, s.outcome, s.error,
                    i.key, i.status
             FROM steps s LEFT JOIN items i ON i.id = s.item_id WHERE s.run_id = ?1 ORDER BY s.id",
        )?;
        let steps = stmt
            .query_map([id], |r| {
                Ok(StepRow {
                    block: r.get(0)?,
                    item_seq: r.get(1)?,
                    index: r.get(2)?,
                    step: r.get(3)?,
                    summary: r.get(4)?,
                    line: r.get(5)?,
                    started_at: r.get(6)?,
                    duration_ms: r.get(7)?,
                    outcome: r.get(8)?,
                    error: r.get(9)?,
                    item_key: r.get(10)?,
                    item_status: r.get::<_, Option<String>>(11)?.map(item_status),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare("SELECT message FROM logs WHERE run_id = ?1 ORDER BY id")?;
        let logs = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT line, wanted, used, COUNT(*) FROM fallbacks WHERE run_id = ?1 GROUP BY line, wanted, used ORDER BY line",
        )?;
        let fallbacks = stmt
            .query_map([id], |r| {
                Ok(FallbackUse { line: r.get(0)?, wanted: r.get(1)?, used: r.get(2)?, times: r.get(3)? })
            })?
            .collect::<Result<_, _>>()?;
        let evidence = evidence.into_iter().map(|(e, _)| e).collect();
        Ok(Some(RunDetail { run, item_list, steps, evidence, logs, fallbacks }))
    }

    /// Whether the run log knows `robot` at all (a run or a ledger entry).
    pub fn knows_robot(&self, robot: &str) -> Result<bool, StoreError> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE robot = ?1) OR EXISTS (SELECT 1 FROM ledger WHERE robot = ?1)",
            [robot],
            |r| r.get(0),
        )?;
        Ok(known)
    }

    /// The robot's kept cursor for its `http` source, if it has one.
    pub fn cursor(&self, robot: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM cursors WHERE robot = ?1", [robot], |r| r.get(0)).optional()?)
    }

    /// Another run of `robot` that is still going (its process alive), if any.
    pub fn running_run(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, pid FROM runs WHERE robot = ?1 AND status = 'running'")?;
        let rows: Vec<(i64, i64)> =
            stmt.query_map([robot], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(rows.into_iter().find(|(_, pid)| crate::process::alive(*pid)).map(|(id, _)| id))
    }
}

/// Done and exception counts are the ones each run keeps (as `stats` reads them).
pub(crate) const RUN_SELECT: &str = "
    SELECT r.id, r.robot, r.robot_file, r.trigger, r.status, r.started_at, r.finished_at, r.duration_ms,
           COALESCE(r.items_total, (SELECT COUNT(*) FROM items WHERE run_id = r.id)),
           r.done_count, r.business_count, r.system_count,
           (SELECT COUNT(*) FROM items WHERE run_id = r.id AND status = 'skipped'),
           (SELECT COUNT(*) FROM items WHERE run_id = r.id AND status = 'needs_review'),
           r.manual_minutes, r.error, r.job, r.scheduled_for, r.awaiting_count, r.workers
    FROM runs r";

pub(crate) fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    let items = ItemCounts {
        total: r.get(8)?,
        done: r.get(9)?,
        business_exceptions: r.get(10)?,
        system_exceptions: r.get(11)?,
        skipped: r.get(12)?,
        needs_review: r.get(13)?,
        awaiting_officer: r.get(18)?,
    };
    let manual_minutes: f64 = r.get(14)?;
    Ok(RunRow {
        id: r.get(0)?,
        robot: r.get(1)?,
        robot_file: r.get(2)?,
        trigger: r.get(3)?,
        job: r.get(16)?,
        scheduled_for: r.get(17)?,
        status: run_status(r.get(4)?),
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        duration_ms: r.get(7)?,
        saved_minutes: items.done as f64 * manual_minutes,
        items,
        manual_minutes,
        error: r.get(15)?,
        workers: r.get(19)?,
    })
}

/// Switches a new run log to WAL. Another process doing the same at that
/// moment makes SQLite answer "busy" at once; that is waited out, within `BUSY_TIMEOUT`.
fn wal_mode(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// A run's status column; a value this version does not know reads as failed.
fn run_status(text: String) -> RunStatus {
    RunStatus::parse(&text).unwrap_or(RunStatus::Failed)
}

/// A case's status column; a value this version does not know needs review.
fn item_status(text: String) -> ItemStatus {
    ItemStatus::parse(&text).unwrap_or(ItemStatus::NeedsReview)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mail;
    use crate::mail::report::RunReport;
    use crate::runner::event::LedgerState;

    /// A planner for runs whose mail is not under test.
    struct NoMail;

    impl PlanMail for NoMail {
        fn plan(&self, _: &RunReport) -> Vec<Mail> {
            Vec::new()
        }
    }
    use crate::runner::event::{EventSink, RunEvent, StepOutcome};
    use crate::store::StoreSink;

    #[test]
    fn a_run_and_its_items_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store.create_run("r", "robots/r.yaml", Trigger::Manual, 6.0).unwrap();
        let mut sink = StoreSink::new(&mut store, id, "r");
        sink.emit(&RunEvent::ItemsFound { total: 2, workers: 1 });
        for (seq, status) in [(0, ItemStatus::Done), (1, ItemStatus::BusinessException)] {
            sink.emit(&RunEvent::ItemStarted {
                seq,
                key: format!("E-{seq}"),
                started_at: Utc::now(),
                handler: None,
                worker: 1,
            });
            sink.emit(&RunEvent::Step(crate::runner::event::StepRecord {
                block: crate::runner::event::Block::Item,
                item: Some(seq),
                index: 0,
                keyword: "goto",
                summary: "x".into(),
                line: 3,
                started_at: Utc::now(),
                duration: Duration::from_millis(5),
                outcome: StepOutcome::Ok,
                error: None,
            }));
            sink.emit(&RunEvent::ItemFinished {
                seq,
                status,
                message: None,
                duration: Duration::from_millis(9),
                attempts: 1,
            });
        }
        sink.emit(&RunEvent::RunFinished {
            status: RunStatus::SucceededWithExceptions,
            error: None,
            duration: Duration::from_secs(1),
        });
        assert!(sink.error.is_none());
        let detail = store.run(id).unwrap().unwrap();
        assert_eq!(detail.run.status, "succeeded_with_exceptions");
        assert_eq!(detail.run.items, ItemCounts { total: 2, done: 1, business_exceptions: 1, ..ItemCounts::default() });
        assert_eq!(detail.run.saved_minutes, 6.0);
        assert_eq!(detail.steps.iter().map(|s| s.item_seq).collect::<Vec<_>>(), [Some(0), Some(1)]);
    }

    #[test]
    fn processes_opening_a_new_state_folder_at_once_all_get_a_migrated_run_log() {
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let opened: Vec<Result<Store, StoreError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..6).map(|_| scope.spawn(|| Store::open(dir.path()))).collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for store in opened {
                let store = store.unwrap();
                let version: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
                assert_eq!(version, MIGRATIONS.len() as i64);
            }
        }
    }

    #[test]
    fn a_case_a_dead_run_left_half_done_is_one_to_review_and_only_a_known_case_can_be_settled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store.create_run("r", "r.yaml", Trigger::Manual, 0.0).unwrap();
        store.set_ledger("r", "2026-1", Some(LedgerState::InProgress), id, None).unwrap();
        store.set_ledger("r", "2026-2", Some(LedgerState::Done), id, None).unwrap();
        assert!(store.cases_to_review("r").unwrap().is_empty(), "its run is still going");
        store.conn.execute("UPDATE runs SET pid = 999999999 WHERE id = ?1", [id]).unwrap();
        store.mark_dead_runs_interrupted(&NoMail).unwrap();
        let keys: Vec<String> = store.cases_to_review("r").unwrap().into_iter().map(|(k, _, _)| k).collect();
        assert_eq!(keys, ["2026-1"]);
        assert!(!store.settle_case("r", "2026-9", true).unwrap(), "an unknown case is not created");
        assert!(!store.ledger("r").unwrap().contains_key("2026-9"));
        assert!(store.settle_case("r", "2026-1", true).unwrap());
        assert!(store.cases_to_review("r").unwrap().is_empty());
        assert!(store.knows_robot("r").unwrap());
        assert!(!store.knows_robot("okänd").unwrap());
    }

    #[test]
    fn a_dead_run_ends_at_its_last_sign_of_life() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store.create_run("r", "r.yaml", Trigger::Manual, 0.0).unwrap();
        store
            .conn
            .execute("UPDATE runs SET pid = 999999999, started_at = '2026-11-24T02:00:00.000Z' WHERE id = ?1", [id])
            .unwrap();
        store
            .conn
            .execute(
                "INSERT INTO steps (run_id, block, idx, keyword, summary, line, started_at, duration_ms, outcome)
                 VALUES (?1, 'setup', 0, 'goto', 'x', 3, '2026-11-24T02:00:50.000Z', 2000, 'ok')",
                [id],
            )
            .unwrap();
        store.mark_dead_runs_interrupted(&NoMail).unwrap();
        let run = store.run(id).unwrap().unwrap().run;
        assert_eq!(run.finished_at.as_deref(), Some("2026-11-24T02:00:52.000Z"));
        assert_eq!(run.duration_ms, Some(52_000));
    }

    #[test]
    fn runs_of_dead_processes_become_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store.create_run("r", "r.yaml", Trigger::Manual, 0.0).unwrap();
        store.conn.execute("UPDATE runs SET pid = 999999999 WHERE id = ?1", [id]).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO items (run_id, seq, key, status, started_at) VALUES (?1, 0, 'k', 'running', 'x')",
                [id],
            )
            .unwrap();
        drop(store);
        let mut store = Store::open(dir.path()).unwrap();
        store.mark_dead_runs_interrupted(&NoMail).unwrap();
        let detail = store.run(id).unwrap().unwrap();
        assert_eq!(detail.run.status, "interrupted");
        assert_eq!(detail.item_list[0].status, "needs_review");
    }

    #[test]
    fn an_alert_is_raised_once_until_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let kind = AlertKind::NoSuccess;
        assert!(store.raise_alert("s.yaml#1", "r", kind, "no successful run for 3 h").unwrap().is_some());
        assert_eq!(store.raise_alert("s.yaml#1", "r", kind, "still none").unwrap(), None, "one open alert per kind");
        let open = store.open_alerts().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].job.as_str(), open[0].kind.as_str()), ("s.yaml#1", "no_success"));
        assert_eq!(open[0].message, "no successful run for 3 h");
        assert_eq!(store.resolve_alerts("r", kind).unwrap(), 1);
        assert!(store.open_alerts().unwrap().is_empty());
    }

    #[test]
    fn a_slot_gets_one_run_however_often_it_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let run = ScheduledRun {
            robot: "r",
            robot_file: "r.yaml",
            trigger: Trigger::Schedule,
            manual_minutes: 1.0,
            job: "nightly/r",
            scheduled_for: "2026-11-24T02:30:00+01:00",
        };
        assert!(store.create_scheduled_run(&run, None).unwrap().is_some());
        assert_eq!(store.create_scheduled_run(&run, None).unwrap(), None);
        assert_eq!(store.create_scheduled_run(&run, Some("holiday")).unwrap(), None);
        assert!(store.has_slot("nightly/r", "2026-11-24T02:30:00+01:00").unwrap());
        let other = ScheduledRun { scheduled_for: "2026-11-25T02:30:00+01:00", ..run };
        assert!(store.create_scheduled_run(&other, None).unwrap().is_some());
    }
}
