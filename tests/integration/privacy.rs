//! Personal data and secrets, as a hostile tester looks for them: a canary
//! password (and what a robot derives from it) is nowhere nightshift
//! writes, and after the retention window a canary personnummer is nowhere
//! in the state folder, while the statistics and the ledger still know
//! every case.

use std::path::Path;

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, files_below, free_port, text};
use crate::console::{Served, http};

const CANARY: &str = "kanariefagel-7f3e9b21";

fn robot(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let source = r##"name: privacy-canary
handlers: [elevhalsan@example.se]
secrets: [ESERVICE_PASSWORD]
privacy: { retention_days: 30 }
vars:
  eservice: ${env.NIGHTSHIFT_ESERVICE_URL}
setup:
  - goto: ${eservice}/login
  - fill:
      "label:Användarnamn": robot
      "label:Lösenord": ${secrets.ESERVICE_PASSWORD}
  - click: "text:Logga in"
  - set: { loud: "${secrets.ESERVICE_PASSWORD | upper}" }
  - set: { swapped: '${secrets.ESERVICE_PASSWORD | replace "a" "4"}' }
  - script: { code: "return arguments[0].split('').reverse().join('')", args: ["${secrets.ESERVICE_PASSWORD}"], into: reversed }
  - log: "derived: ${loud} ${swapped} ${reversed}"
  - goto: ${eservice}/inbox?type=vaccination_consent
items:
  table: table.errands
  key: Ärende
  steps:
    - goto: ${eservice}/errands/${item.Ärende}
    - read_text: { from: "#pupil-pnr", into: pnr }
    - fail: "Kontrollera eleven ${pnr} i ${item.Ärende}"
"##;
    let path = dir.join("privacy-canary.yaml");
    std::fs::write(&path, source).unwrap();
    path
}

/// Where each of `needles` occurs in `haystacks` (name and bytes).
fn found_in(haystacks: &[(String, Vec<u8>)], needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, bytes) in haystacks {
        let text = String::from_utf8_lossy(bytes);
        for needle in needles {
            if text.contains(needle.as_str()) {
                found.push(format!("`{needle}` in {name}"));
            }
        }
    }
    found
}

fn state_files(h: &Harness) -> Vec<(String, Vec<u8>)> {
    files_below(&h.state_dir()).into_iter().map(|f| (f.display().to_string(), std::fs::read(&f).unwrap())).collect()
}

