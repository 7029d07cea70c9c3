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

#[test]
fn purged_cases_are_never_taken_again_without_the_key_they_were_hashed_with() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    let file = robot(&robots);
    let mut env = sites.env();
    env.push(("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), config.eservice_password.clone()));
    let robots_arg = robots.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--robots", robots_arg, "run", file.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        h.run(&args, &env)
    };
    assert_eq!(run(&[]).status.code(), Some(4));
    for errand in &config.errands {
        assert_eq!(h.run(&["review", "privacy-canary", &errand.id, "--handled"], &[]).status.code(), Some(0));
    }
    // A plain date is the start of that day.
    let later = (chrono::Utc::now() + chrono::Duration::days(32)).format("%Y-%m-%d").to_string();
    let dry = h.run(&["--robots", robots_arg, "purge", "--dry-run", "--now", &later], &[]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    let evidence = files_below(&h.state_dir().join("evidence")).len();
    assert!(evidence > 0, "the exceptions left evidence");
    let said = text(&dry.stdout);
    assert!(said.contains(&format!("evidence files: would purge {evidence}\n")), "{said}");
    assert!(said.contains("mail files: would purge "), "{said}");
    assert_eq!(files_below(&h.state_dir().join("evidence")).len(), evidence, "a dry run removes nothing");
    let purge = h.run(&["--robots", robots_arg, "purge", "--now", &later], &[]);
    assert_eq!(purge.status.code(), Some(0), "{}", text(&purge.stderr));
    assert!(text(&purge.stdout).contains(&format!("evidence files: purged {evidence}\n")), "{}", text(&purge.stdout));
    let key_file = h.state_dir().join("console.key");
    let key = std::fs::read(&key_file).unwrap();
    let runs_before = h.json(&["runs", "--json"]).as_array().unwrap().len();

    // Lost (a restore without it), then another key in its place: every
    // command that would hash a key stops, names the file, and takes no case.
    std::fs::remove_file(&key_file).unwrap();
    for (what, out) in [
        ("run", run(&[])),
        ("dry run", run(&["--dry-run"])),
        ("purge", h.run(&["--robots", robots_arg, "purge", "--dry-run"], &[])),
    ] {
        // A run says it in its JSON on stdout; purge on stderr.
        let said = format!("{}{}", text(&out.stderr), text(&out.stdout));
        assert_eq!(out.status.code(), Some(5), "{what}: {said}");
        assert!(said.contains("console.key`, and that file is missing: restore it"), "{what}: {said}");
    }
    assert!(!key_file.exists(), "no new key was made in its place");
    std::fs::write(&key_file, [7u8; 32]).unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("is not the key the run log's purged cases were hashed with"));
    let runs = h.json(&["runs", "--json"]);
    let new_runs = &runs.as_array().unwrap()[..runs.as_array().unwrap().len() - runs_before];
    assert!(new_runs.iter().all(|r| r["items"]["total"] == 0 && r["status"] == "failed"), "{runs}");

    // The key restored: the same errands are known, and skipped.
    std::fs::write(&key_file, &key).unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["items"]["skipped"], 2, "{again}");
}

#[test]
fn the_state_folder_is_its_owners_alone_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let h = Harness::new();
    let config = SiteConfig::demo(1);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    let file = robot(&robots);
    let mut command = h.command(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap()]);
    command.envs(sites.env()).env("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD", &config.eservice_password);
    // SAFETY: umask in the child before exec touches nothing but its mask.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let files = files_below(&h.state_dir());
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "png")), "evidence was saved: {files:?}");
    assert!(files.iter().any(|f| f.starts_with(h.state_dir().join("outbox"))), "mail was written: {files:?}");
    let mut open = Vec::new();
    let mut paths = files.clone();
    paths.extend(files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)));
    paths.push(h.state_dir());
    for path in paths {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open.push(format!("{} {mode:o}", path.display()));
        }
    }
    open.sort();
    open.dedup();
    assert_eq!(open, Vec::<String>::new(), "files and folders others can read");

    // A folder others can read (made by hand, or by an older version) is named by doctor.
    std::fs::set_permissions(h.state_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let doctor = h.run(&["doctor", "--json"], &[("NIGHTSHIFT_WEBDRIVER_URL".into(), "http://127.0.0.1:1".into())]);
    let doctor: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let line =
        doctor["checks"].as_array().unwrap().iter().find(|c| c["check"].as_str().unwrap().starts_with("state folder"));
    let line = line.expect("a line about the state folder");
    assert_eq!(line["ok"], false, "{line}");
    assert!(line["check"].as_str().unwrap().contains("can be read by other users (mode 755)"), "{line}");
}

