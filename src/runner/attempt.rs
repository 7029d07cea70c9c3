//! One case through the robot's ledger: skipped when already done, held back
//! when a dead run left it half-done, else tried until it is done, a business
//! exception, or out of retries.
//!
//! The ledger says `in_progress` before a case's first step and `done` after
//! its last. A business exception is `open` until its officer settles it
//! (`handled`, or `retry` for the next run); an open case is not taken
//! again unless its fields have changed since. A case found `in_progress` is settled by the robot's `check`
//! steps, or else marked `needs_review`: never entered again blindly. Before a
//! retry the session is brought back to a known state (dialogs dismissed, the
//! main window current, the browser restarted if it died) and setup runs again.

use std::time::Duration;

use crate::browser::Browser;
use crate::robot::step::Step;
use crate::runner::case::Case;
use crate::runner::event::{Block, ItemStatus, LedgerState, RunEvent};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;
use crate::runner::stop::{StopReason, stopped};

/// How long bringing the browser to a known state (or asking where it is)
/// may take before it counts as wedged and is replaced.
pub(super) const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// How one case ended.
#[derive(Debug)]
pub(super) struct CaseEnd {
    pub(super) status: ItemStatus,
    pub(super) message: Option<String>,
    pub(super) attempts: u32,
    /// The run was stopped while the case was under way.
    pub(super) stopped: Option<StopReason>,
    /// The run log could not be written: why (the run halts).
    pub(super) unrecorded: Option<String>,
}

impl CaseEnd {
    fn new(status: ItemStatus, message: Option<String>, attempts: u32) -> Self {
        Self { status, message, attempts, stopped: None, unrecorded: None }
    }

    /// Whether the case is settled for the cursor: not to be tried again.
    pub(super) fn settled(&self) -> bool {
        !matches!(self.status, ItemStatus::SystemException | ItemStatus::NeedsReview)
    }

    pub(super) fn is_system_exception(&self) -> bool {
        self.status == ItemStatus::SystemException
    }
}

