//! Open ePlatform as a source, against the stand-in platform over HTTP: its
//! events and a kept cursor, an older platform read by days, a family the
//! account may not read, the SOAP write-back, and the vaccination robot's
//! night with broken cases and a kill mid-run.

use nightshift::demo::data::consent_errands;
use nightshift::demo::oep::Instance;
use nightshift::demo::sites::{OEP_CONSENT_FAMILY, OEP_OTHER_FAMILY, SiteConfig};

use crate::common::{Harness, case_keys, case_of, robot_env, text};

/// A robot that only reads the platform and writes back, with no browser step.
fn reader(family: u32, extra: &str) -> String {
    format!(
        "name: oep-reader\nsecrets: [OEP_PASSWORD]\nitems:\n  open_eplatform:\n    url: ${{env.NIGHTSHIFT_OEP_URL}}\n    \
         user: robot\n    password: ${{secrets.OEP_PASSWORD}}\n    family: {family}\n    status: Inskickat\n{extra}  \
         key: FlowInstanceID\n  steps:\n    - write_csv: {{ file: read.csv, row: {{ id: \"${{item.FlowInstanceID}}\", \
         vaccine: \"${{item.vaccine.Value}}\", day: \"${{item.Posted}}\" }} }}\n    \
         - open_eplatform: {{ set_status: Under behandling }}\n"
    )
}

fn consents(days: &[&str]) -> Vec<Instance> {
    let errands = consent_errands(days.len());
    let at = |n: usize| format!("{}T0{}:15:00", days[n], n % 10);
    (0..days.len()).map(|n| Instance::consent(&errands[n], 7001 + n as u32, OEP_CONSENT_FAMILY, &at(n))).collect()
}

#[test]
fn events_move_a_kept_cursor_an_old_platform_is_read_by_days_and_refusals_are_said_plainly() {
    let h = Harness::new();
    let today = chrono::Local::now().date_naive();
    let day = |back: u64| (today - chrono::Days::new(back)).to_string();
    let (old, recent, now) = (day(10), day(2), day(0));
    let mut config = SiteConfig::demo(0);
    config.oep_instances = consents(&[&old, &recent, &now]);
    let mut other = config.oep_instances[0].clone();
    (other.id, other.family) = (9001, OEP_OTHER_FAMILY);
    config.oep_instances.push(other);
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    let path = h.dir.path().join("oep-reader.yaml");
    let run = |robot: &str| {
        std::fs::write(&path, robot).unwrap();
        let out = h.run(&["run", path.to_str().unwrap(), "--json"], &env);
        let said = text(&out.stderr);
        (out.status.code(), serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default(), said)
    };
    let read = || std::fs::read_to_string(h.dir.path().join("read.csv")).unwrap_or_default();

    // With events: every case of the family, whatever its day, then none again.
    let (code, first, said) = run(&reader(OEP_CONSENT_FAMILY, ""));
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(first["items"]["done"].as_i64(), Some(3), "{first}");
    assert!(read().contains("7001,HPV dos 1,") && !read().contains("9001"), "{}", read());
    {
        let oep = sites.oep.lock().unwrap();
        let changed: Vec<u32> = oep.status_changes.iter().map(|(id, _)| *id).collect();
        assert_eq!(changed, [7001, 7002, 7003]);
        assert!(
            oep.instances.iter().filter(|i| i.family == OEP_CONSENT_FAMILY).all(|i| i.status == "Under behandling")
        );
    }
    let (_, second, _) = run(&reader(OEP_CONSENT_FAMILY, ""));
    assert_eq!(second["items"]["total"].as_i64(), Some(0), "the cursor is past them: {second}");
    let errand = consent_errands(5).pop().unwrap();
    sites.oep.lock().unwrap().submit(Instance::consent(&errand, 7100, OEP_CONSENT_FAMILY, &format!("{now}T12:00:00")));
    let (_, third, _) = run(&reader(OEP_CONSENT_FAMILY, ""));
    assert_eq!(third["items"]["done"].as_i64(), Some(1), "only the new case: {third}");
    assert!(read().lines().last().unwrap().starts_with("7100,"), "{}", read());

    // A case in another status is not wanted, and the cursor moves past its
    // event all the same (were it to reach the status, it would have a new one).
    let mut draft = Instance::consent(&errand, 7200, OEP_CONSENT_FAMILY, &format!("{now}T13:00:00"));
    draft.status = "Utkast".into();
    sites.oep.lock().unwrap().submit(draft);
    let draft_event = sites.oep.lock().unwrap().events.last().unwrap().0;
    let (_, passed, _) = run(&reader(OEP_CONSENT_FAMILY, ""));
    assert_eq!(passed["items"]["total"].as_i64(), Some(0), "{passed}");
    run(&reader(OEP_CONSENT_FAMILY, ""));
    let asked = sites.oep.lock().unwrap().events_asked_from.clone();
    assert_eq!(asked.last(), Some(&(draft_event + 1)), "the draft's event is behind the cursor: {asked:?}");
    sites.oep.lock().unwrap().instances.retain(|i| i.id != 7200);

    // An older platform without events: the last `days` days, and it says
    // so; the ledger knows the cases it entered, whatever their status.
    sites.oep.lock().unwrap().events_api = false;
    for instance in sites.oep.lock().unwrap().instances.iter_mut() {
        instance.status = "Inskickat".into();
    }
    let (code, by_days, said) = run(&reader(OEP_CONSENT_FAMILY, "    days: 7\n"));
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(by_days["items"]["skipped"].as_i64(), Some(3), "{by_days}");
    let show = h.json(&["show", &by_days["id"].to_string(), "--json"]);
    assert_eq!(case_keys(&show), ["7002", "7003", "7100"], "the case of ten days ago is outside the window");
    assert!(show.to_string().contains("answers no `getevents` (an older Open ePlatform)"), "{show}");

    // A family the account was not granted, and a wrong password.
    let (code, refused, said) = run(&reader(OEP_OTHER_FAMILY, ""));
    assert_eq!(code, Some(1), "{said}");
    let error = refused["error"].as_str().unwrap_or_default().to_string() + &said;
    assert!(
        error.contains(
            "Open ePlatform refused family 901 to the user `robot`: the account has not been granted that e-service \
             (it said: This user does not have access to this flow family)"
        ),
        "{error}"
    );
    let wrong: Vec<(String, String)> = env
        .iter()
        .map(
            |(k, v)| {
                if k == "NIGHTSHIFT_SECRET_OEP_PASSWORD" { (k.clone(), "fel".into()) } else { (k.clone(), v.clone()) }
            },
        )
        .collect();
    std::fs::write(&path, reader(OEP_CONSENT_FAMILY, "")).unwrap();
    let out = h.run(&["run", path.to_str().unwrap()], &wrong);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refused the user `robot`: the user name or password is wrong"),
        "{}",
        text(&out.stderr)
    );
}

