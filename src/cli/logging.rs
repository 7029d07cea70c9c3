//! Where the log goes and how it looks: colour only on a terminal (and not
//! with `NO_COLOR`); under systemd (`JOURNAL_STREAM`) plain lines with the
//! journal's priority prefixes, so `journalctl -p warning` works; the level
//! from `NIGHTSHIFT_LOG`, else `RUST_LOG`, else the command's own, moved by
//! `-v` and `-q`.

use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Crates whose debug and trace output is what went over the wire.
const WIRE_LOGS: [&str; 9] =
    ["fantoccini", "webdriver", "hyper", "hyper_util", "ureq", "ureq_proto", "rustls", "lettre", "axum"];

/// The levels `-v` and `-q` step through, quietest first.
const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// Sets up the log for a command whose own level is `default` (an index
/// into `LEVELS`), moved by `verbose` and `quiet` steps.
pub fn init(default: usize, verbose: u8, quiet: u8, json: bool) {
    let level = (default + usize::from(verbose)).saturating_sub(usize::from(quiet)).min(LEVELS.len() - 1);
    let mut filter = ["NIGHTSHIFT_LOG", "RUST_LOG"]
        .iter()
        .find_map(|variable| EnvFilter::try_new(crate::environment::var(variable)?).ok())
        .unwrap_or_else(|| EnvFilter::new(LEVELS[level]));
    // The wire logs of the WebDriver, HTTP, TLS and SMTP clients would carry
    // typed text and request bodies: they stay at warnings, whatever is asked.
    for quiet in WIRE_LOGS {
        if let Ok(directive) = format!("{quiet}=warn").parse() {
            filter = filter.add_directive(directive);
        }
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.with_ansi(false).event_format(JsonLines).init();
    } else if crate::environment::var("JOURNAL_STREAM").is_some() {
        builder.with_ansi(false).event_format(Journal).init();
    } else {
        let colour = std::io::stderr().is_terminal() && crate::environment::var("NO_COLOR").is_none();
        builder.with_ansi(colour).with_timer(LocalTime).init();
    }
}

/// A log line's time as people at the council read it: local, with its
/// offset (`2026-12-07T02:30:00.012+01:00`), in `human::timezone()`.
struct LocalTime;

impl tracing_subscriber::fmt::time::FormatTime for LocalTime {
    fn format_time(&self, writer: &mut Writer<'_>) -> std::fmt::Result {
        let now = chrono::Utc::now().with_timezone(&crate::human::timezone());
        write!(writer, "{}", now.format("%Y-%m-%dT%H:%M:%S%.3f%:z"))
    }
}

/// One JSON object per line: `time` (RFC 3339), `level`, `target`,
/// `message` and the event's other fields, for a log collector.
struct JsonLines;

/// Collects an event's fields as JSON values.
struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl tracing::field::Visit for JsonFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let mut fields = JsonFields(serde_json::Map::new());
        event.record(&mut fields);
        let mut line = serde_json::Map::new();
        line.insert("time".into(), chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true).into());
        line.insert("level".into(), event.metadata().level().as_str().to_lowercase().into());
        line.insert("target".into(), event.metadata().target().into());
        line.extend(fields.0);
        writeln!(writer, "{}", serde_json::Value::Object(line))
    }
}

/// One line per event, `<N>` first: the journal's priority for the level.
struct Journal;

impl<S, N> FormatEvent<S, N> for Journal
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let priority = match *event.metadata().level() {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            Level::DEBUG | Level::TRACE => 7,
        };
        write!(writer, "<{priority}>")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
