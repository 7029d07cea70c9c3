//! A stand-in for the environmental office's case system ("Lex"), built
//! as today's case systems are: a single-page app whose fields are custom
//! elements with their inputs in open shadow roots (labelled in the ways
//! component libraries label them), a property combobox that asks the
//! server after three characters and is answered 200-600 ms later,
//! activities as chips, a file upload, a `<dialog>` to confirm, a toast that
//! goes after a few seconds, a case list that renders only the rows in view,
//! routing by `history.pushState`, a session that ends after some page loads
//! and bounces to the login view, and a save that can fail. The app itself is
//! `lex.js`; this file is its server and its API.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::demo::data::{ACTIVITIES, PROPERTIES};
use crate::demo::html::Sessions;
use crate::xml::escape;

pub(crate) const SITE: &str = "Lex – miljöförvaltningens ärenden";
const COOKIE: &str = "lex_session";
const APP: &str = include_str!("lex.js");
const STYLE: &str = "body{font-family:Arial,sans-serif;margin:0}header{background:#2d5f2e;color:#fff;padding:6px 12px;\
    display:flex;gap:2rem;align-items:center}header a{color:#fff}main{padding:12px}\
    .error-summary{border:2px solid #b00;color:#b00;padding:.5rem;margin:.5rem 0}\
    #toasts{position:fixed;right:1rem;bottom:1rem}.toast{background:#2d5f2e;color:#fff;padding:.6rem 1rem;margin-top:.5rem}\
    .toast.error{background:#b00}[role=grid]{border:1px solid #aaa;width:52rem}[role=row]{display:flex;height:30px;\
    align-items:center;border-bottom:1px solid #eee}[role=row]>*{flex:1;padding:0 .4rem;overflow:hidden;white-space:nowrap}\
    dialog{border:2px solid #2d5f2e}";

/// A case in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub dnr: String,
    pub company: String,
    pub orgnr: String,
    pub address: String,
    /// The property designation (fastighetsbeteckning), one the register knows.
    pub property: String,
    pub activities: Vec<String>,
    pub received: String,
    pub errand: String,
    /// The uploaded file: name and bytes.
    pub attachment: Option<(String, Vec<u8>)>,
}

/// The register's server-side state; tests read it directly.
#[derive(Debug)]
pub struct Lex {
    pub username: String,
    pub password: String,
    pub cases: Vec<Case>,
    /// Saves that fail (HTTP 503) before the next one goes through.
    pub failing_saves: u32,
    /// Page loads a session lasts (0: as many as it likes); the next load
    /// finds it ended, and the app shows its login view.
    pub session_pages: u32,
    /// How long the toast after a save stays.
    pub toast: Duration,
    /// How many times someone logged in.
    pub logins: u32,
    sessions: Sessions,
    /// Page loads per open session.
    loads: Vec<(String, u32)>,
}

impl Lex {
    /// A register with `older` cases of other companies in it already.
    pub fn new(username: &str, password: &str, older: usize) -> Self {
        let cases = (0..older)
            .map(|n| Case {
                dnr: format!("MIL-2025-{:05}", n + 1),
                company: format!("Verksamhet {} AB", n + 1),
                orgnr: crate::demo::data::organisationsnummer(500 + n),
                address: format!("Industrigatan {}, 861 00 Timrå", 1 + n % 90),
                property: PROPERTIES[n % PROPERTIES.len()].to_string(),
                activities: vec![ACTIVITIES[n % ACTIVITIES.len()].to_string()],
                received: "2025-03-01".into(),
                errand: String::new(),
                attachment: None,
            })
            .collect();
        Self {
            username: username.into(),
            password: password.into(),
            cases,
            failing_saves: 0,
            session_pages: 0,
            toast: Duration::from_secs(3),
            logins: 0,
            sessions: Sessions::default(),
            loads: Vec::new(),
        }
    }

    /// Whether the request's session is open, counting it as one more page
    /// load when `load` is set (and ending it once it has had its loads).
    fn session(&mut self, headers: &HeaderMap, load: bool) -> bool {
        let Some(token) = self.sessions.token(headers, COOKIE) else { return false };
        if !load {
            return true;
        }
        let limit = self.session_pages;
        let Some((_, count)) = self.loads.iter_mut().find(|(t, _)| *t == token) else { return false };
        *count += 1;
        if limit > 0 && *count > limit {
            self.sessions.close(&token);
            self.loads.retain(|(t, _)| *t != token);
            return false;
        }
        true
    }
}

