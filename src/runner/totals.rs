//! A run's counts, as one fold over its events: the runner's summary, the
//! console's progress and the run log's counters all come from here.

use crate::runner::event::{ItemStatus, RunEvent};

/// How many cases a run found and how each ended so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub items_total: usize,
    /// Cases finished, whatever their status.
    pub finished: usize,
    pub done: usize,
    pub business_exceptions: usize,
    pub system_exceptions: usize,
    pub skipped: usize,
    pub needs_review: usize,
    /// Exceptions of earlier runs still waiting for their officers.
    pub awaiting_officer: usize,
}

impl Totals {
    /// Counts one event in.
    pub fn record(&mut self, event: &RunEvent) {
        match event {
            RunEvent::ItemsFound { total, .. } => self.items_total = *total,
            RunEvent::ItemFinished { status, .. } => {
                self.finished += 1;
                match status {
                    ItemStatus::Done => self.done += 1,
                    ItemStatus::BusinessException => self.business_exceptions += 1,
                    ItemStatus::SystemException => self.system_exceptions += 1,
                    ItemStatus::Skipped => self.skipped += 1,
                    ItemStatus::NeedsReview => self.needs_review += 1,
                    ItemStatus::AwaitingOfficer => self.awaiting_officer += 1,
                    ItemStatus::Running => {}
                }
            }
            _ => {}
        }
    }

    /// The totals of a list of events.
    pub fn of<'e>(events: impl IntoIterator<Item = &'e RunEvent>) -> Self {
        let mut totals = Self::default();
        for event in events {
            totals.record(event);
        }
        totals
    }

    /// Adds another worker's cases (the count of cases found is the run's, not summed).
    pub fn absorb(&mut self, other: &Totals) {
        self.finished += other.finished;
        self.done += other.done;
        self.business_exceptions += other.business_exceptions;
        self.system_exceptions += other.system_exceptions;
        self.skipped += other.skipped;
        self.needs_review += other.needs_review;
        self.awaiting_officer += other.awaiting_officer;
    }

    pub fn exceptions(&self) -> usize {
        self.business_exceptions + self.system_exceptions
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn finished(status: ItemStatus) -> RunEvent {
        RunEvent::ItemFinished { seq: 0, status, message: None, duration: Duration::ZERO, attempts: 1 }
    }

    #[test]
    fn every_finished_case_is_counted_once_by_its_status() {
        let events = [
            RunEvent::ItemsFound { total: 4, workers: 1 },
            finished(ItemStatus::Done),
            finished(ItemStatus::BusinessException),
            finished(ItemStatus::Done),
            finished(ItemStatus::NeedsReview),
        ];
        let totals = Totals::of(&events);
        assert_eq!(
            totals,
            Totals {
                items_total: 4,
                finished: 4,
                done: 2,
                business_exceptions: 1,
                needs_review: 1,
                ..Totals::default()
            }
        );
        assert_eq!(totals.exceptions(), 1);
    }
}
