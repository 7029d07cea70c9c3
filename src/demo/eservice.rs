//! A stand-in for the e-service platform (Open ePlatform): a handler logs in,
//! sees an inbox of submitted errands, opens one, and marks it as handled.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::base64;
use crate::demo::html::{Login, Sessions, SiteLook, answer_login, login_form, page};
use crate::xml::escape;

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
    /// The Bearer token the JSON API asks for (the citizen's `correct` excepted).
    pub api_token: String,
    /// Errands per page of `GET /api/errands`; the answer's `next` leads on.
    pub api_page_size: usize,
    /// Requests the API refused for want of the token.
    pub api_refused: u32,
    /// The status each errand was last given through the API, by errand id.
    pub statuses: Vec<(String, String)>,
}

/// The kinds of errand the platform receives, one per municipal flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrandKind {
    VaccinationConsent,
    CultureSchool,
    BinPause,
    FoodRegistration,
}

impl ErrandKind {
    pub const ALL: [ErrandKind; 4] =
        [ErrandKind::VaccinationConsent, ErrandKind::CultureSchool, ErrandKind::BinPause, ErrandKind::FoodRegistration];

    /// The name in URLs and the API (`?type=bin_pause`).
    pub fn slug(self) -> &'static str {
        match self {
            ErrandKind::VaccinationConsent => "vaccination_consent",
            ErrandKind::CultureSchool => "culture_school",
            ErrandKind::BinPause => "bin_pause",
            ErrandKind::FoodRegistration => "food_registration",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ErrandKind::VaccinationConsent => "Samtycke till vaccination",
            ErrandKind::CultureSchool => "Ansökan till kulturskolan",
            ErrandKind::BinPause => "Uppehåll i sophämtning",
            ErrandKind::FoodRegistration => "Registrering av livsmedelsanläggning",
        }
    }
}

/// One field of an errand as the citizen filled it in.
#[derive(Debug, Clone)]
pub struct Field {
    /// The element id on the errand page and the key in the API.
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Several values separated by `, `; a list in the API.
    pub list: bool,
}

/// A submitted errand.
#[derive(Debug, Clone)]
pub struct Errand {
    pub id: String,
    pub kind: ErrandKind,
    pub submitted: String,
    pub applicant: String,
    /// The case officer responsible.
    pub handler: String,
    pub fields: Vec<Field>,
    /// A file the citizen attached: name and bytes.
    pub attachment: Option<(String, Vec<u8>)>,
    pub handled: bool,
    /// The citizen corrected the errand after submitting it (a "komplettering"):
    /// the inbox shows it as `Kompletterad`.
    pub corrected: bool,
}

impl Errand {
    /// The value of a field, empty when the errand has none by that id.
    pub fn field(&self, id: &str) -> &str {
        self.fields.iter().find(|f| f.id == id).map_or("", |f| f.value.as_str())
    }
}

impl EService {
    pub fn new(username: &str, password: &str, errands: Vec<Errand>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            errands,
            sessions: Sessions::default(),
            api_token: DEMO_ESERVICE_API_TOKEN.into(),
            api_page_size: 3,
            api_refused: 0,
            statuses: Vec::new(),
        }
    }

    /// The citizen's correction: new values for fields by id. False when
    /// there is no such errand or field.
    pub fn correct(&mut self, id: &str, values: &[(String, String)]) -> bool {
        let Some(errand) = self.errands.iter_mut().find(|e| e.id == id) else { return false };
        for (field, value) in values {
            match errand.fields.iter_mut().find(|f| f.id == field) {
                Some(f) => f.value = value.clone(),
                None => return false,
            }
        }
        errand.corrected = true;
        true
    }

    /// Successful logins so far.
    pub fn logins(&self) -> u64 {
        self.sessions.opened()
    }

    pub fn handled_ids(&self) -> Vec<String> {
        self.errands.iter().filter(|e| e.handled).map(|e| e.id.clone()).collect()
    }
}

