//! The command line: clap definitions and one file per subcommand.

pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod config;
pub(crate) mod demo;
pub(crate) mod doctor;
pub(crate) mod exit_code;
pub mod logging;
pub(crate) mod mail;
pub(crate) mod next;
pub(crate) mod purge;
pub(crate) mod review;
pub(crate) mod run;
pub(crate) mod runs;
pub(crate) mod serve;
pub(crate) mod show;
pub(crate) mod stats;
pub(crate) mod table;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::environment::Environment;
use crate::settings::Settings;

/// How nightshift's own log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// nightshift: robots that move cases from e-services into legacy web UIs.
#[derive(Debug, Parser)]
#[command(name = "nightshift", version, about, max_term_width = 100)]
pub struct Cli {
    /// Folder for the run log, evidence and outbox.
    #[arg(long, global = true, env = "NIGHTSHIFT_STATE_DIR", default_value = ".nightshift")]
    pub state_dir: PathBuf,
    /// Folder of robot files.
    #[arg(long = "robots", global = true, env = "NIGHTSHIFT_ROBOTS_DIR", default_value = "robots")]
    pub robots_dir: PathBuf,
    /// Folder of schedule files.
    #[arg(long = "schedules", global = true, env = "NIGHTSHIFT_SCHEDULES_DIR", default_value = "schedules")]
    pub schedules_dir: PathBuf,
    /// The settings file (default: `nightshift.yaml` here, if there is one).
    #[arg(long, global = true, env = "NIGHTSHIFT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Folder with one file per secret, named after the secret.
    #[arg(long, global = true, env = "NIGHTSHIFT_SECRETS_DIR")]
    pub secrets_dir: Option<PathBuf>,
    /// Log more (`-v` info and up for one-off commands, `-vv` debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log less (`-q` errors only).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Log lines as JSON objects (`time`, `level`, `target`, `message`).
    #[arg(long, global = true, value_enum, default_value = "text", env = "NIGHTSHIFT_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate robot files without a browser.
    Check(check::CheckArgs),
    /// Run a robot once, now.
    Run(run::RunArgs),
    /// List recent runs.
    Runs(runs::RunsArgs),
    /// Show one run: its cases, steps, errors and evidence.
    Show(show::ShowArgs),
    /// Run the scheduler: robots fire on their schedules until SIGTERM.
    Serve(serve::ServeArgs),
    /// Check that the browser, the robots' systems, secrets and SMTP are there.
    Doctor(doctor::DoctorArgs),
    /// Mail: `mail test` sends a test mail.
    Mail(mail::MailArgs),
    /// List upcoming scheduled runs.
    Next(next::NextArgs),
    /// Runs, cases, exceptions and saved hours per robot and month.
    Stats(stats::StatsArgs),
    /// List or settle open exceptions and the cases a dead run left half-done.
    Review(review::ReviewArgs),
    /// Forget personal data whose retention has passed, or one person's.
    Purge(purge::PurgeArgs),
    /// Show the settings in force and where each comes from.
    Config(config::ConfigArgs),
    /// Print a shell's completion script.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff, for man).
    Manpage(completions::ManpageArgs),
    /// Start the stand-in sites and run the sample robot against them.
    Demo(demo::DemoArgs),
}

/// The command line, with the settings file's values as the defaults of
/// the options whose variable only the file sets: flag, then environment,
/// then file, then built-in default.
pub fn parse(args: &[String], environment: &Environment) -> Cli {
    let matches = with_file_defaults(Cli::command(), environment).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn with_file_defaults(command: clap::Command, environment: &Environment) -> clap::Command {
    command
        .mut_args(|arg| {
            let variable = arg.get_env().and_then(|v| v.to_str()).filter(|v| environment.from_file(v));
            match variable.and_then(|v| environment.var(v)) {
                // clap keeps a default for the process's life: each is leaked
                // once, at start.
                Some(value) => {
                    let value: &'static str = Box::leak(value.to_string().into_boxed_str());
                    arg.default_value(value)
                }
                None => arg,
            }
        })
        .mut_subcommands(|sub| with_file_defaults(sub, environment))
}

/// Runs the parsed command line and returns the process exit code: 70 with
/// one line that calls it a bug if nightshift panics.
pub fn run(cli: Cli) -> u8 {
    std::panic::set_hook(Box::new(|info| print_error(bug_report(info))));
    guarded(|| run_command(cli))
}

/// Runs `command`, turning a panic into the documented exit code for a bug.
fn guarded(command: impl FnOnce() -> u8) -> u8 {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(command)).unwrap_or(exit_code::INTERNAL)
}