/// Cases (by index) the night's batch holds that a person must finish: XML
/// cut short, a consent without its guardian, one without the pupil's
/// personnummer (fields the e-service left out).
const BROKEN: usize = 6;
const NO_GUARDIAN: usize = 12;
const NO_PUPIL: usize = 17;

#[test]
fn a_night_of_consents_from_oep_survives_a_kill_and_confirms_each_delivery_once() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(20);
    let errands = config.errands.clone();
    config.oep_instances = errands
        .iter()
        .enumerate()
        .map(|(n, errand)| {
            let day = if n < 10 { "2026-12-05" } else { "2026-12-06" };
            let mut instance =
                Instance::consent(errand, 8001 + n as u32, OEP_CONSENT_FAMILY, &format!("{day}T1{}:00:00", n % 10));
            instance.broken = n == BROKEN;
            let gone = match n {
                NO_GUARDIAN => "guardian",
                NO_PUPIL => "pupilCitizenIdentifier",
                _ => "",
            };
            instance.values.retain(|(element, _, _)| element != gone);
            instance
        })
        .collect();
    let sites = h.sites(config.clone());
    let env = robot_env(&sites, &config);
    // The platform fails one status change: that case is tried again, and
    // calls the platform again.
    sites.oep.lock().unwrap().failing_status_calls = 1;

    // Killed (SIGKILL) right after the journal holds the first consent,
    // before the platform hears of it.
    let mut cmd = h.command(&["run", "robots/vaccination-consent-oep.yaml"]);
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while sites.journal.lock().unwrap().consents.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the journal got no consent within 90 s");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it registered a consent");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(sites.oep.lock().unwrap().deliveries.is_empty(), "killed before the platform was told");

    let out = h.run(&["run", "robots/vaccination-consent-oep.yaml", "--json"], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(17), Some(3)),
        "{run}"
    );
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    let message = |key: u32| case_of(&show, &key.to_string())["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message(8001).contains("samtycket fanns redan i journalen"),
        "the killed case was found: {}",
        message(8001)
    );
    assert!(message(8001 + BROKEN as u32).contains("the XML Open ePlatform gave for case 8007"), "{}", message(8007));
    assert!(message(8001 + NO_GUARDIAN as u32).contains("the case has no `guardian.Value`"), "{}", message(8013));
    assert!(
        message(8001 + NO_PUPIL as u32).contains("the case has no `pupilCitizenIdentifier.Value`"),
        "{}",
        message(8018)
    );

    let journal = sites.journal.lock().unwrap();
    let oep = sites.oep.lock().unwrap();
    for (n, errand) in errands.iter().enumerate() {
        let id = (8001 + n).to_string();
        let entered = journal.consents.iter().filter(|c| c.errand == id).count();
        let delivered: Vec<_> = oep.deliveries.iter().filter(|d| d.instance.to_string() == id).collect();
        let status = &oep.instances[n].status;
        if [BROKEN, NO_GUARDIAN, NO_PUPIL].contains(&n) {
            assert_eq!(
                (entered, delivered.len(), status.as_str()),
                (0, 0, "Inskickat"),
                "case {id} waits for a person"
            );
            continue;
        }
        assert_eq!(entered, 1, "case {id} entered {entered} times");
        let consent = journal.consents.iter().find(|c| c.errand == id).unwrap();
        assert_eq!((consent.pnr.as_str(), consent.consent), (errand.pupil.pnr.as_str(), errand.consent), "case {id}");
        assert_eq!(delivered.len(), 1, "case {id} delivered once");
        assert_eq!(
            (delivered[0].system.as_str(), delivered[0].external_id.as_str()),
            ("Elevhälsojournalen", id.as_str())
        );
        assert_eq!(status, "Under behandling", "case {id}");
    }
    // Seventeen cases confirmed, one of them twice: the try after the failed
    // status change confirmed again, which the platform took without a change.
    assert_eq!(oep.confirm_calls, 18);
    assert_eq!(oep.status_changes.len(), 17, "one change per case: {:?}", oep.status_changes);
    let retried = show["item_list"].as_array().unwrap().iter().filter(|i| i["attempts"].as_i64() == Some(2)).count();
    assert_eq!(retried, 1, "{show}");
}

