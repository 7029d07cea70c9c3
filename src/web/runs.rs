//! Run history with filters and pages, one run with its cases, failed steps,
//! fallbacks and screenshots, and the evidence files themselves (only from
//! the state folder's `evidence/`, never a path outside it).

use std::path::{Component, PathBuf};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use maud::PreEscaped;
use serde::Deserialize;

use crate::human::{local_time, local_time_secs};
use crate::runner::event::{ItemStatus, RunStatus};
use crate::store::{RunDetail, RunFilter};
use crate::web::Console;
use crate::web::html::{Lang, Section, esc, page, problem, query, table_of_text};
use crate::web::now::status;

/// Runs per page.
const PAGE_SIZE: usize = 25;

#[derive(Debug, Default, Deserialize)]
pub(super) struct RunsQuery {
    #[serde(default)]
    robot: String,
    #[serde(default)]
    status: String,
    /// First day, `YYYY-MM-DD`, local.
    #[serde(default)]
    from: String,
    /// Last day, inclusive.
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<usize>,
}

/// The UTC instant local midnight of a `YYYY-MM-DD` day starts at.
fn day_start(text: &str, days_after: i64) -> Option<String> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()? + chrono::Duration::days(days_after);
    let local = crate::human::timezone().from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
    Some(local.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

pub(super) async fn list(State(console): State<Console>, headers: HeaderMap, Query(q): Query<RunsQuery>) -> Response {
    let lang = Lang::of(&headers);
    let store = match console.store() {
        Ok(store) => store,
        Err(response) => return response,
    };
    let filter = RunFilter {
        robot: non_empty(&q.robot),
        status: non_empty(&q.status),
        from: day_start(&q.from, 0),
        to: day_start(&q.to, 1),
    };
    let current = q.page.unwrap_or(1).max(1);
    let (runs, total) = match store.runs_page(&filter, PAGE_SIZE, (current - 1) * PAGE_SIZE) {
        Ok(found) => found,
        Err(e) => return super::internal(e),
    };
    let robots = store.robots_with_runs().unwrap_or_default();
    let option = |value: &str, label: &str, chosen: &str| {
        let selected = if value == chosen { " selected" } else { "" };
        format!("<option value=\"{}\"{selected}>{}</option>", esc(value), esc(label))
    };
    let mut robot_options = option("", lang.t("alla", "all"), &q.robot);
    robot_options.extend(robots.iter().map(|r| option(r, r, &q.robot)));
    let mut status_options = option("", lang.t("alla", "all"), &q.status);
    status_options.extend(RunStatus::ALL.iter().map(|s| option(s.as_str(), s.as_str(), &q.status)));
    let mut body = format!(
        "<form method=\"get\" action=\"/runs\"><fieldset><legend>{legend}</legend>\
         <p><label for=\"robot\">Robot</label> <select id=\"robot\" name=\"robot\">{robot_options}</select> \
         <label for=\"status\">{outcome}</label> <select id=\"status\" name=\"status\">{status_options}</select></p>\
         <p><label for=\"from\">{from}</label> <input id=\"from\" name=\"from\" type=\"date\" value=\"{from_v}\"> \
         <label for=\"to\">{to}</label> <input id=\"to\" name=\"to\" type=\"date\" value=\"{to_v}\"> \
         <button type=\"submit\">{show}</button></p></fieldset></form>",
        legend = lang.t("Välj körningar", "Choose runs"),
        outcome = lang.t("Utfall", "Outcome"),
        from = lang.t("Från och med", "From"),
        to = lang.t("Till och med", "To"),
        from_v = esc(&q.from),
        to_v = esc(&q.to),
        show = lang.t("Visa", "Show"),
    );
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                format!("<a href=\"/runs/{0}\">{0}</a>", r.id),
                esc(&r.robot),
                status(r.status.as_str()).into_string(),
                local_time(&r.started_at),
                format!("{}/{}", r.items.done, r.items.total),
                (r.items.business_exceptions + r.items.system_exceptions).to_string(),
                format!("{} min", r.saved_minutes),
            ]
        })
        .collect();
    let head = [
        lang.t("Körning", "Run"),
        "Robot",
        lang.t("Utfall", "Outcome"),
        lang.t("Startade", "Started"),
        lang.t("Klara", "Done"),
        lang.t("Undantag", "Exceptions"),
        lang.t("Sparad tid", "Time saved"),
    ];
    let pages = (total as usize).div_ceil(PAGE_SIZE).max(1);
    let caption = format!("{} {total} ({} {current} / {pages})", lang.t("Körningar:", "Runs:"), lang.t("sida", "page"));
    body.push_str(&table_of_text(&caption, &head, &rows));
    let link = |n: usize, label: &str| {
        let q = query(&[
            ("robot", &q.robot),
            ("status", &q.status),
            ("from", &q.from),
            ("to", &q.to),
            ("page", &n.to_string()),
        ]);
        format!("<a href=\"/runs?{}\">{label}</a>", esc(&q))
    };
    body.push_str("<nav aria-label=\"");
    body.push_str(lang.t("Sidor", "Pages"));
    body.push_str("\"><p>");
    if current > 1 {
        body.push_str(&link(current - 1, lang.t("Nyare", "Newer")));
        body.push(' ');
    }
    if current < pages {
        body.push_str(&link(current + 1, lang.t("Äldre", "Older")));
    }
    body.push_str("</p></nav>");
    page(lang, Section::Runs, lang.t("Körningar", "Runs"), PreEscaped(body)).into_response()
}

