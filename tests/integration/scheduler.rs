//! The scheduler: `next` in Swedish time, schedule diagnostics, and the real
//! daemon with short intervals: overlap, max run time, reload, a second
//! daemon, SIGTERM.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Harness, text};

fn write(h: &Harness, path: &str, content: &str) {
    let path = h.dir.path().join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// The binary run from the test's own folder (its robots and schedules).
fn in_dir(h: &Harness, args: &[&str]) -> std::process::Command {
    let mut cmd = h.command(args);
    cmd.current_dir(h.dir.path());
    cmd
}

fn at_list(value: &serde_json::Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|f| f["at"].as_str().unwrap().to_string()).collect()
}

#[test]
fn next_places_a_0230_job_correctly_on_both_dst_days() {
    let h = Harness::new();
    write(&h, "robots/r.yaml", "name: r\n");
    write(&h, "schedules/daily.yaml", "jobs:\n  - robot: r\n    cron: \"30 2 * * *\"\n");
    let spring =
        in_dir(&h, &["next", "--from", "2027-03-27T00:00:00+01:00", "--count", "3", "--json"]).output().unwrap();
    assert!(spring.status.success(), "{}", text(&spring.stderr));
    let spring: serde_json::Value = serde_json::from_slice(&spring.stdout).unwrap();
    assert_eq!(
        at_list(&spring),
        ["2027-03-27T02:30:00+01:00", "2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00"]
    );
    assert_eq!(spring[0]["robot"], "r");
    assert_eq!(spring[0]["job"], "daily/r");
    let autumn =
        in_dir(&h, &["next", "--from", "2027-10-30T00:00:00+02:00", "--count", "3", "--json"]).output().unwrap();
    let autumn: serde_json::Value = serde_json::from_slice(&autumn.stdout).unwrap();
    assert_eq!(
        at_list(&autumn),
        ["2027-10-30T02:30:00+02:00", "2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00"]
    );
}

