//! Where nightshift keeps its state and finds robots, browsers and secrets.
//! `file` is the settings file that fills in what the environment leaves
//! unset.

pub mod file;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::privacy::secrets::Secret;

/// The settings every command shares.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Absolute, so evidence paths in the run log stay valid from anywhere.
    pub state_dir: PathBuf,
    pub robots_dir: PathBuf,
    pub schedules_dir: PathBuf,
    pub secrets_dir: Option<PathBuf>,
    /// `NIGHTSHIFT_WEBDRIVER_URL`: use this WebDriver server instead of a managed chromedriver.
    pub webdriver_url: Option<String>,
}

impl Settings {
    pub(crate) fn new(state_dir: &Path, robots_dir: &Path, schedules_dir: &Path, secrets_dir: Option<&Path>) -> Self {
        Self {
            state_dir: absolute(state_dir),
            robots_dir: robots_dir.to_path_buf(),
            schedules_dir: schedules_dir.to_path_buf(),
            // Under systemd, `LoadCredential=` puts the secrets in $CREDENTIALS_DIRECTORY.
            secrets_dir: secrets_dir.map(Path::to_path_buf).or_else(|| {
                crate::environment::var("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()).map(PathBuf::from)
            }),
            webdriver_url: crate::environment::var("NIGHTSHIFT_WEBDRIVER_URL")
                .filter(|s| !s.is_empty())
                .map(String::from),
        }
    }

    pub(crate) fn evidence_dir(&self, run_id: i64) -> PathBuf {
        self.state_dir.join("evidence").join(run_id.to_string())
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_path_buf())
}

#[derive(Debug, Error)]
pub(crate) enum SecretError {
    #[error(
        "secret `{name}` is not set: set NIGHTSHIFT_SECRET_{name} or put a file `{name}` in the secrets folder (--secrets-dir)"
    )]
    Missing { name: String },
    #[error("failed to read secret file `{}`: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "secret file `{}` can be read by other users (mode {mode:o}): `chmod 600` it (or `chmod 640` is not enough: group and others must have no access)",
        path.display()
    )]
    Readable { path: PathBuf, mode: u32 },
}

/// Reads each declared secret from `NIGHTSHIFT_SECRET_<NAME>` or `<secrets_dir>/<NAME>`.
/// A secret file that group or others may read or write is refused.
pub(crate) fn load_secrets(
    names: &[String],
    env: &HashMap<String, String>,
    secrets_dir: Option<&Path>,
) -> Result<HashMap<String, Secret>, SecretError> {
    let mut secrets = HashMap::new();
    for name in names {
        if let Some(value) = env.get(&format!("NIGHTSHIFT_SECRET_{name}")) {
            secrets.insert(name.clone(), Secret::new(value.clone()));
            continue;
        }
        let Some(path) = secrets_dir.map(|d| d.join(name)).filter(|p| p.is_file()) else {
            return Err(SecretError::Missing { name: name.clone() });
        };
        let mode = std::fs::metadata(&path)
            .map_err(|source| SecretError::Read { path: path.clone(), source })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SecretError::Readable { path, mode: mode & 0o777 });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| SecretError::Read { path: path.clone(), source })?;
        secrets.insert(name.clone(), Secret::new(text.trim_end_matches(['\n', '\r'])));
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_others_may_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("PW");
        std::fs::write(&path, "s3cret\n").unwrap();
        for (mode, ok) in [(0o600, true), (0o400, true), (0o640, false), (0o644, false), (0o606, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let found = load_secrets(&["PW".into()], &HashMap::new(), Some(dir.path()));
            match (found, ok) {
                (Ok(secrets), true) => assert_eq!(secrets["PW"], "s3cret"),
                (Err(e), false) => assert!(e.to_string().contains("can be read by other users"), "{e}"),
                (other, _) => panic!("mode {mode:o}: {other:?}"),
            }
        }
    }

    #[test]
    fn environment_wins_over_files_and_missing_secrets_say_how_to_set_them() {
        let env: HashMap<String, String> = [("NIGHTSHIFT_SECRET_PW".to_string(), "x".to_string())].into();
        let found = load_secrets(&["PW".into()], &env, None).unwrap();
        assert_eq!(found["PW"], "x");
        let err = load_secrets(&["OTHER".into()], &env, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret `OTHER` is not set: set NIGHTSHIFT_SECRET_OTHER or put a file `OTHER` in the secrets folder (--secrets-dir)"
        );
    }
}
