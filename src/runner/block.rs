//! A list of steps run in order: each step is reported as it ends, the first
//! failure ends the block, and a failure gets its evidence and its place in
//! the robot file. A stop from outside abandons the step under way.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use chrono::Utc;

use crate::browser::Browser;
use crate::robot::step::Step;
use crate::runner::event::{Block, RunEvent, StepOutcome, StepRecord};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;
use crate::runner::stop::stopped;

pub(super) type BoxFuture<'f, T> = Pin<Box<dyn Future<Output = T> + Send + 'f>>;

impl<B: Browser> Runner<'_, B> {
    /// Runs a list of steps; the first failure ends the block.
    pub(super) fn block<'s>(
        &'s mut self,
        block: Block,
        steps: &'s [Step],
        item: Option<usize>,
    ) -> BoxFuture<'s, Result<(), Failure>> {
        Box::pin(async move {
            for (index, step) in steps.iter().enumerate() {
                let started_at = Utc::now();
                let started = Instant::now();
                let mut stop = self.stop.clone();
                let result = tokio::select! {
                    biased;
                    reason = stopped(stop.as_mut()) => Err(Failure::Stopped(reason)),
                    result = self.step(step, block, item) => result,
                };
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
                    item,
                    index,
                    keyword: step.action.keyword().name(),
                    summary: step.action.summary(),
                    line: step.pos.line,
                    started_at,
                    duration: started.elapsed(),
                    outcome,
                    error,
                }));
                if let Err(failure) = result {
                    return Err(self.failed(step, block, item, failure).await);
                }
            }
            Ok(())
        })
    }

    /// What a failed step hands up: evidence saved (unless a `retry` block
    /// will try again, or the run was stopped), and a technical failure
    /// located at its line.
    async fn failed(&mut self, step: &Step, block: Block, item: Option<usize>, failure: Failure) -> Failure {
        if matches!(failure, Failure::Skip(_) | Failure::Stopped(_)) {
            return failure;
        }
        if !(self.quiet > 0 && matches!(failure, Failure::System(_))) {
            let mut label = match item {
                Some(seq) => format!("item-{}", seq + 1),
                None => block.as_str().to_string(),
            };
            if self.attempt > 0 && item.is_some() {
                label.push_str(&format!("-retry-{}", self.attempt));
            }
            self.save_evidence(item, &label).await;
            let url = self.browser.current_url().await.ok();
            let step_text = format!("line {} `{}` {}", step.pos.line, step.action.keyword(), step.action.summary());
            self.emit(RunEvent::FailedAt { item, url, step: step_text });
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
