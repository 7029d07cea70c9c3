//! Helpers: the binary with a clean environment, the stand-in sites, and
//! looking for processes a run left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nightshift::demo::sites::{SiteConfig, Sites};
use serde_json::Value;

pub(crate) const ROBOT: &str = "robots/vaccination-consent.yaml";

/// The project folder (where `robots/` is).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A test's own state folder, a marker value for its processes, and a runtime
/// that keeps the stand-in sites serving while the test blocks on the binary.
pub(crate) struct Harness {
    pub dir: tempfile::TempDir,
    pub marker: String,
    pub runtime: tokio::runtime::Runtime,
}

impl Harness {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let marker = format!("nightshift-test-{}", dir.path().file_name().unwrap().to_string_lossy());
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        Self { dir, marker, runtime }
    }

    pub(crate) fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub(crate) fn sites(&self, config: SiteConfig) -> Sites {
        self.runtime.block_on(Sites::start(config)).unwrap()
    }

    /// The binary in the project folder with this test's state folder, and with
    /// the marker in its environment (children inherit it).
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nightshift"));
        for (key, _) in std::env::vars() {
            if key.starts_with("NIGHTSHIFT_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(root())
            .env("NIGHTSHIFT_STATE_DIR", self.state_dir())
            .env("NIGHTSHIFT_TEST_MARKER", &self.marker)
            .args(args);
        cmd
    }

    pub(crate) fn run(&self, args: &[&str], env: &[(String, String)]) -> Output {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd.output().unwrap()
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args, &[]);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A chromedriver of the test's own (marked) on a free port, once it answers.
    pub(crate) fn chromedriver(&self) -> (std::process::Child, u16) {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("NIGHTSHIFT_TEST_MARKER", &self.marker)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        (driver, port)
    }

    /// Processes whose environment carries this test's marker.
    pub(crate) fn leftover_processes(&self) -> Vec<String> {
        processes_with(&self.marker)
    }

    /// Waits up to `seconds` for every marked process to go.
    pub(crate) fn wait_for_no_processes(&self, seconds: u64) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            let left = self.leftover_processes();
            if left.is_empty() || std::time::Instant::now() > deadline {
                return left;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// The environment the sample robots need to reach `sites`, with their passwords.
pub(crate) fn robot_env(sites: &Sites, config: &SiteConfig) -> Vec<(String, String)> {
    let mut env = sites.env();
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), config.eservice_password.clone()));
    env.push(("NIGHTSHIFT_SECRET_JOURNAL_PASSWORD".into(), config.journal_password.clone()));
    for (name, value) in nightshift::demo::sites::DEMO_SECRETS.iter().skip(2) {
        env.push((format!("NIGHTSHIFT_SECRET_{name}"), value.to_string()));
    }
    env
}

/// `pid command` of every live process whose environment contains `marker`.
pub(crate) fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return found };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|n| n.chars().all(|c| c.is_ascii_digit())) else { continue };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if !String::from_utf8_lossy(&environ).contains(marker) {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // A zombie has exited; only its parent's bookkeeping is left.
        if stat.split(' ').nth(2) == Some("Z") {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        found.push(format!("{pid} {}", cmdline.chars().take(120).collect::<String>()));
    }
    found
}

/// Every file below `dir`, recursively.
pub(crate) fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return files };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The keys of the cases `show --json` listed, in its order.
pub(crate) fn case_keys(show: &Value) -> Vec<String> {
    let items = show["item_list"].as_array().unwrap_or_else(|| panic!("no item_list in {show}"));
    items.iter().map(|i| i["key"].as_str().unwrap_or_default().to_string()).collect()
}

/// The case `key` that `show --json` listed.
pub(crate) fn case_of<'a>(show: &'a Value, key: &str) -> &'a Value {
    let items = show["item_list"].as_array().unwrap_or_else(|| panic!("no item_list in {show}"));
    items.iter().find(|i| i["key"] == key).unwrap_or_else(|| panic!("no case {key} in {show}"))
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The tests' SMTP server (Python's aiosmtpd, installed by scripts/setup) on
/// a loopback port, saving what it receives into a folder.
pub(crate) struct SmtpServer {
    pub port: u16,
    pub folder: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpServer {
    /// Starts on `port`, or on a free port.
    pub(crate) fn start(port: Option<u16>) -> Self {
        Self::start_with(port, None)
    }

    /// Starts speaking implicit TLS with this certificate and key (PEM files).
    pub(crate) fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> Self {
        Self::start_with(None, Some((cert, key)))
    }

    fn start_with(port: Option<u16>, tls: Option<(&std::path::Path, &std::path::Path)>) -> Self {
        let python = root().join("target/test-venv/bin/python");
        assert!(
            python.exists(),
            "the tests' SMTP server needs scripts/setup to have run (missing {})",
            python.display()
        );
        let port = port.unwrap_or_else(free_port);
        let folder = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(python)
            .arg(root().join("tests/smtp_server.py"))
            .arg(port.to_string())
            .arg(folder.path())
            .arg("600")
            .args(tls.map(|(cert, key)| [cert.as_os_str(), key.as_os_str()]).into_iter().flatten())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Self { port, folder, child }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far: (summary, raw bytes).
    pub(crate) fn received(&self) -> Vec<(serde_json::Value, Vec<u8>)> {
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|json| {
                let summary = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
                let raw = std::fs::read(json.with_extension("eml")).unwrap();
                (summary, raw)
            })
            .collect()
    }

    /// Waits up to `seconds` for at least `count` messages.
    pub(crate) fn wait_for(&self, count: usize, seconds: u64) -> Vec<(serde_json::Value, Vec<u8>)> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            let received = self.received();
            if received.len() >= count || std::time::Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
