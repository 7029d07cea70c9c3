//! How times and durations read for people, the same in the console, the
//! run log's messages and mail.

use std::time::Duration;

/// `1.5s`, `200ms`: how durations read in messages.
pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The timezone of a Swedish council, where neither the machine's settings
/// nor a schedule name another.
pub(crate) const DEFAULT_TIMEZONE: chrono_tz::Tz = chrono_tz::Europe::Stockholm;

/// The timezone people read times in: `NIGHTSHIFT_TIMEZONE`, else the
/// schedules' default (Europe/Stockholm). Mail, `runs`, `show`, `stats` and
/// `review` all print in it; JSON keeps RFC 3339.
pub(crate) fn timezone() -> chrono_tz::Tz {
    static ZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();
    *ZONE.get_or_init(|| {
        crate::environment::var("NIGHTSHIFT_TIMEZONE").and_then(|name| name.parse().ok()).unwrap_or(DEFAULT_TIMEZONE)
    })
}

/// An RFC 3339 instant as people read it: `2026-11-24 02:30` in `timezone()`;
/// text that is not an instant is shown as it is.
pub(crate) fn local_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&timezone()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// `local_time` with seconds, for run logs.
pub(crate) fn local_time_secs(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&timezone()).format("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}