impl<B: Browser> Runner<'_, B> {
    /// What the ledger says to do with a case, before anything is done.
    fn decide(&self, key: &str, fingerprint: u64) -> Decision {
        let has_check = self.robot.items.as_ref().is_some_and(|i| i.check.is_some());
        // A case whose data was purged is in the ledger under its hash.
        let hashed = || self.key_hash.as_ref().and_then(|h| self.ledger.get(&(h.0)(key)).copied());
        let Some(entry) = self.ledger.get(key).copied().or_else(hashed) else { return Decision::New };
        let run_id = entry.run_id;
        match entry.state {
            LedgerState::Done => Decision::Entered { run_id },
            LedgerState::Handled => Decision::SettledByHand,
            LedgerState::Open if entry.fingerprint.is_none_or(|f| f == fingerprint) => Decision::Waiting { run_id },
            LedgerState::Open => Decision::Changed { check: has_check },
            LedgerState::NeedsReview => Decision::HeldForReview { run_id },
            LedgerState::InProgress if !has_check => Decision::HalfDone { run_id, check: false },
            LedgerState::InProgress => Decision::HalfDone { run_id, check: true },
            LedgerState::Failed => Decision::Again { run_id, asked: false },
            LedgerState::Retry => Decision::Again { run_id, asked: true },
        }
    }

    /// One case, through the ledger.
    pub(super) async fn item(&mut self, case: &mut Case) -> CaseEnd {
        let half_done = |run_id| format!("run {run_id} stopped while entering this case; check it by hand");
        let has_check = self.robot.items.as_ref().is_some_and(|i| i.check.is_some());
        match self.decide(&case.key, case.fingerprint) {
            Decision::New => self.attempts(case, false).await,
            Decision::Entered { run_id } => {
                CaseEnd::new(ItemStatus::Skipped, Some(format!("already entered by run {run_id}")), 0)
            }
            Decision::SettledByHand => {
                CaseEnd::new(ItemStatus::Skipped, Some("settled by hand by its officer".to_string()), 0)
            }
            Decision::Waiting { run_id } => {
                let message = format!("the exception run {run_id} opened is not settled yet");
                CaseEnd::new(ItemStatus::AwaitingOfficer, Some(message), 0)
            }
            Decision::Changed { check } => {
                let message = "the case's data changed since its exception opened; trying it again".to_string();
                self.emit(RunEvent::Log { item: Some(case.seq), message });
                self.ledger_update(&case.key, Some(LedgerState::Retry));
                self.attempts(case, check).await
            }
            Decision::HeldForReview { run_id } => CaseEnd::new(ItemStatus::NeedsReview, Some(half_done(run_id)), 0),
            Decision::HalfDone { run_id, check: false } => {
                self.ledger_update(&case.key, Some(LedgerState::NeedsReview));
                CaseEnd::new(ItemStatus::NeedsReview, Some(half_done(run_id)), 0)
            }
            Decision::HalfDone { check: true, .. } | Decision::Again { .. } => self.attempts(case, has_check).await,
        }
    }

    /// What `item` would do with a case, in words (for `run --dry-run`).
    pub(super) fn planned(&self, key: &str, fingerprint: u64) -> String {
        match self.decide(key, fingerprint) {
            Decision::New => "new: would be entered".into(),
            Decision::Entered { run_id } => format!("entered by run {run_id}: would be skipped"),
            Decision::SettledByHand => "settled by hand by its officer: would be skipped".into(),
            Decision::Waiting { run_id } => {
                format!("the exception run {run_id} opened waits for its officer: would be left alone")
            }
            Decision::Changed { .. } => "changed since its exception: would be tried again".into(),
            Decision::HeldForReview { run_id } => {
                format!("held for review since run {run_id} stopped in it: would be left alone")
            }
            Decision::HalfDone { run_id, check: false } => {
                format!("half-done by run {run_id}: would be held for review")
            }
            Decision::HalfDone { run_id, check: true } => format!("half-done by run {run_id}: `check` would run first"),
            Decision::Again { run_id, asked: false } => {
                format!("failed technically in run {run_id}: would be tried again")
            }
            Decision::Again { asked: true, .. } => "its officer asked for another try: would be tried again".into(),
        }
    }

    /// Tries a case until it is done, skipped, a business exception, or out of retries.
    async fn attempts(&mut self, case: &mut Case, check_first: bool) -> CaseEnd {
        let Some(items) = self.robot.items.as_ref() else { return CaseEnd::new(ItemStatus::Skipped, None, 0) };
        if let Some(why) = case.unreadable.clone() {
            return self.business_exception(case, why, 0).await;
        }
        let policy = self.robot.retry;
        let mut check = check_first;
        case.attempt = 0;
        loop {
            let result = self.attempt_once(case, items.check.as_deref().filter(|_| check), &items.steps).await;
            let attempts = case.attempt + 1;
            let failure = match result {
                Ok(Entered::Now) => {
                    self.ledger_update(&case.key, Some(LedgerState::Done));
                    self.after_case(Block::OnDone, case, None).await;
                    return CaseEnd::new(ItemStatus::Done, None, attempts);
                }
                // The robot's own earlier attempt had entered it: done by the
                // robot, once (the ledger now says so).
                Ok(Entered::Before(message)) => {
                    self.ledger_update(&case.key, Some(LedgerState::Done));
                    self.after_case(Block::OnDone, case, None).await;
                    let message = format!("an earlier attempt had entered it; `check` found it: {message}");
                    return CaseEnd::new(ItemStatus::Done, Some(message), attempts);
                }
                Ok(Entered::Unclaimed(error)) => {
                    let message = "not started: its claim could not be written to the run log".to_string();
                    let mut end = CaseEnd::new(ItemStatus::SystemException, Some(message), attempts);
                    end.unrecorded = Some(error);
                    return end;
                }
                Err(failure) => failure,
            };
            match failure {
                Failure::Skip(message) => {
                    self.ledger_update(&case.key, Some(LedgerState::Done));
                    return CaseEnd::new(ItemStatus::Skipped, Some(message), attempts);
                }
                Failure::Business(message) => return self.business_exception(case, message, attempts).await,
                Failure::Stopped(reason) => return stopped_mid_case(reason, attempts),
                Failure::System(error) if case.attempt >= policy.max_retries => {
                    self.ledger_update(&case.key, Some(LedgerState::Failed));
                    return CaseEnd::new(ItemStatus::SystemException, Some(error.to_string()), attempts);
                }
                Failure::System(error) => {
                    case.attempt += 1;
                    let (seq, attempt) = (case.seq, case.attempt);
                    self.emit(RunEvent::ItemRetry { seq, attempt, error: error.to_string() });
                    let pause = policy.backoff * 2u32.saturating_pow(attempt - 1);
                    if let Some(reason) = self.pause(pause).await {
                        return stopped_mid_case(reason, attempts);
                    }
                    check = true;
                }
            }
        }
    }

    /// Ends a case as its officer's: the ledger holds it open (until its
    /// data changes or the officer settles it) and `on_exception` runs.
    async fn business_exception(&mut self, case: &Case, message: String, attempts: u32) -> CaseEnd {
        self.emit(RunEvent::Ledger {
            key: case.key.clone(),
            state: Some(LedgerState::Open),
            fingerprint: Some(case.fingerprint),
        });
        self.after_case(Block::OnException, case, Some(&message)).await;
        CaseEnd::new(ItemStatus::BusinessException, Some(message), attempts)
    }

    /// Waits `pause`, unless the run is stopped first.
    pub(super) async fn pause(&mut self, pause: Duration) -> Option<StopReason> {
        let mut stop = self.stop.clone();
        tokio::select! {
            biased;
            reason = stopped(stop.as_mut()) => Some(reason),
            () = tokio::time::sleep(pause) => None,
        }
    }

    /// One attempt: recover the session if this is a retry, run `check` when
    /// asked, then the case's steps.
    async fn attempt_once(&mut self, case: &Case, check: Option<&[Step]>, steps: &[Step]) -> Result<Entered, Failure> {
        // Whatever the last case left open (a dialog, a popup, a frame) is
        // closed first; a new browser is logged out, so setup runs again.
        let restarted = self.known_state().await?;
        if case.attempt > 0 || restarted {
            self.setup_again().await?;
        }
        self.renew_session(Some(case)).await?;
        if let Some(check) = check {
            match self.block(Block::Check, check, Some(case)).await {
                Err(Failure::Skip(message)) => return Ok(Entered::Before(message)),
                other => other?,
            }
        }
        self.ledger_update(&case.key, Some(LedgerState::InProgress));
        // The claim is what makes a case enter once: unwritten, nothing starts.
        if let Some(error) = self.sink.broken() {
            return Ok(Entered::Unclaimed(error));
        }
        self.block(Block::Item, steps, Some(case)).await?;
        Ok(Entered::Now)
    }

    /// Brings the browser to a known state, or replaces it when it does not
    /// answer within `PROBE_LIMIT` or its session is gone. True when replaced.
    pub(super) async fn known_state(&mut self) -> Result<bool, Failure> {
        if let Ok(Ok(())) = tokio::time::timeout(PROBE_LIMIT, self.browser.reset()).await {
            return Ok(false);
        }
        self.restart_browser().await?;
        Ok(true)
    }

    /// After a command the browser may still be busy with (a script that
    /// never returned): a browser that no longer answers is replaced.
    pub(super) async fn revive(&mut self) {
        let answered = tokio::time::timeout(PROBE_LIMIT, self.browser.current_url()).await;
        if !matches!(answered, Ok(Ok(_))) {
            let _ = self.restart_browser().await;
        }
    }

    async fn restart_browser(&mut self) -> Result<(), Failure> {
        let message = "the browser did not answer or its session was gone; starting a new one".to_string();
        self.emit(RunEvent::Log { item: None, message });
        self.browser.restart().await.map_err(SystemError::Restart)?;
        Ok(())
    }

    /// Setup once more, in a fresh or recovered session.
    async fn setup_again(&mut self) -> Result<(), Failure> {
        let robot = self.robot;
        match self.block(Block::Setup, &robot.setup, None).await {
            Err(Failure::Stopped(reason)) => Err(Failure::Stopped(reason)),
            Err(failure) => Err(SystemError::SetupBeforeRetry(Box::new(failure)).into()),
            Ok(()) => Ok(()),
        }
    }

    pub(super) fn ledger_update(&mut self, key: &str, state: Option<LedgerState>) {
        self.emit(RunEvent::Ledger { key: key.to_string(), state, fingerprint: None });
    }
}

