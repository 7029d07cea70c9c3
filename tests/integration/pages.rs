//! Steps against small pages of this file's own, in real Chromium: a field
//! that cannot be changed, tables without header cells or with repeated
//! headers, and a case that leaves a dialog open for the next.

use crate::common::{Harness, text};

/// A `data:` URL for a page, quoted for YAML.
pub(crate) fn page(html: &str) -> String {
    format!("\"data:text/html;charset=utf-8,{}\"", html.replace('#', "%23").replace('"', "\\\""))
}

pub(crate) fn write(h: &Harness, name: &str, content: &str) -> String {
    let path = h.dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[test]
fn a_field_box_or_list_that_cannot_be_changed_fails_its_step_naming_it() {
    let h = Harness::new();
    let html = "<input id=off disabled value=a><input id=ro readonly value=b><input id=ok>\
                <input type=checkbox id=box disabled><select id=list disabled><option>x</option><option>y</option></select>";
    for (step, expected) in [
        ("fill: {'#ok': 1, '#off': 2}", "css `#off` is disabled: nothing was changed"),
        ("fill: {'#ro': 2}", "css `#ro` is read-only: nothing was changed"),
        ("check: '#box'", "css `#box` is disabled: nothing was changed"),
        ("select: {from: '#list', label: y}", "css `#list` is disabled: nothing was changed"),
    ] {
        let robot = write(&h, "r.yaml", &format!("name: r\nsetup:\n  - goto: {}\n  - {step}\n", page(html)));
        let out = h.run(&["run", &robot], &[]);
        assert_eq!(out.status.code(), Some(1), "{step}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(expected), "{step}: {}", text(&out.stderr));
    }
}

#[test]
fn tables_without_header_cells_or_with_repeated_headers_lose_no_column() {
    let h = Harness::new();
    let html = "<table id=plain><tr><td>Ärende</td><td>Namn</td></tr><tr><td>1</td><td>Åsa</td></tr>\
                <tr><td>2</td><td>Per</td></tr></table>\
                <table id=odd><tr><th>Namn</th><th></th><th>Namn</th></tr><tr><td>a</td><td>b</td><td>c</td><td>d</td></tr>\
                <tr><td colspan=3>Inga fler ärenden</td></tr></table>";
    let robot = format!(
        "name: r\nsetup:\n  - goto: {}\n  - read_table: {{from: '#plain', into: plain}}\n  - read_table: {{from: '#odd', into: odd}}\n  - write_json: {{file: out.json, json: {{plain: '${{plain}}', odd: '${{odd}}'}}}}\n",
        page(html)
    );
    let robot = write(&h, "r.yaml", &robot);
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.dir.path().join("out.json")).unwrap()).unwrap();
    let plain: serde_json::Value = serde_json::from_str(written["plain"].as_str().unwrap()).unwrap();
    assert_eq!(plain, serde_json::json!([{"Ärende": "1", "Namn": "Åsa"}, {"Ärende": "2", "Namn": "Per"}]));
    let odd: serde_json::Value = serde_json::from_str(written["odd"].as_str().unwrap()).unwrap();
    assert_eq!(odd, serde_json::json!([{"Namn": "a", "column 2": "b", "Namn 2": "c", "column 4": "d"}]));
}

#[test]
fn a_dialog_one_case_leaves_open_does_not_spoil_the_next() {
    let h = Harness::new();
    write(&h, "cases.csv", "Id\n1\n2\n3\n");
    let html = "<button id=ask onclick=\"alert('Sparat?')\">Spara</button><p id=ready>ok</p>";
    let robot = format!(
        "name: r\nretry: {{max_retries: 0}}\nitems:\n  csv: cases.csv\n  key: Id\n  steps:\n    - goto: {}\n    - wait_for: '#ready'\n    - click: '#ask'\n",
        page(html)
    );
    let robot = write(&h, "r.yaml", &robot);
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["done"], 3, "{runs:#}");
}

