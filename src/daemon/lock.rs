//! One daemon per state folder: an exclusive `flock` on `serve.lock`, held
//! for the daemon's life and released by the kernel however it ends.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub(crate) enum LockError {
    #[error("another `nightshift serve` (pid {pid}) is already using the state folder `{}`", dir.display())]
    Held { pid: String, dir: PathBuf },
    #[error("failed to lock `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Held while the daemon runs.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
}

impl StateLock {
    pub(crate) fn acquire(state_dir: &Path) -> Result<Self, LockError> {
        let path = state_dir.join("serve.lock");
        let io = |source| LockError::Io { path: path.clone(), source };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file =
            std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        // An exclusive lock that the kernel drops with the process, however it ends.
        if file.try_lock().is_err() {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            return Err(LockError::Held { pid: pid.trim().to_string(), dir: state_dir.to_path_buf() });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { _file: file })
    }
}
