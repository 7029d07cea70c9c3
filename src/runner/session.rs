//! Sessions that the target system ends mid-run (`session:`), and the steps
//! run after a case has ended (`items.on_done`, `items.on_exception`).

use crate::browser::Browser;
use crate::robot::step::{Action, Step};
use crate::runner::attempt::PROBE_LIMIT;
use crate::runner::case::Case;
use crate::runner::event::{Block, RunEvent};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// Whether to ask if the session ended: the robot says how to tell, the
    /// step is a case's own, and it failed or it was a `goto` (a system that
    /// ended the session answers any address with its login page).
    pub(super) fn session_may_have_ended(&self, step: &Step, block: Block, result: &Result<(), Failure>) -> bool {
        let in_case = matches!(block, Block::Item | Block::Check | Block::OnDone | Block::OnException);
        let suspicious = matches!(result, Err(Failure::System(_))) || matches!(step.action, Action::Goto { .. });
        self.robot.session.is_some() && in_case && !step.action.holds_steps() && suspicious
    }

    /// Whether the robot's `session.expired` holds now; a page that does not
    /// answer within `PROBE_LIMIT` counts as a session that did not end.
    pub(super) async fn session_expired(&mut self) -> bool {
        let Some(session) = &self.robot.session else { return false };
        matches!(tokio::time::timeout(PROBE_LIMIT, self.holds(&session.expired)).await, Ok(Ok(true)))
    }

    /// Runs `session.login`; a login that fails is a system exception of the case.
    pub(super) async fn log_in_again(&mut self, case: Option<&Case>) -> Result<(), Failure> {
        let robot = self.robot;
        let Some(session) = &robot.session else { return Ok(()) };
        let line = self.step_line;
        self.emit(RunEvent::Log {
            item: case.map(Case::seq),
            message: "the session had ended; logging in again".into(),
        });
        let result = self.block(Block::Session, &session.login, case).await;
        self.step_line = line;
        match result {
            Err(Failure::Stopped(reason)) => Err(Failure::Stopped(reason)),
            Err(failure) => Err(SystemError::LoginAgain(Box::new(failure)).into()),
            Ok(()) => Ok(()),
        }
    }

    /// Before a case: a session that has ended is renewed first.
    pub(super) async fn renew_session(&mut self, case: Option<&Case>) -> Result<(), Failure> {
        if self.robot.session.is_some() && self.session_expired().await {
            self.log_in_again(case).await?;
        }
        Ok(())
    }

    /// `on_done` or `on_exception` after a case ended; `message` is the
    /// business exception's. A failure there is logged as the case's, and
    /// the case's own outcome stands.
    pub(super) async fn after_case(&mut self, block: Block, case: &Case, message: Option<&str>) {
        let robot = self.robot;
        let Some(items) = &robot.items else { return };
        let steps = if block == Block::OnDone { &items.on_done } else { &items.on_exception };
        if steps.is_empty() {
            return;
        }
        let before = message.map(|m| {
            let exception = serde_json::json!({ "message": m }).to_string();
            self.scope.vars.insert("exception".into(), exception)
        });
        if let Err(failure) = self.block(block, steps, Some(case)).await {
            let message = format!(
                "`{}` failed after the case had ended; the case's own outcome stands: {failure}",
                block.as_str()
            );
            self.emit(RunEvent::Log { item: Some(case.seq), message });
        }
        if let Some(before) = before {
            crate::runner::helpers::restore(&mut self.scope.vars, "exception", before);
        }
    }
}
