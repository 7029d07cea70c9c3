//! `nightshift check`: exact diagnostics, all errors in one pass, exit codes.

use crate::common::{Harness, text};

#[test]
fn check_reports_every_error_with_file_line_column_and_a_caret() {
    let h = Harness::new();
    let out = h.run(&["check", "tests/fixtures/bad.yaml"], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "tests/fixtures/bad.yaml:2:17: expected a number (minutes per case), found a string
  |
2 | manual_minutes: lots
  |                 ^^^^
tests/fixtures/bad.yaml:4:5: unknown step `gotoo`; did you mean `goto`?
  |
4 |   - gotoo: http://127.0.0.1:1/
  |     ^^^^^
tests/fixtures/bad.yaml:6:14: expected a duration such as `500ms`, `10s` or `2m`, found a list
  |
6 |     timeout: [1, 2]
  |              ^
3 error(s) in 1 of 1 file(s)
"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn check_passes_the_sample_robots() {
    let h = Harness::new();
    let out = h.run(&["check", "robots/"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("file(s) valid\n"));
}

#[test]
fn check_reports_yaml_syntax_errors_with_their_position() {
    let h = Harness::new();
    let file = h.dir.path().join("broken.yaml");
    std::fs::write(&file, "name: x\nsetup: [\n  - goto: a\n").unwrap();
    let out = h.run(&["check", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(3));
    let first = text(&out.stderr).lines().next().unwrap().to_string();
    assert!(first.starts_with(&format!("{}:3:3: invalid YAML: ", file.display())), "{first}");
}

#[test]
fn run_refuses_an_invalid_robot_before_starting_a_browser() {
    let h = Harness::new();
    let out = h.run(&["run", "tests/fixtures/bad.yaml"], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).starts_with("tests/fixtures/bad.yaml:2:17: "));
    assert!(!h.state_dir().join("nightshift.db").exists(), "an invalid robot must not create a run");
}

#[test]
fn doctor_names_every_missing_secret_of_every_robot() {
    let h = Harness::new();
    let out = h.run(&["doctor"], &[]);
    assert_ne!(out.status.code(), Some(0));
    let report = text(&out.stdout) + &text(&out.stderr);
    for secret in ["ESERVICE_PASSWORD", "WASTE_PASSWORD"] {
        let line = format!("FAIL bin-collection-pause: secret `{secret}` is not set");
        assert!(report.contains(&line), "{line} missing from:\n{report}");
    }
    assert!(report.contains("FAIL food-business-registration: secret `LEX_PASSWORD` is not set"), "{report}");
}

#[test]
fn check_and_doctor_answer_in_json_for_scripts() {
    let h = Harness::new();
    let out = h.run(&["check", "tests/fixtures/bad.yaml", "--json"], &[]);
    assert_eq!(out.status.code(), Some(3));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["files"], 1);
    let errors = answer["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["file"], "tests/fixtures/bad.yaml");
    assert_eq!((errors[0]["line"].as_u64(), errors[0]["column"].as_u64()), (Some(2), Some(17)));
    assert_eq!(errors[1]["message"], "unknown step `gotoo`; did you mean `goto`?");
    assert_eq!(text(&out.stderr), "", "nothing but the JSON");

    let out = h.run(&["check", "contrib/nightshift.yaml", "robots", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["valid"], true);
    assert!(answer["files"].as_u64().unwrap() >= 5, "{answer}");

    let settings = h.dir.path().join("nightshift.yaml");
    std::fs::write(&settings, "state_dir: x\nmax_brosers: 2\n").unwrap();
    let out = h.run(&["check", settings.to_str().unwrap(), "--json"], &[]);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((answer["errors"][0]["line"].as_u64(), answer["errors"][0]["column"].as_u64()), (Some(2), Some(1)));
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("did you mean `max_browsers`?"), "{answer}");

    // A WebDriver address with nothing behind it: one failed check, as JSON.
    let out = h.run(&["doctor", "--json"], &[("NIGHTSHIFT_WEBDRIVER_URL".into(), "http://127.0.0.1:1".into())]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(answer["ok"], false);
    let failed: Vec<&serde_json::Value> =
        answer["checks"].as_array().unwrap().iter().filter(|c| c["ok"] == false).collect();
    assert!(failed.iter().any(|c| c["check"].as_str().unwrap().contains("http://127.0.0.1:1")), "{answer}");
}

#[test]
fn the_parser_speaks_of_the_file_not_of_its_options() {
    let h = Harness::new();
    let cases = [
        ("name: x\nmanual_minutes: -5\n", "expected a number of 0 or more (minutes per case), found -5"),
        ("name: x\nname: y\n", "`name` is given twice in this mapping"),
        ("name: x\n---\nname: y\n", "a file holds one YAML document, and this one has another after `---`"),
    ];
    for (source, expected) in cases {
        let path = h.dir.path().join("r.yaml");
        std::fs::write(&path, source).unwrap();
        let out = h.run(&["check", path.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(3));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{source:?}: {stderr}");
        for leak in ["DuplicateKeyPolicy", "from_str_multiple", "budget breached", "found a number"] {
            assert!(!stderr.contains(leak), "{source:?}: {stderr}");
        }
    }
}

#[test]
fn the_unit_example_is_hardened_and_passes_systemd_analyze_verify() {
    let unit = std::fs::read_to_string(crate::common::root().join("contrib/nightshift.service")).unwrap();
    for line in [
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StateDirectory=nightshift",
        "LoadCredential=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "ProtectHome=yes",
    ] {
        assert!(unit.contains(line), "contrib/nightshift.service lacks `{line}`");
    }
    let found = std::process::Command::new("systemd-analyze").arg("--version").output();
    if !found.is_ok_and(|o| o.status.success()) {
        eprintln!("systemd-analyze is not installed (scripts/setup tries to install it): only the lines were checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nightshift.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/nightshift", env!("CARGO_BIN_EXE_nightshift"))).unwrap();
    let out = std::process::Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no warning from systemd-analyze");
}

#[test]
fn the_manual_page_is_made_from_the_commands_themselves() {
    let h = Harness::new();
    let out = h.run(&["manpage"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH nightshift 1"), "{page}");
    for command in ["check", "run", "serve", "stats", "review", "purge", "completions"] {
        assert!(page.contains(&format!("nightshift\\-{command}(1)")), "{command} is missing from the page");
    }
}

#[test]
fn a_bare_robot_file_name_uses_steps_beside_it() {
    let h = Harness::new();
    let dir = h.dir.path().join("work");
    std::fs::create_dir_all(dir.join("steps")).unwrap();
    std::fs::write(dir.join("steps/s.yaml"), "steps:\n  - log: from the steps file\n").unwrap();
    std::fs::write(dir.join("bare.yaml"), "name: bare\nsetup:\n  - use: steps/s.yaml\n").unwrap();
    std::fs::write(h.dir.path().join("outside.yaml"), "steps:\n  - log: outside\n").unwrap();
    std::fs::write(dir.join("escape.yaml"), "name: escape\nsetup:\n  - use: ../outside.yaml\n").unwrap();
    let check = |file: &str| h.command(&["check", file]).current_dir(&dir).output().unwrap();
    for file in ["bare.yaml", "./bare.yaml"] {
        let out = check(file);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
    }
    // The working directory is the robot's folder, not a way out of it.
    let out = check("escape.yaml");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("`../outside.yaml` is outside the robot's folder"), "{}", text(&out.stderr));
}

#[test]
fn doctor_follows_use_into_steps_files_and_says_each_system_once() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    std::fs::create_dir_all(robots.join("steps")).unwrap();
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let closed_port = crate::common::free_port();
    std::fs::write(
        robots.join("steps/login.yaml"),
        "params: [base]\nsteps:\n  - goto: ${base}/login\n  - goto: ${base}/start\n",
    )
    .unwrap();
    std::fs::write(
        robots.join("r.yaml"),
        format!(
            "name: r\nsetup:\n  - goto: http://127.0.0.1:{open_port}/a\n  - goto: http://127.0.0.1:{open_port}/b\n\
             \x20 - use:\n      file: steps/login.yaml\n      with: {{ base: \"http://127.0.0.1:{closed_port}\" }}\n"
        ),
    )
    .unwrap();
    let env = [("NIGHTSHIFT_WEBDRIVER_URL".to_string(), format!("http://127.0.0.1:{open_port}"))];
    let out = h.run(&["--robots", robots.to_str().unwrap(), "doctor", "--json"], &env);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<(bool, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["ok"].as_bool().unwrap(), c["check"].as_str().unwrap().to_string()))
        .collect();
    let about =
        |port: u16| lines.iter().filter(|(_, l)| l == &format!("r: 127.0.0.1:{port} reachable")).collect::<Vec<_>>();
    assert_eq!(about(open_port), [&(true, format!("r: 127.0.0.1:{open_port} reachable"))], "said once: {lines:?}");
    assert_eq!(about(closed_port), [&(false, format!("r: 127.0.0.1:{closed_port} reachable"))], "{lines:?}");
    drop(open);
}

#[test]
fn config_prints_the_value_in_force_not_that_there_is_a_default() {
    let h = Harness::new();
    let mut command = h.command(&["config"]);
    command.env_remove("NIGHTSHIFT_STATE_DIR").env_remove("NIGHTSHIFT_TIMEZONE");
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(!table.contains("(built-in default)"), "{table}");
    let row = |key: &str| table.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default().to_string();
    assert!(row("state_dir").contains("/.nightshift ") && row("state_dir").ends_with("default"), "{table}");
    assert!(row("max_browsers").contains(" 2 "), "{table}");
    assert!(row("timezone").contains(" Europe/Stockholm "), "{table}");
    assert!(row("mail_from").contains("nightshift@localhost"), "{table}");
    assert!(row("webdriver_url").contains("(none: a managed chromedriver)"), "{table}");
    let secret =
        h.run(&["config"], &[("NIGHTSHIFT_SMTP_URL".into(), "smtp://robot:hemligt-9f2@mail.example.se".into())]);
    let table = text(&secret.stdout);
    assert!(table.contains("smtp://robot:***@mail.example.se") && !table.contains("hemligt-9f2"), "{table}");
}
