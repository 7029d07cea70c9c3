//! Today's web apps in real Chromium, on pages of this file's own and on
//! Lex: comboboxes that ask their server, chips, toasts read by `expect`,
//! uploads from base64 into shadow roots, virtualised lists scrolled and
//! read whole, and modal dialogs.

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, robot_env, text};
use crate::locators::{READ_OUT, SAY, run};
use crate::pages::{page, write};

/// Two comboboxes as a case system builds them: a custom element whose
/// input and list live in its shadow root; the list is filled 300 ms after
/// the third character, with the words holding those three, and a click
/// on an option records it and empties the field, as chips do.
const COMBOBOXES: &str = "<script>customElements.define('ms-combobox', class extends HTMLElement {\
    connectedCallback() { if (this.shadowRoot) return; const root = this.attachShadow({mode: 'open'});\
    root.innerHTML = '<label for=q>' + this.getAttribute('label') + '</label><input id=q role=combobox aria-controls=lb><ul role=listbox id=lb></ul>';\
    const q = root.getElementById('q'), lb = root.getElementById('lb'), words = this.getAttribute('words').split(';');\
    let timer; q.addEventListener('input', () => { clearTimeout(timer); lb.innerHTML = ''; if (q.value.length < 3) return;\
    lb.setAttribute('aria-busy', 'true'); timer = setTimeout(() => { lb.removeAttribute('aria-busy');\
    const start = q.value.slice(0, 3).toLowerCase();\
    for (const w of words.filter(w => w.toLowerCase().includes(start))) { const li = document.createElement('li');\
    li.setAttribute('role', 'option'); li.textContent = w;\
    li.addEventListener('click', () => { did(this.getAttribute('label') + ' ' + w); q.value = ''; lb.innerHTML = ''; });\
    lb.append(li); } }, 300); }); } });</script>\
    <ms-combobox label=Fastighet words='Sundsvall Tuna 1:2;Sundsvall Tuna 1:3;Timrå Vivsta 2:1'></ms-combobox>\
    <ms-combobox label=Verksamhet words='Café;Bageri;Bar;Catering'></ms-combobox>\
    <input aria-label=Kommun list=kommuner><datalist id=kommuner><option value=Sundsvall><option value=Timrå></datalist>\
    <input aria-label=Tomt>";

