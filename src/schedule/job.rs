//! A scheduled job: a robot, when it runs, and what happens on overlap,
//! downtime and overrun. `fires` gives its fire times with calendar skips.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::schedule::cron_expr::CronExpr;
use crate::schedule::holidays::swedish_holiday;

/// How old a missed slot may be and still be caught up (`missed: run_once`).
pub(crate) const DEFAULT_MISSED_WITHIN: Duration = Duration::from_secs(12 * 3600);
/// How long after a slot a robot may take to succeed, unless its job says
/// (or its `max_runtime` is longer).
pub(crate) const DEFAULT_GRACE: Duration = Duration::from_secs(3600);
/// How far ahead a schedule must fire at least once to be valid.
pub(crate) const HORIZON_DAYS: i64 = 366;

/// Which days a job runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Calendar {
    /// Every day the cron expression names.
    AnyDay,
    /// Monday to Friday, except Swedish public holidays and their eves.
    WorkingDays,
    /// Any day but Swedish public holidays and their eves.
    NoHolidays,
}

/// What to do when a job fires while its previous run is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overlap {
    /// Record the fire as skipped (the default).
    Skip,
    /// Run once the previous run ends (at most one waits).
    Queue,
    /// Stop the previous run and start a new one.
    Replace,
}

/// What to do, when the daemon starts, about a slot it missed while down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missed {
    Skip,
    /// Run once if the last missed slot is within `missed_within`.
    RunOnce,
}

/// How many fires `next_run` looks through for one its calendar does not skip.
pub(crate) const NEXT_RUN_FIRES: usize = 1000;

#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// `FILE-STEM/NAME`: unique among all schedules.
    pub id: String,
    pub robot: String,
    pub cron: CronExpr,
    pub timezone: Tz,
    pub calendar: Calendar,
    pub skip_dates: Vec<NaiveDate>,
    pub overlap: Overlap,
    pub missed: Missed,
    pub missed_within: Duration,
    pub max_runtime: Option<Duration>,
    /// How long after a slot its run may take to succeed before the robot
    /// counts as overdue.
    pub grace: Duration,
    pub enabled: bool,
}

/// One fire time of a job; `skipped` says why it will not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fire {
    pub at: DateTime<Tz>,
    pub skipped: Option<String>,
}

impl Job {
    /// Why the job does not run on `date`, if it does not.
    pub(crate) fn skip_reason(&self, date: NaiveDate) -> Option<String> {
        if self.skip_dates.contains(&date) {
            return Some("skip date".into());
        }
        let holiday = swedish_holiday(date);
        match self.calendar {
            Calendar::AnyDay => None,
            Calendar::WorkingDays if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => Some("weekend".into()),
            Calendar::WorkingDays | Calendar::NoHolidays => holiday.map(|h| format!("holiday: {h}")),
        }
    }

    /// Fire times in `(after, until]`, each with its skip reason.
    pub(crate) fn fires(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Fire> {
        self.cron
            .fires_between(self.timezone, after, until)
            .into_iter()
            .map(|at| Fire { skipped: self.skip_reason(at.date_naive()), at })
            .collect()
    }

    /// The next `count` fire times after `after` (skipped ones included), within the horizon.
    pub(crate) fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<Fire> {
        let mut out = Vec::new();
        let mut from = after;
        while out.len() < count {
            let Some(next) = self.cron.next_after(self.timezone, from, HORIZON_DAYS) else { break };
            from = next.with_timezone(&Utc);
            out.push(Fire { skipped: self.skip_reason(next.date_naive()), at: next });
        }
        out
    }

    /// The next fire time that is not skipped, among the next `NEXT_RUN_FIRES`.
    pub(crate) fn next_run(&self, after: DateTime<Utc>) -> Option<DateTime<Tz>> {
        let mut from = after;
        for _ in 0..NEXT_RUN_FIRES {
            let next = self.cron.next_after(self.timezone, from, HORIZON_DAYS)?;
            if self.skip_reason(next.date_naive()).is_none() {
                return Some(next);
            }
            from = next.with_timezone(&Utc);
        }
        None
    }
}
