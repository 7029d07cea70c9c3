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
