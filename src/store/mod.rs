//! The run log in SQLite: the only module that imports rusqlite.

pub(crate) mod audit;
pub(crate) mod console;
pub(crate) mod db;
pub(crate) mod ledger;
pub(crate) mod migrations;
pub(crate) mod outbox;
pub(crate) mod purge;
pub(crate) mod records;
pub(crate) mod sink;
pub(crate) mod stats;

pub use audit::{Act, Actor, AuditEntry};
pub use console::{CaseAttempt, CaseException, CaseHistory, Metrics, RunFilter};
pub use db::{ScheduledRun, Store, StoreError};
pub use ledger::{Settled, Settlement};
pub use outbox::OutboxRow;
pub use purge::{Purged, Scope as PurgeScope};
pub use records::{
    AlertKind, EvidenceRow, FallbackUse, ItemCounts, ItemRow, OpenAlert, RunDetail, RunRow, StepRow, Trigger,
};
pub use sink::StoreSink;
pub use stats::{FallbackRow, Grouping, StatsQuery, StatsRow};
