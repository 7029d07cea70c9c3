//! The web console `serve --http ADDR` adds: server-rendered pages from the
//! run log for operations (now, runs), analysts (statistics) and case
//! officers (their open exceptions), a "run now" button, `/metrics` and
//! `/healthz`. No JavaScript, no CDN: plain HTML forms and one stylesheet.
//!
//! Security: loopback by default; any other address needs a token
//! (`NIGHTSHIFT_CONSOLE_TOKEN`, sent as a Bearer header or set as a cookie by
//! `/login`). Requests for another Host are refused (no DNS rebinding), every
//! form carries a CSRF token, every answer carries a strict
//! Content-Security-Policy, and a case officer's mail link opens one case by
//! its signed token (`privacy::case_link`), nothing else.

// Handlers end early with the page to answer (`Result<_, Response>`): the
// response is what axum sends either way.
#![expect(clippy::result_large_err, reason = "an early answer is a whole response, by axum's design")]

mod audit;
mod cases;
mod html;
mod jobs;
mod monitor;
mod now;
mod runs;
mod search;
mod stats;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use crate::privacy::case_link::{CaseLinks, FormTokens, hex, random_bytes};
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// What the daemon answers to "run now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunNowAnswer {
    Started(i64),
    /// The robot is running already (that run).
    Running(i64),
    /// No robot of that name lies in the robots folder.
    NoSuchRobot {
        name: String,
        folder: String,
    },
    /// The robot's file is invalid, and no earlier version of it was valid.
    InvalidRobot {
        name: String,
        problem: String,
    },
    /// The run log could not be read, or the run not recorded in it.
    RunLog(String),
}

/// A "run now" from the console, for the daemon's loop.
#[derive(Debug)]
pub(crate) struct RunNow {
    pub robot: String,
    pub reply: oneshot::Sender<RunNowAnswer>,
}

#[derive(Debug, Error)]
pub(crate) enum WebError {
    #[error(
        "the console would listen on {0}, which is not a loopback address, without a token: set NIGHTSHIFT_CONSOLE_TOKEN (and NIGHTSHIFT_PUBLIC_URL for the links in mail)"
    )]
    NoToken(SocketAddr),
    #[error("failed to listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Key(crate::upkeep::run_log::KeyError),
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Console {
    settings: Settings,
    token: Option<Arc<str>>,
    forms: FormTokens,
    links: CaseLinks,
    /// The Host headers this console answers to.
    hosts: Arc<Vec<String>>,
    run_now: mpsc::UnboundedSender<RunNow>,
    /// The front page's schedule figures, made once a minute or file change.
    coming: Arc<std::sync::Mutex<now::Coming>>,
}

impl Console {
    /// A store for one request; the run log is opened per request (WAL:
    /// readers never wait for the daemon's writes).
    fn store(&self) -> Result<Store, Response> {
        Store::open(&self.settings.state_dir).map_err(internal)
    }
}

/// A failure reading the run log, as a page.
fn internal(e: StoreError) -> Response {
    tracing::error!("console: {e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "the run log could not be read; see the daemon's log").into_response()
}

/// Binds the console and serves it until `shutdown` resolves.
pub(crate) async fn serve(
    settings: Settings,
    addr: SocketAddr,
    run_now: mpsc::UnboundedSender<RunNow>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<tokio::task::JoinHandle<()>, WebError> {
    let token = crate::environment::var("NIGHTSHIFT_CONSOLE_TOKEN").filter(|t| !t.trim().is_empty()).map(String::from);
    if token.is_none() && !addr.ip().is_loopback() {
        return Err(WebError::NoToken(addr));
    }
    let store = Store::open(&settings.state_dir).map_err(|e| WebError::Key(e.into()))?;
    let links = crate::upkeep::run_log::console_key(&settings.state_dir, &store).map_err(WebError::Key)?;
    drop(store);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| WebError::Bind { addr, source })?;
    let bound = listener.local_addr().map_err(|source| WebError::Bind { addr, source })?;
    let mut hosts = vec![bound.to_string(), format!("localhost:{}", bound.port())];
    if let Some(public) = crate::environment::var("NIGHTSHIFT_PUBLIC_URL").and_then(host_of) {
        hosts.push(public);
    }
    let console = Console {
        settings,
        token: token.map(Arc::from),
        forms: FormTokens::new(),
        links,
        hosts: Arc::new(hosts),
        run_now,
        coming: Arc::default(),
    };
    tracing::info!("web console on http://{bound}/");
    let app = router(console);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!("web console: {e}");
        }
    }))
}

