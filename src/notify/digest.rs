//! Reminders for open exceptions: an officer whose cases have waited a
//! number of working days (the Swedish calendar: weekends and public
//! holidays do not count; per robot, `notify.remind_after_days`) gets one
//! digest of them, at most one a day, from 07:00 on a working day. A case
//! reminded of waits as many working days again before the next. Pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;

use crate::mail::report::OpenException;
use crate::mail::{Mail, MailKind};
use crate::notify::policy::MailPolicy;
use crate::notify::render::{Texts, render_reminder};
use crate::privacy::personnummer::mask_personnummer;
use crate::schedule::holidays::swedish_holiday;

/// The hour of a working day from which reminders go out.
pub(crate) const REMINDER_HOUR: u32 = 7;

/// A robot's reminder rule and how its mail is addressed.
#[derive(Debug, Clone)]
pub(crate) struct RemindPolicy {
    /// Working days an exception waits before its officer is reminded; 0: never.
    pub after_days: u32,
    pub mail: MailPolicy,
}

/// A reminder to queue, and the cases (robot, key) it names.
#[derive(Debug, Clone)]
pub(crate) struct Reminder {
    pub mail: Mail,
    pub cases: Vec<(String, String)>,
}

fn working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && swedish_holiday(date).is_none()
}

/// Working days after `from` up to and including `to`.
pub(crate) fn working_days_after(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| working_day(*d)).count() as u32
}

/// The reminders due at `now` (in the officers' timezone) for these open
/// exceptions; robots without a policy here are left alone.
pub(crate) fn plan(
    open: &[OpenException],
    policies: &BTreeMap<String, RemindPolicy>,
    now: DateTime<Tz>,
) -> Vec<Reminder> {
    let today = now.date_naive();
    if !working_day(today) || now.hour() < REMINDER_HOUR {
        return Vec::new();
    }
    let local_date =
        |at: &str| DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&now.timezone()).date_naive());
    let mut by_recipient: BTreeMap<Vec<String>, (Vec<&OpenException>, &RemindPolicy)> = BTreeMap::new();
    for x in open {
        let Some(policy) = policies.get(&x.robot).filter(|p| p.after_days > 0) else { continue };
        let since = x.reminded_at.as_deref().or(Some(x.opened_at.as_str())).and_then(local_date);
        if since.is_none_or(|since| working_days_after(since, today) < policy.after_days) {
            continue;
        }
        let to = match &x.handler {
            Some(handler) => vec![handler.clone()],
            None => policy.mail.handlers.clone(),
        };
        if !to.is_empty() {
            by_recipient.entry(to).or_insert_with(|| (Vec::new(), policy)).0.push(x);
        }
    }
    by_recipient
        .into_iter()
        .map(|(to, (cases, policy))| {
            let texts = Texts::new(policy.mail.language);
            let link = |x: &OpenException| {
                let links = policies.get(&x.robot).and_then(|p| p.mail.links.as_ref())?;
                links.url(&x.robot, &x.key, &to.join(","), now.with_timezone(&chrono::Utc))
            };
            let (mut subject, mut text, mut html) = render_reminder(&texts, &cases, link);
            if cases.iter().any(|x| policies.get(&x.robot).is_some_and(|p| p.mail.mask_personnummer)) {
                (subject, text, html) =
                    (mask_personnummer(&subject), mask_personnummer(&text), mask_personnummer(&html));
            }
            // One a day per recipient: the outbox keeps a message id once.
            let who: String = to.join("+").replace('@', ".at.");
            let mail = Mail {
                kind: MailKind::Reminder,
                to,
                subject,
                text,
                html,
                attachments: Vec::new(),
                message_id: format!("<reminder-{today}-{who}@nightshift>"),
            };
            Reminder { mail, cases: cases.iter().map(|x| (x.robot.clone(), x.key.clone())).collect() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::robot::model::Language;

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // Thursday 19 November to Tuesday 24: Friday, Monday, Tuesday.
        assert_eq!(working_days_after(d(11, 19), d(11, 24)), 3);
        assert_eq!(working_days_after(d(11, 24), d(11, 24)), 0);
        // Christmas: 24, 25 and 26 December and the weekend are not.
        assert_eq!(working_days_after(d(12, 23), d(12, 28)), 1);
    }

    fn open(key: &str, handler: Option<&str>, opened_at: &str) -> OpenException {
        OpenException {
            robot: "vaccination-consent".into(),
            key: key.into(),
            message: Some("Personnumret 20140806-1014 är ogiltigt".into()),
            handler: handler.map(String::from),
            run_id: 3,
            opened_at: opened_at.into(),
            last_seen_at: opened_at.into(),
            last_run_id: 3,
            reminded_at: None,
            fields: Vec::new(),
            screenshot: None,
            html: None,
        }
    }

    #[test]
    fn a_case_waiting_three_working_days_is_reminded_of_in_one_digest_per_officer() {
        let mut policy = MailPolicy::ops_only(None);
        policy.handlers = vec!["elevhalsan@example.se".into()];
        policy.language = Language::Swedish;
        let policies: BTreeMap<String, RemindPolicy> =
            [("vaccination-consent".to_string(), RemindPolicy { after_days: 3, mail: policy })].into();
        let cases = [
            open("2026-1044", Some("sk@example.se"), "2026-11-19T09:00:00Z"),
            open("2026-1045", Some("sk@example.se"), "2026-11-19T10:00:00Z"),
            open("2026-1046", None, "2026-11-23T09:00:00Z"),
        ];
        let at = |d, h| chrono_tz::Europe::Stockholm.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        assert!(plan(&cases, &policies, at(24, 6)).is_empty(), "not before 07:00");
        let due = plan(&cases, &policies, at(24, 8));
        assert_eq!(due.len(), 1, "the case opened Monday has waited one working day");
        assert_eq!(due[0].mail.to, ["sk@example.se"]);
        assert_eq!(due[0].cases.len(), 2);
        assert_eq!(due[0].mail.message_id, "<reminder-2026-11-24-sk.at.example.se@nightshift>");
        assert!(due[0].mail.text.contains("20140806-**** är ogiltigt"), "{}", due[0].mail.text);
        assert!(plan(&cases, &policies, at(22, 12)).is_empty(), "never on a Sunday");
    }
}
