//! Opening the run log the way every command does: migrated, and with runs
//! left `running` by a process that is gone settled as `interrupted`, their
//! mail to operations queued. And the state folder's key as the run log
//! needs it: the very key its purged cases were hashed with.

use std::path::{Path, PathBuf};

use crate::mail::report::RunReport;
use crate::mail::{Mail, PlanMail};
use crate::notify::policy::MailPolicy;
use crate::privacy::case_link::CaseLinks;
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// Opens `<state_dir>/nightshift.db` and settles the runs of dead processes,
/// their mail addressed as their robots' own (officers, language, masking).
pub(crate) fn open(settings: &Settings) -> Result<Store, StoreError> {
    let mut store = Store::open(&settings.state_dir)?;
    let planner = RobotsMail { robots_dir: settings.robots_dir.clone(), ops: MailPolicy::ops_from_env() };
    store.mark_dead_runs_interrupted(&planner)?;
    Ok(store)
}

/// Plans a finished run's mail by its robot's own policy, read from the
/// robots folder: a run a dead process left behind still sends its business
/// exceptions to their officers. A robot no longer there gets operations'.
struct RobotsMail {
    robots_dir: PathBuf,
    ops: Option<String>,
}

impl PlanMail for RobotsMail {
    fn plan(&self, report: &RunReport) -> Vec<Mail> {
        let robot = crate::robot::find_named(&self.robots_dir, &report.robot)
            .and_then(|file| crate::robot::load(&file, &self.robots_dir).ok());
        let policy = match robot {
            Some(robot) => MailPolicy::for_robot(&robot, self.ops.clone()),
            None => MailPolicy::ops_only(self.ops.clone()),
        };
        policy.plan(report)
    }
}

/// Why the state folder's key cannot be used with its run log.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyError {
    #[error(
        "the run log holds cases purged under the key `{}`, and that file is missing: restore it from the backup taken with `nightshift.db` (without it, purged cases look new and would be entered again)",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "`{}` is not the key the run log's purged cases were hashed with: restore the `console.key` backed up with `nightshift.db` (with this one, purged cases look new and would be entered again)",
        path.display()
    )]
    Different { path: PathBuf },
    #[error("failed to read or make `{}`: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error, hashed: bool },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KeyError {
    /// Whether going on without the key could enter a purged case again
    /// (otherwise only mail links and the console's case pages suffer).
    pub(crate) fn risks_duplicates(&self) -> bool {
        !matches!(self, KeyError::Unreadable { hashed: false, .. } | KeyError::Store(_))
    }
}

/// The state folder's key (`console.key`), made now if the run log has no
/// cases hashed with an earlier one; refused when those cases were hashed
/// with a key that is now missing or different. Records which key that is.
pub(crate) fn console_key(state_dir: &Path, store: &Store) -> Result<CaseLinks, KeyError> {
    let path = state_dir.join("console.key");
    let hashed = store.holds_hashed_keys()?;
    if hashed && !path.exists() {
        return Err(KeyError::Missing { path });
    }
    let links = CaseLinks::from_state(state_dir).map_err(|source| KeyError::Unreadable {
        path: path.clone(),
        source,
        hashed,
    })?;
    let check = links.check_value();
    match store.key_check()? {
        Some(recorded) if recorded == check => {}
        Some(_) if hashed => return Err(KeyError::Different { path }),
        // Nothing was hashed with the recorded key: this one takes its place.
        _ => store.set_key_check(&check)?,
    }
    Ok(links)
}
