//! `nightshift check [PATH...]`: validate robot files without a browser.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;
use crate::robot::{self, LoadError};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Robot files or folders of them (default: the robots folder).
    pub paths: Vec<PathBuf>,
}

pub fn run(settings: &Settings, args: &CheckArgs) -> u8 {
    let roots = if args.paths.is_empty() { vec![settings.robots_dir.clone()] } else { args.paths.clone() };
    let mut files = Vec::new();
    for root in &roots {
        match robot_files(root) {
            Ok(found) => files.extend(found),
            Err(e) => {
                print_error(format!("failed to read `{}`: {e}", root.display()));
                return exit_code::INVALID_INPUT;
            }
        }
    }
    let mut errors = 0;
    let mut bad_files = 0;
    for file in &files {
        if let Err(e) = robot::load(file) {
            bad_files += 1;
            errors += match &e {
                LoadError::Invalid { diagnostics, .. } => diagnostics.len(),
                LoadError::Read { .. } => 1,
            };
            eprint!("{}", e.render());
        }
    }
    if errors > 0 {
        eprintln!("{errors} error(s) in {bad_files} of {} file(s)", files.len());
        return exit_code::INVALID_INPUT;
    }
    println!("{} robot file(s) valid", files.len());
    exit_code::SUCCESS
}

/// A file as given, or the `.yaml`/`.yml` files of a folder in name order.
fn robot_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !root.is_dir() {
        return if root.exists() { Ok(vec![root.to_path_buf()]) } else { Err(std::io::ErrorKind::NotFound.into()) };
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    Ok(files)
}