type Shared = Arc<Mutex<Lex>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, Lex> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(shell))
        .route("/login", get(shell))
        .route("/cases", get(shell))
        .route("/cases/{*rest}", get(shell))
        .route("/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP) }))
        .route("/api/login", post(login))
        .route("/api/properties", get(properties))
        .route("/api/cases", get(cases).post(save_case))
        .with_state(state)
}

/// Every address of the app answers the same page; the app's router draws
/// the view. Who is logged in is in the page, as such apps start up.
async fn shell(State(state): State<Shared>, headers: HeaderMap) -> Html<String> {
    let mut s = lock(&state);
    let user = if s.session(&headers, true) { s.username.clone() } else { String::new() };
    Html(format!(
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{SITE}</title><style>{STYLE}</style></head>\
         <body data-user=\"{}\" data-toast-ms=\"{}\"><header><b>Lex</b><nav><a href=\"/cases\" data-route>Ärenden</a> \
         <a href=\"/cases/new\" data-route>Nytt ärende</a></nav></header><main id=\"view\"></main>\
         <div id=\"toasts\" aria-live=\"polite\"></div><script src=\"/app.js\"></script></body></html>",
        escape(&user),
        s.toast.as_millis()
    ))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(State(state): State<Shared>, axum::Json(form): axum::Json<Credentials>) -> Response {
    let mut s = lock(&state);
    if form.username != s.username || form.password != s.password {
        let refusal = serde_json::json!({ "error": "Fel användarnamn eller lösenord." });
        return (StatusCode::UNAUTHORIZED, axum::Json(refusal)).into_response();
    }
    s.logins += 1;
    let token = s.sessions.open();
    s.loads.push((token.clone(), 0));
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    ([(header::SET_COOKIE, cookie)], axum::Json(serde_json::json!({ "user": s.username }))).into_response()
}

fn logged_out() -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": "Sessionen har gått ut." }))).into_response()
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
}

/// Property designations holding the text, answered 200-600 ms late (the
/// same text always as late), as a land register behind the system is.
async fn properties(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<Search>) -> Response {
    if !lock(&state).session(&headers, false) {
        return logged_out();
    }
    let wanted = q.q.unwrap_or_default().to_lowercase();
    let late = 200 + wanted.bytes().fold(0u64, |h, b| (h * 31 + u64::from(b)) % 401);
    tokio::time::sleep(Duration::from_millis(late)).await;
    let found: Vec<&str> = PROPERTIES.iter().copied().filter(|p| p.to_lowercase().contains(&wanted)).take(10).collect();
    axum::Json(found).into_response()
}

async fn cases(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let mut s = lock(&state);
    if !s.session(&headers, false) {
        return logged_out();
    }
    let list: Vec<serde_json::Value> = s
        .cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "dnr": c.dnr, "company": c.company, "orgnr": c.orgnr, "property": c.property,
                "address": c.address, "activities": c.activities, "received": c.received, "errand": c.errand,
            })
        })
        .collect();
    axum::Json(list).into_response()
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
    let mut s = lock(&state);
    if !s.session(&headers, false) {
        return logged_out();
    }
    if s.failing_saves > 0 {
        s.failing_saves -= 1;
        let fault = serde_json::json!({ "error": "Tjänsten svarar inte just nu." });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(fault)).into_response();
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
    let case = Case {
        dnr: format!("MIL-2026-{:05}", 120 + s.cases.len()),
        company: text("company"),
        orgnr: text("orgnr"),
        address: text("address"),
        property: text("property"),
        activities,
        received: text("received"),
        errand: text("errand"),
        attachment,
    };
    let mut errors = Vec::new();
    for (value, what) in
        [(&case.company, "Företagets namn"), (&case.orgnr, "Organisationsnummer"), (&case.address, "Adress")]
    {
        if value.is_empty() {
            errors.push(format!("{what} saknas."));
        }
    }
    if !PROPERTIES.contains(&case.property.as_str()) {
        errors.push(format!("Fastigheten {} finns inte i fastighetsregistret.", case.property));
    }
    if case.activities.is_empty() {
        errors.push("Välj minst en verksamhet.".into());
    }
    if chrono::NaiveDate::parse_from_str(&case.received, "%Y-%m-%d").is_err() {
        errors.push("Ange inkomstdatum som ÅÅÅÅ-MM-DD.".into());
    }
    if case.attachment.is_none() {
        errors.push("Bifoga planritningen.".into());
    }
    if !errors.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(serde_json::json!({ "errors": errors }))).into_response();
    }
    let dnr = case.dnr.clone();
    s.cases.push(case);
    (StatusCode::CREATED, axum::Json(serde_json::json!({ "dnr": dnr }))).into_response()
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
