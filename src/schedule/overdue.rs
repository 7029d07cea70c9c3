//! When a robot counts as overdue: a slot of its schedule that it should
//! have run in has passed, with its grace, and no run has succeeded since.
//! Pure; the daemon asks, the alert and the mail say it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::robot::model::Language;
use crate::schedule::job::Job;

/// Whether a job's robot is overdue at `now`: the first slot its calendar
/// keeps after its last success (or after `since`, when the daemon
/// started, if it never had one) is `grace` or more behind `now`. So a
/// robot is never overdue outside its slots, nor for a skipped date, nor
/// for a slot the daemon was down for.
pub(crate) fn overdue(
    job: &Job,
    last_success: Option<DateTime<Utc>>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Overdue> {
    if !job.enabled {
        return None;
    }
    let from = last_success.map_or(since, |success| success.max(since));
    let slot = job.next_run(from)?;
    let grace = chrono::Duration::from_std(job.grace).unwrap_or(chrono::Duration::MAX);
    (slot.with_timezone(&Utc) + grace <= now).then(|| Overdue { robot: job.robot.clone(), slot, last_success })
}

/// A robot whose slot passed without a successful run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overdue {
    pub robot: String,
    /// The slot it should have run in, in the schedule's timezone.
    pub slot: DateTime<Tz>,
    /// Its last successful run's end, if it ever had one.
    pub last_success: Option<DateTime<Utc>>,
}

impl Overdue {
    /// For the alerts table and the daemon's log.
    pub(crate) fn message(&self, language: Language) -> String {
        format!("`{}` {}", self.robot, self.what(language))
    }

    /// What is wrong, after the robot's name: since which slot, and its last success.
    pub(crate) fn what(&self, language: Language) -> String {
        let slot = self.slot.format("%Y-%m-%d %H:%M");
        let last = |never: &str| {
            self.last_success.map_or(never.to_string(), |t| {
                t.with_timezone(&self.slot.timezone()).format("%Y-%m-%d %H:%M").to_string()
            })
        };
        match language {
            Language::Swedish => {
                format!("har ingen lyckad körning sedan passet {slot} (senast lyckad: {})", last("aldrig"))
            }
            Language::English => {
                format!("has had no successful run since its slot at {slot} (last success: {})", last("never"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::test_support::{at, job};

    /// Hourly 07-17 on working days, as a case officer's day robot runs.
    const OFFICE_HOURS: &str = "jobs:\n  - robot: r\n    cron: \"0 7-17 * * *\"\n    calendar: working_days\n    \
                                timezone: Europe/Stockholm\n";

    #[test]
    fn an_office_hours_robot_is_overdue_only_for_a_missed_slot_over_a_week() {
        let j = job(OFFICE_HOURS);
        let since = at("2026-11-30T06:00:00+01:00");
        // Monday 30 November to Sunday 6 December, looked at every 5 minutes:
        // every slot runs and succeeds (its run ends 5 minutes after it),
        // except Wednesday's 10:00 slot, whose run fails.
        let mut last_success = None;
        let mut alarms = Vec::new();
        let mut now = since;
        while now < at("2026-12-07T06:00:00+01:00") {
            now += chrono::Duration::minutes(5);
            let slot = now.with_timezone(&j.timezone);
            let ran = j.skip_reason(slot.date_naive()).is_none()
                && (7..=17).contains(&chrono::Timelike::hour(&slot))
                && chrono::Timelike::minute(&slot) == 5;
            if ran && slot.format("%Y-%m-%d %H").to_string() != "2026-12-02 10" {
                last_success = Some(now);
            }
            if let Some(late) = overdue(&j, last_success, since, now) {
                alarms.push((now.with_timezone(&j.timezone).format("%a %H:%M").to_string(), late.slot));
            }
        }
        let first = alarms.first().cloned();
        assert_eq!(
            first.map(|(when, slot)| (when, slot.format("%a %H:%M").to_string())),
            Some(("Wed 11:00".into(), "Wed 10:00".into()))
        );
        assert!(alarms.iter().all(|(when, _)| when == "Wed 11:00"), "only until the 11:00 run succeeds: {alarms:?}");
    }

    #[test]
    fn nothing_is_overdue_in_the_evening_on_a_holiday_or_for_a_slot_the_daemon_slept_through() {
        let j = job(OFFICE_HOURS);
        // Friday 17:00's run succeeded at 17:04; the next slot is Monday 07:00.
        let friday = Some(at("2026-12-04T17:04:00+01:00"));
        assert_eq!(overdue(&j, friday, at("2026-12-01T00:00:00+01:00"), at("2026-12-04T20:14:00+01:00")), None);
        assert_eq!(overdue(&j, friday, at("2026-12-01T00:00:00+01:00"), at("2026-12-07T07:59:00+01:00")), None);
        let monday = overdue(&j, friday, at("2026-12-01T00:00:00+01:00"), at("2026-12-07T08:00:00+01:00")).unwrap();
        assert_eq!(
            monday.message(Language::English),
            "`r` has had no successful run since its slot at 2026-12-07 07:00 (last success: 2026-12-04 17:04)"
        );
        assert_eq!(
            monday.message(Language::Swedish),
            "`r` har ingen lyckad körning sedan passet 2026-12-07 07:00 (senast lyckad: 2026-12-04 17:04)"
        );
        // Julafton and juldagen are skipped; the 28th is the next working day.
        let before_christmas = Some(at("2026-12-23T17:03:00+01:00"));
        assert_eq!(
            overdue(&j, before_christmas, at("2026-12-20T00:00:00+01:00"), at("2026-12-25T12:00:00+01:00")),
            None
        );
        // A daemon started at 10:30 does not count the slots before.
        assert_eq!(overdue(&j, None, at("2026-12-07T10:30:00+01:00"), at("2026-12-07T11:30:00+01:00")), None);
        assert!(overdue(&j, None, at("2026-12-07T10:30:00+01:00"), at("2026-12-07T12:00:00+01:00")).is_some());
    }

    #[test]
    fn the_grace_is_the_schedule_s_own() {
        let j = job("jobs:\n  - robot: r\n    cron: \"0 2 * * *\"\n    grace: 4h\n");
        let success = at("2026-11-23T02:10:00+01:00");
        assert_eq!(overdue(&j, Some(success), success, at("2026-11-24T05:59:00+01:00")), None);
        assert!(overdue(&j, Some(success), success, at("2026-11-24T06:00:00+01:00")).is_some());
    }
}
