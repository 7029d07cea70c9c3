//! The validator's diagnostics, tested to the byte.

use std::time::Duration;

use super::values::MAX_DURATION;
use super::*;
use crate::robot::step::Action;

fn errors(source: &str) -> Vec<String> {
    robot_from_str(Path::new("r.yaml"), source).unwrap_err().iter().map(|d| d.to_string()).collect()
}

#[test]
fn a_minimal_robot_is_valid() {
    let robot = robot_from_str(Path::new("r.yaml"), "name: x\nsetup:\n  - goto: http://a\n").unwrap();
    assert_eq!(robot.name, "x");
    assert_eq!(robot.setup.len(), 1);
    assert_eq!(robot.setup[0].pos, Pos::new(3, 5));
}

#[test]
fn every_error_is_reported_in_one_pass() {
    let errs = errors(
        "name: x\nmanual_minutes: many\nsetup:\n  - gotoo: http://a\n  - click: {a: b}\n  - wait_for: \"#x\"\n    timeout: soon\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:2:17: expected a number (minutes per case), found a string",
            "r.yaml:4:5: unknown step `gotoo`; did you mean `goto`?",
            "r.yaml:5:12: expected a locator (a string such as `#id`, `text:Spara` or `label:Namn`), found a mapping",
            "r.yaml:7:14: expected a duration such as `500ms`, `10s` or `2m`, found `soon`",
        ]
    );
}

#[test]
fn references_are_checked_against_declarations() {
    let errs = errors(
        "name: x\nvars:\n  base: http://a\nsetup:\n  - goto: \"${bsae}/x\"\n  - log: ${secrets.PW}\n  - log: ${item.id}\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:5:12: unknown variable `bsae`; did you mean `base`?",
            "r.yaml:6:10: secret `PW` is not declared under `secrets:`",
            "r.yaml:7:10: `${item.id}` can only be used in `items.steps`",
        ]
    );
}

#[test]
fn dotted_names_need_a_known_variable() {
    let errs = errors(
        "name: x\nsetup:\n  - log: ${itme.Namn}\n  - read_json: {file: a.json, into: answer}\n  - log: ${answer.id}\n",
    );
    assert_eq!(errs, ["r.yaml:3:10: unknown variable `itme`; did you mean `item`?"]);
}

#[test]
fn new_steps_report_their_mistakes() {
    let errs = errors(
        "name: x\nsetup:\n  - press: Entr\n  - dialog: maybe\n  - window: {titel: x}\n  - http: {get: http://a, post: http://b}\n  - for_each: {in: rows, as: row, steps: []}\n  - retry: {times: 0, steps: []}\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:3:12: `Entr` is not a key's name; did you mean `Enter`? (known: one character, Enter, Tab, \
             Escape, Backspace, Delete, Space, ArrowUp, ArrowDown, ArrowLeft, ArrowRight, Home, End, PageUp, \
             PageDown, Insert, F1 to F12)",
            "r.yaml:4:13: expected `accept` or `dismiss`",
            "r.yaml:5:13: `window` needs `title`",
            "r.yaml:5:14: unknown key `titel`; did you mean `title`? (expected one of `title`)",
            "r.yaml:6:11: `http` needs exactly one of `get`, `post`, `put` or `delete` with the URL",
            "r.yaml:7:20: unknown variable `rows`; did you mean `row`?",
            "r.yaml:8:20: expected a whole number of at least 1 (tries in all), found `0`",
        ]
    );
}

#[test]
fn errors_in_a_steps_file_point_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("login.yaml"), "params: [user]\nsteps:\n  - fil: {'#u': '${usr}'}\n").unwrap();
    std::fs::write(dir.path().join("loop.yaml"), "steps:\n  - use: loop.yaml\n").unwrap();
    let robot = dir.path().join("r.yaml");
    let source = "name: x\nsetup:\n  - use: {file: login.yaml, with: {user: a, pass: b}}\n  - use: loop.yaml\n";
    let errs: Vec<String> = robot_from_str(&robot, source).unwrap_err().iter().map(|d| d.to_string()).collect();
    let login = dir.path().join("login.yaml").display().to_string();
    let looped = dir.path().join("loop.yaml").display().to_string();
    // Parameters are matched once the steps file itself is valid.
    assert_eq!(
        errs,
        [
            format!("{looped}:2:10: `loop.yaml` is already being used here: a file cannot use itself"),
            format!("{login}:3:5: unknown step `fil`; did you mean `fill`?"),
        ]
    );
    std::fs::write(dir.path().join("login.yaml"), "params: [user]\nsteps:\n  - fill: {'#u': '${user}'}\n").unwrap();
    let errs: Vec<String> = robot_from_str(&robot, source).unwrap_err().iter().map(|d| d.to_string()).collect();
    assert_eq!(errs[1], format!("{}:3:45: `login.yaml` has no parameter `pass`", robot.display()));
}