#[test]
fn a_canary_secret_is_nowhere_and_a_canary_personnummer_is_gone_after_its_retention() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(2);
    config.eservice_password = CANARY.into();
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    let file = robot(&robots);
    let mut env = sites.env();
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), CANARY.into()));
    env.push(("NIGHTSHIFT_LOG".into(), "trace".into()));
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    let secrets: Vec<String> =
        vec![CANARY.into(), CANARY.to_uppercase(), CANARY.replace('a', "4"), CANARY.chars().rev().collect()];
    let pnrs: Vec<String> = config.errands.iter().map(|e| e.pupil.pnr.clone()).collect();
    let port = free_port();
    let console = Served::start(&h, &robots, port, &[]);
    let mut outputs =
        vec![("run stdout".to_string(), out.stdout.clone()), ("run stderr (trace)".to_string(), out.stderr.clone())];
    for path in ["/", "/runs", "/runs/1", "/cases", "/stats", "/metrics"] {
        outputs.push((format!("console {path}"), http(port, "GET", path, &[], None).body.into_bytes()));
    }
    for args in [vec!["show", "1", "--json"], vec!["show", "1"], vec!["review", "--json"], vec!["runs", "--json"]] {
        outputs.push((args.join(" "), h.run(&args, &[]).stdout));
    }
    drop(console);
    outputs.extend(state_files(&h));
    assert_eq!(found_in(&outputs, &secrets), Vec::<String>::new(), "the secret or a form derived from it leaked");
    assert!(
        text(&h.run(&["show", "1"], &[]).stdout).contains("derived: *** *** ***"),
        "the derived values were masked"
    );
    // Within the retention window the personnummer is in the run log.
    assert!(!found_in(&state_files(&h), &pnrs).is_empty(), "the scan finds the personnummer while it is kept");

    // The officers settle both cases; 31 days later the purge runs.
    for errand in &config.errands {
        let out = h.run(&["review", "privacy-canary", &errand.id, "--handled"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let before = h.json(&["stats", "--format", "json", "--by", "robot"]);
    let later = (chrono::Utc::now() + chrono::Duration::days(31)).to_rfc3339();
    let dry = h.run(&["--robots", robots.to_str().unwrap(), "purge", "--dry-run", "--now", &later], &[]);
    assert!(text(&dry.stdout).contains("privacy-canary: would purge 1 run(s), 2 case(s)"), "{}", text(&dry.stdout));
    assert!(!found_in(&state_files(&h), &pnrs).is_empty(), "a dry run changes nothing");
    let purge = h.run(&["--robots", robots.to_str().unwrap(), "purge", "--now", &later], &[]);
    assert_eq!(purge.status.code(), Some(0), "{}", text(&purge.stderr));
    let left = found_in(
        &state_files(&h),
        &pnrs.iter().flat_map(|p| [p.clone(), p.replace('-', ""), p[2..].to_string()]).collect::<Vec<_>>(),
    );
    assert_eq!(left, Vec::<String>::new(), "the personnummer is gone from the state folder");
    assert_eq!(h.json(&["stats", "--format", "json", "--by", "robot"]), before, "the figures are the same");

    // The same errands come again: the ledger still knows them.
    let again =
        h.run(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap(), "--json"], &env[..env.len() - 1]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let run: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (run["items"]["skipped"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(2), Some(0)),
        "{run}"
    );
}

#[test]
fn one_persons_data_is_forgotten_on_request() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    let file = robot(&robots);
    let mut env = sites.env();
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), config.eservice_password.clone()));
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let (gone, kept) = (&config.errands[0].pupil.pnr, &config.errands[1].pupil.pnr);
    let out = h.run(&["purge", "--personnummer", gone], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("personnummer {}-****", &gone[..8])), "{}", text(&out.stdout));
    assert!(!text(&out.stdout).contains(gone.as_str()), "the report does not repeat it");
    let forms = vec![gone.clone(), gone.replace('-', ""), gone[2..].to_string()];
    assert_eq!(found_in(&state_files(&h), &forms), Vec::<String>::new());
    assert!(!found_in(&state_files(&h), std::slice::from_ref(kept)).is_empty(), "the other child's data is kept");
}

#[test]
fn masking_personnummer_keeps_them_out_of_everything_written() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    let file = robot(&robots);
    let masked = std::fs::read_to_string(&file)
        .unwrap()
        .replace("retention_days: 30 }", "retention_days: 30, mask_personnummer: true }");
    std::fs::write(&file, masked).unwrap();
    let mut env = sites.env();
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), config.eservice_password.clone()));
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let pnrs: Vec<String> = config.errands.iter().map(|e| e.pupil.pnr.clone()).collect();
    let port = free_port();
    let console = Served::start(&h, &robots, port, &[]);
    let mut outputs = vec![("run stderr".to_string(), out.stderr.clone())];
    for path in ["/runs/1", "/cases"] {
        outputs.push((format!("console {path}"), http(port, "GET", path, &[], None).body.into_bytes()));
    }
    drop(console);
    outputs.push(("show --json".into(), h.run(&["show", "1", "--json"], &[]).stdout));
    outputs.extend(state_files(&h));
    assert!(outputs.iter().any(|(name, _)| name.ends_with(".html")), "evidence HTML was saved");
    assert_eq!(found_in(&outputs, &pnrs), Vec::<String>::new());
    let show = text(&h.run(&["show", "1"], &[]).stdout);
    assert!(show.contains(&format!("{}-****", &pnrs[0][..8])), "{show}");
}
