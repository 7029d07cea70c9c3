//! The web console driven in headless Chromium through nightshift's own
//! WebDriver stack, as operations and a case officer use it: filter the
//! runs, follow one to its screenshot, open a case from the link in its
//! mail and settle it, press "run now". Every page is scanned with axe-core
//! (WCAG 2.1 AA and 2.2 AA) at 1280 and 390 px, and a screenshot of each is saved under
//! `target/console-screenshots/` for review.

use std::time::Duration;

use nightshift::browser::webdriver::{SessionOptions, WebDriverBrowser};
use nightshift::browser::{Browser, Probe, Probed, SelectBy, Selector};
use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, free_port, robot_env, root, text};
use crate::console::{Served, case_links, path_of};

pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn css(s: &str) -> Selector {
    Selector::Css(s.into())
}

pub(crate) fn xpath(s: &str) -> Selector {
    Selector::XPath(s.into())
}

/// Asks the page until `holds` is true of its answer to `probe`, or panics
/// after `WAIT` naming what it waited for.
pub(crate) async fn wait(browser: &mut WebDriverBrowser, probe: Probe, holds: impl Fn(&Probed) -> bool, what: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let answers = browser.probe(std::slice::from_ref(&probe)).await.expect("the page answers");
        if answers.first().is_some_and(&holds) {
            return;
        }
        let seen: String = answers.first().map(|a| a.text.chars().take(600).collect()).unwrap_or_default();
        assert!(std::time::Instant::now() < deadline, "waited {WAIT:?} for {what}; the page said: {seen}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn wait_element(browser: &mut WebDriverBrowser, selector: Selector) {
    let what = selector.to_string();
    wait(browser, Probe::Element(selector), |a| a.found && a.visible, &what).await;
}

pub(crate) async fn wait_text(browser: &mut WebDriverBrowser, text: &str) {
    wait(browser, Probe::PageText, |a| a.text.contains(text), text).await;
}

pub(crate) async fn wait_url(browser: &mut WebDriverBrowser, part: &str) {
    wait(browser, Probe::Url, |a| a.text.contains(part), part).await;
}

/// axe-core, as `scripts/setup` installs it.
pub(crate) fn axe_source() -> String {
    let path = root().join("target/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is missing at {} ({e}): run scripts/setup", path.display()))
}

/// Runs axe-core on the page in view; its WCAG 2.1 A and AA (and 2.2 AA) violations as
/// `rule: targets` lines.
pub(crate) async fn violations(browser: &mut WebDriverBrowser, axe: &str) -> Vec<String> {
    browser.run_script(axe, &[], WAIT).await.expect("axe-core loads");
    let run = "return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })\
               .then(r => JSON.stringify(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));";
    let found = browser.run_script(run, &[], Duration::from_secs(60)).await.expect("axe-core runs");
    serde_json::from_str(&found).expect("a list of violations")
}

pub(crate) async fn session(width: u32, height: u32) -> WebDriverBrowser {
    let options = SessionOptions {
        headless: true,
        window_size: (width, height),
        page_load_timeout: Duration::from_secs(30),
        webdriver_url: None,
    };
    WebDriverBrowser::start(&options).await.expect("a browser session")
}

