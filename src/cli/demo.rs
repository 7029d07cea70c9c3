//! `nightshift demo`: start the stand-in sites, run the four sample robots
//! against them, and show what happened; `--serve` only keeps the sites up.

use clap::Args;

use crate::cli::exit_code::{self, CliError, Verdict};
use crate::cli::print_error;
use crate::cli::runs::table;
use crate::demo::sites::{DEMO_SECRETS, DEMO_USER, SiteConfig, Sites};
use crate::execute::{Request, deliver_now, execute, shutdown_signal};
use crate::robot;
use crate::runner::event::RunStatus;
use crate::settings::Settings;

/// The sample robots and the steps files they use, built in so the demo runs
/// from any folder.
const SAMPLE_FILES: &[(&str, &str)] = &[
    ("vaccination-consent.yaml", include_str!("../../robots/vaccination-consent.yaml")),
    ("culture-school-application.yaml", include_str!("../../robots/culture-school-application.yaml")),
    ("bin-collection-pause.yaml", include_str!("../../robots/bin-collection-pause.yaml")),
    ("food-business-registration.yaml", include_str!("../../robots/food-business-registration.yaml")),
    ("steps/eservice-login.yaml", include_str!("../../robots/steps/eservice-login.yaml")),
    ("steps/mark-handled.yaml", include_str!("../../robots/steps/mark-handled.yaml")),
    ("steps/waste-login.yaml", include_str!("../../robots/steps/waste-login.yaml")),
];

/// The four flows in the order the demo runs them, with how many of the
/// demo's errands each must finish and hand to a person
/// (`SiteConfig::four_flows` plants two business exceptions in each batch).
pub(crate) const DEMO_FLOWS: &[(&str, usize, usize)] = &[
    ("vaccination-consent", 6, 2),
    ("culture-school-application", 5, 2),
    ("bin-collection-pause", 4, 2),
    ("food-business-registration", 3, 2),
];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the sites running and print their addresses instead of running robots.
    #[arg(long)]
    pub serve: bool,
}

pub(crate) async fn run(settings: &Settings, args: DemoArgs) -> Result<Verdict, CliError> {
    let sites = Sites::start(SiteConfig::four_flows())
        .await
        .map_err(|e| CliError::environment(format!("failed to start the stand-in sites: {e}")))?;
    if args.serve {
        serve(&sites).await;
        return Ok(Verdict(exit_code::SUCCESS));
    }
    let robots_dir = sample_robots(settings).map_err(CliError::environment)?;
    let mut store = crate::upkeep::run_log::open(settings).map_err(CliError::environment)?;
    let mut env = crate::environment::get().vars().clone();
    env.extend(sites.env());
    for (name, value) in DEMO_SECRETS {
        env.insert(format!("NIGHTSHIFT_SECRET_{name}"), value.to_string());
    }
    println!(
        "stand-in sites: e-service {}  journal {}  culture school {}  waste billing {}  Lex {}",
        sites.eservice_url, sites.journal_url, sites.culture_url, sites.waste_url, sites.lex_url
    );
    let mut as_expected = true;
    let mut run_ids = Vec::new();
    for (name, done, exceptions) in DEMO_FLOWS {
        let robot = robot::load(&robot::find(&robots_dir, name), &robots_dir).map_err(|e| CliError::robot(&e))?;
        println!("running {name}...");
        let request = Request { trigger: crate::store::Trigger::Demo, env: env.clone(), ..Request::default() };
        let outcome =
            execute(&mut store, settings, &robot, request, shutdown_signal()).await.map_err(CliError::environment)?;
        let s = &outcome.summary;
        let expected = s.status == RunStatus::SucceededWithExceptions
            && s.totals.done == *done
            && s.totals.business_exceptions == *exceptions
            && s.totals.system_exceptions == 0;
        if !expected {
            println!(
                "  {name} ended as {} with {} done and {} business exception(s); expected {done} and {exceptions}",
                s.status.as_str(),
                s.totals.done,
                s.totals.business_exceptions
            );
        }
        as_expected &= expected;
        run_ids.push(outcome.run_id);
    }
    let mail = deliver_now(&mut store, settings).await;
    println!();
    match store.runs(DEMO_FLOWS.len()) {
        Ok(runs) => print!("{}", table(&runs)),
        Err(e) => print_error(e),
    }
    println!();
    print_site_state(&sites);
    let mut saved = 0.0;
    for id in run_ids {
        if let Ok(Some(detail)) = store.run(id) {
            saved += detail.run.saved_minutes;
        }
    }
    println!("saved: {saved} min of manual work");
    if let Some(line) = mail {
        println!("{line}");
    }
    println!("run log: {}", settings.state_dir.join("nightshift.db").display());
    if as_expected {
        println!("demo: every run ended as expected, business exceptions included");
    } else {
        println!("demo: a run did not end as expected");
    }
    Ok(Verdict::clean_unless(!as_expected, exit_code::RUN_FAILED))
}

/// What the robots left in the stand-in systems.
fn print_site_state(sites: &Sites) {
    let consents = sites.journal.lock().map(|j| j.consents.len()).unwrap_or(0);
    let (applications, waiting) =
        sites.culture.lock().map(|c| (c.applications.len(), c.waiting_list.len())).unwrap_or_default();
    let pauses = sites.waste.lock().map(|w| w.pauses.len()).unwrap_or(0);
    let cases = sites.lex.lock().map(|l| l.cases.iter().filter(|c| !c.errand.is_empty()).count()).unwrap_or(0);
    let handled = sites.eservice.lock().map(|e| e.handled_ids().len()).unwrap_or(0);
    println!(
        "journal: {consents} consent(s); culture school: {applications} application(s), {waiting} on the waiting list; \
         waste billing: {pauses} pause(s); Lex: {cases} new case(s); e-service: {handled} errand(s) marked handled"
    );
}

/// The folder the sample robots are loaded from: the robots folder when it
/// has them, else a copy of the built-in ones in the state folder.
fn sample_robots(settings: &Settings) -> Result<std::path::PathBuf, String> {
    let all_there = SAMPLE_FILES.iter().all(|(name, _)| settings.robots_dir.join(name).is_file());
    if all_there {
        return Ok(settings.robots_dir.clone());
    }
    let dir = settings.state_dir.join("demo-robots");
    for (name, text) in SAMPLE_FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("failed to create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("failed to write `{}`: {e}", path.display()))?;
    }
    Ok(dir)
}

async fn serve(sites: &Sites) {
    println!("e-service:      {}", sites.eservice_url);
    println!("journal:        {}", sites.journal_url);
    println!("culture school: {}", sites.culture_url);
    println!("waste billing:  {}", sites.waste_url);
    println!("Lex:            {}", sites.lex_url);
    println!("user `{DEMO_USER}`; to run the sample robots against them:");
    for (name, value) in sites.env() {
        println!("  export {name}={value}");
    }
    for (name, value) in DEMO_SECRETS {
        println!("  export NIGHTSHIFT_SECRET_{name}={value}");
    }
    println!("  nightshift run vaccination-consent   # or any robot in robots/");
    println!("press Ctrl-C to stop");
    shutdown_signal().await;
}
