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
    // Every case fails technically, so the run failed; but after its login.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
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

/// The environment and arguments of every process marked for this test but
/// the nightshift process itself, as text.
fn child_process_texts(h: &Harness, own: u32) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in h.leftover_processes() {
        let pid = line.split(' ').next().unwrap_or_default().to_string();
        if pid == own.to_string() {
            continue;
        }
        let read = |f: &str| {
            String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/{f}")).unwrap_or_default()).into_owned()
        };
        found.push((line.clone(), format!("{}\n{}", read("environ"), read("cmdline"))));
    }
    found
}

#[test]
fn secrets_come_from_systemd_credentials_and_stay_out_of_the_browser_processes() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(2);
    config.eservice_password = CANARY.into();
    let sites = h.sites(config.clone());
    // `LoadCredential=` leaves one file per secret in $CREDENTIALS_DIRECTORY.
    let credentials = h.dir.path().join("credentials");
    std::fs::create_dir_all(&credentials).unwrap();
    let file = credentials.join("ESERVICE_PASSWORD");
    std::fs::write(&file, format!("{CANARY}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mut env = robot_env(&sites, &config);
    env.retain(|(k, _)| k != "NIGHTSHIFT_SECRET_ESERVICE_PASSWORD");
    env.push(("CREDENTIALS_DIRECTORY".into(), credentials.display().to_string()));

    // Readable by others: refused before anything runs.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = h.run(&["run", "tests/fixtures/fails-in-item.yaml"], &env);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("can be read by other users (mode 644)"), "{}", text(&out.stderr));

    // Owner-only: used; while the run goes on, neither chromedriver nor
    // Chromium has the secret in its environment or arguments.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut env_with_canary = env.clone();
    env_with_canary.push(("NIGHTSHIFT_SECRET_UNUSED_CANARY".into(), CANARY.into()));
    let mut command = h.command(&["run", "tests/fixtures/fails-in-item.yaml"]);
    command.envs(env_with_canary.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let (mut seen, deadline) = (0, std::time::Instant::now() + std::time::Duration::from_secs(60));
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        for (process, texts) in child_process_texts(&h, child.id()) {
            seen += 1;
            assert!(!texts.contains(CANARY), "the secret is in the environment or arguments of {process}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "every case failed on purpose");
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["system_exceptions"], 2, "the run used the credential to log in: {runs}");
    assert!(seen > 0, "the browser processes were looked at");
}
