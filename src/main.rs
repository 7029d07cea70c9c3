//! The `nightshift` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = nightshift::cli::Cli::parse();
    // The daemon says what it does (info); one-off commands only warn.
    let default = if matches!(cli.command, nightshift::cli::Command::Serve(_)) { 2 } else { 1 };
    nightshift::logging::init(default, cli.verbose, cli.quiet);
    ExitCode::from(nightshift::cli::run(cli))
}