/// The API's Bearer token in the demo (made up, not a secret).
pub const DEMO_ESERVICE_API_TOKEN: &str = "demo-api-token";

type Shared = Arc<Mutex<EService>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/inbox") }))
        .route("/login", get(|| async { login_form(SITE, STYLE, None) }).post(login))
        .route("/inbox", get(inbox))
        .route("/errands/{id}", get(errand))
        .route("/errands/{id}/handled", post(mark_handled))
        .route("/errands/{id}/attachment", get(attachment))
        .route("/api/errands", get(api_errands))
        .route("/api/errands/{id}/handled", post(api_mark_handled))
        .route("/api/errands/{id}/status", post(api_set_status))
        .route("/api/errands/{id}/correct", post(api_correct))
        .with_state(state)
}

async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let accepted = form.username == s.username && form.password == s.password;
    let look = SiteLook { name: SITE, style: STYLE, cookie: COOKIE };
    answer_login(&mut s.sessions, accepted, &look, "/inbox", "Fel användarnamn eller lösenord.")
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn inbox(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<PageQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let kind = q.kind.clone().unwrap_or_default();
    let open: Vec<&Errand> =
        s.errands.iter().filter(|e| !e.handled && (kind.is_empty() || e.kind.slug() == kind)).collect();
    let pages = open.len().div_ceil(PAGE_SIZE).max(1);
    let current = q.page.unwrap_or(1).clamp(1, pages);
    let mut rows = String::new();
    for e in open.iter().skip((current - 1) * PAGE_SIZE).take(PAGE_SIZE) {
        rows.push_str(&format!(
            "<tr><td><a href=\"/errands/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(e.kind.title()),
            escape(&e.submitted),
            escape(&e.applicant),
            if e.corrected { "Kompletterad" } else { "Inskickad" },
            escape(&e.handler),
            id = escape(&e.id),
        ));
    }
    let filter = if kind.is_empty() { String::new() } else { format!("&type={}", escape(&kind)) };
    if open.is_empty() {
        rows.push_str("<tr><td colspan=\"6\">Inga nya ärenden.</td></tr>");
    }
    let mut nav = format!("<p>Sida {current} av {pages}");
    if current > 1 {
        nav.push_str(&format!(" <a href=\"/inbox?page={}{filter}\">Föregående sida</a>", current - 1));
    }
    if current < pages {
        nav.push_str(&format!(" <a href=\"/inbox?page={}{filter}\">Nästa sida</a>", current + 1));
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
    let Some(e) = s.errands.iter().find(|e| e.id == id) else {
        return (StatusCode::NOT_FOUND, page(SITE, "Ärendet finns inte", STYLE, "<p>Ärendet finns inte.</p>"))
            .into_response();
    };
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
            escape(&e.id)
        )
    };
    let mut fields = format!(
        "<dt>Ärende</dt><dd id=\"errand-id\">{}</dd><dt>Inkommet</dt><dd>{}</dd>",
        escape(&e.id),
        escape(&e.submitted)
    );
    for f in &e.fields {
        fields.push_str(&format!("<dt>{}</dt><dd id=\"{}\">{}</dd>", escape(f.label), f.id, escape(&f.value)));
    }
    if let Some((name, _)) = &e.attachment {
        fields.push_str(&format!(
            "<dt>Bilaga</dt><dd><a id=\"attachment\" href=\"/errands/{}/attachment\" download>{}</a></dd>",
            escape(&e.id),
            escape(name)
        ));
    }
    let body = format!("{notice}<dl>{fields}</dl>{action}");
    page(SITE, &format!("{} {}", e.kind.title(), e.id), STYLE, &body).into_response()
}

