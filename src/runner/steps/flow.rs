//! Steps that hold other steps or end a case: `if`, `for_each`, `retry`,
//! `use`, and `log`.

use std::time::Duration;

use crate::browser::Browser;
use crate::robot::condition::Condition;
use crate::robot::expr::{Namespace, Scope, Template};
use crate::robot::step::Step;
use crate::runner::case::Case;
use crate::runner::event::{Block, RunEvent};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::helpers::restore;
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    pub(super) fn log(&mut self, message: &Template, case: Option<&Case>) -> Result<(), Failure> {
        let message = self.render_message(message);
        self.emit(RunEvent::Log { item: case.map(Case::seq), message });
        Ok(())
    }

    pub(super) async fn if_step(
        &mut self,
        condition: &Condition,
        then: &[Step],
        otherwise: &[Step],
        block: Block,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let holds = self.holds(condition).await?;
        self.block(block, if holds { then } else { otherwise }, case).await
    }

    /// A system exception unless the condition holds: now, or within the
    /// step's own `timeout` when it has one.
    pub(super) async fn assert(
        &mut self,
        condition: &Condition,
        message: Option<&Template>,
        timeout: Option<Duration>,
    ) -> Result<(), Failure> {
        let held = match timeout {
            Some(timeout) => match self.wait_until(condition, timeout, "assert").await {
                Err(Failure::System(SystemError::TimedOut { .. })) => false,
                other => other.map(|_| true)?,
            },
            None => self.holds(condition).await?,
        };
        if held {
            return Ok(());
        }
        let what = format!("assert {} does not hold", condition.describe());
        let message = match message {
            Some(m) => format!("{} ({what})", self.render_message(m)),
            None => what,
        };
        Err(SystemError::AssertFailed { message }.into())
    }

    pub(super) async fn for_each(
        &mut self,
        list: &str,
        name: &str,
        steps: &[Step],
        block: Block,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let text = match list.strip_prefix("item.") {
            Some(field) => self.scope.lookup(Namespace::Item, field)?,
            None => self.scope.lookup(Namespace::Var, list)?,
        };
        // A list walks each element; an element that XML held once (an
        // object, or text) walks once; nothing walks no times.
        let elements = match serde_json::from_str(&text) {
            Ok(serde_json::Value::Array(elements)) => elements,
            Ok(one) => vec![one],
            Err(_) if text.is_empty() => Vec::new(),
            Err(_) => vec![serde_json::Value::String(text)],
        };
        let before = self.scope.vars.get(name).cloned();
        let mut result = Ok(());
        for element in elements {
            let value = match element {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            self.scope.vars.insert(name.to_string(), value);
            result = self.block(block, steps, case).await;
            if result.is_err() {
                break;
            }
        }
        restore(&mut self.scope.vars, name, before);
        result
    }

    /// Runs `steps` again after a system exception, `times` times in all;
    /// tries before the last leave no evidence.
    pub(super) async fn retry(
        &mut self,
        times: u32,
        pause: Duration,
        steps: &[Step],
        block: Block,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let mut tries = 0;
        loop {
            tries += 1;
            let last = tries >= times;
            if !last {
                self.quiet += 1;
            }
            let result = self.block(block, steps, case).await;
            if !last {
                self.quiet -= 1;
            }
            match result {
                Err(Failure::System(error)) if !last => {
                    let message = format!("try {tries} of {times} failed, trying again: {error}");
                    self.emit(RunEvent::Log { item: case.map(Case::seq), message });
                    if let Some(reason) = self.pause(pause).await {
                        return Err(Failure::Stopped(reason));
                    }
                    // The next try starts from a known state, as a case does.
                    self.known_state().await?;
                }
                other => return other,
            }
        }
    }

    /// Runs another file's steps with its parameters set, and puts the
    /// variables they shadowed back afterwards.
    pub(super) async fn use_steps(
        &mut self,
        args: &[(String, Template)],
        steps: &[Step],
        block: Block,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let mut saved = Vec::with_capacity(args.len());
        for (name, value) in args {
            let value = value.render(&self.scope)?;
            saved.push((name.clone(), self.scope.vars.insert(name.clone(), value)));
        }
        let result = self.block(block, steps, case).await;
        for (name, before) in saved {
            restore(&mut self.scope.vars, &name, before);
        }
        result
    }
}
