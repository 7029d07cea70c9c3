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
