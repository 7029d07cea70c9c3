//! Misbehaving parts, for real, on loopback: a WebDriver server and an SMTP
//! server that accept and never answer, a port with nothing behind it, a
//! port the browser refuses, a page that answers 500, a script that never
//! returns, a closed stdout. Each run must end in bounded time with its own
//! exit code and a message that names what was wrong, and leave no browser
//! behind. The bounds are generous: the machine is small and shared.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::common::{Harness, free_port, text};

/// A server on loopback that accepts connections and then says nothing, or
/// answers every request with one fixed HTTP status. It stops by itself
/// after two minutes, or when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn silent() -> Self {
        Self::start(None)
    }

    fn answering(status: u16) -> Self {
        Self::start(Some(status))
    }

    fn start(status: Option<u16>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(120);
            let mut held: Vec<TcpStream> = Vec::new();
            while !stopped.load(Ordering::SeqCst) && Instant::now() < until {
                match listener.accept() {
                    Ok((stream, _)) => match status {
                        Some(status) => answer(stream, status),
                        None => held.push(stream),
                    },
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Self { port, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads one request's head and answers it with `status` and a short page.
fn answer(mut stream: TcpStream, status: u16) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let body = format!("<html><body><h1>Fel {status}</h1><p id=fel>Systemet är inte tillgängligt</p></body></html>");
    let head = format!(
        "HTTP/1.1 {status} Status\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn write_robot(h: &Harness, name: &str, yaml: &str) -> String {
    let path = h.dir.path().join(format!("{name}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

fn sigterm(child: &std::process::Child) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
}

#[test]
fn a_webdriver_server_that_never_answers_gives_way_to_sigterm() {
    let h = Harness::new();
    let silent = Server::silent();
    let robot = write_robot(&h, "r", "name: r\nsetup:\n  - goto: http://127.0.0.1:9/\n");
    let mut cmd = h.command(&["run", &robot]);
    cmd.env("NIGHTSHIFT_WEBDRIVER_URL", silent.url()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sigterm(&child);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(15), "SIGTERM took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("stopped by a signal before the run finished"), "{}", text(&out.stderr));
    assert_eq!(h.json(&["runs", "--json"])[0]["status"], "interrupted");
}

#[test]
fn a_webdriver_server_that_never_answers_fails_the_run_after_the_session_limit() {
    let h = Harness::new();
    let silent = Server::silent();
    let robot = write_robot(&h, "r", "name: r\nsetup:\n  - goto: http://127.0.0.1:9/\n");
    let started = Instant::now();
    let out = h.run(&["run", &robot], &[("NIGHTSHIFT_WEBDRIVER_URL".into(), silent.url())]);
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let expected = format!("the WebDriver server at {} did not create a session within 60s", silent.url());
    assert!(text(&out.stderr).contains(&expected), "{}", text(&out.stderr));
}

#[test]
fn an_smtp_server_that_never_greets_fails_the_test_mail_in_bounded_time() {
    let h = Harness::new();
    let silent = Server::silent();
    let url = format!("smtp://127.0.0.1:{}", silent.port);
    let started = Instant::now();
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &[("NIGHTSHIFT_SMTP_URL".into(), url)]);
    assert!(started.elapsed() < Duration::from_secs(90), "took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("did not finish taking the mail within 30s"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("127.0.0.1:{}", silent.port)), "{}", text(&out.stderr));
}

#[test]
fn a_page_that_does_not_load_fails_its_step_naming_the_address_and_the_error() {
    let h = Harness::new();
    let nothing = free_port();
    for (url, reason) in [
        ("http://127.0.0.1:1/".to_string(), "ERR_UNSAFE_PORT"),
        (format!("http://127.0.0.1:{nothing}/"), "ERR_CONNECTION_REFUSED"),
    ] {
        let robot = write_robot(&h, "r", &format!("name: r\nsetup:\n  - goto: \"{url}\"\n  - log: never\n"));
        let started = Instant::now();
        let out = h.run(&["run", &robot], &[]);
        assert!(started.elapsed() < Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let expected = format!("setup failed: line 3: `goto` failed: the page `{url}` did not load: {reason}");
        assert!(text(&out.stderr).contains(&expected), "{}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("log: never"));
    }
    assert_eq!(h.wait_for_no_processes(10), Vec::<String>::new());
}

#[test]
fn a_page_that_answers_500_is_a_system_exception_unless_the_step_accepts_it() {
    let h = Harness::new();
    let failing = Server::answering(500);
    let url = format!("{}/inkorg", failing.url());
    let robot = write_robot(&h, "r", &format!("name: r\nsetup:\n  - goto: \"{url}\"\n"));
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("`{url}` answered HTTP 500")), "{}", text(&out.stderr));
    let accepting = write_robot(
        &h,
        "accepting",
        &format!(
            "name: accepting\nsetup:\n  - goto: {{url: \"{url}\", accept_status: [500, 503]}}\n  - wait_for: {{text: inte tillgängligt}}\n"
        ),
    );
    let out = h.run(&["run", &accepting], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_script_that_never_returns_is_cut_at_its_timeout_and_the_browser_replaced() {
    let h = Harness::new();
    std::fs::write(h.dir.path().join("cases.csv"), "Id\n1\n").unwrap();
    let robot = write_robot(
        &h,
        "r",
        "name: r\nretry: {max_retries: 1, backoff: 100ms}\nitems:\n  csv: cases.csv\n  key: Id\n  steps:\n    - goto: \"data:text/html,<p>busy</p>\"\n    - script: \"while (true) {}\"\n      timeout: 2s\n",
    );
    let started = Instant::now();
    let out = h.run(&["run", &robot], &[]);
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
    let stderr = text(&out.stderr);
    // Its only case ends as a system exception: no case was done, so the run failed.
    assert_eq!(out.status.code(), Some(1), "the case ends as a system exception: {stderr}");
    assert!(stderr.contains("line 8: `script` failed: the script did not return within 2s"), "{stderr}");
    assert!(stderr.contains("starting a new one"), "the wedged browser is replaced: {stderr}");
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["system_exceptions"], 1, "{runs:#}");
    assert_eq!(h.wait_for_no_processes(10), Vec::<String>::new());
}

#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    let h = Harness::new();
    std::fs::create_dir_all(h.dir.path().join("robots")).unwrap();
    std::fs::create_dir_all(h.dir.path().join("schedules")).unwrap();
    std::fs::write(h.dir.path().join("robots/r.yaml"), "name: r\n").unwrap();
    std::fs::write(h.dir.path().join("schedules/s.yaml"), "jobs:\n  - robot: r\n    cron: \"* * * * *\"\n").unwrap();
    let mut cmd = h.command(&["next", "--count", "1000"]);
    cmd.current_dir(h.dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader is gone now, as after `| head -1`.
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(first.contains("ROBOT"), "the table's header comes first: {first}");
    assert_ne!(status.code(), Some(101), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_test_mail_has_line_breaks_not_backslashes() {
    let h = Harness::new();
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let outbox = h.state_dir().join("outbox");
    let file = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
    let mail = std::fs::read_to_string(file).unwrap();
    assert!(mail.contains("Hej!"), "{mail}");
    assert!(!mail.contains("\\n"), "{mail}");
}

#[test]
fn review_refuses_an_unknown_robot_or_a_case_its_ledger_never_saw() {
    let h = Harness::new();
    let out = h.run(&["review", "no-such-robot"], &[]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("there is no robot `no-such-robot`"), "{}", text(&out.stderr));
    let out = h.run(&["review", "vaccination-consent", "2026-9999", "--done"], &[]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("has no case `2026-9999` in its ledger"), "{}", text(&out.stderr));
    let out = h.run(&["review", "vaccination-consent"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0 open exception(s), 0 case(s) to review"), "{}", text(&out.stdout));
}

#[test]
fn the_log_has_no_colour_codes_when_piped_and_journal_priorities_under_systemd() {
    let h = Harness::new();
    // A mail that cannot be sent logs a warning through the log.
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let piped = h.run(&["mail", "test", "--to", "it@example.se"], &[("NIGHTSHIFT_SMTP_URL".into(), dead.clone())]);
    let stderr = text(&piped.stderr);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(!piped.stderr.contains(&0x1b), "an escape byte in piped stderr: {stderr:?}");
    let journal = h.run(
        &["mail", "test", "--to", "it@example.se"],
        &[("NIGHTSHIFT_SMTP_URL".into(), dead), ("JOURNAL_STREAM".into(), "8:12345".into())],
    );
    let stderr = text(&journal.stderr);
    let warning = stderr.lines().find(|l| l.contains("not sent")).unwrap_or_default();
    assert!(warning.starts_with("<4>mail <test-"), "{stderr}");
    assert!(!journal.stderr.contains(&0x1b), "{stderr:?}");
    // For a log collector: one JSON object a line.
    let json = h.run(
        &["--log-format", "json", "mail", "test", "--to", "it@example.se"],
        &[("NIGHTSHIFT_SMTP_URL".into(), format!("smtp://127.0.0.1:{}", free_port()))],
    );
    let line = text(&json.stderr).lines().find(|l| l.contains("not sent")).unwrap_or_default().to_string();
    let object: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(object["level"], "warn");
    assert!(object["message"].as_str().unwrap().starts_with("mail <test-"), "{object}");
    assert!(object["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn the_settings_file_fills_in_what_the_environment_leaves_and_a_wrong_key_is_located() {
    let h = Harness::new();
    let file = h.dir.path().join("nightshift.yaml");
    let state = h.dir.path().join("state-from-file");
    std::fs::write(
        &file,
        format!("# settings\nstate_dir: {}\nmax_browsers: 3\ntimezone: Europe/Helsinki\n", state.display()),
    )
    .unwrap();
    let config = |extra: &[&str], keep_state_env: bool| {
        let mut args = vec!["--config", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend(["config", "--json"]);
        let mut command = h.command(&args);
        command.env("NIGHTSHIFT_TIMEZONE", "Europe/Stockholm");
        if !keep_state_env {
            command.env_remove("NIGHTSHIFT_STATE_DIR");
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let settings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let of = |key: &str| {
            let s = settings.as_array().unwrap().iter().find(|s| s["key"] == key).unwrap().clone();
            (s["value"].as_str().unwrap_or_default().to_string(), s["from"].as_str().unwrap().to_string())
        };
        (of("state_dir"), of("max_browsers"), of("timezone"), of("robots"))
    };
    // The environment wins over the file; the file over the default.
    let (state_dir, browsers, zone, robots) = config(&[], true);
    assert_eq!(state_dir, (h.state_dir().display().to_string(), "environment".to_string()));
    assert_eq!(browsers, ("3".to_string(), "file".to_string()));
    assert_eq!(zone, ("Europe/Stockholm".to_string(), "environment".to_string()));
    assert_eq!(robots.1, "default");
    // Without the variable the file's folder is used, and a flag says so.
    let (state_dir, ..) = config(&[], false);
    assert_eq!(state_dir, (state.display().to_string(), "file".to_string()));
    let (.., robots) = config(&["--robots", "elsewhere"], true);
    assert_eq!(robots.1, "flag");
    let mut runs = h.command(&["--config", file.to_str().unwrap(), "runs", "--json"]);
    runs.env_remove("NIGHTSHIFT_STATE_DIR");
    assert!(runs.output().unwrap().status.success());
    assert!(state.join("nightshift.db").is_file(), "the run log is where the file says");
    // A key the file should not have is named with its place.
    std::fs::write(&file, "state_dir: x\nmax_browser: 3\n").unwrap();
    let out = h.run(&["--config", file.to_str().unwrap(), "runs"], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("nightshift.yaml:2:1: unknown setting `max_browser`; did you mean `max_browsers`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn completions_name_every_command_for_bash() {
    let h = Harness::new();
    let out = h.run(&["completions", "bash"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    for command in ["run", "serve", "review", "purge", "config", "stats"] {
        assert!(script.contains(command), "{command} missing");
    }
    assert!(script.contains("complete -F"), "a bash completion script");
    let out = h.run(&["completions", "tcsh"], &[]);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}
