//! Reading and validating schedule files (`schedules/*.yaml`), with every
//! error pointing into the file, like robot files.

use std::path::Path;
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use crate::files::diagnostic::{Diagnostic, did_you_mean};
use crate::files::yaml::{self, Node, Value};
use crate::human::DEFAULT_TIMEZONE;
use crate::robot::validate::Validator;
use crate::schedule::cron_expr::CronExpr;
use crate::schedule::job::{Calendar, DEFAULT_GRACE, DEFAULT_MISSED_WITHIN, HORIZON_DAYS, Job, Missed, Overlap};

const FILE_KEYS: &[&str] = &["timezone", "jobs"];
const JOB_KEYS: &[&str] = &[
    "name",
    "robot",
    "cron",
    "timezone",
    "calendar",
    "skip_dates",
    "overlap",
    "missed",
    "missed_within",
    "max_runtime",
    "grace",
    "enabled",
];

/// Reads a schedule file. `robots` are the names a job may refer to; `None`
/// skips that check.
pub(crate) fn schedule_from_str(
    path: &Path,
    source: &str,
    robots: Option<&[String]>,
) -> Result<Vec<Job>, Vec<Diagnostic>> {
    let tree = match yaml::parse(source) {
        Ok(tree) => tree,
        Err(e) => {
            let mut v = Validator::new(path, source);
            v.d.error(e.pos, 1, format!("invalid YAML: {}", e.message));
            return Err(v.d.into_sorted());
        }
    };
    let mut v = Validator::new(path, source);
    let mut jobs = Vec::new();
    if let Some(fields) = v.mapping(&tree, FILE_KEYS, "a schedule (a mapping with `jobs`)") {
        let timezone = fields.get("timezone").and_then(|n| timezone(&mut v, n)).unwrap_or(DEFAULT_TIMEZONE);
        match fields.get("jobs") {
            Some(Node { value: Value::Seq(list), .. }) => {
                for node in list {
                    if let Some(job) = job(&mut v, path, node, timezone, robots) {
                        if jobs.iter().any(|j: &Job| j.id == job.id) {
                            v.d.error(node.pos, 1, format!("two jobs are named `{}`: give one a `name`", job.id));
                        }
                        jobs.push(job);
                    }
                }
            }
            Some(other) => v.wrong_type(other, "a list of jobs"),
            None => v.d.error(tree.pos, 1, "missing `jobs`: a schedule lists its jobs"),
        }
    }
    if v.d.is_empty() { Ok(jobs) } else { Err(v.d.into_sorted()) }
}

fn timezone(v: &mut Validator, node: &Node) -> Option<Tz> {
    let name = v.string(node, "a timezone such as `Europe/Stockholm`")?;
    match Tz::from_str(&name) {
        Ok(tz) => Some(tz),
        Err(_) => {
            v.d.error(
                v.value_start(node),
                name.chars().count(),
                format!("unknown timezone `{name}`: expected a name such as `Europe/Stockholm`"),
            );
            None
        }
    }
}

fn job(v: &mut Validator, path: &Path, node: &Node, file_timezone: Tz, robots: Option<&[String]>) -> Option<Job> {
    let fields = v.mapping(node, JOB_KEYS, "a job (a mapping with `robot` and `cron`)")?;
    let robot = match fields.get("robot") {
        Some(n) => v.string(n, "a robot's name").and_then(|name| {
            if let Some(known) = robots.filter(|known| !known.contains(&name)) {
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                let hint = did_you_mean(&name, &names).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                v.d.error(v.value_start(n), name.chars().count(), format!("unknown robot `{name}`{hint}"));
                return None;
            }
            Some(name)
        }),
        None => {
            v.d.error(node.pos, 1, "a job needs `robot`: the name of a robot in the robots folder");
            None
        }
    };
    let timezone = fields.get("timezone").and_then(|n| timezone(v, n)).unwrap_or(file_timezone);
    let cron = match fields.get("cron") {
        Some(n) => cron(v, n, timezone),
        None => {
            v.d.error(node.pos, 1, "a job needs `cron`: when it runs, such as \"30 2 * * 1-5\"");
            None
        }
    };
    let calendar = match fields.get("calendar") {
        None => Some(Calendar::AnyDay),
        Some(n) => choice(
            v,
            n,
            &[
                ("any_day", Calendar::AnyDay),
                ("working_days", Calendar::WorkingDays),
                ("no_holidays", Calendar::NoHolidays),
            ],
        ),
    };
    let overlap = match fields.get("overlap") {
        None => Some(Overlap::Skip),
        Some(n) => choice(v, n, &[("skip", Overlap::Skip), ("queue", Overlap::Queue), ("replace", Overlap::Replace)]),
    };
    let missed = match fields.get("missed") {
        None => Some(Missed::Skip),
        Some(n) => choice(v, n, &[("skip", Missed::Skip), ("run_once", Missed::RunOnce)]),
    };
    let mut skip_dates = Vec::new();
    for (text, pos) in fields.get("skip_dates").map(|n| v.string_list(n, "dates (YYYY-MM-DD)")).unwrap_or_default() {
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => skip_dates.push(date),
            Err(_) => {
                v.d.error(pos, text.chars().count(), format!("expected a date such as 2026-12-28, found `{text}`"))
            }
        }
    }
    let missed_within = fields.get("missed_within").and_then(|n| v.duration(n)).unwrap_or(DEFAULT_MISSED_WITHIN);
    let max_runtime = fields.get("max_runtime").and_then(|n| v.duration(n));
    let grace = match fields.get("grace") {
        Some(n) => v.duration(n).unwrap_or(DEFAULT_GRACE),
        None => max_runtime.map_or(DEFAULT_GRACE, |m| m.max(DEFAULT_GRACE)),
    };
    let enabled = match fields.get("enabled") {
        None => true,
        Some(Node { value: Value::Bool(b), .. }) => *b,
        Some(n) => {
            v.wrong_type(n, "`true` or `false`");
            true
        }
    };
    let robot = robot?;
    let name = fields.get("name").and_then(|n| v.string(n, "a job name")).unwrap_or_else(|| robot.clone());
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let job = Job {
        id: format!("{stem}/{name}"),
        robot,
        cron: cron?,
        timezone,
        calendar: calendar?,
        skip_dates,
        overlap: overlap?,
        missed: missed?,
        missed_within,
        max_runtime,
        grace,
        enabled,
    };
    // As a cron that never fires: one whose every fire its calendar skips never runs.
    if let Some(cron_node) = fields.get("cron")
        && job.next_run(Utc::now()).is_none()
    {
        let width = v.string(cron_node, "a cron expression").map_or(1, |t| t.chars().count());
        let message = format!(
            "job `{}` never runs: its calendar or skip dates skip every time its cron fires (the next {} fires)",
            job.id,
            crate::schedule::job::NEXT_RUN_FIRES
        );
        v.d.error(v.value_start(cron_node), width, message);
        return None;
    }
    Some(job)
}

