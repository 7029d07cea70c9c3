//! The runner's logic against a fake browser: ledger, retries, evidence,
//! blocks, locator lists, files and stops.

use std::collections::HashMap;
use std::path::Path;

use crate::browser::Table;
use crate::browser::fake::FakeBrowser;
use crate::privacy::secrets::Secret;
use crate::robot::model::Robot;
use crate::robot::validate::robot_from_str;
use crate::runner::event::{EvidenceKind, ItemStatus, LedgerEntry, LedgerState, Locked, RunEvent, RunStatus};
use crate::runner::run::{RunContext, RunSummary, Runner};

fn robot(steps: &str) -> Robot {
    let source = format!(
        "name: t\nmanual_minutes: 5\nsecrets: [PW]\nvars:\n  base: http://x\nsetup:\n  - goto: ${{base}}/login\n  - fill: {{\"#pw\": \"${{secrets.PW}}\"}}\nitems:\n  table: \"#inbox\"\n  key: Id\n  steps:\n{steps}"
    );
    robot_from_str(Path::new("t.yaml"), &source).unwrap()
}

fn browser(ids: &[&str]) -> FakeBrowser {
    FakeBrowser {
        table: Table {
            headers: vec!["Id".into(), "Name".into()],
            rows: ids.iter().map(|id| vec![id.to_string(), format!("name {id}")]).collect(),
        },
        ..FakeBrowser::default()
    }
}

async fn run(robot: &Robot, browser: &mut FakeBrowser) -> (RunSummary, Vec<RunEvent>) {
    run_with_ledger(robot, browser, HashMap::new()).await
}

async fn run_with_ledger(
    robot: &Robot,
    browser: &mut FakeBrowser,
    ledger: HashMap<String, LedgerEntry>,
) -> (RunSummary, Vec<RunEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let context = RunContext {
        run_id: 1,
        evidence_dir: dir.path().to_path_buf(),
        secrets: [("PW".to_string(), Secret::new("s3cret-value"))].into(),
        ledger,
        ..RunContext::default()
    };
    let mut events: Vec<RunEvent> = Vec::new();
    let sink = Locked::new(&mut events);
    let summary = Runner::new(robot, browser, context, &sink).run().await;
    (summary, events)
}

fn statuses(events: &[RunEvent]) -> Vec<ItemStatus> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::ItemFinished { status, .. } => Some(*status),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_business_exception_ends_the_case_but_not_the_run() {
    let r = robot(
        "    - goto: ${base}/e/${item.Id}\n    - fail: \"no pupil ${item.Name}\"\n    - click: \"#never-reached\"\n",
    );
    let mut b = browser(&["1", "2"]);
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::SucceededWithExceptions);
    assert_eq!(statuses(&events), [ItemStatus::BusinessException, ItemStatus::BusinessException]);
    assert!(!b.calls.iter().any(|c| c.contains("never-reached")));
    let last_message = events.iter().rev().find_map(|e| match e {
        RunEvent::ItemFinished { message, .. } => message.clone(),
        _ => None,
    });
    assert_eq!(last_message.as_deref(), Some("no pupil name 2"));
    assert_eq!(b.urls, ["http://x/login", "http://x/e/1", "http://x/e/2"]);
}

#[tokio::test]
async fn three_system_exceptions_in_a_row_stop_the_run() {
    let mut r = robot("    - goto: ${base}/e/${item.Id}\n    - click: \"#broken\"\n");
    r.retry.max_retries = 0;
    let mut b = browser(&["1", "2", "3", "4", "5"]);
    b.missing.push("#broken".into());
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Failed);
    assert_eq!(statuses(&events), [ItemStatus::SystemException; 3]);
    assert_eq!(
        summary.error.as_deref(),
        Some("stopped after 3 system exceptions in a row; the target system may be down")
    );
    let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { .. })).count();
    assert_eq!(evidence, 6, "a screenshot and the html for each failed case");
}

#[tokio::test]
async fn secrets_are_typed_but_never_reported() {
    let r = robot("    - log: \"pw=${secrets.PW}\"\n");
    let mut b = browser(&["1"]);
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert!(b.calls.contains(&"fill=s3cret-value #pw".to_string()), "{:?}", b.calls);
    let reported = format!("{events:?}");
    assert!(!reported.contains("s3cret-value"));
    assert!(reported.contains("pw=***"));
}

