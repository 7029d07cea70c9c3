//! Cron expressions: the 5-field crontab form IT staff write (`30 2 * * 1-5`)
//! and the cron crate's form with seconds (and optional year), parsed by the
//! cron crate. Weekday numbers mean the same in both forms, crontab's: 0 or 7
//! is Sunday, 1 is Monday (the crate alone would count from Sunday = 1). Fire times are computed in local wall-clock time and then
//! placed in the timezone with cronie's rules for daylight saving time:
//!
//! - a fixed-hour job whose time falls in the skipped spring hour runs once,
//!   at the change (02:30 becomes 03:00 +02:00);
//! - a fixed-hour job in the repeated autumn hour runs once, the first time;
//! - a job whose hour field starts with `*` follows the clock: an hourly job
//!   runs 23 times on the spring day and 25 times on the autumn day.

use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use thiserror::Error;

/// The fields of the cron crate's form, in order.
const FIELDS: [&str; 7] = ["second", "minute", "hour", "day-of-month", "month", "day-of-week", "year"];

#[derive(Debug, Clone)]
pub(crate) struct CronExpr {
    /// Matches local wall-clock times (evaluated as if they were UTC).
    schedule: cron::Schedule,
    /// The hour field starts with `*`: the job follows the clock across DST.
    follows_clock: bool,
    /// The expression as the schedule file wrote it.
    written: String,
}

/// A cron expression that does not parse, and which field is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub(crate) struct CronError {
    /// The wrong field's index among the fields as written, if one is to blame.
    pub field_index: Option<usize>,
    pub message: String,
}

impl CronExpr {
    pub(crate) fn parse(text: &str) -> Result<Self, CronError> {
        let as_written = text.trim().to_string();
        let text = shorthand(text)?;
        let written: Vec<&str> = text.split_whitespace().collect();
        let (fields, names): (Vec<String>, &[&str]) = match written.len() {
            5 => {
                // crontab: minute hour day-of-month month day-of-week (0 or 7 = Sunday).
                let mut fields = vec!["0".to_string()];
                fields.extend(written[..4].iter().map(|s| s.to_string()));
                fields.push(crontab_day_of_week(written[4]));
                (fields, &FIELDS[1..6])
            }
            6 | 7 => {
                // The same weekday numbers as crontab (0 or 7 = Sunday,
                // 1 = Monday), not the crate's own (1 = Sunday).
                let mut fields: Vec<String> = written.iter().map(|s| s.to_string()).collect();
                fields[5] = crontab_day_of_week(written[5]);
                (fields, &FIELDS[..written.len()])
            }
            n => {
                return Err(CronError {
                    field_index: None,
                    message: format!(
                        "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6-7 with seconds first; this one has {n}"
                    ),
                });
            }
        };
        // Parse each field alone first, so an error names its field.
        let offset = fields.len() - names.len();
        for (i, name) in names.iter().enumerate() {
            let mut probe = vec!["*".to_string(); fields.len()];
            probe[i + offset] = fields[i + offset].clone();
            if probe[5] != "*" && probe[3] == "*" {
                probe[3] = "?".into();
            }
            let bounds = bounds(name);
            let out_of_range = written[i]
                .split([',', '-', '/'])
                .filter_map(|n| n.parse::<u32>().ok())
                .find(|n| *n < bounds.0 || *n > bounds.1);
            let problem = match out_of_range {
                Some(n) => Some(format!("{n} is out of range {}-{}", bounds.0, bounds.1)),
                None => cron::Schedule::from_str(&probe.join(" "))
                    .err()
                    .map(|e| e.to_string().lines().last().unwrap_or_default().trim().to_string()),
            };
            if let Some(problem) = problem {
                return Err(CronError {
                    field_index: Some(i),
                    message: format!("the {name} field `{}` is invalid: {problem}", written[i]),
                });
            }
        }
        let schedule = cron::Schedule::from_str(&fields.join(" "))
            .map_err(|e| CronError { field_index: None, message: format!("invalid cron expression: {e}") })?;
        let follows_clock = fields[2].starts_with('*');
        Ok(Self { schedule, follows_clock, written: as_written })
    }

