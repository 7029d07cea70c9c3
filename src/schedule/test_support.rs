//! Helpers for the schedule's and the daemon's tests: a job from YAML, an
//! instant from RFC 3339.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::schedule::file::schedule_from_str;
use crate::schedule::job::Job;

/// The first job of a schedule written as YAML.
pub(crate) fn job(yaml: &str) -> Job {
    schedule_from_str(Path::new("s.yaml"), yaml, None).unwrap().remove(0)
}

/// An instant written in RFC 3339.
pub(crate) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}