#[test]
fn choose_picks_from_a_list_the_server_fills_late_and_chips_one_by_one() {
    let h = Harness::new();
    let html = format!("{SAY}{COMBOBOXES}");
    let steps = "  - choose: {in: 'label:Fastighet', value: 'Sundsvall Tuna 1:3'}\n  \
                 - choose: {in: 'label:Verksamhet', value: [Café, Bageri]}\n  \
                 - choose: {in: 'label:Verksamhet', value: ater, contains: true}\n  \
                 - choose: {in: 'label:Kommun', value: Timrå}\n  \
                 - read_text: {from: 'label:Kommun', into: kommun}\n  \
                 - log: 'kommun ${kommun}'\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("kommun Timrå"), "{log}");
    assert!(
        log.ends_with("Fastighet Sundsvall Tuna 1:3;Verksamhet Café;Verksamhet Bageri;Verksamhet Catering;"),
        "{log}"
    );

    // A list that never shows is the system's fault, and says what was waited for.
    let (code, _, said) = run(&h, &html, "  - choose: {in: 'label:Tomt', value: x}\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("the options of `label:Tomt` did not come within 2s"), "{said}");
}

/// The case names a property the system does not know: that case needs a
/// person, told which properties the system offered; the next case goes on.
#[test]
fn an_option_the_system_does_not_offer_is_a_business_exception_naming_those_it_did() {
    let h = Harness::new();
    let cases = write(&h, "cases.csv", "id,place\n1,Sundsvall Tuna 9:9\n2,Timrå Vivsta 2:1\n");
    let robot = write(
        &h,
        "r.yaml",
        &format!(
            "name: r\ntimeouts: {{step: 3s}}\nitems:\n  csv: {cases}\n  key: id\n  steps:\n    - goto: {}\n    \
             - choose: {{in: 'label:Fastighet', value: '${{item.place}}'}}\n",
            page(&format!("{SAY}{COMBOBOXES}"))
        ),
    );
    let out = h.run(&["run", &robot, "--json"], &[]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(run["items"]["business_exceptions"], 1, "{run} {}", text(&out.stderr));
    assert_eq!(run["items"]["done"], 1, "{run}");
    let show = h.json(&["show", &run["id"].to_string(), "--json"]).to_string();
    assert!(
        show.contains(
            "`label:Fastighet` offers no option `Sundsvall Tuna 9:9`; it offered: Sundsvall Tuna 1:2, Sundsvall Tuna 1:3"
        ),
        "{show}"
    );
}

/// A toast that shows 300 ms after the click and is gone 5 ms later (no poll
/// could catch it), one for 100 ms inside a web component's shadow root, an
/// inline error summary, and a message that the system itself failed.
const MESSAGES: &str = "<script>customElements.define('ms-toaster', class extends HTMLElement {\
    connectedCallback() { this.attachShadow({mode: 'open'}); }\
    show(text) { const t = document.createElement('p'); t.textContent = text; this.shadowRoot.append(t);\
    setTimeout(() => t.remove(), 100); } });\
    function toast() { const t = document.createElement('div'); t.textContent = 'Ärendet registrerat: MIL-2026-00123';\
    document.body.append(t); setTimeout(() => t.remove(), 5); }</script><ms-toaster></ms-toaster>\
    <button onclick='setTimeout(toast, 300)'>Spara</button>\
    <button onclick=\"setTimeout(() => document.querySelector('ms-toaster').show('Sparat i registret'), 200)\">Spara utkast</button>\
    <button onclick=\"setTimeout(() => document.getElementById('errors').hidden = false, 200)\">Skicka</button>\
    <button onclick=\"setTimeout(() => document.getElementById('fault').hidden = false, 200)\">Arkivera</button>\
    <div id=errors role=alert hidden>Organisationsnumret saknas</div><div id=fault hidden>Tekniskt fel, försök igen</div>";

#[test]
fn expect_reads_a_toast_gone_within_100_ms_and_tells_an_error_from_a_fault() {
    let h = Harness::new();
    let steps = "  - click: 'role:button[name=\"Spara\"]'\n    \
                 expect: {matches: 'registrerat: (?<dnr>MIL-\\d{4}-\\d+)'}\n  \
                 - click: 'role:button[name=\"Spara utkast\"]'\n    \
                 expect: Sparat i registret\n  \
                 - log: 'diarienummer ${dnr}'\n";
    let (code, log, said) = run(&h, MESSAGES, steps);
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("diarienummer MIL-2026-00123"), "{log}");

    let after = |button: &str| {
        format!(
            "  - click: 'role:button[name=\"{button}\"]'\n    \
             expect: {{text: Arkiverat, error: 'role:alert', fault: '#fault'}}\n"
        )
    };
    let (code, _, said) = run(&h, MESSAGES, &after("Skicka"));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("Organisationsnumret saknas"), "{said}");
    let (code, _, said) = run(&h, MESSAGES, &after("Arkivera"));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("#fault` showed: Tekniskt fel, försök igen"), "{said}");
    let (code, _, said) = run(&h, MESSAGES, "  - click: 'role:button[name=\"Spara\"]'\n    expect: Arkiverat\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("expect: the text contains `Arkiverat` was not met within 2s"), "{said}");
}

/// A file input inside a web component's shadow root, which says the name
/// and the content of the file it was given.
const UPLOAD: &str = "<script>customElements.define('ms-upload', class extends HTMLElement {\
    connectedCallback() { const root = this.attachShadow({mode: 'open'});\
    root.innerHTML = '<label for=f>Planritning</label><input type=file id=f>';\
    root.getElementById('f').addEventListener('change', async e => {\
    const f = e.target.files[0]; did(f.name + ' ' + await f.text()); }); } });</script><ms-upload></ms-upload>";

