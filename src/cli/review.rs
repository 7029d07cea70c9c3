//! `nightshift review ROBOT [KEY --done|--redo]`: the cases a dead run left
//! half-done, and settling one after a person has looked at the target system.

use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;

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
    let robot_file = crate::robot::find(&settings.robots_dir, &args.robot);
    match store.knows_robot(&args.robot) {
        Ok(false) if !robot_file.is_file() => {
            print_error(format!(
                "there is no robot `{}`: no file `{}` and no run of it in the run log",
                args.robot,
                robot_file.display()
            ));
            return exit_code::NOT_FOUND;
        }
        Ok(_) => {}
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    }
    let Some(key) = &args.key else {
        return match store.cases_to_review(&args.robot) {
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
    match store.settle_case(&args.robot, key, args.done) {
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
