//! `role:` locators and chains in real Chromium, on a page of this file's
//! own: controls found by role and accessible name however the page names
//! them (a label, `aria-label`, `aria-labelledby`, an image's alt, a shadow
//! root), one row's button among fifty, and several matches refused.

use crate::common::{Harness, text};
use crate::pages::{page, write};

/// Runs `steps` (YAML list items, two spaces in) on `html`; the exit code,
/// what the run logged, and its error with what it said on stderr.
pub(crate) fn run(h: &Harness, html: &str, steps: &str) -> (Option<i32>, String, String) {
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

pub(crate) const SAY: &str =
    "<script>function did(what){document.getElementById('out').textContent+=what+';'}</script><p id=out></p>";

/// Steps that read what the page did, into the run log.
pub(crate) const READ_OUT: &str = "  - read_text: {from: '#out', into: out}\n  - log: '${out}'\n";

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

/// `text:Öppna` on a page with three such buttons used to click the first;
/// now it says so, and a hidden twin (a menu for small screens) is no rival.
#[test]
fn person_named_locators_refuse_several_shown_matches_and_take_the_only_shown_one() {
    let h = Harness::new();
    let html = format!(
        "{SAY}<nav style='display:none'><a href='#ut' onclick=\"did('dold')\">Logga ut</a></nav>\
         <a href='#ut' onclick=\"did('logga ut')\">Logga ut</a>\
         <button onclick=\"did('öppna 1')\">Öppna</button><button onclick=\"did('öppna 2')\">Öppna</button>\
         <button onclick=\"did('öppna 3')\">Öppna</button>\
         <label for=a>Namn</label><input id=a><label for=b>Namn</label><input id=b>"
    );
    let (code, log, said) =
        run(&h, &html, &format!("  - click: 'link:Logga ut'\n  - click: 'text:Öppna >> nth=2'\n{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.ends_with("logga ut;öppna 3;"), "{log}");
    for (step, expected) in [
        (
            "click: 'text:Öppna'",
            "`text:Öppna` matches 3 elements (button \"Öppna\", button \"Öppna\", button \"Öppna\")",
        ),
        ("type: {into: 'label:Namn', text: x}", "`label:Namn` matches 2 elements (input#a \"Namn\", input#b \"Namn\")"),
    ] {
        let (code, log, said) = run(&h, &html, &format!("  - {step}\n{READ_OUT}"));
        assert_eq!(code, Some(1), "{step}: {said}");
        assert!(said.contains(expected), "{step}: {said}");
        assert!(!log.contains("öppna"), "{step} clicked one of them: {log}");
    }
}

/// A page built the way today's case systems are: every field a custom
/// element with its input inside an open shadow root (two deep for one).
const COMPONENTS: &str = "<script>function def(tag, html, mode) { customElements.define(tag, class extends HTMLElement {\
     connectedCallback() { if (this.done) return; this.done = true; \
     this.attachShadow({mode: mode || 'open'}).innerHTML = html; } }); }\
     def('ms-field', '<input>');\
     def('ms-text-field', '<label for=i>Verksamhet</label><input id=i>');\
     def('ms-contact', '<input aria-labelledby=kontakt>');\
     def('ms-button', '<button id=inner-ok>Spara utkast</button>');\
     def('ms-inner', '<input name=djup>');\
     def('ms-outer', '<p>Yttre</p><ms-inner></ms-inner>');\
     def('ms-consent', '<label><input type=checkbox> Samtycke</label><select aria-label=Kommun><option>Timrå</option><option>Sundsvall</option></select>');\
     def('ms-closed', '<button>Stängd</button>', 'closed');\
     document.addEventListener('input', e => did('input ' + e.composedPath()[0].value));\
     document.addEventListener('click', e => { const t = e.composedPath()[0]; if (t.id === 'inner-ok') did('utkast'); });\
     </script>";

#[test]
fn locators_find_fields_inside_web_components_and_say_why_when_they_cannot() {
    let h = Harness::new();
    let html = format!(
        "{SAY}{COMPONENTS}<ms-field label='Fastighetsbeteckning'></ms-field><ms-text-field></ms-text-field>\
         <span id=kontakt>Kontaktperson</span><ms-contact></ms-contact><ms-button></ms-button>\
         <ms-outer></ms-outer><ms-consent></ms-consent><ms-closed style='display:block;height:20px'></ms-closed>"
    );
    let steps = "  - fill:\n      'label:Fastighetsbeteckning': Tuna 1:2\n      'label:Verksamhet': Café\n      \
                 'label:Kontaktperson': Åsa\n  \
                 - type: {into: 'name:djup', text: Djup}\n  \
                 - press: {keys: Tab, in: 'ms-outer >> input'}\n  \
                 - check: 'label:Samtycke'\n  \
                 - select: {from: 'label:Kommun', label: Sundsvall}\n  \
                 - click: 'text:Spara utkast'\n  \
                 - click: '#inner-ok'\n  \
                 - read_text: {from: 'id:inner-ok', into: button}\n  \
                 - log: 'knapp ${button}'\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("knapp Spara utkast"), "{log}");
    // `fill`'s and `select`'s events are composed, as a person's are: the
    // page's own listener on the document heard them.
    for done in [
        "input Tuna 1:2;",
        "input Café;",
        "input Åsa;",
        "input Djup;",
        "input on;",
        "input Sundsvall;",
        "utkast;utkast;",
    ] {
        assert!(log.contains(done), "`{done}` is missing: {log}");
    }

    let (code, _, said) = run(&h, &html, "  - click: '//button[.=\"Spara utkast\"]'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("XPath cannot look into the shadow roots of the web components on this page"), "{said}");
    let (code, _, said) = run(&h, &html, "  - click: 'text:Stängd'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("no element matched `text:Stängd`") && said.contains("seems closed (<ms-closed>)"), "{said}");
}

/// CSS and XPath keep their first match, as they always have, but the run
/// log says when there were more to choose from.
#[test]
fn css_and_xpath_take_the_first_of_several_and_the_run_log_says_how_many() {
    let h = Harness::new();
    let html = format!(
        "{SAY}<button class=open onclick=\"did('1')\">Öppna</button><button class=open onclick=\"did('2')\">Öppna</button>\
         <button class=open onclick=\"did('3')\">Öppna</button>"
    );
    let steps = "  - click: button.open\n  - click: '//button[@class=\"open\"]'\n  - click: '#out'\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("line 5: css `button.open` matched 3 elements; the step took the first"), "{log}");
    assert!(
        log.contains("line 6: xpath `//button[@class=\"open\"]` matched 3 elements; the step took the first"),
        "{log}"
    );
    assert!(!log.contains("line 7:"), "one element is not several: {log}");
    assert!(log.ends_with("1;1;"), "{log}");
}

/// A page whose authors tag their controls with an attribute of their own:
/// the robot names it once, and `testid:` reads that attribute only.
#[test]
fn a_robot_names_its_own_test_id_attribute() {
    let h = Harness::new();
    let html = format!(
        "{SAY}<button data-testid=spara onclick=\"did('fel')\">Spara</button>\
         <button data-qa=spara onclick=\"did('rätt')\">💾</button>"
    );
    let robot = write(
        &h,
        "qa.yaml",
        &format!(
            "name: qa\nbrowser: {{test_id: data-qa}}\ntimeouts: {{step: 2s}}\nsetup:\n  - goto: {}\n  \
             - click: 'testid:spara'\n{READ_OUT}",
            page(&html)
        ),
    );
    let out = h.run(&["run", &robot, "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    assert_eq!(show["logs"][0], "rätt;", "{show}");

    let bad = write(&h, "bad.yaml", "name: bad\nbrowser: {test_id: 'data qa'}\nsetup:\n  - click: 'testid:x'\n");
    let out = h.run(&["check", &bad], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("bad.yaml:2:20: `data qa` is not an attribute name"), "{}", text(&out.stderr));
}

#[test]
fn a_locator_that_misses_names_what_the_page_has_nearest_and_which_fields_were_there() {
    let h = Harness::new();
    let page = "data:text/html;charset=utf-8,<button>Öppna ärende</button><a href=/x>Stäng ärendet</a>\
                <label for=n>Namn</label><input id=n><label for=a>Adress</label><input id=a>";
    let run = |step: &str| {
        let robot = format!("name: miss\ntimeouts: {{ step: 1s }}\nsetup:\n  - goto: \"{page}\"\n{step}");
        let path = h.dir.path().join("miss.yaml");
        std::fs::write(&path, robot).unwrap();
        let out = h.run(&["run", path.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(1));
        text(&out.stderr)
    };
    let said = run("  - click: \"text:Öppna ärendet\"\n");
    assert!(
        said.contains(
            "no element matched `text:Öppna ärendet` within 1s: `text:Öppna ärendet` is not on the page, but \
             `text:Öppna ärende` is"
        ),
        "{said}"
    );
    let said = run("  - fill:\n      \"label:Namn\": x\n      \"label:Adres\": y\n      \"label:Telefon\": z\n");
    assert!(
        said.contains(
            "no element matched `label:Adres`, `label:Telefon` within 1s: `label:Adres` is not on the page, but \
             `label:Adress` is; the other field is there"
        ),
        "{said}"
    );
    // Nothing near what was written: no text of the page is told.
    let said = run("  - click: \"text:Radera allt\"\n");
    assert!(said.ends_with("no element matched `text:Radera allt` within 1s\n"), "{said}");
}
