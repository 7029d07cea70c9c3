//! A stand-in for the e-service platform (Open ePlatform): a handler logs in,
//! sees an inbox of submitted errands, opens one, and marks it as handled.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::demo::data::ConsentErrand;
use crate::demo::html::{Sessions, esc, login_form, login_redirect, page};

pub const SITE: &str = "E-tjänsteplattformen";
const COOKIE: &str = "eplatform_session";
/// Errands shown per inbox page.
pub const PAGE_SIZE: usize = 5;
const STYLE: &str = "body{font-family:sans-serif;margin:0}header{background:#0a4d8c;color:#fff;padding:8px 16px}\
    main{padding:16px}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px}.error{color:#b00}";

/// The platform's server-side state; tests read it directly.
#[derive(Debug, Default)]
pub struct EService {
    pub username: String,
    pub password: String,
    pub errands: Vec<Errand>,
    sessions: Sessions,
}

#[derive(Debug, Clone)]
pub struct Errand {
    pub data: ConsentErrand,
    pub handled: bool,
}

impl EService {
    pub fn new(username: &str, password: &str, errands: Vec<ConsentErrand>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            errands: errands.into_iter().map(|data| Errand { data, handled: false }).collect(),
            sessions: Sessions::default(),
        }
    }

    pub fn handled_ids(&self) -> Vec<String> {
        self.errands.iter().filter(|e| e.handled).map(|e| e.data.id.clone()).collect()
    }
}

type Shared = Arc<Mutex<EService>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/inbox") }))
        .route("/login", get(|| async { login_form(SITE, STYLE, None) }).post(login))
        .route("/inbox", get(inbox))
        .route("/errands/{id}", get(errand))
        .route("/errands/{id}/handled", post(mark_handled))
        .route("/api/errands", get(api_errands))
        .with_state(state)
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if form.username == s.username && form.password == s.password {
        let token = s.sessions.open();
        login_redirect(COOKIE, &token, "/inbox")
    } else {
        (StatusCode::UNAUTHORIZED, login_form(SITE, STYLE, Some("Fel användarnamn eller lösenord."))).into_response()
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn inbox(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<PageQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let open: Vec<&Errand> = s.errands.iter().filter(|e| !e.handled).collect();
    let pages = open.len().div_ceil(PAGE_SIZE).max(1);
    let current = q.page.unwrap_or(1).clamp(1, pages);
    let mut rows = String::new();
    for e in open.iter().skip((current - 1) * PAGE_SIZE).take(PAGE_SIZE) {
        rows.push_str(&format!(
            "<tr><td><a href=\"/errands/{id}\">{id}</a></td><td>Samtycke till vaccination</td><td>{}</td><td>{}</td><td>Inskickad</td><td>{}</td></tr>",
            esc(&e.data.submitted),
            esc(&e.data.guardian),
            esc(&e.data.handler),
            id = esc(&e.data.id),
        ));
    }
    if open.is_empty() {
        rows.push_str("<tr><td colspan=\"6\">Inga nya ärenden.</td></tr>");
    }
    let mut nav = format!("<p>Sida {current} av {pages}");
    if current > 1 {
        nav.push_str(&format!(" <a href=\"/inbox?page={}\">Föregående sida</a>", current - 1));
    }
    if current < pages {
        nav.push_str(&format!(" <a href=\"/inbox?page={}\">Nästa sida</a>", current + 1));
    }
    nav.push_str("</p>");
    let body = format!(
        "<table class=\"errands\"><thead><tr><th>Ärende</th><th>Typ</th><th>Inkommet</th><th>Sökande</th><th>Status</th><th>Handläggare</th></tr></thead>\
         <tbody>{rows}</tbody></table>{nav}"
    );
    page(SITE, "Inkorg", STYLE, &body).into_response()
}

#[derive(Deserialize)]
struct HandledQuery {
    handled: Option<u8>,
}

async fn errand(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HandledQuery>,
) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let Some(e) = s.errands.iter().find(|e| e.data.id == id) else {
        return (StatusCode::NOT_FOUND, page(SITE, "Ärendet finns inte", STYLE, "<p>Ärendet finns inte.</p>"))
            .into_response();
    };
    let d = &e.data;
    let notice = if q.handled.is_some() && e.handled {
        "<p class=\"notice\" role=\"status\">Ärendet är markerat som hanterat.</p>"
    } else {
        ""
    };
    let action = if e.handled {
        "<p>Status: Hanterat</p>".to_string()
    } else {
        format!(
            "<form method=\"post\" action=\"/errands/{}/handled\"><button type=\"submit\">Markera som hanterad</button></form>",
            esc(&d.id)
        )
    };
    let body = format!(
        "{notice}<dl>\
         <dt>Ärende</dt><dd id=\"errand-id\">{}</dd>\
         <dt>Inkommet</dt><dd>{}</dd>\
         <dt>Vårdnadshavare</dt><dd id=\"guardian\">{}</dd>\
         <dt>Elevens namn</dt><dd id=\"pupil-name\">{}</dd>\
         <dt>Elevens personnummer</dt><dd id=\"pupil-pnr\">{}</dd>\
         <dt>Skola</dt><dd>{}</dd>\
         <dt>Vaccination</dt><dd id=\"vaccine\">{}</dd>\
         <dt>Samtycke</dt><dd id=\"consent\">{}</dd>\
         </dl>{action}",
        esc(&d.id),
        esc(&d.submitted),
        esc(&d.guardian),
        esc(&d.pupil.name),
        esc(&d.pupil.pnr),
        esc(&d.pupil.school),
        esc(&d.vaccine),
        if d.consent { "Ja" } else { "Nej" },
    );
    page(SITE, &format!("Samtycke till vaccination {}", d.id), STYLE, &body).into_response()
}

async fn mark_handled(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    match s.errands.iter_mut().find(|e| e.data.id == id) {
        Some(e) => {
            e.handled = true;
            Redirect::to(&format!("/errands/{id}?handled=1")).into_response()
        }
        None => (StatusCode::NOT_FOUND, Html("Ärendet finns inte.")).into_response(),
    }
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<String>,
}

/// The platform's JSON API: submitted errands after an errand id, in id order.
async fn api_errands(State(state): State<Shared>, Query(q): Query<AfterQuery>) -> axum::Json<serde_json::Value> {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    let after = q.after.unwrap_or_default();
    let mut errands: Vec<&Errand> = s.errands.iter().filter(|e| !e.handled && e.data.id > after).collect();
    errands.sort_by(|a, b| a.data.id.cmp(&b.data.id));
    let list: Vec<serde_json::Value> = errands
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.data.id,
                "type": "vaccination_consent",
                "submitted": e.data.submitted,
                "guardian": e.data.guardian,
                "pupil_pnr": e.data.pupil.pnr,
                "handler": e.data.handler,
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "errands": list }))
}
