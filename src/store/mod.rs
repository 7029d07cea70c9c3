//! The run log in SQLite: the only module that imports rusqlite.

pub mod migrations;
pub mod records;
pub mod db;

pub use records::{EvidenceRow, ItemCounts, ItemRow, RunDetail, RunRow, StepRow};
pub use db::{Store, StoreError, StoreSink};