/// `host[:port]` of a URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn router(console: Console) -> Router {
    Router::new()
        .route("/", get(now::show))
        .route("/runs", get(runs::list))
        .route("/runs/{id}", get(runs::detail))
        .route("/evidence/{run}/{*file}", get(runs::evidence))
        .route("/stats", get(stats::show))
        .route("/stats.csv", get(stats::csv))
        .route("/stats-excel.csv", get(stats::excel))
        .route("/cases", get(cases::list))
        .route("/audit", get(audit::show))
        .route("/search", get(search::show))
        .route("/jobs", get(jobs::show).post(jobs::pause))
        .route("/audit.csv", get(audit::csv))
        .route("/case", get(cases::one).post(cases::settle))
        .route("/case/screenshot", get(cases::screenshot))
        .route("/case/reopen", post(cases::reopen))
        .route("/robots/{name}/run", post(now::run_now))
        .route("/runs/{id}/seen", post(now::seen))
        .route("/login", get(html::login_page).post(html::login))
        .route("/style.css", get(html::stylesheet))
        .route("/metrics", get(monitor::metrics))
        .route("/healthz", get(monitor::healthz))
        .layer(axum::middleware::from_fn_with_state(console.clone(), guard))
        .with_state(console)
}

/// Pages anyone who reaches the console may see: the login form, the
/// stylesheet, the health check, and a case opened by its own link (the
/// case's handlers check that link).
fn open_path(path: &str) -> bool {
    matches!(path, "/login" | "/style.css" | "/healthz" | "/case" | "/case/screenshot")
}

/// The cookie that names one browser's session, to which its form tokens are bound.
const SESSION_COOKIE: &str = "nightshift_session";

/// The browser session of a request (from its cookie, or new), for the form tokens.
#[derive(Debug, Clone)]
pub(crate) struct FormSession(String);

/// Host check, origin check, token, the session cookie, and the security
/// headers on every answer.
async fn guard(State(console): State<Console>, mut request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let known = cookie(request.headers(), SESSION_COOKIE).filter(|c| c.len() == 32 && unhex_ok(c));
    let session = known.clone().unwrap_or_else(|| hex(&random_bytes(16)));
    request.extensions_mut().insert(FormSession(session.clone()));
    let changes = !matches!(request.method(), &axum::http::Method::GET | &axum::http::Method::HEAD);
    let mut response = if !console.hosts.contains(&host) {
        (StatusCode::FORBIDDEN, "this console does not answer for that host name").into_response()
    } else if changes && foreign_origin(&console, request.headers()) {
        (StatusCode::FORBIDDEN, "this console takes forms from its own pages only").into_response()
    } else if !open_path(request.uri().path()) && !authorised(&console, request.headers()) {
        html::unauthorised(request.headers())
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if known.is_none()
        && let Ok(value) =
            HeaderValue::from_str(&format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict"))
    {
        headers.append(header::SET_COOKIE, value);
    }
    let policy = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Case links carry their token in the address: never pass it on.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn unhex_ok(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a form was sent from a page that is not this console's: a browser
/// says so in `Sec-Fetch-Site`, and names the page's origin in `Origin`
/// (`null` under this console's `no-referrer` policy, which only
/// `Sec-Fetch-Site: same-origin` vouches for).
fn foreign_origin(console: &Console, headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return true;
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str().map(str::to_ascii_lowercase)) {
        None => false,
        Some(Ok(origin)) if origin == "null" => site.is_none(),
        Some(Ok(origin)) => host_of(&origin).is_none_or(|host| !console.hosts.contains(&host)),
        Some(Err(_)) => true,
    }
}

/// Whether the request carries the console's token (always, without one).
fn authorised(console: &Console, headers: &HeaderMap) -> bool {
    let Some(token) = console.token.as_deref() else { return true };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    bearer.is_some_and(|b| same(b, token)) || cookie(headers, html::TOKEN_COOKIE).is_some_and(|c| same(&c, token))
}

/// Compares secrets in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl Console {
    /// The CSRF token for the forms of a page made now for `session`.
    fn form_token(&self, session: &FormSession) -> String {
        self.forms.token(&session.0, chrono::Utc::now())
    }
}

/// A form's CSRF field must be one this console made for this browser's
/// session, not long ago; otherwise the page that says so (403).
fn check_csrf(console: &Console, session: &FormSession, given: &str, lang: html::Lang) -> Result<(), Response> {
    if console.forms.check(&session.0, given, chrono::Utc::now()) {
        return Ok(());
    }
    Err(html::problem(
        lang,
        StatusCode::FORBIDDEN,
        lang.t("Förbjudet", "Forbidden"),
        lang.t(
            "Formuläret saknar sin kontrollkod; ladda om sidan och försök igen.",
            "The form lacks its check code; reload the page and try again.",
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_address_names_its_host_and_secrets_compare_whole() {
        assert_eq!(host_of("https://Robot.Kommun.se/nightshift").as_deref(), Some("robot.kommun.se"));
        assert_eq!(host_of("http://10.0.0.5:8080").as_deref(), Some("10.0.0.5:8080"));
        assert_eq!(host_of("nightshift"), None);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab"));
        assert!(open_path("/case") && !open_path("/cases") && !open_path("/evidence/1/x.png"));
        assert!(unhex_ok("0a9f") && !unhex_ok("0a9g"));
    }
}
