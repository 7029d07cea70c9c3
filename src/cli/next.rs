//! `nightshift next`: upcoming fire times of every scheduled job, with the
//! reason for each one a calendar skips.

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use crate::cli::exit_code::{self, CliError};
use crate::schedule::{load_dir, robot_names};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct NextArgs {
    /// Start from this time (RFC 3339, e.g. 2027-03-27T00:00:00+01:00) instead of now.
    #[arg(long)]
    pub from: Option<DateTime<chrono::FixedOffset>>,
    /// How many fire times to list.
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One upcoming fire. Field names are part of `next --json`.
#[derive(Debug, Serialize)]
pub(crate) struct Upcoming {
    /// RFC 3339 in the job's timezone.
    pub at: String,
    pub robot: String,
    pub job: String,
    /// Why this fire will not run (`weekend`, `holiday: juldagen`, `skip date`), or null.
    pub skipped: Option<String>,
    pub enabled: bool,
}

pub(crate) fn run(settings: &Settings, args: &NextArgs) -> Result<(), CliError> {
    let (jobs, invalid) = load_dir(&settings.schedules_dir, &robot_names(&settings.robots_dir));
    for file in &invalid {
        eprint!("{}", file.render());
    }
    let from = args.from.map(|t| t.with_timezone(&Utc)).unwrap_or_else(Utc::now);
    let mut upcoming: Vec<(DateTime<Utc>, Upcoming)> = Vec::new();
    for job in &jobs {
        for fire in job.upcoming(from - chrono::Duration::seconds(1), args.count) {
            upcoming.push((
                fire.at.with_timezone(&Utc),
                Upcoming {
                    at: fire.at.to_rfc3339(),
                    robot: job.robot.clone(),
                    job: job.id.clone(),
                    skipped: fire.skipped,
                    enabled: job.enabled,
                },
            ));
        }
    }
    upcoming.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.job.cmp(&b.1.job)));
    upcoming.truncate(args.count);
    let upcoming: Vec<Upcoming> = upcoming.into_iter().map(|(_, u)| u).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&upcoming).unwrap_or_default());
    } else if upcoming.is_empty() {
        println!("no scheduled runs (schedules in `{}`)", settings.schedules_dir.display());
    } else {
        let mut rows = vec![["AT", "ROBOT", "JOB", "NOTE"].map(String::from).to_vec()];
        for u in &upcoming {
            let note = match (&u.skipped, u.enabled) {
                (_, false) => "disabled".to_string(),
                (Some(reason), true) => format!("skipped: {reason}"),
                (None, true) => String::new(),
            };
            rows.push(vec![crate::human::local_time(&u.at), u.robot.clone(), u.job.clone(), note]);
        }
        print!("{}", crate::cli::table::render(&rows));
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        let message = format!("{} schedule file(s) are invalid and were left out", invalid.len());
        Err(CliError::new(exit_code::INVALID_INPUT, message))
    }
}
