//! A stand-in for the environmental case register ("Lex"): a company search
//! that runs when Enter is pressed in its field (there is no button), and a
//! new-case form with activity checkboxes, a read-only date set by a date
//! picker script, and a file upload for the floor plan.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::demo::data::ACTIVITIES;
use crate::demo::html::{Login, Sessions, SiteLook, answer_login, esc, login_form, page};

pub(crate) const SITE: &str = "Lex – miljö- och byggnämndens diarium";
const COOKIE: &str = "lex_session";
const STYLE: &str = "body{font-family:Arial,sans-serif;margin:0}header{background:#2d5f2e;color:#fff;padding:6px 12px}\
    main{padding:12px}table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:3px 6px}.error{color:#b00}";

/// A registered food business case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub dnr: String,
    pub company: String,
    pub orgnr: String,
    pub address: String,
    pub activities: Vec<String>,
    pub received: String,
    pub errand: String,
    /// The uploaded file: name and bytes.
    pub attachment: Option<(String, Vec<u8>)>,
}

/// The register's server-side state; tests read it directly.
#[derive(Debug, Default)]
pub struct Lex {
    pub username: String,
    pub password: String,
    pub cases: Vec<Case>,
    sessions: Sessions,
}

impl Lex {
    pub fn new(username: &str, password: &str) -> Self {
        Self { username: username.into(), password: password.into(), ..Self::default() }
    }
}

type Shared = Arc<Mutex<Lex>>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/search") }))
        .route("/login", get(|| async { login_form(SITE, STYLE, None) }).post(login))
        .route("/search", get(search))
        .route("/cases/new", get(new_case).post(save_case))
        .with_state(state)
}

async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let accepted = form.username == s.username && form.password == s.password;
    let look = SiteLook { name: SITE, style: STYLE, cookie: COOKIE };
    answer_login(&mut s.sessions, accepted, &look, "/search", "Fel användarnamn eller lösenord.")
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let wanted = q.q.unwrap_or_default();
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    let result = if wanted.trim().is_empty() {
        String::new()
    } else {
        let rows: String = s
            .cases
            .iter()
            .filter(|c| digits(&c.orgnr) == digits(&wanted) || c.company.eq_ignore_ascii_case(wanted.trim()))
            .map(|c| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&c.dnr),
                    esc(&c.company),
                    esc(&c.orgnr),
                    esc(&c.errand)
                )
            })
            .collect();
        if rows.is_empty() {
            format!("<p id=\"no-hits\">Inga träffar på {}.</p>", esc(&wanted))
        } else {
            format!(
                "<table id=\"hits\"><tr><th>Diarienummer</th><th>Företag</th><th>Org.nr</th><th>E-tjänstärende</th></tr>{rows}</table>"
            )
        }
    };
    // The search runs on Enter only: the field has no button next to it.
    let body = format!(
        "<p><label for=\"q\">Sök företag (org.nr eller namn)</label> <input id=\"q\" value=\"{}\" \
         onkeydown=\"if (event.key === 'Enter') location.href = '/search?q=' + encodeURIComponent(this.value)\"></p>\
         {result}<p><a href=\"/cases/new\">Nytt ärende: registrering av livsmedelsanläggning</a></p>",
        esc(&wanted)
    );
    page(SITE, "Sök", STYLE, &body).into_response()
}

#[derive(Deserialize)]
struct SavedQuery {
    dnr: Option<String>,
}

