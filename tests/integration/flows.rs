//! The three flows beside the vaccination consent, each robot run against
//! its stand-in in real headless Chromium, asserting what the systems hold
//! afterwards: windows and dialogs (culture school), ISO-8859-1, session
//! timeouts, retry blocks, downloads and CSV (waste billing), and a
//! single-page app of web components, entered with no JavaScript of the
//! robot's own (food registration).

use nightshift::demo::eservice::ErrandKind;
use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, robot_env, text};

fn run_flow(h: &Harness, config: &SiteConfig, robot: &str) -> (nightshift::demo::sites::Sites, serde_json::Value) {
    let sites = h.sites(config.clone());
    let out = h.run(&["run", robot], &robot_env(&sites, config));
    assert_eq!(out.status.code(), Some(4), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    (sites, runs[0].clone())
}

/// Makes every case the robot finished look as if its run died right after
/// writing to the target system: the ledger says `in_progress` again and the
/// e-service shows the errand unhandled. Returns those cases' keys.
fn crash_after_writes(h: &Harness, sites: &nightshift::demo::sites::Sites, robot: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(h.state_dir().join("nightshift.db")).unwrap();
    let mut query = conn.prepare("SELECT key FROM ledger WHERE robot = ?1 AND state = 'done' ORDER BY key").unwrap();
    let keys: Vec<String> = query.query_map([robot], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    conn.execute("UPDATE ledger SET state = 'in_progress' WHERE robot = ?1 AND state = 'done'", [robot]).unwrap();
    for errand in sites.eservice.lock().unwrap().errands.iter_mut().filter(|e| keys.contains(&e.id)) {
        errand.handled = false;
    }
    assert!(!keys.is_empty());
    keys
}

/// Runs the robot again after `crash_after_writes`: its `check` must settle
/// every half-done case as done by the robot (its own earlier write is
/// there) and mark it handled, entering nothing.
fn rerun_settles_by_check(
    h: &Harness,
    sites: &nightshift::demo::sites::Sites,
    config: &SiteConfig,
    robot: &str,
    keys: &[String],
) {
    let out = h.run(&["run", robot], &robot_env(sites, config));
    assert!(matches!(out.status.code(), Some(0 | 4)), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["done"].as_u64(), Some(keys.len() as u64), "{}", runs[0]);
    assert_eq!(runs[0]["items"]["skipped"].as_u64(), Some(0), "{}", runs[0]);
    let eservice = sites.eservice.lock().unwrap();
    assert!(eservice.errands.iter().filter(|e| keys.contains(&e.id)).all(|e| e.handled));
}

fn errands(config: &SiteConfig, kind: ErrandKind) -> Vec<nightshift::demo::eservice::Errand> {
    config.other_errands.iter().filter(|e| e.kind == kind).cloned().collect()
}

#[test]
fn culture_school_robot_picks_courses_in_the_popup_and_leaves_full_ones_to_a_person() {
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let (sites, run) = run_flow(&h, &config, "robots/culture-school-application.yaml");
    assert_eq!((run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()), (Some(5), Some(2)));

    let sent = errands(&config, ErrandKind::CultureSchool);
    let culture = sites.culture.lock().unwrap();
    let entered: Vec<(String, String)> =
        culture.applications.iter().map(|a| (a.errand.clone(), a.course.clone())).collect();
    // All but the full piano course (index 1) and the mistyped personnummer (index 4).
    let expected: Vec<(String, String)> = sent
        .iter()
        .enumerate()
        .filter(|(n, _)| ![1, 4].contains(n))
        .map(|(_, e)| (e.id.clone(), e.field("course").to_string()))
        .collect();
    assert_eq!(entered, expected);
    for (a, e) in culture.applications.iter().zip(sent.iter().filter(|e| expected.iter().any(|(id, _)| *id == e.id))) {
        assert_eq!(a.name, e.field("child-name"));
        assert_eq!(a.pnr.replace('-', ""), e.field("child-pnr").replace('-', ""));
    }
    // The robot declined the waiting-list question: nothing was written for the full course.
    assert!(culture.waiting_list.is_empty());
    assert_eq!(culture.courses.iter().find(|c| c.name == "Piano fortsättning").unwrap().places, 0);
    let show = h.run(&["show", "1"], &[]);
    assert!(text(&show.stdout).contains("Kursen Piano fortsättning är full"), "{}", text(&show.stdout));
    assert!(text(&show.stdout).contains("väntelistan?"), "the dialog's text is kept: {}", text(&show.stdout));
    let handled = sites.eservice.lock().unwrap().handled_ids();
    assert_eq!(handled, expected.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>());
    drop(culture);

    let robot = "robots/culture-school-application.yaml";
    let keys = crash_after_writes(&h, &sites, "culture-school-application");
    rerun_settles_by_check(&h, &sites, &config, robot, &keys);
    assert_eq!(sites.culture.lock().unwrap().applications.len(), expected.len(), "nothing entered twice");
}

#[test]
fn bin_pause_robot_writes_latin1_logs_in_again_and_downloads_the_export() {
    let h = Harness::new();
    let mut config = SiteConfig::four_flows();
    // A short session: it runs out mid-case more than once.
    config.waste_session_pages = 5;
    config.waste_delay = std::time::Duration::from_millis(50);
    let (sites, run) = run_flow(&h, &config, "robots/bin-collection-pause.yaml");
    assert_eq!((run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()), (Some(4), Some(2)));

    let sent = errands(&config, ErrandKind::BinPause);
    let waste = sites.waste.lock().unwrap();
    assert!(waste.expired >= 2, "the session ran out {} time(s)", waste.expired);
    // `session:` logs in once per ended session (and once in setup), never per case.
    assert_eq!(waste.logins, waste.expired + 1, "logins against ended sessions");
    let mut pauses: Vec<(String, String, String, String, String)> = waste
        .pauses
        .iter()
        .map(|p| (p.customer.clone(), p.from.to_string(), p.to.to_string(), p.reason.clone(), p.note.clone()))
        .collect();
    pauses.sort();
    // The unknown customer (index 1) and the pause ending before it starts (index 3) are left out.
    let mut expected: Vec<(String, String, String, String, String)> = sent
        .iter()
        .enumerate()
        .filter(|(n, _)| ![1, 3].contains(n))
        .map(|(_, e)| {
            (
                e.field("customer-number").to_string(),
                e.field("from").to_string(),
                e.field("to").to_string(),
                e.field("reason").to_string(),
                format!("E-tjänstärende {}", e.id),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(pauses, expected, "each pause once, å/ä/ö intact through ISO-8859-1");

    let run_dir = h.state_dir().join("evidence").join(run["id"].to_string());
    let export = std::fs::read(run_dir.join("uppehall-export.csv")).unwrap();
    assert_eq!(export, waste.export(), "the downloaded export is the system's, byte for byte");
    assert!(export.windows(1).any(|b| b[0] == 0xE4), "the export is ISO-8859-1 (ä as one byte)");
    let report = std::fs::read_to_string(run_dir.join("uppehall-rapport.csv")).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "Ärende;Kundnummer;Från;Till");
    assert_eq!(lines.len(), 5, "{report}");
    assert!(lines[1].starts_with(&format!("{};{};", sent[0].id, sent[0].field("customer-number"))), "{report}");
    drop(waste);

    let keys = crash_after_writes(&h, &sites, "bin-collection-pause");
    rerun_settles_by_check(&h, &sites, &config, "robots/bin-collection-pause.yaml", &keys);
    assert_eq!(sites.waste.lock().unwrap().pauses.len(), expected.len(), "nothing entered twice");
}

/// The food robot on Lex, a single-page app of web components: every field
/// is in a shadow root, the property comes from a combobox that asks the
/// server, the activities are chips, the plan comes from the API in
/// base64, the case number from a toast; the first save fails, and the
/// session ends every sixth page load. Not one `script` step.
#[test]
fn food_robot_registers_in_a_web_component_app_without_a_script_step() {
    let robot = std::fs::read_to_string("robots/food-business-registration.yaml").unwrap();
    assert!(!robot.lines().any(|l| l.trim_start().starts_with("- script")), "the robot needs no JavaScript");
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let (sites, run) = run_flow(&h, &config, "robots/food-business-registration.yaml");
    assert_eq!((run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()), (Some(3), Some(2)));

    let sent = errands(&config, ErrandKind::FoodRegistration);
    let lex = sites.lex.lock().unwrap();
    let new: Vec<_> = lex.cases.iter().filter(|c| !c.errand.is_empty()).collect();
    // The invalid organisation number (index 2) and the company Lex has (index 4) are left out.
    let expected: Vec<_> = sent.iter().enumerate().filter(|(n, _)| ![2, 4].contains(n)).map(|(_, e)| e).collect();
    assert_eq!(new.len(), expected.len());
    for (case, errand) in new.iter().zip(&expected) {
        assert_eq!(case.errand, errand.id);
        assert_eq!(case.company, errand.field("company"));
        assert_eq!(case.orgnr, errand.field("orgnr"));
        assert_eq!(case.address, errand.field("address"), "labelled from outside the shadow root");
        assert_eq!(case.property, errand.field("property"), "picked from the server's suggestions");
        assert_eq!(case.activities, errand.field("activities").split(", ").map(String::from).collect::<Vec<_>>());
        assert_eq!(case.received, errand.submitted);
        let (name, bytes) = case.attachment.clone().unwrap();
        let (sent_name, sent_bytes) = errand.attachment.clone().unwrap();
        assert_eq!((name, bytes), (sent_name, sent_bytes), "the uploaded plan is the API's, byte for byte");
    }
    assert_eq!(lex.failing_saves, 0, "the failed save was tried again");
    assert!(lex.logins >= 2, "the session ended and the robot logged in again ({} logins)", lex.logins);
    let eservice = sites.eservice.lock().unwrap();
    let handled: Vec<String> = eservice
        .errands
        .iter()
        .filter(|e| e.kind == ErrandKind::FoodRegistration && e.handled)
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(handled, expected.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), "marked handled through the API");
    // The two exceptions were reported back through the API by `on_exception`.
    let mut reported: Vec<&String> = eservice.statuses.iter().map(|(id, _)| id).collect();
    reported.sort();
    assert_eq!(reported, [&sent[2].id, &sent[4].id], "{:?}", eservice.statuses);
    assert!(eservice.statuses.iter().all(|(_, s)| s.starts_with("Handläggs manuellt: ")), "{:?}", eservice.statuses);
    assert!(eservice.statuses.iter().any(|(_, s)| s.contains(sent[2].field("orgnr"))), "{:?}", eservice.statuses);
    let known = lex.cases.iter().find(|c| c.orgnr == sent[4].field("orgnr")).unwrap();
    assert!(eservice.statuses.iter().any(|(_, s)| s.contains(&format!("finns redan i Lex som {}", known.dnr))));
    let show = text(&h.run(&["show", &run["id"].to_string()], &[]).stdout);
    assert!(show.contains("Tekniskt fel: ärendet kunde inte sparas"), "the failed try is in the log: {show}");
    let report =
        std::fs::read_to_string(h.state_dir().join("evidence").join(run["id"].to_string()).join("lex-diarium.csv"))
            .unwrap();
    assert!(report.starts_with("Ärende,Diarienummer,Företag\r\n"), "{report}");
    assert!(report.contains(&format!("{},{},", new[0].errand, new[0].dnr)), "the number read from the toast: {report}");
    let receipt =
        h.state_dir().join("evidence").join(run["id"].to_string()).join(format!("lex/{}.json", new[0].errand));
    let receipt: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(receipt).unwrap()).unwrap();
    assert_eq!(receipt["case"], new[0].dnr);
    assert_eq!(receipt["activities"], serde_json::to_string(&new[0].activities).unwrap());
    let cases = lex.cases.len();
    drop((lex, eservice));

    // Killed mid-run, the cases it was in are found 600 rows down Lex's
    // list by `check`, and none is entered twice.
    let keys = crash_after_writes(&h, &sites, "food-business-registration");
    rerun_settles_by_check(&h, &sites, &config, "robots/food-business-registration.yaml", &keys);
    assert_eq!(sites.lex.lock().unwrap().cases.len(), cases, "nothing entered twice");
}

/// Killed with SIGKILL the moment Lex holds its first new case (saved, but
/// the run has not yet written down that it is done), the robot's next run
/// finds that case by scrolling Lex's list in `check`, enters every other
/// case once, and marks each errand handled.
#[test]
fn food_robot_killed_right_after_a_save_enters_each_case_exactly_once() {
    let h = Harness::new();
    let mut config = SiteConfig::four_flows();
    config.lex_failing_saves = 0;
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let before = sites.lex.lock().unwrap().cases.len();
    let mut cmd = h.command(&["run", "robots/food-business-registration.yaml"]);
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while sites.lex.lock().unwrap().cases.len() == before {
        assert!(std::time::Instant::now() < deadline, "Lex got no case within 90 s");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it saved a case");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let first = sites.lex.lock().unwrap().cases.last().unwrap().errand.clone();
    assert!(!sites.eservice.lock().unwrap().errands.iter().any(|e| e.id == first && e.handled), "killed too late");

    let out = h.run(&["run", "robots/food-business-registration.yaml"], &env);
    assert_eq!(out.status.code(), Some(4), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["done"].as_u64(), Some(3), "{}", runs[0]);
    let show = text(&h.run(&["show", &runs[0]["id"].to_string()], &[]).stdout);
    assert!(show.contains("ärendet fanns redan i Lex"), "the saved case was found by `check`: {show}");
    let sent = errands(&config, ErrandKind::FoodRegistration);
    let lex = sites.lex.lock().unwrap();
    let eservice = sites.eservice.lock().unwrap();
    for (n, errand) in sent.iter().enumerate().filter(|(n, _)| ![2, 4].contains(n)) {
        let entered = lex.cases.iter().filter(|c| c.errand == errand.id).count();
        assert_eq!(entered, 1, "errand {n} ({}) entered {entered} times", errand.id);
        assert!(eservice.errands.iter().any(|e| e.id == errand.id && e.handled), "errand {n} not marked handled");
    }
}

#[test]
fn type_and_fill_keep_swedish_letters_on_an_iso_8859_1_page() {
    let h = Harness::new();
    let mut config = SiteConfig::four_flows();
    config.waste_delay = std::time::Duration::ZERO;
    let sites = h.sites(config.clone());
    let out = h.run(&["run", "tests/fixtures/latin1-type.yaml"], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let waste = sites.waste.lock().unwrap();
    let stored: Vec<(&str, &str, String)> =
        waste.pauses.iter().map(|p| (p.reason.as_str(), p.note.as_str(), p.from.to_string())).collect();
    assert_eq!(
        stored,
        [
            ("Längre bortavaro", "Åsa Öberg, Källgränd 3: bortrest", "2026-12-01".to_string()),
            ("Renovering", "Ändrad: gäst på Östrand", "2027-03-01".to_string()),
        ]
    );
}
