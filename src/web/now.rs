//! The start page, for operations: what runs now, each robot's last outcome
//! and next run, the runs coming up (and the dates a calendar skips), robots
//! overdue, mail waiting; and the "run now" button.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::human::local_time;
use crate::schedule::{FileState, file_states, load_dir, robot_names};
use crate::store::{Act, Actor};
use crate::web::html::{Lang, Section, problem, query, status, table};
use crate::web::{Console, FormSession, RunNow, RunNowAnswer, check_csrf};

/// How long "run now" waits for the daemon to say it started the run.
const RUN_NOW_LIMIT: Duration = Duration::from_secs(10);

/// One coming fire of a job, for the front page.
#[derive(Debug, Clone)]
struct ComingFire {
    at: chrono::DateTime<Utc>,
    robot: String,
    job: String,
    skipped: Option<String>,
    enabled: bool,
}

/// What the front page shows of the robots' schedules. Next fire times cost
/// a walk through the calendar each, so this is made at most once a minute,
/// and again when a robot or schedule file changes; never per request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Coming {
    key: Option<(i64, Vec<FileState>)>,
    names: Vec<String>,
    /// Each robot's next run that is not skipped, if any.
    next: BTreeMap<String, chrono::DateTime<Utc>>,
    /// The ten nearest fires of all jobs.
    fires: Vec<ComingFire>,
    /// `file:line` and the first error of each schedule file that does not read.
    broken: Vec<(String, String)>,
}

impl Coming {
    fn made(settings: &crate::settings::Settings, now: chrono::DateTime<Utc>) -> Self {
        let names = robot_names(&settings.robots_dir);
        let (jobs, invalid) = load_dir(&settings.schedules_dir, &names);
        let mut next: BTreeMap<String, chrono::DateTime<Utc>> = BTreeMap::new();
        for job in jobs.iter().filter(|j| j.enabled) {
            if let Some(at) = job.next_run(now).map(|t| t.with_timezone(&Utc)) {
                let earliest = next.entry(job.robot.clone()).or_insert(at);
                *earliest = (*earliest).min(at);
            }
        }
        let mut fires: Vec<ComingFire> = jobs
            .iter()
            .flat_map(|job| {
                job.upcoming(now, 10).into_iter().map(|fire| ComingFire {
                    at: fire.at.with_timezone(&Utc),
                    robot: job.robot.clone(),
                    job: job.id.clone(),
                    skipped: fire.skipped,
                    enabled: job.enabled,
                })
            })
            .collect();
        fires.sort_by_key(|f| f.at);
        fires.truncate(10);
        let broken = invalid
            .iter()
            .filter_map(|file| file.diagnostics.first())
            .map(|d| (format!("{}:{}", d.file.display(), d.pos.line), d.message.clone()))
            .collect();
        Self { key: None, names, next, fires, broken }
    }
}

/// The schedule figures as of now, from the console's cache when still good.
fn coming(console: &Console, now: chrono::DateTime<Utc>) -> Coming {
    let settings = &console.settings;
    let key = (now.timestamp() / 60, file_states(&[settings.robots_dir.clone(), settings.schedules_dir.clone()]));
    // Held while made: requests at once make it once.
    let mut cached = console.coming.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if cached.key.as_ref() != Some(&key) {
        *cached = Coming::made(settings, now);
        cached.key = Some(key);
    }
    cached.clone()
}

/// How far back the front page shows every run of each robot: the night
/// just gone, whenever IT looks in the morning.
const NIGHT: chrono::Duration = chrono::Duration::hours(24);

