//! The robot language's second edition in real Chromium and against the
//! stand-ins: actions that wait until their element is actionable and say
//! what stopped them, `wait_for` visible against present, `assert`, and the
//! e-service API behind a Bearer token that answers a page at a time.

use nightshift::demo::eservice::ErrandKind;
use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, robot_env, text};
use crate::pages::{page, write};

#[test]
fn an_action_waits_for_its_element_to_be_actionable_and_says_what_stopped_it() {
    let h = Harness::new();
    let html = "<button id=under>Skicka</button><button id=off disabled>Låst</button>\
                <button id=hidden style='display:none'>Dold</button>\
                <div id=cover style='position:fixed;inset:0;background:rgba(0,0,0,.2)'>Laddar</div>";
    for (step, expected) in [
        ("click: '#under'", "css `#under` is covered by `div#cover` (\"Laddar\"), after waiting 300ms"),
        ("double_click: '#off'", "css `#off` is disabled, after waiting 300ms"),
        ("hover: '#hidden'", "css `#hidden` is not visible, after waiting 300ms"),
        ("wait_for: '#hidden'", "wait_for visible `#hidden` was not met within 300ms"),
        ("assert: {enabled: '#off'}", "assert enabled `#off` does not hold"),
    ] {
        let robot = format!("name: r\nsetup:\n  - goto: {}\n  - {step}\n    timeout: 300ms\n", page(html));
        let robot = write(&h, "r.yaml", &robot);
        let out = h.run(&["run", &robot], &[]);
        assert_eq!(out.status.code(), Some(1), "{step}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(expected), "{step}: {}", text(&out.stderr));
    }
    // Present is enough for `present:`, and the message of an assert is its own.
    let robot = format!(
        "name: r\nsetup:\n  - goto: {}\n  - wait_for: {{present: '#hidden'}}\n    timeout: 300ms\n  \
         - assert: {{all: [{{hidden: '#hidden'}}, {{visible: '#under'}}, {{text_of: '#off', equals: Låst}}]}}\n  \
         - assert: {{checked: '#under'}}\n    message: the box was not ticked\n",
        page(html)
    );
    let robot = write(&h, "r.yaml", &robot);
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 7: `assert` failed: the box was not ticked (assert checked `#under` does not hold)"),
        "{stderr}"
    );
}

#[test]
fn the_api_source_sends_its_token_reads_every_page_and_keeps_only_the_filtered_rows() {
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let sites = h.sites(config.clone());
    sites.eservice.lock().unwrap().api_page_size = 1;
    let env = robot_env(&sites, &config);
    let expected: Vec<String> = {
        let eservice = sites.eservice.lock().unwrap();
        let mut ids: Vec<String> = eservice
            .errands
            .iter()
            .filter(|e| e.kind == ErrandKind::BinPause && !e.handled)
            .map(|e| e.id.clone())
            .collect();
        ids.sort();
        ids
    };
    assert!(expected.len() >= 2, "the stand-in has bin-pause errands on more than one page: {expected:?}");
    let last = expected.last().unwrap().clone();
    let robot = format!(
        "name: api-pages\nsecrets: [ESERVICE_API_TOKEN]\nvars:\n  eservice: ${{env.NIGHTSHIFT_ESERVICE_URL}}\n\
         items:\n  http:\n    url: ${{eservice}}/api/errands?type=bin_pause\n    \
         headers: {{Authorization: \"Bearer ${{secrets.ESERVICE_API_TOKEN}}\"}}\n    items: errands\n    next: next\n  \
         key: id\n  filter: {{not: {{value: \"${{item.id}}\", equals: \"{last}\"}}}}\n  steps:\n    \
         - http:\n        post: ${{eservice}}/api/errands/${{item.id}}/status\n        \
         headers: {{Authorization: \"Bearer ${{secrets.ESERVICE_API_TOKEN}}\"}}\n        \
         json: {{status: Under handläggning}}\n"
    );
    let path = write(&h, "api-pages.yaml", &robot);
    let out = h.run(&["run", &path], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let statuses = sites.eservice.lock().unwrap().statuses.clone();
    let mut set: Vec<String> = statuses.iter().map(|(id, _)| id.clone()).collect();
    set.sort();
    assert_eq!(set, expected[..expected.len() - 1], "every page read, the filtered row left out");
    assert!(statuses.iter().all(|(_, s)| s == "Under handläggning"));
    let shown = h.json(&["runs", "--json"]);
    assert_eq!(shown[0]["items"]["total"], expected.len() - 1, "{shown}");

    // Without the token the API's own reason is in the error.
    let without = robot
        .replace("    headers: {Authorization: \"Bearer ${secrets.ESERVICE_API_TOKEN}\"}\n    items:", "    items:");
    let path = write(&h, "api-pages.yaml", &without);
    let out = h.run(&["run", &path], &env);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("GET answered 401: {\"error\":\"an Authorization: Bearer token is required\"}"),
        "{stderr}"
    );
    assert!(!stderr.contains(nightshift::demo::sites::DEMO_ESERVICE_API_TOKEN));
}

