//! The audit log for IT: who settled which case, started which run or saw
//! which failure, when and through what, newest first; and the same as CSV.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::human::local_time_secs;
use crate::store::AuditEntry;
use crate::web::Console;
use crate::web::html::{Lang, Section, page, query, table};

/// The most entries the page shows; the CSV holds them all.
const SHOWN: usize = 500;

fn entries(console: &Console, limit: usize) -> Result<Vec<AuditEntry>, Response> {
    console.store()?.audit_entries(None, limit).map_err(super::internal)
}

pub(super) async fn show(State(console): State<Console>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let entries = match entries(&console, SHOWN) {
        Ok(entries) => entries,
        Err(response) => return response,
    };
    let rows: Vec<Vec<Markup>> = entries
        .iter()
        .map(|e| {
            let case = match (&e.robot, &e.key) {
                (Some(robot), Some(key)) => {
                    html! { a href={ "/case?" (query(&[("robot", robot), ("key", key)])) } { (key) } " (" (robot) ")" }
                }
                (Some(robot), None) => html! { (robot) },
                _ => html! {},
            };
            vec![
                html! { (local_time_secs(&e.at)) },
                html! { (e.who) },
                html! { (e.via) },
                html! { (e.action) },
                case,
                html! { @if let Some(run) = e.run_id { a href={ "/runs/" (run) } { (run) } } },
                html! { (e.note.as_deref().unwrap_or_default()) },
            ]
        })
        .collect();
    let head = [
        lang.t("När", "When"),
        lang.t("Vem", "Who"),
        lang.t("Genom", "Through"),
        lang.t("Vad", "What"),
        lang.t("Ärende", "Case"),
        lang.t("Körning", "Run"),
        lang.t("Anteckning", "Note"),
    ];
    let body = html! {
        p {
            (lang.t("Varje avslut, omförsök, körning på begäran och markering av fel, nyast först. Allt finns som", "Every settlement, retry, run on request and failure marked seen, newest first. All of it is there as"))
            " " a href="/audit.csv" { "CSV" } "."
        }
        @if rows.is_empty() {
            p { (lang.t("Inget har loggats än.", "Nothing is logged yet.")) }
        } @else {
            (table(lang.t("Granskningsloggen", "The audit log"), &head, &rows))
        }
    };
    page(lang, Section::Audit, lang.t("Granskningslogg", "Audit log"), body).into_response()
}

/// Every entry as CSV, oldest last, with the JSON field names as columns.
pub(super) async fn csv(State(console): State<Console>) -> Response {
    let entries = match entries(&console, usize::MAX >> 1) {
        Ok(entries) => entries,
        Err(response) => return response,
    };
    let mut records = vec![["at", "who", "via", "action", "robot", "key", "run_id", "note"].map(String::from).to_vec()];
    records.extend(entries.into_iter().map(|e| {
        vec![
            e.at,
            e.who,
            e.via,
            e.action,
            e.robot.unwrap_or_default(),
            e.key.unwrap_or_default(),
            e.run_id.map(|r| r.to_string()).unwrap_or_default(),
            e.note.unwrap_or_default(),
        ]
    }));
    let text = crate::files::csv_file::write(&records, b',');
    let disposition = "attachment; filename=\"nightshift-audit.csv\"";
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, disposition)], text)
        .into_response()
}
