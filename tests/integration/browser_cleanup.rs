//! No chromedriver or Chromium outlives a run: not after success, not after a
//! failure, not after Ctrl-C, not even after the runner is killed with SIGKILL.

use std::process::Stdio;
use std::time::{Duration, Instant};

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, processes_with, robot_env, text};

#[test]
fn nothing_is_left_running_after_a_successful_and_a_failed_run() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);

    let ok = h.run(&["run", ROBOT], &env);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new(), "after a successful run");

    let failed = h.run(&["run", "tests/fixtures/fails-in-setup.yaml"], &env);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new(), "after a failed run");
}

/// Starts the slow robot and waits until its browser is up.
fn start_slow_run(h: &Harness, env: &[(String, String)]) -> std::process::Child {
    let mut cmd = h.command(&["run", "tests/fixtures/slow.yaml"]);
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !h.leftover_processes().iter().any(|p| p.contains("chromium")) {
        assert!(Instant::now() < deadline, "chromium never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Give the robot time to reach its long wait.
    std::thread::sleep(Duration::from_millis(1500));
    child
}

#[test]
fn ctrl_c_interrupts_the_run_records_it_and_takes_the_browser_down() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let child = start_slow_run(&h, &robot_env(&sites, &config));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new());
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["status"], "interrupted");
}

#[test]
fn sigkill_of_the_runner_still_takes_the_browser_down() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let mut child = start_slow_run(&h, &robot_env(&sites, &config));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new());
    // The next command that opens the run log settles the dead run.
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["status"], "interrupted");
    assert_eq!(processes_with(&h.marker), Vec::<String>::new());
}

#[test]
fn a_missing_chromedriver_names_the_debian_package() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_CHROMEDRIVER".into(), "/nonexistent/chromedriver".into()));
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr).contains(
            "chromedriver not found at `/nonexistent/chromedriver`: install Debian's `chromium-driver` package"
        ),
        "{}",
        text(&out.stderr)
    );
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["status"], "failed");
}

