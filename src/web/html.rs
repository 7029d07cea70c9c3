//! The console's HTML: one layout (skip link, navigation, one `h1`), written
//! with maud's `html!`, which escapes every text that comes from pages,
//! robots or errors unless it is wrapped in `PreEscaped`; Swedish or English
//! after the browser's language, the stylesheet, and the login form.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::web::{Console, same};

/// The cookie `/login` sets with the console's token.
pub(super) const TOKEN_COOKIE: &str = "nightshift_console";

/// A query-string value.
pub(super) fn query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// A run's, case's or step's outcome in the reader's words, coloured by
/// its class.
pub(super) fn status(text: &str, lang: Lang) -> Markup {
    html! { span class=(text) { (status_word(text, lang)) } }
}

/// An outcome as the run log names it (`succeeded_with_exceptions`), in words.
pub(super) fn status_word(text: &str, lang: Lang) -> &str {
    let (sv, en) = match text {
        "running" => ("körs", "running"),
        "succeeded" => ("lyckades", "succeeded"),
        "succeeded_with_exceptions" => ("klar med undantag", "succeeded with exceptions"),
        "failed" => ("misslyckades", "failed"),
        "timed_out" => ("stoppad vid maxtid", "timed out"),
        "interrupted" => ("avbruten", "interrupted"),
        "skipped" => ("hoppades över", "skipped"),
        "done" => ("klart", "done"),
        "business_exception" => ("verksamhetsundantag", "business exception"),
        "system_exception" => ("tekniskt fel", "system exception"),
        "needs_review" => ("ska kontrolleras", "needs review"),
        "awaiting_officer" => ("väntar på handläggare", "awaiting officer"),
        "ok" => ("ok", "ok"),
        other => return other,
    };
    lang.t(sv, en)
}

/// The reader's language: English when the browser prefers it, else Swedish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Sv,
    En,
}

impl Lang {
    pub(super) fn of(headers: &HeaderMap) -> Self {
        let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let first = accepted.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("en") { Lang::En } else { Lang::Sv }
    }

    /// The Swedish or the English text.
    pub(super) fn t(self, sv: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        self.t("sv", "en")
    }
}

/// Which section of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Now,
    Runs,
    Stats,
    Cases,
    Jobs,
    Audit,
    Search,
    None,
}

/// A whole page: `title` is its `h1` and the window's title.
pub(super) fn page(lang: Lang, section: Section, title: &str, body: Markup) -> Html<String> {
    page_with(lang, section, title, body, None)
}

/// `page` for a case officer who came by a mail link: the console's
/// navigation leads to pages behind its token, so it is left out.
pub(super) fn page_for_link(lang: Lang, title: &str, body: Markup) -> Html<String> {
    layout(lang, None, title, body, None)
}

/// `page`, reloading itself every `refresh` seconds when given: only for a
/// page the reader asked to follow and can stop following (WCAG 2.2.1).
pub(super) fn page_with(lang: Lang, section: Section, title: &str, body: Markup, refresh: Option<u32>) -> Html<String> {
    layout(lang, Some(section), title, body, refresh)
}

fn layout(lang: Lang, section: Option<Section>, title: &str, body: Markup, refresh: Option<u32>) -> Html<String> {
    let items = [
        (Section::Now, "/", lang.t("Nu", "Now")),
        (Section::Runs, "/runs", lang.t("Körningar", "Runs")),
        (Section::Stats, "/stats", lang.t("Statistik", "Statistics")),
        (Section::Cases, "/cases", lang.t("Ärenden att handlägga", "Cases to handle")),
        (Section::Jobs, "/jobs", lang.t("Scheman", "Schedules")),
        (Section::Audit, "/audit", lang.t("Granskningslogg", "Audit log")),
        (Section::Search, "/search", lang.t("Sök ärende", "Find a case")),
    ];
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – nightshift" }
                @if let Some(seconds) = refresh { meta http-equiv="refresh" content=(seconds); }
                link rel="stylesheet" href="/style.css";
            }
            body {
                a.skip href="#main" { (lang.t("Hoppa till innehållet", "Skip to the content")) }
                header {
                    p.brand { "nightshift" }
                    @if let Some(section) = section {
                        nav aria-label=(lang.t("Huvudmeny", "Main menu")) {
                            ul {
                                @for (s, href, label) in items {
                                    li { a href=(href) aria-current=[(s == section).then_some("page")] { (label) } }
                                }
                            }
                        }
                    }
                }
                main #main { h1 { (title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

/// A table in a region that scrolls sideways on a narrow screen (and can
/// be reached by keyboard to do so). `head` are the column names.
pub(super) fn table(caption: &str, head: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div.scroll role="region" aria-label=(caption) tabindex="0" {
            table {
                caption { (caption) }
                thead { tr { @for h in head { th scope="col" { (h) } } } }
                tbody { @for row in rows { tr { @for cell in row { td { (cell) } } } } }
            }
        }
    }
}

