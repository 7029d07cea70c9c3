//! Cases as transactions, in real Chromium against the stand-in sites:
//! business exceptions, retries, never twice across crashes, saved time.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nightshift::demo::sites::{SiteConfig, Sites};

use crate::common::{Harness, ROBOT, case_keys, robot_env, text};

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
    assert_eq!(case_keys(&show), ["2026-1045", "2026-1046"]);
    let fourth = &nightshift::demo::data::consent_errands(5)[3];
    assert_eq!(show["logs"][0], format!("errand {} for {}", fourth.id, fourth.handler));
}

#[test]
fn cases_a_selection_or_a_dry_run_left_out_are_fetched_by_the_next_run() {
    let h = Harness::new();
    let sites = h.sites(SiteConfig::demo(4));
    let mut env = sites.env();
    let token = nightshift::demo::sites::DEMO_ESERVICE_API_TOKEN;
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_API_TOKEN".into(), token.into()));
    let errands = nightshift::demo::data::consent_errands(4);
    let keys_of =
        |run: &serde_json::Value| -> Vec<String> { case_keys(&h.json(&["show", &run["id"].to_string(), "--json"])) };
    let run = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["run", "tests/fixtures/http-source.yaml", "--json"];
        all.extend_from_slice(args);
        let out = h.run(&all, &env);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    // A dry run lists all four and moves nothing.
    let dry = run(&["--dry-run"]);
    assert_eq!(dry["items"]["total"], 4, "{dry}");
    // The last case alone, through first: the three before it are not settled.
    let only = run(&["--only", &errands[3].id]);
    assert_eq!(keys_of(&only), [errands[3].id.clone()]);
    // At most one of the rest: the two after it are not settled either.
    let one = run(&["--max-items", "1"]);
    assert_eq!(keys_of(&one), [errands[0].id.clone()]);
    // The nightly run takes the two left out, and not the one already done.
    let nightly = run(&[]);
    assert_eq!(keys_of(&nightly), [errands[1].id.clone(), errands[2].id.clone(), errands[3].id.clone()]);
    assert_eq!((nightly["items"]["done"].as_i64(), nightly["items"]["skipped"].as_i64()), (Some(2), Some(1)));
    let after = run(&[]);
    assert_eq!(after["items"]["total"], 0, "everything is behind the cursor now: {after}");
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

/// A shell that mounts a small tmpfs as the state folder, in a mount
/// namespace of its own (with a user namespace when not run as root), so
/// the test can fill the disk under a running robot.
fn in_own_tmpfs(h: &Harness, script: &str, env: &[(String, String)]) -> std::process::Child {
    // SAFETY: getuid only reads this process's user id.
    let root = unsafe { libc::getuid() } == 0;
    let mut command = std::process::Command::new("unshare");
    if !root {
        command.args(["--user", "--map-root-user"]);
    }
    command.args(["--mount", "sh", "-c", script]);
    for (key, _) in std::env::vars() {
        if key.starts_with("NIGHTSHIFT_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(crate::common::root())
        .env("NIGHTSHIFT_TEST_MARKER", &h.marker)
        .env("BIN", env!("CARGO_BIN_EXE_nightshift"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_run_whose_run_log_cannot_be_written_starts_no_case_and_the_next_enters_none_twice() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(6);
    config.page_delay = Duration::from_millis(150);
    let sites = h.sites(config.clone());
    let dir = h.dir.path();
    let state = dir.join("small-disk");
    std::fs::create_dir_all(&state).unwrap();
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_STATE_DIR".into(), state.display().to_string()));
    env.push(("FULL".into(), dir.join("fill-now").display().to_string()));
    env.push(("OUT".into(), dir.display().to_string()));
    env.push(("ROBOT".into(), ROBOT.into()));
    let script = r#"set -u
mount -t tmpfs -o size=24m tmpfs "$NIGHTSHIFT_STATE_DIR" || exit 90
"$BIN" run "$ROBOT" 2> "$OUT/first.err" & pid=$!
while [ ! -e "$FULL" ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
dd if=/dev/zero of="$NIGHTSHIFT_STATE_DIR/filler" bs=64k 2>/dev/null
wait $pid; echo $? > "$OUT/first.code"
rm -f "$NIGHTSHIFT_STATE_DIR/filler"
"$BIN" run "$ROBOT" 2> "$OUT/second.err"; echo $? > "$OUT/second.code"
"$BIN" runs --json > "$OUT/runs.json"
"#;
    let mut child = in_own_tmpfs(&h, script, &env);
    // The disk fills once the first case is in the journal.
    let deadline = Instant::now() + Duration::from_secs(120);
    while registrations(&sites).is_empty() {
        assert!(Instant::now() < deadline, "no case was entered within 120 s");
        assert!(child.try_wait().unwrap().is_none(), "the script ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(dir.join("fill-now"), "").unwrap();
    let after_first = loop {
        if dir.join("first.code").exists() {
            break registrations(&sites);
        }
        assert!(Instant::now() < deadline + Duration::from_secs(120), "the first run did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    // The first run stopped taking cases once its claims could not be
    // written, said so once, and entered no case twice.
    let first = read("first.err");
    assert_eq!(read("first.code").trim(), "1", "{first}");
    assert!(after_first.len() < 6, "the run halted: {after_first:?}");
    assert_eq!(first.matches("no further case is started").count(), 1, "said once: {first}");
    assert!(first.contains("database or disk is full"), "{first}");
    assert!(first.lines().count() < 12, "one line, not one per event: {first}");

    // Space freed: the next run takes the rest; none is entered twice.
    let second = read("second.err");
    assert!(matches!(read("second.code").trim(), "0" | "4"), "{second}");
    let entered = registrations(&sites);
    assert!(entered.values().all(|n| *n == 1), "{entered:?}");
    assert!(entered.len() >= 5, "every case but one held for review at most: {entered:?}");
    let runs: serde_json::Value = serde_json::from_str(&read("runs.json")).unwrap();
    let statuses: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert!(matches!(statuses[1], "interrupted" | "failed"), "the first run is settled: {statuses:?}");
}

#[test]
fn a_run_killed_mid_case_still_sends_each_exception_to_its_officer() {
    let h = Harness::new();
    let dir = h.dir.path().join("robots");
    std::fs::create_dir_all(&dir).unwrap();
    // Four business exceptions, two with an officer of their own and two
    // for the robot's handlers; then a case that hangs until it is killed.
    std::fs::write(
        dir.join("cases.csv"),
        "Ärende,Handläggare,Utfall\nA-1,anna@example.se,fel\nA-2,,fel\nA-3,bo@example.se,fel\nA-4,,fel\nA-5,,vänta\n",
    )
    .unwrap();
    let page = "data:text/html,<title>v</title><p>väntar</p>";
    std::fs::write(
        dir.join("officers.yaml"),
        format!(
            "name: officers\nhandlers: [kansli@example.se]\nnotify:\n  handler_field: Handläggare\n\
             items:\n  csv: cases.csv\n  key: Ärende\n  steps:\n\
             \x20   - if: {{ value: \"${{item.Utfall}}\", equals: fel }}\n      then:\n        - fail: uppgifterna stämmer inte\n\
             \x20   - goto: \"{page}\"\n    - wait_for: \"#never\"\n      timeout: 120s\n"
        ),
    )
    .unwrap();
    let file = dir.join("officers.yaml");
    let mut child = h
        .command(&["--robots", dir.to_str().unwrap(), "run", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = h.state_dir().join("nightshift.db");
    let deadline = Instant::now() + Duration::from_secs(120);
    let hanging = || {
        let conn = rusqlite::Connection::open(&db).ok()?;
        conn.query_row("SELECT COUNT(*) FROM items WHERE key = 'A-5' AND status = 'running'", [], |r| {
            r.get::<_, i64>(0)
        })
        .ok()
    };
    while hanging() != Some(1) {
        assert!(Instant::now() < deadline, "the fifth case did not start within 120 s");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was killed");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // The next command settles the dead run and queues its mail.
    let out = h.run(&["--robots", dir.to_str().unwrap(), "runs", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn.prepare("SELECT kind, recipients, body_text FROM outbox ORDER BY id").unwrap();
    let mails: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let to = |who: &str| mails.iter().filter(|(_, to, _)| to.contains(who)).collect::<Vec<_>>();
    let (anna, bo, office) = (to("anna@example.se"), to("bo@example.se"), to("kansli@example.se"));
    assert!(anna.len() == 1 && anna[0].2.contains("A-1") && !anna[0].2.contains("A-2"), "{mails:?}");
    assert!(bo.len() == 1 && bo[0].2.contains("A-3"), "{mails:?}");
    assert!(office.len() == 1 && office[0].2.contains("A-2") && office[0].2.contains("A-4"), "{mails:?}");
    let unaddressed = mails.iter().filter(|(_, _, body)| body.contains("handläggare angivna")).count();
    assert_eq!(unaddressed, 0, "no exception went to operations for want of handlers: {mails:?}");
}