pub(super) async fn detail(State(console): State<Console>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let lang = Lang::of(&headers);
    let store = match console.store() {
        Ok(store) => store,
        Err(response) => return response,
    };
    let detail = match store.run(id) {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            let text = format!("{} {id}.", lang.t("Det finns ingen körning", "There is no run"));
            return problem(lang, StatusCode::NOT_FOUND, lang.t("Ingen sådan körning", "No such run"), &text);
        }
        Err(e) => return super::internal(e),
    };
    let r = &detail.run;
    let mut body = format!(
        "<dl><dt>Robot</dt><dd>{robot}</dd><dt>{outcome}</dt><dd>{status}</dd><dt>{trigger_l}</dt><dd>{trigger}</dd>\
         <dt>{started_l}</dt><dd>{started}</dd><dt>{finished_l}</dt><dd>{finished}</dd>\
         <dt>{saved_l}</dt><dd>{saved} min</dd>{workers}{error}</dl>",
        robot = esc(&r.robot),
        outcome = lang.t("Utfall", "Outcome"),
        status = status(r.status.as_str()).into_string(),
        trigger_l = lang.t("Startad av", "Started by"),
        trigger = esc(&r.trigger),
        started_l = lang.t("Startade", "Started"),
        started = local_time_secs(&r.started_at),
        finished_l = lang.t("Slutade", "Finished"),
        finished = r.finished_at.as_deref().map(local_time_secs).unwrap_or_default(),
        saved_l = lang.t("Sparad tid", "Time saved"),
        saved = r.saved_minutes,
        workers = if r.workers > 1 {
            format!("<dt>{}</dt><dd>{}</dd>", lang.t("Arbetare (webbläsare)", "Workers (browsers)"), r.workers)
        } else {
            String::new()
        },
        error = r
            .error
            .as_deref()
            .map(|e| format!("<dt>{}</dt><dd>{}</dd>", lang.t("Fel", "Error"), esc(e)))
            .unwrap_or_default(),
    );
    let rows: Vec<Vec<String>> = detail
        .item_list
        .iter()
        .map(|i| {
            let shots: String = i
                .evidence
                .iter()
                .filter(|e| e.kind == "screenshot")
                .filter_map(|e| evidence_url(&console, &e.path))
                .map(|url| {
                    format!("<a href=\"#shot-{}\">{}</a>", esc(&i.key), esc(url.rsplit('/').next().unwrap_or_default()))
                })
                .collect();
            let mut row = vec![
                (i.seq + 1).to_string(),
                esc(&i.key),
                status(i.status.as_str()).into_string(),
                esc(i.message.as_deref().unwrap_or_default()),
                shots,
            ];
            if r.workers > 1 {
                row.insert(3, i.worker.to_string());
            }
            row
        })
        .collect();
    body.push_str(&format!("<h2>{}</h2>", lang.t("Ärenden", "Cases")));
    let mut head = vec![
        "#",
        lang.t("Ärende", "Case"),
        lang.t("Utfall", "Outcome"),
        lang.t("Meddelande", "Message"),
        lang.t("Skärmbild", "Screenshot"),
    ];
    if r.workers > 1 {
        head.insert(3, lang.t("Arbetare", "Worker"));
    }
    body.push_str(&table_of_text(lang.t("Körningens ärenden", "The run's cases"), &head, &rows));

    body.push_str(&failed_steps(&detail, lang));
    body.push_str(&all_steps(&detail, lang));
    body.push_str(&fallbacks(&detail, lang));
    body.push_str(&screenshots(&console, &detail, lang));
    if !detail.logs.is_empty() {
        body.push_str(&format!("<h2>{}</h2><ul>", lang.t("Logg", "Log")));
        for line in &detail.logs {
            body.push_str(&format!("<li>{}</li>", esc(line)));
        }
        body.push_str("</ul>");
    }
    let title = format!("{} {id}: {}", lang.t("Körning", "Run"), r.robot);
    page(lang, Section::Runs, &title, PreEscaped(body)).into_response()
}

