//! `nightshift show RUN`: one run with its cases, failed steps and evidence.

use clap::Args;

use crate::cli::exit_code::CliError;
use crate::human::local_time_secs;
use crate::runner::event::ItemStatus;
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run's id (from `nightshift runs`).
    pub run: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(settings: &Settings, args: &ShowArgs) -> Result<(), CliError> {
    let detail = crate::upkeep::run_log::open(settings).and_then(|s| s.run(args.run)).map_err(CliError::environment)?;
    let detail = detail.ok_or_else(|| CliError::not_found(format!("there is no run {}", args.run)))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&detail).unwrap_or_default());
        return Ok(());
    }
    let r = &detail.run;
    println!("run {} of {} ({})", r.id, r.robot, r.robot_file);
    println!("status:   {}", r.status);
    println!("trigger:  {}", r.trigger);
    println!("started:  {}", local_time_secs(&r.started_at));
    if let Some(finished) = &r.finished_at {
        println!("finished: {}", local_time_secs(finished));
    }
    let c = &r.items;
    println!(
        "cases:    {} total, {} done, {} business exception(s), {} system exception(s), {} need review, {} waiting for their officer",
        c.total, c.done, c.business_exceptions, c.system_exceptions, c.needs_review, c.awaiting_officer
    );
    if r.workers > 1 {
        println!("workers:  {} browser sessions shared the cases", r.workers);
    }
    println!("saved:    {} min", r.saved_minutes);
    if let Some(error) = &r.error {
        println!("error:    {error}");
    }
    if !detail.item_list.is_empty() {
        println!("\ncases:");
        for item in &detail.item_list {
            let message = item.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            let worker = if r.workers > 1 { format!("  worker {}", item.worker) } else { String::new() };
            println!("  {:>3}  {}  {}{worker}{message}", item.seq + 1, item.key, item.status);
        }
    }
    // A `skip` is no failure, and a try the case got past (a retry that
    // then worked, a case done on its next attempt) is history, not news.
    let failed: Vec<_> = detail
        .steps
        .iter()
        .filter(|s| !matches!(s.outcome.as_str(), "ok" | "skipped"))
        .filter(|s| !matches!(s.item_status, Some(ItemStatus::Done | ItemStatus::Skipped)))
        .collect();
    if !failed.is_empty() {
        println!("\nfailed steps:");
        for s in failed {
            let case = s.item_key.as_deref().map(|k| format!("case {k}, ")).unwrap_or_else(|| format!("{}, ", s.block));
            let error = s.error.as_deref().unwrap_or_default();
            println!("  {case}line {} `{}` {}: {error}", s.line, s.step, s.summary);
        }
    }
    if !detail.fallbacks.is_empty() {
        println!("\nlocator fallbacks (the page may have changed):");
        for f in &detail.fallbacks {
            println!("  line {} `{}` found nothing; `{}` matched {} time(s)", f.line, f.wanted, f.used, f.times);
        }
    }
    if !detail.evidence.is_empty() {
        println!("\nevidence:");
        for e in &detail.evidence {
            println!("  {:<10}  {}", e.kind, e.path);
        }
    }
    if !detail.logs.is_empty() {
        println!("\nlog:");
        for line in &detail.logs {
            println!("  {line}");
        }
    }
    Ok(())
}
