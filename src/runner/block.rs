//! A list of steps run in order: each step is reported as it ends, the first
//! failure ends the block, and a failure gets its evidence and its place in
//! the robot file. A stop from outside abandons the step under way.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::browser::Browser;
use crate::robot::step::{Keyword, Step};
use crate::runner::attempt::PROBE_LIMIT;
use crate::runner::case::Case;
use crate::runner::event::{Block, RunEvent, StepOutcome, StepRecord};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;
use crate::runner::stop::stopped;

/// What a step gets beyond its own waits before it counts as hung.
pub(super) const STEP_MARGIN: Duration = Duration::from_secs(10);

pub(super) type BoxFuture<'f, T> = Pin<Box<dyn Future<Output = T> + Send + 'f>>;

impl<B: Browser> Runner<'_, B> {
    /// Runs a list of steps; the first failure ends the block.
    pub(super) fn block<'s>(
        &'s mut self,
        block: Block,
        steps: &'s [Step],
        case: Option<&'s Case>,
    ) -> BoxFuture<'s, Result<(), Failure>> {
        Box::pin(async move {
            for (index, step) in steps.iter().enumerate() {
                let started_at = Utc::now();
                let started = Instant::now();
                self.step_line = step.pos.line;
                let derived_before = self.scope.derived_count();
                let mut result = self.guarded(step, block, case).await;
                // A system that ended the session: log in again, try once more.
                if self.session_may_have_ended(step, block, &result) && self.session_expired().await {
                    result = match self.log_in_again(case).await {
                        Ok(()) => self.guarded(step, block, case).await,
                        Err(failure) => Err(failure),
                    };
                }
                // A step that typed a secret keeps no picture of the page
                // (asked before the step's record takes the derived values).
                let typed_a_secret = self.scope.derived_count() > derived_before
                    && matches!(step.action.keyword(), Keyword::Fill | Keyword::Type | Keyword::Press);
                let sensitive = step.sensitive || typed_a_secret;
                // A step holding steps reports those itself; a failure inside
                // it is reported there, not again here.
                if step.action.holds_steps() && result.is_err() {
                    return result;
                }
                let (outcome, error) = match &result {
                    Ok(()) => (StepOutcome::Ok, None),
                    Err(f @ Failure::Skip(_)) => (StepOutcome::Skipped, Some(f.to_string())),
                    Err(f @ Failure::Business(_)) => (StepOutcome::BusinessException, Some(f.to_string())),
                    Err(f) => (StepOutcome::Failed, Some(f.to_string())),
                };
                self.emit(RunEvent::Step(StepRecord {
                    block,
                    item: case.map(Case::seq),
                    index,
                    keyword: step.action.keyword().name(),
                    summary: step.action.summary(),
                    line: step.pos.line,
                    started_at,
                    duration: started.elapsed(),
                    outcome,
                    error,
                }));
                for (target, count) in self.browser.take_several() {
                    let message =
                        format!("line {}: {target} matched {count} elements; the step took the first", step.pos.line);
                    self.emit(RunEvent::Log { item: case.map(Case::seq), message });
                }
                if let Err(failure) = result {
                    return Err(self.failed(step, block, case, failure, sensitive).await);
                }
            }
            Ok(())
        })
    }

    /// One step, abandoned when the run is stopped and cut off when the
    /// browser stops answering.
    async fn guarded(&mut self, step: &Step, block: Block, case: Option<&Case>) -> Result<(), Failure> {
        let mut stop = self.stop.clone();
        let limit = self.step_limit(step);
        tokio::select! {
            biased;
            reason = stopped(stop.as_mut()) => Err(Failure::Stopped(reason)),
            result = self.step(step, block, case) => result,
            () = sleep_for(limit) => {
                let keyword = step.action.keyword().name();
                Err(SystemError::Unresponsive { keyword, limit: limit.unwrap_or_default() }.into())
            }
        }
    }

    /// The longest a step may take before the browser counts as not
    /// answering: three times its timeout (its element waits, and a
    /// `download`'s wait for the file), the page-load limit and `STEP_MARGIN`.
    /// None for a step that holds steps; those are bounded by their own.
    fn step_limit(&self, step: &Step) -> Option<Duration> {
        if step.action.holds_steps() {
            return None;
        }
        let timeout = step.timeout.unwrap_or(self.robot.timeouts.step);
        Some(timeout.saturating_mul(3).saturating_add(self.robot.timeouts.page_load).saturating_add(STEP_MARGIN))
    }

    /// What a failed step hands up: evidence saved (unless a `retry` block
    /// will try again, or the run was stopped), and a technical failure
    /// located at its line.
    async fn failed(
        &mut self,
        step: &Step,
        block: Block,
        case: Option<&Case>,
        failure: Failure,
        sensitive: bool,
    ) -> Failure {
        if matches!(failure, Failure::Skip(_) | Failure::Stopped(_)) {
            return failure;
        }
        if sensitive {
            let message = format!("line {}: a sensitive step failed; no screenshot or page was kept", step.pos.line);
            self.emit(RunEvent::Log { item: case.map(Case::seq), message });
        } else if !(self.quiet > 0 && matches!(failure, Failure::System(_))) {
            // Evidence is named by the case's key, as mail attaches it.
            let label = match case {
                Some(case) => case.evidence_label(self.robot.notify.mask_personnummer),
                // Each worker has its own setup and teardown, and evidence of its own.
                None if self.worker > 1 => format!("{}-worker-{}", block.as_str(), self.worker),
                None => block.as_str().to_string(),
            };
            self.save_evidence(case, &label).await;
            let url = tokio::time::timeout(PROBE_LIMIT, self.browser.current_url()).await.ok().and_then(Result::ok);
            let step_text = format!("line {} `{}` {}", step.pos.line, step.action.keyword(), step.action.summary());
            self.emit(RunEvent::FailedAt { item: case.map(Case::seq), url, step: step_text });
        }
        match failure {
            Failure::Business(_) => failure,
            other => Failure::System(SystemError::Step {
                line: step.pos.line,
                keyword: step.action.keyword().name(),
                cause: Box::new(other),
            }),
        }
    }
}

/// Sleeps for `limit`, or for ever without one.
async fn sleep_for(limit: Option<Duration>) {
    match limit {
        Some(limit) => tokio::time::sleep(limit).await,
        None => std::future::pending().await,
    }
}