    /// The expression as the schedule file wrote it (`30 2 * * 1-5`, `@daily`).
    pub(crate) fn written(&self) -> &str {
        &self.written
    }

    /// Every fire time in `(after, until]`, in order.
    pub(crate) fn fires_between(&self, tz: Tz, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Tz>> {
        // Near a change of offset, a wall-clock time a little before `after`
        // can land after it (pushed out of a spring gap, or the second pass
        // of an autumn hour): walk from three hours back then. Elsewhere wall
        // time and real time move together and the walk starts at `after`.
        let margin = Duration::hours(3);
        let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
        let start_margin = if offset(after - margin) == offset(after + margin) { Duration::seconds(1) } else { margin };
        let end_margin = if offset(until - margin) == offset(until + margin) { Duration::zero() } else { margin };
        let start = after.with_timezone(&tz).naive_local() - start_margin;
        let end = until.with_timezone(&tz).naive_local() + end_margin;
        let mut fires = Vec::new();
        for naive in self.schedule.after(&Utc.from_utc_datetime(&start)).map(|t| t.naive_utc()) {
            if naive > end {
                break;
            }
            match tz.from_local_datetime(&naive) {
                LocalResult::Single(t) => fires.push(t),
                LocalResult::Ambiguous(first, second) => {
                    fires.push(first);
                    if self.follows_clock {
                        fires.push(second);
                    }
                }
                LocalResult::None if !self.follows_clock => fires.extend(after_gap(tz, naive)),
                LocalResult::None => {}
            }
        }
        fires.sort();
        fires.dedup();
        fires.retain(|t| *t > after && *t <= until);
        fires
    }

    /// The first fire time after `after`, looking at most `horizon_days` ahead.
    pub(crate) fn next_after(&self, tz: Tz, after: DateTime<Utc>, horizon_days: i64) -> Option<DateTime<Tz>> {
        // Windows that grow from a minute, so a job every few seconds costs
        // as little as a yearly one.
        let horizon = Duration::days(horizon_days);
        let mut span = Duration::minutes(1);
        loop {
            let window = span.min(horizon);
            if let Some(first) = self.fires_between(tz, after, after + window).into_iter().next() {
                return Some(first);
            }
            if window >= horizon {
                return None;
            }
            span = span * 16;
        }
    }
}

/// The values a field accepts (the cron crate's numbering).
fn bounds(field: &str) -> (u32, u32) {
    match field {
        "second" | "minute" => (0, 59),
        "hour" => (0, 23),
        "day-of-month" => (1, 31),
        "month" => (1, 12),
        // As written: 0 and 7 are both Sunday.
        "day-of-week" => (0, 7),
        _ => (1970, 2099),
    }
}

/// The first existing local time after a time that does not exist: the
/// moment the clock jumped forward.
fn after_gap(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Tz>> {
    let whole_minute = naive.date().and_hms_opt(naive.hour(), naive.minute(), 0)?;
    (1..=180).find_map(|m| match tz.from_local_datetime(&(whole_minute + Duration::minutes(m))) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
        LocalResult::None => None,
    })
}

/// Rewrites a crontab day-of-week field (0-7, 0 and 7 Sunday) into the cron
/// crate's numbering (1-7, 1 Sunday). Names pass through unchanged.
fn crontab_day_of_week(field: &str) -> String {
    if field == "*" || field == "?" || field.chars().any(|c| c.is_ascii_alphabetic()) {
        return field.to_string();
    }
    let mut days = std::collections::BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok()),
            None => (item, None),
        };
        let (low, high) = match range.split_once('-') {
            _ if range == "*" => (0, 6),
            Some((a, b)) => match (a.parse(), b.parse()) {
                (Ok(a), Ok(b)) => (a, b),
                _ => return field.to_string(),
            },
            None => match range.parse::<u32>() {
                Ok(a) => (a, if step.is_some() { 7 } else { a }),
                Err(_) => return field.to_string(),
            },
        };
        if high > 7 || low > high {
            // Let the crate report it on the original numbers.
            return field.to_string();
        }
        let mut day = low;
        while day <= high {
            days.insert(day % 7 + 1);
            day += step.unwrap_or(1).max(1);
        }
    }
    days.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// The crontab shorthands (`@daily`, ...) as five fields; other text as it is.
