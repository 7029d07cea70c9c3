//! The life of a business exception on the stand-ins: opened and mailed
//! once however many nights the case waits, counted once, tried again by
//! itself when the guardian corrects the errand, and never taken again once
//! its officer has handled it by hand.

use std::path::Path;

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, case_of, robot_env, text};

/// The exception mails in the outbox folder, by the case keys they name.
fn exception_mails(outbox: &Path, keys: &[&str]) -> Vec<(String, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir(outbox) else { return Vec::new() };
    let mut mails = Vec::new();
    for entry in entries.flatten() {
        let mail = std::fs::read_to_string(entry.path()).unwrap();
        let named: Vec<String> = keys.iter().filter(|k| mail.contains(*k)).map(|k| k.to_string()).collect();
        if !named.is_empty() {
            mails.push((entry.file_name().to_string_lossy().into_owned(), named));
        }
    }
    mails.sort();
    mails
}

/// Standard base64 with padding, to find a file's bytes in a mail.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The personnummer a case's message quotes (as the guardian typed it).
fn show_pnr(show: &serde_json::Value, key: &str) -> String {
    let message = case_of(show, key)["message"].as_str().unwrap();
    let at = message.find(|c: char| c.is_ascii_digit()).unwrap();
    message[at..at + 13].to_string()
}

fn open_keys(h: &Harness) -> Vec<String> {
    let listing = h.json(&["review", "vaccination-consent", "--json"]);
    let mut keys: Vec<String> =
        listing["open_exceptions"].as_array().unwrap().iter().map(|x| x["key"].as_str().unwrap().to_string()).collect();
    keys.sort();
    keys
}

