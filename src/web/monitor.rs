//! `/metrics` in Prometheus's text format and `/healthz`, for the monitoring
//! a municipality already runs.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::web::Console;

/// A label value as Prometheus reads it.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub(super) async fn metrics(State(console): State<Console>) -> Response {
    let m = match console.store().and_then(|s| s.metrics().map_err(super::internal)) {
        Ok(m) => m,
        Err(response) => return response,
    };
    let mut out = String::new();
    let by_outcome = [("runs", "Runs", &m.runs), ("cases", "Cases", &m.cases)];
    for (name, what, rows) in by_outcome {
        out.push_str(&format!(
            "# HELP nightshift_{name}_total {what} by robot and outcome.\n# TYPE nightshift_{name}_total counter\n"
        ));
        for (robot, status, n) in rows {
            let (robot, status) = (label(robot), label(status));
            out.push_str(&format!("nightshift_{name}_total{{robot=\"{robot}\",status=\"{status}\"}} {n}\n"));
        }
    }
    out.push_str("# HELP nightshift_open_exceptions Business exceptions waiting for their officers.\n# TYPE nightshift_open_exceptions gauge\n");
    for (robot, n) in &m.open_exceptions {
        out.push_str(&format!("nightshift_open_exceptions{{robot=\"{}\"}} {n}\n", label(robot)));
    }
    out.push_str("# HELP nightshift_seconds_since_last_success Seconds since each robot's last successful run ended.\n# TYPE nightshift_seconds_since_last_success gauge\n");
    let now = Utc::now();
    for (robot, at) in &m.last_success {
        if let Some(at) = at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
            let seconds = (now - at.with_timezone(&Utc)).num_seconds().max(0);
            out.push_str(&format!("nightshift_seconds_since_last_success{{robot=\"{}\"}} {seconds}\n", label(robot)));
        }
    }
    out.push_str("# HELP nightshift_outbox_waiting Mail waiting to be sent.\n# TYPE nightshift_outbox_waiting gauge\n");
    out.push_str(&format!("nightshift_outbox_waiting {}\n", m.outbox_waiting));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// 200 when the run log answers; 503 otherwise.
pub(super) async fn healthz(State(console): State<Console>) -> Response {
    match console.store().and_then(|s| s.outbox_waiting().map_err(super::internal)) {
        Ok(_) => "ok\n".into_response(),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "the run log does not answer\n").into_response(),
    }
}
