//! The baseline for nightshift's step overhead and run start: a minimal
//! fantoccini program that starts chromedriver and Chromium with the same
//! flags and issues the same WebDriver commands, with no robot file, no
//! run log and no console. Prints one JSON object (scripts/bench reads it).
//!
//! Usage: cargo bench --bench raw_webdriver -- URL STEPS

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use nightshift::browser::webdriver::{CHROMIUM_FLAGS, READ_TEXT, script};
use serde_json::json;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "about:blank".into());
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let started = Instant::now();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push("--headless=new".into());
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({ "binary": "/usr/bin/chromium", "args": args }));
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("session");
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
    client.close().await.unwrap();
    let _ = driver.kill();
    let _ = driver.wait();
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