#[tokio::test]
async fn a_value_derived_from_a_secret_is_masked_as_the_secret_is() {
    // The secret is `s3cret-value`; each step derives a new text from it.
    let r = robot(concat!(
        "    - set: { loud: \"${secrets.PW | upper}\" }\n",
        "    - set: { swapped: \"${loud | replace \\\"S3CRET\\\" \\\"geheim\\\"}\" }\n",
        "    - script: { code: \"return 'x'\", args: [\"${secrets.PW}\"], into: reversed }\n",
        "    - log: \"${loud} / ${swapped} / ${reversed} / ${secrets.PW | replace \\\"-\\\" \\\"_\\\"}\"\n",
        "    - fail: \"still ${swapped}\"\n",
    ));
    let mut b = browser(&["1"]);
    // What the page's script returns: the secret reversed.
    b.script_result = "eulav-terc3s".into();
    let (_, events) = run(&r, &mut b).await;
    let reported = format!("{events:?}");
    for derived in ["S3CRET-VALUE", "geheim-VALUE", "eulav-terc3s", "s3cret_value", "s3cret-value"] {
        assert!(!reported.contains(derived), "{derived} leaked: {reported}");
    }
    assert!(logs(&events).contains(&"*** / *** / *** / ***".to_string()), "{:?}", logs(&events));
}

#[tokio::test]
async fn a_sensitive_step_or_one_typing_a_secret_keeps_no_picture_when_it_fails() {
    for steps in [
        "    - goto: ${base}/e/${item.Id}\n    - fill: { \"#broken\": \"${secrets.PW}\" }\n",
        "    - goto: ${base}/e/${item.Id}\n    - click: \"#broken\"\n      sensitive: true\n",
    ] {
        let mut r = robot(steps);
        r.retry.max_retries = 0;
        let mut b = browser(&["1"]);
        b.missing.push("#broken".into());
        let (_, events) = run(&r, &mut b).await;
        assert_eq!(statuses(&events), [ItemStatus::SystemException], "{steps}");
        assert!(!events.iter().any(|e| matches!(e, RunEvent::Evidence { .. })), "{steps}");
        assert!(logs(&events).iter().any(|l| l.contains("a sensitive step failed")), "{steps}: {:?}", logs(&events));
    }
    // The same failure without a secret or the flag leaves its evidence.
    let mut r = robot("    - goto: ${base}/e/${item.Id}\n    - fill: { \"#broken\": \"plain\" }\n");
    r.retry.max_retries = 0;
    let mut b = browser(&["1"]);
    b.missing.push("#broken".into());
    let (_, events) = run(&r, &mut b).await;
    assert!(events.iter().any(|e| matches!(e, RunEvent::Evidence { .. })));
}

#[tokio::test]
async fn a_missing_key_column_fails_the_run_naming_the_columns() {
    let source = "name: t\nitems:\n  table: \"#inbox\"\n  key: Ärende\n  steps: []\n";
    let r = robot_from_str(Path::new("t.yaml"), source).unwrap();
    let mut b = browser(&["1"]);
    let (summary, _) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Failed);
    assert_eq!(summary.error.as_deref(), Some("the items have no field `Ärende` (they have: Id, Name)"));
}

