//! `nightshift stats`: runs, cases, exceptions and saved hours per robot and period.

use chrono::{Local, NaiveDate, TimeZone, Utc};
use clap::{Args, ValueEnum};

use crate::cli::exit_code::CliError;
use crate::settings::Settings;
use crate::store::stats::{HEADERS, cells, csv, excel, to_csv};
use crate::store::{FallbackRow, Grouping, StatsQuery};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Year,
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
    /// One row per robot and month, ISO week, or all time; or, with
    /// `locator`, per locator list that needed a fallback.
    #[arg(long, value_enum, default_value = "month")]
    pub by: By,
    /// A table for people, CSV for spreadsheets, or JSON for scripts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// CSV for a Swedish Excel: `;` between fields, a decimal comma and a
    /// byte-order mark (implies `--format csv`).
    #[arg(long)]
    pub excel: bool,
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

pub(crate) fn run(settings: &Settings, args: &StatsArgs) -> Result<(), CliError> {
    let query = StatsQuery {
        from: args.from.and_then(start_of),
        to: args.to.and_then(|d| d.succ_opt()).and_then(start_of),
        robot: args.robot.clone(),
    };
    let grouping = match args.by {
        By::Year => Grouping::Year,
        By::Month => Grouping::Month,
        By::Week => Grouping::Week,
        By::Robot => Grouping::Robot,
        By::Locator => return locators(settings, &query, args.format, args.excel),
    };
    let rows = crate::upkeep::run_log::open(settings)
        .and_then(|s| s.stats(&query, grouping))
        .map_err(CliError::environment)?;
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    if args.excel {
        print!("{}", excel(&HEADERS, &cells));
        return Ok(());
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => print!("{}", to_csv(&rows)),
        Format::Table => print!("{}", table(&HEADERS, &cells)),
    }
    Ok(())
}

/// `--by locator`: the fallbacks each robot needed.
fn locators(settings: &Settings, query: &StatsQuery, format: Format, for_excel: bool) -> Result<(), CliError> {
    let rows =
        crate::upkeep::run_log::open(settings).and_then(|s| s.fallback_stats(query)).map_err(CliError::environment)?;
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
    if for_excel {
        print!("{}", excel(&headers, &cells));
        return Ok(());
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => print!("{}", csv(&headers, &cells)),
        Format::Table => print!("{}", table(&headers, &cells)),
    }
    Ok(())
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = vec![headers.iter().map(|h| h.to_uppercase().replace('_', " ")).collect()];
    all.extend(rows.iter().cloned());
    crate::cli::table::render(&all)
}
