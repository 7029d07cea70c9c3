//! The daemon's decisions with a fixed clock: when it wakes, when a robot
//! is overdue, what "run now" answers. Nothing here starts a browser.

use super::*;

/// A robots folder with `r` and a schedule that runs it at minute 0 of
/// every hour (Europe/Stockholm), and the daemon's run log, in `dir`.
fn daemon_at(dir: &std::path::Path, now: DateTime<Utc>) -> Daemon {
    let (robots, schedules) = (dir.join("robots"), dir.join("schedules"));
    std::fs::create_dir_all(&robots).unwrap();
    std::fs::create_dir_all(&schedules).unwrap();
    std::fs::write(robots.join("r.yaml"), "name: r\nsetup:\n  - goto: \"data:text/html,<p>x</p>\"\n").unwrap();
    std::fs::write(schedules.join("s.yaml"), "jobs:\n  - robot: r\n    cron: \"0 * * * *\"\n").unwrap();
    let settings = Settings::new(&dir.join("state"), &robots, &schedules, None);
    let store = Store::open(&settings.state_dir).unwrap();
    let options = ServeOptions { max_browsers: 2, grace: Duration::from_secs(1), http: None };
    let (done, _) = mpsc::unbounded_channel();
    let mut daemon = Daemon::new(settings, options, store, done, now);
    daemon.reload();
    daemon
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[test]
fn it_sleeps_until_the_next_slot_and_never_longer_than_an_hour() {
    let dir = tempfile::tempdir().unwrap();
    // 11:15 in Stockholm: the next slot is 12:00 there.
    let now = utc("2026-12-07T10:15:00Z");
    let daemon = daemon_at(dir.path(), now);
    assert_eq!(daemon.jobs().len(), 1);
    assert_eq!(daemon.next_wake(now), Duration::from_secs(45 * 60));
    std::fs::remove_file(dir.path().join("schedules/s.yaml")).unwrap();
    let mut idle = daemon;
    idle.reload();
    assert_eq!(idle.next_wake(now), MAX_SLEEP, "with no job it wakes hourly all the same");
}

#[test]
fn an_hourly_robot_without_a_success_for_over_two_hours_raises_one_alert() {
    let dir = tempfile::tempdir().unwrap();
    let started = utc("2026-12-07T07:10:00Z");
    let mut daemon = daemon_at(dir.path(), started);
    daemon.check_alerts(utc("2026-12-07T08:30:00Z"));
    assert_eq!(daemon.store.open_alerts().unwrap(), Vec::new(), "80 minutes without a run is not late");
    daemon.check_alerts(utc("2026-12-07T10:15:00Z"));
    daemon.check_alerts(utc("2026-12-07T10:16:00Z"));
    let alerts = daemon.store.open_alerts().unwrap();
    assert_eq!(alerts.len(), 1, "one alert however often it is checked: {alerts:?}");
    assert_eq!(alerts[0].kind, AlertKind::NoSuccess.as_str());
    assert_eq!(alerts[0].job, daemon.jobs()[0].id);
}

#[test]
fn run_now_names_a_missing_robot_and_the_run_of_one_running_already() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = daemon_at(dir.path(), utc("2026-12-07T10:15:00Z"));
    match daemon.run_now("nope") {
        RunNowAnswer::NoSuchRobot { name, .. } => assert_eq!(name, "nope"),
        other => panic!("{other:?}"),
    }
    let running = daemon.store.create_run("r", "r.yaml", Trigger::Manual, 0.0).unwrap();
    match daemon.run_now("r") {
        RunNowAnswer::Running(id) => assert_eq!(id, running),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_paused_job_records_its_slots_as_skipped_raises_no_alarm_and_the_pause_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let started = utc("2026-12-07T07:10:00Z");
    let mut daemon = daemon_at(dir.path(), started);
    let job = daemon.jobs()[0].id.clone();
    let it = crate::store::Actor { who: "it@kommun.se".into(), via: "console" };
    assert!(daemon.store.set_paused(&job, "r", true, &it).unwrap());
    assert!(!daemon.store.set_paused(&job, "r", true, &it).unwrap(), "paused once");
    // 08:00 and 09:00 come and go: recorded, not run.
    daemon.fire_due(utc("2026-12-07T09:05:00Z"));
    assert!(daemon.active.is_empty(), "nothing was started");
    let (runs, _) = daemon.store.runs_page(&crate::store::RunFilter::default(), 10, 0).unwrap();
    let said: Vec<(String, Option<String>)> =
        runs.iter().map(|r| (r.status.as_str().to_string(), r.error.clone())).collect();
    assert_eq!(said, vec![("skipped".to_string(), Some("paused from the console".to_string())); 2]);
    daemon.check_alerts(utc("2026-12-07T11:15:00Z"));
    assert_eq!(daemon.store.open_alerts().unwrap(), Vec::new(), "a paused robot is not overdue");
    assert!(daemon.store.set_paused(&job, "r", false, &it).unwrap());
    let audit = daemon.store.audit_entries(None, 10).unwrap();
    let what: Vec<(&str, &str, Option<&str>)> =
        audit.iter().map(|e| (e.action.as_str(), e.who.as_str(), e.note.as_deref())).collect();
    let note = format!("job {job}");
    assert_eq!(what, [("resume", "it@kommun.se", Some(note.as_str())), ("pause", "it@kommun.se", Some(note.as_str()))]);
    daemon.check_alerts(utc("2026-12-07T11:15:00Z"));
    assert_eq!(daemon.store.open_alerts().unwrap(), Vec::new(), "the slots it was paused for are not missed");
    daemon.check_alerts(Utc::now() + chrono::Duration::hours(3));
    assert_eq!(daemon.store.open_alerts().unwrap().len(), 1, "a slot missed after it was resumed is");
}
