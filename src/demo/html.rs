//! Small helpers the stand-in sites share: page frames, logins, sessions.

use std::collections::HashSet;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::xml::escape;

/// A whole page with a title, a site banner and `body`.
pub(crate) fn page(site: &str, title: &str, style: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{} – {}</title><style>{style}</style></head>\
         <body><header><b>{}</b></header><main><h1>{}</h1>\n{body}\n</main></body></html>",
        escape(title),
        escape(site),
        escape(site),
        escape(title)
    ))
}

/// Cookie-based sessions: random tokens that the site hands out at login.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    tokens: HashSet<String>,
    counter: u64,
}

impl Sessions {
    pub(crate) fn open(&mut self) -> String {
        self.counter += 1;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let token = format!("{:x}{:x}", nanos, self.counter);
        self.tokens.insert(token.clone());
        token
    }

    pub(crate) fn valid(&self, headers: &HeaderMap, cookie: &str) -> bool {
        self.token(headers, cookie).is_some()
    }

    /// The request's session token, if it is one this site handed out.
    pub(crate) fn token(&self, headers: &HeaderMap, cookie: &str) -> Option<String> {
        cookie_value(headers, cookie).filter(|t| self.tokens.contains(t))
    }

    /// How many sessions were opened: one per successful login.
    pub(crate) fn opened(&self) -> u64 {
        self.counter
    }

    /// Ends a session (it timed out).
    pub(crate) fn close(&mut self, token: &str) {
        self.tokens.remove(token);
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// What the login forms post.
#[derive(serde::Deserialize)]
pub(crate) struct Login {
    pub username: String,
    pub password: String,
}

/// How a site looks and keeps its session: used by the shared login.
pub(crate) struct SiteLook {
    pub name: &'static str,
    pub style: &'static str,
    pub cookie: &'static str,
}

/// Answers a login form: a new session and a redirect to `home` when the
/// account matches, else the form again with `refusal`.
pub(crate) fn answer_login(
    sessions: &mut Sessions,
    accepted: bool,
    look: &SiteLook,
    home: &str,
    refusal: &str,
) -> Response {
    if accepted {
        let token = sessions.open();
        login_redirect(look.cookie, &token, home)
    } else {
        (StatusCode::UNAUTHORIZED, login_form(look.name, look.style, Some(refusal))).into_response()
    }
}

/// A redirect that also sets the session cookie.
pub(crate) fn login_redirect(cookie: &str, token: &str, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("{cookie}={token}; Path=/; HttpOnly; SameSite=Lax")) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The login form both sites show, in their own words.
pub(crate) fn login_form(site: &str, style: &str, error: Option<&str>) -> Html<String> {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    page(
        site,
        "Logga in",
        style,
        &format!(
            "{error}<form method=\"post\" action=\"/login\">\
             <p><label for=\"username\">Användarnamn</label><br><input id=\"username\" name=\"username\" autocomplete=\"username\"></p>\
             <p><label for=\"password\">Lösenord</label><br><input id=\"password\" name=\"password\" type=\"password\"></p>\
             <p><button type=\"submit\">Logga in</button></p></form>"
        ),
    )
}
