//! The jobs above the store and the mail: opening the run log as every
//! command does, delivering the outbox, queueing reminders, and forgetting
//! personal data when its time is up. Each reads and writes the store and
//! asks `notify` what to send; neither of those knows the other.

pub(crate) mod delivery;
pub(crate) mod reminders;
pub(crate) mod retention;
pub(crate) mod run_log;