pub(super) fn page_html(
    console: &Console,
    session: &FormSession,
    lang: Lang,
    now: chrono::DateTime<Utc>,
) -> Result<Markup, Response> {
    let csrf = console.form_token(session);
    let store = console.store()?;
    let Coming { names, next: next_runs, fires, broken, .. } = coming(console, now);
    let since = (now - NIGHT).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut night: BTreeMap<String, Vec<crate::store::RunRow>> = BTreeMap::new();
    for run in store.runs_since(&since).map_err(super::internal)? {
        night.entry(run.robot.clone()).or_default().push(run);
    }
    let last: BTreeMap<String, crate::store::RunRow> =
        store.last_runs().map_err(super::internal)?.into_iter().map(|r| (r.robot.clone(), r)).collect();
    let open: BTreeMap<String, usize> =
        store.open_exceptions(None).map_err(super::internal)?.into_iter().fold(BTreeMap::new(), |mut m, x| {
            *m.entry(x.robot).or_default() += 1;
            m
        });
    let mut robots: Vec<String> = names.clone();
    robots.extend(last.keys().filter(|r| !names.contains(r)).cloned());
    robots.sort();
    robots.dedup();

    let (running, _) = store
        .runs_page(&crate::store::RunFilter { status: Some("running".into()), ..Default::default() }, 50, 0)
        .map_err(super::internal)?;
    let rows: Vec<Vec<Markup>> = robots
        .iter()
        .map(|robot| {
            let next = next_runs
                .get(robot)
                .map(|t| local_time(&t.to_rfc3339()))
                .unwrap_or_else(|| lang.t("inte schemalagd", "not scheduled").to_string());
            let runs = night.get(robot).map(Vec::as_slice).unwrap_or_default();
            let night_runs = html! {
                @if runs.is_empty() {
                    @match last.get(robot) {
                        Some(r) => {
                            (lang.t("ingen; senast", "none; last")) " "
                            a href={ "/runs/" (r.id) } { (status(r.status.as_str(), lang)) } " " (local_time(&r.started_at))
                        }
                        None => (lang.t("aldrig körd", "never run")),
                    }
                } @else {
                    ul.runs {
                        @for r in runs {
                            li { a href={ "/runs/" (r.id) } { (local_time(&r.started_at)) } " " (status(r.status.as_str(), lang)) }
                        }
                    }
                }
            };
            let done: i64 = runs.iter().map(|r| r.items.done).sum();
            let opened: i64 = runs.iter().map(|r| r.items.business_exceptions).sum();
            let waiting = open.get(robot).copied().unwrap_or(0);
            let waiting = html! {
                @if waiting > 0 { a href={ "/cases?" (query(&[("robot", robot)])) } { (waiting) } } @else { "0" }
            };
            let name: String = form_urlencoded::byte_serialize(robot.as_bytes()).collect();
            let label = lang.t("Kör nu", "Run now");
            let button = html! {
                form.inline method="post" action={ "/robots/" (name) "/run" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" aria-label={ (label) " " (robot) } { (label) }
                }
            };
            vec![
                html! { (robot) },
                night_runs,
                html! { (done) },
                html! { (opened) },
                waiting,
                html! { (next) },
                button,
            ]
        })
        .collect();
    let head = [
        "Robot",
        lang.t("Körningar senaste dygnet", "Runs in the last 24 hours"),
        lang.t("Klara ärenden", "Cases done"),
        lang.t("Nya undantag", "New exceptions"),
        lang.t("Öppna undantag", "Open exceptions"),
        lang.t("Nästa körning", "Next run"),
        lang.t("Åtgärd", "Action"),
    ];
    let alerts = store.open_alerts().map_err(super::internal)?;
    let failures = store.unseen_failures().map_err(super::internal)?;
    let waiting = store.outbox_waiting().map_err(super::internal)?;
    Ok(html! {
        (to_look_at(&alerts, &failures, waiting, &csrf, lang))
        (running_section(&running, lang))
        h2 { (lang.t("Robotar", "Robots")) }
        (table(lang.t("Robotarna och nattens körningar", "The robots and the night's runs"), &head, &rows))
        (schedule_sections(&broken, &fires, lang))
    })
}

