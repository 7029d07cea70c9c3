//! `nightshift config [--json]`: every setting in force, and whether it
//! came from a flag, the environment, the settings file or the default.

use clap::Args;
use serde::Serialize;

use crate::cli::exit_code::CliError;
use crate::settings::Settings;
use crate::settings::file::KEYS;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print JSON (`[{key, variable, value, from}]`).
    #[arg(long)]
    pub json: bool,
}

/// One setting. Field names are part of `config --json`.
#[derive(Debug, Serialize)]
struct Setting {
    key: &'static str,
    variable: &'static str,
    value: Option<String>,
    /// `flag`, `environment`, `file` or `default`.
    from: &'static str,
}

/// The flag that sets a key on the command line, for those that have one.
fn flag(key: &str) -> Option<&'static str> {
    match key {
        "state_dir" => Some("--state-dir"),
        "robots" => Some("--robots"),
        "schedules" => Some("--schedules"),
        "secrets_dir" => Some("--secrets-dir"),
        "max_browsers" => Some("--max-browsers"),
        "http" => Some("--http"),
        _ => None,
    }
}

/// The value a key has when nothing sets it, or what its absence means.
fn default_of(key: &str, settings: &Settings) -> (Option<String>, &'static str) {
    let path = |p: &std::path::Path| Some(p.display().to_string());
    match key {
        "state_dir" => (path(&settings.state_dir), ""),
        "robots" => (path(&settings.robots_dir), ""),
        "schedules" => (path(&settings.schedules_dir), ""),
        "secrets_dir" => (None, "(none: secrets come from the environment)"),
        "webdriver_url" => (None, "(none: a managed chromedriver)"),
        "smtp_url" => (None, "(none: mail is written to the outbox folder)"),
        "ops_email" => (None, "(none: technical failures are mailed to nobody)"),
        "mail_from" => (Some(crate::notify::smtp::DEFAULT_FROM.to_string()), ""),
        "max_browsers" => (Some(crate::cli::serve::DEFAULT_MAX_BROWSERS.to_string()), ""),
        "http" => (None, "(none: serve starts no web console)"),
        "public_url" => (None, "(none: mail carries no links to the console)"),
        "timezone" => (Some(crate::human::timezone().name().to_string()), ""),
        "log" => (None, "(warnings; serve: info)"),
        _ => (None, "(none)"),
    }
}

pub(crate) fn run(settings: &Settings, args: &ConfigArgs) -> Result<(), CliError> {
    let argv: Vec<String> = std::env::args().collect();
    let environment = crate::environment::get();
    let mut notes = Vec::new();
    let settings: Vec<Setting> = KEYS
        .iter()
        .map(|(key, variable, _)| {
            let on_command_line =
                flag(key).is_some_and(|f| argv.iter().any(|a| a == f || a.starts_with(&format!("{f}="))));
            let set = environment.var(variable).map(String::from);
            let from = match (&set, on_command_line) {
                (_, true) => "flag",
                (Some(_), false) if environment.from_file(variable) => "file",
                (Some(_), false) => "environment",
                (None, false) => "default",
            };
            // The folders as the command line, the environment and the file settled them.
            let (in_force, note) = default_of(key, settings);
            let value = match *key {
                "state_dir" | "robots" | "schedules" => in_force,
                "secrets_dir" => settings.secrets_dir.as_ref().map(|p| p.display().to_string()),
                _ => set.or(in_force),
            };
            notes.push(note);
            // The SMTP address may carry a password: never print one.
            let value = value.map(|v| if *key == "smtp_url" { hide_password(&v) } else { v });
            Setting { key, variable, value, from }
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&settings).unwrap_or_default());
        return Ok(());
    }
    match environment.file() {
        Some(file) => println!("settings file: {}", file.display()),
        None => println!("settings file: none (nightshift.yaml here, --config or NIGHTSHIFT_CONFIG)"),
    }
    let mut rows = vec![["SETTING", "VARIABLE", "VALUE", "FROM"].map(String::from).to_vec()];
    for (s, note) in settings.iter().zip(notes) {
        let value = s.value.clone().unwrap_or_else(|| note.to_string());
        rows.push(vec![s.key.to_string(), s.variable.to_string(), value, s.from.to_string()]);
    }
    print!("{}", crate::cli::table::render(&rows));
    Ok(())
}

/// `smtp://user:***@host` for `smtp://user:password@host`.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_string() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_smtp_password_is_never_shown() {
        assert_eq!(super::hide_password("smtps://robot:hemligt@mail.kommun.se"), "smtps://robot:***@mail.kommun.se");
        assert_eq!(super::hide_password("smtp://relay:25"), "smtp://relay:25");
    }
}