fn ledger_changes(events: &[RunEvent]) -> Vec<(String, Option<LedgerState>)> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Ledger { key, state, .. } => Some((key.clone(), *state)),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_flaky_case_is_retried_after_logging_in_again_and_then_done() {
    let r = robot("    - click: \"#save\"\n");
    let mut b = browser(&["1"]);
    b.flaky.insert("#save".into(), 2);
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(b.urls, ["http://x/login", "http://x/login", "http://x/login"], "setup before each retry");
    let retries = events.iter().filter(|e| matches!(e, RunEvent::ItemRetry { .. })).count();
    assert_eq!(retries, 2);
    assert!(events.iter().any(|e| matches!(e, RunEvent::ItemFinished { attempts: 3, status: ItemStatus::Done, .. })));
    assert_eq!(
        ledger_changes(&events),
        [
            ("1".into(), Some(LedgerState::InProgress)),
            ("1".into(), Some(LedgerState::InProgress)),
            ("1".into(), Some(LedgerState::InProgress)),
            ("1".into(), Some(LedgerState::Done)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_live_session_is_not_restarted_for_a_retry() {
    let r = robot("    - click: \"#save\"\n");
    let mut b = browser(&["1"]);
    b.flaky.insert("#save".into(), 1);
    let (summary, _) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert!(!b.calls.contains(&"restart".to_string()));
    // Before setup runs again, a left-open dialog is dismissed and the
    // main window is current again.
    let second_login = b.calls.iter().rposition(|c| c == "goto http://x/login").unwrap();
    let cleared: Vec<&str> = b.calls[..second_login].iter().rev().take(2).map(String::as_str).collect();
    assert_eq!(cleared, ["window Main", "dialog Dismiss"], "{:?}", b.calls);
}

#[tokio::test(start_paused = true)]
async fn a_session_that_dies_mid_case_is_restarted() {
    let r = robot("    - click: \"#save\"\n");
    let mut runner_browser = browser(&["1"]);
    // The first click fails and takes the session with it.
    runner_browser.flaky.insert("#save".into(), 1);
    runner_browser.die_on_failure = true;
    let (summary, _) = {
        let dir = tempfile::tempdir().unwrap();
        let context = RunContext {
            evidence_dir: dir.path().to_path_buf(),
            secrets: [("PW".to_string(), Secret::new("x"))].into(),
            ..RunContext::default()
        };
        let mut events: Vec<RunEvent> = Vec::new();
        let sink = Locked::new(&mut events);
        let summary = Runner::new(&r, &mut runner_browser, context, &sink).run().await;
        (summary, events)
    };
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert!(runner_browser.calls.contains(&"restart".to_string()), "{:?}", runner_browser.calls);
}

#[tokio::test]
async fn the_ledger_skips_done_cases_and_holds_back_half_done_ones() {
    let r = robot("    - click: \"#save\"\n");
    let mut b = browser(&["1", "2", "3"]);
    let ledger: HashMap<String, LedgerEntry> = [
        ("1".to_string(), LedgerEntry { state: LedgerState::Done, run_id: 7, fingerprint: None }),
        ("2".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8, fingerprint: None }),
    ]
    .into();
    let (summary, events) = run_with_ledger(&r, &mut b, ledger).await;
    assert_eq!(statuses(&events), [ItemStatus::Skipped, ItemStatus::NeedsReview, ItemStatus::Done]);
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 1, "only case 3 is entered");
    assert!(ledger_changes(&events).contains(&("2".into(), Some(LedgerState::NeedsReview))));
}

#[tokio::test]
async fn a_check_that_skips_settles_a_half_done_case_without_entering_it() {
    let source = "name: t\nitems:\n  table: \"#inbox\"\n  key: Id\n  steps:\n    - click: \"#save\"\n  check:\n    - if: { exists: \"#already-there\" }\n      then:\n        - skip: found\n";
    let r = robot_from_str(Path::new("t.yaml"), source).unwrap();
    let ledger: HashMap<String, LedgerEntry> = [
        ("1".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8, fingerprint: None }),
        ("2".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8, fingerprint: None }),
    ]
    .into();
    // Case 1 is found in the target; case 2 is not and is redone.
    let mut b = browser(&["1", "2"]);
    let (_, events) = run_with_ledger(&r, &mut b, ledger.clone()).await;
    // The robot's own earlier attempt entered them: done by the robot, once.
    assert_eq!(statuses(&events), [ItemStatus::Done, ItemStatus::Done]);
    assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 0, "neither is entered again");
    assert!(ledger_changes(&events).iter().all(|(_, state)| *state == Some(LedgerState::Done)));
    let mut b = browser(&["1", "2"]);
    b.missing.push("#already-there".into());
    let (_, events) = run_with_ledger(&r, &mut b, ledger).await;
    assert_eq!(statuses(&events), [ItemStatus::Done, ItemStatus::Done]);
    assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 2);
}