#[test]
fn both_cron_forms_run_monday_to_friday_for_1_to_5() {
    let h = Harness::new();
    write(&h, "robots/r.yaml", "name: r\n");
    write(
        &h,
        "schedules/weekdays.yaml",
        "jobs:\n  - robot: r\n    cron: \"30 2 * * 1-5\"\n  - robot: r\n    name: seconds\n    cron: \"0 45 2 * * 1-5\"\n",
    );
    // 2026-12-06 is a Sunday.
    let out = in_dir(&h, &["next", "--from", "2026-12-06T00:00:00+01:00", "--count", "10", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let fires: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut days: Vec<String> = at_list(&fires).iter().map(|at| at[..10].to_string()).collect();
    days.dedup();
    assert_eq!(days, ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"], "{fires}");
    let times: Vec<String> = at_list(&fires).iter().take(2).map(|at| at[11..16].to_string()).collect();
    assert_eq!(times, ["02:30", "02:45"]);
    // On a terminal, the same local format as `runs` and `show`.
    let out = in_dir(&h, &["next", "--from", "2026-12-06T00:00:00+01:00", "--count", "2"]).output().unwrap();
    let table = text(&out.stdout);
    assert!(table.contains("2026-12-07 02:30 ") && table.contains("2026-12-07 02:45 "), "{table}");
    assert!(!table.contains("T02:30"), "{table}");
}

#[test]
fn next_gives_the_reason_for_skipped_days() {
    let h = Harness::new();
    write(&h, "robots/r.yaml", "name: r\n");
    write(
        &h,
        "schedules/office.yaml",
        "jobs:\n  - robot: r\n    cron: \"0 7 * * *\"\n    calendar: working_days\n    skip_dates: [2027-06-28]\n",
    );
    let out = in_dir(&h, &["next", "--from", "2027-06-24T12:00:00+02:00", "--count", "5", "--json"]).output().unwrap();
    let fires: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: Vec<(String, serde_json::Value)> = fires
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["at"].as_str().unwrap().to_string(), f["skipped"].clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("2027-06-25T07:00:00+02:00".to_string(), serde_json::json!("holiday: midsommarafton")),
            ("2027-06-26T07:00:00+02:00".to_string(), serde_json::json!("weekend")),
            ("2027-06-27T07:00:00+02:00".to_string(), serde_json::json!("weekend")),
            ("2027-06-28T07:00:00+02:00".to_string(), serde_json::json!("skip date")),
            ("2027-06-29T07:00:00+02:00".to_string(), serde_json::Value::Null),
        ]
    );
}

#[test]
fn check_names_the_bad_cron_field_and_the_unknown_robot() {
    let h = Harness::new();
    write(&h, "robots/vaccination-consent.yaml", "name: vaccination-consent\n");
    write(&h, "schedules/bad.yaml", "jobs:\n  - robot: vaccination-consnet\n    cron: \"30 2 * * 1-8\"\n");
    let out = in_dir(&h, &["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "schedules/bad.yaml:2:12: unknown robot `vaccination-consnet`; did you mean `vaccination-consent`?
  |
2 |   - robot: vaccination-consnet
  |            ^^^^^^^^^^^^^^^^^^^
schedules/bad.yaml:3:21: invalid cron expression: the day-of-week field `1-8` is invalid: 8 is out of range 0-7
  |
3 |     cron: \"30 2 * * 1-8\"
  |                     ^^^
2 error(s) in 1 of 2 file(s)
"
    );
}

fn runs(h: &Harness) -> Vec<serde_json::Value> {
    let out = in_dir(h, &["runs", "--json", "--limit", "1000"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

fn sigterm(child: &Child) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
}

/// A page that shows `#done` after `ms` milliseconds (no site needed).
fn slow_robot(name: &str, ms: u64, timeout: &str) -> String {
    format!(
        "name: {name}\nsetup:\n  - goto: \"data:text/html,<p>wait</p><script>setTimeout(function(){{document.body.innerHTML='<p id=done>ok</p>'}},{ms})</script>\"\n  - wait_for: \"%23done\"\n    timeout: {timeout}\n"
    )
    .replace("%23", "#")
}

#[test]
fn the_daemon_skips_overlapping_fires_stops_overruns_reloads_and_shuts_down_cleanly() {
    let h = Harness::new();
    // `slow` takes 2.5 s and a browser start, and fires every 2 s: fires overlap.
    write(&h, "robots/slow.yaml", &slow_robot("slow", 2500, "20s"));
    // `hang` would wait a minute; its job stops it after 2 s.
    write(&h, "robots/hang.yaml", &slow_robot("hang", 60000, "90s"));
    let schedule = "jobs:\n  - robot: slow\n    cron: \"*/2 * * * * *\"\n  - robot: hang\n    cron: \"*/4 * * * * *\"\n    max_runtime: 2s\n";
    write(&h, "schedules/fast.yaml", schedule);

    let mut daemon = in_dir(&h, &["serve", "--grace", "1s", "--max-browsers", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));

    // A second daemon on the same state folder refuses to start.
    let second = in_dir(&h, &["serve"]).output().unwrap();
    assert_eq!(second.status.code(), Some(5));
    assert!(text(&second.stderr).contains("another `nightshift serve` (pid"), "{}", text(&second.stderr));

    // A broken schedule keeps the last good one running.
    std::thread::sleep(Duration::from_secs(3));
    write(&h, "schedules/fast.yaml", "jobs:\n  - robot: slow\n    cron: \"*/2 * * * * * * *\"\n");
    let broken_at = chrono::Utc::now();
    // Long enough for a whole run of `slow` on a loaded machine (a browser
    // start there can take seconds).
    std::thread::sleep(Duration::from_secs(10));

    sigterm(&daemon);
    let started = Instant::now();
    let status = daemon.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "the daemon exits 0 on SIGTERM:\n{log}");
    assert!(started.elapsed() < Duration::from_secs(15), "shutdown is bounded");
    assert!(log.contains("schedules/fast.yaml` is invalid; keeping its last good version"), "{log}");
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new(), "no browser outlives the daemon");

    let all = runs(&h);
    assert!(all.iter().all(|r| r["status"] != "running"), "no run left running: {all:#?}");
    let slow: Vec<&serde_json::Value> = all.iter().filter(|r| r["job"] == "fast/slow").collect();
    let ran: Vec<&&serde_json::Value> = slow.iter().filter(|r| r["status"] != "skipped").collect();
    let skipped: Vec<&&serde_json::Value> = slow.iter().filter(|r| r["status"] == "skipped").collect();
    assert!(!ran.is_empty(), "{slow:#?}");
    assert!(!skipped.is_empty(), "overlapping fires are recorded as skipped: {slow:#?}");
    for s in &skipped {
        assert!(s["error"].as_str().unwrap().starts_with("the previous run "), "{s}");
    }
    assert!(ran.iter().any(|r| r["status"] == "succeeded"), "{ran:#?}\n{log}");
    // Never two runs of the job at once: each starts after the one before ended.
    let mut spans: Vec<(String, String)> = ran
        .iter()
        .filter(|r| r["status"] != "interrupted")
        .map(|r| (r["started_at"].as_str().unwrap().to_string(), r["finished_at"].as_str().unwrap().to_string()))
        .collect();
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "runs overlapped: {pair:?}");
    }
    // Slots after the broken save still came from the last good schedule.
    let after_break = slow
        .iter()
        .filter(|r| chrono::DateTime::parse_from_rfc3339(r["started_at"].as_str().unwrap()).unwrap() > broken_at)
        .count();
    assert!(after_break >= 2, "{slow:#?}");

    let hang: Vec<&serde_json::Value> =
        all.iter().filter(|r| r["job"] == "fast/hang" && r["status"] != "skipped").collect();
    assert!(!hang.is_empty(), "{all:#?}");
    let timed_out = hang.iter().find(|r| r["status"] == "timed_out").expect("the hanging run timed out");
    assert_eq!(timed_out["error"], "stopped after running longer than its max_runtime of 2s");
}

