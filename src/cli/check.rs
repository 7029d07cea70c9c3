//! `nightshift check [PATH...]`: validate robot and schedule files without a browser.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;
use crate::robot::{self, LoadError};
use crate::schedule::{self, looks_like_schedule, robot_names, yaml_files};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Robot or schedule files, or folders of them (default: the robots and schedules folders).
    pub paths: Vec<PathBuf>,
}

pub(crate) fn run(settings: &Settings, args: &CheckArgs) -> u8 {
    let roots = if args.paths.is_empty() {
        vec![settings.robots_dir.clone(), settings.schedules_dir.clone()]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_dir() {
            files.extend(yaml_files(root));
        } else if root.exists() {
            files.push(root.clone());
        } else if !args.paths.is_empty() || *root == settings.robots_dir {
            print_error(format!("`{}` does not exist", root.display()));
            return exit_code::INVALID_INPUT;
        }
    }
    let robots = robot_names(&settings.robots_dir);
    let mut errors = 0;
    let mut bad_files = 0;
    for file in &files {
        let found = check_file(file, &robots, &settings.robots_dir);
        if found > 0 {
            bad_files += 1;
            errors += found;
        }
    }
    if errors > 0 {
        eprintln!("{errors} error(s) in {bad_files} of {} file(s)", files.len());
        return exit_code::INVALID_INPUT;
    }
    println!("{} file(s) valid", files.len());
    exit_code::SUCCESS
}

/// Checks one file, prints its diagnostics, and returns how many there were.
fn check_file(file: &Path, robots: &[String], robots_dir: &Path) -> usize {
    let is_schedule = crate::robot::source_file::read_source(file).is_ok_and(|s| looks_like_schedule(&s));
    if is_schedule {
        return match schedule::load_file(file, robots) {
            Ok(_) => 0,
            Err(invalid) => {
                eprint!("{}", invalid.render());
                invalid.diagnostics.len()
            }
        };
    }
    match robot::load(file, robots_dir) {
        Ok(_) => 0,
        Err(e) => {
            eprint!("{}", e.render());
            match &e {
                LoadError::Invalid { diagnostics, .. } => diagnostics.len(),
                LoadError::Read(_) => 1,
            }
        }
    }
}
