//! Search by case key (an errand number, a FlowInstanceID) across robots:
//! each run that met the case and how, the ledger's word on it, its
//! exceptions and who settled them, and the audit log's entries for it.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::human::local_time;
use crate::web::Console;
use crate::web::html::{Lang, Section, page, query, status, table};

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    key: String,
}

pub(super) async fn show(State(console): State<Console>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    let lang = Lang::of(&headers);
    let key = q.key.trim().to_string();
    let found = if key.is_empty() { Ok(None) } else { history(&console, &key, lang).map(Some) };
    let found = match found {
        Ok(found) => found,
        Err(response) => return response,
    };
    let body = html! {
        form method="get" action="/search" role="search" {
            p {
                label for="key" { (lang.t("Ärendenummer eller nyckel", "Case number or key")) } " "
                input #key name="key" type="search" value=(key);
                " " button type="submit" { (lang.t("Sök", "Search")) }
            }
        }
        @if let Some(found) = found { (found) }
    };
    page(lang, Section::Search, lang.t("Sök ärende", "Find a case"), body).into_response()
}

fn history(console: &Console, key: &str, lang: Lang) -> Result<Markup, Response> {
    let store = console.store()?;
    let robots = store.robots().map_err(super::internal)?;
    let hashed: Vec<(String, String)> = robots.iter().map(|r| (r.clone(), console.links.key_hash(r, key))).collect();
    let h = store.case_history(key, &hashed).map_err(super::internal)?;
    let mut audit = Vec::new();
    for robot in &robots {
        audit.extend(store.audit_entries(Some((robot, key)), 50).map_err(super::internal)?);
    }
    let runs: Vec<Vec<Markup>> = h
        .attempts
        .iter()
        .map(|a| {
            vec![
                html! { a href={ "/runs/" (a.run_id) } { (a.run_id) } },
                html! { (a.robot) },
                html! { (local_time(&a.started_at)) },
                status(&a.status, lang),
                html! { (a.attempts) },
                html! { (a.message.as_deref().unwrap_or_default()) },
            ]
        })
        .collect();
    let exceptions: Vec<Vec<Markup>> = h
        .exceptions
        .iter()
        .map(|x| {
            vec![
                html! { a href={ "/case?" (query(&[("robot", &x.robot), ("key", key)])) } { (x.robot) } },
                html! { (x.state) },
                html! { (local_time(&x.opened_at)) },
                html! { (x.settled_at.as_deref().map(local_time).unwrap_or_default()) },
                html! { (x.settled_by.as_deref().unwrap_or_default()) },
                html! { (x.note.as_deref().unwrap_or_default()) },
            ]
        })
        .collect();
    let nothing = runs.is_empty() && h.ledger.is_empty() && exceptions.is_empty();
    Ok(html! {
        @if nothing {
            p role="status" { (lang.t("Inget ärende med den nyckeln.", "No case with that key.")) }
        } @else {
            @for (robot, state, since) in &h.ledger {
                p role="status" { (robot) ": " (status(state, lang)) " " (lang.t("sedan", "since")) " " (local_time(since)) }
            }
            @if !runs.is_empty() {
                h2 { (lang.t("Körningar som mötte ärendet", "Runs that met the case")) }
                (table(lang.t("Nyast först", "Newest first"), &[lang.t("Körning", "Run"), "Robot", lang.t("Startade", "Started"), lang.t("Utfall", "Outcome"), lang.t("Försök", "Attempts"), lang.t("Meddelande", "Message")], &runs))
            }
            @if !exceptions.is_empty() {
                h2 { (lang.t("Undantag", "Exceptions")) }
                (table(lang.t("Ärendets undantag", "The case's exceptions"), &["Robot", lang.t("Läge", "State"), lang.t("Öppnat", "Opened"), lang.t("Avklarat", "Settled"), lang.t("Av", "By"), lang.t("Anteckning", "Note")], &exceptions))
            }
            @if !audit.is_empty() {
                h2 { (lang.t("Granskningsloggen", "The audit log")) }
                ul { @for e in &audit { li { (local_time(&e.at)) ": " (e.action) ", " (e.who) " (" (e.via) ")" @if let Some(n) = &e.note { ": " (n) } } } }
            }
        }
    })
}
