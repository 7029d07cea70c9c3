//! Opening the run log the way every command does: migrated, and with runs
//! left `running` by a process that is gone settled as `interrupted`, their
//! mail to operations queued.

use std::path::Path;

use crate::notify::policy::MailPolicy;
use crate::store::{Store, StoreError};

/// Opens `<state_dir>/nightshift.db` and settles the runs of dead processes.
pub(crate) fn open(state_dir: &Path) -> Result<Store, StoreError> {
    let mut store = Store::open(state_dir)?;
    store.mark_dead_runs_interrupted(&MailPolicy::ops_only(MailPolicy::ops_from_env()))?;
    Ok(store)
}
