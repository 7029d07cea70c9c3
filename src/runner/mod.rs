//! Executes a validated robot against a `Browser`, case by case, and reports
//! what happens as `RunEvent`s.
//!
//! The seams: `run` (the run and its cases), `crew` (workers sharing the
//! cases, one browser each), `attempt` (one case through the
//! ledger, its retries and recovery), `block` (a list of steps, evidence on
//! failure), `steps` (one method per step, by family; the one place a new
//! step is added), `failure` (typed failures), `stop` (stopping from outside)
//! and `totals` (counts as a fold over events). The sources of cases:
//! `source` (CSV, JSON, a JSON API), `xml_cases` (XML files, a drop folder,
//! an address) and `open_eplatform` (the e-service platform's API and its
//! SOAP callback).
//!
//! A new consumer of a run (a console, a log, a dashboard feed) implements
//! `event::EventSink` and is added to the `Fanout` in `execute`; it never
//! reads the runner's state, only its events.

mod attempt;
mod block;
mod case;
mod conditions;
pub mod crew;
pub mod event;
mod evidence;
pub(crate) mod failure;
mod helpers;
pub(crate) mod open_eplatform;
pub(crate) mod run;
pub(crate) mod scope;
mod session;
pub(crate) mod source;
mod steps;
pub(crate) mod stop;
#[cfg(test)]
mod tests;
pub(crate) mod totals;
mod xml_cases;

pub use crew::{BrowserPool, Crew, MAX_WORKERS, PoolFuture, Seat, Seated};
pub use run::{RunContext, RunSummary, Runner, Selection};
