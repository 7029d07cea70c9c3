//! A stand-in for the school health journal (elevhälsojournalen): log in,
//! search a pupil by personnummer, register a guardian's vaccination consent.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::demo::data::{Pupil, VACCINES};
use crate::demo::html::{Login, Sessions, SiteLook, answer_login, login_form, page};
use crate::xml::escape;

pub(crate) const SITE: &str = "Elevhälsans journalsystem";
const COOKIE: &str = "JSESSIONID";
const STYLE: &str = "body{font-family:Verdana,sans-serif;font-size:13px;background:#eef;margin:0}\
    header{background:#556;color:#fff;padding:6px}main{padding:12px}table{border-collapse:collapse}\
    td,th{border:1px solid #99a;padding:3px 6px}.error{color:#a00}";

/// A consent as registered in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub pnr: String,
    pub vaccine: String,
    pub consent: bool,
    pub guardian: String,
    pub errand: String,
}

/// The journal's server-side state; tests read it directly.
#[derive(Debug, Default)]
pub struct Journal {
    pub username: String,
    pub password: String,
    pub pupils: Vec<Pupil>,
    pub consents: Vec<Consent>,
    /// Errand ids whose registration fails this many more times (a flaky system).
    pub fail_registrations: std::collections::HashMap<String, u32>,
    /// How many registrations were refused that way.
    pub refused: u32,
    sessions: Sessions,
}

impl Journal {
    pub fn new(username: &str, password: &str, pupils: Vec<Pupil>) -> Self {
        Self { username: username.into(), password: password.into(), pupils, ..Self::default() }
    }

    /// Successful logins so far.
    pub fn logins(&self) -> u64 {
        self.sessions.opened()
    }
}

type Shared = Arc<Mutex<Journal>>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(frameset))
        .route("/menu", get(menu))
        .route("/login", get(|| async { login_form(SITE, STYLE, None) }).post(login))
        .route("/search", get(search))
        .route("/pupils/{pnr}", get(pupil))
        .route("/pupils/{pnr}/consents", post(register))
        .merge(crate::demo::lab::router())
        .with_state(state)
}

async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let accepted = form.username == s.username && form.password == s.password;
    let look = SiteLook { name: SITE, style: STYLE, cookie: COOKIE };
    answer_login(&mut s.sessions, accepted, &look, "/", "Inloggningen misslyckades.")
}

/// The journal's only real page: a frameset with a banner, a menu and the
/// work area (`main`), where search and pupil pages open. `?pnr=` opens the
/// work area on a search.
async fn frameset(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let main = match q.pnr {
        Some(pnr) => format!("/search?pnr={}", escape(&pnr)),
        None => "/search".into(),
    };
    Html(format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Frameset//EN\">\n<html><head><meta charset=\"utf-8\"><title>{SITE}</title></head>\
         <frameset rows=\"48,*\"><frame name=\"banner\" src=\"/menu?part=banner\" scrolling=\"no\">\
         <frameset cols=\"170,*\"><frame name=\"menu\" src=\"/menu\"><frame name=\"main\" src=\"{main}\"></frameset>\
         </frameset></html>"
    ))
    .into_response()
}

#[derive(Deserialize)]
struct MenuQuery {
    part: Option<String>,
}

async fn menu(Query(q): Query<MenuQuery>) -> Html<String> {
    if q.part.as_deref() == Some("banner") {
        return Html(format!(
            "<html><body style=\"background:#14532d;color:#fff;margin:8px\"><b>{SITE}</b></body></html>"
        ));
    }
    Html(
        "<html><body style=\"font-family:sans-serif\"><ul><li><a href=\"/search\" target=\"main\">Sök elev</a></li>\
         <li><a href=\"/login\" target=\"_top\">Logga ut</a></li></ul></body></html>"
            .into(),
    )
}

/// Pages of the work area send a browser that opens them on their own back
/// to the frameset, as the old system does.
const FRAME_GUARD: &str = "<script>if (window.top === window.self) location.replace('/' + location.search);</script>";

/// Digits only, so `20120315-1234`, `201203151234` and `120315-1234` compare equal.
fn normalise(pnr: &str) -> String {
    let digits: String = pnr.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 10 { format!("20{digits}") } else { digits }
}

#[derive(Deserialize)]
struct SearchQuery {
    pnr: Option<String>,
}

