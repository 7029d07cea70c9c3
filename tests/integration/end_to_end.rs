//! The sample robot against the stand-in sites in real headless Chromium.

use std::collections::BTreeSet;

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, robot_env, text};

#[test]
fn sample_robot_moves_every_errand_into_the_journal_exactly_once() {
    let h = Harness::new();
    // Seven errands span two inbox pages of five.
    let config = SiteConfig::demo(7);
    let sites = h.sites(config.clone());
    let out = h.run(&["run", ROBOT], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));

    let journal = sites.journal.lock().unwrap();
    let entered: Vec<(String, String)> = journal.consents.iter().map(|c| (c.errand.clone(), c.pnr.clone())).collect();
    let expected: Vec<(String, String)> = config.errands.iter().map(|e| (e.id.clone(), e.pupil.pnr.clone())).collect();
    assert_eq!(entered.len(), 7, "every errand entered once: {entered:?}");
    assert_eq!(entered.iter().collect::<BTreeSet<_>>(), expected.iter().collect::<BTreeSet<_>>());
    for (consent, errand) in journal.consents.iter().zip(&config.errands) {
        assert_eq!(consent.vaccine, errand.vaccine);
        assert_eq!(consent.consent, errand.consent);
        assert_eq!(consent.guardian, errand.guardian);
    }
    let eservice = sites.eservice.lock().unwrap();
    assert!(eservice.errands.iter().all(|e| e.handled), "every errand marked handled");

    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["items"]["total"], 7);
    assert_eq!(runs[0]["items"]["done"], 7);
    assert_eq!(runs[0]["saved_minutes"], 42.0);
}

#[test]
fn demo_runs_the_four_sample_robots_and_exits_zero() {
    let h = Harness::new();
    let out = h.run(&["demo"], &[]);
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    let mut seen: Vec<(String, String, i64, i64)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["robot"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
                r["items"]["done"].as_i64().unwrap(),
                r["items"]["business_exceptions"].as_i64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    // Two planted business exceptions per flow (see SiteConfig::four_flows).
    let expected = [
        ("bin-collection-pause", 4),
        ("culture-school-application", 5),
        ("food-business-registration", 3),
        ("vaccination-consent", 6),
    ]
    .map(|(robot, done)| (robot.to_string(), "succeeded_with_exceptions".to_string(), done, 2));
    assert_eq!(seen, expected);
    assert!(runs.as_array().unwrap().iter().all(|r| r["trigger"] == "demo"));
    assert!(text(&out.stdout).contains("e-service: 18 errand(s) marked handled"), "{}", text(&out.stdout));
}

#[test]
fn a_failed_step_leaves_a_screenshot_and_the_page_html_named_in_show() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let out = h.run(&["run", "tests/fixtures/fails-in-item.yaml"], &robot_env(&sites, &config));
    // Both cases fail technically and none was done: the run failed.
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));

    let runs = h.json(&["runs", "--json"]);
    let id = runs[0]["id"].as_i64().unwrap().to_string();
    let show = h.json(&["show", &id, "--json"]);
    assert_eq!(show["status"], "failed");
    assert_eq!(show["error"], "no case was done: 2 case(s) failed technically", "{show}");
    assert_eq!(show["items"]["system_exceptions"], 2);
    let item = &show["item_list"][0];
    assert_eq!(item["status"], "system_exception");
    assert_eq!(item["key"], config.errands[0].id);
    let message = item["message"].as_str().unwrap();
    assert!(
        message.starts_with("line 24: `wait_for` failed: wait_for visible `#no-such-element` was not met within 300ms"),
        "{message}"
    );

    let evidence = item["evidence"].as_array().unwrap();
    let png = evidence.iter().find(|e| e["kind"] == "screenshot").expect("a screenshot");
    let html = evidence.iter().find(|e| e["kind"] == "html").expect("the page html");
    let png = std::fs::read(png["path"].as_str().unwrap()).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let html = std::fs::read_to_string(html["path"].as_str().unwrap()).unwrap();
    assert!(html.contains(&config.errands[0].pupil.pnr), "the html is the errand page");
    assert!(item["error_url"].as_str().unwrap().ends_with(&format!("/errands/{}", config.errands[0].id)), "{item}");
    assert!(
        item["error_step"].as_str().unwrap().starts_with("line 24 `wait_for` visible `#no-such-element`"),
        "{item}"
    );
    // Each case is tried twice (`max_retries: 1`), and each try leaves its own evidence.
    assert_eq!(item["attempts"], 2);
    let failed = show["steps"].as_array().unwrap().iter().filter(|s| s["outcome"] == "failed").count();
    assert_eq!(failed, 4);
    let names: Vec<String> = show["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| std::path::Path::new(e["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Named by the case's key, as mail attaches them.
    let (first, second) = (&config.errands[0].id, &config.errands[1].id);
    let expected = [
        format!("{first}.png"),
        format!("{first}.html"),
        format!("{first}-retry-1.png"),
        format!("{second}-retry-1.html"),
    ];
    for name in expected {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
}
