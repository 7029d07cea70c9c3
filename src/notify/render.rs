//! The words of the mail, in Swedish (the default) and English, as plain
//! text and HTML. Pure functions, snapshot-tested.

use maud::{DOCTYPE, Markup, html};

use crate::mail::report::{ItemReport, OpenException, RunReport};
use crate::robot::model::Language;
use crate::runner::event::RunStatus;
use crate::schedule::overdue::Overdue;

/// The phrases of one language.
pub(crate) struct Texts {
    language: Language,
    /// The robot's description, named beside the robot when there is one.
    description: String,
}

impl Texts {
    pub(crate) fn new(language: Language) -> Self {
        Self { language, description: String::new() }
    }

    pub(crate) fn describing(mut self, description: &str) -> Self {
        self.description = description.to_string();
        self
    }

    fn describe(&self, report: &RunReport) -> String {
        if self.description.is_empty() {
            format!("\"{}\"", report.robot)
        } else {
            format!("\"{}\" ({})", report.robot, self.description)
        }
    }

    fn sv(&self) -> bool {
        self.language == Language::Swedish
    }

    fn greeting(&self) -> &'static str {
        if self.sv() { "Hej!" } else { "Hello," }
    }

    fn footer(&self) -> &'static str {
        if self.sv() {
            "Det här meddelandet skickades automatiskt av nightshift. Svara inte på det."
        } else {
            "This message was sent automatically by nightshift. Do not reply to it."
        }
    }

    fn cases_subject(&self, robot: &str, items: &[&ItemReport]) -> String {
        match (self.sv(), items) {
            (true, [one]) => format!("nightshift: ärende {} från {robot} behöver handläggas", one.key),
            (true, many) => format!("nightshift: {} ärenden från {robot} behöver handläggas", many.len()),
            (false, [one]) => format!("nightshift: case {} from {robot} needs a person", one.key),
            (false, many) => format!("nightshift: {} cases from {robot} need a person", many.len()),
        }
    }

    fn cases_intro(&self, report: &RunReport, count: usize) -> String {
        let what = self.describe(report);
        let when = when(&report.started_at);
        match (self.sv(), count) {
            (true, 1) => format!(
                "Roboten {what} kunde inte slutföra ett ärende i körning {} ({when}). Det behöver handläggas manuellt.",
                report.run_id
            ),
            (true, n) => format!(
                "Roboten {what} kunde inte slutföra {n} ärenden i körning {} ({when}). De behöver handläggas manuellt.",
                report.run_id
            ),
            (false, 1) => format!(
                "The robot {what} could not finish one case in run {} ({when}). It needs to be handled by hand.",
                report.run_id
            ),
            (false, n) => format!(
                "The robot {what} could not finish {n} cases in run {} ({when}). They need to be handled by hand.",
                report.run_id
            ),
        }
    }

    fn ops_subject(&self, report: &RunReport, technical: usize) -> String {
        let robot = &report.robot;
        let run = report.run_id;
        match (self.sv(), report.status) {
            (true, RunStatus::Failed) => format!("nightshift: körning {run} av {robot} misslyckades"),
            (true, RunStatus::TimedOut) => format!("nightshift: körning {run} av {robot} stoppades efter sin maxtid"),
            (true, RunStatus::Interrupted) => format!("nightshift: körning {run} av {robot} avbröts"),
            (true, _) => format!("nightshift: {technical} ärenden i körning {run} av {robot} behöver ses över"),
            (false, RunStatus::Failed) => format!("nightshift: run {run} of {robot} failed"),
            (false, RunStatus::TimedOut) => format!("nightshift: run {run} of {robot} was stopped at its time limit"),
            (false, RunStatus::Interrupted) => format!("nightshift: run {run} of {robot} was interrupted"),
            (false, _) => format!("nightshift: {technical} cases in run {run} of {robot} need a look"),
        }
    }

    fn case_lines(&self, item: &ItemReport) -> Vec<Line> {
        let mut lines = Vec::new();
        let label = if self.sv() { "Ärende" } else { "Case" };
        lines.push(Line::Text(format!("{label} {}", item.key)));
        if let Some(message) = &item.message {
            lines.push(Line::Text(format!("{}: {message}", if self.sv() { "Orsak" } else { "Reason" })));
        }
        let done = match (&item.stopped_at, self.sv()) {
            (Some((step, line)), true) => format!(
                "Roboten gjorde {} steg och stannade vid `{step}` på rad {line}; inget efter det är gjort.",
                item.steps_done
            ),
            (Some((step, line)), false) => format!(
                "The robot did {} steps and stopped at `{step}` on line {line}; nothing after it was done.",
                item.steps_done
            ),
            (None, true) => "Roboten avbröts mitt i ärendet; kontrollera målsystemet.".to_string(),
            (None, false) => {
                "The robot was interrupted in the middle of this case; check the target system.".to_string()
            }
        };
        lines.push(Line::Text(done));
        if let Some(link) = &item.link {
            let label = if self.sv() {
                "Öppna ärendet och markera vad du gjorde:"
            } else {
                "Open the case and say what you did:"
            };
            lines.push(Line::Link { label, url: link.clone() });
        }
        let screenshot = match item.screenshot.as_ref().and_then(|p| p.file_name()) {
            Some(name) => {
                let label = if self.sv() { "Skärmbild: bifogad som" } else { "Screenshot: attached as" };
                format!("{label} {}", name.to_string_lossy())
            }
            None if self.sv() => {
                "Ingen skärmbild: ärendet hade inte öppnat någon egen sida när det stoppades.".to_string()
            }
            None => "No screenshot: the case had not opened a page of its own when it stopped.".to_string(),
        };
        lines.push(Line::Text(screenshot));
        lines
    }
}