#[test]
fn upload_puts_base64_bytes_into_a_file_input_inside_a_shadow_root() {
    let h = Harness::new();
    let html = format!("{SAY}{UPLOAD}");
    // "%PDF-1.4 Planritning" in base64, once as a data: URL.
    let steps = "  - upload: {into: 'label:Planritning', data: 'JVBERi0xLjQgUGxhbnJpdG5pbmc=', name: plan.pdf}\n  \
                 - upload: {into: 'label:Planritning', data: 'data:application/pdf;base64,JVBERi0xLjQ=', name: ../b.pdf}\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.ends_with("plan.pdf %PDF-1.4 Planritning;b.pdf %PDF-1.4;"), "{log}");

    let (code, _, said) = run(&h, &html, "  - upload: {into: 'label:Planritning', data: 'JVBER!', name: a.pdf}\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("the file for `label:Planritning` is not base64 (`!` at character 6 is not base64)"),
        "{said}"
    );
}

/// A list of 800 cases that renders only the rows in view (and four more
/// each side), as case systems do: a row is in the page only once scrolled to.
const VIRTUAL_LIST: &str = "<div role=grid aria-label=Ärenden><div id=view style='height:300px;overflow:auto'>\
    <div id=space style='position:relative'></div></div></div><script>\
    const rows = Array.from({length: 800}, (_, i) => 'MIL-2026-' + String(i + 1).padStart(5, '0'));\
    const view = document.getElementById('view'), space = document.getElementById('space');\
    space.style.height = rows.length * 30 + 'px';\
    const draw = () => { const first = Math.max(0, Math.floor(view.scrollTop / 30) - 4);\
    space.innerHTML = rows.slice(first, first + 18).map((r, i) => '<div role=row style=\"position:absolute;height:30px;top:'\
    + (first + i) * 30 + 'px\"><span role=gridcell>' + r + '</span> <button data-r=' + r + ' onclick=did(this.dataset.r)>Öppna</button></div>').join(''); };\
    view.addEventListener('scroll', draw); draw();</script>";

