//! nightshift runs robot files that move cases from e-services into legacy web UIs.
//!
//! The pipeline: a robot file is read into a position-keeping YAML tree
//! (`files::yaml`), validated into a `Robot` (`robot::validate`), executed
//! against a `Browser` by the `runner`, which emits `RunEvent`s that the run
//! log (`store`) and the terminal (`execute::progress`) consume.
//!
//! The folders are layers, each using only those listed before it:
//! `files` (reading files: positioned YAML, diagnostics, CSV), `privacy`
//! (personnummer, secrets, signed case links), `robot` (the language),
//! `schedule` (when robots run), `settings` (the machine's settings), `browser`, `runner` (one robot against one browser), `mail` (the
//! data between the store and notify), `store` (the run log), `notify` (who
//! is told what, and SMTP), `upkeep` (the jobs above the store and notify:
//! delivery, reminders, retention, opening the run log), `execute` (one run
//! end to end), `web` (the console), `daemon` (`serve`), `cli` (the
//! commands). `demo` holds the stand-in sites beside them: it uses only
//! `robot`, and only `cli` (and the tests) use it. A new thing goes
//! in the lowest layer that has all it needs. Six files are leaves that
//! any layer may use (a leaf only those named before it), and the only
//! files beside `lib.rs` and `main.rs`: `base64` (files carried inside
//! JSON and XML, for the runner and the stand-in e-service), `environment`
//! (the variables and settings in force, read once at start), `human`
//! (times for people), `process` (processes, reaping, file modes), `trust`
//! (which certificate authorities TLS trusts) and `xml` (XML documents read
//! as data, for the runner and the stand-in e-service platform).

pub(crate) mod base64;
pub mod browser;
pub mod cli;
pub(crate) mod daemon;
pub mod demo;
pub mod environment;
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
pub(crate) mod xml;
