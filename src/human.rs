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

/// `81 h`, `10 min`, `6 s`.
pub(crate) fn fmt_span(d: chrono::Duration) -> String {
    match d.num_minutes() {
        m if m >= 120 => format!("{} h", d.num_hours()),
        m if m >= 2 => format!("{m} min"),
        _ => format!("{} s", d.num_seconds()),
    }
}
