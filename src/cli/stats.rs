//! `nightshift stats`: runs, cases, exceptions and saved hours per robot and period.

use chrono::{Local, NaiveDate, TimeZone, Utc};
use clap::{Args, ValueEnum};

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;
use crate::store::{FallbackRow, Grouping, StatsQuery, StatsRow};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Month,
    Week,
    Robot,
    /// How often each locator list needed a fallback: the early warning that a page changed.
    Locator,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// First day to count (YYYY-MM-DD, local time).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day to count (YYYY-MM-DD, local time), inclusive.
    #[arg(long, value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Only this robot.
    #[arg(long)]
    pub robot: Option<String>,
    #[arg(long, value_enum, default_value = "month")]
    pub by: By,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("expected a date such as 2026-11-01, found `{text}`"))
}

/// The UTC instant local midnight of `date` starts at.
fn start_of(date: NaiveDate) -> Option<String> {
    let local = Local.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
    Some(local.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

pub(crate) fn run(settings: &Settings, args: &StatsArgs) -> u8 {
    let query = StatsQuery {
        from: args.from.and_then(start_of),
        to: args.to.and_then(|d| d.succ_opt()).and_then(start_of),
        robot: args.robot.clone(),
    };
    let grouping = match args.by {
        By::Month => Grouping::Month,
        By::Week => Grouping::Week,
        By::Robot => Grouping::Robot,
        By::Locator => return locators(settings, &query, args.format),
    };
    let rows = match crate::run_log::open(&settings.state_dir).and_then(|s| s.stats(&query, grouping)) {
        Ok(rows) => rows,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => print!("{}", to_csv(&rows)),
        Format::Table => print!("{}", table(&HEADERS, &cells)),
    }
    exit_code::SUCCESS
}

/// `--by locator`: the fallbacks each robot needed.
fn locators(settings: &Settings, query: &StatsQuery, format: Format) -> u8 {
    let rows = match crate::run_log::open(&settings.state_dir).and_then(|s| s.fallback_stats(query)) {
        Ok(rows) => rows,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let headers = ["robot", "line", "wanted", "used", "times", "runs", "last_used"];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r: &FallbackRow| {
            vec![
                r.robot.clone(),
                r.line.to_string(),
                r.wanted.clone(),
                r.used.clone(),
                r.times.to_string(),
                r.runs.to_string(),
                crate::human::local_time(&r.last_used),
            ]
        })
        .collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => print!("{}", csv(&headers, &cells)),
        Format::Table => print!("{}", table(&headers, &cells)),
    }
    exit_code::SUCCESS
}

/// The first nine columns are the first release's, in its order; later ones follow.
const HEADERS: [&str; 15] = [
    "robot",
    "period",
    "runs",
    "items_done",
    "business_exceptions",
    "system_exceptions",
    "success_rate",
    "robot_minutes",
    "manual_hours_saved",
    "cases",
    "exceptions_settled_by_hand",
    "exceptions_retried_done",
    "exceptions_open",
    "median_hours_to_settle",
    "fallbacks",
];

fn cells(r: &StatsRow) -> Vec<String> {
    vec![
        r.robot.clone(),
        r.period.clone(),
        r.runs.to_string(),
        r.items_done.to_string(),
        r.business_exceptions.to_string(),
        r.system_exceptions.to_string(),
        r.success_rate.map(|s| format!("{:.3}", s)).unwrap_or_default(),
        format!("{:.1}", r.robot_minutes),
        format!("{:.2}", r.manual_hours_saved),
        r.cases.to_string(),
        r.exceptions_settled_by_hand.to_string(),
        r.exceptions_retried_done.to_string(),
        r.exceptions_open.to_string(),
        r.median_hours_to_settle.map(|h| format!("{h:.1}")).unwrap_or_default(),
        r.fallbacks.to_string(),
    ]
}

/// `stats --format csv` of these rows (also the console's `/stats.csv`).
pub(crate) fn to_csv(rows: &[StatsRow]) -> String {
    csv(&HEADERS, &rows.iter().map(cells).collect::<Vec<_>>())
}

fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let quote =
        |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut out = headers.join(",") + "\n";
    for r in rows {
        out.push_str(&r.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = vec![headers.iter().map(|h| h.to_uppercase().replace('_', " ")).collect()];
    all.extend(rows.iter().cloned());
    crate::cli::table::render(&all)
}