/// A page that says something went wrong, with its status.
pub(super) fn problem(lang: Lang, status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! {
        p { (text) }
        p { a href="/" { (lang.t("Till startsidan", "To the start page")) } }
    };
    (status, page(lang, Section::None, title, body)).into_response()
}

/// 401 with the login form for a browser, plain text for a script.
pub(super) fn unauthorised(headers: &HeaderMap) -> Response {
    let lang = Lang::of(headers);
    let mut response = (StatusCode::UNAUTHORIZED, login_html(lang, true)).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"nightshift\""));
    response
}

fn login_html(lang: Lang, needed: bool) -> Html<String> {
    let note = if needed {
        lang.t("Den här sidan kräver konsolens nyckel.", "This page needs the console's token.")
    } else {
        ""
    };
    let body = html! {
        p { (note) }
        form method="post" action="/login" {
            p {
                label for="token" { (lang.t("Nyckel", "Token")) } " "
                input #token name="token" type="password" autocomplete="current-password" required;
            }
            p { button type="submit" { (lang.t("Logga in", "Log in")) } }
        }
    };
    page(lang, Section::None, lang.t("Logga in", "Log in"), body)
}

pub(super) async fn login_page(headers: HeaderMap) -> Html<String> {
    login_html(Lang::of(&headers), false)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    token: String,
}

/// Sets the token cookie when the token is right.
pub(super) async fn login(State(console): State<Console>, headers: HeaderMap, Form(form): Form<LoginForm>) -> Response {
    let lang = Lang::of(&headers);
    match console.token.as_deref() {
        Some(token) if same(form.token.trim(), token) => {
            let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Some(_) => problem(
            lang,
            StatusCode::UNAUTHORIZED,
            lang.t("Fel nyckel", "Wrong token"),
            lang.t("Nyckeln stämmer inte.", "That is not the console's token."),
        ),
        None => Redirect::to("/").into_response(),
    }
}

/// The one stylesheet: system fonts, contrast above 4.5:1, a visible focus
/// ring, tables that scroll sideways on a phone.
pub(super) async fn stylesheet() -> Response {
    let css = "\
:root{color-scheme:light}\
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff}\
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}.skip:focus{left:.5rem}\
header{background:#12355b;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}\
.brand{margin:0;font-weight:700}\
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}\
nav a{color:#fff}nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}\
main{padding:1rem;max-width:80rem}\
a{color:#0b4f8a}\
a:focus,button:focus,input:focus,select:focus,textarea:focus,.scroll:focus{outline:3px solid #c75000;outline-offset:2px}header a:focus{outline-color:#ffd166}\
.scroll{overflow-x:auto;margin:0 0 1rem}\
table{border-collapse:collapse;min-width:100%}caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{border:1px solid #8a8a8a;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eef2f6}\
.failed,.timed_out,.interrupted,.system_exception{color:#a30000}.business_exception,.succeeded_with_exceptions{color:#7a4a00}\
.succeeded,.done{color:#1d5e20}\
form.inline{display:inline}ul.runs{margin:0;padding-left:1rem}button{font:inherit;padding:.3rem .8rem;border:1px solid #12355b;background:#12355b;color:#fff;border-radius:3px;cursor:pointer}\
button.secondary{background:#fff;color:#12355b}\
fieldset{border:1px solid #8a8a8a;margin:0 0 1rem}label{font-weight:600}\
img.evidence{max-width:100%;height:auto;border:1px solid #8a8a8a}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
@media (max-width:40rem){dl{grid-template-columns:1fr;gap:0}dd{margin:0 0 .5rem}main{padding:.75rem}}\
.chart{max-width:100%;height:auto}\
";
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markup_character_from_outside_is_escaped_in_the_layout() {
        let hostile = "<script>alert('x')</script> & \"y\"";
        let rows = vec![vec![html! { (hostile) }]];
        let Html(page) = page(Lang::Sv, Section::Runs, hostile, table(hostile, &[hostile], &rows));
        assert!(!page.contains("<script>"), "{page}");
        let escaped = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;y&quot;";
        // The title, the h1, the caption, the region's name, the column head and the cell.
        assert_eq!(page.matches(escaped).count(), 6, "{page}");
    }

    #[test]
    fn english_only_when_the_browser_prefers_it() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of(&headers), Lang::Sv);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en-GB,en;q=0.9,sv;q=0.8"));
        assert_eq!(Lang::of(&headers), Lang::En);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("sv-SE,sv;q=0.9,en;q=0.8"));
        assert_eq!(Lang::of(&headers), Lang::Sv);
    }
}
