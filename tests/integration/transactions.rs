//! Cases as transactions, in real Chromium against the stand-in sites:
//! business exceptions, retries, never twice across crashes, saved time.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nightshift::demo::sites::{SiteConfig, Sites};

use crate::common::{Harness, ROBOT, robot_env, text};

/// How many times the errand was registered in the journal, by errand id.
fn registrations(sites: &Sites) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for consent in &sites.journal.lock().unwrap().consents {
        *counts.entry(consent.errand.clone()).or_default() += 1;
    }
    counts
}

#[test]
fn a_batch_with_bad_cases_and_a_flaky_journal_enters_each_good_case_once() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(20);
    config.unknown_pupils = vec![2, 9, 15];
    let flaky = config.errands[5].id.clone();
    config.flaky_registrations = vec![(flaky.clone(), 2)];
    let sites = h.sites(config.clone());
    let out = h.run(&["run", ROBOT], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));

    let counts = registrations(&sites);
    assert_eq!(counts.len(), 17, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "every consent entered exactly once: {counts:?}");
    assert_eq!(sites.journal.lock().unwrap().refused, 2, "the flaky errand failed twice first");
    for (n, errand) in config.errands.iter().enumerate() {
        assert_eq!(counts.contains_key(&errand.id), !config.unknown_pupils.contains(&n), "errand {}", errand.id);
    }

    let runs = h.json(&["runs", "--json"]);
    let id = runs[0]["id"].to_string();
    let show = h.json(&["show", &id, "--json"]);
    assert_eq!(show["status"], "succeeded_with_exceptions");
    assert_eq!(show["items"]["done"], 17);
    assert_eq!(show["items"]["business_exceptions"], 3);
    assert_eq!(show["items"]["system_exceptions"], 0);
    let items = show["item_list"].as_array().unwrap();
    let flaky_item = items.iter().find(|i| i["key"] == flaky.as_str()).unwrap();
    assert_eq!(flaky_item["status"], "done");
    for n in &config.unknown_pupils {
        let item = &items[*n];
        assert_eq!(item["status"], "business_exception");
        let message = item["message"].as_str().unwrap();
        assert!(message.contains(&config.errands[*n].pupil.pnr), "{message}");
        let png =
            item["evidence"].as_array().unwrap().iter().find(|e| e["kind"] == "screenshot").expect("a screenshot");
        assert!(std::fs::read(png["path"].as_str().unwrap()).unwrap().starts_with(b"\x89PNG"));
    }
}

/// A small deterministic generator, so a failing seed can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn killing_the_runner_at_random_points_never_loses_nor_duplicates_a_case() {
    const KILLS: usize = 20;
    let h = Harness::new();
    let config = SiteConfig::demo(8);
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let seed = std::env::var("NIGHTSHIFT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("crash test seed: {seed} (replay with NIGHTSHIFT_CRASH_SEED={seed})");
    let mut rng = Lcg(seed);
    let deadline = Instant::now() + Duration::from_secs(240);
    let db = h.state_dir().join("nightshift.db");
    let mut kills = 0;
    while kills < KILLS {
        assert!(Instant::now() < deadline, "the crash test ran out of time after {kills} kills");
        let mut cmd = h.command(&["run", ROBOT]);
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).stdout(Stdio::null()).stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(300 + rng.next(2500)));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        if !finished {
            kills += 1;
        }
        // Every errand registered at most once, whatever was interrupted.
        let counts = registrations(&sites);
        assert!(counts.values().all(|n| *n == 1), "a case was entered twice after kill {kills}: {counts:?}");
        // Opening the run log settles the dead run.
        let runs = h.json(&["runs", "--json", "--limit", "1000"]);
        assert!(runs.as_array().unwrap().iter().all(|r| r["status"] != "running"), "a run was left running");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let mut eservice = sites.eservice.lock().unwrap();
        if eservice.errands.iter().all(|e| e.handled) {
            // Everything got through: submit four more errands so that the
            // remaining kills still land mid-run.
            let total = eservice.errands.len();
            let more: Vec<_> = nightshift::demo::data::consent_errands(total + 4).split_off(total);
            sites.journal.lock().unwrap().pupils.extend(more.iter().map(|e| e.pupil.clone()));
            eservice.errands.extend(more.iter().map(nightshift::demo::eservice::Errand::consent));
        }
    }
    // One run to the end settles what the kills left.
    let out = h.run(&["run", ROBOT], &env);
    assert!(matches!(out.status.code(), Some(0 | 4)), "{}", text(&out.stderr));
    let review = h.run(&["review", "vaccination-consent", "--json"], &[]);
    let listing: serde_json::Value = serde_json::from_slice(&review.stdout).unwrap();
    let needs_review: Vec<String> =
        listing["to_review"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap().to_string()).collect();
    let counts = registrations(&sites);
    let eservice = sites.eservice.lock().unwrap();
    for errand in &eservice.errands {
        let id = &errand.id;
        let entered = counts.get(id).copied().unwrap_or(0);
        assert!(
            (entered == 1 && errand.handled) || needs_review.contains(id),
            "errand {id}: entered {entered} time(s), handled {}, not marked for review",
            errand.handled
        );
    }
    eprintln!("{kills} kills; {} errand(s) need review", needs_review.len());
}