fn cron(v: &mut Validator, node: &Node, timezone: Tz) -> Option<CronExpr> {
    let text = v.string(node, "a cron expression such as \"30 2 * * 1-5\"")?;
    let start = v.value_start(node);
    match CronExpr::parse(&text) {
        Ok(expr) => {
            if expr.next_after(timezone, Utc::now(), HORIZON_DAYS).is_none() {
                v.d.error(start, text.chars().count(), format!("`{text}` never fires within a year"));
                return None;
            }
            Some(expr)
        }
        Err(e) => {
            // Point at the field to blame, found by its position among the words.
            let (offset, width) = match e.field_index {
                Some(i) => field_span(&text, i),
                None => (0, text.chars().count()),
            };
            v.d.error(start.shifted(offset), width.max(1), format!("invalid cron expression: {}", e.message));
            None
        }
    }
}

/// The character offset and width of the `index`-th whitespace-separated word.
fn field_span(text: &str, index: usize) -> (usize, usize) {
    let mut offset = 0;
    let mut words = 0;
    let chars: Vec<char> = text.chars().collect();
    while offset < chars.len() {
        while offset < chars.len() && chars[offset].is_whitespace() {
            offset += 1;
        }
        let start = offset;
        while offset < chars.len() && !chars[offset].is_whitespace() {
            offset += 1;
        }
        if words == index {
            return (start, offset - start);
        }
        words += 1;
    }
    (0, chars.len())
}

fn choice<T: Copy>(v: &mut Validator, node: &Node, options: &[(&str, T)]) -> Option<T> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let expected = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let text = v.string(node, &format!("one of {expected}"))?;
    if let Some((_, value)) = options.iter().find(|(n, _)| *n == text) {
        return Some(*value);
    }
    let hint = did_you_mean(&text, &names).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
    v.d.error(
        v.value_start(node),
        text.chars().count(),
        format!("unknown value `{text}`{hint} (expected one of {expected})"),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(source: &str) -> Vec<String> {
        let robots = vec!["vaccination-consent".to_string()];
        schedule_from_str(Path::new("s.yaml"), source, Some(&robots))
            .unwrap_err()
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn a_job_whose_calendar_skips_every_fire_never_runs() {
        let errs = errors(
            "jobs:\n  - robot: vaccination-consent\n    cron: \"@weekly\"\n    calendar: working_days\n  - robot: vaccination-consent\n    name: weekdays\n    cron: \"0 7 * * 1-5\"\n    calendar: working_days\n  - robot: vaccination-consent\n    name: broken\n    cron: \"0 0 31 2 *\"\n",
        );
        assert_eq!(
            errs,
            [
                "s.yaml:3:12: job `s/vaccination-consent` never runs: its calendar or skip dates skip every time its cron fires (the next 1000 fires)",
                "s.yaml:11:12: `0 0 31 2 *` never fires within a year",
            ]
        );
    }

    #[test]
    fn a_schedule_with_defaults() {
        let jobs = schedule_from_str(
            Path::new("schedules/night.yaml"),
            "jobs:\n  - robot: r\n    cron: \"30 2 * * *\"\n",
            None,
        )
        .unwrap();
        assert_eq!(jobs[0].id, "night/r");
        assert_eq!(jobs[0].timezone, DEFAULT_TIMEZONE);
        assert_eq!(jobs[0].overlap, Overlap::Skip);
        assert_eq!(jobs[0].calendar, Calendar::AnyDay);
    }

    #[test]
    fn errors_point_at_the_bad_cron_field_the_unknown_robot_and_values() {
        let errs = errors(
            "jobs:\n  - robot: vaccination-consnt\n    cron: \"30 25 * * 1-5\"\n    overlap: skipp\n  - robot: vaccination-consent\n    cron: \"0 0 30 2 *\"\n",
        );
        assert_eq!(
            errs,
            [
                "s.yaml:2:12: unknown robot `vaccination-consnt`; did you mean `vaccination-consent`?",
                "s.yaml:3:15: invalid cron expression: the hour field `25` is invalid: 25 is out of range 0-23",
                "s.yaml:4:14: unknown value `skipp`; did you mean `skip`? (expected one of `skip`, `queue`, `replace`)",
                "s.yaml:6:12: `0 0 30 2 *` never fires within a year",
            ]
        );
    }
}
