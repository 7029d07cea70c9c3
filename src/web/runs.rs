//! Run history with filters and pages, one run with its cases, failed steps,
//! fallbacks and screenshots, and the evidence files themselves (only from
//! the state folder's `evidence/`, never a path outside it).

use std::path::{Component, PathBuf};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use maud::{Markup, html};
use serde::Deserialize;

use crate::human::{local_time, local_time_secs};
use crate::runner::event::{ItemStatus, RunStatus};
use crate::store::{RunDetail, RunFilter};
use crate::web::Console;
use crate::web::html::{Lang, Section, page, page_with, problem, query, status, status_word, table};

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
        html! { option value=(value) selected[value == chosen] { (label) } }
    };
    let rows: Vec<Vec<Markup>> = runs
        .iter()
        .map(|r| {
            vec![
                html! { a href={ "/runs/" (r.id) } { (r.id) } },
                html! { (r.robot) },
                status(r.status.as_str(), lang),
                html! { (local_time(&r.started_at)) },
                html! { (r.items.done) "/" (r.items.total) },
                html! { (r.items.business_exceptions + r.items.system_exceptions) },
                html! { (r.saved_minutes) " min" },
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
    let link = |n: usize, label: &str| {
        let q = query(&[
            ("robot", &q.robot),
            ("status", &q.status),
            ("from", &q.from),
            ("to", &q.to),
            ("page", &n.to_string()),
        ]);
        html! { a href={ "/runs?" (q) } { (label) } }
    };
    let body = html! {
        form method="get" action="/runs" {
            fieldset {
                legend { (lang.t("Välj körningar", "Choose runs")) }
                p {
                    label for="robot" { "Robot" } " "
                    select #robot name="robot" {
                        (option("", lang.t("alla", "all"), &q.robot))
                        @for r in &robots { (option(r, r, &q.robot)) }
                    }
                    " "
                    label for="status" { (lang.t("Utfall", "Outcome")) } " "
                    select #status name="status" {
                        (option("", lang.t("alla", "all"), &q.status))
                        @for s in RunStatus::ALL { (option(s.as_str(), status_word(s.as_str(), lang), &q.status)) }
                    }
                }
                p {
                    label for="from" { (lang.t("Från och med", "From")) } " "
                    input #from name="from" type="date" value=(q.from);
                    " "
                    label for="to" { (lang.t("Till och med", "To")) } " "
                    input #to name="to" type="date" value=(q.to);
                    " "
                    button type="submit" { (lang.t("Visa", "Show")) }
                }
            }
        }
        (table(&caption, &head, &rows))
        nav aria-label=(lang.t("Sidor", "Pages")) {
            p {
                @if current > 1 { (link(current - 1, lang.t("Nyare", "Newer"))) " " }
                @if current < pages { (link(current + 1, lang.t("Äldre", "Older"))) }
            }
        }
    };
    page(lang, Section::Runs, lang.t("Körningar", "Runs"), body).into_response()
}

/// `?follow=1`: the reader asked a running run's page to keep itself up to date.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DetailQuery {
    #[serde(default)]
    follow: Option<u8>,
}

/// How often a followed running run's page reloads itself, in seconds.
const FOLLOW_SECONDS: u32 = 10;

