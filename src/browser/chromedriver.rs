//! A chromedriver that nightshift starts, owns and always takes down again.
//!
//! chromedriver and the Chromium it spawns run in their own process group under
//! a small `sh` watchdog that holds the read end of a pipe from nightshift.
//! When nightshift closes the pipe (on drop) or dies in any way (even SIGKILL),
//! the watchdog's `read` returns and it kills the whole group. What the kill
//! orphans is nightshift's to reap (`process`).

use std::io;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

/// How long chromedriver may take to start listening.
pub(crate) const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(15);

const WATCHDOG: &str = r#""$0" --port="$1" </dev/null >/dev/null 2>&1 &
read _ignored
kill -KILL 0
"#;

#[derive(Debug, Error)]
pub enum DriverError {
    #[error("{what} not found at `{}`: install Debian's `{package}` package (apt-get install chromium chromium-driver)", path.display())]
    NotAt { what: &'static str, package: &'static str, path: PathBuf },
    #[error(
        "{what} not found on PATH nor in /usr/bin: install Debian's `{package}` package (apt-get install chromium chromium-driver)"
    )]
    Missing { what: &'static str, package: &'static str },
    #[error("failed to start chromedriver: {0}")]
    Spawn(io::Error),
    #[error("chromedriver did not start listening within {}s", DRIVER_START_TIMEOUT.as_secs())]
    NotListening,
}

/// The chromium and chromedriver binaries to use.
#[derive(Debug, Clone)]
pub(crate) struct Binaries {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl Binaries {
    /// `NIGHTSHIFT_CHROMIUM` / `NIGHTSHIFT_CHROMEDRIVER` when set, else PATH, else /usr/bin.
    pub(crate) fn locate() -> Result<Self, DriverError> {
        let chromium = locate("NIGHTSHIFT_CHROMIUM", &["chromium", "chromium-browser"], "chromium", "chromium")?;
        let chromedriver = locate("NIGHTSHIFT_CHROMEDRIVER", &["chromedriver"], "chromedriver", "chromium-driver")?;
        Ok(Self { chromium, chromedriver })
    }
}

fn locate(env: &str, names: &[&str], what: &'static str, package: &'static str) -> Result<PathBuf, DriverError> {
    if let Some(path) = crate::environment::var(env) {
        let path = PathBuf::from(path);
        return if path.is_file() { Ok(path) } else { Err(DriverError::NotAt { what, package, path }) };
    }
    let path_dirs = crate::environment::var("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path_dirs).chain([PathBuf::from("/usr/bin")]);
    for dir in dirs {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(DriverError::Missing { what, package })
}

/// A running chromedriver on a free loopback port.
#[derive(Debug)]
pub(crate) struct ManagedDriver {
    watchdog: Child,
    pipe: Option<ChildStdin>,
    port: u16,
}

impl ManagedDriver {
    /// Starts chromedriver with `temp` as the temporary folder of it and the
    /// browsers it starts.
    pub(crate) fn start(chromedriver: &Path, temp: &Path) -> Result<Self, DriverError> {
        let port = free_port().map_err(DriverError::Spawn)?;
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg(chromedriver)
            .arg(port.to_string())
            .env("TMPDIR", temp)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Secrets stay out of chromedriver's and Chromium's environment.
        for (name, _) in std::env::vars_os() {
            let secret =
                name.to_str().is_none_or(|n| n.starts_with("NIGHTSHIFT_SECRET_") || n == "NIGHTSHIFT_CONSOLE_TOKEN");
            if secret {
                command.env_remove(&name);
            }
        }
        // Its own process group, so that the group can be killed as one.
        command.process_group(0);
        let mut watchdog = command.spawn().map_err(DriverError::Spawn)?;
        crate::process::keep_for_its_spawner(watchdog.id());
        let pipe = watchdog.stdin.take();
        let driver = Self { watchdog, pipe, port };
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if Instant::now() > deadline {
                return Err(DriverError::NotListening);
            }
            std::thread::sleep(LISTEN_POLL);
        }
        Ok(driver)
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ManagedDriver {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog kill the group; killing the group
        // here as well does not wait for the shell to be scheduled.
        self.pipe.take();
        let group = self.watchdog.id() as libc::pid_t;
        // SAFETY: kill with a negative pid signals our own child's process group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.watchdog.wait();
        crate::process::spawner_done(self.watchdog.id());
        // The killed processes take a moment to go; a seat under
        // `--max-browsers` is free only once they have. Those orphaned to
        // nightshift (the subreaper) are reaped here as they end, so the
        // group is soon empty, zombies and all.
        let deadline = std::time::Instant::now() + GROUP_GONE_LIMIT;
        loop {
            crate::process::reap_orphans();
            // SAFETY: signal 0 only asks whether the group still has a process.
            let empty = unsafe { libc::kill(-group, 0) } != 0;
            if empty {
                break;
            }
            if std::time::Instant::now() >= deadline {
                // Its seat is given back all the same: a stuck process must
                // not stop the night, but the count of browsers may be off.
                tracing::warn!(
                    "chromedriver's process group {group} still had a process {} after it was killed",
                    crate::human::fmt_duration(GROUP_GONE_LIMIT)
                );
                break;
            }
            std::thread::sleep(GROUP_GONE_POLL);
        }
    }
}

/// How long taking a driver down waits for its killed processes to be gone,
/// and how often it looks.
const GROUP_GONE_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);
const GROUP_GONE_POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// How often a starting chromedriver's port is tried.
const LISTEN_POLL: Duration = Duration::from_millis(10);

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
