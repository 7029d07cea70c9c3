//! The sample flows on the stand-in sites, in three measurements that
//! scripts/bench reads (one JSON object on the last line):
//!
//! - `throughput RUNS DELAY_MS`: 40 errands with every page DELAY_MS late,
//!   run by `nightshift run` (release build) with 1, 2 and 4 workers,
//!   interleaved; cases per minute, and the CPU time and peak memory of
//!   nightshift with its chromedrivers and browsers.
//! - `flow RUNS DELAY_MS`: 10 errands, one worker, against a raw fantoccini
//!   program that issues the robot's commands itself with ideal waits (no
//!   polling: each command runs once its page has loaded), per case.
//! - `modern RUNS`: 10 food-business errands into Lex, the single-page app
//!   of web components, by the sample robot and by a plain fantoccini
//!   program written as a Selenium user would (the shadow roots opened by
//!   WebDriver, keys sent to each field, every wait a 5 ms poll), per case.
//!
//! Usage: cargo bench --bench workers -- throughput 3 150

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use nightshift::browser::webdriver::{READ_TEXT, script};
use nightshift::demo::eservice::Errand;
use nightshift::demo::sites::{DEMO_JOURNAL_PASSWORD, DEMO_LEX_PASSWORD, DEMO_SECRETS, DEMO_USER, SiteConfig, Sites};
use serde_json::{Value, json};

#[path = "support/raw.rs"]
mod raw;
use raw::Raw;

const ROBOT: &str = "robots/vaccination-consent.yaml";
const FOOD_ROBOT: &str = "robots/food-business-registration.yaml";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let delay = Duration::from_millis(args.get(3).and_then(|s| s.parse().ok()).unwrap_or(150));
    let result = match args.get(1).map(String::as_str) {
        Some("flow") => flow(runs, delay).await,
        Some("modern") => modern(runs).await,
        _ => throughput(runs, delay).await,
    };
    println!("{result}");
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn sites(count: usize, delay: Duration) -> Sites {
    let mut config = SiteConfig::demo(count);
    config.page_delay = delay;
    Sites::start(config).await.expect("stand-in sites")
}

/// What one `nightshift run` took.
struct Measured {
    /// From the first case's start to the last case's end.
    cases_ms: f64,
    /// The whole run, browser start included.
    wall_ms: f64,
    cpu_s: f64,
    peak_pss_mib: f64,
    done: i64,
}

async fn run_nightshift(sites: &Sites, workers: usize) -> Measured {
    run_robot(ROBOT, sites, workers).await
}

async fn run_robot(robot: &str, sites: &Sites, workers: usize) -> Measured {
    let state = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = sites.env();
    env.extend(DEMO_SECRETS.iter().map(|(k, v)| (format!("NIGHTSHIFT_SECRET_{k}"), v.to_string())));
    env.push(("NIGHTSHIFT_STATE_DIR".into(), state.path().display().to_string()));
    let binary = root().join("target/release/nightshift");
    let args = vec!["run".to_string(), robot.into(), "--workers".into(), workers.to_string()];
    let (wall_ms, cpu_s, peak_pss_mib) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(args)
            .envs(env)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nightshift");
        let mut ticks: HashMap<u32, u64> = HashMap::new();
        let mut peak_kib = 0;
        while child.try_wait().unwrap().is_none() {
            let kib = sample(child.id(), &mut ticks);
            peak_kib = peak_kib.max(kib);
            std::thread::sleep(Duration::from_millis(100));
        }
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        // SAFETY: sysconf only reads a constant of the system.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        (wall, ticks.values().sum::<u64>() as f64 / per_second, peak_kib as f64 / 1024.0)
    })
    .await
    .unwrap();
    let out = Command::new(root().join("target/release/nightshift"))
        .args(["show", "1", "--json"])
        .env("NIGHTSHIFT_STATE_DIR", state.path())
        .output()
        .unwrap();
    let show: Value = serde_json::from_slice(&out.stdout).expect("show --json");
    Measured {
        cases_ms: cases_span(&show),
        wall_ms,
        cpu_s,
        peak_pss_mib,
        done: show["items"]["done"].as_i64().unwrap_or(0),
    }
}