/// What needs a person, first on the page: overdue robots, failed runs no
/// later success has put right and nobody has marked seen, mail waiting.
fn to_look_at(
    alerts: &[crate::store::OpenAlert],
    failures: &[crate::store::RunRow],
    waiting: i64,
    csrf: &str,
    lang: Lang,
) -> Markup {
    html! {
        h2 { (lang.t("Att se över", "To look at")) }
        ul {
            @for alert in alerts {
                li { (alert.job) ": " (alert.message) " (" (local_time(&alert.created_at)) ")" }
            }
            @if alerts.is_empty() {
                li { (lang.t("Ingen robot är försenad.", "No robot is overdue.")) }
            }
            @for r in failures {
                li {
                    a href={ "/runs/" (r.id) } { (lang.t("Körning", "Run")) " " (r.id) } ", " (r.robot) " "
                    (local_time(&r.started_at)) ": " (status(r.status.as_str(), lang))
                    @if let Some(error) = &r.error { " – " (error.chars().take(200).collect::<String>()) }
                    " "
                    form.inline method="post" action={ "/runs/" (r.id) "/seen" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" aria-label={ (lang.t("Markera som sedd: körning", "Mark as seen: run")) " " (r.id) } {
                            (lang.t("Markera som sedd", "Mark as seen"))
                        }
                    }
                }
            }
            li { (lang.t("E-post som väntar på att skickas", "Mail waiting to be sent")) ": " (waiting) }
        }
    }
}

/// The runs under way.
fn running_section(running: &[crate::store::RunRow], lang: Lang) -> Markup {
    let rows: Vec<Vec<Markup>> = running
        .iter()
        .map(|r| {
            vec![
                html! { a href={ "/runs/" (r.id) } { (r.id) } },
                html! { (r.robot) },
                html! { (local_time(&r.started_at)) },
                html! { (r.items.done) "/" (r.items.total) },
            ]
        })
        .collect();
    let head = [lang.t("Körning", "Run"), "Robot", lang.t("Startade", "Started"), lang.t("Klara", "Done")];
    html! {
        h2 { (lang.t("Körs nu", "Running now")) }
        @if running.is_empty() {
            p { (lang.t("Ingen robot körs just nu.", "No robot is running.")) }
        } @else {
            (table(lang.t("Körningar som pågår", "Runs under way"), &head, &rows))
        }
    }
}

/// The schedule files that do not read, and the ten nearest runs.
fn schedule_sections(broken: &[(String, String)], fires: &[ComingFire], lang: Lang) -> Markup {
    let rows: Vec<Vec<Markup>> = fires
        .iter()
        .map(|fire| {
            let note = html! {
                @match (&fire.skipped, fire.enabled) {
                    (_, false) => (lang.t("avstängd", "disabled")),
                    (Some(reason), true) => { (lang.t("hoppas över", "skipped")) ": " (reason) }
                    (None, true) => {},
                }
            };
            vec![html! { (local_time(&fire.at.to_rfc3339())) }, html! { (fire.robot) }, html! { (fire.job) }, note]
        })
        .collect();
    let head = [lang.t("När", "When"), "Robot", lang.t("Jobb", "Job"), lang.t("Anmärkning", "Note")];
    html! {
        // A schedule that names a deleted robot, or does not read: its jobs do not run as written.
        @if !broken.is_empty() {
            h2 { (lang.t("Trasiga schemafiler", "Broken schedule files")) }
            ul { @for (at, message) in broken { li { code { (at) } ": " (message) } } }
        }
        h2 { (lang.t("Kommande körningar", "Coming runs")) }
        @if rows.is_empty() {
            p { (lang.t("Inga schemalagda körningar.", "No scheduled runs.")) }
        } @else {
            (table(lang.t("De tio närmaste körningarna", "The next ten runs"), &head, &rows))
        }
    }
}

pub(super) async fn show(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(&headers);
    // Next fire times and the run log's tables: work for a blocking thread,
    // so that the daemon's async workers (its schedule, its mail, `/healthz`)
    // never wait for a front page.
    let made = tokio::task::spawn_blocking(move || page_html(&console, &session, lang, Utc::now())).await;
    let made = made.unwrap_or_else(|e| {
        tracing::error!("console: the front page failed: {e}");
        Err((StatusCode::INTERNAL_SERVER_ERROR, "the page could not be made; see the daemon's log").into_response())
    });
    match made {
        Ok(body) => {
            super::html::page(lang, Section::Now, lang.t("Nattens robotar", "The night's robots"), body).into_response()
        }
        Err(response) => response,
    }
}

