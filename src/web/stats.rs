//! Statistics for analysts: `stats`'s figures per robot and month, a chart
//! of the hours saved (SVG drawn here, with the table as its text
//! alternative), and the same figures as CSV.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::store::{Grouping, StatsQuery, StatsRow};
use crate::web::Console;
use crate::web::html::{Lang, Section, page, table};

fn rows(console: &Console) -> Result<Vec<StatsRow>, Response> {
    console.store()?.stats(&StatsQuery::default(), Grouping::Month).map_err(super::internal)
}

pub(super) async fn show(State(console): State<Console>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let rows = match rows(&console) {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let cells: Vec<Vec<Markup>> = rows
        .iter()
        .map(|r| {
            vec![
                html! { (r.period) },
                html! { (r.robot) },
                html! { (r.runs) },
                html! { (r.items_done) },
                html! { (r.business_exceptions) },
                html! { (r.system_exceptions) },
                html! { @if let Some(rate) = r.success_rate { (format!("{:.0} %", rate * 100.0)) } },
                html! { (r.exceptions_open) },
                html! { (format!("{:.1}", r.manual_hours_saved)) },
            ]
        })
        .collect();
    let head = [
        lang.t("Månad", "Month"),
        "Robot",
        lang.t("Körningar", "Runs"),
        lang.t("Klara ärenden", "Cases done"),
        lang.t("Verksamhetsundantag", "Business exceptions"),
        lang.t("Tekniska fel", "System exceptions"),
        lang.t("Andel klara", "Success rate"),
        lang.t("Öppna undantag", "Open exceptions"),
        lang.t("Sparade timmar", "Hours saved"),
    ];
    let body = html! {
        p {
            (lang.t(
                "Varje ärende räknas en gång, hur många nätter det än möttes. Samma siffror finns som",
                "Each case counts once, however many nights met it. The same figures are there as"
            ))
            " " a href="/stats.csv" { (lang.t("CSV för kalkylprogram", "CSV for a spreadsheet")) } "."
        }
        @if rows.is_empty() {
            p { (lang.t("Inga körningar än.", "No runs yet.")) }
        } @else {
            h2 { (lang.t("Sparade timmar per månad", "Hours saved per month")) }
            (chart(&rows, lang))
            (table(lang.t("Siffror per robot och månad", "Figures per robot and month"), &head, &cells))
        }
    };
    page(lang, Section::Stats, lang.t("Statistik", "Statistics"), body).into_response()
}

/// Bars of hours saved per month, one colour per robot (stacked), with a
/// title and description; the table below holds the same figures.
fn chart(rows: &[StatsRow], lang: Lang) -> Markup {
    const COLOURS: [&str; 6] = ["#12355b", "#c75000", "#1d5e20", "#6b2d83", "#7a4a00", "#0b6e75"];
    let mut periods: Vec<&str> = rows.iter().map(|r| r.period.as_str()).collect();
    periods.dedup();
    let mut robots: Vec<&str> = rows.iter().map(|r| r.robot.as_str()).collect();
    robots.sort();
    robots.dedup();
    let total = |p: &str| rows.iter().filter(|r| r.period == p).map(|r| r.manual_hours_saved).sum::<f64>();
    let max = periods.iter().map(|p| total(p)).fold(0.0_f64, f64::max).max(1.0);
    let (width, height, left, bottom) = (640.0, 260.0, 48.0, 40.0);
    let bar = ((width - left) / periods.len() as f64).min(80.0);
    let scale = (height - bottom - 10.0) / max;
    let colour = |c: usize| COLOURS[c % COLOURS.len()];
    // Each month's bars stacked from the axis up.
    let stacks: Vec<Vec<Bar>> = periods
        .iter()
        .map(|period| {
            let mut y = height - bottom;
            let mut stack = Vec::new();
            for (c, robot) in robots.iter().enumerate() {
                let hours: f64 = rows
                    .iter()
                    .filter(|r| r.period == *period && r.robot == *robot)
                    .map(|r| r.manual_hours_saved)
                    .sum();
                let h = hours * scale;
                if h > 0.0 {
                    y -= h;
                    stack.push(Bar { colour: c, robot, y, h, hours });
                }
            }
            stack
        })
        .collect();
    let px = |v: f64| format!("{v:.1}");
    html! {
        svg.chart role="img" aria-labelledby="chart-title chart-desc" viewBox={ "0 0 " (width) " " (height) }
            width=(width) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #chart-title { (lang.t("Sparade timmar per månad och robot", "Hours saved per month and robot")) }
            desc #chart-desc {
                (lang.t("Staplar per månad; siffrorna finns i tabellen nedanför.", "Bars per month; the figures are in the table below."))
            }
            line x1=(left) y1=(height - bottom) x2=(width) y2=(height - bottom) stroke="#1a1a1a" {}
            text x="4" y="14" font-size="12" fill="#1a1a1a" { (format!("{max:.0} h")) }
            @for (n, (period, stack)) in periods.iter().zip(&stacks).enumerate() {
                @let x = left + n as f64 * bar + 4.0;
                @for b in stack {
                    rect x=(px(x)) y=(px(b.y)) width=(px(bar - 8.0)) height=(px(b.h)) fill=(colour(b.colour)) {
                        title { (b.robot) " " (period) ": " (format!("{:.1}", b.hours)) " h" }
                    }
                }
                text x=(px(x)) y=(height - bottom + 16.0) font-size="12" fill="#1a1a1a" { (period) }
            }
            @for (c, robot) in robots.iter().enumerate() {
                @let x = left + c as f64 * 150.0;
                rect x=(x) y=(height - 8.0 - 9.0) width="10" height="10" fill=(colour(c)) {}
                text x=(x + 14.0) y=(height - 8.0) font-size="11" fill="#1a1a1a" { (robot) }
            }
        }
    }
}

/// One robot's part of a month's bar in the chart.
struct Bar<'a> {
    /// The robot's place among the robots, for its colour.
    colour: usize,
    robot: &'a str,
    y: f64,
    h: f64,
    hours: f64,
}

/// The figures as CSV, with `stats --format csv`'s columns.
pub(super) async fn csv(State(console): State<Console>) -> Response {
    let rows = match rows(&console) {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let text = crate::store::stats::to_csv(&rows);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"nightshift-stats.csv\""),
        ],
        text,
    )
        .into_response()
}
