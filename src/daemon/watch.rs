//! Tells the daemon when a robot, steps or schedule file changes, through
//! inotify: on each folder and its subfolders (steps files), and on the
//! folder that holds it, for the folder itself being replaced (a deploy
//! tool swapping a `robots` symlink). Editors that save by renaming are seen
//! too. The daemon builds a new watcher after each change, before it reads the
//! files, so an edit made while it reads is seen, and new subfolders and a
//! swapped-in folder are watched from then on.

use std::collections::HashMap;
use std::ffi::{CString, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use tokio::io::unix::AsyncFd;

/// Subfolders deeper than this below a watched folder are not watched.
const MAX_DEPTH: usize = 4;
/// At most this many folders are watched (inotify watches are a system-wide budget).
const MAX_WATCHES: usize = 256;

/// An inotify instance watching some folders.
pub(crate) struct Watcher {
    fd: AsyncFd<OwnedFd>,
    /// Watches on the folders that hold a watched folder: only events about
    /// that folder's own name count there.
    parents: HashMap<i32, Vec<OsString>>,
}

impl Watcher {
    /// Watches `dirs`, their subfolders and their parents (folders that do
    /// not exist are left out; a symlink is followed).
    pub(crate) fn new(dirs: &[&Path]) -> std::io::Result<Self> {
        // SAFETY: inotify_init1 returns a new descriptor or -1.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a descriptor we own from here on.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mask = libc::IN_CLOSE_WRITE | libc::IN_MOVED_TO | libc::IN_MOVED_FROM | libc::IN_DELETE | libc::IN_CREATE;
        let mut parents: HashMap<i32, Vec<OsString>> = HashMap::new();
        let mut folders = Vec::new();
        for dir in dirs {
            folders.extend(subfolders(dir));
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if let (Some(name), true) = (dir.file_name(), parent.is_dir()) {
                let wd = add_watch(&fd, parent, mask)?;
                parents.entry(wd).or_default().push(name.to_os_string());
            }
        }
        for folder in folders.iter().take(MAX_WATCHES) {
            let wd = add_watch(&fd, folder, mask)?;
            // A folder that is also another's parent reports every event.
            parents.remove(&wd);
        }
        // SAFETY: the OwnedFd is open, and owned by the AsyncFd from here on.
        let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
            .map_err(std::io::Error::other)?;
        Ok(Self { fd, parents })
    }

    /// Waits for the next batch of changes that concern the watched folders.
    pub(crate) async fn changed(&self) -> std::io::Result<()> {
        let mut buffer = [0u8; 8192];
        loop {
            let mut guard = self.fd.readable().await?;
            // SAFETY: reading into a buffer we own, of its length.
            let n = unsafe { libc::read(self.fd.get_ref().as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
            if n > 0 && self.concerns_us(&buffer[..n as usize]) {
                return Ok(());
            }
            if n <= 0 {
                guard.clear_ready();
            }
        }
    }

    /// Whether any event in `events` is about a watched folder's contents,
    /// or about a watched folder's own name in its parent.
    fn concerns_us(&self, mut events: &[u8]) -> bool {
        const HEADER: usize = 16;
        while events.len() >= HEADER {
            let int = |at: usize| u32::from_ne_bytes([events[at], events[at + 1], events[at + 2], events[at + 3]]);
            let wd = int(0) as i32;
            let len = int(12) as usize;
            let end = (HEADER + len).min(events.len());
            let name = events[HEADER..end].split(|b| *b == 0).next().unwrap_or_default();
            match self.parents.get(&wd) {
                None => return true,
                Some(names) if names.iter().any(|n| n.as_bytes() == name) => return true,
                Some(_) => {}
            }
            events = &events[end..];
        }
        false
    }
}

fn add_watch(fd: &OwnedFd, folder: &Path, mask: u32) -> std::io::Result<i32> {
    let path = CString::new(folder.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: a valid descriptor and a NUL-terminated path.
    let wd = unsafe { libc::inotify_add_watch(fd.as_raw_fd(), path.as_ptr(), mask) };
    if wd < 0 { Err(std::io::Error::last_os_error()) } else { Ok(wd) }
}

/// `dir` and the folders below it, to `MAX_DEPTH` (hidden ones left out).
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut level = vec![dir.to_path_buf()].into_iter().filter(|d| d.is_dir()).collect::<Vec<_>>();
    for _ in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for folder in &level {
            let Ok(entries) = std::fs::read_dir(folder) else { continue };
            for entry in entries.flatten() {
                let hidden = entry.file_name().as_bytes().first() == Some(&b'.');
                if !hidden && entry.path().is_dir() {
                    next.push(entry.path());
                }
            }
        }
        found.append(&mut level);
        level = next;
    }
    found
}
