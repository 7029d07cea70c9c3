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
        let sql = format!(
            "WITH r AS (
                 SELECT id, robot, COALESCE(duration_ms, 0) AS duration_ms, {period} AS period FROM runs
                 WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2)
                   AND (?3 IS NULL OR robot = ?3) AND status != 'skipped'
             ),
             i AS (
                 SELECT items.run_id,
                        SUM(status = 'done') AS done,
                        SUM(status = 'business_exception') AS business,
                        SUM(status = 'system_exception') AS system,
                        SUM(saved_minutes) AS saved
                 FROM items JOIN r ON r.id = items.run_id GROUP BY items.run_id
             )
             SELECT r.robot, r.period, COUNT(*), SUM(r.duration_ms),
                    COALESCE(SUM(i.done), 0), COALESCE(SUM(i.business), 0), COALESCE(SUM(i.system), 0),
                    COALESCE(SUM(i.saved), 0.0)
             FROM r LEFT JOIN i ON i.run_id = r.id
             GROUP BY r.robot, r.period ORDER BY r.period, r.robot"
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