#[test]
fn a_session_that_ends_is_renewed_once_and_the_e_service_hears_how_each_case_ended() {
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let sites = h.sites(config.clone());
    let customers: Vec<String> = {
        let mut waste = sites.waste.lock().unwrap();
        waste.session_pages = 4;
        waste.delay = std::time::Duration::from_millis(10);
        waste.customers.iter().map(|c| c.number.clone()).collect()
    };
    let errands: Vec<String> = sites.eservice.lock().unwrap().errands.iter().map(|e| e.id.clone()).collect();
    assert!(customers.len() >= 4 && errands.len() > customers.len(), "{customers:?} {errands:?}");
    // Every known customer, and one the billing system does not know.
    let mut csv = String::from("customer;errand\n");
    for (n, customer) in customers.iter().chain(["000000".to_string()].iter()).enumerate() {
        csv.push_str(&format!("{customer};{}\n", errands[n]));
    }
    write(&h, "customers.csv", &csv);
    let login = "    - goto: ${billing}/login\n    - fill: {\"#anv\": robot, \"#losen\": \"${secrets.WASTE_PASSWORD}\"}\n      \
                 submit: \"xpath://input[@value='Logga in']\"\n    - wait_for: \"xpath://input[@value='Sök']\"\n";
    let status = |text: &str| {
        format!(
            "    - http:\n        post: ${{eservice}}/api/errands/${{item.errand}}/status\n        \
             headers: {{Authorization: \"Bearer ${{secrets.ESERVICE_API_TOKEN}}\"}}\n        json: {{status: \"{text}\"}}\n"
        )
    };
    let robot = format!(
        "name: session-renewal\nsecrets: [WASTE_PASSWORD, ESERVICE_API_TOKEN]\nvars:\n  \
         billing: ${{env.NIGHTSHIFT_WASTE_URL}}\n  eservice: ${{env.NIGHTSHIFT_ESERVICE_URL}}\n\
         timeouts: {{step: 3s}}\nsetup:\n{setup}session:\n  expired: {{exists: \"#login-form\"}}\n  login:\n{login}\
         items:\n  csv: customers.csv\n  key: customer\n  steps:\n    - goto: ${{billing}}/kunder/${{item.customer}}\n    \
         - if: {{text: Kunden finns inte}}\n      then:\n        - fail: Kundnummer ${{item.customer}} finns inte\n    \
         - wait_for: \"#fran\"\n  on_done:\n{done}  on_exception:\n{exception}",
        setup =
            login.replacen("    - ", "  - ", 1).replace("\n    - ", "\n  - ").replace("\n      submit", "\n    submit"),
        login = login,
        done = status("Registrerad"),
        exception = status("Komplettering: ${exception.message}"),
    );
    let path = write(&h, "session.yaml", &robot);
    let out = h.run(&["run", &path, "--json"], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "one business exception: {}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["items"]["done"], customers.len(), "{run}");
    assert_eq!(run["items"]["business_exceptions"], 1, "{run}");

    let waste = sites.waste.lock().unwrap();
    assert!(waste.expired >= 1, "the session ran out during the run");
    assert_eq!(waste.logins, waste.expired + 1, "one login in setup and one per ended session, none per case");
    assert!((waste.logins as usize) < customers.len() + 1, "fewer logins than cases");
    let statuses = sites.eservice.lock().unwrap().statuses.clone();
    assert_eq!(statuses.len(), customers.len() + 1, "{statuses:?}");
    let unknown = &errands[customers.len()];
    for (errand, status) in &statuses {
        if errand == unknown {
            assert_eq!(status, "Komplettering: Kundnummer 000000 finns inte");
        } else {
            assert_eq!(status, "Registrerad", "{errand}");
        }
    }
}

/// What the vaccination flow's two systems hold, as text (their sessions aside).
fn held(sites: &nightshift::demo::sites::Sites) -> String {
    let eservice = sites.eservice.lock().unwrap();
    let journal = sites.journal.lock().unwrap();
    format!("{:?}\n{:?}\n{:?}\n{:?}", eservice.errands, eservice.statuses, journal.pupils, journal.consents)
}

#[test]
fn a_dry_run_lists_what_the_ledger_would_do_with_each_case_and_changes_nothing() {
    let h = Harness::new();
    let config = SiteConfig::four_flows();
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let consent: Vec<String> = config.errands.iter().map(|e| e.id.clone()).collect();
    let before = held(&sites);
    let out = h.run(&["run", crate::common::ROBOT, "--dry-run"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stderr);
    for id in &consent {
        assert!(listed.contains(&format!("dry run: {id}: new: would be entered")), "{id}: {listed}");
    }
    assert_eq!(held(&sites), before, "a dry run writes nothing to the systems");

    // After a real night: done cases would be skipped, exceptions left to their officers.
    let out = h.run(&["run", crate::common::ROBOT, "--json"], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let night: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let night_id = night["id"].as_i64().unwrap();
    let show = h.json(&["show", &night_id.to_string(), "--json"]);
    let cases: Vec<(String, String)> = show["item_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["key"].as_str().unwrap().to_string(), i["status"].as_str().unwrap().to_string()))
        .collect();
    // The inbox shows handled errands no more; one is shown again, as if
    // the e-service had lost the mark, to hear what the ledger says of it.
    let shown_again = cases.iter().find(|(_, status)| status == "done").map(|(key, _)| key.clone()).unwrap();
    sites.eservice.lock().unwrap().errands.iter_mut().filter(|e| e.id == shown_again).for_each(|e| e.handled = false);
    let after_night = held(&sites);
    let out = h.run(&["run", crate::common::ROBOT, "--dry-run"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stderr);
    let entered = format!("dry run: {shown_again}: entered by run {night_id}: would be skipped");
    assert!(listed.contains(&entered), "{entered}\n{listed}");
    for (key, status) in &cases {
        let open =
            format!("dry run: {key}: the exception run {night_id} opened waits for its officer: would be left alone");
        assert_eq!(status == "business_exception", listed.contains(&open), "{key} {status}\n{listed}");
    }
    assert_eq!(held(&sites), after_night, "the second dry run wrote nothing either");
    let stats = h.json(&["stats", "--format", "json", "--by", "robot"]);
    assert_eq!(stats[0]["runs"], 1, "dry runs are not counted as runs: {stats}");
}
