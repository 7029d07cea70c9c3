//! `nightshift show RUN`: one run with its cases, failed steps and evidence.

use clap::Args;

use crate::cli::print_error;
use crate::config::Settings;
use crate::exit_code;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run's id (from `nightshift runs`).
    pub run: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(settings: &Settings, args: &ShowArgs) -> u8 {
    let detail = match crate::run_log::open(&settings.state_dir).and_then(|s| s.run(args.run)) {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            print_error(format!("there is no run {}", args.run));
            return exit_code::NOT_FOUND;
        }
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&detail).unwrap_or_default());
        return exit_code::SUCCESS;
    }
    let r = &detail.run;
    println!("run {} of {} ({})", r.id, r.robot, r.robot_file);
    println!("status:   {}", r.status);
    println!("trigger:  {}", r.trigger);
    println!("started:  {}", r.started_at);
    if let Some(finished) = &r.finished_at {
        println!("finished: {finished}");
    }
    println!(
        "cases:    {} total, {} done, {} business exception(s), {} system exception(s), {} need review",
        r.items.total, r.items.done, r.items.business_exceptions, r.items.system_exceptions, r.items.needs_review
    );
    println!("saved:    {} min", r.saved_minutes);
    if let Some(error) = &r.error {
        println!("error:    {error}");
    }
    if !detail.item_list.is_empty() {
        println!("\ncases:");
        for item in &detail.item_list {
            let message = item.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            println!("  {:>3}  {}  {}{message}", item.seq + 1, item.key, item.status);
        }
    }
    let failed: Vec<_> = detail.steps.iter().filter(|s| s.outcome != "ok").collect();
    if !failed.is_empty() {
        println!("\nfailed steps:");
        for s in failed {
            println!("  line {} `{}` {}: {}", s.line, s.step, s.summary, s.error.as_deref().unwrap_or_default());
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
    exit_code::SUCCESS
}