/// A run's start in the officers' time (`human::timezone`), `2026-11-23 02:30`.
fn when(started_at: &str) -> String {
    crate::human::local_time(started_at)
}

/// A line of a case's block in a mail. Only the case's own page is a link:
/// an address in text from outside (a page's error) stays text.
enum Line {
    Text(String),
    Link { label: &'static str, url: String },
}

impl Line {
    fn text(&self) -> String {
        match self {
            Line::Text(text) => text.clone(),
            Line::Link { label, url } => format!("{label} {url}"),
        }
    }

    fn html(&self) -> Markup {
        match self {
            Line::Text(text) => html! { (text) },
            Line::Link { label, url } => html! { (label) " " a href=(url) { (url) } },
        }
    }
}

/// Text and HTML from paragraphs, numbered case blocks and closing paragraphs.
fn assemble(texts: &Texts, before: &[String], cases: &[Vec<Line>], after: &[Line]) -> (String, String) {
    let mut text = format!("{}\n\n", texts.greeting());
    for p in before {
        text.push_str(&format!("{p}\n\n"));
    }
    for (n, lines) in cases.iter().enumerate() {
        text.push_str(&format!("{}. {}\n", n + 1, lines[0].text()));
        for line in &lines[1..] {
            text.push_str(&format!("   {}\n", line.text()));
        }
        text.push('\n');
    }
    for p in after {
        text.push_str(&format!("{}\n\n", p.text()));
    }
    text.push_str(&format!("-- \n{}\n", texts.footer()));
    let html = html! {
        (DOCTYPE)
        html {
            body {
                p { (texts.greeting()) }
                @for p in before { p { (p) } }
                @if !cases.is_empty() {
                    ol {
                        @for lines in cases {
                            li {
                                b { (lines[0].html()) }
                                @for line in &lines[1..] { br; (line.html()) }
                            }
                        }
                    }
                }
                @for line in after { p { (line.html()) } }
                hr;
                p { small { (texts.footer()) } }
            }
        }
    };
    (text, html.into_string())
}

/// Subject, text and HTML of a mail about business exceptions.
pub(crate) fn render_cases(texts: &Texts, report: &RunReport, items: &[&ItemReport]) -> (String, String, String) {
    let subject = texts.cases_subject(&report.robot, items);
    let cases: Vec<Vec<Line>> = items.iter().map(|i| texts.case_lines(i)).collect();
    let (text, html) = assemble(texts, &[texts.cases_intro(report, items.len())], &cases, &[]);
    (subject, text, html)
}

/// Subject, text and HTML of the mail to operations.
pub(crate) fn render_ops(
    texts: &Texts,
    report: &RunReport,
    technical: &[&ItemReport],
    unaddressed: &[&ItemReport],
    run_page: Option<String>,
) -> (String, String, String) {
    let subject = texts.ops_subject(report, technical.len());
    let mut paragraphs = Vec::new();
    let status = match (texts.sv(), report.status) {
        (true, RunStatus::Failed) => "misslyckades",
        (true, RunStatus::TimedOut) => "stoppades efter sin maxtid",
        (true, RunStatus::Interrupted) => "avbröts",
        (true, _) => "blev klar, men med tekniska fel",
        (false, RunStatus::Failed) => "failed",
        (false, RunStatus::TimedOut) => "was stopped at its time limit",
        (false, RunStatus::Interrupted) => "was interrupted",
        (false, _) => "finished, with technical errors",
    };
    let what = texts.describe(report);
    let when = when(&report.started_at);
    paragraphs.push(if texts.sv() {
        format!("Körning {} av roboten {what} ({when}) {status}.", report.run_id)
    } else {
        format!("Run {} of the robot {what} ({when}) {status}.", report.run_id)
    });
    if let Some(error) = &report.error {
        paragraphs.push(format!("{}: {error}", if texts.sv() { "Fel" } else { "Error" }));
    }
    if !technical.is_empty() {
        paragraphs.push(if texts.sv() {
            "Ärenden med tekniska fel eller som måste kontrolleras (nightshift review):".to_string()
        } else {
            "Cases with technical errors or to be checked (nightshift review):".to_string()
        });
    }
    let mut cases: Vec<Vec<Line>> = technical.iter().map(|i| texts.case_lines(i)).collect();
    if !unaddressed.is_empty() {
        paragraphs.push(if texts.sv() {
            "Roboten har inga handläggare angivna; dessa ärenden behöver handläggas manuellt:".to_string()
        } else {
            "The robot names no handlers; these cases need a person:".to_string()
        });
        cases.extend(unaddressed.iter().map(|i| texts.case_lines(i)));
    }
    let details = match run_page {
        Some(url) => {
            Line::Link { label: if texts.sv() { "Körningen i konsolen:" } else { "The run in the console:" }, url }
        }
        None if texts.sv() => Line::Text(format!("Detaljer: nightshift show {}", report.run_id)),
        None => Line::Text(format!("Details: nightshift show {}", report.run_id)),
    };
    let (text, html) = assemble(texts, &paragraphs, &cases, &[details]);
    (subject, text, html)
}

/// Subject, text and HTML of the mail that says a robot is overdue.
/// `console` is the console's front page, where it has a public address.
pub(crate) fn render_alert(
    texts: &Texts,
    job: &str,
    late: &Overdue,
    console: Option<String>,
) -> (String, String, String) {
    let slot = late.slot.format("%Y-%m-%d %H:%M");
    let (subject, paragraph, advice) = if texts.sv() {
        (
            format!("nightshift: {} har missat passet {slot}", late.robot),
            format!("Roboten \"{}\" (jobbet {job}) {}.", late.robot, late.what(Language::Swedish)),
            "Se nightshift runs och nightshift doctor.".to_string(),
        )
    } else {
        (
            format!("nightshift: {} missed its slot at {slot}", late.robot),
            format!("The robot \"{}\" (job {job}) {}.", late.robot, late.what(Language::English)),
            "See nightshift runs and nightshift doctor.".to_string(),
        )
    };
    let link = console.map(|url| Line::Link { label: if texts.sv() { "Konsolen:" } else { "The console:" }, url });
    let (text, html) = assemble(texts, &[paragraph, advice], &[], &link.into_iter().collect::<Vec<_>>());
    (subject, text, html)
}

/// Subject, text and HTML of a reminder: open exceptions still waiting
/// for this officer, oldest first.
/// `link` gives each case's page on the console, where it has one.
pub(crate) fn render_reminder(
    texts: &Texts,
    open: &[&OpenException],
    link: impl Fn(&OpenException) -> Option<String>,
) -> (String, String, String) {
    let sv = texts.sv();
    let subject = match (sv, open) {
        (true, [one]) => format!("nightshift: påminnelse, ärende {} väntar fortfarande på dig", one.key),
        (true, many) => format!("nightshift: påminnelse, {} ärenden väntar fortfarande på dig", many.len()),
        (false, [one]) => format!("nightshift: reminder, case {} is still waiting for you", one.key),
        (false, many) => format!("nightshift: reminder, {} cases are still waiting for you", many.len()),
    };
    let intro = if sv {
        "Roboten kunde inte slutföra de här ärendena och har inte rört dem sedan dess. De väntar på dig tills du har avslutat dem:"
    } else {
        "The robot could not finish these cases and has not touched them since. They wait for you until you settle them:"
    };
    let cases: Vec<Vec<Line>> = open
        .iter()
        .map(|x| {
            let mut lines = vec![Line::Text(format!("{} ({})", x.key, x.robot))];
            let opened = if sv { "Öppnat" } else { "Opened" };
            lines.push(Line::Text(format!("{opened}: {}", when(&x.opened_at))));
            lines.extend(x.message.clone().map(Line::Text));
            if let Some(url) = link(x) {
                lines.push(Line::Link { label: if sv { "Öppna ärendet:" } else { "Open the case:" }, url });
            }
            lines
        })
        .collect();
    let linked = open.iter().all(|x| link(x).is_some());
    let settle = match (sv, linked) {
        (true, true) => {
            "Avsluta ett ärende på dess sida när du har handlagt det för hand, eller be om ett nytt försök där när du har rättat uppgifterna."
        }
        (false, true) => {
            "Settle a case on its page once you have handled it by hand, or ask for another try there once the data is right."
        }
        (true, false) => {
            "Avsluta ett ärende när du har handlagt det för hand, eller be om ett nytt försök när du har rättat uppgifterna: nightshift review ROBOT ÄRENDE --handled eller --retry."
        }
        (false, false) => {
            "Settle a case once you have handled it by hand, or ask for another try once the data is right: nightshift review ROBOT KEY --handled or --retry."
        }
    };
    let (text, html) = assemble(texts, &[intro.to_string()], &cases, &[Line::Text(settle.to_string())]);
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overdue_alert_in_swedish() {
        let stockholm = chrono_tz::Europe::Stockholm;
        let late = Overdue {
            robot: "vaccination-consent".into(),
            slot: chrono::TimeZone::with_ymd_and_hms(&stockholm, 2026, 12, 2, 2, 0, 0).unwrap(),
            last_success: Some(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 1, 12, 0).unwrap()),
        };
        let (subject, text, _) =
            render_alert(&Texts::new(Language::Swedish), "nightly/vaccination-consent", &late, None);
        let console = Some("https://nightshift.kommun.se/".to_string());
        let (_, linked, html) =
            render_alert(&Texts::new(Language::Swedish), "nightly/vaccination-consent", &late, console);
        assert!(linked.contains("Konsolen: https://nightshift.kommun.se/\n"), "{linked}");
        assert!(html.contains("<a href=\"https://nightshift.kommun.se/\">"), "{html}");
        assert_eq!(subject, "nightshift: vaccination-consent har missat passet 2026-12-02 02:00");
        insta::assert_snapshot!("alert_sv_text", text);
    }