/// A login that answers after a varying 0-200 ms and sends the browser to
/// the unfiltered inbox, as the e-service does; the filtered inbox says so.
/// Serves on loopback for ten minutes at most.
fn slow_login_site() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(600);
        let mut seed: u64 = 0x2026_1124;
        for stream in listener.incoming() {
            if std::time::Instant::now() > until {
                break;
            }
            let Ok(mut stream) = stream else { continue };
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let delay = (seed >> 33) % 201;
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap_or_default();
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let answer = if first.starts_with("POST /login") {
                    std::thread::sleep(std::time::Duration::from_millis(delay));
                    "HTTP/1.1 303 See Other\r\nLocation: /inbox\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                } else {
                    let page = if first.starts_with("GET /login") {
                        "<form method=post action=/login><input name=u><button id=go>Logga in</button></form>"
                    } else if first.starts_with("GET /inbox?type=x") {
                        "<p id=page>filtered</p>"
                    } else {
                        "<p id=page>all</p>"
                    };
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                        page.len()
                    )
                };
                let _ = stream.write_all(answer.as_bytes());
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// 200 cases, each logging in with `submit` and going at once to the
/// filtered inbox: every case must land there.
fn a_goto_right_after_a_submit_lands_where_it_was_sent(name: &str, submit: &str) {
    let h = Harness::new();
    let site = slow_login_site();
    let cases: String =
        std::iter::once("n".to_string()).chain((1..=200).map(|n| n.to_string())).collect::<Vec<_>>().join("\n");
    write(&h, "cases.csv", &(cases + "\n"));
    let robot = format!(
        "name: nav-{name}\nretry: {{max_retries: 0, stop_after: 1000}}\nitems:\n  csv: cases.csv\n  key: n\n  steps:\n    - goto: {site}/login\n{submit}    - goto: \"{site}/inbox?type=x\"\n    - read_text: {{from: '#page', into: page}}\n    - if: {{value: '${{page}}', equals: all}}\n      then:\n        - fail: the unfiltered inbox\n"
    );
    let robot = write(&h, &format!("nav-{name}.yaml"), &robot);
    let out = h.run(&["run", &robot], &[]);
    let runs = h.json(&["runs", "--json"]);
    assert_eq!(runs[0]["items"]["done"], 200, "{submit}{}\n{runs:#}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{submit}{}", text(&out.stderr));
}

#[test]
fn a_goto_right_after_a_clicked_submit_lands_where_it_was_sent_every_time() {
    a_goto_right_after_a_submit_lands_where_it_was_sent("click", "    - click: '#go'\n");
}

#[test]
fn a_goto_right_after_a_filled_and_submitted_form_lands_where_it_was_sent_every_time() {
    a_goto_right_after_a_submit_lands_where_it_was_sent(
        "fill",
        "    - fill: {'input[name=u]': robot}\n      submit: '#go'\n",
    );
}

