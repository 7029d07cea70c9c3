//! `nightshift purge [--dry-run] [--personnummer N] [--now DATE|RFC3339]`: forgets
//! personal data whose retention has passed, or one person's on request.

use chrono::{DateTime, Utc};
use clap::Args;

use crate::cli::exit_code::CliError;
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Say what would be purged; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Forget everything held about this personnummer (a data subject's request).
    #[arg(long)]
    pub personnummer: Option<String>,
    /// Act as if it were this time (RFC 3339, or a date: the start of that
    /// day here), to see what a retention will purge.
    #[arg(long, value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// `2027-02-01T03:00:00+01:00`, or `2027-02-01`: the start of that day in
/// the timezone times are read in.
fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("expected a date (2027-02-01) or a time in RFC 3339 (2027-02-01T03:00:00+01:00), found `{text}`")
    })?;
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let local = midnight.and_local_timezone(crate::human::timezone());
    // A midnight skipped by a change of clock is the moment after it.
    local.earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| format!("`{text}` has no midnight here"))
}

pub(crate) fn run(settings: &Settings, args: &PurgeArgs) -> Result<(), CliError> {
    let mut store = crate::upkeep::run_log::open(settings).map_err(CliError::environment)?;
    let now = args.now.unwrap_or_else(Utc::now);
    let report = match &args.personnummer {
        Some(pnr) => crate::upkeep::retention::purge_personnummer(&mut store, settings, pnr, args.dry_run),
        None => crate::upkeep::retention::purge_due(&mut store, settings, now, args.dry_run),
    };
    let report = report.map_err(CliError::environment)?;
    let verb = if args.dry_run { "would purge" } else { "purged" };
    for (what, p) in &report.purged {
        if p.is_empty() && p.cases == 0 && p.log_lines == 0 {
            continue;
        }
        println!(
            "{what}: {verb} {} run(s), {} case(s), {} log line(s), {} evidence row(s), {} settled exception(s), {} ledger key(s), {} sent mail(s)",
            p.runs, p.cases, p.log_lines, p.evidence_rows, p.exceptions, p.ledger_keys, p.mails
        );
    }
    println!("evidence files: {verb} {}", report.evidence_files);
    println!("mail files: {verb} {}", report.mail_files);
    if report.vacuumed {
        println!("run log compacted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_now;

    #[test]
    fn now_is_a_time_or_the_start_of_a_day_here() {
        assert_eq!(parse_now("2027-02-01T03:00:00+01:00").unwrap().to_rfc3339(), "2027-02-01T02:00:00+00:00");
        // Stockholm (the default timezone) is an hour ahead of UTC in February, two in July.
        assert_eq!(parse_now("2027-02-01").unwrap().to_rfc3339(), "2027-01-31T23:00:00+00:00");
        assert_eq!(parse_now("2027-07-01").unwrap().to_rfc3339(), "2027-06-30T22:00:00+00:00");
        assert!(parse_now("2027-02-30").unwrap_err().starts_with("expected a date (2027-02-01)"));
    }
}
