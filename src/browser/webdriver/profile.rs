//! The folders a managed browser lives in: its profile and its temporary
//! folder. Each holds a lock file that its owner keeps locked while it
//! lives; a folder whose lock can be taken belongs to a process that is
//! gone (however it died) and is reclaimed. A lock works where a process id
//! does not: a nightshift in another PID namespace (a container sharing the
//! temporary folder) has ids that mean other processes here.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Browser profile folders are `<temp>/nightshift-chromium-<pid>-<n>`.
pub(super) const PROFILE_PREFIX: &str = "nightshift-chromium-";
/// The browsers' temporary folders are `<temp>/ns-tmp-<pid>-<n>`.
pub(super) const TEMP_PREFIX: &str = "ns-tmp-";
/// The lock file in each folder, locked by the folder's owner.
pub(super) const OWNER_LOCK: &str = ".nightshift-owner";
/// A folder without a lock file (made by an older nightshift, or by one
/// that died between making it and locking it) is reclaimed once its owner's
/// id is not a process here and it is this old: younger, it may be a folder
/// whose lock file is being made right now.
const UNLOCKED_AGE: Duration = Duration::from_secs(60);

/// A folder of this process's, with its lock held until it is dropped.
#[derive(Debug)]
pub(super) struct OwnedFolder {
    pub(super) path: PathBuf,
    _lock: File,
}

impl OwnedFolder {
    /// Makes the folder and takes its lock. The folder is made and locked
    /// under a name no other nightshift reclaims, then renamed: under its
    /// own name it is never seen with its lock file not yet locked (another
    /// nightshift starting a browser at that moment took such a lock as
    /// free and removed the folder, and Chromium could not start in it).
    pub(super) fn create(path: PathBuf) -> io::Result<Self> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let staging = path.with_file_name(format!(".staging-{name}"));
        std::fs::create_dir_all(&staging)?;
        let lock = File::create(staging.join(OWNER_LOCK))?;
        if !try_lock(&lock) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(io::Error::other(format!("`{}` is locked by another process", staging.display())));
        }
        if let Err(e) = std::fs::rename(&staging, &path) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        Ok(Self { path, _lock: lock })
    }
}

/// Takes an exclusive lock on `file` without waiting; false when another
/// process holds one.
fn try_lock(file: &File) -> bool {
    // SAFETY: flock on a descriptor this function borrows.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Removes the profile and temporary folders of nightshift processes that
/// are gone (killed before they could remove their own).
pub(super) fn reclaim_dead_profiles(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rest = name.strip_prefix(PROFILE_PREFIX).or_else(|| name.strip_prefix(TEMP_PREFIX));
        let Some(pid) = rest.and_then(|rest| rest.split('-').next()).and_then(|pid| pid.parse::<i64>().ok()) else {
            continue;
        };
        let folder = entry.path();
        match File::options().read(true).write(true).open(folder.join(OWNER_LOCK)) {
            // The lock is free: its owner is gone. It is held while removing.
            Ok(lock) if try_lock(&lock) => {
                let _ = std::fs::remove_dir_all(&folder);
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                if !crate::process::alive(pid) && age.is_some_and(|age| age >= UNLOCKED_AGE) {
                    let _ = std::fs::remove_dir_all(&folder);
                }
            }
            Err(_) => {}
        }
    }
}

pub(super) fn rand_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}