#[tokio::test]
async fn an_open_exception_waits_for_its_officer_unless_the_case_changed() {
    let r = robot("    - goto: ${base}/e/${item.Id}\n    - fail: \"no pupil ${item.Name}\"\n");
    // A first run opens both exceptions, each with its fields' fingerprint.
    let (_, events) = run(&r, &mut browser(&["1", "2"])).await;
    assert_eq!(statuses(&events), [ItemStatus::BusinessException, ItemStatus::BusinessException]);
    let opened: Vec<(String, Option<u64>)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Ledger { key, state: Some(LedgerState::Open), fingerprint } => Some((key.clone(), *fingerprint)),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 2);
    let ledger: HashMap<String, LedgerEntry> = opened
        .into_iter()
        .map(|(key, fingerprint)| (key, LedgerEntry { state: LedgerState::Open, run_id: 1, fingerprint }))
        .collect();
    // The next run holds both back while their fields are the same...
    let mut b = browser(&["1", "2"]);
    let (summary, events) = run_with_ledger(&r, &mut b, ledger.clone()).await;
    assert_eq!(statuses(&events), [ItemStatus::AwaitingOfficer, ItemStatus::AwaitingOfficer]);
    assert_eq!(summary.totals.awaiting_officer, 2);
    assert!(!b.calls.iter().any(|c| c.starts_with("goto http://x/e")), "{:?}", b.calls);
    // ...and tries again, by itself, the one whose fields changed.
    let mut b = browser(&["1", "2"]);
    b.table.rows[1][1] = "Namn rättat".into();
    let (_, events) = run_with_ledger(&r, &mut b, ledger).await;
    assert_eq!(statuses(&events), [ItemStatus::AwaitingOfficer, ItemStatus::BusinessException]);
    assert!(ledger_changes(&events).contains(&("2".into(), Some(LedgerState::Retry))));
}

#[tokio::test]
async fn a_settled_exception_is_never_taken_again_or_taken_by_the_next_run() {
    let r = robot("    - click: \"#save\"\n");
    let entry = |state| LedgerEntry { state, run_id: 4, fingerprint: Some(1) };
    let ledger: HashMap<String, LedgerEntry> =
        [("1".to_string(), entry(LedgerState::Handled)), ("2".to_string(), entry(LedgerState::Retry))].into();
    let mut b = browser(&["1", "2"]);
    let (_, events) = run_with_ledger(&r, &mut b, ledger).await;
    assert_eq!(statuses(&events), [ItemStatus::Skipped, ItemStatus::Done]);
    assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 1, "only the case to try again");
}

#[tokio::test]
async fn evidence_shows_only_a_page_the_case_loaded_and_is_named_by_its_key() {
    // Case 1 fails before it loads a page: the page in view is the one the
    // setup (or the case before) left, so nothing is saved.
    let r = robot("    - fail: \"no pupil\"\n");
    let (_, events) = run(&r, &mut browser(&["2026-1044"])).await;
    assert!(!events.iter().any(|e| matches!(e, RunEvent::Evidence { .. })));
    assert!(logs(&events).iter().any(|l| l.starts_with("no screenshot")), "{:?}", logs(&events));
    // Loading its own page first: screenshot and html, named by the key; with
    // masking on, a masked copy for mail as well.
    let mut r = robot("    - goto: ${base}/e/${item.Id}\n    - fail: \"no pupil\"\n");
    r.notify.mask_personnummer = true;
    let mut b = browser(&["2026-1044"]);
    let (_, events) = run(&r, &mut b).await;
    let saved: Vec<(EvidenceKind, String)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Evidence { kind, path, .. } => {
                let parent = path.parent().unwrap().file_name().unwrap().to_string_lossy();
                Some((*kind, format!("{parent}/{}", path.file_name().unwrap().to_string_lossy())))
            }
            _ => None,
        })
        .collect();
    let run_dir = saved[0].1.split('/').next().unwrap().to_string();
    assert_eq!(
        saved,
        [
            (EvidenceKind::Screenshot, format!("{run_dir}/2026-1044.png")),
            (EvidenceKind::MailScreenshot, "mail/2026-1044.png".to_string()),
            (EvidenceKind::Html, format!("{run_dir}/2026-1044.html")),
        ]
    );
    assert!(b.calls.iter().any(|c| c.starts_with("screenshot_masked ")), "{:?}", b.calls);
}

