//! The case officer's pages: the open business exceptions, one case with
//! its message, fields and screenshot, and the two ways to settle it
//! ("handled by hand", "try again"). A case opens for the console's users,
//! or for anyone holding that case's signed link from the exception mail.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use crate::human::local_time;
use crate::mail::report::OpenException;
use crate::privacy::case_link::LinkError;
use crate::privacy::personnummer::mask_personnummer;
use crate::store::{Actor, Settled, Settlement};
use crate::web::html::{Lang, Section, page, page_for_link, problem, query, table};
use crate::web::{Console, FormSession, authorised, check_csrf};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    robot: String,
}

/// The robot's file as it reads now, if it does.
fn robot_file(console: &Console, robot: &str) -> Option<crate::robot::model::Robot> {
    let settings = &console.settings;
    crate::robot::find_named(&settings.robots_dir, robot)
        .and_then(|file| crate::robot::load(&file, &settings.robots_dir).ok())
}

/// Whether the robot asks for personnummer to be masked (so for an unknown
/// or broken robot file: yes).
fn masks(console: &Console, robot: &str) -> bool {
    robot_file(console, robot).is_none_or(|r| r.notify.mask_personnummer)
}

/// A case's page: with the console's navigation for its users, without it
/// for an officer who came by the mail's link (it leads behind the token).
fn case_page(console: &Console, headers: &HeaderMap, lang: Lang, title: &str, body: Markup) -> Response {
    if authorised(console, headers) {
        page(lang, Section::Cases, title, body).into_response()
    } else {
        page_for_link(lang, title, body).into_response()
    }
}

/// Text from a case, its personnummer masked when its robot asks for it.
fn shown(text: &str, mask: bool) -> String {
    if mask { mask_personnummer(text) } else { text.to_string() }
}

