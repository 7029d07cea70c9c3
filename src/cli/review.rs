//! `nightshift review [ROBOT [KEY --handled|--retry|--done|--redo]]`: the
//! business exceptions waiting for their officers and the cases a stopped
//! run left half-done, and settling one of either.

use clap::Args;
use serde::Serialize;

use crate::cli::exit_code::CliError;
use crate::human::local_time;
use crate::mail::report::OpenException;
use crate::settings::Settings;
use crate::store::{Settled, Settlement, Store, StoreError};

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The robot's name; without it, every robot's cases are listed.
    pub robot: Option<String>,
    /// A case's key; without it, the robot's cases are listed.
    #[arg(requires = "robot")]
    pub key: Option<String>,
    /// An open exception the officer finished by hand: closed, never taken again.
    #[arg(long, requires = "key", group = "word")]
    pub handled: bool,
    /// An open exception whose data the officer put right: the next run takes it.
    #[arg(long, requires = "key", group = "word")]
    pub retry: bool,
    /// A half-done case that is in the target system: never enter it again.
    #[arg(long, requires = "key", group = "word")]
    pub done: bool,
    /// A half-done case that is not in the target system: the next run enters it.
    #[arg(long, requires = "key", group = "word")]
    pub redo: bool,
    /// A note kept with the settlement in the audit log (with --handled or --retry).
    #[arg(long, requires = "key")]
    pub note: Option<String>,
    /// The lists as JSON (field names in docs/cli.md).
    #[arg(long, conflicts_with = "key")]
    pub json: bool,
}

/// A case a stopped run left half-done. Field names are part of `review --json`.
#[derive(Debug, Serialize)]
struct ToReview {
    robot: String,
    key: String,
    run_id: i64,
    /// RFC 3339, UTC.
    since: String,
}

#[derive(Debug, Serialize)]
struct Listing {
    open_exceptions: Vec<OpenException>,
    to_review: Vec<ToReview>,
}

pub(crate) fn run(settings: &Settings, args: &ReviewArgs) -> Result<(), CliError> {
    let mut store = crate::upkeep::run_log::open(settings).map_err(CliError::environment)?;
    if let Some(robot) = &args.robot {
        let robot_file = crate::robot::find(&settings.robots_dir, robot);
        if !store.knows_robot(robot).map_err(CliError::environment)? && !robot_file.is_file() {
            return Err(CliError::not_found(format!(
                "there is no robot `{robot}`: no file `{}` and no run of it in the run log",
                robot_file.display()
            )));
        }
    }
    match (&args.robot, &args.key) {
        (Some(robot), Some(key)) => settle(&mut store, robot, key, args),
        _ => list(&store, args.robot.as_deref(), args.json).map_err(CliError::environment),
    }
}

fn list(store: &Store, robot: Option<&str>, json: bool) -> Result<(), StoreError> {
    let open_exceptions = store.open_exceptions(robot)?;
    let robots = match robot {
        Some(robot) => vec![robot.to_string()],
        None => store.robots()?,
    };
    let mut to_review = Vec::new();
    for robot in robots {
        for (key, run_id, since) in store.cases_to_review(&robot)? {
            to_review.push(ToReview { robot: robot.clone(), key, run_id, since });
        }
    }
    let listing = Listing { open_exceptions, to_review };
    if json {
        println!("{}", serde_json::to_string_pretty(&listing).unwrap_or_default());
    } else {
        print!("{}", text(&listing));
    }
    Ok(())
}

fn text(listing: &Listing) -> String {
    let mut out = String::new();
    if !listing.open_exceptions.is_empty() {
        out.push_str("Open exceptions, waiting for their officers (settle with --handled or --retry):\n");
        let mut rows = vec![["ROBOT", "KEY", "OPENED", "LAST SEEN", "OFFICER", "MESSAGE"].map(String::from).to_vec()];
        for x in &listing.open_exceptions {
            rows.push(vec![
                x.robot.clone(),
                x.key.clone(),
                format!("{} (run {})", local_time(&x.opened_at), x.run_id),
                local_time(&x.last_seen_at),
                x.handler.clone().unwrap_or_else(|| "the robot's handlers".into()),
                x.message.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&crate::cli::table::render(&rows));
    }
    if !listing.to_review.is_empty() {
        out.push_str("Left half-done by a run that stopped (settle with --done or --redo):\n");
        let mut rows = vec![["ROBOT", "KEY", "RUN", "SINCE"].map(String::from).to_vec()];
        for c in &listing.to_review {
            rows.push(vec![c.robot.clone(), c.key.clone(), c.run_id.to_string(), local_time(&c.since)]);
        }
        out.push_str(&crate::cli::table::render(&rows));
    }
    out.push_str(&format!(
        "{} open exception(s), {} case(s) to review\n",
        listing.open_exceptions.len(),
        listing.to_review.len()
    ));
    out
}

fn settle(store: &mut Store, robot: &str, key: &str, args: &ReviewArgs) -> Result<(), CliError> {
    if args.handled || args.retry {
        let how = if args.handled { Settlement::Handled } else { Settlement::Retry };
        return match store
            .settle_exception(robot, key, how, &crate::store::Actor::command_line(), args.note.as_deref())
            .map_err(CliError::environment)?
        {
            Settled::Done => {
                let said = match how {
                    Settlement::Handled => "settled as handled by hand; never taken again",
                    Settlement::Retry => "settled; the next run tries it again",
                };
                println!("{key}: {said}");
                Ok(())
            }
            Settled::Unknown => Err(unknown(robot, key)),
            Settled::NotOpen(state) => {
                let hint = if matches!(state.as_str(), "needs_review" | "in_progress") {
                    ": a case left half-done is settled with --done or --redo"
                } else {
                    ""
                };
                Err(CliError::usage(format!("`{key}` of `{robot}` is not an open exception (it is `{state}`){hint}")))
            }
        };
    }
    if !args.done && !args.redo {
        return Err(CliError::usage(
            "say how the case is settled: --handled or --retry (an open exception), --done or --redo (a case left half-done)",
        ));
    }
    if store.open_exception_of(robot, key).map_err(CliError::environment)?.is_some() {
        return Err(CliError::usage(format!(
            "`{key}` of `{robot}` is an open exception: settle it with --handled or --retry"
        )));
    }
    if !store.settle_case(robot, key, args.done).map_err(CliError::environment)? {
        return Err(unknown(robot, key));
    }
    println!("{key}: {}", if args.done { "marked done" } else { "will be entered by the next run" });
    Ok(())
}

fn unknown(robot: &str, key: &str) -> CliError {
    CliError::not_found(format!("`{robot}` has no case `{key}` in its ledger"))
}
