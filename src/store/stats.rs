//! Statistics for analysts: runs, cases and saved time per robot and period.

use std::collections::{BTreeMap, HashMap, HashSet};

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
///
/// Cases are counted once however many runs met them: `items_done` counts
/// each case the robot finished (the ledger lets a case be done once),
/// `business_exceptions` each exception opened (a case waiting for its
/// officer is not counted again). The exception figures after it are of
/// the exceptions opened in the period, as they stand now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    pub robot: String,
    /// `2026-11` by month, `2026-W47` by week, `all` by robot (in the display timezone).
    pub period: String,
    pub runs: i64,
    pub items_done: i64,
    pub business_exceptions: i64,
    /// Case attempts that ended in a system exception (a case failing on
    /// two nights counts twice; it is retried, not owned by an officer).
    pub system_exceptions: i64,
    /// Distinct cases the robot worked on (done, exception, failure; not
    /// those skipped or waiting for their officer).
    pub cases: i64,
    /// `items_done / cases`; null when there were no cases.
    pub success_rate: Option<f64>,
    /// Wall time of the runs, in minutes.
    pub robot_minutes: f64,
    pub manual_minutes_saved: f64,
    pub manual_hours_saved: f64,
    pub exceptions_settled_by_hand: i64,
    /// Settled with "try again" (or tried again after the case changed) and then done.
    pub exceptions_retried_done: i64,
    /// Still waiting for their officers.
    pub exceptions_open: i64,
    /// Median time from opening to settling, of those settled; null when none is.
    pub median_hours_to_settle: Option<f64>,
    /// Locator lists matched by a fallback entry (`stats --by locator` names them).
    pub fallbacks: i64,
}

/// How often a locator list needed a fallback. Field names are part of
/// `stats --by locator --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FallbackRow {
    pub robot: String,
    pub line: i64,
    /// The list's first entry: the page as the robot was written for it.
    pub wanted: String,
    /// The entry that matched instead.
    pub used: String,
    pub times: i64,
    pub runs: i64,
    /// RFC 3339, UTC.
    pub last_used: String,
}

/// The period an instant falls in, in the display timezone.
fn period_of(at: &str, grouping: Grouping) -> String {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(at) else { return "unknown".into() };
    let local = at.with_timezone(&crate::human::timezone());
    match grouping {
        Grouping::Month => local.format("%Y-%m").to_string(),
        Grouping::Week => local.format("%G-W%V").to_string(),
        Grouping::Robot => "all".into(),
    }
}

/// Figures for one robot and period as they are gathered.
#[derive(Default)]
struct Tally {
    runs: i64,
    duration_ms: i64,
    done: i64,
    business: i64,
    system: i64,
    saved: f64,
    cases: HashSet<String>,
    by_hand: i64,
    retried_done: i64,
    open: i64,
    settle_hours: Vec<f64>,
    fallbacks: i64,
}

const WORKED: &str = "('done', 'business_exception', 'system_exception', 'needs_review')";

impl Store {
    pub fn stats(&self, query: &StatsQuery, grouping: Grouping) -> Result<Vec<StatsRow>, StoreError> {
        let range =
            "(?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2) AND (?3 IS NULL OR robot = ?3)";
        let args = params![query.from, query.to, query.robot];
        let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
        // Runs keep their counts as their cases finish: this reads runs, and
        // the case keys only to count each case once.
        let mut run_period: HashMap<i64, (String, String)> = HashMap::new();
        let sql = format!(
            "SELECT id, robot, started_at, COALESCE(duration_ms, 0), done_count, business_count, system_count, saved_minutes
             FROM runs WHERE {range} AND status != 'skipped'"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            let group = (r.get::<_, String>(1)?, period_of(&r.get::<_, String>(2)?, grouping));
            let t = tallies.entry(group.clone()).or_default();
            t.runs += 1;
            t.duration_ms += r.get::<_, i64>(3)?;
            t.done += r.get::<_, i64>(4)?;
            t.business += r.get::<_, i64>(5)?;
            t.system += r.get::<_, i64>(6)?;
            t.saved += r.get::<_, f64>(7)?;
            run_period.insert(r.get(0)?, group);
        }
        let sql = format!(
            "SELECT i.run_id, i.key FROM items i JOIN runs r ON r.id = i.run_id
             WHERE {} AND r.status != 'skipped' AND i.status IN {WORKED}",
            range.replace("started_at", "r.started_at").replace("robot =", "r.robot =")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            if let Some(t) = run_period.get(&r.get::<_, i64>(0)?).and_then(|g| tallies.get_mut(g)) {
                t.cases.insert(r.get(1)?);
            }
        }
        self.tally_exceptions(query, grouping, &mut tallies)?;
        let mut rows: Vec<StatsRow> = tallies.into_iter().map(|((robot, period), t)| row(robot, period, t)).collect();
        rows.sort_by(|a, b| (&a.period, &a.robot).cmp(&(&b.period, &b.robot)));
        Ok(rows)
    }