#[test]
fn doctor_asks_the_platform_which_families_the_account_may_read() {
    let h = Harness::new();
    let config = SiteConfig::demo(0);
    let sites = h.sites(config.clone());
    let robots = h.dir.path().join("robots");
    std::fs::create_dir(&robots).unwrap();
    for family in [OEP_CONSENT_FAMILY, OEP_OTHER_FAMILY] {
        let robot = reader(family, "").replace("name: oep-reader", &format!("name: family-{family}"));
        std::fs::write(robots.join(format!("family-{family}.yaml")), robot).unwrap();
    }
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_WEBDRIVER_URL".into(), "http://127.0.0.1:1".into()));
    let out = h.run(&["--robots", robots.to_str().unwrap(), "doctor", "--json"], &env);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let line = |prefix: &str| {
        let checks = report["checks"].as_array().unwrap();
        let found = checks.iter().find(|c| c["check"].as_str().unwrap().starts_with(prefix));
        let found = found.unwrap_or_else(|| panic!("no `{prefix}` in {report}"));
        (found["ok"].as_bool().unwrap(), found["check"].as_str().unwrap().to_string())
    };
    let url = &sites.oep_url;
    assert_eq!(
        line("family-832: Open ePlatform"),
        (
            true,
            format!("family-832: Open ePlatform at {url}: the user `robot` may read family 832; it answers getevents")
        )
    );
    let (ok, said) = line("family-901: Open ePlatform");
    assert!(!ok && said.contains("refused family 901 to the user `robot`"), "{said}");
}

#[test]
fn files_a_citizen_attached_are_saved_for_upload_and_a_missing_one_is_the_case_s_exception() {
    use nightshift::demo::oep::Attachment;
    let h = Harness::new();
    let mut config = SiteConfig::demo(0);
    let mut cases = consents(&["2026-12-01", "2026-12-02", "2026-12-03"]);
    let file = |file_id: u32, name: &str, bytes: &[u8]| Attachment {
        element: "certificate".into(),
        question: "Läkarintyg".into(),
        query_id: 61_001,
        file_id,
        name: name.into(),
        bytes: bytes.to_vec(),
    };
    cases[0].files = vec![file(1, "intyg.pdf", b"%PDF-1.4 one")];
    cases[1].files = vec![file(2, "sida 1.png", b"\x89PNG first"), file(3, "sida 2.png", b"\x89PNG second")];
    config.oep_instances = cases;
    let sites = h.sites(config.clone());
    let robot = reader(OEP_CONSENT_FAMILY, "").replace(
        "    - open_eplatform: { set_status: Under behandling }\n",
        "    - open_eplatform: { save_files: { from: certificate, into: cert } }\n    \
         - write_csv: { file: files.csv, row: { id: \"${item.FlowInstanceID}\", files: \"${cert}\" } }\n",
    );
    let path = h.dir.path().join("oep-files.yaml");
    std::fs::write(&path, robot).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    assert_eq!(
        (run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(2), Some(1)),
        "{show}"
    );

    let mut listed = csv::Reader::from_path(h.dir.path().join("files.csv")).unwrap();
    let rows: Vec<(String, String)> = listed
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let one = &rows[0].1;
    assert!(one.ends_with("/oep/7001/intyg.pdf"), "{rows:?}");
    assert_eq!(std::fs::read(one).unwrap(), b"%PDF-1.4 one");
    let two: Vec<String> = serde_json::from_str(&rows[1].1).unwrap();
    assert_eq!(two.len(), 2, "{rows:?}");
    assert!(two[0].ends_with("/oep/7002/sida 1.png"));
    assert_eq!(std::fs::read(&two[1]).unwrap(), b"\x89PNG second");
    assert_eq!(case_keys(&show)[2], "7003");
    let third = case_of(&show, "7003");
    assert!(third["message"].as_str().unwrap().contains("the case has no `certificate`"), "{third}");
}
