//! `nightshift doctor`: is this machine ready to run the robots? One line per
//! check, and a non-zero exit when any fails.

use std::collections::HashMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clap::Args;

use crate::browser::chromedriver::Binaries;
use crate::cli::exit_code::{self, Verdict};
use crate::robot::expr::Namespace;
use crate::robot::model::{ItemSource, OepSource};
use crate::robot::step::{Action, Step};
use crate::robot::{self};
use crate::runner::open_eplatform::{Platform, probe};
use crate::runner::scope::RunScope;
use crate::schedule::yaml_files;
use crate::settings::{Settings, load_secrets};

/// How long a reachability check waits for a connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON on stdout: `ok`, and `checks` (`ok`, `check`).
    #[arg(long)]
    pub json: bool,
}

struct Report {
    failures: usize,
    /// Kept for `--json` instead of printed.
    lines: Option<Vec<(bool, String)>>,
}

impl Report {
    fn line(&mut self, ok: bool, text: impl std::fmt::Display) {
        if !ok {
            self.failures += 1;
        }
        match &mut self.lines {
            Some(lines) => lines.push((ok, text.to_string())),
            None => println!("{} {text}", if ok { "ok  " } else { "FAIL" }),
        }
    }
}

pub(crate) fn run(settings: &Settings, args: &DoctorArgs) -> Verdict {
    let mut report = Report { failures: 0, lines: args.json.then(Vec::new) };
    state_folder(settings, &mut report);
    browser(settings, &mut report);
    let env: HashMap<String, String> = crate::environment::get().vars().clone();
    for path in yaml_files(&settings.robots_dir) {
        robot_checks(settings, &path, &env, &mut report);
    }
    if let Some(url) = env.get("NIGHTSHIFT_SMTP_URL").filter(|u| !u.is_empty()) {
        match host_port(url) {
            Some((host, port)) if reachable(&host, port) => {
                report.line(true, format!("SMTP server {host}:{port} reachable"));
                smtp_session(settings, &mut report);
            }
            Some((host, port)) => report.line(false, format!("SMTP server {host}:{port} reachable")),
            None => report.line(false, "NIGHTSHIFT_SMTP_URL is not a URL such as smtp://host:port"),
        }
    }
    if let Some(lines) = &report.lines {
        let checks: Vec<serde_json::Value> =
            lines.iter().map(|(ok, text)| serde_json::json!({ "ok": ok, "check": text })).collect();
        let answer = serde_json::json!({ "ok": report.failures == 0, "checks": checks });
        println!("{}", serde_json::to_string_pretty(&answer).unwrap_or_default());
    }
    if report.failures > 0 && report.lines.is_none() {
        println!("{} check(s) failed", report.failures);
    }
    Verdict::clean_unless(report.failures > 0, exit_code::ENVIRONMENT)
}

/// An SMTP session as mail would open it: greeting, STARTTLS or TLS, and
/// the server's certificate checked against the system's trust store.
fn smtp_session(settings: &Settings, report: &mut Report) {
    let mailer = match crate::notify::smtp::Mailer::from_env(&settings.state_dir) {
        Ok(mailer) => mailer,
        Err(e) => return report.line(false, format!("SMTP settings: {e}")),
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    match runtime.block_on(mailer.test_connection()) {
        Some(Ok(())) => report.line(true, format!("{} answers, its certificate (if any) trusted", mailer.destination)),
        Some(Err(e)) => {
            let url = crate::environment::var("NIGHTSHIFT_SMTP_URL").unwrap_or_default();
            let needed = crate::trust::hint(&e).and_then(|_| {
                let (host, port) = host_port(url)?;
                crate::trust::presented_issuer(&host, port, !url.starts_with("smtps://"))
            });
            let needed = needed.map(|ca| format!(" (its certificate was issued by `{ca}`)")).unwrap_or_default();
            report.line(false, format!("{}: {e}{needed}", mailer.destination));
        }
        None => {}
    }
}

/// The state folder holds personal data: only its owner may read it.
fn state_folder(settings: &Settings, report: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    let dir = &settings.state_dir;
    let Ok(meta) = std::fs::metadata(dir) else { return };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        report.line(true, format!("state folder `{}` is its owner's alone (mode {mode:o})", dir.display()));
    } else {
        report.line(
            false,
            format!(
                "state folder `{}` can be read by other users (mode {mode:o}): it holds personal data; run `chmod -R go= {}`",
                dir.display(),
                dir.display()
            ),
        );
    }
}

fn browser(settings: &Settings, report: &mut Report) {
    if let Some(url) = &settings.webdriver_url {
        let ok = host_port(url).is_some_and(|(h, p)| reachable(&h, p));
        report.line(ok, format!("WebDriver server {url} reachable (NIGHTSHIFT_WEBDRIVER_URL)"));
        return;
    }
    let binaries = match Binaries::locate() {
        Ok(binaries) => binaries,
        Err(e) => return report.line(false, e),
    };
    let chromium = version(&binaries.chromium);
    let driver = version(&binaries.chromedriver);
    report.line(chromium.is_some(), format!("chromium: {}", chromium.as_deref().unwrap_or("does not start")));
    report.line(driver.is_some(), format!("chromedriver: {}", driver.as_deref().unwrap_or("does not start")));
    if let (Some(c), Some(d)) = (&chromium, &driver) {
        let major = |v: &str| {
            v.split_whitespace()
                .find_map(|w| w.split('.').next().filter(|m| m.parse::<u32>().is_ok()).map(str::to_string))
        };
        let same = major(c).is_some() && major(c) == major(d);
        report.line(same, "chromium and chromedriver are of the same major version");
    }
}