#[test]
fn operations_and_a_case_officer_use_the_console_in_chromium() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(4);
    config.unknown_pupils = vec![1];
    let sites = h.sites(config.clone());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_PUBLIC_URL".into(), base.clone()));
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let links = case_links(&h.state_dir().join("outbox"));
    assert_eq!(links.len(), 1, "one exception, one link: {links:?}");
    let case_url = format!("{base}{}", path_of(&links[0]));
    // A job that fires only at new year: there to be paused, never to run.
    std::fs::create_dir_all(h.dir.path().join("no-schedules")).unwrap();
    let schedule = "jobs:\n  - robot: vaccination-consent\n    name: newyear\n    cron: \"0 3 1 1 *\"\n";
    std::fs::write(h.dir.path().join("no-schedules/consent.yaml"), schedule).unwrap();
    let console = Served::start(&h, &root().join("robots"), port, &env);
    let shots = root().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let axe = axe_source();

    h.runtime.block_on(async {
        let mut wide = session(1280, 900).await;
        let mut narrow = session(390, 844).await;
        // Every page, at both widths, before anything changes.
        let pages = [
            ("now", format!("{base}/")),
            ("runs", format!("{base}/runs")),
            ("run", format!("{base}/runs/1")),
            ("stats", format!("{base}/stats")),
            ("cases", format!("{base}/cases")),
            ("case", case_url.clone()),
            ("audit", format!("{base}/audit")),
            ("jobs", format!("{base}/jobs")),
            ("search", format!("{base}/search?key={}", config.errands[1].id)),
        ];
        // The scanner finds what it should: an image without a text alternative.
        narrow
            .goto("data:text/html,<html lang=en><title>t</title><main><h1>t</h1><img src=x.png></main></html>")
            .await
            .unwrap();
        let control = violations(&mut narrow, &axe).await;
        assert!(control.iter().any(|v| v.starts_with("image-alt")), "axe-core is not working: {control:?}");
        let mut found = Vec::new();
        for (browser, width) in [(&mut wide, 1280), (&mut narrow, 390)] {
            for (name, url) in &pages {
                browser.goto(url).await.unwrap();
                wait_element(browser, css("h1")).await;
                let png = browser.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("{name}-{width}.png")), png).unwrap();
                for violation in violations(browser, &axe).await {
                    found.push(format!("{name} at {width} px: {violation}"));
                }
            }
        }
        assert_eq!(found, Vec::<String>::new(), "axe-core found WCAG 2.1 or 2.2 AA violations");
        narrow.close().await;

        // Operations: filter the runs, follow the run to its screenshot.
        let b = &mut wide;
        b.goto(&format!("{base}/runs")).await.unwrap();
        b.select(&css("#robot"), &[SelectBy::Label("vaccination-consent".into())], true, WAIT).await.unwrap();
        b.select(&css("#status"), &[SelectBy::Label("succeeded with exceptions".into())], true, WAIT).await.unwrap();
        b.click(&xpath("//button[normalize-space(.)='Show']"), WAIT).await.unwrap();
        wait_url(b, "status=succeeded_with_exceptions").await;
        b.click(&xpath("//table//a[normalize-space(.)='1']"), WAIT).await.unwrap();
        wait_element(b, css("img.evidence")).await;
        let shown = b
            .run_script(
                "const i = document.querySelector('img.evidence'); return String(i.complete && i.naturalWidth > 100);",
                &[],
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(shown, "true", "the screenshot is shown inline");
        b.goto(&format!("{base}/runs?status=failed")).await.unwrap();
        wait_text(b, "Runs: 0").await;

        // The case officer: the link from the mail, "handled by hand", gone from the list.
        b.goto(&case_url).await.unwrap();
        let title = b.read_text(&css("h1"), WAIT).await.unwrap();
        assert!(title.contains(&config.errands[1].id), "{title}");
        b.click(&xpath("//button[normalize-space(.)='Handled by hand']"), WAIT).await.unwrap();
        // A second page asks first, and takes a note.
        wait_text(b, "Mark the case as handled by hand?").await;
        for violation in violations(b, &axe).await {
            found.push(format!("confirm at 1280 px: {violation}"));
        }
        let note = "Ringde vårdnadshavaren, eleven heter Öst i journalen";
        b.fill(&[(css("#note"), note.to_string())], None, WAIT).await.unwrap();
        b.click(&xpath("//button[normalize-space(.)='Yes, handled by hand']"), WAIT).await.unwrap();
        wait_text(b, "is marked as handled by hand").await;
        b.goto(&format!("{base}/cases")).await.unwrap();
        wait_text(b, "No case is waiting.").await;
        // The link again: what happened, by whom, with the note; the audit log says the same.
        let officer = case_url.split("to=").nth(1).unwrap().split('&').next().unwrap().replace("%40", "@");
        b.goto(&case_url).await.unwrap();
        wait_text(b, &format!("Handled by hand by {officer}")).await;
        wait_text(b, note).await;
        b.goto(&format!("{base}/audit")).await.unwrap();
        wait_text(b, note).await;
        let row = b.run_script("return document.querySelector('tbody tr').innerText;", &[], WAIT).await.unwrap();
        assert!(row.contains(&officer) && row.contains("mail link") && row.contains("handled"), "{row}");
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d").to_string();
        assert!(row.contains(&today), "when: {row}");
        for violation in violations(b, &axe).await {
            found.push(format!("audit at 1280 px: {violation}"));
        }
        // IT finds the case by its errand number: the run that met it, who settled it and why.
        b.goto(&format!("{base}/search")).await.unwrap();
        b.fill(&[(css("#key"), config.errands[1].id.clone())], None, WAIT).await.unwrap();
        b.click(&xpath("//button[normalize-space(.)='Search']"), WAIT).await.unwrap();
        wait_text(b, "Runs that met the case").await;
        let history = b.read_text(&css("#main"), WAIT).await.unwrap();
        assert!(
            history.contains("business exception") && history.contains(&officer) && history.contains(note),
            "{history}"
        );
        // IT pauses the job: the page says by whom, the audit log keeps it.
        b.goto(&format!("{base}/jobs")).await.unwrap();
        wait_text(b, "0 3 1 1 *").await;
        b.click(&xpath("//button[@aria-label='Pause consent/newyear']"), WAIT).await.unwrap();
        wait_text(b, "paused by console").await;
        wait_element(b, xpath("//button[@aria-label='Resume consent/newyear']")).await;
        b.goto(&format!("{base}/audit")).await.unwrap();
        wait_text(b, "job consent/newyear").await;
        // IT undoes the settlement: the case waits again, and is settled anew.
        let key = &config.errands[1].id;
        b.goto(&format!("{base}/case?robot=vaccination-consent&key={key}")).await.unwrap();
        b.click(&xpath("//button[normalize-space(.)='Reopen the case']"), WAIT).await.unwrap();
        wait_text(b, "What did you do?").await;
        b.click(&xpath("//button[normalize-space(.)='Handled by hand']"), WAIT).await.unwrap();
        b.click(&xpath("//button[normalize-space(.)='Yes, handled by hand']"), WAIT).await.unwrap();
        wait_text(b, "is marked as handled by hand").await;
        b.goto(&format!("{base}/audit")).await.unwrap();
        let actions = b
            .run_script(
                "return [...document.querySelectorAll('tbody tr td:nth-child(4)')].map(t => t.innerText).join(' ');",
                &[],
                WAIT,
            )
            .await
            .unwrap();
        assert!(actions.starts_with("handled reopen pause handled"), "newest first: {actions}");
        assert_eq!(found, Vec::<String>::new(), "axe-core found WCAG 2.1 or 2.2 AA violations");

        // Run now: the new run's page, and the run in the list.
        b.goto(&format!("{base}/")).await.unwrap();
        b.click(&xpath("//button[@aria-label='Run now vaccination-consent']"), WAIT).await.unwrap();
        wait_url(b, "/runs/2").await;
        b.goto(&format!("{base}/runs")).await.unwrap();
        wait_element(b, xpath("//table//a[normalize-space(.)='2']")).await;
        wide.close().await;
    });
    drop(console);
    let ledger = h.json(&["review", "--json"]);
    assert_eq!(ledger["open_exceptions"].as_array().unwrap().len(), 0, "{ledger}");
}
