//! Executes a validated robot against a `Browser`, case by case, and reports
//! what happens as `RunEvent`s.

pub mod event;
pub mod run;
pub mod scope;
pub mod source;

pub use run::{RunContext, Runner};
