//! `nightshift run ROBOT`: run a robot once, now, and exit with its outcome.

use clap::Args;

use crate::cli::exit_code::{self, CliError, Verdict};
use crate::cli::print_error;
use crate::execute::{Outcome, Request, deliver_now, execute, shutdown_signal};
use crate::robot;
use crate::runner::event::RunStatus;
use crate::runner::run::Selection;
use crate::settings::Settings;
use crate::store::{Store, Trigger};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A robot's name (a file in the robots folder) or a path to a robot file.
    pub robot: String,
    /// Set a variable, overriding the robot's `vars:` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Show the browser window.
    #[arg(long)]
    pub headed: bool,
    /// Print the finished run as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Take the cases from this CSV or JSON file instead of the robot's source.
    #[arg(long, value_name = "FILE")]
    pub input: Option<std::path::PathBuf>,
    /// Only the case with this key (repeatable): send one errand through first.
    #[arg(long = "only", value_name = "KEY")]
    pub only: Vec<String>,
    /// At most this many cases.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,
    /// Run setup and read the cases, list what the ledger would do with each,
    /// and stop: no case step and no teardown runs.
    #[arg(long)]
    pub dry_run: bool,
    /// Browser sessions that share the cases, each logging in on its own
    /// (overrides the robot's `items.workers`; 1 to 16).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=crate::runner::MAX_WORKERS as i64))]
    pub workers: Option<u16>,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("expected NAME=VALUE, found `{text}`"))
}

pub(crate) async fn run(settings: &Settings, args: RunArgs) -> Result<Verdict, CliError> {
    let path = robot::find(&settings.robots_dir, &args.robot);
    let robot = robot::load(&path, &settings.robots_dir).map_err(|e| CliError::robot(&e))?;
    let mut store = crate::upkeep::run_log::open(settings).map_err(CliError::environment)?;
    let request = Request {
        trigger: if args.dry_run { Trigger::DryRun } else { Trigger::Manual },
        env: crate::environment::get().vars().clone(),
        overrides: args.vars,
        headed: args.headed,
        quiet: args.json,
        selection: Selection { input: args.input, only: args.only, max_items: args.max_items, dry_run: args.dry_run },
        workers: args.workers.map(usize::from),
        seats: None,
    };
    let outcome =
        execute(&mut store, settings, &robot, request, shutdown_signal()).await.map_err(CliError::environment)?;
    if let Some(line) = deliver_now(&mut store, settings).await {
        eprintln!("{line}");
    }
    Ok(report(&store, &outcome, args.json))
}

/// Prints the finished run and maps its outcome to an exit code.
pub(crate) fn report(store: &Store, outcome: &Outcome, json: bool) -> Verdict {
    match store.run(outcome.run_id) {
        Ok(Some(detail)) if json => println!("{}", serde_json::to_string_pretty(&detail.run).unwrap_or_default()),
        Ok(Some(detail)) => {
            let r = &detail.run;
            println!(
                "run {} {}: {} - {} of {} case(s) done, {} business and {} system exception(s), {} min saved",
                r.id,
                r.robot,
                r.status,
                r.items.done,
                r.items.total,
                r.items.business_exceptions,
                r.items.system_exceptions,
                r.saved_minutes
            );
            if let Some(error) = &r.error {
                print_error(error);
            }
        }
        Ok(None) => {}
        Err(e) => print_error(e),
    }
    Verdict(exit_for(outcome))
}

fn exit_for(outcome: &Outcome) -> u8 {
    if outcome.environment_error {
        return exit_code::ENVIRONMENT;
    }
    match outcome.summary.status {
        RunStatus::Succeeded => exit_code::SUCCESS,
        RunStatus::Skipped => exit_code::SKIPPED,
        RunStatus::SucceededWithExceptions => exit_code::RUN_WITH_EXCEPTIONS,
        RunStatus::Interrupted => exit_code::INTERRUPTED,
        RunStatus::Failed | RunStatus::TimedOut | RunStatus::Running => exit_code::RUN_FAILED,
    }
}
