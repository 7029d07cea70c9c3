//! Tells the daemon when a robot or schedule file changes, through inotify
//! on their folders (so editors that save by renaming are seen too).

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use tokio::io::unix::AsyncFd;

/// An inotify instance watching some folders.
pub(crate) struct Watcher {
    fd: AsyncFd<OwnedFd>,
}

impl Watcher {
    /// Watches `dirs` (folders that do not exist are left out).
    pub(crate) fn new(dirs: &[&Path]) -> std::io::Result<Self> {
        // SAFETY: inotify_init1 returns a new descriptor or -1.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a descriptor we own from here on.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mask = libc::IN_CLOSE_WRITE | libc::IN_MOVED_TO | libc::IN_MOVED_FROM | libc::IN_DELETE | libc::IN_CREATE;
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let path = CString::new(dir.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other)?;
            // SAFETY: a valid descriptor and a NUL-terminated path.
            if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), path.as_ptr(), mask) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        // SAFETY: the OwnedFd is open, and owned by the AsyncFd from here on.
        let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
            .map_err(std::io::Error::other)?;
        Ok(Self { fd })
    }

    /// Waits for the next batch of changes.
    pub(crate) async fn changed(&self) -> std::io::Result<()> {
        let mut buffer = [0u8; 4096];
        loop {
            let mut guard = self.fd.readable().await?;
            // SAFETY: reading into a buffer we own, of its length.
            let n = unsafe { libc::read(self.fd.get_ref().as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
            if n > 0 {
                return Ok(());
            }
            guard.clear_ready();
        }
    }
}
