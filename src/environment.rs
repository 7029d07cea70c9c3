//! The environment as nightshift reads it: once, at start, the process's
//! variables with the settings file's filled in where the process leaves
//! one unset (`settings::file`). Every part reads its settings from here, so
//! a value means the same everywhere, and nothing writes the process's own
//! environment (`set_var` is unsound once a thread runs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The variables in force, and where the settings file's came from.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: HashMap<String, String>,
    file: Option<PathBuf>,
    from_file: Vec<String>,
}

static INSTALLED: OnceLock<Environment> = OnceLock::new();

impl Environment {
    /// The process's variables; those whose name or value is not UTF-8 are
    /// left out (no setting is, and a robot's `${env.X}` is text).
    pub fn of_process() -> Self {
        let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self { vars: vars.collect(), file: None, from_file: Vec::new() }
    }

    /// Fills in the settings file's variables that this environment lacks.
    pub fn with_file(mut self, file: &Path, settings: Vec<(String, String)>) -> Self {
        for (variable, value) in settings {
            if !self.vars.contains_key(&variable) {
                self.vars.insert(variable.clone(), value);
                self.from_file.push(variable);
            }
        }
        self.file = Some(file.to_path_buf());
        self
    }

    /// Makes this the environment every part of this process reads. Only
    /// the first one installed counts; `main` installs it before anything
    /// reads a setting.
    pub fn install(self) -> &'static Environment {
        let _ = INSTALLED.set(self);
        get()
    }

    /// A variable's value, as set (possibly empty).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable, for robots' `${env.NAME}`.
    pub fn vars(&self) -> &HashMap<String, String> {
        &self.vars
    }

    /// The settings file read, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Whether `variable` came from the settings file.
    pub fn from_file(&self, variable: &str) -> bool {
        self.from_file.iter().any(|v| v == variable)
    }
}

/// The environment installed at start, or the process's own where nothing
/// was installed (the unit tests).
pub fn get() -> &'static Environment {
    INSTALLED.get_or_init(Environment::of_process)
}

/// A variable of the environment in force.
pub(crate) fn var(name: &str) -> Option<&'static str> {
    get().var(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fills_in_only_what_the_environment_leaves_unset() {
        let mut env = Environment::default();
        env.vars.insert("NIGHTSHIFT_STATE_DIR".into(), "/from/env".into());
        let settings = vec![
            ("NIGHTSHIFT_STATE_DIR".to_string(), "/from/file".to_string()),
            ("NIGHTSHIFT_MAX_BROWSERS".to_string(), "3".to_string()),
        ];
        let env = env.with_file(Path::new("/etc/nightshift.yaml"), settings);
        assert_eq!(env.var("NIGHTSHIFT_STATE_DIR"), Some("/from/env"));
        assert_eq!(env.var("NIGHTSHIFT_MAX_BROWSERS"), Some("3"));
        assert!(env.from_file("NIGHTSHIFT_MAX_BROWSERS") && !env.from_file("NIGHTSHIFT_STATE_DIR"));
        assert_eq!(env.file(), Some(Path::new("/etc/nightshift.yaml")));
    }
}