#[test]
fn an_exception_is_mailed_once_waits_for_its_officer_and_is_settled_once() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(8);
    // Errand 2's guardian mistyped the personnummer; errand 5's pupil is not
    // in the journal. The other six are entered.
    config.mistyped_personnummer = vec![2];
    config.unknown_pupils = vec![5];
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let (mistyped, unknown) = (config.errands[2].id.clone(), config.errands[5].id.clone());
    let keys = [mistyped.as_str(), unknown.as_str()];

    // Three nights over the same inbox.
    for night in 1..=3 {
        let out = h.run(&["run", ROBOT], &env);
        let expected = if night == 1 { 4 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "night {night}: {}", text(&out.stderr));
    }
    let outbox = h.state_dir().join("outbox");
    let mails = exception_mails(&outbox, &keys);
    // Two nurses, one digest each, each naming its own case: mailed once in all.
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mut named: Vec<String> = mails.iter().flat_map(|(_, k)| k.clone()).collect();
    named.sort();
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(named, expected);

    // The mistyped case's page shows the personnummer: mail gets a
    // screenshot taken with it masked, the state folder keeps the original.
    let first = h.json(&["show", "1", "--json"]);
    let item = case_of(&first, &mistyped).clone();
    let evidence = |kind: &str| -> Vec<u8> {
        let e = item["evidence"].as_array().unwrap().iter().find(|e| e["kind"] == kind).expect(kind).clone();
        let path = e["path"].as_str().unwrap().to_string();
        assert!(path.ends_with(&format!("{mistyped}.png")), "named by the case key: {path}");
        std::fs::read(path).unwrap()
    };
    let (stored, mailed) = (evidence("screenshot"), evidence("mail_screenshot"));
    assert_ne!(stored, mailed, "the mailed screenshot is not the stored one");
    let (file, _) = mails.iter().find(|(_, k)| k.contains(&mistyped)).unwrap();
    let mail = std::fs::read_to_string(outbox.join(file)).unwrap();
    let flat: String = mail.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains(&base64(&mailed)), "the masked screenshot is attached");
    assert!(!flat.contains(&base64(&stored)), "the unmasked one is not");
    assert!(mail.contains(&format!("filename=\"{mistyped}.png\"")), "{mail}");
    let typed = show_pnr(&first, &mistyped);
    assert!(mail.contains(&format!("{}-****", &typed[..8])), "the mail text masks it: {mail}");
    assert!(!mail.contains(&typed), "{mail}");

    let stats = h.json(&["stats", "--format", "json", "--by", "robot"]);
    let row = &stats.as_array().unwrap()[0];
    assert_eq!(row["runs"], 3);
    assert_eq!(row["items_done"], 6);
    assert_eq!(row["business_exceptions"], 2, "counted once, not once a night: {row}");
    assert_eq!(row["cases"], 8);
    assert_eq!(row["success_rate"], 0.75);
    assert_eq!(row["exceptions_open"], 2);
    assert_eq!(open_keys(&h), expected);

    // The later nights left both cases to their officers, untouched.
    let runs = h.json(&["runs", "--json"]);
    let last = runs[0]["id"].as_i64().unwrap().to_string();
    let show = h.json(&["show", &last, "--json"]);
    assert_eq!(show["items"]["awaiting_officer"], 2, "{show}");
    assert!(show["steps"].as_array().unwrap().iter().all(|s| s["block"] != "item"), "no case step ran");
    let shown = h.run(&["show", &last], &[]);
    assert!(text(&shown.stdout).contains("2 waiting for their officer"), "{}", text(&shown.stdout));

    // The guardian corrects the personnummer in the e-service; the next
    // night enters that case by itself and leaves the other waiting.
    let url = format!("{}/api/errands/{mistyped}/correct", sites.eservice_url);
    let body = serde_json::json!({ "pupil-pnr": config.errands[2].pupil.pnr });
    let answer = ureq::post(&url)
        .content_type("application/json")
        .send(body.to_string().as_bytes())
        .expect("the e-service takes the correction");
    assert_eq!(answer.status().as_u16(), 200);
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(sites.eservice.lock().unwrap().errands[2].handled, "the corrected errand was entered");
    assert_eq!(open_keys(&h), std::slice::from_ref(&unknown));

    // The nurse handles the other by hand: no longer open, never taken again.
    let out = h.run(&["review", "vaccination-consent", &unknown, "--handled"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = h.run(&["review", "vaccination-consent", &unknown, "--handled"], &[]);
    assert_eq!(again.status.code(), Some(2), "settled once: {}", text(&again.stdout));
    assert!(open_keys(&h).is_empty());
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    let last = runs[0]["id"].as_i64().unwrap().to_string();
    let show = h.json(&["show", &last, "--json"]);
    let item = &show["item_list"][0];
    assert_eq!((item["key"].as_str(), item["status"].as_str()), (Some(unknown.as_str()), Some("skipped")));
    assert!(item["message"].as_str().unwrap().contains("by hand"), "{item}");

    // Still two exception mails in all, and the figures of every night.
    assert_eq!(exception_mails(&outbox, &keys).len(), 2);
    let stats = h.json(&["stats", "--format", "json", "--by", "robot"]);
    let row = &stats.as_array().unwrap()[0];
    assert_eq!(row["items_done"], 7);
    assert_eq!(row["business_exceptions"], 2);
    assert_eq!(row["exceptions_settled_by_hand"], 1);
    assert_eq!(row["exceptions_retried_done"], 1, "the corrected case, tried again and done: {row}");
    assert_eq!(row["exceptions_open"], 0);
    assert!(row["median_hours_to_settle"].as_f64().is_some(), "{row}");
}

#[test]
fn an_exception_before_the_case_loads_a_page_carries_no_screenshot() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    // Cases from a CSV file: the first validates a field before it opens
    // any page, so the page in view is the one setup left.
    let dir = h.dir.path();
    std::fs::write(dir.join("cases.csv"), "Ärende,Personnummer\n2026-2001,20120315-1235\n").unwrap();
    let robot = format!(
        "name: csv-validate\nhandlers: [elevhalsan@example.se]\nsetup:\n  - goto: {}/login\nitems:\n  csv: cases.csv\n  key: Ärende\n  steps:\n    - validate: {{ personnummer: \"${{item.Personnummer}}\" }}\n",
        sites.eservice_url
    );
    std::fs::write(dir.join("csv-validate.yaml"), robot).unwrap();
    let out = h.run(&["run", dir.join("csv-validate.yaml").to_str().unwrap()], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    let show = h.json(&["show", &runs[0]["id"].as_i64().unwrap().to_string(), "--json"]);
    assert_eq!(show["item_list"][0]["status"], "business_exception");
    assert_eq!(show["evidence"].as_array().unwrap().len(), 0, "no screenshot of the login page: {show}");
    let mails = exception_mails(&h.state_dir().join("outbox"), &["2026-2001"]);
    assert_eq!(mails.len(), 1);
    let mail = std::fs::read_to_string(h.state_dir().join("outbox").join(&mails[0].0)).unwrap();
    assert!(mail.contains("Ingen sk=C3=A4rmbild") || mail.contains("Ingen skärmbild"), "{mail}");
    assert!(!mail.contains("Content-Type: image/png"), "nothing attached: {mail}");
}

#[test]
fn a_locator_fallback_is_reported_per_run_and_counted_per_robot() {
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    // The login button's old id is gone from the page; the text still finds it.
    let robot = format!(
        "name: fallback-login\nsecrets: [ESERVICE_PASSWORD]\nsetup:\n  - goto: {}/login\n  - fill:\n      \"label:Användarnamn\": robot\n      \"label:Lösenord\": ${{secrets.ESERVICE_PASSWORD}}\n  - click: [\"#login-button-2019\", \"text:Logga in\"]\n  - wait_for: table.errands\n",
        sites.eservice_url
    );
    let file = h.dir.path().join("fallback-login.yaml");
    std::fs::write(&file, robot).unwrap();
    for _ in 0..2 {
        let out = h.run(&["run", file.to_str().unwrap()], &robot_env(&sites, &config));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr
                .contains("fallback-login: locator fallbacks used: line 8 `#login-button-2019` -> `text:Logga in` 1x"),
            "{stderr}"
        );
    }
    let shown = text(&h.run(&["show", "2"], &[]).stdout);
    assert!(shown.contains("line 8 `#login-button-2019` found nothing; `text:Logga in` matched 1 time(s)"), "{shown}");
    let stats = h.json(&["stats", "--by", "locator", "--format", "json"]);
    let rows = stats.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{stats}");
    assert_eq!(
        (rows[0]["line"].as_i64(), rows[0]["times"].as_i64(), rows[0]["runs"].as_i64()),
        (Some(8), Some(2), Some(2))
    );
    assert_eq!(rows[0]["wanted"], "#login-button-2019");
    assert_eq!(rows[0]["used"], "text:Logga in");
    let by_month = h.json(&["stats", "--format", "json"]);
    assert_eq!(by_month[0]["fallbacks"], 2);
}
