//! A stand-in for the waste billing system, old in every way that matters:
//! pages in ISO-8859-1, each one slow, a session that runs out after a few
//! pages and sends the user back to the login, customer search results in a
//! table without ids, dates written `DD.MM.YYYY`, and a CSV export of the
//! collection pauses (ISO-8859-1, `;`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::demo::data::WasteCustomer;
use crate::demo::html::{Sessions, login_redirect};
use crate::xml::escape;

pub(crate) const SITE: &str = "Avfallsregistret";
const COOKIE: &str = "AVFSESSID";

/// A pause of bin collection as the billing system keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    pub customer: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    pub note: String,
}

/// The billing system's server-side state; tests read it directly.
#[derive(Debug, Default)]
pub struct Waste {
    pub username: String,
    pub password: String,
    pub customers: Vec<WasteCustomer>,
    pub pauses: Vec<Pause>,
    /// How long every page takes.
    pub delay: Duration,
    /// Pages a session may show before it runs out.
    pub session_pages: u32,
    /// How many times a session ran out (the robot had to log in again).
    pub expired: u32,
    /// How many times someone logged in.
    pub logins: u32,
    sessions: Sessions,
    pages: HashMap<String, u32>,
}

impl Waste {
    pub fn new(username: &str, password: &str, customers: Vec<WasteCustomer>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            customers,
            delay: Duration::from_millis(150),
            session_pages: 8,
            ..Self::default()
        }
    }

    /// The export as the system writes it: ISO-8859-1, `;`, CRLF.
    pub fn export(&self) -> Vec<u8> {
        let mut text = String::from("Kundnummer;Fastighet;Från;Till;Orsak\r\n");
        for p in &self.pauses {
            let property = self.customers.iter().find(|c| c.number == p.customer).map_or("", |c| c.property.as_str());
            text.push_str(&format!(
                "{};{};{};{};{}\r\n",
                p.customer,
                property,
                p.from.format("%d.%m.%Y"),
                p.to.format("%d.%m.%Y"),
                p.reason
            ));
        }
        latin1(&text)
    }

    /// Counts a page against the session; `false` once the session is used up.
    fn visit(&mut self, headers: &HeaderMap) -> bool {
        let Some(token) = self.sessions.token(headers, COOKIE) else { return false };
        let used = self.pages.entry(token.clone()).or_insert(0);
        *used += 1;
        if *used > self.session_pages {
            self.sessions.close(&token);
            self.expired += 1;
            return false;
        }
        true
    }
}

type Shared = Arc<Mutex<Waste>>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/kunder") }))
        .route("/login", get(login_page).post(login))
        .route("/kunder", get(search))
        .route("/kunder/{number}", get(customer).post(save_pause))
        .route("/export/uppehall.csv", get(export))
        .with_state(state)
}

/// Text in ISO-8859-1 (characters outside it become `?`).
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }).collect()
}

/// Form data as an old browser sends it from an ISO-8859-1 page.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let decode = |part: &str| {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex =
                        std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        out.into_iter().map(char::from).collect::<String>()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn html(title: &str, body: &str) -> Response {
    let text = format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html><head>\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"><title>{} - {SITE}</title></head>\
         <body bgcolor=\"#f0f0e0\"><table width=\"100%\" bgcolor=\"#336633\"><tr><td><font color=\"white\"><b>{SITE}</b></font></td></tr></table>\
         <h2>{}</h2>\n{body}\n</body></html>",
        escape(title),
        escape(title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")], latin1(&text)).into_response()
}

async fn slow(state: &Shared) {
    let delay = state.lock().map(|s| s.delay).unwrap_or_default();
    tokio::time::sleep(delay).await;
}

#[derive(Deserialize)]
struct ExpiredQuery {
    expired: Option<u8>,
}

async fn login_page(Query(q): Query<ExpiredQuery>) -> Response {
    let notice = if q.expired.is_some() {
        "<p><font color=\"red\">Din session har gått ut. Logga in igen.</font></p>"
    } else {
        ""
    };
    html(
        "Inloggning",
        &format!(
            "{notice}<form id=\"login-form\" method=\"post\" action=\"/login\"><table>\
             <tr><td>Användare:</td><td><input name=\"anv\" id=\"anv\"></td></tr>\
             <tr><td>Lösenord:</td><td><input name=\"losen\" id=\"losen\" type=\"password\"></td></tr></table>\
             <input type=\"submit\" value=\"Logga in\"></form>"
        ),
    )
}

async fn login(State(state): State<Shared>, body: Bytes) -> Response {
    slow(&state).await;
    let form = form_fields(&body);
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if form.get("anv") == Some(&s.username) && form.get("losen") == Some(&s.password) {
        let token = s.sessions.open();
        s.logins += 1;
        login_redirect(COOKIE, &token, "/kunder")
    } else {
        Redirect::to("/login").into_response()
    }
}

fn expired() -> Response {
    Redirect::to("/login?expired=1").into_response()
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    slow(&state).await;
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.visit(&headers) {
        return expired();
    }
    let wanted = q.q.unwrap_or_default().trim().to_string();
    let form = format!(
        "<form method=\"get\" action=\"/kunder\">Kundnr eller fastighet: <input name=\"q\" value=\"{}\"> \
         <input type=\"submit\" value=\"Sök\"></form>",
        escape(&wanted)
    );
    if wanted.is_empty() {
        return html("Kundsök", &format!("{form}<p><a href=\"/export/uppehall.csv\">Exportera uppehåll (CSV)</a></p>"));
    }
    let rows: String = s
        .customers
        .iter()
        .filter(|c| c.number == wanted || c.property.eq_ignore_ascii_case(&wanted))
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/kunder/{}\">Öppna</a></td></tr>",
                escape(&c.number),
                escape(&c.name),
                escape(&c.property),
                escape(&c.number)
            )
        })
        .collect();
    let result = if rows.is_empty() {
        "<p>Inga kunder hittades.</p>".to_string()
    } else {
        format!(
            "<table border=\"1\"><tr><td><b>Kundnr</b></td><td><b>Namn</b></td><td><b>Fastighet</b></td><td></td></tr>{rows}</table>"
        )
    };
    html("Kundsök", &format!("{form}{result}"))
}

