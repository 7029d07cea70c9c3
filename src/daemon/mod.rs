//! `nightshift serve`: the scheduler daemon.

pub mod lock;
pub mod policy;
pub mod serve;
pub mod watch;
