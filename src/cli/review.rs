//! `nightshift review ROBOT [KEY --done|--redo]`: the cases a dead run left
//! half-done, and settling one after a person has looked at the target system.

use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;
use crate::runner::event::LedgerState;

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The robot's name.
    pub robot: String,
    /// A case's key; without it, the cases that need review are listed.
    pub key: Option<String>,
    /// The case is in the target system: never enter it again.
    #[arg(long, requires = "key", conflicts_with = "redo")]
    pub done: bool,
    /// The case is not in the target system: the next run enters it.
    #[arg(long, requires = "key")]
    pub redo: bool,
}

pub(crate) fn run(settings: &Settings, args: &ReviewArgs) -> u8 {
    let store = match crate::run_log::open(&settings.state_dir) {
        Ok(store) => store,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let Some(key) = &args.key else {
        return match store.ledger_in_state(&args.robot, LedgerState::NeedsReview) {
            Ok(cases) => {
                for (key, run_id, since) in &cases {
                    println!("{key}  (run {run_id}, since {since})");
                }
                println!("{} case(s) of {} need review", cases.len(), args.robot);
                exit_code::SUCCESS
            }
            Err(e) => {
                print_error(e);
                exit_code::ENVIRONMENT
            }
        };
    };
    if !args.done && !args.redo {
        print_error("say what the case is: --done (it is in the target system) or --redo (it is not)");
        return exit_code::USAGE;
    }
    let state = if args.done { Some(LedgerState::Done) } else { None };
    match store.set_ledger(&args.robot, key, state, 0) {
        Ok(true) => {
            println!("{key}: {}", if args.done { "marked done" } else { "will be entered by the next run" });
            exit_code::SUCCESS
        }
        Ok(false) => {
            print_error(format!("`{}` has no case `{key}` in its ledger", args.robot));
            exit_code::NOT_FOUND
        }
        Err(e) => {
            print_error(e);
            exit_code::ENVIRONMENT
        }
    }
}
