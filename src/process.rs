//! Whether a process is still there, for runs and browser profiles whose
//! owner may have died without a word; and the mode of what the process makes.

/// True while a process with `pid` exists (also one of another user's).
pub(crate) fn alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Everything this process (and the browser it starts) creates from now on
/// is its user's alone, whatever umask it was started with: the state
/// folder holds personal data (run log, screenshots, page HTML, mail).
pub(crate) fn private_files() {
    // SAFETY: umask only sets this process's file creation mask.
    unsafe { libc::umask(0o077) };
}
