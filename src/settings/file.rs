//! `nightshift.yaml`: the settings a machine keeps, in one commented file
//! (`--config FILE`, `NIGHTSHIFT_CONFIG`, else `nightshift.yaml` in the
//! working directory when there is one). Each key stands for one environment
//! variable, and the order of precedence is flag, then environment, then
//! file, then built-in default: the file fills in only variables the
//! environment leaves unset (`environment::Environment`), and the options
//! whose variable it sets take its value as their default (`cli::parse`).
//! Secrets are never read from it.

use std::path::{Path, PathBuf};

use crate::environment::Environment;
use crate::files::source_file::read_source;
use crate::files::yaml::{self, Value};

/// Each key of the file, the variable it stands for, and what it means.
pub(crate) const KEYS: &[(&str, &str, &str)] = &[
    ("state_dir", "NIGHTSHIFT_STATE_DIR", "run log, evidence and outbox"),
    ("robots", "NIGHTSHIFT_ROBOTS_DIR", "folder of robot files"),
    ("schedules", "NIGHTSHIFT_SCHEDULES_DIR", "folder of schedule files"),
    ("secrets_dir", "NIGHTSHIFT_SECRETS_DIR", "folder with one file per secret"),
    ("webdriver_url", "NIGHTSHIFT_WEBDRIVER_URL", "a WebDriver server or Grid instead of chromedriver"),
    ("smtp_url", "NIGHTSHIFT_SMTP_URL", "the SMTP server (without a password: put that in the environment)"),
    ("ops_email", "NIGHTSHIFT_OPS_EMAIL", "where technical failures go"),
    ("ops_language", "NIGHTSHIFT_OPS_LANGUAGE", "the language of alerts: sv (the default) or en"),
    ("mail_from", "NIGHTSHIFT_MAIL_FROM", "the sender of nightshift's mail"),
    ("max_browsers", "NIGHTSHIFT_MAX_BROWSERS", "browsers at once under serve"),
    ("http", "NIGHTSHIFT_HTTP", "where serve's web console listens"),
    ("public_url", "NIGHTSHIFT_PUBLIC_URL", "the console's address in mail links"),
    ("timezone", "NIGHTSHIFT_TIMEZONE", "the timezone times are printed in"),
    ("manual_cost_per_hour", "NIGHTSHIFT_MANUAL_COST_PER_HOUR", "what an hour of manual work costs, in kronor"),
    ("audit_retention_days", "NIGHTSHIFT_AUDIT_RETENTION_DAYS", "how long the audit log keeps an entry (default 1830)"),
    ("log", "NIGHTSHIFT_LOG", "log filter"),
];

/// A settings file that cannot be used, located.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct SettingsFileError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Where the settings file is, if there is one to read: `--config` in
/// `args` (either `--config FILE` or `--config=FILE`), `NIGHTSHIFT_CONFIG`,
/// or `nightshift.yaml` in the working directory.
pub fn locate(args: &[String], environment: &Environment) -> Option<(PathBuf, bool)> {
    let mut given = None;
    for (i, arg) in args.iter().enumerate() {
        if arg == "--config" {
            given = args.get(i + 1).cloned();
        } else if let Some(path) = arg.strip_prefix("--config=") {
            given = Some(path.to_string());
        }
    }
    let named = || environment.var("NIGHTSHIFT_CONFIG").filter(|p| !p.is_empty()).map(String::from);
    if let Some(path) = given.or_else(named) {
        return Some((PathBuf::from(path), true));
    }
    let default = PathBuf::from("nightshift.yaml");
    default.is_file().then_some((default, false))
}

/// The file's settings as (variable, value) pairs, in the file's order.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, SettingsFileError> {
    let shown = path.display().to_string();
    let error = |line, column, message: String| SettingsFileError { path: shown.clone(), line, column, message };
    let text = read_source(path).map_err(|e| error(1, 1, e.to_string()))?;
    let tree = yaml::parse(&text).map_err(|e| error(e.pos.line, e.pos.column, e.message))?;
    let entries = match tree.value {
        Value::Map(entries) => entries,
        Value::Null => return Ok(Vec::new()),
        other => {
            let found = other.kind();
            return Err(error(
                tree.pos.line,
                tree.pos.column,
                format!("expected a mapping of settings, found {found}"),
            ));
        }
    };
    let mut settings = Vec::new();
    for (key, node) in entries {
        let Some((_, variable, _)) = KEYS.iter().find(|(name, _, _)| *name == key.name) else {
            let names: Vec<&str> = KEYS.iter().map(|(n, _, _)| *n).collect();
            let hint = crate::files::diagnostic::did_you_mean(&key.name, &names)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| format!(" (known: {})", names.join(", ")));
            let message = format!("unknown setting `{}`{hint}", key.name);
            return Err(error(key.pos.line, key.pos.column, message));
        };
        let Some(value) = node.value.as_text() else {
            let found = node.value.kind();
            return Err(error(
                node.pos.line,
                node.pos.column,
                format!("`{}` takes one value, found {found}", key.name),
            ));
        };
        settings.push((variable.to_string(), value));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_map_to_their_variables_and_a_wrong_key_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nightshift.yaml");
        std::fs::write(&path, "# the machine's settings\nstate_dir: /var/lib/nightshift\nmax_browsers: 3\n").unwrap();
        assert_eq!(
            read(&path).unwrap(),
            [
                ("NIGHTSHIFT_STATE_DIR".to_string(), "/var/lib/nightshift".to_string()),
                ("NIGHTSHIFT_MAX_BROWSERS".to_string(), "3".to_string())
            ]
        );
        std::fs::write(&path, "state_dir: x\nstate_dri: y\n").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.ends_with("nightshift.yaml:2:1: unknown setting `state_dri`; did you mean `state_dir`?"), "{e}");
        std::fs::write(&path, "robots: [a, b]\n").unwrap();
        assert!(read(&path).unwrap_err().to_string().contains(":1:9: `robots` takes one value, found a list"));
        let example = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/nightshift.yaml")).unwrap();
        assert_eq!(example.len(), 10, "the commented example is a valid file: {example:?}");
        let args = ["nightshift".to_string(), "--config=/etc/n.yaml".to_string(), "runs".to_string()];
        assert_eq!(locate(&args, &Environment::default()), Some((PathBuf::from("/etc/n.yaml"), true)));
    }
}