    #[test]
    fn a_reminder_links_each_case_to_its_page_where_the_console_has_an_address() {
        let case = |key: &str| OpenException {
            robot: "vaccination-consent".into(),
            key: key.into(),
            message: Some("eleven saknas i journalen".into()),
            handler: Some("anna@kommun.se".into()),
            run_id: 3,
            opened_at: "2026-12-01T02:40:00Z".into(),
            last_seen_at: "2026-12-03T02:40:00Z".into(),
            last_run_id: 5,
            reminded_at: None,
            fields: Vec::new(),
            screenshot: None,
            html: None,
        };
        let (one, two) = (case("2026-1045"), case("2026-1046"));
        let texts = Texts::new(Language::Swedish);
        let link = |x: &OpenException| Some(format!("https://nightshift.kommun.se/case?key={}", x.key));
        let (_, text, html) = render_reminder(&texts, &[&one, &two], link);
        assert!(text.contains("   Öppna ärendet: https://nightshift.kommun.se/case?key=2026-1045\n"), "{text}");
        assert!(text.contains("   Öppna ärendet: https://nightshift.kommun.se/case?key=2026-1046\n"), "{text}");
        assert!(html.contains("<a href=\"https://nightshift.kommun.se/case?key=2026-1046\">"), "{html}");
        assert!(!text.contains("nightshift review"), "no command to type where a link does it: {text}");
        let (_, unlinked, _) = render_reminder(&texts, &[&one], |_: &OpenException| None);
        assert!(unlinked.contains("nightshift review ROBOT ÄRENDE --handled"), "{unlinked}");
    }