#[test]
fn vars_set_and_params_are_named_like_variables() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), "params: [ok, bad-name]\nsteps:\n  - log: ${ok}\n").unwrap();
    let source =
        "name: x\nvars:\n  my-base: http://a\nsetup:\n  - set: {today: x}\n  - use: {file: s.yaml, with: {ok: a}}\n";
    let errs: Vec<String> =
        robot_from_str(&dir.path().join("r.yaml"), source).unwrap_err().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        errs,
        [
            format!(
                "{}:1:14: `bad-name` is not a usable variable name: use letters, digits and `_`",
                dir.path().join("s.yaml").display()
            ),
            format!(
                "{}:3:3: `my-base` is not a usable variable name: use letters, digits and `_`",
                dir.path().join("r.yaml").display()
            ),
            format!(
                "{}:5:11: `today` is not a usable variable name: use letters, digits and `_`",
                dir.path().join("r.yaml").display()
            ),
        ]
    );
}

#[test]
fn a_locator_list_keeps_its_fallbacks_in_order() {
    let robot = robot_from_str(Path::new("r.yaml"), "name: x\nsetup:\n  - click: ['#save', 'text:Spara']\n").unwrap();
    let Action::Click { target } = &robot.setup[0].action else { panic!("not a click") };
    assert_eq!(target.source(), "[#save, text:Spara]");
    assert_eq!(target.candidates().count(), 2);
}

#[test]
fn unknown_keys_get_suggestions() {
    let errs = errors("name: x\nitems:\n  tabel: \"#t\"\n  key: id\n");
    assert_eq!(
        errs,
        [
            "r.yaml:2:1: `items` needs a source: `table`, `csv`, `json`, `xml`, `http` or `open_eplatform`",
            "r.yaml:3:3: unknown key `tabel`; did you mean `table`? \
             (expected one of `table`, `csv`, `json`, `xml`, `http`, `open_eplatform`, `key`, `steps`, `check`, `filter`, `on_exception`, `on_done`, `workers`)",
        ]
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
    assert_eq!(parse_duration("1.5"), Some(Duration::from_millis(1500)));
    assert_eq!(parse_duration("soon"), None);
}

#[test]
fn a_duration_too_long_to_wait_for_is_a_located_error_not_a_panic() {
    let errs = errors(
        "name: x\nsetup:\n  - wait_for: \"#x\"\n    timeout: 1e20\n  - retry: {times: 2, pause: 18446744073709551615, steps: []}\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:4:14: a duration of 100000000000000000000 seconds is longer than the longest allowed (30 days)",
            "r.yaml:5:30: a duration of 18446744073709552000 seconds is longer than the longest allowed (30 days)",
        ]
    );
    assert_eq!(parse_duration("1e20"), None);
    assert_eq!(parse_duration("999999999999h"), None);
    assert_eq!(parse_duration("30d"), None);
    assert_eq!(parse_duration("720h"), Some(MAX_DURATION));
}

