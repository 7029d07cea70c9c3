//! A canary secret goes nowhere: not the run log, not the console, not the
//! JSON output, not the saved page HTML.

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, files_below, robot_env, text};

const CANARY: &str = "kanariefagel-7f3e9b21";

#[test]
fn a_canary_secret_appears_nowhere_nightshift_writes() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(2);
    config.eservice_password = CANARY.into();
    let sites = h.sites(config.clone());
    // The robot logs in with the canary, logs a message containing it, and
    // fails on each case, so evidence HTML is saved after the login.
    let out = h.run(&["run", "tests/fixtures/fails-in-item.yaml"], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(sites.eservice.lock().unwrap().errands.len() == 2);

    let runs = h.run(&["runs", "--json"], &[]);
    let id = serde_json::from_slice::<serde_json::Value>(&runs.stdout).unwrap()[0]["id"].to_string();
    let show = h.run(&["show", &id, "--json"], &[]);
    let show_text = h.run(&["show", &id], &[]);
    assert!(text(&show.stdout).contains("password is ***"), "the log step ran, masked");

    let mut written = vec![
        ("run stdout".to_string(), out.stdout.clone()),
        ("run stderr".to_string(), out.stderr.clone()),
        ("runs --json".to_string(), runs.stdout.clone()),
        ("show --json".to_string(), show.stdout.clone()),
        ("show".to_string(), show_text.stdout.clone()),
    ];
    let files = files_below(&h.state_dir());
    assert!(files.iter().any(|f| f.ends_with("nightshift.db")));
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "html")));
    for file in files {
        written.push((file.display().to_string(), std::fs::read(&file).unwrap()));
    }
    for (what, bytes) in written {
        assert!(!text(&bytes).contains(CANARY), "the canary secret leaked into {what}");
    }
}

#[test]
fn a_secret_passed_to_a_steps_file_is_masked_as_well() {
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.retain(|(k, _)| k != "NIGHTSHIFT_SECRET_WASTE_PASSWORD");
    env.push(("NIGHTSHIFT_SECRET_WASTE_PASSWORD".into(), CANARY.into()));
    let out = h.run(&["run", "tests/fixtures/secret-through-use.yaml"], &env);
    assert_eq!(out.status.code(), Some(1), "setup fails on purpose: {}", text(&out.stderr));
    let show = h.run(&["show", "1"], &[]);
    assert!(text(&show.stdout).contains("typed ***"), "{}", text(&show.stdout));
    let mut written = vec![("run stdout", out.stdout.clone()), ("run stderr", out.stderr.clone())];
    written.push(("show", show.stdout.clone()));
    let files = files_below(&h.state_dir());
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "png")), "evidence was saved");
    for (what, bytes) in &written {
        assert!(!text(bytes).contains(CANARY), "the canary leaked into {what}");
    }
    for file in files {
        assert!(!text(&std::fs::read(&file).unwrap()).contains(CANARY), "the canary leaked into {}", file.display());
    }
}