async fn search(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let form = "<form method=\"get\" action=\"/search\"><label for=\"pnr\">Personnummer</label> \
                <input id=\"pnr\" name=\"pnr\" size=\"14\"> <input type=\"submit\" value=\"Sök\"></form>";
    let result = match q.pnr.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => String::new(),
        Some(wanted) => match s.pupils.iter().find(|p| normalise(&p.pnr) == normalise(wanted)) {
            Some(p) => return Redirect::to(&format!("/pupils/{}", normalise(&p.pnr))).into_response(),
            None => format!("<p class=\"error\">Ingen elev med personnummer {} hittades.</p>", escape(wanted)),
        },
    };
    page(SITE, "Sök elev", STYLE, &format!("{FRAME_GUARD}{form}{result}")).into_response()
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
}

async fn pupil(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(pnr): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let Some(p) = s.pupils.iter().find(|p| normalise(&p.pnr) == normalise(&pnr)) else {
        return (StatusCode::NOT_FOUND, page(SITE, "Okänd elev", STYLE, "<p>Eleven finns inte.</p>")).into_response();
    };
    let notice = if q.saved.is_some() { "<p class=\"notice\">Samtycket är registrerat.</p>" } else { "" };
    let mut history = String::new();
    for c in s.consents.iter().filter(|c| normalise(&c.pnr) == normalise(&p.pnr)) {
        history.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.vaccine),
            if c.consent { "Ja" } else { "Nej" },
            escape(&c.guardian),
            escape(&c.errand)
        ));
    }
    let options: String = VACCINES
        .iter()
        .map(|v| format!("<option value=\"{}\">{}</option>", escape(&v.to_lowercase()), escape(v)))
        .collect();
    let body = format!(
        "{FRAME_GUARD}{notice}<table><tr><td>Namn</td><td>{}</td></tr><tr><td>Personnummer</td><td>{}</td></tr><tr><td>Skola</td><td>{}</td></tr></table>\
         <h2>Registrerade samtycken</h2><table><tr><th>Vaccination</th><th>Samtycke</th><th>Vårdnadshavare</th><th>E-tjänstärende</th></tr>{history}</table>\
         <h2>Registrera samtycke</h2><form method=\"post\" action=\"/pupils/{}/consents\">\
         <p><label for=\"vaccine\">Vaccination</label> <select id=\"vaccine\" name=\"vaccine\"><option value=\"\">-- välj --</option>{options}</select></p>\
         <p><label for=\"consent\">Samtycke</label> <select id=\"consent\" name=\"consent\"><option value=\"\">-- välj --</option><option value=\"J\">Ja</option><option value=\"N\">Nej</option></select></p>\
         <p><label for=\"guardian\">Vårdnadshavare</label> <input id=\"guardian\" name=\"guardian\"></p>\
         <p><label for=\"errand\">E-tjänstärende</label> <input id=\"errand\" name=\"errand\"></p>\
         <p><input type=\"submit\" value=\"Registrera samtycke\"></p></form>",
        escape(&p.name),
        escape(&p.pnr),
        escape(&p.school),
        normalise(&p.pnr),
    );
    page(SITE, &format!("Elev: {}", p.name), STYLE, &body).into_response()
}

#[derive(Deserialize)]
struct ConsentForm {
    vaccine: String,
    consent: String,
    guardian: String,
    errand: String,
}

async fn register(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(pnr): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let Some(p) = s.pupils.iter().find(|p| normalise(&p.pnr) == normalise(&pnr)).cloned() else {
        return (StatusCode::NOT_FOUND, "Eleven finns inte.").into_response();
    };
    if let Some(left) = s.fail_registrations.get_mut(form.errand.trim()).filter(|left| **left > 0) {
        *left -= 1;
        s.refused += 1;
        let body = "<p class=\"error\">Tjänsten är tillfälligt otillgänglig. Försök igen senare.</p>";
        return (StatusCode::SERVICE_UNAVAILABLE, page(SITE, "Tekniskt fel", STYLE, body)).into_response();
    }
    let vaccine = VACCINES.iter().find(|v| v.to_lowercase() == form.vaccine);
    let (Some(vaccine), true, false) =
        (vaccine, matches!(form.consent.as_str(), "J" | "N"), form.guardian.trim().is_empty())
    else {
        let body = "<p class=\"error\">Alla fält måste fyllas i.</p>";
        return (StatusCode::UNPROCESSABLE_ENTITY, page(SITE, "Fel i formuläret", STYLE, body)).into_response();
    };
    s.consents.push(Consent {
        pnr: p.pnr.clone(),
        vaccine: vaccine.to_string(),
        consent: form.consent == "J",
        guardian: form.guardian.trim().to_string(),
        errand: form.errand.trim().to_string(),
    });
    Redirect::to(&format!("/pupils/{}?saved=1", normalise(&p.pnr))).into_response()
}
