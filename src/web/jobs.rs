//! The robots' schedules for IT: each job with its cron expression as
//! written, its calendar, next run and its robot's last result, and a pause
//! and resume that the daemon honours (kept in the run log and audited; the
//! schedule files stay the source of everything else).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use crate::human::local_time;
use crate::schedule::job::{Calendar, Job};
use crate::schedule::{load_dir, robot_names};
use crate::store::Actor;
use crate::web::html::{Lang, Section, page, problem, status, table};
use crate::web::{Console, FormSession, check_csrf};

/// The jobs of the schedules folder as the daemon reads them.
fn jobs(console: &Console) -> Vec<Job> {
    let settings = &console.settings;
    load_dir(&settings.schedules_dir, &robot_names(&settings.robots_dir)).0
}

fn calendar(calendar: Calendar, lang: Lang) -> &'static str {
    match calendar {
        Calendar::AnyDay => lang.t("alla dagar", "any day"),
        Calendar::WorkingDays => lang.t("vardagar utom helgdagar", "working days but holidays"),
        Calendar::NoHolidays => lang.t("alla dagar utom helgdagar", "any day but holidays"),
    }
}

pub(super) async fn show(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(&headers);
    let made = tokio::task::spawn_blocking(move || body(&console, &session, lang)).await;
    match made {
        Ok(Ok(body)) => page(lang, Section::Jobs, lang.t("Scheman", "Schedules"), body).into_response(),
        Ok(Err(response)) => response,
        Err(e) => {
            tracing::error!("console: the schedules page failed: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be made; see the daemon's log").into_response()
        }
    }
}

fn body(console: &Console, session: &FormSession, lang: Lang) -> Result<Markup, Response> {
    let store = console.store()?;
    let paused = store.paused_jobs().map_err(super::internal)?;
    let last = store.last_runs().map_err(super::internal)?;
    let csrf = console.form_token(session);
    let now = Utc::now();
    let rows: Vec<Vec<Markup>> = jobs(console)
        .iter()
        .map(|job| {
            let pause = paused.iter().find(|(j, _, _)| *j == job.id);
            let next = job.next_run(now).map(|t| local_time(&t.to_rfc3339()));
            let last_run = last.iter().find(|r| r.robot == job.robot);
            let (label, value) = match pause {
                Some(_) => (lang.t("Återuppta", "Resume"), "no"),
                None => (lang.t("Pausa", "Pause"), "yes"),
            };
            vec![
                html! { (job.id) },
                html! { (job.robot) },
                html! { code { (job.cron.written()) } " " (calendar(job.calendar, lang)) " (" (job.timezone.name()) ")" },
                html! {
                    @match (job.enabled, pause, next) {
                        (false, _, _) => (lang.t("avstängd i schemafilen", "disabled in the schedule file")),
                        (_, Some((_, at, by)), _) => { (lang.t("pausad av", "paused by")) " " (by) ", " (local_time(at)) }
                        (_, None, Some(next)) => (next),
                        (_, None, None) => (lang.t("ingen", "none")),
                    }
                },
                html! {
                    @if let Some(r) = last_run {
                        a href={ "/runs/" (r.id) } { (status(r.status.as_str(), lang)) } " " (local_time(&r.started_at))
                    }
                },
                html! {
                    form.inline method="post" action="/jobs" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="job" value=(job.id);
                        input type="hidden" name="pause" value=(value);
                        button type="submit" aria-label={ (label) " " (job.id) } { (label) }
                    }
                },
            ]
        })
        .collect();
    let head = [
        lang.t("Jobb", "Job"),
        "Robot",
        lang.t("När", "When"),
        lang.t("Nästa körning", "Next run"),
        lang.t("Senaste körning", "Last run"),
        lang.t("Åtgärd", "Action"),
    ];
    Ok(html! {
        p {
            (lang.t(
                "Schemafilerna bestämmer när jobben körs. En paus gäller tills någon återupptar jobbet; under tiden förs varje pass in som överhoppat, och roboten räknas inte som försenad.",
                "The schedule files say when the jobs run. A pause lasts until someone resumes the job; meanwhile each slot is recorded as skipped, and the robot does not count as overdue."
            ))
        }
        @if rows.is_empty() {
            p { (lang.t("Inga jobb i schemamappen.", "No jobs in the schedules folder.")) }
        } @else {
            (table(lang.t("Jobben i schemafilerna", "The jobs of the schedule files"), &head, &rows))
        }
    })
}

#[derive(Deserialize)]
pub(super) struct PauseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    job: String,
    /// `yes` to pause, `no` to resume.
    #[serde(default)]
    pause: String,
}

/// Pauses or resumes a job of the schedule files, then back to the list.
pub(super) async fn pause(
    State(console): State<Console>,
    Extension(session): Extension<FormSession>,
    headers: HeaderMap,
    Form(form): Form<PauseForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = check_csrf(&console, &session, &form.csrf, lang) {
        return refused;
    }
    let Some(job) = jobs(&console).into_iter().find(|j| j.id == form.job) else {
        let text =
            lang.t("Det finns inget sådant jobb i schemamappen.", "There is no such job in the schedules folder.");
        return problem(lang, StatusCode::NOT_FOUND, lang.t("Okänt jobb", "Unknown job"), text);
    };
    let changed = console.store().and_then(|mut store| {
        store.set_paused(&job.id, &job.robot, form.pause == "yes", &Actor::console()).map_err(super::internal)
    });
    match changed {
        Ok(_) => Redirect::to("/jobs").into_response(),
        Err(response) => response,
    }
}