#[tokio::test]
async fn validate_makes_a_bad_identifier_a_business_exception() {
    let r = robot(
        "    - validate: { personnummer: \"${item.Name}\" }\n    - validate:\n        email: nobody\n        message: Fel e-post för ${item.Id}\n",
    );
    let mut b = browser(&["1"]);
    b.table.rows[0][1] = "811218-9876".into();
    let (_, events) = run(&r, &mut b).await;
    let message = events.iter().find_map(|e| match e {
        RunEvent::ItemFinished { message, .. } => message.clone(),
        _ => None,
    });
    assert_eq!(message.as_deref(), Some("Fel e-post för 1"), "the personnummer passed, the email did not");
    let mut b = browser(&["2"]);
    b.table.rows[0][1] = "811218-9875".into();
    let (_, events) = run(&r, &mut b).await;
    assert!(events.iter().any(|e| matches!(e, RunEvent::ItemFinished { message: Some(m), .. }
        if m == "`811218-9875` is not a valid personnummer: its check digit is wrong")));
}

fn logs(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Log { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn for_each_walks_a_list_and_restores_the_name_afterwards() {
    let r = robot(concat!(
        "    - set: {courses: '[{\"Kurs\":\"Gitarr\"},{\"Kurs\":\"Piano\"}]'}\n",
        "    - for_each:\n        in: courses\n        as: c\n        steps:\n          - click: \"text:${c.Kurs}\"\n",
    ));
    let mut b = browser(&["1"]);
    let (summary, _) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    let clicks: Vec<&String> = b.calls.iter().filter(|c| c.starts_with("click")).collect();
    assert_eq!(clicks.len(), 2, "{:?}", b.calls);
    assert!(clicks[0].contains("Gitarr") && clicks[1].contains("Piano"), "{clicks:?}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_block_tries_again_and_saves_evidence_only_for_the_last_failure() {
    let r = robot(
        "    - goto: ${base}/e/${item.Id}\n    - retry:\n        times: 3\n        pause: 1s\n        steps:\n          - click: \"#slow\"\n",
    );
    let mut b = browser(&["1", "2"]);
    // Case 1's click fails twice then works; case 2's never shows up.
    b.flaky.insert("#slow".into(), 2);
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(statuses(&events), [ItemStatus::Done, ItemStatus::Done]);
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(logs(&events).iter().filter(|l| l.starts_with("try ")).count(), 2, "{:?}", logs(&events));
    let first = logs(&events).into_iter().find(|l| l.starts_with("try 1 of 3")).unwrap();
    assert!(first.contains(": line 18: `click` failed: no element matched"), "{first}");
    let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { .. })).count();
    assert_eq!(evidence, 0);
    b.missing.push("#slow".into());
    let (_, events) = run(&r, &mut b).await;
    assert!(statuses(&events).iter().all(|s| *s == ItemStatus::SystemException), "{:?}", statuses(&events));
    // One screenshot and one page per try of the case, not per try of the block.
    let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { item: Some(0), .. })).count();
    assert_eq!(evidence, 2 * (1 + r.retry.max_retries as usize));
}

#[tokio::test]
async fn json_read_from_a_file_is_written_back_with_fields_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.json"), r#"[{"id": "2026-1", "n": 3}, {"id": "2026-2", "n": 4}]"#).unwrap();
    let source = "name: t\nsetup:\n  - read_json: {file: in.json, into: rows}\n  - write_json:\n      file: out/summary.json\n      json: {first: '${rows.0.id}', count: 2, all: '${rows}', tags: [a, '${rows.1.n}']}\n";
    let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
    let (summary, _) = run(&r, &mut FakeBrowser::default()).await;
    assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(written["first"], "2026-1");
    assert_eq!(written["count"], 2);
    assert_eq!(written["tags"], serde_json::json!(["a", "4"]));
    assert!(written["all"].as_str().unwrap().contains("2026-2"));
}