async fn customer(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    slow(&state).await;
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.visit(&headers) {
        return expired();
    }
    let Some(c) = s.customers.iter().find(|c| c.number == number).cloned() else {
        return (StatusCode::NOT_FOUND, html("Okänd kund", "<p>Kunden finns inte.</p>")).into_response();
    };
    page_for(&s, &c, q.sparat.is_some().then_some("Uppehållet är sparat."), None)
}

#[derive(Deserialize)]
struct SavedQuery {
    sparat: Option<u8>,
}

fn page_for(s: &Waste, c: &WasteCustomer, notice: Option<&str>, error: Option<&str>) -> Response {
    let pauses: String = s
        .pauses
        .iter()
        .filter(|p| p.customer == c.number)
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.from.format("%d.%m.%Y"),
                p.to.format("%d.%m.%Y"),
                escape(&p.reason)
            )
        })
        .collect();
    let notice = notice.map(|n| format!("<p><b>{}</b></p>", escape(n))).unwrap_or_default();
    let error = error.map(|e| format!("<p><font color=\"red\">{}</font></p>", escape(e))).unwrap_or_default();
    let body = format!(
        "{notice}{error}<table><tr><td>Kundnr:</td><td>{}</td></tr><tr><td>Namn:</td><td>{}</td></tr><tr><td>Fastighet:</td><td>{}</td></tr></table>\
         <h3>Registrerade uppehåll</h3><table border=\"1\"><tr><td>Från</td><td>Till</td><td>Orsak</td></tr>{pauses}</table>\
         <h3>Nytt uppehåll</h3><form method=\"post\" action=\"/kunder/{}\"><table>\
         <tr><td>Från (DD.MM.ÅÅÅÅ):</td><td><input name=\"fran\" id=\"fran\" size=\"10\"></td></tr>\
         <tr><td>Till (DD.MM.ÅÅÅÅ):</td><td><input name=\"till\" id=\"till\" size=\"10\"></td></tr>\
         <tr><td>Orsak:</td><td><select name=\"orsak\" id=\"orsak\"><option value=\"\"></option>\
         <option>Fritidshus, ej bebott</option><option>Längre bortavaro</option><option>Renovering</option></select></td></tr>\
         <tr><td>Notering:</td><td><input name=\"notering\" id=\"notering\" size=\"40\"></td></tr></table>\
         <input type=\"submit\" value=\"Spara uppehåll\"></form>\
         <p><a href=\"/export/uppehall.csv\">Exportera uppehåll (CSV)</a></p>",
        escape(&c.number),
        escape(&c.name),
        escape(&c.property),
        escape(&c.number)
    );
    html(&format!("Kund {}", c.number), &body)
}

async fn save_pause(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    slow(&state).await;
    let form = form_fields(&body);
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.visit(&headers) {
        return expired();
    }
    let Some(c) = s.customers.iter().find(|c| c.number == number).cloned() else {
        return (StatusCode::NOT_FOUND, html("Okänd kund", "<p>Kunden finns inte.</p>")).into_response();
    };
    let date = |key: &str| form.get(key).and_then(|v| NaiveDate::parse_from_str(v.trim(), "%d.%m.%Y").ok());
    let reason = form.get("orsak").cloned().unwrap_or_default();
    let error = match (date("fran"), date("till")) {
        (Some(from), Some(to)) if to < from => Err("Till-datum är före från-datum."),
        (Some(from), Some(to)) if !reason.is_empty() => Ok((from, to)),
        (Some(_), Some(_)) => Err("Ange orsak."),
        _ => Err("Felaktigt datum. Ange DD.MM.ÅÅÅÅ."),
    };
    match error {
        Ok((from, to)) => {
            let note = form.get("notering").cloned().unwrap_or_default();
            s.pauses.push(Pause { customer: number.clone(), from, to, reason, note });
            Redirect::to(&format!("/kunder/{number}?sparat=1")).into_response()
        }
        Err(message) => (StatusCode::UNPROCESSABLE_ENTITY, page_for(&s, &c, None, Some(message))).into_response(),
    }
}

async fn export(State(state): State<Shared>, headers: HeaderMap) -> Response {
    slow(&state).await;
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.visit(&headers) {
        return expired();
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=ISO-8859-1"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"uppehall.csv\""),
        ],
        s.export(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_forms_decode_to_text() {
        let form = form_fields(b"orsak=L%E4ngre+bortavaro&notering=%D6stra+g%E5rden&x=100%25");
        assert_eq!(form["orsak"], "Längre bortavaro");
        assert_eq!(form["notering"], "Östra gården");
        assert_eq!(form["x"], "100%");
        assert_eq!(latin1("Både"), b"B\xe5de");
    }
}