/// What the ledger says to do with a case (`Runner::decide`).
#[derive(Debug, Clone, Copy)]
enum Decision {
    New,
    Entered {
        run_id: i64,
    },
    SettledByHand,
    /// An open exception whose fields have not changed.
    Waiting {
        run_id: i64,
    },
    /// An open exception whose fields changed: tried again.
    Changed {
        check: bool,
    },
    HeldForReview {
        run_id: i64,
    },
    /// Left `in_progress` by a run that died: its `check` settles it, or it
    /// is held for review.
    HalfDone {
        run_id: i64,
        check: bool,
    },
    /// Failed technically before, or its officer asked for another try.
    Again {
        run_id: i64,
        asked: bool,
    },
}

/// How an attempt that succeeded found the case.
enum Entered {
    /// Its steps entered it.
    Now,
    /// The robot's `check` found it already entered (by an earlier attempt
    /// of the robot's own), with `skip`'s message.
    Before(String),
    /// Its claim could not be written to the run log (why): not started.
    Unclaimed(String),
}

/// A case the run was stopped in: its ledger entry stays `in_progress`, so
/// the next run checks it (or holds it for review) before entering it again.
fn stopped_mid_case(reason: StopReason, attempts: u32) -> CaseEnd {
    let message = format!("{}, in the middle of this case; check it by hand", reason.message());
    CaseEnd {
        status: ItemStatus::NeedsReview,
        message: Some(message),
        attempts,
        stopped: Some(reason),
        unrecorded: None,
    }
}
