//! What the web console and `/metrics` read: runs by filter and page, the
//! last run of each robot, and counts for monitoring.

use rusqlite::params;

use crate::store::db::{RUN_SELECT, now, run_row};
use crate::store::{RunRow, Store, StoreError};

/// Which runs to list: each filter is optional; times are RFC 3339 (UTC).
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub robot: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The figures `/metrics` exports.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Runs by robot and outcome.
    pub runs: Vec<(String, String, i64)>,
    /// Cases by robot and outcome.
    pub cases: Vec<(String, String, i64)>,
    /// Open exceptions by robot.
    pub open_exceptions: Vec<(String, i64)>,
    /// Each robot's last successful run's end (RFC 3339), if any.
    pub last_success: Vec<(String, Option<String>)>,
    /// Mail not yet sent.
    pub outbox_waiting: i64,
}

const FILTER: &str = "(?1 IS NULL OR r.robot = ?1) AND (?2 IS NULL OR r.status = ?2)
    AND (?3 IS NULL OR r.started_at >= ?3) AND (?4 IS NULL OR r.started_at < ?4)";

/// Everything the run log knows of one case key, across robots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseHistory {
    /// Each time a run met it, newest first.
    pub attempts: Vec<CaseAttempt>,
    /// The ledger's word on it per robot: (robot, state, since).
    pub ledger: Vec<(String, String, String)>,
    /// Its exceptions, newest first.
    pub exceptions: Vec<CaseException>,
}

/// A run that met a case, and how the case ended in it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseAttempt {
    pub run_id: i64,
    pub robot: String,
    pub started_at: String,
    pub status: String,
    pub attempts: i64,
    pub message: Option<String>,
}

/// A case's exception, and how it was settled.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseException {
    pub robot: String,
    pub state: String,
    pub opened_at: String,
    pub settled_at: Option<String>,
    pub settled_by: Option<String>,
    pub note: Option<String>,
}

/// The outcomes of a run that did not do its job.
const FAILED: &str = "('failed', 'timed_out', 'interrupted')";

