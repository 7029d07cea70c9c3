//! The daemon's decisions, pure and tested with a fixed clock: which slots
//! are due, what an overlap does, and which missed slot to catch up (when a
//! robot is overdue is `schedule::overdue`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::schedule::job::{Fire, Job, Missed, Overlap};

/// What to do with a slot that has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Start,
    /// Record the slot as skipped, with why.
    Skip(String),
    /// Start when the job's current run ends.
    Queue,
    /// Stop the current run, then start.
    Replace,
}

/// The slots of `job` in `(since, now]`.
pub(crate) fn due(job: &Job, since: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Fire> {
    if !job.enabled {
        return Vec::new();
    }
    job.fires(since, now)
}

/// What a slot that is not skipped by the calendar does, given the job's
/// current run (its id) and whether a slot already waits.
pub(crate) fn decide(overlap: Overlap, running: Option<i64>, queued: bool) -> Decision {
    match (running, overlap) {
        (None, _) => Decision::Start,
        (Some(run), Overlap::Skip) => Decision::Skip(format!("the previous run {run} was still running")),
        (Some(run), Overlap::Queue) if queued => {
            Decision::Skip(format!("the previous run {run} was still running and a run was already queued"))
        }
        (Some(_), Overlap::Queue) => Decision::Queue,
        (Some(_), Overlap::Replace) => Decision::Replace,
    }
}

/// The slot to catch up when the daemon starts at `now`: the last one within
/// `missed_within` that the calendar does not skip, for `missed: run_once`.
pub(crate) fn missed(job: &Job, now: DateTime<Utc>) -> Option<DateTime<Tz>> {
    if !job.enabled || job.missed != Missed::RunOnce {
        return None;
    }
    let window = chrono::Duration::from_std(job.missed_within).ok()?;
    job.fires(now - window, now).into_iter().filter(|f| f.skipped.is_none()).map(|f| f.at).next_back()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::test_support::{at, job};

    #[test]
    fn slots_due_since_the_last_wake_with_calendar_reasons() {
        let j = job("jobs:\n  - robot: r\n    cron: \"0 7 * * *\"\n    calendar: working_days\n");
        // Christmas 2026: Thursday 24th (eve), Friday 25th, Saturday 26th, Sunday 27th.
        let fires = due(&j, at("2026-12-23T12:00:00+01:00"), at("2026-12-28T12:00:00+01:00"));
        let seen: Vec<(String, Option<String>)> =
            fires.iter().map(|f| (f.at.to_rfc3339(), f.skipped.clone())).collect();
        assert_eq!(
            seen,
            [
                ("2026-12-24T07:00:00+01:00".to_string(), Some("holiday: julafton".to_string())),
                ("2026-12-25T07:00:00+01:00".to_string(), Some("holiday: juldagen".to_string())),
                ("2026-12-26T07:00:00+01:00".to_string(), Some("weekend".to_string())),
                ("2026-12-27T07:00:00+01:00".to_string(), Some("weekend".to_string())),
                ("2026-12-28T07:00:00+01:00".to_string(), None),
            ]
        );
    }

    #[test]
    fn overlap_policies() {
        assert_eq!(decide(Overlap::Skip, None, false), Decision::Start);
        assert_eq!(
            decide(Overlap::Skip, Some(4), false),
            Decision::Skip("the previous run 4 was still running".into())
        );
        assert_eq!(decide(Overlap::Queue, Some(4), false), Decision::Queue);
        assert!(matches!(decide(Overlap::Queue, Some(4), true), Decision::Skip(_)));
        assert_eq!(decide(Overlap::Replace, Some(4), false), Decision::Replace);
    }

    #[test]
    fn a_missed_slot_is_caught_up_only_within_its_window() {
        let j = job("jobs:\n  - robot: r\n    cron: \"30 2 * * *\"\n    missed: run_once\n    missed_within: 6h\n");
        assert_eq!(missed(&j, at("2026-11-24T07:00:00+01:00")).unwrap().to_rfc3339(), "2026-11-24T02:30:00+01:00");
        assert_eq!(missed(&j, at("2026-11-24T09:00:00+01:00")), None, "more than 6 h late");
        let skip = job("jobs:\n  - robot: r\n    cron: \"30 2 * * *\"\n");
        assert_eq!(missed(&skip, at("2026-11-24T07:00:00+01:00")), None, "missed: skip is the default");
    }
}
