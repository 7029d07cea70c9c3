//! `nightshift serve`: the scheduler daemon.

pub(crate) mod lock;
pub(crate) mod policy;
pub(crate) mod serve;
pub(crate) mod watch;
