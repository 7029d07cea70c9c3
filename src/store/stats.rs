//! Statistics for analysts: runs, cases and saved time per robot and period.

use rusqlite::params;
use serde::Serialize;

use crate::store::{Store, StoreError};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Month,
    Week,
    Robot,
}

/// What to count: a half-open range of run start times (RFC 3339, UTC) and a robot.
#[derive(Debug, Clone, Default)]
pub struct StatsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub robot: Option<String>,
}

/// One robot in one period. Field names are part of `stats --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    pub robot: String,
    /// `2026-11` by month, `2026-W47` by week, `all` by robot.
    pub period: String,
    pub runs: i64,
    pub items_done: i64,
    pub business_exceptions: i64,
    pub system_exceptions: i64,
    /// Done cases out of those that ended done or as an exception; null when none did.
    pub success_rate: Option<f64>,
    /// Wall time of the runs, in minutes.
    pub robot_minutes: f64,
    pub manual_minutes_saved: f64,
    pub manual_hours_saved: f64,
}

impl Store {
    pub fn stats(&self, query: &StatsQuery, grouping: Grouping) -> Result<Vec<StatsRow>, StoreError> {
        // Periods follow the machine's local time (Swedish time on a Swedish server).
        let period = match grouping {
            Grouping::Month => "strftime('%Y-%m', started_at, 'localtime')",
            Grouping::Week => "strftime('%G-W%V', started_at, 'localtime')",
            Grouping::Robot => "'all'",
        };
        // Each run keeps its case counts (kept as its cases finish), so this
        // reads runs only: a million cases cost what their runs cost.
        let sql = format!(
            "SELECT robot, {period} AS period, COUNT(*), SUM(COALESCE(duration_ms, 0)),
                    SUM(done_count), SUM(business_count), SUM(system_count), SUM(saved_minutes)
             FROM runs
             WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2)
               AND (?3 IS NULL OR robot = ?3) AND status != 'skipped'
             GROUP BY robot, period ORDER BY period, robot"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![query.from, query.to, query.robot], |r| {
            let done: i64 = r.get(4)?;
            let business: i64 = r.get(5)?;
            let system: i64 = r.get(6)?;
            let saved: f64 = r.get(7)?;
            let ended = done + business + system;
            Ok(StatsRow {
                robot: r.get(0)?,
                period: r.get(1)?,
                runs: r.get(2)?,
                items_done: done,
                business_exceptions: business,
                system_exceptions: system,
                success_rate: (ended > 0).then(|| done as f64 / ended as f64),
                robot_minutes: r.get::<_, i64>(3)? as f64 / 60_000.0,
                manual_minutes_saved: saved,
                manual_hours_saved: saved / 60.0,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// Fills the run log with `items` done cases spread over `runs` runs in
    /// the past year, in one transaction: for the `stats` benchmark only.
    pub fn bulk_fill_for_benchmark(&mut self, items: usize, runs: usize) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut run = tx.prepare(
                "INSERT INTO runs (robot, robot_file, trigger, status, started_at, finished_at, duration_ms,
                                   items_total, manual_minutes, pid)
                 VALUES (?1, 'bench.yaml', 'schedule', 'succeeded', ?2, ?2, 60000, ?3, 6, 0)",
            )?;
            let mut item = tx.prepare(
                "INSERT INTO items (run_id, seq, key, status, started_at, finished_at, duration_ms, attempts, saved_minutes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 900, 1, ?6)",
            )?;
            let per_run = items.div_ceil(runs.max(1));
            let start = chrono::Utc::now() - chrono::Duration::days(365);
            for r in 0..runs {
                let at = (start + chrono::Duration::minutes(r as i64 * 262)).to_rfc3339();
                let robot = ["vaccination-consent", "culture-school", "bin-pause", "food-registration"][r % 4];
                run.execute(params![robot, at, per_run as i64])?;
                let run_id = tx.last_insert_rowid();
                for seq in 0..per_run {
                    let status = if seq % 20 == 0 { "business_exception" } else { "done" };
                    let saved = if status == "done" { 6.0 } else { 0.0 };
                    item.execute(params![run_id, seq as i64, format!("{r}-{seq}"), status, at, saved])?;
                }
            }
        }
        tx.execute_batch(
            "UPDATE runs SET
                done_count = (SELECT COUNT(*) FROM items WHERE run_id = runs.id AND status = 'done'),
                business_count = (SELECT COUNT(*) FROM items WHERE run_id = runs.id AND status = 'business_exception'),
                saved_minutes = (SELECT COALESCE(SUM(saved_minutes), 0) FROM items WHERE run_id = runs.id)
             WHERE robot_file = 'bench.yaml'",
        )?;
        tx.commit()?;
        Ok(())
    }
}