#[test]
fn a_page_that_opens_a_dialog_as_it_loads_has_loaded_and_the_dialog_is_quoted_exactly() {
    let h = Harness::new();
    let html = "<body onload=\"alert('Välkommen {åter}')\"><p id=p>sidan</p></body>";
    let answered = write(
        &h,
        "answered.yaml",
        &format!(
            "name: answered\nsetup:\n  - goto: {}\n  - dialog: {{answer: accept, into: said}}\n  - read_text: {{from: '#p', into: p}}\n  - log: \"dialog=${{said}} page=${{p}}\"\n",
            page(html)
        ),
    );
    let out = h.run(&["run", &answered, "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    assert_eq!(show["logs"][0], "dialog=Välkommen {åter} page=sidan", "{show}");

    // Left open, the next step names it in its own words, and nothing else.
    let unanswered =
        write(&h, "unanswered.yaml", &format!("name: unanswered\nsetup:\n  - goto: {}\n  - click: '#p'\n", page(html)));
    let out = h.run(&["run", &unanswered], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "line 4: `click` failed: a dialog is open (\"Välkommen {åter}\"): answer it with a `dialog` step first"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Session info"), "{stderr}");
}

#[test]
fn closing_the_last_window_says_so() {
    let h = Harness::new();
    let robot = write(&h, "r.yaml", &format!("name: r\nsetup:\n  - goto: {}\n  - window: close\n", page("<p>x</p>")));
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "line 4: `window` failed: the browser session is gone: the step closed the browser's last window"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("invalid session id"), "{stderr}");
}

#[test]
fn a_bad_locator_from_the_data_is_named_as_check_would_name_it() {
    let h = Harness::new();
    write(&h, "cases.csv", "Id,Where\n1,##bad\n2,xpath://a[\n3,linktext:Öppna\n");
    let robot = write(
        &h,
        "r.yaml",
        &format!(
            "name: r\nretry: {{max_retries: 0, stop_after: 10}}\nitems:\n  csv: cases.csv\n  key: Id\n  steps:\n    - goto: {}\n    - click: \"${{item.Where}}\"\n      timeout: 1s\n",
            page("<a href=x>Öppna</a>")
        ),
    );
    let out = h.run(&["run", &robot], &[]);
    let stderr = text(&out.stderr);
    for expected in [
        "the locator `${item.Where}` gave `##bad`, which is not a locator: `##bad` is not a valid CSS selector",
        "gave `xpath://a[`, which is not a locator: `//a[` is not a valid XPath expression",
        "gave `linktext:Öppna`, which is not a locator: `linktext:` is not a locator prefix (they are css, xpath, text, link, partial, label, id, name, placeholder, alt, title, testid, role); did you mean `link:`?",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    assert!(!stderr.contains("disabled or read-only"), "{stderr}");
}

#[test]
fn a_script_step_keeps_its_own_timeout_short_or_long() {
    let h = Harness::new();
    let never = write(
        &h,
        "never.yaml",
        &format!(
            "name: never\nsetup:\n  - goto: {}\n  - script: \"return new Promise(() => {{}})\"\n    timeout: 2s\n",
            page("<p>x</p>")
        ),
    );
    let slow = write(
        &h,
        "slow.yaml",
        &format!(
            "name: slow\nsetup:\n  - goto: {}\n  - script: {{code: \"return new Promise(r => setTimeout(() => r('klar'), 31000))\", into: said}}\n    timeout: 40s\n  - log: \"script=${{said}}\"\n",
            page("<p>x</p>")
        ),
    );
    let out = h.run(&["run", &never], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 4: `script` failed: the script did not return within 2s"), "{stderr}");
    assert!(!stderr.contains("starting a new one"), "the browser still answered and was kept: {stderr}");
    let show = h.json(&["show", "1", "--json"]);
    let step = show["steps"].as_array().unwrap().iter().find(|s| s["line"] == 4).unwrap().clone();
    assert!(step["duration_ms"].as_f64().unwrap() < 4000.0, "ended within its timeout and a little: {step}");

    let out = h.run(&["run", &slow, "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "a 31 s script under `timeout: 40s`: {}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h.json(&["show", &run["id"].to_string(), "--json"])["logs"][0], "script=klar");
}

#[test]
fn a_case_that_fails_with_a_dialog_open_keeps_the_dialog_as_its_evidence_and_says_why() {
    let h = Harness::new();
    write(&h, "cases.csv", "Id\nA-7\n");
    let html = "<button id=ask onclick=\"alert('Kunde inte spara')\">Spara</button><p id=p>x</p>";
    let robot = write(
        &h,
        "r.yaml",
        &format!(
            "name: r\nretry: {{max_retries: 0}}\nitems:\n  csv: cases.csv\n  key: Id\n  steps:\n    - goto: {}\n    - click: '#ask'\n    - read_text: {{from: '#p', into: p}}\n",
            page(html)
        ),
    );
    let out = h.run(&["run", &robot], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let show = h.json(&["show", "1", "--json"]);
    let logs: Vec<&str> = show["logs"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(
        logs.contains(&"no screenshot of case A-7: a dialog is open (\"Kunde inte spara\"); its text is kept instead"),
        "{logs:?}"
    );
    let evidence = show["item_list"][0]["evidence"].as_array().unwrap();
    let dialog = evidence.iter().find(|e| e["kind"] == "dialog").expect("the dialog's text as evidence");
    assert_eq!(std::fs::read_to_string(dialog["path"].as_str().unwrap()).unwrap(), "Kunde inte spara");
}

/// Controls a person names by what they see or what the page's authors
/// tagged them with: a field with only a placeholder, an image with only
/// its alt text, a cross with only a tooltip, test ids of three tools.
#[test]
fn placeholder_alt_title_and_test_id_find_what_css_would_need_markup_for() {
    let h = Harness::new();
    let html = "<script>function did(what){document.getElementById('out').textContent+=what+';'}</script>\
        <input placeholder='Sök ärende' oninput=\"did('sök '+this.value)\">\
        <img alt='Skriv ut' src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' width=20 height=20 onclick=\"did('skriv ut')\">\
        <button title='Stäng fönstret' onclick=\"did('stäng')\">×</button>\
        <button data-testid='spara' onclick=\"did('spara')\">💾</button>\
        <button data-cy='skicka' onclick=\"did('skicka')\">➤</button>\
        <button title='Stäng' style='display:none' onclick=\"did('dold')\">×</button>\
        <p id=out></p>";
    let robot = write(
        &h,
        "named.yaml",
        &format!(
            "name: named\nsetup:\n  - goto: {}\n  - type: {{into: 'placeholder:Sök ärende', text: '2026-7302'}}\n  \
             - click: 'alt:Skriv ut'\n  - click: 'title:Stäng fönstret'\n  - click: 'testid:spara'\n  \
             - click: 'testid:skicka'\n  - read_text: {{from: '#out', into: out}}\n  - log: '${{out}}'\n",
            page(html)
        ),
    );
    let checked = h.run(&["check", &robot], &[]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let out = h.run(&["run", &robot, "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    let log = show["logs"][0].as_str().unwrap();
    assert!(log.starts_with("sök "), "{log}");
    assert!(log.ends_with("sök 2026-7302;skriv ut;stäng;spara;skicka;"), "{log}");

    // A hidden control with the tooltip is not one to click.
    let hidden = write(
        &h,
        "hidden.yaml",
        &format!(
            "name: hidden\ntimeouts: {{step: 500ms}}\nsetup:\n  - goto: {}\n  - click: 'title:Stäng'\n",
            page(html)
        ),
    );
    let out = h.run(&["run", &hidden], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("`title:Stäng` is not visible"), "{said}");
}
