//! Several workers (browser sessions) on one run's cases, in real headless
//! Chromium: each case entered once, each worker logged in once, a browser
//! killed mid-case, the daemon's bound on browsers, an external WebDriver.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nightshift::demo::sites::{SiteConfig, Sites};

use crate::common::{Harness, ROBOT, processes_with, robot_env, text};

/// The pids of the browsers (Chromium's first process, not its helpers)
/// whose environment carries `marker`.
fn browsers(marker: &str) -> Vec<i32> {
    let pids = processes_with(marker).into_iter().filter_map(|p| p.split(' ').next()?.parse::<i32>().ok());
    let found: Vec<i32> = pids
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<String> =
                cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            args[0].ends_with("/chromium") && !args.iter().any(|a| a.starts_with("--type="))
        })
        .collect();
    // The scan above takes a while on a loaded machine: a browser that ended
    // during it (before a later one started) was not there at the same time
    // as the later one. Those still alive once the scan is over were. A
    // browser starting a helper forks itself, and the child has the
    // browser's command line until it execs the helper's: a chromium whose
    // parent is one of these is that child, not another browser.
    let stat_of = |pid: &i32| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let rest: Vec<String> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        (rest.first().cloned().unwrap_or_default(), rest.get(1).and_then(|p| p.parse::<i32>().ok()))
    };
    let alive: Vec<(i32, Option<i32>)> = found
        .iter()
        .map(|pid| (*pid, stat_of(pid)))
        .filter(|(_, (state, _))| !state.is_empty() && state != "Z" && state != "X")
        .map(|(pid, (_, parent))| (pid, parent))
        .collect();
    alive.iter().filter(|(_, parent)| !parent.is_some_and(|p| found.contains(&p))).map(|(pid, _)| *pid).collect()
}

/// How many times each errand's consent is in the journal.
fn consents_per_errand(sites: &Sites) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for consent in &sites.journal.lock().unwrap().consents {
        *counts.entry(consent.errand.clone()).or_insert(0) += 1;
    }
    counts
}

