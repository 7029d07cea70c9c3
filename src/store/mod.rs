//! The run log in SQLite: the only module that imports rusqlite.

pub mod db;
pub mod migrations;
pub mod outbox;
pub mod records;
pub mod sink;
pub mod stats;

pub use db::{ScheduledRun, Store, StoreError};
pub use sink::StoreSink;
pub use outbox::OutboxRow;
pub use records::{EvidenceRow, ItemCounts, ItemRow, RunDetail, RunRow, StepRow};
pub use stats::{Grouping, StatsQuery, StatsRow};