#[test]
fn use_takes_only_regular_steps_files_inside_the_robots_folders() {
    let dir = tempfile::tempdir().unwrap();
    let robot_dir = dir.path().join("robots");
    std::fs::create_dir_all(&robot_dir).unwrap();
    let secret_file = dir.path().join("outside.yaml");
    std::fs::write(&secret_file, "root:x:0:0:the first line\n").unwrap();
    let fifo = robot_dir.join("pipe.yaml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let source = "name: x\nsetup:\n  - use: ../outside.yaml\n  - use: /dev/zero\n  - use: pipe.yaml\n";
    let path = robot_dir.join("r.yaml");
    let errs: Vec<String> =
        robot_from_str_in(&path, source, &robot_dir).unwrap_err().iter().map(|d| d.to_string()).collect();
    let at = |line: u32| format!("{}:{line}:10: ", path.display());
    assert_eq!(
        errs,
        [
            format!(
                "{}`../outside.yaml` is outside the robot's folder and the robots folder; steps files must be in one of them",
                at(3)
            ),
            format!(
                "{}`/dev/zero` is outside the robot's folder and the robots folder; steps files must be in one of them",
                at(4)
            ),
            format!("{}cannot use it: `{}` is not a regular file but a named pipe", at(5), fifo.display()),
        ]
    );
    assert!(!errs.concat().contains("the first line"));
}

#[test]
fn locators_that_can_never_work_are_reported_where_they_stand() {
    let errs = errors(concat!(
        "name: x\nsetup:\n",
        "  - click: \"##bad\"\n",
        "  - click: \"xpath://a[\"\n",
        "  - click: \"button:Spara\"\n",
        "  - click: \"lable:Namn\"\n",
        "  - frame: \"1\"\n",
        "  - click: \"#ok-${x}\"\n",
        "vars:\n  x: y\n",
    ));
    assert_eq!(
        errs,
        [
            "r.yaml:3:12: `##bad` is not a valid CSS selector: `#` must be followed by a name",
            "r.yaml:4:12: `//a[` is not a valid XPath expression: `[` is not closed",
            "r.yaml:5:12: `button:` is not a locator prefix (they are css, xpath, text, link, partial, label, id, name, placeholder, alt, title, testid, role)",
            "r.yaml:6:12: `lable:` is not a locator prefix (they are css, xpath, text, link, partial, label, id, name, placeholder, alt, title, testid, role); did you mean `label:`?",
            "r.yaml:7:12: a frame's number is written `frame: {index: 1}` (counting from 0); a locator such as `frame[name=main]` or `{name: main}` says more",
        ]
    );
}

#[test]
fn a_key_that_belongs_elsewhere_says_where() {
    let errs = errors(concat!(
        "name: x\ncheck:\n  - log: a\nmax_retries: 3\nsetup:\n",
        "  - if: {text: a}\n    then: [{log: a}]\n    otherwise: [{log: b}]\n",
    ));
    assert_eq!(
        errs,
        [
            "r.yaml:2:1: unknown key `check`: it belongs under `items:` (expected one of `name`, `description`, \
             `handlers`, `language`, `manual_minutes`, `secrets`, `vars`, `browser`, `timeouts`, `retry`, `notify`, \
             `privacy`, `setup`, `items`, `teardown`, `session`)",
            "r.yaml:4:1: unknown key `max_retries`: it belongs under `retry:` (expected one of `name`, `description`, \
             `handlers`, `language`, `manual_minutes`, `secrets`, `vars`, `browser`, `timeouts`, `retry`, `notify`, \
             `privacy`, `setup`, `items`, `teardown`, `session`)",
            "r.yaml:8:5: unknown step `otherwise`: the other branch of an `if` is written `else:`",
        ]
    );
}

#[test]
fn expect_belongs_to_page_steps_and_its_groups_become_variables() {
    let robot = robot_from_str(
        Path::new("r.yaml"),
        "name: x\nsetup:\n  - click: '#spara'\n    expect: {matches: 'Ärende (?<dnr>\\d+) av (?P<of>\\d+) (?:ok)'}\n  - log: ${dnr} ${of}\n",
    )
    .unwrap();
    assert_eq!(robot.setup[0].expect.as_ref().map(|e| e.captures.clone()), Some(vec!["dnr".into(), "of".into()]));
    assert_eq!(
        errors("name: x\nsetup:\n  - log: hej\n    expect: Sparat\n  - click: a\n    expect: {error: '#e'}\n"),
        [
            "r.yaml:4:5: `expect` belongs to a step that acts on the page, not to `log`",
            "r.yaml:6:13: `expect` needs one of `text` or `matches`",
        ]
    );
    assert_eq!(
        errors(
            "name: x\nsetup:\n  - upload: {into: '#f', file: a.pdf, data: QQ==}\n  - upload: {into: '#f', data: QQ==}\n"
        ),
        ["r.yaml:3:45: `upload` takes a `file` or `data`, not both", "r.yaml:4:13: `upload` needs `name`",]
    );
}

#[test]
fn xml_and_open_eplatform_sources_are_checked_where_written() {
    let errs = errors(
        "name: x\nitems:\n  xml: { path: \"http://a/x/\", each: \"oep:Values\", done: klart }\n  key: id\n  steps:\n    \
         - open_eplatform: { set_status: Klart }\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:3:37: `oep:Values` is not a path of elements: local names joined by `/`",
            "r.yaml:6:23: `open_eplatform` tells Open ePlatform about a case: it goes in the steps of \
             `items: open_eplatform`",
        ]
    );
    let bound =
        "name: x\nitems:\n  xml: { path: in, each: \"oep:Values/x\", namespaces: { oep: \"urn:o\" } }\n  key: id\n";
    assert!(robot_from_str(Path::new("r.yaml"), bound).is_ok(), "a bound prefix may be used in `each`");
    let errs = errors(
        "name: x\nsecrets: [P]\nitems:\n  open_eplatform: { url: \"http://a\", user: u, password: hemligt, family: 0 }\n  \
         key: FlowInstanceID\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:4:57: the password comes from `${secrets.NAME}`, not from the robot file",
            "r.yaml:4:74: expected a whole number of at least 1 (the e-service family's id (FamilyID)), found `0`",
        ]
    );
}

#[test]
fn a_step_key_indented_into_fill_and_a_misspelt_secret_are_located() {
    let errs = errors(
        "name: x\nsecrets: [JOURNAL_PASSWORD]\nsetup:\n  - fill:\n      \"label:Namn\": a\n      \
         \"label:Lösen\": ${secrets.JOURNAL_PASWORD}\n      submit: \"text:Logga in\"\n",
    );
    assert_eq!(
        errs,
        [
            "r.yaml:6:22: secret `JOURNAL_PASWORD` is not declared under `secrets:`; did you mean `JOURNAL_PASSWORD`?",
            "r.yaml:7:7: `submit` is written among `fill`'s fields, so it would be filled as a field: `submit` belongs \
             to the step, beside `fill:` (indent it as far as `fill:`)",
        ]
    );
}