/// How many workers of the run have finished a case, from the run log.
fn workers_with_a_case_done(db: &std::path::Path) -> i64 {
    let Ok(conn) = rusqlite::Connection::open(db) else { return 0 };
    let sql = "SELECT COUNT(DISTINCT worker) FROM items WHERE status = 'done'";
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn wait_with_limit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("nightshift did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn output_of(child: &mut Child) -> String {
    let mut out = String::new();
    if let Some(stderr) = child.stderr.as_mut() {
        std::io::Read::read_to_string(stderr, &mut out).ok();
    }
    out
}

#[test]
fn three_workers_enter_twenty_consents_once_each_and_a_browser_killed_mid_case_is_retried() {
    let h = Harness::new();
    // Pages a little slow, as a legacy system's: the first worker does not
    // finish alone while the others start their browsers.
    let mut config = SiteConfig::demo(20);
    config.page_delay = Duration::from_millis(40);
    let sites = h.sites(config.clone());
    let mut child = h
        .command(&["run", ROBOT, "--workers", "3"])
        .envs(robot_env(&sites, &config))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once every worker has finished a case (so each is past its login) and
    // most are still to come, the journal holds its search page, which only
    // a case's steps ask for: once all three browsers wait for it, each is
    // mid-case, and one of them is killed. The case it was in is retried.
    let deadline = Instant::now() + Duration::from_secs(120);
    let db = h.state_dir().join("nightshift.db");
    let running = loop {
        assert!(Instant::now() < deadline, "three workers never worked at once: {:?}", browsers(&h.marker));
        let running = browsers(&h.marker);
        if workers_with_a_case_done(&db) == 3 && running.len() == 3 {
            break running;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    sites.journal_gate.hold("/search");
    while sites.journal_gate.waiting() < 3 {
        assert!(Instant::now() < deadline, "the three browsers never all asked for the search page");
        std::thread::sleep(Duration::from_millis(5));
    }
    let entered = sites.journal.lock().unwrap().consents.len();
    assert!(entered < 14, "the workers were too quick to kill one mid-run ({entered} entered)");
    let killed = running[1];
    // SAFETY: killing a browser this test's run started.
    unsafe { libc::kill(killed, libc::SIGKILL) };
    sites.journal_gate.release();
    let status = wait_with_limit(&mut child, Duration::from_secs(240));
    let log = output_of(&mut child);
    assert_eq!(status.code(), Some(0), "killed browser {killed}; stderr:\n{log}");

    let counts = consents_per_errand(&sites);
    assert_eq!(counts.len(), 20, "every errand entered: {counts:?}");
    assert!(counts.values().all(|n| *n == 1), "each consent entered exactly once: {counts:?}");
    assert!(sites.eservice.lock().unwrap().errands.iter().all(|e| e.handled), "every errand marked handled");
    // Each worker logged in once; the one whose browser died once more.
    assert_eq!(sites.journal.lock().unwrap().logins(), 4, "{log}");
    assert_eq!(sites.eservice.lock().unwrap().logins(), 4, "{log}");

    let show = h.json(&["show", "1", "--json"]);
    assert_eq!(show["workers"], 3);
    assert_eq!(show["status"], "succeeded");
    let items = show["item_list"].as_array().unwrap();
    let mut per_worker = BTreeMap::new();
    for item in items {
        assert_eq!(item["status"], "done", "{item}");
        *per_worker.entry(item["worker"].as_i64().unwrap()).or_insert(0) += 1;
    }
    assert_eq!(per_worker.keys().copied().collect::<Vec<_>>(), [1, 2, 3], "{per_worker:?}");
    let retried: Vec<&serde_json::Value> = items.iter().filter(|i| i["attempts"].as_i64() > Some(1)).collect();
    assert_eq!(retried.len(), 1, "exactly the case in the killed browser was tried again: {items:#?}");
    let text_show = text(&h.run(&["show", "1"], &[]).stdout);
    assert!(text_show.contains("workers:  3 browser sessions shared the cases"), "{text_show}");
    assert!(text_show.contains("  worker 2"), "{text_show}");
    assert_eq!(h.wait_for_no_processes(10), Vec::<String>::new(), "no browser outlives the run");
}

#[test]
fn an_external_webdriver_server_gets_a_session_per_worker() {
    let h = Harness::new();
    let (mut driver, port) = h.chromedriver();
    let mut config = SiteConfig::demo(8);
    config.page_delay = Duration::from_millis(60);
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_WEBDRIVER_URL".to_string(), format!("http://127.0.0.1:{port}")));
    // Only the named server can start a browser.
    env.push(("NIGHTSHIFT_CHROMEDRIVER".to_string(), "/nonexistent/chromedriver".to_string()));
    let out = h.run(&["run", ROBOT, "--workers", "2"], &env);
    // The sessions were ended: the server's browsers are gone while it still runs.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !browsers(&h.marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = browsers(&h.marker);
    driver.kill().unwrap();
    driver.wait().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(left, Vec::<i32>::new(), "every worker's session was closed on the server");
    let counts = consents_per_errand(&sites);
    assert_eq!(counts.len(), 8);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let show = h.json(&["show", "1", "--json"]);
    let workers: std::collections::BTreeSet<i64> =
        show["item_list"].as_array().unwrap().iter().map(|i| i["worker"].as_i64().unwrap()).collect();
    assert_eq!(workers.into_iter().collect::<Vec<_>>(), [1, 2], "{}", text(&out.stderr));
    assert_eq!(sites.journal.lock().unwrap().logins(), 2);

    // The web console's run page names each case's worker, as `show` does.
    let port = crate::common::free_port();
    let _console = crate::console::Served::start(&h, &crate::common::root().join("robots"), port, &[]);
    let page = crate::console::http(port, "GET", "/runs/1", &[], None);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<dt>Arbetare (webbläsare)</dt><dd>2</dd>"), "{}", page.body);
    assert!(page.body.contains("<th scope=\"col\">Arbetare</th>"), "{}", page.body);
    for item in show["item_list"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        let row = page.body.split("<tr>").find(|r| r.contains(&format!("<td>{key}</td>"))).expect("a row per case");
        let cells: Vec<&str> = row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or_default()).collect();
        assert_eq!(cells[3], item["worker"].to_string(), "the worker cell of {key}: {row}");
    }
}

/// The sample robot under another name, its sites' addresses written in.
fn robot_for(name: &str, sites: &Sites) -> String {
    let source = std::fs::read_to_string(crate::common::root().join(ROBOT)).unwrap();
    source
        .replace("name: vaccination-consent", &format!("name: {name}"))
        .replace("${env.NIGHTSHIFT_ESERVICE_URL}", &sites.eservice_url)
        .replace("${env.NIGHTSHIFT_JOURNAL_URL}", &sites.journal_url)
        .replace("  key: Ärende\n", "  key: Ärende\n  workers: 2\n")
}

#[test]
fn two_robots_of_two_workers_never_hold_more_browsers_than_max_browsers() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(10);
    config.page_delay = Duration::from_millis(60);
    let (first, second) = (h.sites(config.clone()), h.sites(config.clone()));
    let robots = h.dir.path().join("robots");
    std::fs::create_dir_all(&robots).unwrap();
    std::fs::write(robots.join("consent-a.yaml"), robot_for("consent-a", &first)).unwrap();
    std::fs::write(robots.join("consent-b.yaml"), robot_for("consent-b", &second)).unwrap();
    let schedules = h.dir.path().join("schedules");
    std::fs::create_dir_all(&schedules).unwrap();
    let jobs =
        "jobs:\n  - robot: consent-a\n    cron: \"*/3 * * * * *\"\n  - robot: consent-b\n    cron: \"*/3 * * * * *\"\n";
    std::fs::write(schedules.join("night.yaml"), jobs).unwrap();
    let mut env = robot_env(&first, &config);
    env.retain(|(name, _)| name.starts_with("NIGHTSHIFT_SECRET_"));

    // Browsers are counted as they run, every 25 ms.
    let (most, watching) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(true)));
    let counter = {
        let (most, watching, marker) = (most.clone(), watching.clone(), h.marker.clone());
        std::thread::spawn(move || {
            while watching.load(Ordering::SeqCst) {
                most.fetch_max(browsers(&marker).len(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };
    let mut daemon = h
        .command(&["serve", "--max-browsers", "3", "--grace", "1s"])
        .current_dir(h.dir.path())
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    while consents_per_errand(&first).len() < 10 || consents_per_errand(&second).len() < 10 {
        assert!(Instant::now() < deadline, "the two robots did not finish: {:?}", processes_with(&h.marker));
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: signalling the daemon this test started.
    unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGTERM) };
    let status = wait_with_limit(&mut daemon, Duration::from_secs(60));
    let log = output_of(&mut daemon);
    watching.store(false, Ordering::SeqCst);
    counter.join().unwrap();
    assert!(status.success(), "{log}");
    let most = most.load(Ordering::SeqCst);
    assert!(most <= 3, "{most} browsers ran at once under --max-browsers 3\n{log}");
    assert_eq!(most, 3, "the bound was reached: four workers wanted a browser");
    for sites in [&first, &second] {
        let counts = consents_per_errand(sites);
        assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    }
    let out = h.command(&["runs", "--json", "--limit", "100"]).current_dir(h.dir.path()).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shared = runs.as_array().unwrap().iter().filter(|r| r["workers"] == 2).count();
    assert!(shared >= 1, "at least one run had both its workers: {runs:#}");
}

#[test]
fn a_run_of_three_workers_killed_mid_run_leaves_each_case_to_be_entered_once_by_the_next() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(15);
    config.page_delay = Duration::from_millis(40);
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let mut child = h
        .command(&["run", ROBOT, "--workers", "3"])
        .envs(env.clone())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed outright while three workers are in cases: some half-done.
    let deadline = Instant::now() + Duration::from_secs(120);
    while sites.journal.lock().unwrap().consents.len() < 4 || browsers(&h.marker).len() < 3 {
        assert!(Instant::now() < deadline, "three workers never had cases under way");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(h.wait_for_no_processes(15), Vec::<String>::new(), "the browsers died with their runner");
    let before = consents_per_errand(&sites);
    assert!(before.len() < 15, "the kill came after the last case: {before:?}");

    // The next run settles the half-done cases through `check`, and enters
    // the rest: each consent once, each errand handled.
    let out = h.run(&["run", ROBOT, "--workers", "3"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let counts = consents_per_errand(&sites);
    assert_eq!(counts.len(), 15, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "a case was entered twice: {counts:?}");
    assert!(sites.eservice.lock().unwrap().errands.iter().all(|e| e.handled), "every errand marked handled");
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[1]["status"], "interrupted", "the killed run is recorded, not lost: {runs:#}");
}
