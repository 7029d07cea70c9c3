//! Statistics for analysts: `stats`'s figures per robot and month, filtered
//! by robot and months, with totals per year, the money the saved hours are
//! worth, a chart of the hours saved (SVG drawn here, with the figures as
//! its text alternative), and the same figures as CSV, plain or for a
//! Swedish Excel. Numbers are written the reader's way ("2,2" in Swedish).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use maud::{Markup, html};
use serde::Deserialize;

use crate::store::{Grouping, StatsQuery, StatsRow};
use crate::web::Console;
use crate::web::html::{Lang, Section, page, query, table};

/// What the analyst chose: a robot, and months `YYYY-MM` from and to (inclusive).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Filter {
    #[serde(default)]
    robot: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl Filter {
    /// The store's query: local midnights of the first day of `from` and of
    /// the month after `to`, in the display timezone.
    fn query(&self) -> StatsQuery {
        let month = |text: &str, after: u32| -> Option<String> {
            let first = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()?;
            let first = (0..after).try_fold(first, |d, _| d.checked_add_months(chrono::Months::new(1)))?;
            let local = crate::human::timezone().from_local_datetime(&first.and_hms_opt(0, 0, 0)?).earliest()?;
            Some(local.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        let robot = Some(self.robot.trim().to_string()).filter(|r| !r.is_empty());
        StatsQuery { from: month(&self.from, 0), to: month(&self.to, 1), robot }
    }

    fn pairs(&self) -> String {
        query(&[("robot", &self.robot), ("from", &self.from), ("to", &self.to)])
    }
}

/// What an hour of a case officer's work costs, in kronor, when the
/// settings say (`NIGHTSHIFT_MANUAL_COST_PER_HOUR`).
fn cost_per_hour() -> Option<f64> {
    crate::environment::var("NIGHTSHIFT_MANUAL_COST_PER_HOUR")
        .and_then(|c| c.trim().replace(',', ".").parse::<f64>().ok())
        .filter(|c| c.is_finite() && *c > 0.0)
}

/// `value` with `decimals` decimals, grouped by thousands, the reader's way:
/// `1 234,5` in Swedish, `1,234.5` in English.
fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match lang {
        Lang::Sv => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (n, digit) in whole.chars().enumerate() {
        if n > 0 && (whole.len() - n) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match fraction {
        "" => format!("{sign}{grouped}"),
        fraction => format!("{sign}{grouped}{point}{fraction}"),
    }
}

/// A share as a percentage, the reader's way.
fn percent(share: Option<f64>, lang: Lang) -> String {
    share.map(|s| format!("{} %", number(s * 100.0, 0, lang))).unwrap_or_default()
}

/// Business exceptions of the cases worked on.
fn exception_rate(r: &StatsRow) -> Option<f64> {
    (r.cases > 0).then(|| r.business_exceptions as f64 / r.cases as f64)
}

fn rows(store: &crate::store::Store, filter: &Filter, grouping: Grouping) -> Result<Vec<StatsRow>, Response> {
    store.stats(&filter.query(), grouping).map_err(super::internal)
}

/// One table's rows: period, robot and the figures an analyst reads.
fn figures(rows: &[StatsRow], cost: Option<f64>, lang: Lang) -> Vec<Vec<Markup>> {
    rows.iter()
        .map(|r| {
            let mut cells = vec![
                html! { (r.period) },
                html! { (r.robot) },
                html! { (number(r.runs as f64, 0, lang)) },
                html! { (number(r.cases as f64, 0, lang)) },
                html! { (number(r.items_done as f64, 0, lang)) },
                html! { (percent(exception_rate(r), lang)) },
                html! { (number(r.exceptions_open as f64, 0, lang)) },
                html! { (r.median_hours_to_settle.map(|h| number(h, 1, lang)).unwrap_or_default()) },
                html! { (number(r.manual_hours_saved, 1, lang)) },
            ];
            if let Some(cost) = cost {
                cells.push(html! { (number(r.manual_hours_saved * cost, 0, lang)) " kr" });
            }
            cells
        })
        .collect()
}

pub(super) async fn show(State(console): State<Console>, headers: HeaderMap, Query(filter): Query<Filter>) -> Response {
    let lang = Lang::of(&headers);
    let store = match console.store() {
        Ok(store) => store,
        Err(response) => return response,
    };
    let (months, years) =
        match rows(&store, &filter, Grouping::Month).and_then(|m| Ok((m, rows(&store, &filter, Grouping::Year)?))) {
            Ok(found) => found,
            Err(response) => return response,
        };
    let robots = store.robots_with_runs().unwrap_or_default();
    let cost = cost_per_hour();
    let mut head = vec![
        lang.t("Period", "Period"),
        "Robot",
        lang.t("Körningar", "Runs"),
        lang.t("Ärenden", "Cases"),
        lang.t("Klara", "Done"),
        lang.t("Andel undantag", "Exception rate"),
        lang.t("Öppna undantag", "Open exceptions"),
        lang.t("Median timmar till avslut", "Median hours to settle"),
        lang.t("Sparade timmar", "Hours saved"),
    ];
    if cost.is_some() {
        head.push(lang.t("Sparade kronor", "Kronor saved"));
    }
    let option = |value: &str, label: &str| html! { option value=(value) selected[value == filter.robot] { (label) } };
    let pairs = filter.pairs();
    let body = html! {
        form method="get" action="/stats" {
            fieldset {
                legend { (lang.t("Välj robot och månader", "Choose robot and months")) }
                p {
                    label for="robot" { "Robot" } " "
                    select #robot name="robot" {
                        (option("", lang.t("alla", "all")))
                        @for r in &robots { (option(r, r)) }
                    }
                    " "
                    label for="from" { (lang.t("Från månad", "From month")) } " "
                    input #from name="from" type="month" value=(filter.from);
                    " "
                    label for="to" { (lang.t("Till och med månad", "To month")) } " "
                    input #to name="to" type="month" value=(filter.to);
                    " "
                    button type="submit" { (lang.t("Visa", "Show")) }
                }
            }
        }
        p {
            (lang.t(
                "Varje ärende räknas en gång, hur många nätter det än möttes. Andel undantag är de ärenden som gick till en handläggare. Samma siffror finns som",
                "Each case counts once, however many nights met it. The exception rate is the share of cases that went to an officer. The same figures are there as"
            ))
            " " a href={ "/stats.csv?" (pairs) } { (lang.t("CSV", "CSV")) } " "
            (lang.t("och som", "and as")) " "
            a href={ "/stats-excel.csv?" (pairs) } { (lang.t("CSV för svenskt Excel", "CSV for a Swedish Excel")) } "."
            @if cost.is_none() {
                " " (lang.t(
                    "Sätt NIGHTSHIFT_MANUAL_COST_PER_HOUR för att se vad de sparade timmarna är värda.",
                    "Set NIGHTSHIFT_MANUAL_COST_PER_HOUR to see what the saved hours are worth."
                ))
            }
        }
        @if months.is_empty() {
            p { (lang.t("Inga körningar i den perioden.", "No runs in that period.")) }
        } @else {
            h2 { (lang.t("Sparade timmar per månad", "Hours saved per month")) }
            (chart(&months, lang))
            h2 { (lang.t("Per år", "Per year")) }
            (table(lang.t("Summor per robot och år", "Totals per robot and year"), &head, &figures(&years, cost, lang)))
            h2 { (lang.t("Per månad", "Per month")) }
            (table(lang.t("Siffror per robot och månad", "Figures per robot and month"), &head, &figures(&months, cost, lang)))
        }
    };
    page(lang, Section::Stats, lang.t("Statistik", "Statistics"), body).into_response()
}

/// Bars of hours saved per month, one colour per robot (stacked), with a
/// title and a description that holds every month's exact total; the
/// legend wraps onto as many lines as the robots' names need.
fn chart(rows: &[StatsRow], lang: Lang) -> Markup {
    const COLOURS: [&str; 6] = ["#12355b", "#c75000", "#1d5e20", "#6b2d83", "#7a4a00", "#0b6e75"];
    let mut periods: Vec<&str> = rows.iter().map(|r| r.period.as_str()).collect();
    periods.dedup();
    let mut robots: Vec<&str> = rows.iter().map(|r| r.robot.as_str()).collect();
    robots.sort();
    robots.dedup();
    let total = |p: &str| rows.iter().filter(|r| r.period == p).map(|r| r.manual_hours_saved).sum::<f64>();
    let max = periods.iter().map(|p| total(p)).fold(0.0_f64, f64::max);
    let (width, plot, left, axis) = (640.0, 220.0, 56.0, 24.0);
    // The legend: each name takes what its letters need (about 7 px each at 11 px).
    let mut legend = Vec::new();
    let (mut x, mut line) = (left, 0);
    for (c, robot) in robots.iter().enumerate() {
        let needs = 24.0 + 7.0 * robot.chars().count() as f64;
        if x + needs > width && x > left {
            (x, line) = (left, line + 1);
        }
        legend.push((c, *robot, x, line));
        x += needs;
    }
    let height = plot + axis + 18.0 * (line as f64 + 1.0) + 8.0;
    let bar = ((width - left) / periods.len() as f64).min(80.0);
    let scale = (plot - 10.0) / max.max(0.1);
    let colour = |c: usize| COLOURS[c % COLOURS.len()];
    // Each month's bars stacked from the axis up.
    let stacks: Vec<Vec<Bar>> = periods
        .iter()
        .map(|period| {
            let mut y = plot;
            let mut stack = Vec::new();
            for (c, robot) in robots.iter().enumerate() {
                let of = |r: &&StatsRow| r.period == *period && r.robot == *robot;
                let hours: f64 = rows.iter().filter(of).map(|r| r.manual_hours_saved).sum();
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
    let hours = |h: f64| format!("{} h", number(h, 1, lang));
    let described: Vec<String> = periods.iter().map(|p| format!("{p}: {}", hours(total(p)))).collect();
    html! {
        svg.chart role="img" aria-labelledby="chart-title chart-desc" viewBox={ "0 0 " (width) " " (height) }
            width=(width) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #chart-title { (lang.t("Sparade timmar per månad och robot", "Hours saved per month and robot")) }
            desc #chart-desc { (described.join("; ")) }
            line x1=(left) y1=(plot) x2=(width) y2=(plot) stroke="#1a1a1a" {}
            text x="4" y="14" font-size="12" fill="#1a1a1a" { (hours(max)) }
            text x="4" y=(plot) font-size="12" fill="#1a1a1a" { (hours(0.0)) }
            @for (n, (period, stack)) in periods.iter().zip(&stacks).enumerate() {
                @let x = left + n as f64 * bar + 4.0;
                @for b in stack {
                    rect x=(px(x)) y=(px(b.y)) width=(px(bar - 8.0)) height=(px(b.h)) fill=(colour(b.colour)) {
                        title { (b.robot) " " (period) ": " (hours(b.hours)) }
                    }
                }
                text x=(px(x)) y=(plot + 16.0) font-size="12" fill="#1a1a1a" { (period) }
            }
            @for (c, robot, x, line) in &legend {
                @let y = plot + axis + 18.0 * (*line as f64) + 10.0;
                rect x=(px(*x)) y=(px(y - 9.0)) width="10" height="10" fill=(colour(*c)) {}
                text x=(px(x + 14.0)) y=(px(y)) font-size="11" fill="#1a1a1a" { (robot) }
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
pub(super) async fn csv(State(console): State<Console>, Query(filter): Query<Filter>) -> Response {
    download(&console, &filter, false)
}

/// The figures as CSV for a Swedish Excel: a byte-order mark, `;` and a decimal comma.
pub(super) async fn excel(State(console): State<Console>, Query(filter): Query<Filter>) -> Response {
    download(&console, &filter, true)
}

fn download(console: &Console, filter: &Filter, for_excel: bool) -> Response {
    let rows = match console.store().and_then(|store| rows(&store, filter, Grouping::Month)) {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let (text, name) = if for_excel {
        let cells: Vec<Vec<String>> = rows.iter().map(crate::store::stats::cells).collect();
        (crate::store::stats::excel(&crate::store::stats::HEADERS, &cells), "nightshift-stats-excel.csv")
    } else {
        (crate::store::stats::to_csv(&rows), "nightshift-stats.csv")
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], text)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_reader_s_way() {
        assert_eq!(number(2.2, 1, Lang::Sv), "2,2");
        assert_eq!(number(2.2, 1, Lang::En), "2.2");
        assert_eq!(number(1234567.25, 2, Lang::Sv), "1\u{a0}234\u{a0}567,25");
        assert_eq!(number(1234567.25, 0, Lang::En), "1,234,567");
        assert_eq!(number(-0.04, 1, Lang::Sv), "0,0");
        assert_eq!(number(-12.5, 1, Lang::Sv), "-12,5");
        assert_eq!(percent(Some(0.254), Lang::Sv), "25 %");
    }

    #[test]
    fn a_month_filter_reads_from_the_first_day_to_the_first_of_the_month_after() {
        let filter = Filter { robot: " r ".into(), from: "2026-03".into(), to: "2026-12".into() };
        let q = filter.query();
        assert_eq!(q.robot.as_deref(), Some("r"));
        // Midnight in Stockholm: an hour before UTC's in winter, two in summer.
        assert_eq!(q.from.as_deref(), Some("2026-02-28T23:00:00.000Z"));
        assert_eq!(q.to.as_deref(), Some("2026-12-31T23:00:00.000Z"));
        let open = Filter::default().query();
        assert_eq!((open.from, open.to, open.robot), (None, None, None));
    }
}