#[test]
fn a_missing_chromium_names_the_debian_package() {
    let h = Harness::new();
    let out = h.run(
        &["run", "tests/fixtures/fails-in-setup.yaml"],
        &[("NIGHTSHIFT_CHROMIUM".into(), "/nonexistent/chromium".into())],
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr)
            .contains("chromium not found at `/nonexistent/chromium`: install Debian's `chromium` package"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_existing_webdriver_server_is_used_when_named() {
    let h = Harness::new();
    let (mut driver, port) = h.chromedriver();
    // With a broken managed driver path, only the named server can make this pass.
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_WEBDRIVER_URL".to_string(), format!("http://127.0.0.1:{port}")));
    env.push(("NIGHTSHIFT_CHROMEDRIVER".to_string(), "/nonexistent/chromedriver".to_string()));
    let out = h.run(&["run", ROBOT], &env);
    driver.kill().unwrap();
    driver.wait().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(sites.journal.lock().unwrap().consents.len(), 1);
}

/// `pid`s of the processes whose parent is `parent`, with their state letter.
fn children_of(parent: u32) -> Vec<(u32, String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let Some((head, tail)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = tail.split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent) {
            let pid = head.split(' ').next().unwrap().parse().unwrap();
            let name = head.split_once('(').map(|(_, n)| n.to_string()).unwrap_or_default();
            found.push((pid, fields[0].to_string(), name));
        }
    }
    found
}

#[test]
fn serve_as_process_1_of_its_namespace_reaps_every_browser_it_ran() {
    let h = Harness::new();
    let dir = h.dir.path();
    std::fs::create_dir_all(dir.join("robots")).unwrap();
    std::fs::create_dir_all(dir.join("schedules")).unwrap();
    std::fs::write(dir.join("robots/r.yaml"), "name: r\nsetup:\n  - goto: \"data:text/html,<p>x</p>\"\n").unwrap();
    std::fs::write(dir.join("schedules/s.yaml"), "jobs:\n  - robot: r\n    cron: \"*/4 * * * * *\"\n").unwrap();
    // SAFETY: getuid only reads this process's user id.
    let root = unsafe { libc::getuid() } == 0;
    let mut command = std::process::Command::new("unshare");
    if !root {
        command.args(["--user", "--map-root-user"]);
    }
    command.args(["--pid", "--fork", "--mount-proc", env!("CARGO_BIN_EXE_nightshift")]);
    command.args([
        "--robots",
        dir.join("robots").to_str().unwrap(),
        "--schedules",
        dir.join("schedules").to_str().unwrap(),
    ]);
    command.arg("serve");
    for (key, _) in std::env::vars() {
        if key.starts_with("NIGHTSHIFT_") {
            command.env_remove(key);
        }
    }
    command.env("NIGHTSHIFT_STATE_DIR", h.state_dir()).env("NIGHTSHIFT_TEST_MARKER", &h.marker);
    let mut unshare = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let daemon = loop {
        if let Some((pid, _, _)) =
            children_of(unshare.id()).into_iter().find(|(_, _, name)| name.starts_with("nightshift"))
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "nightshift did not start under unshare");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = std::fs::read_to_string(format!("/proc/{daemon}/status")).unwrap();
    let ns_pid =
        status.lines().find(|l| l.starts_with("NSpid:")).unwrap().split_whitespace().last().unwrap().to_string();
    assert_eq!(ns_pid, "1", "nightshift is process 1 of its namespace: {status}");

    // Three scheduled runs, each with its own browser.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let runs = h.json(&["runs", "--json"]);
        let finished = runs.as_array().unwrap().iter().filter(|r| r["status"] == "succeeded").count();
        if finished >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "three runs did not finish within 120 s: {runs}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Between runs nothing of a finished run's browser is left unreaped.
    let deadline = Instant::now() + Duration::from_secs(10);
    let zombies = loop {
        let zombies: Vec<_> = children_of(daemon).into_iter().filter(|(_, state, _)| state == "Z").collect();
        if zombies.is_empty() || Instant::now() > deadline {
            break zombies;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(zombies, Vec::new(), "zombie children of nightshift as process 1");
    // SAFETY: signalling the daemon this test started.
    unsafe { libc::kill(daemon as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(60);
    while unshare.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the daemon did not stop on SIGTERM as process 1");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(unshare.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(unshare.wait().unwrap().success(), "{stderr}");
}

#[test]
fn a_run_leaves_nothing_in_the_temporary_folder() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let temp = h.dir.path().join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let mut env = robot_env(&sites, &config);
    env.push(("TMPDIR".into(), temp.display().to_string()));
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(h.wait_for_no_processes(10), Vec::<String>::new());
    let left: Vec<String> =
        std::fs::read_dir(&temp).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, Vec::<String>::new(), "chromedriver's and Chromium's temporary folders go with the run");
}

/// `(pid, state, parent, group)` of every process now.
fn process_table() -> Vec<(u32, String, u32, u32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let Some((head, tail)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = tail.split_whitespace().collect();
        let number = |n: usize| fields.get(n).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
        let Ok(pid) = head.split(' ').next().unwrap_or("").parse() else { continue };
        found.push((pid, fields[0].to_string(), number(1), number(2)));
    }
    found
}

/// The main process of each browser of `h`'s run (not its helpers).
fn main_browsers(h: &Harness) -> Vec<u32> {
    processes_with(&h.marker)
        .iter()
        .filter(|p| p.contains("chromium") && !p.contains("--type="))
        .filter_map(|p| p.split(' ').next()?.parse().ok())
        .collect()
}

#[test]
fn a_browser_killed_mid_case_is_replaced_and_its_processes_are_gone_and_reaped_at_once() {
    let h = Harness::new();
    let dir = h.dir.path();
    std::fs::write(dir.join("cases.csv"), "Ärende\nA-1\n").unwrap();
    let robot = "name: r\nretry:\n  max_retries: 1\n  backoff: 0s\nitems:\n  csv: cases.csv\n  key: Ärende\n  steps:\n    \
                 - goto: \"data:text/html,<p>case</p>\"\n    - wait_for: \"#never\"\n      timeout: 30s\n";
    std::fs::write(dir.join("r.yaml"), robot).unwrap();
    let child = h
        .command(&["run", dir.join("r.yaml").to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        if let [browser] = main_browsers(&h)[..] {
            break browser;
        }
        assert!(Instant::now() < deadline, "the browser never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The case's long wait has begun once its page is open.
    std::thread::sleep(Duration::from_millis(1500));
    let group = process_table().into_iter().find(|p| p.0 == first).expect("the browser runs").3;
    assert_ne!(group, child.id(), "the browser runs in a process group of its own");

    // SAFETY: killing the browser this test's run started.
    unsafe { libc::kill(first as libc::pid_t, libc::SIGKILL) };
    let killed = Instant::now();
    // Its seat is free once nothing of its group is left, zombies included.
    let gone = loop {
        let left: Vec<_> = process_table().into_iter().filter(|p| p.3 == group).collect();
        if left.is_empty() {
            break killed.elapsed();
        }
        assert!(killed.elapsed() < Duration::from_secs(10), "the killed browser's group is still there: {left:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    eprintln!("the killed browser's group was gone {} ms after the kill", gone.as_millis());
    assert!(gone < Duration::from_millis(300), "the group of the killed browser went after {gone:?}");
    let zombies: Vec<_> = process_table().into_iter().filter(|p| p.2 == child.id() && p.1 == "Z").collect();
    assert_eq!(zombies, Vec::new(), "zombie children of nightshift after the restart");
    // The case goes on in a browser of its own.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !main_browsers(&h).iter().any(|b| *b != first) {
        assert!(Instant::now() < deadline, "no browser replaced the killed one");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("starting a new one"), "{stderr}");
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new());
}