async fn new_case(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SavedQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let notice = q
        .dnr
        .map(|d| {
            format!("<p class=\"notice\">Ärendet är registrerat med diarienummer <b id=\"dnr\">{}</b>.</p>", esc(&d))
        })
        .unwrap_or_default();
    let boxes: String = ACTIVITIES
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!("<input type=\"checkbox\" id=\"act{i}\" name=\"activity\" value=\"{a}\"> <label for=\"act{i}\">{a}</label> ")
        })
        .collect();
    let body = format!(
        "{notice}<form method=\"post\" action=\"/cases/new\" enctype=\"multipart/form-data\"><table>\
         <tr><td><label for=\"company\">Företagets namn</label></td><td><input id=\"company\" name=\"company\" size=\"40\"></td></tr>\
         <tr><td><label for=\"orgnr\">Organisationsnummer</label></td><td><input id=\"orgnr\" name=\"orgnr\"></td></tr>\
         <tr><td><label for=\"address\">Anläggningens adress</label></td><td><input id=\"address\" name=\"address\" size=\"40\"></td></tr>\
         <tr><td>Verksamhet</td><td>{boxes}</td></tr>\
         <tr><td><label for=\"received\">Inkom</label></td><td><input id=\"received\" name=\"received\" readonly placeholder=\"välj i kalendern\"></td></tr>\
         <tr><td><label for=\"errand\">E-tjänstärende</label></td><td><input id=\"errand\" name=\"errand\"></td></tr>\
         <tr><td><label for=\"plan\">Planritning</label></td><td><input type=\"file\" id=\"plan\" name=\"plan\"></td></tr>\
         </table><p><button type=\"submit\">Registrera ärende</button></p></form>"
    );
    page(SITE, "Nytt ärende", STYLE, &body).into_response()
}

/// The parts of a `multipart/form-data` body: (name, file name, bytes).
fn multipart(content_type: &str, body: &[u8]) -> Vec<(String, Option<String>, Vec<u8>)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else { return Vec::new() };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter) else { break };
        let part = &rest[..end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&part[..split]).into_owned();
            let head = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
                .unwrap_or_default()
                .to_string();
            let value = part[split + 4..].to_vec();
            let attr = |key: &str| {
                head.split(';')
                    .find_map(|p| p.trim().strip_prefix(&format!("{key}=\"")))
                    .map(|v| v.trim_end_matches('"').to_string())
            };
            if let Some(name) = attr("name") {
                parts.push((name, attr("filename").filter(|f| !f.is_empty()), value));
            }
        }
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn save_case(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let parts = multipart(content_type, &body);
    let text = |name: &str| {
        parts
            .iter()
            .find(|(n, f, _)| n == name && f.is_none())
            .map(|(_, _, v)| String::from_utf8_lossy(v).trim().to_string())
            .unwrap_or_default()
    };
    let activities: Vec<String> = parts
        .iter()
        .filter(|(n, _, _)| n == "activity")
        .map(|(_, _, v)| String::from_utf8_lossy(v).into_owned())
        .collect();
    let attachment = parts
        .iter()
        .find(|(n, f, _)| n == "plan" && f.is_some())
        .map(|(_, f, v)| (f.clone().unwrap_or_default(), v.clone()));
    let (company, orgnr, received) = (text("company"), text("orgnr"), text("received"));
    if company.is_empty() || orgnr.is_empty() || received.is_empty() || activities.is_empty() || attachment.is_none() {
        let body = "<p class=\"error\">Fyll i alla fält, välj verksamhet och bifoga planritningen.</p>";
        return (StatusCode::UNPROCESSABLE_ENTITY, page(SITE, "Fel i ärendet", STYLE, body)).into_response();
    }
    let dnr = format!("MBN 2026-{:05}", 120 + s.cases.len());
    s.cases.push(Case {
        dnr: dnr.clone(),
        company,
        orgnr,
        address: text("address"),
        activities,
        received,
        errand: text("errand"),
        attachment,
    });
    Redirect::to(&format!("/cases/new?dnr={}", dnr.replace(' ', "+"))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_keep_their_bytes() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"company\"\r\n\r\nKaf\xc3\xa9 AB\r\n--XyZ\r\nContent-Disposition: form-data; name=\"plan\"; filename=\"p.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\x00\x01\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body);
        assert_eq!(parts[0], ("company".to_string(), None, "Kafé AB".as_bytes().to_vec()));
        assert_eq!(parts[1], ("plan".to_string(), Some("p.pdf".to_string()), b"%PDF\r\n\x00\x01".to_vec()));
    }
}