impl Store {
    /// The runs (not skipped slots) started at or after `from` (RFC 3339,
    /// UTC), oldest first: the night at a glance.
    pub fn runs_since(&self, from: &str) -> Result<Vec<RunRow>, StoreError> {
        let sql =
            format!("{RUN_SELECT} WHERE r.started_at >= ?1 AND r.status != 'skipped' ORDER BY r.started_at, r.id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([from], run_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Failed runs nobody has marked seen and after which no run of the same
    /// job (of the same robot, for runs outside a schedule) has succeeded,
    /// newest first.
    pub fn unseen_failures(&self) -> Result<Vec<RunRow>, StoreError> {
        let sql = format!(
            "{RUN_SELECT} WHERE r.status IN {FAILED} AND r.seen_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM runs later WHERE later.id > r.id AND later.robot = r.robot
                AND later.job IS r.job AND later.status IN ('succeeded', 'succeeded_with_exceptions'))
             ORDER BY r.id DESC LIMIT 100"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], run_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Marks a failed run as seen by `who`; false when it is not a failed
    /// run or was seen already.
    pub fn mark_seen(&self, run: i64, who: &str) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE runs SET seen_at = ?1, seen_by = ?2 WHERE id = ?3 AND status IN {FAILED} AND seen_at IS NULL"
        );
        Ok(self.conn.execute(&sql, params![now(), who, run])? == 1)
    }

    /// A case's history by its key: as written, or as the keyed hash the
    /// ledger keeps once the case's data is purged (`hashed`: robot, hash).
    pub fn case_history(&self, key: &str, hashed: &[(String, String)]) -> Result<CaseHistory, StoreError> {
        let mut history = CaseHistory::default();
        let mut stmt = self.conn.prepare(
            "SELECT i.run_id, r.robot, r.started_at, i.status, i.attempts, i.message
             FROM items i JOIN runs r ON r.id = i.run_id WHERE i.key = ?1 ORDER BY i.id DESC LIMIT 200",
        )?;
        let rows = stmt.query_map([key], |r| {
            Ok(CaseAttempt {
                run_id: r.get(0)?,
                robot: r.get(1)?,
                started_at: r.get(2)?,
                status: r.get(3)?,
                attempts: r.get(4)?,
                message: r.get(5)?,
            })
        })?;
        history.attempts = rows.collect::<Result<_, _>>()?;
        let mut stmt =
            self.conn.prepare("SELECT robot, state, updated_at FROM ledger WHERE robot = ?1 AND key = ?2")?;
        let mut keys: Vec<(String, String)> = self.robots()?.into_iter().map(|r| (r, key.to_string())).collect();
        keys.extend(hashed.iter().cloned());
        for (robot, key) in &keys {
            let rows = stmt.query_map([robot, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            history.ledger.extend(rows.collect::<Result<Vec<_>, _>>()?);
        }
        let mut stmt = self.conn.prepare(
            "SELECT robot, state, opened_at, settled_at, settled_by, note FROM exceptions WHERE key = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([key], |r| {
            Ok(CaseException {
                robot: r.get(0)?,
                state: r.get(1)?,
                opened_at: r.get(2)?,
                settled_at: r.get(3)?,
                settled_by: r.get(4)?,
                note: r.get(5)?,
            })
        })?;
        history.exceptions = rows.collect::<Result<_, _>>()?;
        Ok(history)
    }

    /// The lines a run logged outside its cases (setup, reading the cases,
    /// teardown, where it stopped): (when, message), in order.
    pub fn run_notes(&self, run: i64) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "SELECT at, message FROM logs WHERE run_id = ?1 AND item_id IS NULL ORDER BY id";
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One page of runs, newest first, and how many match in all.
    pub fn runs_page(&self, filter: &RunFilter, limit: usize, offset: usize) -> Result<(Vec<RunRow>, i64), StoreError> {
        let args = params![filter.robot, filter.status, filter.from, filter.to, limit as i64, offset as i64];
        let sql = format!("{RUN_SELECT} WHERE {FILTER} ORDER BY r.id DESC LIMIT ?5 OFFSET ?6");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(args, run_row)?.collect::<Result<_, _>>()?;
        let total = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM runs r WHERE {FILTER}"),
            params![filter.robot, filter.status, filter.from, filter.to],
            |r| r.get(0),
        )?;
        Ok((rows, total))
    }

    /// The newest run of each robot that has run.
    pub fn last_runs(&self) -> Result<Vec<RunRow>, StoreError> {
        let sql = format!(
            "{RUN_SELECT} WHERE r.id IN (SELECT MAX(id) FROM runs WHERE status != 'skipped' GROUP BY robot) ORDER BY r.robot"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], run_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Every robot the run log has runs of.
    pub fn robots_with_runs(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT DISTINCT robot FROM runs ORDER BY robot")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Mail waiting in the outbox.
    pub fn outbox_waiting(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", [], |r| r.get(0))?)
    }

    pub fn metrics(&self) -> Result<Metrics, StoreError> {
        let triples = |sql: &str| -> Result<Vec<(String, String, i64)>, StoreError> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let runs = triples("SELECT robot, status, COUNT(*) FROM runs GROUP BY robot, status ORDER BY robot, status")?;
        let cases = triples(
            "SELECT r.robot, i.status, COUNT(*) FROM items i JOIN runs r ON r.id = i.run_id
             GROUP BY r.robot, i.status ORDER BY r.robot, i.status",
        )?;
        let mut stmt = self
            .conn
            .prepare("SELECT robot, COUNT(*) FROM exceptions WHERE state = 'open' GROUP BY robot ORDER BY robot")?;
        let open_exceptions = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT robot, MAX(CASE WHEN status IN ('succeeded', 'succeeded_with_exceptions') THEN finished_at END)
             FROM runs GROUP BY robot ORDER BY robot",
        )?;
        let last_success = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(Metrics { runs, cases, open_exceptions, last_success, outbox_waiting: self.outbox_waiting()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::event::RunStatus;
    use crate::store::Trigger;

    /// A finished run of `robot` started at `at` (RFC 3339, UTC), as `job`'s.
    fn run_at(store: &mut Store, robot: &str, job: Option<&str>, at: &str, status: RunStatus) -> i64 {
        let id = store.create_run(robot, "r.yaml", Trigger::Schedule, 6.0).unwrap();
        store.finish_as(id, status, "it stopped").unwrap();
        store.conn.execute("UPDATE runs SET started_at = ?1, job = ?2 WHERE id = ?3", params![at, job, id]).unwrap();
        id
    }

    #[test]
    fn a_night_keeps_its_failure_in_view_and_the_failures_box_clears_on_a_later_success_or_when_seen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let yesterday = run_at(&mut store, "food", Some("s/food"), "2026-12-06T01:30:00.000Z", RunStatus::Succeeded);
        let failed = run_at(&mut store, "food", Some("s/food"), "2026-12-07T01:30:00.000Z", RunStatus::Failed);
        let later = run_at(&mut store, "food", Some("s/food"), "2026-12-07T02:30:00.000Z", RunStatus::Succeeded);
        let other_job = run_at(&mut store, "food", Some("s/food-noon"), "2026-12-07T02:40:00.000Z", RunStatus::Failed);
        let by_hand = run_at(&mut store, "waste", None, "2026-12-07T03:00:00.000Z", RunStatus::TimedOut);
        // 07:00 in Stockholm: the last 24 hours hold the 02:30 failure and the 03:30 success.
        let night: Vec<i64> = store.runs_since("2026-12-06T06:00:00.000Z").unwrap().iter().map(|r| r.id).collect();
        assert_eq!(night, [failed, later, other_job, by_hand]);
        assert!(!night.contains(&yesterday));
        let unseen = |store: &Store| store.unseen_failures().unwrap().iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(unseen(&store), [by_hand, other_job], "the 02:30 failure of s/food was put right at 03:30");
        assert!(store.mark_seen(by_hand, "anna.svensson@kommun.se").unwrap());
        assert!(!store.mark_seen(by_hand, "anna.svensson@kommun.se").unwrap(), "once");
        assert!(!store.mark_seen(later, "anna.svensson@kommun.se").unwrap(), "a success is not a failure to see");
        assert_eq!(unseen(&store), [other_job]);
    }
}