/// The one line a panic prints.
fn bug_report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let what = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    format!("nightshift bug: {what}{at}; please report it")
}

/// Commands that only print: a closed stdout (`| head`) ends them quietly, as
/// it ends any Unix tool. The others keep SIGPIPE ignored, as Rust sets it,
/// so that a peer closing a socket or pipe is an error, not the end.
fn print_only(command: &Command) -> bool {
    matches!(
        command,
        Command::Check(_)
            | Command::Runs(_)
            | Command::Show(_)
            | Command::Stats(_)
            | Command::Next(_)
            | Command::Review(_)
            | Command::Config(_)
            | Command::Completions(_)
            | Command::Manpage(_)
    )
}

fn run_command(cli: Cli) -> u8 {
    if print_only(&cli.command) {
        // SAFETY: restoring the default action of one signal before any thread starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    crate::process::private_files();
    let settings = Settings::new(&cli.state_dir, &cli.robots_dir, &cli.schedules_dir, cli.secrets_dir.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return exit_code::INTERNAL;
        }
    };
    // Commands that start browsers reap what the browsers orphan.
    if matches!(cli.command, Command::Run(_) | Command::Serve(_) | Command::Demo(_))
        && crate::process::become_subreaper()
    {
        runtime.spawn(crate::process::reap_forever());
    }
    match cli.command {
        Command::Check(args) => exit_code::of(check::run(&settings, &args)),
        Command::Run(args) => exit_code::of(runtime.block_on(run::run(&settings, args))),
        Command::Runs(args) => exit_code::of(runs::run(&settings, &args)),
        Command::Show(args) => exit_code::of(show::run(&settings, &args)),
        Command::Stats(args) => exit_code::of(stats::run(&settings, &args)),
        Command::Next(args) => exit_code::of(next::run(&settings, &args)),
        Command::Mail(args) => exit_code::of(runtime.block_on(mail::run(&settings, args))),
        Command::Doctor(args) => exit_code::of(Ok(doctor::run(&settings, &args))),
        Command::Serve(args) => exit_code::of(runtime.block_on(serve::run(&settings, args))),
        Command::Review(args) => exit_code::of(review::run(&settings, &args)),
        Command::Purge(args) => exit_code::of(purge::run(&settings, &args)),
        Command::Config(args) => exit_code::of(config::run(&settings, &args)),
        Command::Completions(args) => exit_code::of(completions::run(&args)),
        Command::Manpage(args) => exit_code::of(completions::manpage(&args)),
        Command::Demo(args) => exit_code::of(runtime.block_on(demo::run(&settings, args))),
    }
}

/// Prints an error the way every command does.
pub fn print_error(message: impl std::fmt::Display) {
    eprintln!("error: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option and argument of every command, as `command --option`,
    /// that has no help line.
    fn without_help(command: &clap::Command, path: &str, found: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() {
                found.push(format!("{path} {id}"));
            }
        }
        for sub in command.get_subcommands() {
            without_help(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }

    #[test]
    fn every_option_has_a_help_line() {
        use clap::CommandFactory;
        let mut found = Vec::new();
        without_help(&Cli::command(), "nightshift", &mut found);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_panic_becomes_the_exit_code_for_a_bug() {
        assert_eq!(guarded(|| panic!("boom")), exit_code::INTERNAL);
        assert_eq!(guarded(|| exit_code::SUCCESS), exit_code::SUCCESS);
    }
}