#[test]
fn a_masked_personnummer_is_masked_however_written_and_names_no_file() {
    let h = Harness::new();
    let config = SiteConfig::demo(2);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    std::fs::create_dir_all(&robots).unwrap();
    let pnrs: Vec<String> = config.errands.iter().map(|e| e.pupil.pnr.clone()).collect();
    // Each case is keyed by its personnummer; its message writes it in the other forms.
    let mut csv = String::from("Personnummer,Ärende,Mellanslag,Kort\n");
    for (errand, pnr) in config.errands.iter().zip(&pnrs) {
        csv.push_str(&format!("{pnr},{},{},{}\n", errand.id, pnr.replace('-', " "), pnr[2..].replace('-', "")));
    }
    std::fs::write(robots.join("children.csv"), csv).unwrap();
    let source = "name: masked-keys\nhandlers: [elevhalsan@example.se]\nprivacy: { mask_personnummer: true }\n\
                  items:\n  csv: children.csv\n  key: Personnummer\n  steps:\n\
                  \x20   - goto: ${env.NIGHTSHIFT_ESERVICE_URL}/errands/${item.Ärende}\n\
                  \x20   - screenshot: ${item.Personnummer}\n\
                  \x20   - fail: \"Kontrollera ${item.Mellanslag} (${item.Kort}, ${item.Personnummer})\"\n";
    let file = robots.join("masked-keys.yaml");
    std::fs::write(&file, source).unwrap();
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", file.to_str().unwrap()], &sites.env());
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    // The run log keeps each case's key as the source gave it (the ledger
    // tells cases apart by it, until the retention hashes it); every other
    // way the number is written is masked wherever it is written.
    let forms: Vec<String> = pnrs
        .iter()
        .flat_map(|p| [p.replace('-', " "), p.replace('-', ""), p[2..].replace('-', ""), p[2..].replace('-', " ")])
        .collect();
    let mut outputs = vec![("run stderr".to_string(), out.stderr.clone())];
    outputs.push(("show --json".into(), h.run(&["show", "1", "--json"], &[]).stdout));
    outputs.push(("show".into(), h.run(&["show", "1"], &[]).stdout));
    let files = state_files(&h);
    outputs.extend(files.iter().filter(|(name, _)| !name.ends_with(".png")).cloned());
    assert_eq!(found_in(&outputs, &forms), Vec::<String>::new());
    // The mail to the officers masks the key too.
    let mail: Vec<(String, Vec<u8>)> = files.iter().filter(|(name, _)| name.contains("/outbox/")).cloned().collect();
    assert!(!mail.is_empty(), "an exception mail was written");
    assert_eq!(found_in(&mail, &pnrs), Vec::<String>::new());
    // No file is named by a personnummer, nor by its date of birth.
    let named: Vec<&String> =
        files.iter().map(|(name, _)| name).filter(|name| pnrs.iter().any(|p| name.contains(&p[..8]))).collect();
    assert_eq!(named, Vec::<&String>::new());
    let show = h.json(&["show", "1", "--json"]);
    let evidence: Vec<&str> =
        show["evidence"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert!(evidence.iter().any(|p| p.ends_with("/item-1.png")), "named by the case's place: {evidence:?}");
}
