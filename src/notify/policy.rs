//! Who gets which mail about a finished run: business exceptions to the
//! robot's handlers (or each case's own officer), one digest per recipient
//! by default; technical failures to operations. Pure.

use std::collections::BTreeMap;

use crate::mail::report::{ItemReport, RunReport};
use crate::mail::{Mail, MailKind, PlanMail};
use crate::notify::render::{Texts, render_cases, render_ops};
use crate::privacy::case_link::CaseLinks;
use crate::privacy::personnummer::mask_personnummer;
use crate::robot::model::{Language, Robot};
use crate::runner::event::{ItemStatus, RunStatus};

/// How a robot's mail is addressed and written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MailPolicy {
    pub handlers: Vec<String>,
    /// `NIGHTSHIFT_OPS_EMAIL`: where technical failures go.
    pub ops: Option<String>,
    pub language: Language,
    pub per_item: bool,
    pub mask_personnummer: bool,
    /// The robot's description, to name it in mail.
    pub description: String,
    /// Links to each case's page on the web console, when it has a public address.
    pub links: Option<CaseLinks>,
}

impl MailPolicy {
    pub(crate) fn for_robot(robot: &Robot, ops: Option<String>) -> Self {
        Self {
            handlers: robot.handlers.clone(),
            ops,
            language: robot.language,
            per_item: robot.notify.per_item,
            mask_personnummer: robot.notify.mask_personnummer,
            description: robot.description.clone(),
            links: None,
        }
    }

    /// For runs whose robot is not at hand (a dead process found at start).
    pub(crate) fn ops_only(ops: Option<String>) -> Self {
        Self {
            handlers: Vec::new(),
            ops,
            language: Language::Swedish,
            per_item: false,
            mask_personnummer: true,
            description: String::new(),
            links: None,
        }
    }

    /// Each business exception's mail links to its case on the console.
    pub(crate) fn with_links(mut self, links: Option<CaseLinks>) -> Self {
        self.links = links.filter(CaseLinks::is_public);
        self
    }

    /// The language of alerts, from `NIGHTSHIFT_OPS_LANGUAGE` (`sv`, the
    /// default, or `en`).
    pub(crate) fn ops_language_from_env() -> Language {
        match crate::environment::var("NIGHTSHIFT_OPS_LANGUAGE").map(|l| l.trim().to_ascii_lowercase()) {
            Some(l) if l.starts_with("en") => Language::English,
            _ => Language::Swedish,
        }
    }

    /// The operations address from `NIGHTSHIFT_OPS_EMAIL`.
    pub(crate) fn ops_from_env() -> Option<String> {
        crate::environment::var("NIGHTSHIFT_OPS_EMAIL").filter(|s| s.contains('@')).map(String::from)
    }
}

/// The mail a finished run calls for.
pub(crate) fn plan(report: &RunReport, policy: &MailPolicy) -> Vec<Mail> {
    let texts = Texts::new(policy.language).describing(&policy.description);
    let mut linked = report.clone();
    if let Some(links) = &policy.links {
        let now = chrono::Utc::now();
        for item in linked.items.iter_mut().filter(|i| i.status == ItemStatus::BusinessException) {
            // The link names whom its mail goes to, as the grouping below addresses it.
            let to = item.handler.clone().unwrap_or_else(|| policy.handlers.join(","));
            item.link = links.url(&report.robot, &item.key, &to, now);
        }
    }
    let report = &linked;
    let mut mails = Vec::new();
    let mut unaddressed: Vec<&ItemReport> = Vec::new();
    let mut groups: BTreeMap<Vec<String>, Vec<&ItemReport>> = BTreeMap::new();
    for item in report.items.iter().filter(|i| i.status == ItemStatus::BusinessException) {
        let to = match &item.handler {
            Some(handler) => vec![handler.clone()],
            None => policy.handlers.clone(),
        };
        if to.is_empty() {
            unaddressed.push(item);
        } else {
            groups.entry(to).or_default().push(item);
        }
    }
    for (n, (to, items)) in groups.into_iter().enumerate() {
        if policy.per_item {
            for item in items {
                let (subject, text, html) = render_cases(&texts, report, &[item]);
                mails.push(Mail {
                    kind: MailKind::Item,
                    to: to.clone(),
                    subject,
                    text,
                    html,
                    attachments: item.screenshot.iter().cloned().collect(),
                    message_id: format!("<run-{}.item-{}@nightshift>", report.run_id, item.seq),
                });
            }
        } else {
            let (subject, text, html) = render_cases(&texts, report, &items);
            mails.push(Mail {
                kind: MailKind::Digest,
                to,
                subject,
                text,
                html,
                attachments: items.iter().filter_map(|i| i.screenshot.clone()).collect(),
                message_id: format!("<run-{}.digest-{n}@nightshift>", report.run_id),
            });
        }
    }
    let technical: Vec<&ItemReport> = report
        .items
        .iter()
        .filter(|i| matches!(i.status, ItemStatus::SystemException | ItemStatus::NeedsReview))
        .collect();
    let run_failed = matches!(report.status, RunStatus::Failed | RunStatus::TimedOut | RunStatus::Interrupted);
    if let Some(ops) = &policy.ops
        && (run_failed || !technical.is_empty() || !unaddressed.is_empty())
    {
        let run_page = policy.links.as_ref().and_then(|l| l.page(&format!("/runs/{}", report.run_id)));
        let (subject, text, html) = render_ops(&texts, report, &technical, &unaddressed, run_page);
        mails.push(Mail {
            kind: MailKind::Ops,
            to: vec![ops.clone()],
            subject,
            text,
            html,
            attachments: technical.iter().chain(&unaddressed).filter_map(|i| i.screenshot.clone()).collect(),
            message_id: format!("<run-{}.ops@nightshift>", report.run_id),
        });
    }
    if policy.mask_personnummer {
        for mail in &mut mails {
            mail.subject = mask_personnummer(&mail.subject);
            mail.text = mask_personnummer(&mail.text);
            mail.html = mask_personnummer(&mail.html);
        }
    }
    mails
}