#[test]
fn scroll_finds_a_row_500_rows_down_a_virtualised_list_and_says_when_the_list_ends_without_it() {
    let h = Harness::new();
    let html = format!("{SAY}{VIRTUAL_LIST}");
    let steps = "  - scroll: {in: 'role:grid[name=\"Ärenden\"]', until: 'role:row[name*=\"MIL-2026-00517\"]'}\n  \
                 - click: 'role:row[name*=\"MIL-2026-00517\"] >> role:button'\n  \
                 - scroll: {in: 'role:grid[name=\"Ärenden\"]', until: 'role:row[name*=\"MIL-2026-09999\"]'}\n  \
                 - if: {exists: 'role:row[name*=\"MIL-2026-09999\"]'}\n    \
                 then: [{fail: 'a case that is not there was found'}]\n";
    let (code, log, said) = run(&h, &html, &format!("{steps}{READ_OUT}"));
    assert_eq!(code, Some(0), "{said}");
    assert!(log.ends_with("MIL-2026-00517;"), "{log}");
    assert!(log.contains("`role:grid[name=\"Ärenden\"]` reached its end after"), "{log}");
    assert!(log.contains("views without `role:row[name*=\"MIL-2026-09999\"]`"), "{log}");

    // A container that shows all it holds is not a list to scroll.
    let (code, _, said) =
        run(&h, &format!("{SAY}<div id=short>Kort</div>"), "  - scroll: {in: '#short', until: 'text:X'}\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("does not scroll: it shows all it holds"), "{said}");
}

/// A `<dialog>` opened with showModal over a page, and an ARIA modal drawn
/// over another part: ordinary steps act inside them, and a click on what
/// is behind one names the dialog in the way.
const DIALOGS: &str = "<button onclick=\"did('bakom')\">Spara</button>\
    <dialog id=d aria-labelledby=t><h2 id=t>Registrera ärendet?</h2><button onclick=\"did('ja'); this.closest('dialog').close()\">Bekräfta</button></dialog>\
    <div role=dialog aria-modal=true aria-label='Ta bort bilaga?' style='position:fixed;inset:0;background:#fff8'>\
    <button style='margin-top:40vh' onclick=\"did('bort'); this.parentNode.remove()\">Ta bort</button></div>\
    <script>document.getElementById('d').showModal()</script>";

#[test]
fn steps_act_in_page_dialogs_and_a_click_behind_one_names_it() {
    let h = Harness::new();
    let html = format!("{SAY}{DIALOGS}");
    let (code, _, said) = run(&h, &html, "  - click: 'role:button[name=\"Spara\"]'\n");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is behind the open dialog `Registrera ärendet?`"), "{said}");
    let steps = "  - click: 'role:dialog[name=\"Registrera ärendet?\"] >> role:button[name=\"Bekräfta\"]'\n  \
                 - wait_for: {gone: 'role:dialog[name=\"Registrera ärendet?\"]'}\n  \
                 - click: 'role:button[name=\"Spara\"]'\n";
    let (code, _, said) = run(&h, &html, steps);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is behind the open dialog `Ta bort bilaga?`"), "{said}");
    let steps = format!(
        "  - click: 'role:button[name=\"Bekräfta\"]'\n  - click: 'role:button[name=\"Ta bort\"]'\n  \
         - click: 'role:button[name=\"Spara\"]'\n{READ_OUT}"
    );
    let (code, log, said) = run(&h, &html, &steps);
    assert_eq!(code, Some(0), "{said}");
    assert!(log.ends_with("ja;bort;bakom;"), "{log}");
}

#[test]
fn read_table_reads_every_row_of_a_virtualised_grid_and_an_aria_table_as_it_is() {
    let h = Harness::new();
    // The list above with a header row; its 800 rows carry no aria-rowindex,
    // so they are kept in the order they were met.
    let html = VIRTUAL_LIST
        .replace("<div id=view", "<div role=row><span role=columnheader>Diarienummer</span></div><div id=view");
    let steps = "  - read_table: {from: 'role:grid[name=\"Ärenden\"]', into: all, scroll: true}\n  \
                 - log: 'första ${all.0.Diarienummer} sista ${all.799.Diarienummer}'\n  \
                 - read_table: {from: 'role:grid[name=\"Ärenden\"]', into: shown}\n  \
                 - log: 'synliga ${shown.0.Diarienummer}'\n  \
                 - if: {value: '${shown}', contains: MIL-2026-00100}\n    \
                 then: [{fail: 'without scroll only the rows drawn are read'}]\n";
    let (code, log, said) = run(&h, &html, steps);
    assert_eq!(code, Some(0), "{said}");
    assert!(log.contains("första MIL-2026-00001 sista MIL-2026-00800"), "{log}");
    assert!(log.contains("synliga MIL-2026-00"), "{log}");
}

/// On Lex, whose combobox asks its server: a property it half knows is a
/// business exception naming the ones it offered, one it does not know at
/// all names none (the list says "no match"), and a known one is picked.
#[test]
fn lex_offers_no_unknown_property_and_the_case_says_which_it_offered() {
    let h = Harness::new();
    let config = SiteConfig::demo(0);
    let sites = h.sites(config.clone());
    let cases = write(&h, "cases.csv", "id,place\n1,Timrå Vivsta 3:1\n2,Timrå Vivsta 9:99\n3,Sundsvall Tuna 1:3\n");
    let robot = write(
        &h,
        "r.yaml",
        &format!(
            "name: r\nsecrets: [LEX_PASSWORD]\nvars: {{lex: '${{env.NIGHTSHIFT_LEX_URL}}'}}\ntimeouts: {{step: 5s}}\n\
             setup:\n  - goto: ${{lex}}/login\n  - fill: {{'label:Användarnamn': robot, 'label:Lösenord': '${{secrets.LEX_PASSWORD}}'}}\n    \
             submit: 'role:button[name=\"Logga in\"]'\n  - wait_for: {{url: /cases}}\n\
             items:\n  csv: {cases}\n  key: id\n  steps:\n    - goto: ${{lex}}/cases/new\n    \
             - choose: {{in: 'label:Fastighetsbeteckning', value: '${{item.place}}'}}\n"
        ),
    );
    let out = h.run(&["run", &robot, "--json"], &robot_env(&sites, &config));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(run["items"]["business_exceptions"], 2, "{run} {}", text(&out.stderr));
    assert_eq!(run["items"]["done"], 1, "{run}");
    let show = h.json(&["show", &run["id"].to_string(), "--json"]).to_string();
    assert!(
        show.contains("offers no option `Timrå Vivsta 3:1`; it offered: Timrå Vivsta 3:12, Timrå Vivsta 3:14"),
        "{show}"
    );
    assert!(show.contains("offers no option `Timrå Vivsta 9:99`; it offered: none"), "{show}");
}
