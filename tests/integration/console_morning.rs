//! The console the morning after, driven in Chromium as IT uses it: a night
//! whose login failed (the journal said "Inloggningen misslyckades"), a
//! later run that succeeded and a third that failed again; the operations
//! mail's link opens the failed run's page, which says why it stopped with
//! the setup's screenshot, the page as it was and the log line that places
//! it; the front page keeps the night's runs and the failure still to see.

use nightshift::browser::Browser;
use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, free_port, robot_env, root, text};
use crate::console::{Served, unquote};
use crate::console_browser::{WAIT, axe_source, css, session, violations, wait_element, wait_text, wait_url, xpath};

/// The links to run pages in the mails of the outbox folder.
fn run_links(outbox: &std::path::Path, base: &str) -> Vec<String> {
    let mut links = Vec::new();
    for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        let mail = unquote(&std::fs::read_to_string(entry.path()).unwrap());
        for word in mail.split_whitespace() {
            let word = word.trim_end_matches(['.', ',']);
            if word.starts_with(&format!("{base}/runs/")) && !links.contains(&word.to_string()) {
                links.push(word.to_string());
            }
        }
    }
    links
}

#[test]
fn it_follows_the_operations_mail_to_a_failed_login_and_sees_why() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_PUBLIC_URL".into(), base.clone()));
    env.push(("NIGHTSHIFT_OPS_EMAIL".into(), "drift@example.se".into()));
    let wrong: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| match k.as_str() {
            "NIGHTSHIFT_SECRET_JOURNAL_PASSWORD" => (k.clone(), "fel-lösenord".into()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let out = h.run(&["run", ROBOT], &wrong);
    assert_eq!(out.status.code(), Some(1), "the login fails: {}", text(&out.stderr));
    let links = run_links(&h.state_dir().join("outbox"), &base);
    assert_eq!(links, [format!("{base}/runs/1")], "the operations mail links to the run");
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(0), "the next run succeeds: {}", text(&out.stderr));
    // A third night fails the same way, and nothing succeeds after it.
    let out = h.run(&["run", ROBOT], &wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let robot = std::fs::read_to_string(root().join(ROBOT)).unwrap();
    let frame_line = robot.lines().position(|l| l.trim_start().starts_with("- frame:")).unwrap() + 1;

    let console = Served::start(&h, &root().join("robots"), port, &env);
    let axe = axe_source();
    h.runtime.block_on(async {
        let mut b = session(1280, 900).await;
        b.goto(&links[0]).await.unwrap();
        wait_text(&mut b, "Why the run stopped").await;
        let said = b.read_text(&css("#main"), WAIT).await.unwrap();
        assert!(said.contains("no element matched css `frame[name=main]`"), "the error: {said}");
        let stopped_at = format!("stopped at line {frame_line} `frame`");
        assert!(said.contains(&stopped_at), "the log line that places it: {said}");
        assert!(said.contains("on the page http://127.0.0.1:"), "and the page it was on: {said}");
        let files = "return [...document.querySelectorAll('details ul a')].map(a => a.textContent).join(' ');";
        let listed = b.run_script(files, &[], WAIT).await.unwrap();
        assert!(listed.contains("setup.png") && listed.contains("setup.html"), "the run's files: {listed}");
        wait_element(&mut b, css("#shot-setup img.evidence")).await;
        let shown =
            "const i = document.querySelector('#shot-setup img'); return String(i.complete && i.naturalWidth > 100);";
        assert_eq!(b.run_script(shown, &[], WAIT).await.unwrap(), "true", "the setup's screenshot is shown");
        let mut narrow = session(390, 844).await;
        narrow.goto(&links[0]).await.unwrap();
        wait_text(&mut narrow, "Why the run stopped").await;
        for (browser, width) in [(&mut b, 1280), (&mut narrow, 390)] {
            let found = violations(browser, &axe).await;
            assert_eq!(found, Vec::<String>::new(), "axe-core on the failed run's page at {width} px");
        }
        // The front page: the night's runs, all three; of the failures, the
        // one no success has put right, until IT marks it seen.
        for (browser, width) in [(&mut b, 1280), (&mut narrow, 390)] {
            browser.goto(&format!("{base}/")).await.unwrap();
            wait_element(browser, css("h1")).await;
            let found = violations(browser, &axe).await;
            assert_eq!(found, Vec::<String>::new(), "axe-core on the front page at {width} px");
        }
        narrow.close().await;
        let night = b.read_text(&css("ul.runs"), WAIT).await.unwrap();
        assert_eq!(night.lines().count(), 3, "every run of the night, not only the last: {night}");
        assert_eq!(night.matches("failed").count(), 2, "{night}");
        let to_look_at = "return document.querySelector('h2 + ul').innerText;";
        let listed = b.run_script(to_look_at, &[], WAIT).await.unwrap();
        assert!(listed.contains("Run 3, vaccination-consent") && !listed.contains("Run 1,"), "{listed}");
        b.click(&xpath("//button[@aria-label='Mark as seen: run 3']"), WAIT).await.unwrap();
        wait_url(&mut b, "/").await;
        let listed = b.run_script(to_look_at, &[], WAIT).await.unwrap();
        assert!(!listed.contains("Run 3,"), "seen, it leaves the list: {listed}");

        // The page as it was, as text: the journal's own words.
        b.goto(&links[0]).await.unwrap();
        wait_text(&mut b, "Why the run stopped").await;
        let href = "return document.querySelector(\"#stopped a[href^='/evidence/']\").getAttribute('href');";
        let page_link = b.run_script(href, &[], WAIT).await.unwrap();
        b.goto(&format!("{base}{page_link}")).await.unwrap();
        wait_text(&mut b, "Inloggningen misslyckades").await;
        b.close().await;
    });
    drop(console);
}
