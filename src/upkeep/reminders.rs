//! Queues the reminders that are due: reads the open exceptions from the
//! run log, lets `notify::digest` plan the mail, and queues each mail
//! with the cases it names marked as reminded of. Above both the store and
//! `notify`, as `delivery` is. The daemon calls it each time it wakes (at
//! least hourly) and `run` after each run, so a robot started by cron
//! reminds as well.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::notify::digest::{RemindPolicy, plan};
use crate::notify::policy::MailPolicy;
use crate::privacy::case_link::CaseLinks;
use crate::robot::model::Robot;
use crate::store::{Store, StoreError};

/// Queues the reminders due at `now` for these robots' open exceptions,
/// each case linked to its page where the console has a public address;
/// returns how many mails were queued.
pub(crate) fn queue_due<'r>(
    store: &mut Store,
    robots: impl IntoIterator<Item = &'r Robot>,
    links: Option<&CaseLinks>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let ops = MailPolicy::ops_from_env();
    let policies: BTreeMap<String, RemindPolicy> = robots
        .into_iter()
        .map(|robot| {
            let policy = RemindPolicy {
                after_days: robot.notify.remind_after_days,
                mail: MailPolicy::for_robot(robot, ops.clone()).with_links(links.cloned()),
            };
            (robot.name.clone(), policy)
        })
        .collect();
    let open = store.open_exceptions(None)?;
    let mut queued = 0;
    for reminder in plan(&open, &policies, now.with_timezone(&crate::human::timezone())) {
        let robots: Vec<&str> = reminder.cases.iter().map(|(robot, _)| robot.as_str()).collect();
        if store.queue_mail_once(&robots.join(","), &reminder.mail)? {
            store.mark_reminded(&reminder.cases, &now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))?;
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::runner::event::LedgerState;
    use crate::store::ledger::open_exception;

    #[test]
    fn an_officer_gets_one_reminder_after_three_working_days_and_none_the_day_after() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let source = "name: vaccination-consent\nhandlers: [elevhalsan@example.se]\nnotify: { remind_after_days: 3 }\n";
        let robot = crate::robot::validate::robot_from_str(Path::new("r.yaml"), source).unwrap();
        let run = store.create_run(&robot.name, "r.yaml", crate::store::Trigger::Schedule, 6.0).unwrap();
        // Two exceptions open on Thursday 19 November 2026, one officer's.
        for (seq, key) in ["2026-1044", "2026-1045"].into_iter().enumerate() {
            store
                .conn
                .execute(
                    "INSERT INTO items (run_id, seq, key, status, started_at, message, handler)
                     VALUES (?1, ?2, ?3, 'business_exception', '2026-11-19T01:30:00Z', 'fel', 'sk@example.se')",
                    rusqlite::params![run, seq as i64, key],
                )
                .unwrap();
            let item = store.conn.last_insert_rowid();
            store.set_ledger(&robot.name, key, Some(LedgerState::Open), run, Some(1)).unwrap();
            open_exception(&store.conn, &robot.name, key, (run, item), None).unwrap();
        }
        store.conn.execute("UPDATE exceptions SET opened_at = '2026-11-19T01:30:00.000Z'", []).unwrap();
        let at =
            |d, h| chrono_tz::Europe::Stockholm.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap().with_timezone(&Utc);
        let reminders = |store: &Store| -> Vec<(String, String)> {
            let mut stmt =
                store.conn.prepare("SELECT recipients, subject FROM outbox WHERE kind = 'reminder'").unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
        };
        // Friday and Monday: one and two working days.
        for day in [20, 23] {
            assert_eq!(queue_due(&mut store, [&robot], None, at(day, 9)).unwrap(), 0);
        }
        // Tuesday: three (the weekend between does not count); asked again
        // that afternoon, nothing more.
        assert_eq!(queue_due(&mut store, [&robot], None, at(24, 9)).unwrap(), 1);
        assert_eq!(queue_due(&mut store, [&robot], None, at(24, 15)).unwrap(), 0);
        let sent = reminders(&store);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "sk@example.se");
        assert!(sent[0].1.contains("2 ärenden väntar fortfarande"), "{}", sent[0].1);
        // Wednesday: reminded yesterday, so not again.
        assert_eq!(queue_due(&mut store, [&robot], None, at(25, 9)).unwrap(), 0);
        assert_eq!(reminders(&store).len(), 1);
        // Settled cases are never reminded of.
        store
            .settle_exception(
                &robot.name,
                "2026-1044",
                crate::store::Settlement::Handled,
                &crate::store::Actor::command_line(),
                None,
            )
            .unwrap();
        store
            .settle_exception(
                &robot.name,
                "2026-1045",
                crate::store::Settlement::Retry,
                &crate::store::Actor::command_line(),
                None,
            )
            .unwrap();
        assert_eq!(queue_due(&mut store, [&robot], None, at(30, 9)).unwrap(), 0);
    }
}