#[tokio::test]
async fn a_download_is_taken_only_once_the_browser_has_finished_writing_it() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = dir.path().join("Downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let mut b = FakeBrowser {
        downloads: Some(downloads.clone()),
        download: Some(("export.csv".into(), b"a;b\r\n1;2\r\n".to_vec())),
        ..FakeBrowser::default()
    };
    let source = "name: t\nsetup:\n  - download: {click: '#export', save_as: out/export.csv, into: saved}\n  - log: saved ${saved}\n";
    let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
    assert_eq!(std::fs::read(dir.path().join("out/export.csv")).unwrap(), b"a;b\r\n1;2\r\n");
    assert!(std::fs::read_dir(&downloads).unwrap().next().is_none(), "moved out of the browser's folder");
    let saved = format!("saved {}", dir.path().join("out/export.csv").display());
    assert!(logs(&events).contains(&saved), "{:?}", logs(&events));
}

#[tokio::test]
async fn waiting_for_a_locator_list_to_be_gone_waits_for_every_entry() {
    let r = robot("    - wait_for: { gone: ['#spinner', '#overlay'] }\n");
    let mut b = browser(&["1"]);
    b.missing.push("#spinner".into());
    b.lingering.insert("#overlay".into(), 3);
    let (summary, _) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
    let probes: Vec<&String> = b.calls.iter().filter(|c| c.starts_with("probe ")).collect();
    assert_eq!(probes.len(), 4, "three answers with the overlay still shown, then one without: {probes:?}");
    assert!(probes.iter().all(|p| *p == "probe #spinner,#overlay"), "{probes:?}");
}

#[tokio::test]
async fn a_wait_that_runs_out_names_its_condition_and_its_limit() {
    let r =
        robot("    - retry: {times: 1, steps: [{wait_for: {gone: '#overlay'}, timeout: 200ms}]}\n    - skip: done\n");
    let mut b = browser(&["1"]);
    b.lingering.insert("#overlay".into(), u32::MAX);
    let (_, events) = run(&r, &mut b).await;
    let retried = events.iter().find_map(|e| match e {
        RunEvent::ItemRetry { error, .. } => Some(error.clone()),
        _ => None,
    });
    let error = retried.expect("the case failed and was retried");
    assert!(error.contains("`wait_for` failed: wait_for hidden `#overlay` was not met within 200ms"), "{error}");
}

#[tokio::test]
async fn a_locator_list_falls_back_and_reports_only_a_fallback() {
    let r = robot("    - click: ['#old-save', 'text:Spara']\n");
    let mut b = browser(&["1"]);
    b.missing.push("#old-save".into());
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    let fallbacks: Vec<(u32, &str, &str)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Fallback { line, wanted, used, .. } => Some((*line, wanted.as_str(), used.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(fallbacks, [(13, "#old-save", "text:Spara")], "the step's line, the first entry and the one used");
    assert!(b.calls.iter().any(|c| c == "click text:Spara"), "{:?}", b.calls);
    // The first entry matching is the page as written: nothing to report.
    let mut b = browser(&["1"]);
    let (_, events) = run(&r, &mut b).await;
    assert!(!events.iter().any(|e| matches!(e, RunEvent::Fallback { .. })));
}

#[tokio::test]
async fn a_steps_file_runs_with_its_parameters_and_leaves_them_behind() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("login.yaml"), "params: [user]\nsteps:\n  - fill: {'#user': '${user}'}\n").unwrap();
    let source = "name: t\nsetup:\n  - use: {file: login.yaml, with: {user: robot}}\n  - log: done\n";
    let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
    let mut b = FakeBrowser::default();
    let (summary, _) = run(&r, &mut b).await;
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert!(b.calls.contains(&"fill=robot #user".to_string()), "{:?}", b.calls);
    let missing = robot_from_str(&dir.path().join("r.yaml"), "name: t\nsetup:\n  - use: login.yaml\n").unwrap_err();
    assert_eq!(
        missing[0].to_string(),
        format!("{}:3:10: `login.yaml` needs the parameter `user` under `with:`", dir.path().join("r.yaml").display())
    );
}

#[tokio::test]
async fn a_case_the_source_lists_twice_is_taken_once_and_the_log_says_so() {
    let r = robot("    - click: \"#save\"\n");
    let mut b = browser(&["1", "2", "1"]);
    let (summary, events) = run(&r, &mut b).await;
    assert_eq!(summary.totals.done, 2);
    let started: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::ItemStarted { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["1", "2"]);
    assert!(events.contains(&RunEvent::Log {
        item: None,
        message: "case 1 is listed more than once by the source; it is taken once".into()
    }));
}
