//! nightshift runs robot files that move cases from e-services into legacy web UIs.
//!
//! The pipeline: a robot file is read into a position-keeping YAML tree
//! (`robot::yaml`), validated into a `Robot` (`robot::validate`), executed
//! against a `Browser` by the `runner`, which emits `RunEvent`s that the run
//! log (`store`) and the console consume.

pub mod browser;
pub mod cli;
pub mod config;
pub mod console;
pub mod daemon;
pub mod delivery;
pub mod demo;
pub mod execute;
pub mod exit_code;
pub mod human;
pub mod mail;
pub mod notify;
pub mod redact;
pub mod report;
pub mod robot;
pub mod run_log;
pub mod runner;
pub mod schedule;
pub mod store;