    /// Exceptions by the period they opened in, and fallbacks by when they were used.
    fn tally_exceptions(
        &self,
        query: &StatsQuery,
        grouping: Grouping,
        tallies: &mut BTreeMap<(String, String), Tally>,
    ) -> Result<(), StoreError> {
        let range = |at: &str| {
            format!("(?1 IS NULL OR {at} >= ?1) AND (?2 IS NULL OR {at} < ?2) AND (?3 IS NULL OR robot = ?3)")
        };
        let args = params![query.from, query.to, query.robot];
        let sql = format!("SELECT robot, opened_at, state, settled_at FROM exceptions WHERE {}", range("opened_at"));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            let opened: String = r.get(1)?;
            let t = tallies.entry((r.get(0)?, period_of(&opened, grouping))).or_default();
            let state: String = r.get(2)?;
            match state.as_str() {
                "open" => t.open += 1,
                "handled" => t.by_hand += 1,
                "done" => t.retried_done += 1,
                _ => {}
            }
            let settled: Option<String> = r.get(3)?;
            let span = settled.and_then(|s| {
                let (a, b) = (
                    chrono::DateTime::parse_from_rfc3339(&opened).ok()?,
                    chrono::DateTime::parse_from_rfc3339(&s).ok()?,
                );
                Some((b - a).num_seconds() as f64 / 3600.0)
            });
            t.settle_hours.extend(span);
        }
        let sql = format!("SELECT robot, at FROM fallbacks WHERE {}", range("at"));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            let at: String = r.get(1)?;
            tallies.entry((r.get(0)?, period_of(&at, grouping))).or_default().fallbacks += 1;
        }
        Ok(())
    }

    /// Every locator fallback used, by robot, line and entries, most used first.
    pub fn fallback_stats(&self, query: &StatsQuery) -> Result<Vec<FallbackRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT robot, line, wanted, used, COUNT(*), COUNT(DISTINCT run_id), MAX(at) FROM fallbacks
             WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2) AND (?3 IS NULL OR robot = ?3)
             GROUP BY robot, line, wanted, used ORDER BY COUNT(*) DESC, robot, line",
        )?;
        let rows = stmt.query_map(params![query.from, query.to, query.robot], |r| {
            Ok(FallbackRow {
                robot: r.get(0)?,
                line: r.get(1)?,
                wanted: r.get(2)?,
                used: r.get(3)?,
                times: r.get(4)?,
                runs: r.get(5)?,
                last_used: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn row(robot: String, period: String, mut t: Tally) -> StatsRow {
    let cases = t.cases.len() as i64;
    t.settle_hours.sort_by(f64::total_cmp);
    let n = t.settle_hours.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(t.settle_hours[n / 2]),
        _ => Some((t.settle_hours[n / 2 - 1] + t.settle_hours[n / 2]) / 2.0),
    };
    StatsRow {
        robot,
        period,
        runs: t.runs,
        items_done: t.done,
        business_exceptions: t.business,
        system_exceptions: t.system,
        cases,
        success_rate: (cases > 0).then(|| t.done as f64 / cases as f64),
        robot_minutes: t.duration_ms as f64 / 60_000.0,
        manual_minutes_saved: t.saved,
        manual_hours_saved: t.saved / 60.0,
        exceptions_settled_by_hand: t.by_hand,
        exceptions_retried_done: t.retried_done,
        exceptions_open: t.open,
        median_hours_to_settle: median,
        fallbacks: t.fallbacks,
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
