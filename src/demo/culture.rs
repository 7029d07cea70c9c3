//! A stand-in for the culture school's admin system: a new-application form
//! with dropdowns, a course picker that opens in a popup window, confirm
//! dialogs before saving, and a waiting list for full courses.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::demo::data::COURSES;
use crate::demo::html::{Login, Sessions, SiteLook, answer_login, login_form, page};
use crate::xml::escape;

pub(crate) const SITE: &str = "Kulturskolan Admin";
const COOKIE: &str = "ks_session";
const STYLE: &str = "body{font-family:Verdana,sans-serif;font-size:13px;margin:0}header{background:#6b2c68;color:#fff;padding:6px 12px}\
    main{padding:12px}table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 6px}.error{color:#b00}";

/// A course and how many places it has left.
#[derive(Debug, Clone)]
pub struct Course {
    pub name: String,
    pub subject: String,
    pub teacher: String,
    pub places: u32,
}

/// An application entered into the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub pnr: String,
    pub name: String,
    pub course: String,
    pub errand: String,
}

/// The admin system's server-side state; tests read it directly.
#[derive(Debug, Default)]
pub struct Culture {
    pub username: String,
    pub password: String,
    pub courses: Vec<Course>,
    pub applications: Vec<Application>,
    pub waiting_list: Vec<Application>,
    sessions: Sessions,
}

impl Culture {
    pub fn new(username: &str, password: &str) -> Self {
        let courses = COURSES
            .iter()
            .map(|(name, subject, teacher, places)| Course {
                name: name.to_string(),
                subject: subject.to_string(),
                teacher: teacher.to_string(),
                places: *places,
            })
            .collect();
        Self { username: username.into(), password: password.into(), courses, ..Self::default() }
    }
}

type Shared = Arc<Mutex<Culture>>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/applications/new") }))
        .route("/login", get(|| async { login_form(SITE, STYLE, None) }).post(login))
        .route("/applications/new", get(new_application).post(save_application))
        .route("/courses", get(course_picker))
        .route("/applications", get(applications))
        .route("/waiting-list", get(waiting_list))
        .with_state(state)
}

async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let accepted = form.username == s.username && form.password == s.password;
    let look = SiteLook { name: SITE, style: STYLE, cookie: COOKIE };
    answer_login(&mut s.sessions, accepted, &look, "/applications/new", "Felaktig inloggning.")
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn new_application(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SavedQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let notice = match q.saved.as_deref() {
        Some("waiting") => "<p class=\"notice\">Eleven är placerad på väntelistan.</p>",
        Some(_) => "<p class=\"notice\">Ansökan är registrerad.</p>",
        None => "",
    };
    // The subject list is a dropdown; the course can only be set from the
    // picker window, as in the real system (the field is read-only).
    let body = format!(
        "{notice}<form method=\"post\" action=\"/applications/new\" onsubmit=\"return confirm('Spara ansökan för ' + this.name.value + ' till ' + this.course.value + '?')\">\
         <table>\
         <tr><td><label for=\"pnr\">Personnummer</label></td><td><input id=\"pnr\" name=\"pnr\"></td></tr>\
         <tr><td><label for=\"name\">Elevens namn</label></td><td><input id=\"name\" name=\"name\"></td></tr>\
         <tr><td><label for=\"subject\">Ämne</label></td><td><select id=\"subject\" name=\"subject\"><option value=\"\">-- Välj --</option>\
         <option value=\"M\">Musik</option><option value=\"D\">Dans</option><option value=\"T\">Teater</option></select></td></tr>\
         <tr><td><label for=\"course\">Kurs</label></td><td><input id=\"course\" name=\"course\" readonly> \
         <input type=\"hidden\" id=\"waiting\" name=\"waiting\" value=\"0\">\
         <button type=\"button\" onclick=\"window.open('/courses?subject=' + document.getElementById('subject').value, 'kursval', 'width=640,height=420')\">Välj kurs…</button></td></tr>\
         <tr><td><label for=\"errand\">Ärendenummer</label></td><td><input id=\"errand\" name=\"errand\"></td></tr>\
         </table><p><input type=\"submit\" value=\"Spara ansökan\"></p></form>\
         <p><a href=\"/applications\">Ansökningar</a> <a href=\"/waiting-list\">Väntelista</a></p>"
    );
    page(SITE, "Ny ansökan", STYLE, &body).into_response()
}