pub(super) async fn list(State(console): State<Console>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let lang = Lang::of(&headers);
    let robot = Some(q.robot.trim()).filter(|r| !r.is_empty());
    let open = match console.store().and_then(|s| s.open_exceptions(robot).map_err(super::internal)) {
        Ok(open) => open,
        Err(response) => return response,
    };
    // Each robot's file is read once per page, not once per row.
    let mut masking = std::collections::HashMap::new();
    let officers = lang.t("robotens handläggare", "the robot's handlers");
    let rows: Vec<Vec<Markup>> = open
        .iter()
        .map(|x| {
            let mask = *masking.entry(x.robot.as_str()).or_insert_with(|| masks(&console, &x.robot));
            let link = query(&[("robot", &x.robot), ("key", &x.key)]);
            vec![
                html! { a href={ "/case?" (link) } { (x.key) } },
                html! { (x.robot) },
                html! { (local_time(&x.opened_at)) },
                html! { (x.handler.as_deref().unwrap_or(officers)) },
                html! { (shown(x.message.as_deref().unwrap_or_default(), mask)) },
            ]
        })
        .collect();
    let head = [
        lang.t("Ärende", "Case"),
        "Robot",
        lang.t("Öppnat", "Opened"),
        lang.t("Handläggare", "Officer"),
        lang.t("Varför", "Why"),
    ];
    let body = html! {
        p {
            (lang.t(
                "Roboten kunde inte slutföra de här ärendena. De väntar på en handläggare och tas inte igen av roboten förrän de är avklarade.",
                "The robot could not finish these cases. They wait for an officer, and the robot does not take them again until they are settled."
            ))
        }
        @if rows.is_empty() {
            p { (lang.t("Inga ärenden väntar.", "No case is waiting.")) }
        } @else {
            (table(lang.t("Öppna undantag, äldst först", "Open exceptions, oldest first"), &head, &rows))
        }
    };
    page(lang, Section::Cases, lang.t("Ärenden att handlägga", "Cases to handle"), body).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CaseQuery {
    #[serde(default)]
    robot: String,
    #[serde(default)]
    key: String,
    /// Whom the mail with the link went to (signed with it).
    #[serde(default)]
    to: String,
    #[serde(default)]
    token: String,
}

impl CaseQuery {
    /// The case's address, with its link's recipient and token when it has them.
    fn address(&self, path: &str) -> String {
        let mut pairs = vec![("robot", self.robot.as_str()), ("key", self.key.as_str())];
        if !self.token.is_empty() {
            pairs.extend([("to", self.to.as_str()), ("token", self.token.as_str())]);
        }
        format!("{path}?{}", query(&pairs))
    }
}

/// Who may see the case: a console user, or whoever holds the case's own
/// link (named by the mail it was sent in).
fn allowed(console: &Console, headers: &HeaderMap, q: &CaseQuery, lang: Lang) -> Result<Actor, Response> {
    let link = console.links.check(&q.robot, &q.key, &q.to, &q.token, Utc::now());
    // A valid link names its recipient, even to a console open without a token.
    if link.is_err() && authorised(console, headers) {
        return Ok(Actor::console());
    }
    match link {
        Ok(()) => Ok(Actor::mail_link(&q.to)),
        Err(LinkError::Expired) => Err(problem(lang, StatusCode::FORBIDDEN, lang.t("Länken har gått ut", "The link has expired"), lang.t(
            "Länken i e-posten gäller i 30 dagar. Be driftsidan om en ny, eller öppna ärendet i konsolen.",
            "The link in the mail works for 30 days. Ask operations for a new one, or open the case in the console.",
        ))),
        Err(LinkError::Invalid) => Err(problem(lang, StatusCode::FORBIDDEN, lang.t("Länken gäller inte", "The link is not valid"), lang.t(
            "Länken öppnar inte det här ärendet.",
            "The link does not open this case.",
        ))),
    }
}

fn find(console: &Console, robot: &str, key: &str) -> Result<Option<OpenException>, Response> {
    console.store()?.open_exception_of(robot, key).map_err(super::internal)
}

pub(super) async fn one(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Query(q): Query<CaseQuery>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(response) = allowed(&console, &headers, &q, lang) {
        return response;
    }
    let x = match find(&console, &q.robot, &q.key) {
        Ok(Some(x)) => x,
        Ok(None) => return settled_page(&console, &session, &headers, &q, lang),
        Err(response) => return response,
    };
    let file = robot_file(&console, &x.robot);
    let mask = file.as_ref().is_none_or(|r| r.notify.mask_personnummer);
    let described = file.map(|r| r.description).filter(|d| !d.trim().is_empty());
    let rows: Vec<Vec<Markup>> =
        x.fields.iter().map(|(k, v)| vec![html! { (k) }, html! { (shown(v, mask)) }]).collect();
    let screenshot = q.address("/case/screenshot");
    let body = html! {
        dl {
            dt { "Robot" }
            dd { @if let Some(d) = &described { (d) " (" code { (x.robot) } ")" } @else { (x.robot) } }
            dt { (lang.t("Varför roboten stannade", "Why the robot stopped")) }
            dd { (shown(x.message.as_deref().unwrap_or_default(), mask)) }
            dt { (lang.t("Öppnat", "Opened")) }
            dd {
                (local_time(&x.opened_at)) " (" (lang.t("körning", "run")) " "
                @if authorised(&console, &headers) { a href={ "/runs/" (x.run_id) } { (x.run_id) } } @else { (x.run_id) }
                ")"
            }
            dt { (lang.t("Senast sett av roboten", "Last seen by the robot")) } dd { (local_time(&x.last_seen_at)) }
            dt { (lang.t("Handläggare", "Officer")) }
            dd { (x.handler.as_deref().unwrap_or(lang.t("robotens handläggare", "the robot's handlers"))) }
        }
        @if !rows.is_empty() {
            h2 { (lang.t("Ärendets uppgifter", "The case's data")) }
            (table(lang.t("Uppgifterna som roboten läste", "The data the robot read"), &[lang.t("Fält", "Field"), lang.t("Värde", "Value")], &rows))
        }
        @if x.screenshot.is_some() {
            h2 { (lang.t("Sidan när roboten stannade", "The page when the robot stopped")) }
            a href=(screenshot) {
                img.evidence src=(screenshot)
                    alt=(lang.t("Skärmbild av ärendets sida när roboten stannade (öppnas i full storlek)", "Screenshot of the case's page when the robot stopped (opens at full size)"));
            }
        } @else {
            p {
                (lang.t(
                    "Ingen skärmbild: ärendet hade inte öppnat någon egen sida.",
                    "No screenshot: the case had not opened a page of its own."
                ))
            }
        }
        h2 { (lang.t("Vad har du gjort?", "What did you do?")) }
        form method="post" action="/case" {
            input type="hidden" name="robot" value=(q.robot);
            input type="hidden" name="key" value=(q.key);
            input type="hidden" name="to" value=(q.to);
            input type="hidden" name="token" value=(q.token);
            input type="hidden" name="csrf" value=(console.form_token(&session));
            p {
                button type="submit" name="how" value="handled" { (lang.t("Handlagt för hand", "Handled by hand")) } " "
                (lang.t("– ärendet är klart; roboten tar det aldrig igen.", "– the case is finished; the robot never takes it again."))
            }
            p {
                button.secondary type="submit" name="how" value="retry" { (lang.t("Försök igen", "Try again")) } " "
                (lang.t("– uppgifterna är rättade; nästa körning tar ärendet.", "– the data is right now; the next run takes the case."))
            }
        }
    };
    let title = format!("{} {}", lang.t("Ärende", "Case"), x.key);
    case_page(&console, &headers, lang, &title, body)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SettleForm {
    /// The case, and its link's token when it was opened by one.
    #[serde(flatten)]
    case: CaseQuery,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    how: String,
    /// `yes` once the officer has confirmed on the second page.
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    note: String,
}

/// The longest note kept with a settlement.
const NOTE_LIMIT: usize = 1000;

pub(super) async fn settle(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Form(form): Form<SettleForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = check_csrf(&console, &session, &form.csrf, lang) {
        return refused;
    }
    let q = &form.case;
    let actor = match allowed(&console, &headers, q, lang) {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let how = match form.how.as_str() {
        "handled" => Settlement::Handled,
        "retry" => Settlement::Retry,
        _ => {
            return problem(
                lang,
                StatusCode::BAD_REQUEST,
                lang.t("Okänt val", "Unknown choice"),
                lang.t("Välj en av knapparna.", "Choose one of the buttons."),
            );
        }
    };
    if form.confirm != "yes" {
        return confirm_page(&console, &session, &headers, q, how, lang);
    }
    // A note is the officer's own words; a personnummer in it is masked all the same.
    let note: String = mask_personnummer(form.note.trim()).chars().take(NOTE_LIMIT).collect();
    let note = Some(note.as_str()).filter(|n| !n.is_empty());
    let settled = match console.store() {
        Ok(mut store) => store.settle_exception(&q.robot, &q.key, how, &actor, note),
        Err(response) => return response,
    };
    match settled {
        Ok(Settled::Done) => {
            let said = match how {
                Settlement::Handled => lang.t("är markerat som handlagt för hand.", "is marked as handled by hand."),
                Settlement::Retry => lang.t("tas av nästa körning.", "will be taken by the next run."),
            };
            let body = html! {
                p role="status" { (lang.t("Ärendet", "The case")) " " (q.key) " " (said) }
                @if authorised(&console, &headers) {
                    p { a href="/cases" { (lang.t("Tillbaka till ärendena", "Back to the cases")) } }
                }
            };
            case_page(&console, &headers, lang, lang.t("Tack", "Thank you"), body)
        }
        Ok(Settled::Unknown | Settled::NotOpen(_)) => problem(
            lang,
            StatusCode::CONFLICT,
            lang.t("Redan avklarat", "Settled already"),
            lang.t(
                "Ärendet är inte längre öppet; någon har redan avklarat det.",
                "The case is no longer open; someone has settled it already.",
            ),
        ),
        Err(e) => super::internal(e),
    }
}

/// The second step of settling: what the choice does, a note, and "yes".
fn confirm_page(
    console: &Console,
    session: &FormSession,
    headers: &HeaderMap,
    q: &CaseQuery,
    how: Settlement,
    lang: Lang,
) -> Response {
    let (question, yes, how_value) = match how {
        Settlement::Handled => (
            lang.t(
                "Markera ärendet som handlagt för hand? Roboten tar det då aldrig igen.",
                "Mark the case as handled by hand? The robot then never takes it again.",
            ),
            lang.t("Ja, handlagt för hand", "Yes, handled by hand"),
            "handled",
        ),
        Settlement::Retry => (
            lang.t(
                "Be roboten försöka igen? Nästa körning tar ärendet.",
                "Ask the robot to try again? The next run takes the case.",
            ),
            lang.t("Ja, försök igen", "Yes, try again"),
            "retry",
        ),
    };
    let body = html! {
        p { (question) }
        form method="post" action="/case" {
            input type="hidden" name="robot" value=(q.robot);
            input type="hidden" name="key" value=(q.key);
            input type="hidden" name="to" value=(q.to);
            input type="hidden" name="token" value=(q.token);
            input type="hidden" name="csrf" value=(console.form_token(session));
            input type="hidden" name="how" value=(how_value);
            input type="hidden" name="confirm" value="yes";
            p {
                label for="note" { (lang.t("Anteckning (frivillig, sparas i granskningsloggen)", "Note (optional, kept in the audit log)")) }
                br;
                textarea #note name="note" rows="3" cols="40" maxlength=(NOTE_LIMIT) {}
            }
            p {
                button type="submit" { (yes) } " "
                a href=(q.address("/case")) { (lang.t("Avbryt", "Cancel")) }
            }
        }
    };
    let title = format!("{} {}", lang.t("Ärende", "Case"), q.key);
    case_page(console, headers, lang, &title, body)
}

/// A case's link once the case is no longer open: how it was settled, by
/// whom and when, and its note; 404 only for a case that never had one.
fn settled_page(console: &Console, session: &FormSession, headers: &HeaderMap, q: &CaseQuery, lang: Lang) -> Response {
    let store = match console.store() {
        Ok(store) => store,
        Err(response) => return response,
    };
    let settled = match store.settlement(&q.robot, &q.key) {
        Ok(Some(settled)) => settled,
        Ok(None) => {
            let text = lang.t(
                "Ärendet är redan avklarat, eller så finns det inte.",
                "The case is settled already, or it does not exist.",
            );
            return problem(lang, StatusCode::NOT_FOUND, lang.t("Inget öppet ärende", "No open case"), text);
        }
        Err(e) => return super::internal(e),
    };
    let what = match settled.state.as_str() {
        "handled" => lang.t("Handlagt för hand", "Handled by hand"),
        "retry" => lang.t("Skickat tillbaka till roboten för ett nytt försök", "Sent back to the robot to try again"),
        "changed" => lang.t("Uppgifterna ändrades; roboten försökte igen", "The data changed; the robot tried again"),
        _ => lang.t("Avklarat", "Settled"),
    };
    let it = authorised(console, headers);
    let history = if it { store.audit_entries(Some((&q.robot, &q.key)), 50) } else { Ok(Vec::new()) };
    let undo = it && matches!(settled.state.as_str(), "handled" | "retry");
    let history = history.unwrap_or_default();
    let body = html! {
        p role="status" {
            (what)
            @if let Some(by) = &settled.by { " " (lang.t("av", "by")) " " (by) }
            @if let Some(at) = &settled.at { ", " (local_time(at)) }
            "."
        }
        @if let Some(note) = &settled.note { p { (lang.t("Anteckning:", "Note:")) " " (note) } }
        @if undo {
            form method="post" action="/case/reopen" {
                input type="hidden" name="robot" value=(q.robot);
                input type="hidden" name="key" value=(q.key);
                input type="hidden" name="csrf" value=(console.form_token(session));
                p {
                    button.secondary type="submit" { (lang.t("Öppna ärendet igen", "Reopen the case")) } " "
                    (lang.t("– avklarat av misstag; det väntar då på sin handläggare igen.", "– settled by mistake; it then waits for its officer again."))
                }
            }
        }
        @if !history.is_empty() {
            h2 { (lang.t("Ärendets historik", "The case's history")) }
            ul { @for e in &history { li { (local_time(&e.at)) ": " (e.action) ", " (e.who) " (" (e.via) ")" } } }
        }
    };
    let title = format!("{} {}", lang.t("Ärende", "Case"), q.key);
    case_page(console, headers, lang, &title, body)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReopenForm {
    #[serde(default)]
    robot: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

/// IT's undo of a mistaken settlement (the console's users only, never a
/// mail link), while no run has taken the case since.
pub(super) async fn reopen(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Form(form): Form<ReopenForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = check_csrf(&console, &session, &form.csrf, lang) {
        return refused;
    }
    if !authorised(&console, &headers) {
        let text = lang
            .t("Bara konsolens användare kan öppna ett ärende igen.", "Only the console's users can reopen a case.");
        return problem(lang, StatusCode::UNAUTHORIZED, lang.t("Logga in", "Log in"), text);
    }
    let reopened = match console.store() {
        Ok(mut store) => store.reopen_exception(&form.robot, &form.key, &Actor::console()),
        Err(response) => return response,
    };
    match reopened {
        Ok(Settled::Done) => {
            Redirect::to(&format!("/case?{}", query(&[("robot", &form.robot), ("key", &form.key)]))).into_response()
        }
        Ok(_) => problem(
            lang,
            StatusCode::CONFLICT,
            lang.t("Kan inte öppnas igen", "Cannot be reopened"),
            lang.t(
                "En körning har redan tagit ärendet, eller så är det inte avklarat.",
                "A run has taken the case already, or it is not settled.",
            ),
        ),
        Err(e) => super::internal(e),
    }
}

/// The case's screenshot, for whoever may see the case.
pub(super) async fn screenshot(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<CaseQuery>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(response) = allowed(&console, &headers, &q, lang) {
        return response;
    }
    let path = match find(&console, &q.robot, &q.key) {
        Ok(Some(x)) => x.screenshot,
        Ok(None) => None,
        Err(response) => return response,
    };
    match path.and_then(|p| std::fs::read(p).ok()) {
        Some(bytes) => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "no screenshot").into_response(),
    }
}