fn shorthand(text: &str) -> Result<&str, CronError> {
    let word = text.trim();
    if !word.starts_with('@') {
        return Ok(text);
    }
    Ok(match word {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => {
            return Err(CronError {
                field_index: None,
                message: format!(
                    "`{other}` is not a shorthand nightshift knows: use @hourly, @daily, @weekly, @monthly or @yearly, or five fields"
                ),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stockholm() -> Tz {
        chrono_tz::Europe::Stockholm
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn fires(expr: &str, from: &str, to: &str) -> Vec<String> {
        CronExpr::parse(expr)
            .unwrap()
            .fires_between(stockholm(), at(from), at(to))
            .iter()
            .map(|t| t.to_rfc3339())
            .collect()
    }

    #[test]
    fn crontab_shorthands_read_as_their_five_fields_and_others_are_named() {
        assert_eq!(
            fires("@daily", "2027-03-27T12:00:00+01:00", "2027-03-29T12:00:00+02:00"),
            ["2027-03-28T00:00:00+01:00", "2027-03-29T00:00:00+02:00"]
        );
        assert_eq!(
            fires("@weekly", "2026-11-23T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
            ["2026-11-29T00:00:00+01:00"]
        );
        assert_eq!(fires("@hourly", "2026-11-24T10:30:00+01:00", "2026-11-24T12:30:00+01:00").len(), 2);
        let err = CronExpr::parse("@reboot").unwrap_err();
        assert_eq!(
            err.message,
            "`@reboot` is not a shorthand nightshift knows: use @hourly, @daily, @weekly, @monthly or @yearly, or five fields"
        );
    }

    #[test]
    fn a_daily_job_in_the_spring_gap_runs_once_at_the_change() {
        assert_eq!(
            fires("30 2 * * *", "2027-03-27T00:00:00+01:00", "2027-03-29T23:00:00+02:00"),
            ["2027-03-27T02:30:00+01:00", "2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00"]
        );
    }

    #[test]
    fn a_daily_job_in_the_repeated_autumn_hour_runs_once() {
        assert_eq!(
            fires("0 30 2 * * *", "2027-10-30T00:00:00+02:00", "2027-11-01T23:00:00+01:00"),
            ["2027-10-30T02:30:00+02:00", "2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00"]
        );
    }

    #[test]
    fn an_hourly_job_follows_the_clock_23_and_25_times() {
        let spring = fires("0 * * * *", "2027-03-27T23:59:59+01:00", "2027-03-28T23:59:59+02:00");
        assert_eq!(spring.len(), 23);
        assert!(spring.contains(&"2027-03-28T01:00:00+01:00".to_string()));
        assert!(spring.contains(&"2027-03-28T03:00:00+02:00".to_string()));
        let autumn = fires("0 * * * *", "2027-10-30T23:59:59+02:00", "2027-10-31T23:59:59+01:00");
        assert_eq!(autumn.len(), 25);
        assert_eq!(autumn[2..4], ["2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00"]);
    }

    #[test]
    fn crontab_weekdays_are_monday_to_friday() {
        // 2026-11-23 is a Monday.
        let week = fires("0 6 * * 1-5", "2026-11-22T00:00:00+01:00", "2026-11-29T23:59:00+01:00");
        assert_eq!(week.first().unwrap(), "2026-11-23T06:00:00+01:00");
        assert_eq!(week.last().unwrap(), "2026-11-27T06:00:00+01:00");
        assert_eq!(week.len(), 5);
        let sundays = fires("0 6 * * 0", "2026-11-22T00:00:00+01:00", "2026-12-06T23:00:00+01:00");
        assert_eq!(sundays, ["2026-11-22T06:00:00+01:00", "2026-11-29T06:00:00+01:00", "2026-12-06T06:00:00+01:00"]);
        assert_eq!(crontab_day_of_week("5-7"), "1,6,7");
        assert_eq!(crontab_day_of_week("*/2"), "1,3,5,7");
    }

    #[test]
    fn weekdays_are_monday_to_friday_with_seconds_too() {
        // 2026-11-23 is a Monday.
        let five = fires("30 2 * * 1-5", "2026-11-22T00:00:00+01:00", "2026-11-29T23:59:00+01:00");
        let six = fires("0 30 2 * * 1-5", "2026-11-22T00:00:00+01:00", "2026-11-29T23:59:00+01:00");
        assert_eq!(six, five);
        assert_eq!(six.first().unwrap(), "2026-11-23T02:30:00+01:00");
        assert_eq!(six.last().unwrap(), "2026-11-27T02:30:00+01:00");
        let sundays = fires("0 0 6 * * 7", "2026-11-22T00:00:00+01:00", "2026-11-29T23:00:00+01:00");
        assert_eq!(sundays, ["2026-11-22T06:00:00+01:00", "2026-11-29T06:00:00+01:00"]);
        let year = fires("0 0 6 * * 0 2026", "2026-11-22T00:00:00+01:00", "2026-11-29T23:00:00+01:00");
        assert_eq!(year, sundays);
        let names = fires("0 30 2 * * MON-FRI", "2026-11-22T00:00:00+01:00", "2026-11-29T23:59:00+01:00");
        assert_eq!(names, five);
        assert_eq!(CronExpr::parse("0 0 6 * * 8").unwrap_err().field_index, Some(5));
    }

    #[test]
    fn errors_name_the_field() {
        let err = CronExpr::parse("30 25 * * *").unwrap_err();
        assert_eq!(err.field_index, Some(1));
        assert!(err.message.starts_with("the hour field `25` is invalid"), "{}", err.message);
        let err = CronExpr::parse("0 30 2 * * MON-FRX").unwrap_err();
        assert_eq!(err.field_index, Some(5));
        assert!(err.message.starts_with("the day-of-week field `MON-FRX` is invalid"), "{}", err.message);
        assert_eq!(CronExpr::parse("* * *").unwrap_err().field_index, None);
    }

    #[test]
    fn an_expression_that_never_fires_has_no_next_time() {
        let never = CronExpr::parse("0 0 31 2 *").unwrap();
        assert_eq!(never.next_after(stockholm(), at("2026-01-01T00:00:00Z"), 366), None);
    }

    /// Guards crate upgrades: two whole years, day by day, in Swedish time.
    #[test]
    fn two_years_of_daily_and_hourly_fires_in_stockholm() {
        use chrono::{Datelike, NaiveDate, Weekday};
        let tz = stockholm();
        let daily = CronExpr::parse("30 2 * * *").unwrap();
        let hourly = CronExpr::parse("0 * * * *").unwrap();
        let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let start = tz.from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
        let end = start + Duration::days(731);
        let mut per_day: std::collections::BTreeMap<NaiveDate, (usize, usize)> = std::collections::BTreeMap::new();
        for t in daily.fires_between(tz, start - Duration::seconds(1), end) {
            per_day.entry(t.date_naive()).or_default().0 += 1;
        }
        for t in hourly.fires_between(tz, start - Duration::seconds(1), end) {
            per_day.entry(t.date_naive()).or_default().1 += 1;
        }
        // The last Sunday of March and of October: when Sweden changes clocks.
        let last_sunday = |year: i32, month: u32| {
            let mut d = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap() - Duration::days(1);
            while d.weekday() != Weekday::Sun {
                d -= Duration::days(1);
            }
            d
        };
        let mut days = 0;
        for (date, (daily, hourly)) in per_day.iter().filter(|(d, _)| **d < first + Duration::days(731)) {
            days += 1;
            assert_eq!(*daily, 1, "{date}: the 02:30 job runs exactly once");
            let expected = if *date == last_sunday(date.year(), 3) {
                23
            } else if *date == last_sunday(date.year(), 10) {
                25
            } else {
                24
            };
            assert_eq!(*hourly, expected, "{date}: hourly runs");
        }
        assert_eq!(days, 731);
    }
}