#[test]
fn a_run_stopped_mid_case_after_the_grace_period_still_runs_its_teardown_and_is_recorded_interrupted() {
    let h = Harness::new();
    // One case whose page never shows what the case waits for; teardown
    // leaves a file and a log line behind.
    write(&h, "robots/cases.csv", "Id\n2026-7\n");
    let robot = "name: stuck\nitems:\n  csv: cases.csv\n  key: Id\n  steps:\n    - goto: \"data:text/html,<p>never</p>\"\n    - wait_for: \"#never\"\n      timeout: 60s\nteardown:\n  - write_json: {file: teardown.json, json: {ran: 'yes'}}\n  - log: teardown ran\n";
    write(&h, "robots/stuck.yaml", robot);
    write(&h, "schedules/s.yaml", "jobs:\n  - robot: stuck\n    cron: \"* * * * * *\"\n");
    let mut daemon =
        in_dir(&h, &["serve", "--grace", "1s"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Wait until the case is under way (its row is in the run log).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running = runs(&h).into_iter().find(|r| r["status"] == "running" && r["items"]["total"] == 1);
        if running.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the run never reached its case");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(&daemon);
    let started = Instant::now();
    let status = daemon.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{log}");
    assert!(started.elapsed() < Duration::from_secs(30), "the stop does not wait for the case's 60 s wait");

    let run = runs(&h).into_iter().find(|r| r["status"] != "skipped").unwrap();
    assert_eq!(run["status"], "interrupted", "{run:#}");
    assert_eq!(run["error"], "stopped by a signal before the run finished");
    let show = in_dir(&h, &["show", &run["id"].to_string(), "--json"]).output().unwrap();
    let show: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let teardown: Vec<&serde_json::Value> =
        show["steps"].as_array().unwrap().iter().filter(|s| s["block"] == "teardown").collect();
    assert_eq!(teardown.len(), 2, "both teardown steps ran: {show:#}");
    assert!(teardown.iter().all(|s| s["outcome"] == "ok"), "{teardown:#?}");
    assert!(show["logs"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("teardown ran")));
    assert_eq!(show["item_list"][0]["status"], "needs_review", "the case was left half-done");
    let written = std::fs::read_to_string(h.dir.path().join("robots/teardown.json")).unwrap();
    assert!(written.contains("\"ran\": \"yes\""), "{written}");
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new());
}

#[test]
fn sighup_makes_the_daemon_reload_its_files_and_go_on() {
    let h = Harness::new();
    write(&h, "robots/r.yaml", "name: r\n");
    write(&h, "schedules/s.yaml", "jobs:\n  - robot: r\n    cron: \"@daily\"\n");
    let mut daemon = in_dir(&h, &["serve"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGHUP) };
    std::thread::sleep(Duration::from_secs(1));
    assert!(daemon.try_wait().unwrap().is_none(), "the daemon is still running after SIGHUP");
    sigterm(&daemon);
    let status = daemon.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{log}");
    assert!(log.contains("SIGHUP: reloading robots and schedules"), "{log}");
    assert!(log.contains("serving 1 job(s)"), "{log}");
}

/// The daemon's stderr as it comes, read by a thread into the returned text.
fn log_of(daemon: &mut Child) -> (std::sync::Arc<std::sync::Mutex<String>>, std::thread::JoinHandle<()>) {
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut stderr = daemon.stderr.take().unwrap();
    let reader = {
        let log = log.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stderr, &mut buffer) {
                if n == 0 {
                    break;
                }
                log.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        })
    };
    (log, reader)
}

