//! Processes: whether one is still there (for runs and browser profiles
//! whose owner may have died without a word), the mode of what this process
//! makes, and reaping what the browsers leave behind: nightshift is the
//! subreaper of its descendants, so a browser process orphaned when its
//! chromedriver is killed becomes nightshift's child, and is reaped here
//! instead of staying a zombie (or being left to a process 1 that never
//! reaps, as in a container whose entrypoint is nightshift).

use std::collections::BTreeSet;
use std::sync::Mutex;

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

/// Children whose spawner waits for them itself: the reaper leaves them be,
/// so that their spawner gets their exit status.
static WAITED_ON: Mutex<BTreeSet<libc::pid_t>> = Mutex::new(BTreeSet::new());

fn waited_on() -> std::sync::MutexGuard<'static, BTreeSet<libc::pid_t>> {
    WAITED_ON.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Says that the child `pid` is waited for by whoever spawned it.
pub(crate) fn keep_for_its_spawner(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        waited_on().insert(pid);
    }
}

/// Says that the child `pid` has been waited for.
pub(crate) fn spawner_done(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        waited_on().remove(&pid);
    }
}

/// Makes this process the reaper of its orphaned descendants (Linux).
pub(crate) fn become_subreaper() -> bool {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag of this process.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 }
}

/// One process as `/proc/PID/stat` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    pid: libc::pid_t,
    /// `Z` for a zombie, `X` for one being taken away.
    state: u8,
    ppid: libc::pid_t,
    group: libc::pid_t,
}

/// Reads `pid (comm) state ppid pgrp ...`; the name may hold spaces and parentheses.
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, tail) = text.rsplit_once(')')?;
    let pid = head.split_once(" (")?.0.trim().parse().ok()?;
    let mut fields = tail.split_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let ppid = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some(Stat { pid, state, ppid, group })
}

/// Every process this process can see.
fn processes() -> Vec<Stat> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|text| parse_stat(&text))
        .collect()
}

fn dead(state: u8) -> bool {
    matches!(state, b'Z' | b'X')
}

/// Reaps this process's zombie children that no spawner waits for (the
/// orphans it inherited as subreaper); returns how many.
pub(crate) fn reap_orphans() -> usize {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let kept = waited_on().clone();
    let mut reaped = 0;
    for zombie in processes().into_iter().filter(|p| p.ppid == me && dead(p.state) && !kept.contains(&p.pid)) {
        let mut status = 0;
        // SAFETY: waits for one named child that has already ended; WNOHANG never blocks.
        if unsafe { libc::waitpid(zombie.pid, &mut status, libc::WNOHANG) } == zombie.pid {
            reaped += 1;
        }
    }
    reaped
}

/// Reaps orphans whenever a child ends, until the process exits. For the
/// commands that start browsers; runs on the async runtime.
pub(crate) async fn reap_forever() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut children) = signal(SignalKind::child()) else { return };
    loop {
        reap_orphans();
        if children.recv().await.is_none() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_whatever_the_name_holds() {
        let line = "4242 (chrome (x) y) Z 17 4200 4200 0 -1 4194560 0 0";
        assert_eq!(parse_stat(line), Some(Stat { pid: 4242, state: b'Z', ppid: 17, group: 4200 }));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn an_orphaned_grandchild_is_reaped_and_a_waited_child_is_left_to_its_spawner() {
        assert!(become_subreaper());
        // A shell whose child outlives it by a moment: the grandchild is ours when it ends.
        let mut shell = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 0.3 & echo $!; exit 0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        keep_for_its_spawner(shell.id());
        let mut printed = String::new();
        std::io::Read::read_to_string(shell.stdout.as_mut().unwrap(), &mut printed).unwrap();
        let grandchild: libc::pid_t = printed.trim().parse().unwrap();
        let me = unsafe { libc::getpid() };
        let stat = || processes().into_iter().find(|p| p.pid == grandchild);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !stat().is_some_and(|p| p.ppid == me && dead(p.state)) {
            assert!(std::time::Instant::now() < deadline, "the orphan did not become our zombie: {:?}", stat());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(reap_orphans() >= 1);
        assert_eq!(stat(), None, "the orphaned sleep was reaped");
        assert!(shell.wait().unwrap().success(), "the shell's own status went to its spawner");
        spawner_done(shell.id());
    }
}
