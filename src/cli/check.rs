//! `nightshift check [PATH...]`: validate robot and schedule files without a browser.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::exit_code::{self, CliError, Verdict};
use crate::robot::{self, LoadError};
use crate::schedule::{self, looks_like_schedule, robot_names, yaml_files};
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Robot, schedule or settings files (`nightshift.yaml`), or folders of
    /// them (default: the robots and schedules folders, and the settings
    /// file in use).
    pub paths: Vec<PathBuf>,
    /// Print the result as JSON on stdout: `files`, `valid`, and `errors`
    /// (`file`, `line`, `column`, `message`).
    #[arg(long)]
    pub json: bool,
}

/// One error found, for `--json`.
#[derive(Debug, serde::Serialize)]
struct Found {
    file: String,
    line: u32,
    column: u32,
    message: String,
}

pub(crate) fn run(settings: &Settings, args: &CheckArgs) -> Result<Verdict, CliError> {
    let roots = if args.paths.is_empty() {
        vec![settings.robots_dir.clone(), settings.schedules_dir.clone()]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    if args.paths.is_empty() {
        let settings_file = crate::environment::get().file().map(std::path::Path::to_path_buf);
        files.extend(settings_file.filter(|p| p.is_file()));
    }
    for root in &roots {
        if root.is_dir() {
            files.extend(yaml_files(root));
        } else if root.exists() {
            files.push(root.clone());
        } else if !args.paths.is_empty() || *root == settings.robots_dir {
            return Err(CliError::new(exit_code::INVALID_INPUT, format!("`{}` does not exist", root.display())));
        }
    }
    let robots = robot_names(&settings.robots_dir);
    let mut found = Vec::new();
    let mut bad_files = 0;
    for file in &files {
        let errors = check_file(file, &robots, &settings.robots_dir, !args.json);
        bad_files += usize::from(!errors.is_empty());
        found.extend(errors);
    }
    if args.json {
        let answer = serde_json::json!({ "files": files.len(), "valid": found.is_empty(), "errors": found });
        println!("{}", serde_json::to_string_pretty(&answer).unwrap_or_default());
    } else if found.is_empty() {
        println!("{} file(s) valid", files.len());
    } else {
        eprintln!("{} error(s) in {bad_files} of {} file(s)", found.len(), files.len());
    }
    Ok(Verdict::clean_unless(!found.is_empty(), exit_code::INVALID_INPUT))
}

/// Checks one file and returns what is wrong with it; with `print`, its
/// diagnostics go to stderr with their source lines.
fn check_file(file: &Path, robots: &[String], robots_dir: &Path, print: bool) -> Vec<Found> {
    let of = |d: &crate::files::diagnostic::Diagnostic| Found {
        file: d.file.display().to_string(),
        line: d.pos.line,
        column: d.pos.column,
        message: d.message.clone(),
    };
    if file.file_name().is_some_and(|n| n == "nightshift.yaml") {
        return match crate::settings::file::read(file) {
            Ok(_) => Vec::new(),
            Err(e) => {
                if print {
                    eprintln!("{e}");
                }
                vec![Found { file: e.path, line: e.line, column: e.column, message: e.message }]
            }
        };
    }
    let is_schedule = crate::files::source_file::read_source(file).is_ok_and(|s| looks_like_schedule(&s));
    if is_schedule {
        return match schedule::load_file(file, robots) {
            Ok(_) => Vec::new(),
            Err(invalid) => {
                if print {
                    eprint!("{}", invalid.render());
                }
                invalid.diagnostics.iter().map(of).collect()
            }
        };
    }
    match robot::load(file, robots_dir) {
        Ok(_) => Vec::new(),
        Err(e) => {
            if print {
                eprint!("{}", e.render());
            }
            match &e {
                LoadError::Invalid { diagnostics, .. } => diagnostics.iter().map(of).collect(),
                LoadError::Read(read) => {
                    vec![Found { file: file.display().to_string(), line: 0, column: 0, message: read.to_string() }]
                }
            }
        }
    }
}