/// The steps that stopped a case (not a `skip`, not a try the case got past).
fn failed_steps(detail: &RunDetail, lang: Lang) -> String {
    let failed: Vec<Vec<String>> = detail
        .steps
        .iter()
        .filter(|s| !matches!(s.outcome.as_str(), "ok" | "skipped"))
        .filter(|s| !matches!(s.item_status, Some(ItemStatus::Done | ItemStatus::Skipped)))
        .map(|s| {
            vec![
                esc(s.item_key.as_deref().unwrap_or(&s.block)),
                s.line.to_string(),
                format!("<code>{}</code> {}", esc(&s.step), esc(&s.summary)),
                esc(s.error.as_deref().unwrap_or_default()),
            ]
        })
        .collect();
    if failed.is_empty() {
        return String::new();
    }
    let head = [lang.t("Ärende", "Case"), lang.t("Rad", "Line"), lang.t("Steg", "Step"), lang.t("Fel", "Error")];
    format!(
        "<h2>{h}</h2>{t}",
        h = lang.t("Steg som misslyckades", "Failed steps"),
        t = table_of_text(lang.t("Steg som misslyckades", "Failed steps"), &head, &failed)
    )
}

/// Every step of the run, folded away (no script needed to open it).
fn all_steps(detail: &RunDetail, lang: Lang) -> String {
    if detail.steps.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = detail
        .steps
        .iter()
        .map(|s| {
            vec![
                esc(s.item_key.as_deref().unwrap_or(&s.block)),
                s.line.to_string(),
                format!("<code>{}</code> {}", esc(&s.step), esc(&s.summary)),
                super::now::status(&s.outcome).into_string(),
                format!("{:.0} ms", s.duration_ms),
            ]
        })
        .collect();
    let head = [
        lang.t("Ärende", "Case"),
        lang.t("Rad", "Line"),
        lang.t("Steg", "Step"),
        lang.t("Utfall", "Outcome"),
        lang.t("Tid", "Time"),
    ];
    format!(
        "<details><summary>{} ({})</summary>{}</details>",
        lang.t("Alla steg", "All steps"),
        rows.len(),
        table_of_text(lang.t("Körningens alla steg i ordning", "The run's steps in order"), &head, &rows)
    )
}

/// The locator lists the run needed a fallback for.
fn fallbacks(detail: &RunDetail, lang: Lang) -> String {
    if detail.fallbacks.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = detail
        .fallbacks
        .iter()
        .map(|f| {
            let code = |t: &str| format!("<code>{}</code>", esc(t));
            vec![f.line.to_string(), code(&f.wanted), code(&f.used), f.times.to_string()]
        })
        .collect();
    let head = [
        lang.t("Rad", "Line"),
        lang.t("Hittade inget", "Found nothing"),
        lang.t("Användes i stället", "Used instead"),
        lang.t("Gånger", "Times"),
    ];
    format!(
        "<h2>{h}</h2>{t}",
        h = lang.t("Reservlokaliserare som behövdes", "Fallback locators needed"),
        t = table_of_text(lang.t("Sidan kan ha ändrats", "The page may have changed"), &head, &rows)
    )
}

/// Each case's screenshots, inline.
fn screenshots(console: &Console, detail: &RunDetail, lang: Lang) -> String {
    let shots: Vec<(String, String)> = detail
        .item_list
        .iter()
        .flat_map(|i| {
            i.evidence.iter().filter(|e| e.kind == "screenshot").map(move |e| (i.key.clone(), e.path.clone()))
        })
        .collect();
    if shots.is_empty() {
        return String::new();
    }
    let mut out = format!("<h2>{}</h2>", lang.t("Skärmbilder", "Screenshots"));
    for (key, path) in shots {
        if let Some(url) = evidence_url(console, &path) {
            out.push_str(&format!(
                "<figure id=\"shot-{k}\"><img class=\"evidence\" src=\"{u}\" alt=\"{alt} {k}\"><figcaption>{k}</figcaption></figure>",
                k = esc(&key),
                u = esc(&url),
                alt = lang.t("Sidan när ärendet stoppades:", "The page when the case stopped:"),
            ));
        }
    }
    out
}

/// The console's address of an evidence file, when it is in the state folder's `evidence/`.
fn evidence_url(console: &Console, path: &str) -> Option<String> {
    let root = console.settings.state_dir.join("evidence");
    let relative = std::path::Path::new(path).strip_prefix(&root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| match c {
            Component::Normal(p) => Some(form_urlencoded::byte_serialize(p.to_string_lossy().as_bytes()).collect()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(format!("/evidence/{}", parts.join("/")))
}

/// An evidence file of a run: only below `<state>/evidence/<run>/`, after
/// following links; anything else is refused.
pub(super) async fn evidence(State(console): State<Console>, Path((run, file)): Path<(i64, String)>) -> Response {
    let root = console.settings.state_dir.join("evidence");
    let wanted: PathBuf = root.join(run.to_string()).join(&file);
    let (Ok(root), Ok(real)) = (root.canonicalize(), wanted.canonicalize()) else {
        return (StatusCode::NOT_FOUND, "no such evidence file").into_response();
    };
    if !real.starts_with(root.join(run.to_string())) || !real.is_file() {
        return (StatusCode::FORBIDDEN, "not an evidence file of this run").into_response();
    }
    let kind = match real.extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        // The page as it was, shown as text: its scripts never run here.
        Some("html") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    match std::fs::read(&real) {
        Ok(bytes) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no such evidence file").into_response(),
    }
}
