//! `nightshift demo`: start the stand-in sites, run the sample robot against
//! them, and show what happened; `--serve` only keeps the sites up.

use clap::Args;

use crate::cli::print_error;
use crate::cli::runs::table;
use crate::config::Settings;
use crate::demo::sites::{DEMO_ESERVICE_PASSWORD, DEMO_JOURNAL_PASSWORD, DEMO_USER, SiteConfig, Sites};
use crate::execute::{Request, deliver_now, execute, shutdown_signal};
use crate::exit_code;
use crate::robot::{self, validate};
use crate::runner::event::RunStatus;
use crate::store::Store;

/// The sample robot, built in so the demo runs from any folder.
const SAMPLE_ROBOT: &str = include_str!("../../robots/vaccination-consent.yaml");
const SAMPLE_NAME: &str = "vaccination-consent";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the sites running and print their addresses instead of running robots.
    #[arg(long)]
    pub serve: bool,
    /// How many consent errands the e-service starts with.
    #[arg(long, default_value_t = 12)]
    pub errands: usize,
}

pub async fn run(settings: &Settings, args: DemoArgs) -> u8 {
    let sites = match Sites::start(SiteConfig::demo(args.errands)).await {
        Ok(sites) => sites,
        Err(e) => {
            print_error(format!("failed to start the stand-in sites: {e}"));
            return exit_code::ENVIRONMENT;
        }
    };
    if args.serve {
        return serve(&sites).await;
    }
    let path = robot::find(&settings.robots_dir, SAMPLE_NAME);
    let loaded = if path.is_file() {
        robot::load(&path).map_err(|e| e.render())
    } else {
        let path = std::path::Path::new("robots/vaccination-consent.yaml");
        validate::robot_from_str(path, SAMPLE_ROBOT).map_err(|d| d.iter().map(|d| d.render(SAMPLE_ROBOT)).collect())
    };
    let robot = match loaded {
        Ok(robot) => robot,
        Err(rendered) => {
            eprint!("{rendered}");
            return exit_code::INVALID_INPUT;
        }
    };
    let mut store = match Store::open(&settings.state_dir) {
        Ok(store) => store,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let mut env: std::collections::HashMap<String, String> = std::env::vars().collect();
    env.extend(sites.env());
    env.insert("NIGHTSHIFT_SECRET_ESERVICE_PASSWORD".into(), DEMO_ESERVICE_PASSWORD.into());
    env.insert("NIGHTSHIFT_SECRET_JOURNAL_PASSWORD".into(), DEMO_JOURNAL_PASSWORD.into());
    println!("stand-in sites: e-service {}  journal {}", sites.eservice_url, sites.journal_url);
    println!("running {} against {} submitted consent errand(s)...", robot.name, args.errands);
    let request = Request { trigger: "demo".into(), env, ..Request::default() };
    let outcome = match execute(&mut store, settings, &robot, request, shutdown_signal()).await {
        Ok(outcome) => outcome,
        Err(e) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
    let mail = deliver_now(&mut store, settings).await;
    let consents = sites.journal.lock().map(|j| j.consents.len()).unwrap_or(0);
    let handled = sites.eservice.lock().map(|e| e.handled_ids().len()).unwrap_or(0);
    println!();
    match store.runs(5) {
        Ok(runs) => print!("{}", table(&runs)),
        Err(e) => print_error(e),
    }
    println!();
    println!("journal: {consents} consent(s) registered; e-service: {handled} errand(s) marked handled");
    if let Ok(Some(detail)) = store.run(outcome.run_id) {
        println!(
            "saved: {} case(s) x {} min = {} min of manual work",
            detail.run.items.done, detail.run.manual_minutes, detail.run.saved_minutes
        );
        if let Some(error) = &detail.run.error {
            println!("error: {error}");
        }
    }
    if let Some(line) = mail {
        println!("{line}");
    }
    println!("run log: {}", settings.state_dir.join("nightshift.db").display());
    let expected =
        outcome.summary.status == RunStatus::Succeeded && consents == args.errands && handled == args.errands;
    if expected {
        println!("demo: every run ended as expected");
        exit_code::SUCCESS
    } else {
        println!("demo: run {} ended as {}, not as expected", outcome.run_id, outcome.summary.status.as_str());
        exit_code::RUN_FAILED
    }
}

async fn serve(sites: &Sites) -> u8 {
    println!("e-service: {}", sites.eservice_url);
    println!("journal:   {}", sites.journal_url);
    println!(
        "user `{DEMO_USER}`, passwords `{DEMO_ESERVICE_PASSWORD}` (e-service) and `{DEMO_JOURNAL_PASSWORD}` (journal)"
    );
    println!("to run the sample robot against them:");
    for (name, value) in sites.env() {
        println!("  export {name}={value}");
    }
    println!("  export NIGHTSHIFT_SECRET_ESERVICE_PASSWORD={DEMO_ESERVICE_PASSWORD}");
    println!("  export NIGHTSHIFT_SECRET_JOURNAL_PASSWORD={DEMO_JOURNAL_PASSWORD}");
    println!("  nightshift run vaccination-consent");
    println!("press Ctrl-C to stop");
    shutdown_signal().await;
    exit_code::SUCCESS
}