pub(super) async fn detail(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Response {
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
    let notes = match store.run_notes(id) {
        Ok(notes) => notes,
        Err(e) => return super::internal(e),
    };
    let r = &detail.run;
    let running = r.status == RunStatus::Running;
    let follow = running && q.follow == Some(1);
    let rows: Vec<Vec<Markup>> = detail
        .item_list
        .iter()
        .map(|i| {
            let shots = html! {
                @for e in i.evidence.iter().filter(|e| e.kind == "screenshot") {
                    @if let Some(url) = evidence_url(&console, &e.path) {
                        a href={ "#shot-" (i.key) } { (url.rsplit('/').next().unwrap_or_default()) }
                    }
                }
            };
            let mut row = vec![
                html! { (i.seq + 1) },
                html! { (i.key) },
                status(i.status.as_str(), lang),
                html! { (i.message.as_deref().unwrap_or_default()) },
                shots,
            ];
            if r.workers > 1 {
                row.insert(3, html! { (i.worker) });
            }
            row
        })
        .collect();
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
    let body = html! {
        @if running {
            p role="status" {
                (lang.t("Körningen pågår:", "The run is under way:")) " "
                (r.items.done) " " (lang.t("av", "of")) " " (r.items.total) " " (lang.t("ärenden klara.", "cases done.")) " "
                @if follow {
                    (lang.t("Sidan uppdateras var", "The page updates every")) " " (FOLLOW_SECONDS) " s. "
                    a href={ "/runs/" (id) } { (lang.t("Sluta uppdatera", "Stop updating")) }
                } @else {
                    a href={ "/runs/" (id) "?follow=1" } {
                        (lang.t("Följ körningen (sidan uppdateras var", "Follow the run (the page updates every"))
                        " " (FOLLOW_SECONDS) " s)"
                    }
                }
            }
        }
        (why_stopped(&console, &detail, &notes, lang))
        dl {
            dt { "Robot" } dd { (r.robot) }
            dt { (lang.t("Utfall", "Outcome")) } dd { (status(r.status.as_str(), lang)) }
            dt { (lang.t("Klara ärenden", "Cases done")) } dd { (r.items.done) " " (lang.t("av", "of")) " " (r.items.total) }
            dt { (lang.t("Startad av", "Started by")) } dd { (r.trigger) }
            dt { (lang.t("Startade", "Started")) } dd { (local_time_secs(&r.started_at)) }
            dt { (lang.t("Slutade", "Finished")) } dd { (r.finished_at.as_deref().map(local_time_secs).unwrap_or_default()) }
            dt { (lang.t("Sparad tid", "Time saved")) } dd { (r.saved_minutes) " min" }
            @if r.workers > 1 {
                dt { (lang.t("Arbetare (webbläsare)", "Workers (browsers)")) } dd { (r.workers) }
            }
            @if let Some(error) = &r.error {
                dt { (lang.t("Fel", "Error")) } dd { (error) }
            }
        }
        h2 { (lang.t("Ärenden", "Cases")) }
        (table(lang.t("Körningens ärenden", "The run's cases"), &head, &rows))
        (failed_steps(&detail, lang))
        (all_steps(&detail, lang))
        (fallbacks(&detail, lang))
        (screenshots(&console, &detail, lang))
        (files(&console, id, lang))
        @if !detail.logs.is_empty() {
            h2 { (lang.t("Logg", "Log")) }
            ul { @for line in &detail.logs { li { (line) } } }
        }
    };
    let title = format!("{} {id}: {}", lang.t("Körning", "Run"), r.robot);
    page_with(lang, Section::Runs, &title, body, follow.then_some(FOLLOW_SECONDS)).into_response()
}

/// Why a run that did not succeed stopped, first on its page: its error,
/// the step outside its cases that failed (setup, teardown), the page as it
/// was then (its screenshot, and its HTML as text) and the run's own log
/// lines, among them where it stopped. Cases keep their evidence below.
fn why_stopped(console: &Console, detail: &RunDetail, notes: &[(String, String)], lang: Lang) -> Markup {
    let r = &detail.run;
    let ended_well = matches!(r.status, RunStatus::Running | RunStatus::Succeeded | RunStatus::SucceededWithExceptions);
    if ended_well && r.error.is_none() {
        return html! {};
    }
    let steps: Vec<_> = detail
        .steps
        .iter()
        .filter(|s| s.item_seq.is_none() && !matches!(s.outcome.as_str(), "ok" | "skipped"))
        .collect();
    // Setup's, teardown's or the reading of the cases': named by the runner
    // after the part of the run (`setup.png`, `setup-worker-2.png`).
    let evidence = |kind: &str| -> Vec<(String, String)> {
        let own = detail.evidence.iter().filter(|e| e.item_key.is_none() && e.kind == kind);
        let labelled = own.filter_map(|e| {
            let label = std::path::Path::new(&e.path).file_stem()?.to_string_lossy().into_owned();
            Some((label, evidence_url(console, &e.path)?))
        });
        labelled.collect()
    };
    html! {
        section #stopped aria-labelledby="why" {
            h2 #why { (lang.t("Varför körningen stoppades", "Why the run stopped")) }
            @if let Some(error) = &r.error { p { strong { (lang.t("Fel:", "Error:")) } " " (error) } }
            @for s in &steps {
                p {
                    (lang.t("Steget", "The step")) " " (step_cell(&s.step, &s.summary)) " ("
                    (s.block) ", " (lang.t("rad", "line")) " " (s.line) ")"
                    @if let Some(error) = &s.error { ": " (error) }
                }
            }
            @for (label, url) in evidence("screenshot") {
                figure id={ "shot-" (label) } {
                    img.evidence src=(url) alt={ (lang.t("Sidan när körningen stoppades i", "The page when the run stopped in")) " " (label) };
                    figcaption { (lang.t("Sidan när det hände", "The page when it happened")) " (" code { (label) } ")" }
                }
            }
            @for (label, url) in evidence("html") {
                p { a href=(url) { (lang.t("Sidans HTML som text", "The page's HTML as text")) " (" (label) ")" } }
            }
            @if !notes.is_empty() {
                h3 { (lang.t("Körningens egen logg", "The run's own log")) }
                ul { @for (at, message) in notes { li { (local_time_secs(at)) ": " (message) } } }
            }
        }
    }
}

