//! `nightshift serve`: the scheduler daemon.

pub(crate) mod lock;
pub(crate) mod policy;
pub(crate) mod serve;
mod task;
pub(crate) mod watch;