/// The summed proportional memory (PSS, KiB: shared pages divided among
/// their sharers, so Chromium's processes are not counted many times over)
/// of `root` and every process below it (Chromium's helpers rewrite their
/// own environment, so the tree is followed, not a marker); each one's CPU
/// ticks so far are kept in `ticks`.
fn sample(root: u32, ticks: &mut HashMap<u32, u64>) -> u64 {
    let mut parents: HashMap<u32, u32> = HashMap::new();
    let mut used: HashMap<u32, u64> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        parents.insert(pid, number(1) as u32);
        used.insert(pid, number(11) + number(12));
    }
    let mut tree = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, parent) in &parents {
            if tree.contains(parent) && !tree.contains(pid) {
                tree.push(*pid);
                grew = true;
            }
        }
    }
    let mut pss = 0;
    for pid in tree {
        if let Some(cpu) = used.get(&pid) {
            ticks.insert(pid, (*cpu).max(ticks.get(&pid).copied().unwrap_or(0)));
        }
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let kib = rollup.lines().find_map(|l| l.strip_prefix("Pss:")).map(|v| v.trim().trim_end_matches(" kB"));
        pss += kib.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    pss
}

/// Milliseconds from the first case's start to the last case's end.
fn cases_span(show: &Value) -> f64 {
    let items = show["item_list"].as_array().cloned().unwrap_or_default();
    let instants = items.iter().filter_map(|i| {
        let started = chrono::DateTime::parse_from_rfc3339(i["started_at"].as_str()?).ok()?;
        let ms = i["duration_ms"].as_i64()?;
        Some((started, started + chrono::Duration::milliseconds(ms)))
    });
    let (first, last) = instants.fold((None, None), |(first, last): (Option<_>, Option<_>), (s, e)| {
        (
            Some(first.map_or(s, |f: chrono::DateTime<_>| f.min(s))),
            Some(last.map_or(e, |l: chrono::DateTime<_>| l.max(e))),
        )
    });
    match (first, last) {
        (Some(first), Some(last)) => (last - first).num_milliseconds() as f64,
        _ => f64::NAN,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn throughput(runs: usize, delay: Duration) -> Value {
    const ERRANDS: usize = 40;
    let counts = [1usize, 2, 4];
    let mut samples: HashMap<usize, Vec<Measured>> = HashMap::new();
    for _ in 0..runs {
        for workers in counts {
            let sites = sites(ERRANDS, delay).await;
            let measured = run_nightshift(&sites, workers).await;
            assert_eq!(measured.done, ERRANDS as i64, "{workers} worker(s) did not enter every errand");
            samples.entry(workers).or_default().push(measured);
        }
    }
    let per_minute = |m: &Measured| ERRANDS as f64 / (m.wall_ms / 60_000.0);
    let mut out = serde_json::Map::new();
    for workers in counts {
        let s = &samples[&workers];
        out.insert(
            workers.to_string(),
            json!({
                "cases_per_minute": median(s.iter().map(per_minute).collect()),
                "all_runs_cases_per_minute": s.iter().map(per_minute).map(|v| (v * 10.0).round() / 10.0).collect::<Vec<_>>(),
                "run_s": median(s.iter().map(|m| m.wall_ms / 1000.0).collect()),
                "cases_s": median(s.iter().map(|m| m.cases_ms / 1000.0).collect()),
                "cpu_s": median(s.iter().map(|m| m.cpu_s).collect()),
                "cpu_s_per_worker": median(s.iter().map(|m| m.cpu_s / workers as f64).collect()),
                "peak_pss_mib": median(s.iter().map(|m| m.peak_pss_mib).collect()),
                "peak_pss_mib_per_worker": median(s.iter().map(|m| m.peak_pss_mib / workers as f64).collect()),
            }),
        );
    }
    json!({ "errands": ERRANDS, "page_delay_ms": delay.as_millis() as u64, "runs": runs, "workers": out })
}

async fn flow(runs: usize, delay: Duration) -> Value {
    const ERRANDS: usize = 10;
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let sites_ours = sites(ERRANDS, delay).await;
        let measured = run_nightshift(&sites_ours, 1).await;
        assert_eq!(measured.done, ERRANDS as i64);
        ours.push(measured.cases_ms / ERRANDS as f64);
        let sites_raw = sites(ERRANDS, delay).await;
        raw.push(raw_flow(&sites_raw).await / ERRANDS as f64);
        assert_eq!(sites_raw.journal.lock().unwrap().consents.len(), ERRANDS, "the raw program entered every errand");
    }
    let (ours_ms, raw_ms) = (median(ours.clone()), median(raw.clone()));
    json!({
        "errands": ERRANDS,
        "page_delay_ms": delay.as_millis() as u64,
        "nightshift_ms_per_case": ours_ms,
        "raw_ms_per_case": raw_ms,
        "ratio": ours_ms / raw_ms,
        "all_runs": { "nightshift": ours, "raw": raw },
    })
}

/// The robot's work done by hand in fantoccini; returns the milliseconds
/// from the first case's start to the last case's end.
async fn raw_flow(sites: &Sites) -> f64 {
    let raw = Raw::start().await;
    let client = &raw.client;
    let (eservice, journal) = (sites.eservice_url.clone(), sites.journal_url.clone());
    let eservice_password = DEMO_SECRETS.iter().find(|(k, _)| *k == "ESERVICE_PASSWORD").map(|(_, v)| *v).unwrap();
    login(client, &format!("{journal}/login"), DEMO_JOURNAL_PASSWORD).await;
    login(client, &format!("{eservice}/login"), eservice_password).await;
    let ids = inbox(client, &eservice).await;
    let started = Instant::now();
    for id in &ids {
        one_case(client, &eservice, &journal, id).await;
    }
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    raw.end().await;
    elapsed
}

async fn login(client: &Client, url: &str, password: &str) {
    client.goto(url).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(DEMO_USER).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// The errand ids of every inbox page.
async fn inbox(client: &Client, eservice: &str) -> Vec<String> {
    client.goto(&format!("{eservice}/inbox?type=vaccination_consent")).await.unwrap();
    let mut ids = Vec::new();
    loop {
        for cell in client.find_all(Locator::Css("table.errands tbody tr td:first-child")).await.unwrap() {
            ids.push(cell.text().await.unwrap());
        }
        match client.find(Locator::LinkText("Nästa sida")).await {
            Ok(next) => next.click().await.unwrap(),
            Err(_) => return ids,
        }
    }
}

/// One errand: read it, register the consent in the journal's frame, mark it handled.
async fn one_case(client: &Client, eservice: &str, journal: &str, id: &str) {
    let errand = format!("{eservice}/errands/{id}");
    client.goto(&errand).await.unwrap();
    let read = script(READ_TEXT);
    let mut fields = Vec::new();
    for field in ["pupil-pnr", "vaccine", "consent", "guardian"] {
        let text = client.execute(&read, vec![json!({ "css": format!("#{field}") })]).await.unwrap();
        fields.push(text.as_str().unwrap_or_default().to_string());
    }
    client.goto(&format!("{journal}/")).await.unwrap();
    client.find(Locator::Css("frame[name=main]")).await.unwrap().enter_frame().await.unwrap();
    client.find(Locator::Id("pnr")).await.unwrap().send_keys(&fields[0]).await.unwrap();
    client.find(Locator::Css("input[type=submit]")).await.unwrap().click().await.unwrap();
    appears(client, "#vaccine").await;
    let unknown = client.execute("return document.body.innerText.includes('Ingen elev med personnummer')", vec![]);
    assert_eq!(unknown.await.unwrap(), json!(false));
    client.find(Locator::Id("vaccine")).await.unwrap().select_by_label(&fields[1]).await.unwrap();
    client.find(Locator::Id("consent")).await.unwrap().select_by_label(&fields[2]).await.unwrap();
    client.find(Locator::Id("guardian")).await.unwrap().send_keys(&fields[3]).await.unwrap();
    client.find(Locator::Id("errand")).await.unwrap().send_keys(id).await.unwrap();
    client.find(Locator::Css("input[value='Registrera samtycke']")).await.unwrap().click().await.unwrap();
    appears(client, "p.notice").await;
    client.goto(&errand).await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    appears(client, "p.notice").await;
}

/// Waits for what a click's new page shows: chromedriver does not wait for
/// a frame's navigation, so the program asks every 5 ms (a round trip).
async fn appears(client: &Client, css: &str) {
    let wait = client.wait().at_most(Duration::from_secs(10)).every(Duration::from_millis(5));
    wait.for_element(Locator::Css(css)).await.unwrap();
}

async fn modern(runs: usize) -> Value {
    const ERRANDS: usize = 10;
    let lex_sites = || async {
        let mut config = SiteConfig::demo(0);
        config.other_errands = nightshift::demo::data::food_registrations(ERRANDS);
        Sites::start(config).await.expect("stand-in sites")
    };
    let entered = |sites: &Sites| sites.lex.lock().unwrap().cases.iter().filter(|c| !c.errand.is_empty()).count();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let sites_ours = lex_sites().await;
        let measured = run_robot(FOOD_ROBOT, &sites_ours, 1).await;
        assert_eq!((measured.done, entered(&sites_ours)), (ERRANDS as i64, ERRANDS), "the robot entered every errand");
        ours.push(measured.cases_ms / ERRANDS as f64);
        let sites_raw = lex_sites().await;
        raw.push(raw_modern(&sites_raw).await / ERRANDS as f64);
        assert_eq!(entered(&sites_raw), ERRANDS, "the raw program entered every errand");
    }
    let (ours_ms, raw_ms) = (median(ours.clone()), median(raw.clone()));
    json!({
        "errands": ERRANDS,
        "nightshift_ms_per_case": ours_ms,
        "raw_ms_per_case": raw_ms,
        "ratio": ours_ms / raw_ms,
        "all_runs": { "nightshift": ours, "raw": raw },
    })
}

/// The food robot's work on Lex as a Selenium user writes it; returns the
/// milliseconds the cases took.
async fn raw_modern(sites: &Sites) -> f64 {
    let raw = Raw::start().await;
    let client = &raw.client;
    let lex = sites.lex_url.clone();
    client.goto(&format!("{lex}/login")).await.unwrap();
    client.find(Locator::Id("u")).await.unwrap().send_keys(DEMO_USER).await.unwrap();
    client.find(Locator::Id("p")).await.unwrap().send_keys(DEMO_LEX_PASSWORD).await.unwrap();
    client.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    poll(client, "return location.pathname === '/cases' || null").await;
    let errands: Vec<Errand> = sites.eservice.lock().unwrap().errands.clone();
    let files = tempfile::tempdir().unwrap();
    let started = Instant::now();
    for errand in &errands {
        raw_lex_case(client, &lex, &sites.eservice_url, errand, files.path()).await;
    }
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    raw.end().await;
    elapsed
}

async fn raw_lex_case(client: &Client, lex: &str, eservice: &str, errand: &Errand, files: &std::path::Path) {
    // Is the company there already? The list filters as keys are typed.
    client.goto(&format!("{lex}/cases")).await.unwrap();
    client.find(Locator::Id("filter")).await.unwrap().send_keys(errand.field("orgnr")).await.unwrap();
    let count = poll(client, "return document.getElementById('count').textContent || null").await;
    assert_eq!(count, json!("Inga ärenden matchar."), "{} is new", errand.field("company"));

    client.goto(&format!("{lex}/cases/new")).await.unwrap();
    let inner = |host: String, inner: &'static str| async move {
        let host = client.find(Locator::Css(&host)).await.unwrap();
        host.shadow_root().await.unwrap().find(Locator::Css(inner)).await.unwrap()
    };
    let fields = [
        ("company", errand.field("company")),
        ("orgnr", errand.field("orgnr")),
        ("address", errand.field("address")),
        ("received", errand.submitted.as_str()),
        ("errand", errand.id.as_str()),
    ];
    for (name, value) in fields {
        inner(format!("lex-field[name={name}]"), "input").await.send_keys(value).await.unwrap();
    }
    pick(client, &inner("lex-combobox".into(), "#q").await, "lex-combobox", errand.field("property")).await;
    for activity in errand.field("activities").split(", ") {
        pick(client, &inner("lex-chips".into(), "#q").await, "lex-chips", activity).await;
    }
    let (name, bytes) = errand.attachment.clone().unwrap();
    let path = files.join(&name);
    std::fs::write(&path, bytes).unwrap();
    inner("lex-upload".into(), "input").await.send_keys(&path.display().to_string()).await.unwrap();

    client.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#confirm #ok")).await.unwrap().click().await.unwrap();
    let toast = "const t = [...document.querySelectorAll('.toast')].map(t => t.textContent)\
                 .find(t => t.startsWith('Ärendet registrerat: ')); return t || null";
    let toast = poll(client, toast).await;
    let dnr = toast.as_str().unwrap().trim_start_matches("Ärendet registrerat: ").to_string();
    poll(client, &format!("return location.pathname === '/cases/{dnr}' || null")).await;

    let handled = format!("{eservice}/api/errands/{}/handled", errand.id);
    tokio::task::spawn_blocking(move || {
        let token = format!("Bearer {}", nightshift::demo::sites::DEMO_ESERVICE_API_TOKEN);
        let body = json!({ "case": dnr }).to_string();
        let request = ureq::post(&handled).header("Authorization", &token).content_type("application/json");
        request.send(body.as_bytes()).unwrap();
    })
    .await
    .unwrap();
}

/// Types `value` into a combobox's field and clicks the option with that
/// text once its list (in the host's shadow root) shows it.
async fn pick(client: &Client, field: &fantoccini::elements::Element, host: &str, value: &str) {
    field.send_keys(value).await.unwrap();
    let root = client.find(Locator::Css(host)).await.unwrap().shadow_root().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        for option in root.find_all(Locator::Css("[role=option]")).await.unwrap() {
            if option.text().await.unwrap_or_default() == value {
                option.click().await.unwrap();
                return;
            }
        }
        assert!(Instant::now() < deadline, "no option {value}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs `js` every 5 ms until it answers something other than null.
async fn poll(client: &Client, js: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = client.execute(js, vec![]).await.unwrap();
        if !answer.is_null() {
            return answer;
        }
        assert!(Instant::now() < deadline, "waited 10 s for {js}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
