//! The robot language: reading, validating and modelling robot files. Pure and
//! sync: no IO beyond reading the file.

pub(crate) mod checks;
pub(crate) mod condition;
pub(crate) mod expr;
pub(crate) mod keys;
pub(crate) mod locator;
pub(crate) mod model;
pub(crate) mod role;
pub(crate) mod selector_check;
pub(crate) mod step;
pub mod step_parts;
pub mod validate;

use std::path::{Path, PathBuf};

use crate::files::diagnostic::Diagnostic;
use crate::files::source_file;
use crate::robot::model::Robot;

/// Why a robot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Read(#[from] source_file::SourceFileError),
    #[error("`{}` has {} error(s)", path.display(), diagnostics.len())]
    Invalid { path: PathBuf, source_text: String, diagnostics: Vec<Diagnostic> },
}

impl LoadError {
    /// Every diagnostic rendered with its source line, or the read error.
    pub fn render(&self) -> String {
        match self {
            LoadError::Read(_) => format!("{self}\n"),
            // An error in a `use`d steps file shows that file's line.
            LoadError::Invalid { path, source_text, diagnostics } => diagnostics
                .iter()
                .map(|d| {
                    if d.file == *path {
                        d.render(source_text)
                    } else {
                        d.render(&source_file::read_source(&d.file).unwrap_or_default())
                    }
                })
                .collect::<Vec<_>>()
                .join(""),
        }
    }
}

/// Reads and validates a robot file; its `use:` steps files must lie in its
/// own folder or in `robots_dir`.
pub fn load(path: &Path, robots_dir: &Path) -> Result<Robot, LoadError> {
    let source = source_file::read_source(path)?;
    validate::robot_from_str_in(path, &source, robots_dir).map_err(|diagnostics| LoadError::Invalid {
        path: path.to_path_buf(),
        source_text: source,
        diagnostics,
    })
}

/// Finds a robot by path, or by name in the robots directory (`NAME.yaml`).
pub fn find(robots_dir: &Path, name_or_path: &str) -> PathBuf {
    let direct = PathBuf::from(name_or_path);
    if direct.is_file() || name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml") {
        return direct;
    }
    let yml = robots_dir.join(format!("{name_or_path}.yml"));
    if yml.is_file() {
        return yml;
    }
    robots_dir.join(format!("{name_or_path}.yaml"))
}

/// A robot of the robots folder by its name alone, for names that come from
/// outside (the console, a schedule): `None` unless `name` is a plain file
/// stem and `NAME.yml` or `NAME.yaml` is a file directly in `robots_dir`, so a
/// path-shaped name never reads a file anywhere else.
pub fn find_named(robots_dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    if !plain {
        return None;
    }
    ["yml", "yaml"].iter().map(|ext| robots_dir.join(format!("{name}.{ext}"))).find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robot_by_name_is_a_file_of_the_robots_folder_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let robots = dir.path().join("robots");
        std::fs::create_dir_all(&robots).unwrap();
        std::fs::write(robots.join("intake.yaml"), "name: intake\n").unwrap();
        std::fs::write(dir.path().join("evil.yaml"), "name: evil\n").unwrap();
        assert_eq!(find_named(&robots, "intake"), Some(robots.join("intake.yaml")));
        let evil = dir.path().join("evil.yaml");
        for name in [evil.to_str().unwrap(), "../evil", "../evil.yaml", "..", ".", "", "intake.yaml", "a\\b", "missing"]
        {
            assert_eq!(find_named(&robots, name), None, "{name:?}");
        }
    }
}

#[cfg(test)]
mod fuzz_tests;