#[test]
fn stats_after_a_run_count_hours_saved_as_cases_times_minutes() {
    let h = Harness::new();
    let config = SiteConfig::demo(4);
    let sites = h.sites(config.clone());
    let out = h.run(&["run", ROBOT], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stats = h.json(&["stats", "--format", "json"]);
    let rows = stats.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["robot"], "vaccination-consent");
    assert_eq!(row["runs"], 1);
    assert_eq!(row["items_done"], 4);
    // The sample robot says a person needs 6 minutes per consent.
    assert_eq!(row["manual_minutes_saved"], 4.0 * 6.0);
    assert_eq!(row["manual_hours_saved"], 4.0 * 6.0 / 60.0);
    assert_eq!(row["success_rate"], 1.0);
    let csv = h.run(&["stats", "--format", "csv", "--by", "robot"], &[]);
    let csv = text(&csv.stdout);
    let fields: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(fields[..7], ["vaccination-consent", "all", "1", "4", "0", "0", "1.000"]);
    assert_eq!(fields[8], "0.40", "4 cases x 6 minutes = 0.4 hours");
}

#[test]
fn an_http_source_keeps_a_cursor_so_the_next_run_fetches_only_new_cases() {
    let h = Harness::new();
    let sites = h.sites(SiteConfig::demo(3));
    let mut env = sites.env();
    let token = nightshift::demo::sites::DEMO_ESERVICE_API_TOKEN;
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_API_TOKEN".into(), token.into()));
    let first = h.run(&["run", "tests/fixtures/http-source.yaml", "--json"], &env);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(first["items"]["done"], 3);

    // Two more errands are submitted; the next run fetches those two only.
    {
        let mut eservice = sites.eservice.lock().unwrap();
        let more: Vec<_> = nightshift::demo::data::consent_errands(5).split_off(3);
        eservice.errands.extend(more.iter().map(nightshift::demo::eservice::Errand::consent));
    }
    let second = h.run(&["run", "tests/fixtures/http-source.yaml", "--json"], &env);
    let second: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(second["items"]["total"], 2);
    let show = h.json(&["show", &second["id"].to_string(), "--json"]);
    let keys: Vec<&str> = show["item_list"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["2026-1045", "2026-1046"]);
    let fourth = &nightshift::demo::data::consent_errands(5)[3];
    assert_eq!(show["logs"][0], format!("errand {} for {}", fourth.id, fourth.handler));
}

#[test]
fn a_mistyped_personnummer_is_a_business_exception_before_anything_is_entered() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(3);
    config.mistyped_personnummer = vec![1];
    let sites = h.sites(config.clone());
    let out = h.run(&["run", ROBOT, "--json"], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    let item = &show["item_list"][1];
    assert_eq!(item["status"], "business_exception");
    let message = item["message"].as_str().unwrap();
    assert!(
        message.starts_with("Personnumret ")
            && message.ends_with(" i ärendet är ogiltigt; kontrollera det med vårdnadshavaren"),
        "{message}"
    );
    let entered = registrations(&sites);
    assert_eq!(entered.len(), 2);
    assert!(!entered.contains_key(&config.errands[1].id), "nothing entered for the mistyped errand");
}

#[test]
fn a_person_can_send_chosen_cases_through_first() {
    let h = Harness::new();
    let config = SiteConfig::demo(6);
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let handled = |sites: &nightshift::demo::sites::Sites| sites.eservice.lock().unwrap().handled_ids();
    // One errand through first.
    let only = &config.errands[4].id;
    let out = h.run(&["run", ROBOT, "--only", only, "--json"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["items"]["total"], 1, "the others are not cases at all: {run}");
    assert_eq!(handled(&sites), std::slice::from_ref(only));
    // Then at most two of the rest.
    let out = h.run(&["run", ROBOT, "--max-items", "2", "--json"], &env);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((run["items"]["total"].as_i64(), run["items"]["done"].as_i64()), (Some(2), Some(2)), "{run}");
    assert_eq!(handled(&sites).len(), 3);
    // Three sample errands from a file instead of the inbox: exactly those.
    let file = h.dir.path().join("sample.csv");
    let picked: Vec<&str> = [5, 2, 3].iter().map(|n| config.errands[*n].id.as_str()).collect();
    std::fs::write(&file, format!("Ärende\n{}\n", picked.join("\n"))).unwrap();
    let out = h.run(&["run", ROBOT, "--input", file.to_str().unwrap(), "--json"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["items"]["total"], 3, "{run}");
    let mut expected: Vec<String> = [4, 0, 1, 5, 2, 3].iter().map(|n| config.errands[*n].id.clone()).collect();
    expected.sort();
    let mut now = handled(&sites);
    now.sort();
    assert_eq!(now, expected, "the three from the file, after the three before");
}
