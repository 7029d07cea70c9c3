//! Statistics for analysts: runs, cases and saved time per robot and period.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use crate::store::{Store, StoreError};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Year,
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
    /// `2026` by year, `2026-11` by month, `2026-W47` by week, `all` by robot (in the display timezone).
    pub period: String,
    pub runs: i64,
    pub items_done: i64,
    pub business_exceptions: i64,
    /// Case attempts that ended in a system exception (a case failing on
    /// two nights counts twice; it is retried, not owned by an officer).
    pub system_exceptions: i64,
    /// The cases the robot worked on, each once by how it stands: done,
    /// exception opened, or still failing technically (counted where it last
    /// failed); a case opened and then done again in the period is one case.
    /// Those skipped or waiting for their officer are not counted.
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
        Grouping::Year => local.format("%Y").to_string(),
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
    /// Cases that failed technically and have not been done since.
    still_failing: i64,
    /// Exceptions opened and then done again in the period: one case, not two.
    opened_and_done: i64,
    by_hand: i64,
    retried_done: i64,
    open: i64,
    settle_hours: Vec<f64>,
    fallbacks: i64,
}

impl Store {
    pub fn stats(&self, query: &StatsQuery, grouping: Grouping) -> Result<Vec<StatsRow>, StoreError> {
        let range =
            "(?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2) AND (?3 IS NULL OR robot = ?3)";
        let args = params![query.from, query.to, query.robot];
        let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
        // Runs keep their counts as their cases finish: this reads runs, not cases.
        let sql = format!(
            "SELECT id, robot, started_at, COALESCE(duration_ms, 0), done_count, business_count, system_count, saved_minutes
             FROM runs WHERE {range} AND status != 'skipped' AND trigger != '{dry_run}'",
            dry_run = crate::store::Trigger::DryRun.as_str()
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
        let sql =
            format!("SELECT robot, opened_at, state, settled_at, done_at FROM exceptions WHERE {}", range("opened_at"));
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
            // A case opened and then done in the same period is one case.
            let done: Option<String> = r.get(4)?;
            if state == "done" && done.is_some_and(|d| period_of(&d, grouping) == period_of(&opened, grouping)) {
                t.opened_and_done += 1;
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
        // Cases still failing count where they last failed.
        let sql = format!(
            "SELECT robot, updated_at FROM ledger WHERE state IN ('failed', 'needs_review', 'in_progress') AND {}",
            range("updated_at")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            let at: String = r.get(1)?;
            tallies.entry((r.get(0)?, period_of(&at, grouping))).or_default().still_failing += 1;
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
    let cases = t.done + t.business + t.still_failing - t.opened_and_done;
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

/// The first nine columns are the first release's, in its order; later ones follow.
pub(crate) const HEADERS: [&str; 15] = [
    "robot",
    "period",
    "runs",
    "items_done",
    "business_exceptions",
    "system_exceptions",
    "success_rate",
    "robot_minutes",
    "manual_hours_saved",
    "cases",
    "exceptions_settled_by_hand",
    "exceptions_retried_done",
    "exceptions_open",
    "median_hours_to_settle",
    "fallbacks",
];

pub(crate) fn cells(r: &StatsRow) -> Vec<String> {
    vec![
        r.robot.clone(),
        r.period.clone(),
        r.runs.to_string(),
        r.items_done.to_string(),
        r.business_exceptions.to_string(),
        r.system_exceptions.to_string(),
        r.success_rate.map(|s| format!("{:.3}", s)).unwrap_or_default(),
        format!("{:.1}", r.robot_minutes),
        format!("{:.2}", r.manual_hours_saved),
        r.cases.to_string(),
        r.exceptions_settled_by_hand.to_string(),
        r.exceptions_retried_done.to_string(),
        r.exceptions_open.to_string(),
        r.median_hours_to_settle.map(|h| format!("{h:.1}")).unwrap_or_default(),
        r.fallbacks.to_string(),
    ]
}

/// `stats --format csv` of these rows (also the console's `/stats.csv`):
/// comma-separated, quoted where needed.
pub(crate) fn to_csv(rows: &[StatsRow]) -> String {
    csv(&HEADERS, &rows.iter().map(cells).collect::<Vec<_>>())
}

pub(crate) fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut records = vec![headers.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    records.extend(rows.iter().cloned());
    crate::files::csv_file::write(&records, b',')
}

/// The same as CSV that a Swedish Excel opens in columns: a byte-order mark
/// (so it reads UTF-8), `;` between fields and a decimal comma.
pub(crate) fn excel(headers: &[&str], rows: &[Vec<String>]) -> String {
    let decimal_comma = |cell: &String| {
        if cell.contains('.') && cell.parse::<f64>().is_ok() { cell.replace('.', ",") } else { cell.clone() }
    };
    let mut records = vec![headers.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    records.extend(rows.iter().map(|r| r.iter().map(decimal_comma).collect()));
    format!("\u{feff}{}", crate::files::csv_file::write(&records, b';'))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;

    use super::*;
    use crate::runner::event::{EventSink, ItemStatus, LedgerState, RunEvent, RunStatus};
    use crate::store::{Settlement, StoreSink};

    /// One run of robot `r` over `cases`: each key, how it ends, and its ledger state.
    fn run(store: &mut Store, cases: &[(&str, ItemStatus, Option<LedgerState>)]) {
        let id = store.create_run("r", "r.yaml", crate::store::Trigger::Schedule, 6.0).unwrap();
        let mut sink = StoreSink::new(store, id, "r");
        for (seq, (key, status, state)) in cases.iter().enumerate() {
            sink.emit(&RunEvent::ItemStarted {
                seq,
                key: key.to_string(),
                started_at: Utc::now(),
                handler: None,
                worker: 1,
            });
            if state.is_some() {
                let fingerprint = (*state == Some(LedgerState::Open)).then_some(7);
                sink.emit(&RunEvent::Ledger { key: key.to_string(), state: *state, fingerprint });
            }
            let finished =
                RunEvent::ItemFinished { seq, status: *status, message: None, duration: Duration::ZERO, attempts: 1 };
            sink.emit(&finished);
        }
        sink.emit(&RunEvent::RunFinished {
            status: RunStatus::Succeeded,
            error: None,
            duration: Duration::from_secs(60),
        });
        assert!(sink.error.is_none());
    }

    #[test]
    fn a_case_counts_once_however_many_nights_meet_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        use ItemStatus::*;
        // Night 1: A done, B fails technically, C is a business exception.
        run(
            &mut store,
            &[
                ("A", Done, Some(LedgerState::Done)),
                ("B", SystemException, Some(LedgerState::Failed)),
                ("C", BusinessException, Some(LedgerState::Open)),
            ],
        );
        // Night 2: B is done; C waits for its officer.
        run(&mut store, &[("B", Done, Some(LedgerState::Done)), ("C", AwaitingOfficer, None)]);
        let row = &store.stats(&StatsQuery::default(), Grouping::Robot).unwrap()[0];
        assert_eq!((row.items_done, row.business_exceptions, row.cases), (2, 1, 3));
        assert_eq!(row.exceptions_open, 1);
        // The officer asks for another try; night 3 enters C.
        store.settle_exception("r", "C", Settlement::Retry, &crate::store::Actor::command_line(), None).unwrap();
        run(&mut store, &[("C", Done, Some(LedgerState::Done))]);
        let row = &store.stats(&StatsQuery::default(), Grouping::Robot).unwrap()[0];
        assert_eq!(row.runs, 3);
        assert_eq!((row.items_done, row.business_exceptions, row.system_exceptions), (3, 1, 1));
        assert_eq!(row.cases, 3, "A, B and C, each once: {row:?}");
        assert_eq!(row.success_rate, Some(1.0));
        assert_eq!((row.exceptions_retried_done, row.exceptions_open, row.exceptions_settled_by_hand), (1, 0, 0));
        assert!(row.median_hours_to_settle.is_some_and(|h| (0.0..0.1).contains(&h)), "{row:?}");
        assert_eq!(row.manual_minutes_saved, 18.0, "three cases of six minutes, each once");
    }
}
