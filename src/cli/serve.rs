//! `nightshift serve`: run the scheduler daemon in the foreground.

use std::time::Duration;

use clap::Args;

use crate::cli::exit_code::CliError;
use crate::daemon::serve::{ServeOptions, serve};
use crate::settings::Settings;

/// How many browsers run at once when nothing says otherwise.
pub(crate) const DEFAULT_MAX_BROWSERS: usize = 2;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// How many browsers (runs) at the same time.
    #[arg(long, env = "NIGHTSHIFT_MAX_BROWSERS", default_value_t = DEFAULT_MAX_BROWSERS)]
    pub max_browsers: usize,
    /// At SIGTERM, how long running robots get to finish their current case.
    #[arg(long, default_value = "30s", value_parser = parse_grace)]
    pub grace: Duration,
    /// Also serve the web console here (`127.0.0.1:8080`); any address but
    /// loopback needs NIGHTSHIFT_CONSOLE_TOKEN.
    #[arg(long, env = "NIGHTSHIFT_HTTP")]
    pub http: Option<std::net::SocketAddr>,
}

fn parse_grace(text: &str) -> Result<Duration, String> {
    crate::robot::validate::parse_duration(text)
        .ok_or_else(|| format!("expected a duration such as 30s, found `{text}`"))
}

pub(crate) async fn run(settings: &Settings, args: ServeArgs) -> Result<(), CliError> {
    let options = ServeOptions { max_browsers: args.max_browsers, grace: args.grace, http: args.http };
    serve(settings.clone(), options).await.map_err(CliError::environment)
}