    /// Text from legacy pages and robot files, as a hostile one would write it.
    const HOSTILE: [&str; 4] =
        ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</textarea>", "javascript:alert(1)"];

    #[test]
    fn text_from_outside_is_text_in_both_mails_and_only_the_case_s_own_page_is_a_link() {
        let item = ItemReport {
            seq: 0,
            key: HOSTILE[0].into(),
            status: crate::runner::event::ItemStatus::BusinessException,
            message: Some(format!("{} {} {} see https://evil.example/login", HOSTILE[1], HOSTILE[2], HOSTILE[3])),
            handler: None,
            steps_done: 2,
            stopped_at: Some((HOSTILE[2].into(), 7)),
            screenshot: None,
            link: Some("https://console.example/case?robot=r&key=k&token=t".into()),
        };
        let report = RunReport {
            run_id: 3,
            robot: HOSTILE[1].into(),
            status: RunStatus::Failed,
            started_at: "2026-11-23T01:30:00Z".into(),
            error: Some(HOSTILE[0].into()),
            items: vec![item.clone()],
        };
        let texts = Texts::new(Language::Swedish).describing(HOSTILE[3]);
        for (_, text, html) in
            [render_cases(&texts, &report, &[&item]), render_ops(&texts, &report, &[&item], &[], None)]
        {
            assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("</textarea>"), "{html}");
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
            assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), "{html}");
            assert!(!html.contains("href=\"javascript:") && !html.contains("href=\"https://evil"), "{html}");
            assert_eq!(html.matches("<a href=").count(), 1, "{html}");
            assert!(html.contains("<a href=\"https://console.example/case?robot=r&amp;key=k&amp;token=t\">"), "{html}");
            // The plain text part says it as it is.
            assert!(text.contains(HOSTILE[0]) && text.contains("https://evil.example/login"), "{text}");
        }
    }
}
