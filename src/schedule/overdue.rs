//! When a robot counts as overdue: no successful run for twice its job's
//! period. Pure; the daemon asks, the mail says it.

use chrono::{DateTime, Utc};

use crate::human::fmt_span;
use crate::schedule::job::Job;

/// Whether a job's robot is overdue: no successful run for twice the job's
/// period (the gap between its next two runs), counted from its last success
/// or, if it never had one, from `since` (when the daemon started).
pub(crate) fn overdue(
    job: &Job,
    last_success: Option<DateTime<Utc>>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Overdue> {
    if !job.enabled {
        return None;
    }
    let first = job.next_run(now)?;
    let second = job.next_run(first.with_timezone(&Utc))?;
    let period = second.with_timezone(&Utc) - first.with_timezone(&Utc);
    let reference = last_success.unwrap_or(since);
    let quiet = now - reference;
    (quiet > period * 2).then(|| Overdue { robot: job.robot.clone(), quiet, period })
}

/// A robot with no successful run for too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overdue {
    pub robot: String,
    /// Since its last success (or since the daemon started).
    pub quiet: chrono::Duration,
    /// The gap between two of its runs.
    pub period: chrono::Duration,
}

impl Overdue {
    /// For the daemon's log and the alerts table.
    pub(crate) fn message(&self) -> String {
        format!(
            "`{}` has had no successful run for {} (its period is {})",
            self.robot,
            fmt_span(self.quiet),
            fmt_span(self.period)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::test_support::{at, job};

    #[test]
    fn a_robot_is_overdue_after_twice_its_period_without_success() {
        let j = job("jobs:\n  - robot: r\n    cron: \"0 2 * * *\"\n");
        let now = at("2026-11-24T12:00:00+01:00");
        assert_eq!(overdue(&j, Some(at("2026-11-23T02:10:00+01:00")), now, now), None);
        let late = overdue(&j, Some(at("2026-11-21T02:10:00+01:00")), now, now).unwrap().message();
        assert_eq!(late, "`r` has had no successful run for 81 h (its period is 24 h)");
    }
}
