//! The `nightshift` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The settings file fills in what the environment leaves unset, before
    // the command line (and its environment fallbacks) is read, and before
    // any thread exists to read the environment at the same time.
    let args: Vec<String> = std::env::args().collect();
    if let Some((path, _)) = nightshift::settings::file::locate(&args) {
        match nightshift::settings::file::read(&path) {
            Ok(settings) => {
                let mut from_file = Vec::new();
                for (variable, value) in settings {
                    if std::env::var_os(&variable).is_none() {
                        // SAFETY: no other thread has started yet.
                        unsafe { std::env::set_var(&variable, value) };
                        from_file.push(variable);
                    }
                }
                // SAFETY: as above. `nightshift config` reads these back.
                unsafe {
                    std::env::set_var("NIGHTSHIFT_CONFIG_FILE", &path);
                    std::env::set_var("NIGHTSHIFT_FROM_CONFIG_FILE", from_file.join(","));
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(3);
            }
        }
    }
    let cli = nightshift::cli::Cli::parse();
    // The daemon says what it does (info); one-off commands only warn.
    let default = if matches!(cli.command, nightshift::cli::Command::Serve(_)) { 2 } else { 1 };
    let json = cli.log_format == nightshift::cli::LogFormat::Json;
    nightshift::cli::logging::init(default, cli.verbose, cli.quiet, json);
    ExitCode::from(nightshift::cli::run(cli))
}
