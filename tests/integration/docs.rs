//! The examples in docs/robot-language.md are valid robots: a doc that
//! drifts from the language fails here.

use std::path::Path;

use nightshift::robot::validate::robot_from_str;

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, robot_env, root, text};

/// What a `yaml steps` example is wrapped in: the items of a robot that
/// declares what the examples refer to.
const STEPS_PREAMBLE: &str = "name: example
secrets: [PASSWORD]
vars:
  eservice: http://127.0.0.1
  journal: http://127.0.0.1
items:
  table: \"#t\"
  key: id
  steps:
";

/// Validates every `yaml` and `yaml steps` block of `markdown`; returns one
/// line per error, naming the line of the markdown file it is on.
fn check_examples(doc: &str, markdown: &str) -> (usize, Vec<String>) {
    let mut errors = Vec::new();
    let mut checked = 0;
    let lines: Vec<&str> = markdown.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim();
        let kind = match fence {
            "```yaml" | "```yaml run" => Some(false),
            "```yaml steps" => Some(true),
            _ => None,
        };
        let Some(steps) = kind else {
            i += 1;
            continue;
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && lines[end].trim() != "```" {
            end += 1;
        }
        let body = lines[start..end].join("\n");
        let (source, offset) = if steps {
            let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
            (format!("{STEPS_PREAMBLE}{indented}"), STEPS_PREAMBLE.lines().count())
        } else {
            (format!("{body}\n"), 0)
        };
        checked += 1;
        if let Err(diagnostics) = robot_from_str(Path::new(doc), &source) {
            for d in diagnostics {
                let line = (d.pos.line as usize).saturating_sub(offset) + start;
                errors.push(format!("{doc}:{line}: {}", d.message));
            }
        }
        i = end + 1;
    }
    (checked, errors)
}

#[test]
fn every_example_in_the_robot_language_reference_validates() {
    let markdown = std::fs::read_to_string(root().join("docs/robot-language.md")).unwrap();
    let (checked, errors) = check_examples("docs/robot-language.md", &markdown);
    assert!(checked >= 13, "expected an example per step and two whole robots, found {checked}");
    assert_eq!(errors, Vec::<String>::new());
}

/// The `yaml run` blocks of `markdown`: whole robots meant to pass against the stand-ins.
fn runnable_examples(markdown: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```yaml run") => current = Some(Vec::new()),
            (Some(lines), "```") => {
                examples.push(lines.join("\n") + "\n");
                current = None;
            }
            (Some(lines), _) => lines.push(line),
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn the_runnable_examples_pass_against_the_stand_ins() {
    let markdown = std::fs::read_to_string(root().join("docs/robot-language.md")).unwrap();
    let examples = runnable_examples(&markdown);
    assert!(examples.len() >= 4, "found {} runnable examples", examples.len());
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    for (n, example) in examples.iter().enumerate() {
        let path = h.dir.path().join(format!("example-{n}.yaml"));
        std::fs::write(&path, example).unwrap();
        let out = h.run(&["run", path.to_str().unwrap()], &env);
        assert_eq!(
            out.status.code(),
            Some(0),
            "example {n} failed:\n{example}\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    // The culture-school example left its application in the system.
    let culture = sites.culture.lock().unwrap();
    assert!(culture.applications.iter().any(|a| a.errand == "DOC-1" && a.course == "Balett"));
    // The modern-app example registered its case in Lex, with its chips.
    let lex = sites.lex.lock().unwrap();
    let case = lex.cases.iter().find(|c| c.errand == "DOC-2").expect("the example's case in Lex");
    assert_eq!((case.property.as_str(), case.activities.join(",")), ("Timrå Vivsta 3:14", "Servering,Catering".into()));
    assert_eq!(case.attachment.as_ref().map(|(_, b)| b.as_slice()), Some(&b"%PDF-1.4"[..]));
}

#[test]
fn a_broken_example_is_reported_with_its_line_in_the_doc() {
    let markdown = "# t\n\n```yaml steps\n- goto: x\n- clik: \"#a\"\n```\n\n```yaml\nname: ok\n```\n";
    let (checked, errors) = check_examples("t.md", markdown);
    assert_eq!(checked, 2);
    assert_eq!(errors, ["t.md:5: unknown step `clik`; did you mean `click`?"]);
}

#[test]
fn the_readme_shows_the_two_commands_and_ci_runs_the_test_one() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(readme.contains("scripts/demo "));
    assert!(readme.contains("scripts/test "));
    assert!(ci.contains("scripts/test"));
}