#[derive(Deserialize)]
struct SubjectQuery {
    subject: Option<String>,
}

/// The popup: courses of a subject in a table without ids; choosing one
/// writes it into the opener's form and closes the window. A full course asks
/// first whether the pupil should go on the waiting list.
async fn course_picker(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<SubjectQuery>) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let subject = match q.subject.as_deref() {
        Some("M") => "Musik",
        Some("D") => "Dans",
        Some("T") => "Teater",
        _ => "",
    };
    let mut rows = String::new();
    for c in s.courses.iter().filter(|c| subject.is_empty() || c.subject == subject) {
        let name = escape(&c.name).replace('\'', "\\'");
        let pick = if c.places == 0 {
            format!(
                "if (confirm('Kursen {name} är full. Sätta eleven på väntelistan?')) {{ choose('{name}', '1'); }} return false;"
            )
        } else {
            format!("choose('{name}', '0'); return false;")
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"#\" onclick=\"{}\">Välj</a></td></tr>",
            escape(&c.name),
            escape(&c.teacher),
            c.places,
            escape(&pick)
        ));
    }
    let body = format!(
        "<script>function choose(name, waiting) {{ const f = window.opener.document; \
         f.getElementById('course').value = name; f.getElementById('waiting').value = waiting; setTimeout(() => window.close(), 100); }}</script>\
         <table><tr><th>Kurs</th><th>Lärare</th><th>Lediga platser</th><th></th></tr>{rows}</table>"
    );
    page(SITE, "Välj kurs", STYLE, &body).into_response()
}

#[derive(Deserialize)]
struct ApplicationForm {
    pnr: String,
    name: String,
    course: String,
    waiting: String,
    errand: String,
}

async fn save_application(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ApplicationForm>,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let application = Application {
        pnr: form.pnr.trim().to_string(),
        name: form.name.trim().to_string(),
        course: form.course.trim().to_string(),
        errand: form.errand.trim().to_string(),
    };
    let Some(course) = s.courses.iter_mut().find(|c| c.name == application.course) else {
        let body = "<p class=\"error\">Välj en kurs.</p>";
        return (StatusCode::UNPROCESSABLE_ENTITY, page(SITE, "Fel i ansökan", STYLE, body)).into_response();
    };
    if application.pnr.is_empty() || application.name.is_empty() {
        let body = "<p class=\"error\">Personnummer och namn måste fyllas i.</p>";
        return (StatusCode::UNPROCESSABLE_ENTITY, page(SITE, "Fel i ansökan", STYLE, body)).into_response();
    }
    if course.places == 0 || form.waiting == "1" {
        s.waiting_list.push(application);
        return Redirect::to("/applications/new?saved=waiting").into_response();
    }
    course.places -= 1;
    s.applications.push(application);
    Redirect::to("/applications/new?saved=1").into_response()
}

/// Every application registered, by errand number.
async fn applications(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let rows: String = s
        .applications
        .iter()
        .map(|a| {
            format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", escape(&a.errand), escape(&a.name), escape(&a.course))
        })
        .collect();
    let body = format!("<table><tr><th>Ärendenummer</th><th>Namn</th><th>Kurs</th></tr>{rows}</table>");
    page(SITE, "Ansökningar", STYLE, &body).into_response()
}

async fn waiting_list(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    if !s.sessions.valid(&headers, COOKIE) {
        return Redirect::to("/login").into_response();
    }
    let rows: String = s
        .waiting_list
        .iter()
        .map(|a| {
            format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", escape(&a.name), escape(&a.pnr), escape(&a.course))
        })
        .collect();
    let body = format!("<table><tr><th>Namn</th><th>Personnummer</th><th>Kurs</th></tr>{rows}</table>");
    page(SITE, "Väntelista", STYLE, &body).into_response()
}
