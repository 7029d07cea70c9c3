//! The case under way: which one it is, when it started and which attempt
//! is running. One is made when a case is taken and handed to every function
//! that works on it, so the `Runner` keeps only what lasts the whole run.

use chrono::{DateTime, Utc};

use crate::privacy::personnummer::holds_personnummer;
use crate::runner::evidence::sanitize;

/// One case of the run, while it is under way.
#[derive(Debug, Clone)]
pub(super) struct Case {
    /// Its place in the run's list of cases, from 0.
    pub(super) seq: usize,
    /// Its key, as the source gives it.
    pub(super) key: String,
    /// Its fields summed up, to tell whether they changed since an exception.
    pub(super) fingerprint: u64,
    /// When it started: evidence shows only pages loaded since.
    pub(super) started: DateTime<Utc>,
    /// The attempt under way, 0 for the first.
    pub(super) attempt: u32,
    /// Why its source could not read it (a file that is not XML), making
    /// it a business exception without a step run.
    pub(super) unreadable: Option<String>,
}

impl Case {
    pub(super) fn new(seq: usize, key: String, fingerprint: u64) -> Self {
        Self { seq, key, fingerprint, started: Utc::now(), attempt: 0, unreadable: None }
    }

    /// For events, which name a case by its place in the run.
    pub(super) fn seq(&self) -> usize {
        self.seq
    }

    /// The name the case's evidence files start with: its key, or its
    /// number when the key is blank or a personnummer that is to be masked;
    /// a retry's evidence says which retry.
    pub(super) fn evidence_label(&self, mask_personnummer: bool) -> String {
        let mut label = if self.key.trim().is_empty() || (mask_personnummer && holds_personnummer(&self.key)) {
            format!("item-{}", self.seq + 1)
        } else {
            sanitize(&self.key)
        };
        if self.attempt > 0 {
            label.push_str(&format!("-retry-{}", self.attempt));
        }
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_named_by_the_key_unless_it_is_blank_or_a_masked_personnummer() {
        let mut case = Case::new(4, "MIL 2026/12".into(), 0);
        assert_eq!(case.evidence_label(true), "MIL_2026_12");
        case.attempt = 2;
        assert_eq!(case.evidence_label(true), "MIL_2026_12-retry-2");
        let person = Case::new(4, "20120315 1234".into(), 0);
        assert_eq!(person.evidence_label(true), "item-5");
        assert_eq!(person.evidence_label(false), "20120315_1234");
        assert_eq!(Case::new(0, "  ".into(), 0).evidence_label(false), "item-1");
    }
}
