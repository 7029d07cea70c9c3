//! Schedules: which robot runs when, in which timezone, on which days.
//! Pure: next-fire computation and calendars are tested with fixed clocks.

pub(crate) mod cron_expr;
pub(crate) mod file;
pub(crate) mod holidays;
pub(crate) mod job;
pub(crate) mod overdue;
#[cfg(test)]
pub(crate) mod test_support;

use std::path::{Path, PathBuf};

use crate::files::diagnostic::Diagnostic;
use crate::schedule::job::Job;

/// A schedule file that did not validate, with its text for rendering.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Invalid {
    pub(crate) fn render(&self) -> String {
        self.diagnostics.iter().map(|d| d.render(&self.source)).collect()
    }
}

/// The `.yaml`/`.yml` files directly in `dir`, in name order (none if it does not exist).
pub(crate) fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    files
}

/// A file's path, size and time of change.
pub(crate) type FileState = (PathBuf, u64, Option<std::time::SystemTime>);

/// Every file below `dirs` (to a few levels) with its size and time of
/// change: what a reload compares to tell whether it read a moving target,
/// and what the console's front page keys its schedule figures by.
pub(crate) fn file_states(dirs: &[PathBuf]) -> Vec<FileState> {
    let mut states = Vec::new();
    let mut level: Vec<PathBuf> = dirs.to_vec();
    for _ in 0..5 {
        let mut next = Vec::new();
        for dir in &level {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_dir() => next.push(path),
                    Ok(meta) => states.push((path, meta.len(), meta.modified().ok())),
                    Err(_) => {}
                }
            }
        }
        level = next;
    }
    states.sort();
    states
}

/// The names robots are run by: the file stems in the robots folder.
pub(crate) fn robot_names(robots_dir: &Path) -> Vec<String> {
    yaml_files(robots_dir).iter().filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).collect()
}

/// Reads one schedule file against the known robot names.
pub(crate) fn load_file(path: &Path, robots: &[String]) -> Result<Vec<Job>, Invalid> {
    let source = crate::files::source_file::read_source(path).map_err(|e| Invalid {
        source: String::new(),
        diagnostics: vec![Diagnostic {
            file: path.to_path_buf(),
            pos: crate::files::yaml::Pos::new(1, 1),
            width: 1,
            message: e.to_string(),
        }],
    })?;
    file::schedule_from_str(path, &source, Some(robots)).map_err(|diagnostics| Invalid { source, diagnostics })
}

/// Every job of every valid schedule file in `dir`, and the files that are not valid.
pub(crate) fn load_dir(dir: &Path, robots: &[String]) -> (Vec<Job>, Vec<Invalid>) {
    let mut jobs = Vec::new();
    let mut invalid = Vec::new();
    for path in yaml_files(dir) {
        match load_file(&path, robots) {
            Ok(found) => jobs.extend(found),
            Err(e) => invalid.push(e),
        }
    }
    (jobs, invalid)
}

/// Whether a YAML text is a schedule (its top level has `jobs`) rather than a robot.
pub(crate) fn looks_like_schedule(source: &str) -> bool {
    match crate::files::yaml::parse(source) {
        Ok(tree) => match tree.value {
            crate::files::yaml::Value::Map(entries) => {
                entries.iter().any(|(k, _)| k.name == "jobs") && !entries.iter().any(|(k, _)| k.name == "name")
            }
            _ => false,
        },
        Err(_) => false,
    }
}
