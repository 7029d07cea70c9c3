//! Statistics for analysts: `stats`'s figures per robot and month, a chart
//! of the hours saved (SVG drawn here, with the table as its text
//! alternative), and the same figures as CSV.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use maud::PreEscaped;

use crate::store::{Grouping, StatsQuery, StatsRow};
use crate::web::Console;
use crate::web::html::{Lang, Section, esc, page, table_of_text};

fn rows(console: &Console) -> Result<Vec<StatsRow>, Response> {
    console.store()?.stats(&StatsQuery::default(), Grouping::Month).map_err(super::internal)
}

pub(super) async fn show(State(console): State<Console>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let rows = match rows(&console) {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let mut body = format!(
        "<p>{} <a href=\"/stats.csv\">{}</a>.</p>",
        lang.t(
            "Varje ärende räknas en gång, hur många nätter det än möttes. Samma siffror finns som",
            "Each case counts once, however many nights met it. The same figures are there as"
        ),
        lang.t("CSV för kalkylprogram", "CSV for a spreadsheet")
    );
    if rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("Inga körningar än.", "No runs yet.")));
        return page(lang, Section::Stats, lang.t("Statistik", "Statistics"), PreEscaped(body)).into_response();
    }
    body.push_str(&format!("<h2>{}</h2>", lang.t("Sparade timmar per månad", "Hours saved per month")));
    body.push_str(&chart(&rows, lang));
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                esc(&r.period),
                esc(&r.robot),
                r.runs.to_string(),
                r.items_done.to_string(),
                r.business_exceptions.to_string(),
                r.system_exceptions.to_string(),
                r.success_rate.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_default(),
                r.exceptions_open.to_string(),
                format!("{:.1}", r.manual_hours_saved),
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
    body.push_str(&table_of_text(lang.t("Siffror per robot och månad", "Figures per robot and month"), &head, &cells));
    page(lang, Section::Stats, lang.t("Statistik", "Statistics"), PreEscaped(body)).into_response()
}

/// Bars of hours saved per month, one colour per robot (stacked), with a
/// title and description; the table below holds the same figures.
fn chart(rows: &[StatsRow], lang: Lang) -> String {
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
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"chart-title\">{title}</title><desc id=\"chart-desc\">{desc}</desc>",
        title = lang.t("Sparade timmar per månad och robot", "Hours saved per month and robot"),
        desc = lang.t(
            "Staplar per månad; siffrorna finns i tabellen nedanför.",
            "Bars per month; the figures are in the table below."
        ),
    );
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{width}\" y2=\"{y}\" stroke=\"#1a1a1a\"/><text x=\"4\" y=\"14\" font-size=\"12\" fill=\"#1a1a1a\">{max:.0} h</text>",
        y = height - bottom
    ));
    for (n, period) in periods.iter().enumerate() {
        let x = left + n as f64 * bar + 4.0;
        let mut y = height - bottom;
        for (c, robot) in robots.iter().enumerate() {
            let hours: f64 =
                rows.iter().filter(|r| r.period == *period && r.robot == *robot).map(|r| r.manual_hours_saved).sum();
            let h = hours * scale;
            if h > 0.0 {
                y -= h;
                svg.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\"><title>{robot} {period}: {hours:.1} h</title></rect>",
                    w = bar - 8.0,
                    fill = COLOURS[c % COLOURS.len()],
                    robot = esc(robot),
                    period = esc(period),
                ));
            }
        }
        svg.push_str(&format!(
            "<text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\" fill=\"#1a1a1a\">{p}</text>",
            tx = x,
            ty = height - bottom + 16.0,
            p = esc(period)
        ));
    }
    for (c, robot) in robots.iter().enumerate() {
        let y = height - 8.0;
        let x = left + c as f64 * 150.0;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{ry}\" width=\"10\" height=\"10\" fill=\"{fill}\"/><text x=\"{tx}\" y=\"{y}\" font-size=\"11\" fill=\"#1a1a1a\">{r}</text>",
            ry = y - 9.0,
            tx = x + 14.0,
            fill = COLOURS[c % COLOURS.len()],
            r = esc(robot)
        ));
    }
    svg.push_str("</svg>");
    svg
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
