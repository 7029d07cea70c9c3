//! Steps against small pages of this file's own, in real Chromium: a field
//! that cannot be changed, tables without header cells or with repeated
//! headers, and a case that leaves a dialog open for the next.

use crate::common::{Harness, text};

/// A `data:` URL for a page, quoted for YAML.
fn page(html: &str) -> String {
    format!("\"data:text/html;charset=utf-8,{}\"", html.replace('#', "%23").replace('"', "\\\""))
}

fn write(h: &Harness, name: &str, content: &str) -> String {
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