/// Marks a failed run as seen: it leaves the front page's list of failures.
pub(super) async fn seen(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Form(form): Form<RunNowForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = check_csrf(&console, &session, &form.csrf, lang) {
        return refused;
    }
    let store = match console.store() {
        Ok(store) => store,
        Err(response) => return response,
    };
    let by = Actor::console();
    let seen = store.mark_seen(id, &by.who).and_then(|marked| {
        let act = Act { action: "seen", robot: None, key: None, run_id: Some(id), note: None };
        if marked { store.audit(&by, &act) } else { Ok(()) }
    });
    match seen {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => super::internal(e),
    }
}

#[derive(Deserialize)]
pub(super) struct RunNowForm {
    #[serde(default)]
    csrf: String,
}

/// Asks the daemon to start the robot now: to its run's page, or 409 while
/// the robot is running.
pub(super) async fn run_now(
    State(console): State<Console>,
    Path(robot): Path<String>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Form(form): Form<RunNowForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = check_csrf(&console, &session, &form.csrf, lang) {
        return refused;
    }
    let (reply, answer) = oneshot::channel();
    if console.run_now.send(RunNow { robot: robot.clone(), reply }).is_err() {
        return problem(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "nightshift",
            lang.t("Schemaläggaren stängs ner.", "The scheduler is shutting down."),
        );
    }
    match tokio::time::timeout(RUN_NOW_LIMIT, answer).await {
        Ok(Ok(RunNowAnswer::Started(id))) => {
            let act = Act { action: "run_now", robot: Some(&robot), key: None, run_id: Some(id), note: None };
            let recorded = console.store().and_then(|s| s.audit(&Actor::console(), &act).map_err(super::internal));
            if let Err(response) = recorded {
                return response;
            }
            Redirect::to(&format!("/runs/{id}")).into_response()
        }
        Ok(Ok(RunNowAnswer::Running(id))) => {
            let text =
                format!("{} {id}.", lang.t("Roboten körs redan, i körning", "The robot is running already, in run"));
            let body = html! {
                p { (text) }
                p { a href={ "/runs/" (id) } { (lang.t("Se körningen", "See the run")) } }
            };
            let title = lang.t("Körs redan", "Running already");
            (StatusCode::CONFLICT, super::html::page(lang, Section::Now, title, body)).into_response()
        }
        Ok(Ok(RunNowAnswer::NoSuchRobot { name, folder })) => {
            let text = match lang {
                Lang::Sv => format!("Det finns ingen robot `{name}` i robotmappen `{folder}`."),
                Lang::En => format!("There is no robot `{name}` in the robots folder `{folder}`."),
            };
            problem(lang, StatusCode::NOT_FOUND, lang.t("Okänd robot", "Unknown robot"), &text)
        }
        Ok(Ok(RunNowAnswer::InvalidRobot { name, problem: why })) => {
            let text = match lang {
                Lang::Sv => format!("Robotfilen `{name}` är ogiltig och har ingen tidigare giltig version: {why}"),
                Lang::En => format!("The robot file `{name}` is invalid and has no earlier valid version: {why}"),
            };
            problem(lang, StatusCode::UNPROCESSABLE_ENTITY, lang.t("Ogiltig robotfil", "Invalid robot file"), &text)
        }
        Ok(Ok(RunNowAnswer::RunLog(why))) => {
            let text = format!("{} {why}", lang.t("Körloggen svarade inte:", "The run log failed:"));
            problem(lang, StatusCode::INTERNAL_SERVER_ERROR, lang.t("Körloggen", "The run log"), &text)
        }
        _ => problem(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "nightshift",
            lang.t("Schemaläggaren svarade inte i tid.", "The scheduler did not answer in time."),
        ),
    }
}
