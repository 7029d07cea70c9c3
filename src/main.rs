//! The `nightshift` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The environment is read once, with the settings file's values where
    // it leaves a variable unset; the command line takes those as defaults.
    let args: Vec<String> = std::env::args().collect();
    let mut environment = nightshift::environment::Environment::of_process();
    if let Some((path, _)) = nightshift::settings::file::locate(&args, &environment) {
        match nightshift::settings::file::read(&path) {
            Ok(settings) => environment = environment.with_file(&path, settings),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(3);
            }
        }
    }
    let cli = nightshift::cli::parse(&args, environment.install());
    // The daemon says what it does (info); one-off commands only warn.
    let default = if matches!(cli.command, nightshift::cli::Command::Serve(_)) { 2 } else { 1 };
    let json = cli.log_format == nightshift::cli::LogFormat::Json;
    nightshift::cli::logging::init(default, cli.verbose, cli.quiet, json);
    ExitCode::from(nightshift::cli::run(cli))
}
