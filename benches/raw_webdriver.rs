//! The baseline for nightshift's step overhead and run start: a minimal
//! fantoccini program that starts chromedriver and Chromium with the same
//! flags and issues the same WebDriver commands, with no robot file, no
//! run log and no console. Prints one JSON object (scripts/bench reads it).
//!
//! Usage: cargo bench --bench raw_webdriver -- URL STEPS

use std::time::Instant;

use nightshift::browser::webdriver::{READ_TEXT, script};
use serde_json::json;

#[path = "support/raw.rs"]
mod raw;
use raw::Raw;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "about:blank".into());
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let started = Instant::now();
    let raw = Raw::start().await;
    let client = &raw.client;
    let session_ready = started.elapsed();
    client.goto(&url).await.unwrap();
    let first_command = started.elapsed();
    let read = script(READ_TEXT);
    let selector = json!({ "css": "h1" });
    let steps_started = Instant::now();
    for _ in 0..steps {
        let text = client.execute(&read, vec![selector.clone()]).await.unwrap();
        assert!(!text.is_null());
    }
    let steps_time = steps_started.elapsed();
    raw.end().await;
    let total = started.elapsed();
    println!(
        "{}",
        json!({
            "session_start_ms": session_ready.as_secs_f64() * 1000.0,
            "first_command_ms": first_command.as_secs_f64() * 1000.0,
            "steps": steps,
            "steps_ms": steps_time.as_secs_f64() * 1000.0,
            "total_ms": total.as_secs_f64() * 1000.0,
        })
    );
}
