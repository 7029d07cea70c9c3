//! nightshift runs robot files that move cases from e-services into legacy web UIs.
//!
//! The pipeline: a robot file is read into a position-keeping YAML tree
//! (`robot::yaml`), validated into a `Robot` (`robot::validate`), executed
//! against a `Browser` by the `runner`, which emits `RunEvent`s that the run
//! log (`store`) and the console consume.

pub mod browser;
pub mod cli;
pub(crate) mod daemon;
pub mod demo;
pub(crate) mod execute;
pub mod files;
pub(crate) mod human;
pub(crate) mod mail;
pub(crate) mod notify;
pub(crate) mod privacy;
pub(crate) mod process;
pub mod robot;
pub mod runner;
pub(crate) mod schedule;
pub mod settings;
pub mod store;
pub(crate) mod trust;
pub(crate) mod upkeep;
pub(crate) mod web;
