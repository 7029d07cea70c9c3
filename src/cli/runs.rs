//! `nightshift runs`: the most recent runs, newest first.

use clap::Args;

use crate::cli::exit_code::CliError;
use crate::human::fmt_duration;
use crate::settings::Settings;
use crate::store::RunRow;

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// How many runs to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON (an array of runs) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(settings: &Settings, args: &RunsArgs) -> Result<(), CliError> {
    let runs =
        crate::upkeep::run_log::open(settings).and_then(|s| s.runs(args.limit)).map_err(CliError::environment)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&runs).unwrap_or_default());
    } else {
        print!("{}", table(&runs));
    }
    Ok(())
}

/// The runs as an aligned text table.
pub(crate) fn table(runs: &[RunRow]) -> String {
    let mut rows =
        vec![["RUN", "ROBOT", "STATUS", "STARTED", "TIME", "DONE", "EXCEPTIONS", "SAVED"].map(String::from).to_vec()];
    for r in runs {
        rows.push(vec![
            r.id.to_string(),
            r.robot.clone(),
            r.status.to_string(),
            crate::human::local_time_secs(&r.started_at),
            r.duration_ms.map(|ms| fmt_duration(std::time::Duration::from_millis(ms as u64))).unwrap_or_default(),
            format!("{}/{}", r.items.done, r.items.total),
            (r.items.business_exceptions + r.items.system_exceptions).to_string(),
            format!("{} min", r.saved_minutes),
        ]);
    }
    crate::cli::table::render(&rows)
}