/// A step as the run log names it: its keyword as code, then its summary.
fn step_cell(step: &str, summary: &str) -> Markup {
    html! { code { (step) } " " (summary) }
}

/// The steps that stopped a case (not a `skip`, not a try the case got past).
fn failed_steps(detail: &RunDetail, lang: Lang) -> Markup {
    let failed: Vec<Vec<Markup>> = detail
        .steps
        .iter()
        .filter(|s| !matches!(s.outcome.as_str(), "ok" | "skipped"))
        .filter(|s| !matches!(s.item_status, Some(ItemStatus::Done | ItemStatus::Skipped)))
        .map(|s| {
            vec![
                html! { (s.item_key.as_deref().unwrap_or(&s.block)) },
                html! { (s.line) },
                step_cell(&s.step, &s.summary),
                html! { (s.error.as_deref().unwrap_or_default()) },
            ]
        })
        .collect();
    let head = [lang.t("Ärende", "Case"), lang.t("Rad", "Line"), lang.t("Steg", "Step"), lang.t("Fel", "Error")];
    let title = lang.t("Steg som misslyckades", "Failed steps");
    html! {
        @if !failed.is_empty() {
            h2 { (title) }
            (table(title, &head, &failed))
        }
    }
}

/// Every step of the run, folded away (no script needed to open it).
fn all_steps(detail: &RunDetail, lang: Lang) -> Markup {
    let rows: Vec<Vec<Markup>> = detail
        .steps
        .iter()
        .map(|s| {
            vec![
                html! { (s.item_key.as_deref().unwrap_or(&s.block)) },
                html! { (s.line) },
                step_cell(&s.step, &s.summary),
                status(&s.outcome, lang),
                html! { (format!("{:.0} ms", s.duration_ms)) },
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
    html! {
        @if !rows.is_empty() {
            details {
                summary { (lang.t("Alla steg", "All steps")) " (" (rows.len()) ")" }
                (table(lang.t("Körningens alla steg i ordning", "The run's steps in order"), &head, &rows))
            }
        }
    }
}

/// The locator lists the run needed a fallback for.
fn fallbacks(detail: &RunDetail, lang: Lang) -> Markup {
    let rows: Vec<Vec<Markup>> = detail
        .fallbacks
        .iter()
        .map(|f| {
            vec![html! { (f.line) }, html! { code { (f.wanted) } }, html! { code { (f.used) } }, html! { (f.times) }]
        })
        .collect();
    let head = [
        lang.t("Rad", "Line"),
        lang.t("Hittade inget", "Found nothing"),
        lang.t("Användes i stället", "Used instead"),
        lang.t("Gånger", "Times"),
    ];
    html! {
        @if !rows.is_empty() {
            h2 { (lang.t("Reservlokaliserare som behövdes", "Fallback locators needed")) }
            (table(lang.t("Sidan kan ha ändrats", "The page may have changed"), &head, &rows))
        }
    }
}

/// Each case's screenshots, inline.
fn screenshots(console: &Console, detail: &RunDetail, lang: Lang) -> Markup {
    let shots: Vec<(&str, String)> = detail
        .item_list
        .iter()
        .flat_map(|i| {
            i.evidence
                .iter()
                .filter(|e| e.kind == "screenshot")
                .filter_map(move |e| evidence_url(console, &e.path).map(|url| (i.key.as_str(), url)))
        })
        .collect();
    let alt = lang.t("Sidan när ärendet stoppades:", "The page when the case stopped:");
    html! {
        @if !shots.is_empty() {
            h2 { (lang.t("Skärmbilder", "Screenshots")) }
            @for (key, url) in &shots {
                figure id={ "shot-" (key) } {
                    img.evidence src=(url) alt={ (alt) " " (key) };
                    figcaption { (key) }
                }
            }
        }
    }
}

/// Every file in the run's evidence folder (screenshots, pages, the files
/// the robot wrote into `${run.dir}` or downloaded), folded away, each linked.
fn files(console: &Console, run: i64, lang: Lang) -> Markup {
    let folder = console.settings.state_dir.join("evidence").join(run.to_string());
    let mut found = Vec::new();
    let mut folders = vec![folder.clone()];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(path),
                Ok(t) if t.is_file() => found.extend(
                    evidence_url(console, &path.display().to_string())
                        .map(|url| (path.strip_prefix(&folder).unwrap_or(&path).display().to_string(), url)),
                ),
                _ => {}
            }
        }
    }
    found.sort();
    html! {
        @if !found.is_empty() {
            details {
                summary { (lang.t("Körningens filer", "The run's files")) " (" (found.len()) ")" }
                ul { @for (name, url) in &found { li { a href=(url) { (name) } } } }
            }
        }
    }
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