fn version(binary: &Path) -> Option<String> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success().then(|| text.trim().to_string())
}

/// The robot's secrets, and the systems its setup opens.
fn robot_checks(settings: &Settings, path: &Path, env: &HashMap<String, String>, report: &mut Report) {
    let robot = match robot::load(path, &settings.robots_dir) {
        Ok(robot) => robot,
        Err(e) => return report.line(false, format!("{}: invalid (run `nightshift check`)", e)),
    };
    // Each secret on its own, so that one run of `doctor` names every missing one.
    let mut missing = 0;
    for name in &robot.secrets {
        if let Err(e) = load_secrets(std::slice::from_ref(name), env, settings.secrets_dir.as_deref()) {
            report.line(false, format!("{}: {e}", robot.name));
            missing += 1;
        }
    }
    if missing == 0 {
        report.line(true, format!("{}: {} secret(s) set", robot.name, robot.secrets.len()));
    }
    let mut scope = RunScope { env: env.clone(), ..RunScope::default() };
    let mut unset = Vec::new();
    for (name, template) in &robot.vars {
        match template.render(&scope) {
            Ok(value) => {
                scope.vars.insert(name.clone(), value);
            }
            Err(e) if template.references().any(|r| r.namespace == Namespace::Env) => {
                report.line(false, format!("{}: variable `{name}`: {e}", robot.name));
                unset.push(name.clone());
            }
            Err(_) => {}
        }
    }
    let mut seen = Vec::new();
    systems(&robot.name, &robot.setup, &mut scope, &unset, &mut seen, report);
    if let Some(ItemSource::OpenEPlatform(source)) = robot.items.as_ref().map(|i| &i.source) {
        scope.secrets = load_secrets(&robot.secrets, env, settings.secrets_dir.as_deref()).unwrap_or_default();
        platform(&robot.name, source, &scope, report);
    }
}

/// Whether the robot's Open ePlatform account may read its family.
fn platform(robot: &str, source: &OepSource, scope: &RunScope, report: &mut Report) {
    let rendered = (source.url.render(scope), source.user.render(scope), source.password.render(scope));
    let (Ok(url), Ok(user), Ok(password)) = rendered else {
        return report
            .line(false, format!("{robot}: cannot ask Open ePlatform: its address, user or password is unset"));
    };
    let platform = Platform { url: url.clone(), user, password, timeout: Duration::from_secs(10) };
    match probe(&platform, source.family, chrono::Local::now().date_naive()) {
        Ok(said) => report.line(true, format!("{robot}: Open ePlatform at {url}: {said}")),
        Err(error) => report.line(false, format!("{robot}: Open ePlatform at {url}: {error}")),
    }
}

/// The systems `steps` go to (also through `use:` steps files), each said once.
fn systems(
    robot: &str,
    steps: &[Step],
    scope: &mut RunScope,
    unset: &[String],
    seen: &mut Vec<String>,
    report: &mut Report,
) {
    fn line(seen: &mut Vec<String>, report: &mut Report, ok: bool, text: String) {
        if !seen.contains(&text) {
            report.line(ok, &text);
            seen.push(text);
        }
    }
    for step in steps {
        match &step.action {
            Action::Goto { url, .. } => {
                let unknowable = url.references().any(|r| {
                    r.namespace == Namespace::Secret || (r.namespace == Namespace::Var && unset.contains(&r.name))
                });
                if unknowable {
                    continue;
                }
                match url.render(scope) {
                    Ok(url) => {
                        if let Some((host, port)) = host_port(&url) {
                            line(seen, report, reachable(&host, port), format!("{robot}: {host}:{port} reachable"));
                        }
                    }
                    Err(e) => {
                        line(seen, report, false, format!("{robot}: cannot tell where `{}` goes: {e}", url.source()))
                    }
                }
            }
            Action::Use { args, steps, .. } => {
                // The file's parameters as the run would set them, for its steps only.
                let given: Vec<(String, String)> =
                    args.iter().filter_map(|(name, t)| Some((name.clone(), t.render(scope).ok()?))).collect();
                let before: Vec<(String, Option<String>)> = given
                    .iter()
                    .map(|(name, value)| (name.clone(), scope.vars.insert(name.clone(), value.clone())))
                    .collect();
                systems(robot, steps, scope, unset, seen, report);
                for (name, old) in before {
                    match old {
                        Some(old) => scope.vars.insert(name, old),
                        None => scope.vars.remove(&name),
                    };
                }
            }
            _ => {}
        }
    }
}

/// Host and port of a URL such as `https://host/x` or `smtp://user@host:587`.
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let default = match scheme {
        "http" => 80,
        "https" => 443,
        "smtp" => 25,
        "smtps" => 465,
        _ => return None,
    };
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((authority.to_string(), default)),
    }
}

fn reachable(host: &str, port: u16) -> bool {
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_from_urls() {
        assert_eq!(host_port("http://127.0.0.1:8080/login"), Some(("127.0.0.1".into(), 8080)));
        assert_eq!(host_port("smtps://user:pw@mail.example.se"), Some(("mail.example.se".into(), 465)));
        assert_eq!(host_port("data:text/html,x"), None);
    }
}
