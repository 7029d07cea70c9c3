//! `nightshift purge [--dry-run] [--personnummer N] [--now RFC3339]`: forgets
//! personal data whose retention has passed, or one person's on request.

use chrono::{DateTime, Utc};
use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Say what would be purged; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Forget everything held about this personnummer (a data subject's request).
    #[arg(long)]
    pub personnummer: Option<String>,
    /// Act as if it were this time (RFC 3339), to see what a retention will purge.
    #[arg(long)]
    pub now: Option<DateTime<chrono::FixedOffset>>,
}

pub(crate) fn run(settings: &Settings, args: &PurgeArgs) -> u8 {
    let mut store = match crate::run_log::open(&settings.state_dir) {
        Ok(store) => store,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let now = args.now.map(|t| t.with_timezone(&Utc)).unwrap_or_else(Utc::now);
    let report = match &args.personnummer {
        Some(pnr) => crate::purge::purge_personnummer(&mut store, settings, pnr, args.dry_run),
        None => crate::purge::purge_due(&mut store, settings, now, args.dry_run),
    };
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
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
    println!("files: {verb} {}", report.files_removed);
    if report.vacuumed {
        println!("run log compacted");
    }
    exit_code::SUCCESS
}
