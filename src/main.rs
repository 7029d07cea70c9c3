//! The `nightshift` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = nightshift::cli::Cli::parse();
    // The daemon says what it does; one-off commands only warn.
    let default = if matches!(cli.command, nightshift::cli::Command::Serve(_)) { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NIGHTSHIFT_LOG").unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    ExitCode::from(nightshift::cli::run(cli))
}
