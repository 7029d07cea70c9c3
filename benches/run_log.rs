//! The run log's costs: writing step records as a run emits them, and
//! `stats` over a million cases. Prints one JSON object (scripts/bench reads it).
//!
//! Usage: cargo bench --bench run_log -- STEPS ITEMS

use std::time::{Duration, Instant};

use chrono::Utc;
use nightshift::runner::event::{Block, EventSink, RunEvent, StepOutcome, StepRecord};
use nightshift::store::{Grouping, StatsQuery, Store, StoreSink};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let steps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let items: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();

    // Step records, one at a time, as the runner emits them.
    let mut store = Store::open(dir.path()).unwrap();
    let run = store.create_run("bench", "bench.yaml", nightshift::store::Trigger::Manual, 5.0).unwrap();
    let mut sink = StoreSink::new(&mut store, run, "bench");
    let started = Instant::now();
    for index in 0..steps {
        sink.emit(&RunEvent::Step(StepRecord {
            block: Block::Setup,
            item: None,
            index,
            keyword: "read_text",
            summary: "h1 -> title".into(),
            line: 7,
            started_at: Utc::now(),
            duration: Duration::from_micros(900),
            outcome: StepOutcome::Ok,
            error: None,
        }));
    }
    let per_step = started.elapsed() / steps as u32;
    drop(sink);

    // A million cases over 2 000 runs in a year, then `stats` by month.
    let fill_started = Instant::now();
    store.bulk_fill_for_benchmark(items, 2_000).unwrap();
    let fill = fill_started.elapsed();
    let stats_started = Instant::now();
    let rows = store.stats(&StatsQuery::default(), Grouping::Month).unwrap();
    let stats = stats_started.elapsed();
    let counted: i64 = rows.iter().map(|r| r.items_done).sum();
    println!(
        "{}",
        json!({
            "steps": steps,
            "per_step_us": per_step.as_secs_f64() * 1e6,
            "steps_per_second": 1.0 / per_step.as_secs_f64(),
            "items": items,
            "fill_s": fill.as_secs_f64(),
            "stats_ms": stats.as_secs_f64() * 1000.0,
            "stats_rows": rows.len(),
            "items_counted": counted,
        })
    );
}
