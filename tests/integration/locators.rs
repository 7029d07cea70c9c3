//! `role:` locators and chains in real Chromium, on a page of this file's
//! own: controls found by role and accessible name however the page names
//! them (a label, `aria-label`, `aria-labelledby`, an image's alt, a shadow
//! root), one row's button among fifty, and several matches refused.

use crate::common::{Harness, text};
use crate::pages::{page, write};

/// Runs `steps` (YAML list items, two spaces in) on `html`; the exit code,
/// what the run logged, and its error with what it said on stderr.
fn run(h: &Harness, html: &str, steps: &str) -> (Option<i32>, String, String) {
    let robot =
        write(h, "r.yaml", &format!("name: r\ntimeouts: {{step: 2s}}\nsetup:\n  - goto: {}\n{steps}", page(html)));
    let checked = h.run(&["check", &robot], &[]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let out = h.run(&["run", &robot, "--json"], &[]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    let logs = show["logs"].as_array().map(|l| l.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join("\n"));
    let said = format!("{} {}", run["error"].as_str().unwrap_or_default(), text(&out.stderr));
    (out.status.code(), logs.unwrap_or_default(), said)
}

const SAY: &str =
    "<script>function did(what){document.getElementById('out').textContent+=what+';'}</script><p id=out></p>";

/// Steps that read what the page did, into the run log.
const READ_OUT: &str = "  - read_text: {from: '#out', into: out}\n  - log: '${out}'\n";

#[test]
fn role_and_accessible_name_find_controls_however_the_page_names_them() {
    let h = Harness::new();
    let html = format!(
        "{SAY}<h1>Bygglov</h1><h2>Sökande</h2>\
         <button aria-label='Sök' onclick=\"did('sök')\">🔍</button>\
         <label for=p>Personnummer</label><input id=p oninput=\"did('pnr '+this.value)\">\
         <span id=a>Fakturans</span> <span id=b>belopp</span><input aria-labelledby='a b' oninput=\"did('belopp '+this.value)\">\
         <a href='#nästa' onclick=\"did('nästa')\"><img alt='Nästa sida' width=10 height=10></a>\
         <label><input type=checkbox onchange=\"did('samtycke '+this.checked)\"> Samtycke</label>\
         <button style='display:none' onclick=\"did('dold')\">Spara</button>\
         <button onclick=\"did('spara')\">Spara</button>\
         <x-field></x-field><script>customElements.define('x-field', class extends HTMLElement {{\
           connectedCallback() {{ const root = this.attachShadow({{mode: 'open'}}); \
           root.innerHTML = '<label for=f>Fastighet</label><input id=f>'; const field = root.querySelector('input'); \
           field.addEventListener('input', () => did('fastighet ' + field.value)); }} }});</script>"
    );
    let steps = "  - click: 'role:button[name=\"Sök\"]'\n  \
                 - type: {into: 'role:textbox[name=\"Personnummer\"]', text: '19121212-1212'}\n  \
                 - type: {into: 'role:textbox[name=\"Fakturans belopp\"]', text: '1200'}\n  \
                 - click: 'role:link[name=/nästa/i]'\n  \
                 - click: 'role:checkbox[name=\"Samtycke\"][checked=false]'\n  \
                 - click: 'role:button[name=\"Spara\"]'\n  \
                 - type: {into: 'role:textbox[name=\"Fastighet\"]', text: 'Sundsvall Tuna 1:2'}\n  \
                 - read_text: {from: 'role:heading[level=2]', into: heading}\n  \
                 - log: 'rubrik ${heading}'\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("rubrik Sökande"), "{log}");
    // In the order done; typing fires an input event per key, so the page
    // logged every prefix of what was typed before the whole of it.
    let mut rest = log.as_str();
    for done in [
        "sök;",
        "pnr 19121212-1212;",
        "belopp 1200;",
        "nästa;",
        "samtycke true;",
        "spara;",
        "fastighet Sundsvall Tuna 1:2;",
    ] {
        let at = rest.find(done).unwrap_or_else(|| panic!("`{done}` is missing or out of order: {log}"));
        rest = &rest[at + done.len()..];
    }
    assert!(!log.contains("dold"), "the hidden button was clicked: {log}");
}

#[test]
fn a_chain_finds_one_rows_button_and_several_matches_are_refused_unless_nth_chooses() {
    let h = Harness::new();
    let rows: String = (1..=50)
        .map(|n| format!("<tr><td>2026-73{n:02}</td><td><button onclick=\"did('öppna {n}')\">Öppna</button></td></tr>"))
        .collect();
    let html = format!(
        "{SAY}<table>{rows}</table><button onclick=\"did('ta bort 1')\">Ta bort</button>\
         <button onclick=\"did('ta bort 2')\">Ta bort</button><button onclick=\"did('ta bort 3')\">Ta bort</button>"
    );
    let steps = "  - click: 'role:row[name*=\"2026-7337\"] >> role:button[name=\"Öppna\"]'\n  \
                 - click: 'role:button[name=\"Ta bort\"] >> nth=1'\n  \
                 - click: 'role:button[name=\"Ta bort\"] >> nth=-1'\n  \
                 - click: 'table >> text:Öppna >> nth=0'\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.ends_with("öppna 37;ta bort 2;ta bort 3;öppna 1;"), "{log} {said}");

    let (code, _, said) = run(&h, &html, "  - click: 'role:button[name=\"Ta bort\"]'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(
            "`role:button[name=\"Ta bort\"]` matches 3 elements (button \"Ta bort\", button \"Ta bort\", button \"Ta bort\")"
        ) && said.contains("nth=0"),
        "{said}"
    );
    // Fifty rows have an Öppna button each: the count and the first three are named.
    let (code, _, said) = run(&h, &html, "  - click: 'role:button[name=\"Öppna\"]'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("matches 50 elements (button \"Öppna\", button \"Öppna\", button \"Öppna\", ...)"), "{said}");
    // A role that matches nothing names the locator as written.
    let (code, _, said) = run(&h, &html, "  - click: 'role:button[name=\"Spara\"]'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("no element matched `role:button[name=\"Spara\"]` within 2s"), "{said}");
}

#[test]
fn check_places_a_misspelt_role_or_filter_and_suggests_the_one_meant() {
    let h = Harness::new();
    for (locator, expected) in [
        ("role:buton[name=\"Spara\"]", "`buton` is not an ARIA role; did you mean `button`?"),
        ("role:button[nmae=\"Spara\"]", "did you mean `name`?"),
        ("role:heading[level=7]", "a heading level from 1 to 6"),
        ("role:row >> nth=första", "`nth=första` is not a whole number"),
    ] {
        let robot =
            write(&h, "r.yaml", &format!("name: r\nsetup:\n  - goto: http://127.0.0.1:9/\n  - click: '{locator}'\n"));
        let out = h.run(&["check", &robot], &[]);
        assert_eq!(out.status.code(), Some(3), "{locator}: {}", text(&out.stderr));
        let said = text(&out.stderr);
        assert!(said.contains("r.yaml:4:") && said.contains(expected), "{locator}: {said}");
    }
}

/// The sample robots teach by example: each finds at least one element as a
/// person names it, and the flow tests run them all against the stand-ins.
#[test]
fn every_sample_robot_names_at_least_one_element_by_role() {
    let robots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("robots");
    let mut seen = 0;
    for entry in std::fs::read_dir(&robots).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let source = std::fs::read_to_string(&path).unwrap();
            assert!(source.contains("'role:"), "{} has no `role:` locator", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 4, "found {seen} sample robots");
}