/// How many `loaded ...` lines the daemon has logged so far (its stderr is
/// read by a thread into `log`).
fn loads(log: &std::sync::Mutex<String>) -> usize {
    log.lock().unwrap().matches("loaded ").count()
}

/// Waits up to 20 s for `loads` to reach `n`.
fn wait_loads(log: &std::sync::Mutex<String>, n: usize) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if loads(log) >= n {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn a_swapped_robots_symlink_and_a_steps_file_in_a_subfolder_are_reloaded() {
    let h = Harness::new();
    write(&h, "releases/1/r.yaml", "name: r\n");
    std::os::unix::fs::symlink("releases/1", h.dir.path().join("robots")).unwrap();
    write(&h, "schedules/s.yaml", "jobs:\n  - robot: r\n    cron: \"@daily\"\n");
    let mut daemon = in_dir(&h, &["serve"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let (log, reader) = log_of(&mut daemon);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !log.lock().unwrap().contains("serving 1 job(s)") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = loads(&log);

    // A deploy: the next release beside the first, and the symlink swapped in one rename.
    write(&h, "releases/2/r.yaml", "name: r\n");
    write(&h, "releases/2/q.yaml", "name: q\n");
    std::os::unix::fs::symlink("releases/2", h.dir.path().join("robots.next")).unwrap();
    std::fs::rename(h.dir.path().join("robots.next"), h.dir.path().join("robots")).unwrap();
    assert!(wait_loads(&log, before + 1), "the swap was not seen: {}", log.lock().unwrap());
    assert!(log.lock().unwrap().contains("loaded 2 robot(s)"), "{}", log.lock().unwrap());

    // A steps file in a subfolder of the new release, then a change to it.
    std::thread::sleep(Duration::from_millis(500));
    let after_swap = loads(&log);
    write(&h, "releases/2/steps/login.yaml", "params: [user]\nsteps:\n  - log: ${user}\n");
    assert!(wait_loads(&log, after_swap + 1), "the new subfolder was not seen: {}", log.lock().unwrap());
    std::thread::sleep(Duration::from_millis(500));
    let after_create = loads(&log);
    write(&h, "releases/2/steps/login.yaml", "params: [user]\nsteps:\n  - log: hej ${user}\n");
    assert!(wait_loads(&log, after_create + 1), "the steps file's change was not seen: {}", log.lock().unwrap());

    sigterm(&daemon);
    assert!(daemon.wait().unwrap().success(), "{}", log.lock().unwrap());
    reader.join().unwrap();
}

#[test]
fn sigterm_stops_a_run_in_its_login_and_one_waiting_for_a_browser_never_starts() {
    let h = Harness::new();
    // Two robots without cases whose login takes 4 s, one browser between them.
    write(&h, "robots/first.yaml", &slow_robot("first", 4000, "20s"));
    write(&h, "robots/second.yaml", &slow_robot("second", 4000, "20s"));
    write(
        &h,
        "schedules/s.yaml",
        "jobs:\n  - robot: first\n    cron: \"* * * * * *\"\n  - robot: second\n    cron: \"* * * * * *\"\n",
    );
    let mut daemon = in_dir(&h, &["serve", "--grace", "20s", "--max-browsers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both are running: one in its login, one waiting for the browser.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running: Vec<serde_json::Value> = runs(&h).into_iter().filter(|r| r["status"] == "running").collect();
        if running.len() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the two runs never ran at once: {running:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(&daemon);
    let status = daemon.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{log}");

    let ran: Vec<serde_json::Value> = runs(&h).into_iter().filter(|r| r["status"] != "skipped").collect();
    assert_eq!(ran.len(), 2, "{ran:#?}");
    assert!(ran.iter().all(|r| r["status"] == "interrupted"), "a stop signal wins over both: {ran:#?}");
    let steps = |run: &serde_json::Value| {
        let show = in_dir(&h, &["show", &run["id"].to_string(), "--json"]).output().unwrap();
        let show: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
        show["steps"].as_array().unwrap().len()
    };
    let (started, waiting): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) = ran.iter().partition(|r| steps(r) > 0);
    assert_eq!((started.len(), waiting.len()), (1, 1), "{ran:#?}");
    assert_eq!(started[0]["error"], "stopped for shutdown after 0 of 0 case(s)", "{ran:#?}");
    assert_eq!(waiting[0]["error"], "not started: nightshift was stopped while the run waited for a free browser");
    assert_eq!(h.wait_for_no_processes(5), Vec::<String>::new());
}

#[test]
fn a_deleted_robot_stops_running_and_the_console_shows_its_schedule_broken() {
    let h = Harness::new();
    write(&h, "robots/gone.yaml", "name: gone\n");
    write(&h, "robots/stays.yaml", "name: stays\n");
    write(
        &h,
        "schedules/s.yaml",
        "jobs:\n  - robot: gone\n    cron: \"* * * * * *\"\n  - robot: stays\n    cron: \"@daily\"\n",
    );
    let port = crate::common::free_port();
    let mut daemon = in_dir(&h, &["serve", "--http", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let of_gone = |h: &Harness| runs(h).into_iter().filter(|r| r["robot"] == "gone").count();
    let deadline = Instant::now() + Duration::from_secs(60);
    while of_gone(&h) < 2 {
        assert!(Instant::now() < deadline, "the robot never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::remove_file(h.dir.path().join("robots/gone.yaml")).unwrap();
    // Once the reload has seen it (a second for the watcher, a run under way to end).
    std::thread::sleep(Duration::from_secs(4));
    let after_reload = of_gone(&h);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(of_gone(&h), after_reload, "no run of the deleted robot after the reload");
    let page = crate::console::http(port, "GET", "/", &[], None);
    assert!(page.body.contains("Trasiga schemafiler"), "{}", page.body);
    assert!(page.body.contains("s.yaml:2</code>"), "{}", page.body);
    assert!(page.body.contains("gone"), "{}", page.body);
    sigterm(&daemon);
    let status = daemon.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{log}");
    assert!(
        log.contains("refers to robot `gone`, whose file is gone: job `s/gone` does not run until the robot is back"),
        "{log}"
    );
    let failed: Vec<serde_json::Value> =
        runs(&h).into_iter().filter(|r| r["robot"] == "gone" && r["status"] == "failed").collect();
    assert_eq!(failed, Vec::<serde_json::Value>::new(), "no run was recorded failed for want of the file");
}

#[test]
fn an_edit_made_while_a_reload_reads_the_files_is_loaded_too() {
    let h = Harness::new();
    write(&h, "robots/r.yaml", "name: r\n");
    for n in 0..200 {
        write(&h, &format!("schedules/s{n:03}.yaml"), "jobs:\n  - robot: r\n    cron: \"@daily\"\n");
    }
    let extra = |jobs: usize| {
        let lines: String =
            (0..jobs).map(|j| format!("  - robot: r\n    name: j{j}\n    cron: \"@daily\"\n")).collect();
        format!("jobs:\n{lines}")
    };
    write(&h, "schedules/zz.yaml", &extra(1));
    let mut daemon = in_dir(&h, &["serve"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let (log, reader) = log_of(&mut daemon);
    let seen = |jobs: usize| log.lock().unwrap().contains(&format!("loaded 1 robot(s) and {jobs} job(s)"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !log.lock().unwrap().contains("serving 201 job(s)") {
        assert!(Instant::now() < deadline, "the daemon did not start: {}", log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    // Each try: a reload starts, and a moment later one more job is saved.
    for (n, delay_ms) in [60, 100, 150, 200, 250, 300, 350].into_iter().enumerate() {
        let jobs = n + 2;
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGHUP) };
        std::thread::sleep(Duration::from_millis(delay_ms));
        write(&h, "schedules/zz.yaml", &extra(jobs));
        let deadline = Instant::now() + Duration::from_secs(15);
        while !seen(200 + jobs) {
            assert!(
                Instant::now() < deadline,
                "the edit {delay_ms} ms after a reload began was never loaded: {}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    sigterm(&daemon);
    assert!(daemon.wait().unwrap().success(), "{}", log.lock().unwrap());
    reader.join().unwrap();
}