async fn attachment(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    match s.errands.iter().find(|e| e.id == id).and_then(|e| e.attachment.clone()) {
        Some((name, bytes)) => (
            [
                (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
                (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Ingen bilaga.").into_response(),
    }
}

async fn mark_handled(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    match s.errands.iter_mut().find(|e| e.id == id) {
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
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// The platform's JSON API: submitted errands after an errand id, in id
/// order, of one type if asked; each field under its id (`-` read as `_`).
async fn api_errands(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<AfterQuery>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(refused) = refuse_without_token(&mut s, &headers) {
        return refused;
    }
    let after = q.after.unwrap_or_default();
    let kind = q.kind.unwrap_or_default();
    let mut errands: Vec<&Errand> =
        s.errands.iter().filter(|e| !e.handled && e.id > after && (kind.is_empty() || e.kind.slug() == kind)).collect();
    errands.sort_by(|a, b| a.id.cmp(&b.id));
    let more = errands.len() > s.api_page_size;
    errands.truncate(s.api_page_size);
    let next = match errands.last() {
        Some(last) if more => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("type", &kind)
                .append_pair("after", &last.id)
                .finish();
            serde_json::json!(format!("/api/errands?{query}"))
        }
        _ => serde_json::Value::Null,
    };
    let list: Vec<serde_json::Value> = errands
        .iter()
        .map(|e| {
            let mut object = serde_json::json!({
                "id": e.id,
                "type": e.kind.slug(),
                "submitted": e.submitted,
                "applicant": e.applicant,
                "handler": e.handler,
            });
            for f in &e.fields {
                let value = if f.list {
                    serde_json::json!(f.value.split(", ").collect::<Vec<_>>())
                } else {
                    serde_json::json!(f.value)
                };
                object[f.id.replace('-', "_")] = value;
            }
            // Files come inside the answer, in base64, as platforms send them.
            if let Some((name, bytes)) = &e.attachment {
                object["attachments"] = serde_json::json!([{ "name": name, "content": base64::encode(bytes) }]);
            }
            object
        })
        .collect();
    axum::Json(serde_json::json!({ "errands": list, "next": next })).into_response()
}

/// A 401 with a JSON reason unless the request carries the API's Bearer token.
fn refuse_without_token(s: &mut EService, headers: &HeaderMap) -> Option<Response> {
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if given.strip_prefix("Bearer ").is_some_and(|t| t == s.api_token) {
        return None;
    }
    s.api_refused += 1;
    let reason = if given.is_empty() { "an Authorization: Bearer token is required" } else { "the token is not valid" };
    Some((StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": reason }))).into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

/// Sets an errand's status as the citizen sees it (`Under handläggning`,
/// `Komplettering begärd`, ...).
async fn api_set_status(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<StatusBody>,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(refused) = refuse_without_token(&mut s, &headers) {
        return refused;
    }
    if !s.errands.iter().any(|e| e.id == id) {
        return (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "no such errand" }))).into_response();
    }
    s.statuses.retain(|(errand, _)| *errand != id);
    s.statuses.push((id.clone(), body.status.clone()));
    axum::Json(serde_json::json!({ "id": id, "status": body.status })).into_response()
}

/// Marks an errand handled through the API; answers with the errand's state.
async fn api_mark_handled(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(refused) = refuse_without_token(&mut s, &headers) {
        return refused;
    }
    match s.errands.iter_mut().find(|e| e.id == id) {
        Some(e) => {
            e.handled = true;
            axum::Json(serde_json::json!({ "id": id, "handled": true })).into_response()
        }
        None => (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "no such errand" }))).into_response(),
    }
}

/// The citizen's side: a correction to a submitted errand, as a JSON object
/// of field ids and new values.
async fn api_correct(
    State(state): State<Shared>,
    Path(id): Path<String>,
    axum::Json(values): axum::Json<std::collections::BTreeMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let values: Vec<(String, String)> = values.into_iter().collect();
    if s.correct(&id, &values) {
        axum::Json(serde_json::json!({ "id": id, "corrected": true })).into_response()
    } else {
        (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "no such errand or field" }))).into_response()
    }
}