impl PlanMail for MailPolicy {
    fn plan(&self, report: &RunReport) -> Vec<Mail> {
        plan(report, self)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn item(seq: i64, key: &str, status: &str, message: &str, handler: Option<&str>) -> ItemReport {
        ItemReport {
            seq,
            key: key.into(),
            status: ItemStatus::parse(status).unwrap(),
            message: Some(message.into()),
            handler: handler.map(String::from),
            steps_done: 9,
            stopped_at: Some(("fail".into(), 45)),
            screenshot: Some(PathBuf::from(format!("/state/evidence/12/item-{}.png", seq + 1))),
            link: None,
        }
    }

    fn report() -> RunReport {
        RunReport {
            run_id: 12,
            robot: "vaccination-consent".into(),
            status: RunStatus::SucceededWithExceptions,
            started_at: "2026-11-24T01:30:02.000Z".into(),
            error: None,
            items: vec![
                item(
                    2,
                    "2026-1044",
                    "business_exception",
                    "Eleven med personnummer 20140806-1014 finns inte i elevhälsojournalen",
                    None,
                ),
                item(
                    7,
                    "2026-1049",
                    "business_exception",
                    "Eleven med personnummer 20130918-3360 finns inte i elevhälsojournalen",
                    Some("skolskoterska.sorberge@example.se"),
                ),
                item(
                    9,
                    "2026-1051",
                    "system_exception",
                    "line 30: `click` failed: no element matched within 10s",
                    None,
                ),
            ],
        }
    }

    fn policy(language: Language) -> MailPolicy {
        MailPolicy {
            handlers: vec!["elevhalsan@example.se".into()],
            ops: Some("drift@example.se".into()),
            language,
            per_item: false,
            mask_personnummer: false,
            description: "Samtycke till skolvaccination".into(),
            links: None,
        }
    }

    #[test]
    fn the_operations_mail_links_to_the_run_s_page_where_the_console_has_an_address() {
        let links = Some(CaseLinks::for_tests("https://nightshift.kommun.se"));
        let mails = plan(&report(), &policy(Language::Swedish).with_links(links));
        let ops = mails.iter().find(|m| m.kind == MailKind::Ops).unwrap();
        assert!(ops.text.contains("Körningen i konsolen: https://nightshift.kommun.se/runs/12\n"), "{}", ops.text);
        assert!(ops.html.contains("<a href=\"https://nightshift.kommun.se/runs/12\">"), "{}", ops.html);
        assert!(!ops.text.contains("nightshift show"), "{}", ops.text);
    }

    #[test]
    fn business_exceptions_go_to_each_cases_officer_and_failures_to_operations() {
        let mails = plan(&report(), &policy(Language::Swedish));
        let summary: Vec<(MailKind, Vec<String>, String)> =
            mails.iter().map(|m| (m.kind, m.to.clone(), m.message_id.clone())).collect();
        assert_eq!(
            summary,
            [
                (
                    MailKind::Digest,
                    vec!["elevhalsan@example.se".to_string()],
                    "<run-12.digest-0@nightshift>".to_string()
                ),
                (
                    MailKind::Digest,
                    vec!["skolskoterska.sorberge@example.se".to_string()],
                    "<run-12.digest-1@nightshift>".to_string()
                ),
                (MailKind::Ops, vec!["drift@example.se".to_string()], "<run-12.ops@nightshift>".to_string()),
            ]
        );
        assert_eq!(mails[0].attachments, [PathBuf::from("/state/evidence/12/item-3.png")]);
        insta::assert_snapshot!("digest_sv_subject", mails[0].subject);
        insta::assert_snapshot!("digest_sv_text", mails[0].text);
        insta::assert_snapshot!("digest_sv_html", mails[0].html);
        insta::assert_snapshot!("ops_sv_text", mails[2].text);
    }

    #[test]
    fn english_and_one_mail_per_case_on_request() {
        let mut p = policy(Language::English);
        p.per_item = true;
        let mails = plan(&report(), &p);
        assert_eq!(mails.iter().filter(|m| m.kind == MailKind::Item).count(), 2);
        insta::assert_snapshot!("item_en_subject", mails[0].subject);
        insta::assert_snapshot!("item_en_text", mails[0].text);
    }

    #[test]
    fn masking_hides_the_last_four_digits_everywhere() {
        let mut p = policy(Language::Swedish);
        p.mask_personnummer = true;
        for mail in plan(&report(), &p) {
            for part in [&mail.subject, &mail.text, &mail.html] {
                assert!(!part.contains("20140806-1014") && !part.contains("1014 finns"), "{part}");
            }
        }
        assert!(plan(&report(), &p)[0].text.contains("20140806-**** finns inte"));
    }

    #[test]
    fn a_clean_run_sends_nothing_and_failures_without_ops_address_go_nowhere() {
        let mut clean = report();
        clean.items.clear();
        clean.status = RunStatus::Succeeded;
        assert!(plan(&clean, &policy(Language::Swedish)).is_empty());
        let mut p = policy(Language::Swedish);
        p.ops = None;
        assert!(plan(&report(), &p).iter().all(|m| m.kind != MailKind::Ops));
    }
}
