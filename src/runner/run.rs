//! One run of one robot: setup, every item, teardown.
//!
//! A `fail` step is a business exception: the case is reported and the run
//! goes on. Any other failure is a system exception: evidence is saved, the
//! browser is restarted if it died, setup (the login) runs again, and the case
//! is retried with a growing pause; when its retries run out it is given up,
//! and after `retry.stop_after` such cases in a row the run stops as failed,
//! since the target system is most likely down.
//!
//! Every case goes through the robot's ledger: `in_progress` before its first
//! step, `done` after its last. A case already `done` is skipped; one left
//! `in_progress` by a run that died is settled by the robot's `check` steps, or
//! else marked `needs_review`, never entered again blindly.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{Local, Utc};

use crate::browser::{Browser, BrowserError, Condition, DialogAnswer, SelectBy, WindowTarget};
use crate::redact::Redactor;
use crate::robot::checks;
use crate::robot::expr::{RenderError, Template};
use crate::robot::locator::Locator;
use crate::robot::model::{ItemSource, Robot};
use crate::robot::step::{Action, Check, Choice, FileFormat, Identifier, Step, WaitTarget, WindowSpec};
use crate::runner::event::{
    Block, EventSink, EvidenceKind, ItemStatus, LedgerEntry, LedgerState, RunEvent, RunStatus, StepOutcome, StepRecord,
};
use crate::runner::scope::RunScope;
use crate::runner::source::{Row, append_csv, fetch_json, http_json, next_cursor, read_csv, read_json, rows_json};

mod helpers;

use helpers::restore;

/// How many pages of an item table are followed at most.
pub const MAX_TABLE_PAGES: usize = 500;

/// Everything a run needs besides the robot and the browser.
#[derive(Debug, Default)]
pub struct RunContext {
    pub run_id: i64,
    pub evidence_dir: PathBuf,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, String>,
    /// `--var NAME=VALUE` from the command line; these win over `vars:`.
    pub overrides: Vec<(String, String)>,
    /// The robot's ledger as the run starts, by case key.
    pub ledger: HashMap<String, LedgerEntry>,
    /// Set from outside to stop the run after the current case (shutdown).
    pub graceful: Option<Arc<AtomicBool>>,
    /// The robot's kept cursor (`${cursor}`), for an `http` source with `cursor`.
    pub cursor: Option<String>,
}

/// What a finished run reports back to its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub status: RunStatus,
    pub error: Option<String>,
    pub items_total: usize,
    pub items_done: usize,
    pub business_exceptions: usize,
    pub system_exceptions: usize,
}

/// Why a step did not complete.
#[derive(Debug)]
enum StepError {
    /// The case is already done (from `skip`).
    Skip(String),
    /// The case cannot be handled (from `fail`).
    Business(String),
    System(String),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Skip(m) | StepError::Business(m) | StepError::System(m) => f.write_str(m),
        }
    }
}

impl From<RenderError> for StepError {
    fn from(e: RenderError) -> Self {
        StepError::System(e.to_string())
    }
}

type BoxFuture<'f, T> = Pin<Box<dyn Future<Output = T> + Send + 'f>>;

/// Runs one robot; owns the scope for the length of the run.
pub struct Runner<'a, B: Browser> {
    robot: &'a Robot,
    browser: &'a mut B,
    sink: &'a mut (dyn EventSink + Send),
    scope: RunScope,
    overrides: Vec<(String, String)>,
    ledger: HashMap<String, LedgerEntry>,
    redactor: Redactor,
    evidence_dir: PathBuf,
    screenshots: usize,
    /// Which attempt of the current case this is (0 for the first), for evidence names.
    attempt: u32,
    graceful: Option<Arc<AtomicBool>>,
    /// Inside a `retry` block's attempts but the last: failures are logged,
    /// but leave no evidence, since the block will try again.
    quiet: usize,
}

impl<'a, B: Browser> Runner<'a, B> {
    pub fn new(
        robot: &'a Robot,
        browser: &'a mut B,
        context: RunContext,
        sink: &'a mut (dyn EventSink + Send),
    ) -> Self {
        let redactor = Redactor::new(context.secrets.values().cloned());
        let mut builtins = HashMap::new();
        builtins.insert("today".to_string(), Local::now().format("%Y-%m-%d").to_string());
        builtins.insert("now".to_string(), Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        builtins.insert("run.id".to_string(), context.run_id.to_string());
        builtins.insert("run.dir".to_string(), context.evidence_dir.display().to_string());
        builtins.insert("robot.name".to_string(), robot.name.clone());
        let cursor_start = match robot.items.as_ref().map(|i| &i.source) {
            Some(ItemSource::Http { cursor_start, .. }) => cursor_start.clone(),
            _ => String::new(),
        };
        builtins.insert("cursor".to_string(), context.cursor.clone().unwrap_or(cursor_start));
        let scope = RunScope { env: context.env, secrets: context.secrets, builtins, ..RunScope::default() };
        Self {
            robot,
            browser,
            sink,
            scope,
            overrides: context.overrides,
            ledger: context.ledger,
            redactor,
            evidence_dir: context.evidence_dir,
            screenshots: 0,
            attempt: 0,
            graceful: context.graceful,
            quiet: 0,
        }
    }

    /// Runs setup, the items and teardown, and reports `RunFinished`.
    pub async fn run(mut self) -> RunSummary {
        let started = Instant::now();
        let mut summary = RunSummary {
            status: RunStatus::Succeeded,
            error: None,
            items_total: 0,
            items_done: 0,
            business_exceptions: 0,
            system_exceptions: 0,
        };
        if let Err(message) = self.init_vars() {
            summary.status = RunStatus::Failed;
            summary.error = Some(message);
        } else if let Err(e) = self.block(Block::Setup, &self.robot.setup, None).await {
            summary.status = RunStatus::Failed;
            summary.error = Some(format!("setup failed: {e}"));
        } else if let Err((status, message)) = self.items(&mut summary).await {
            summary.status = status;
            summary.error = Some(message);
        }
        // Teardown runs whatever happened before; its failure is logged but
        // does not undo the cases that were done.
        let _ = self.block(Block::Teardown, &self.robot.teardown, None).await;
        if summary.status == RunStatus::Succeeded && summary.business_exceptions + summary.system_exceptions > 0 {
            summary.status = RunStatus::SucceededWithExceptions;
        }
        summary.error = summary.error.map(|e| self.redactor.redact(&e));
        self.sink.emit(&RunEvent::RunFinished {
            status: summary.status,
            error: summary.error.clone(),
            duration: started.elapsed(),
        });
        summary
    }

    fn init_vars(&mut self) -> Result<(), String> {
        for (name, template) in &self.robot.vars {
            if let Some((_, value)) = self.overrides.iter().find(|(n, _)| n == name) {
                self.scope.vars.insert(name.clone(), value.clone());
                continue;
            }
            let value = template.render(&self.scope).map_err(|e| format!("variable `{name}`: {e}"))?;
            self.scope.vars.insert(name.clone(), value);
        }
        for (name, value) in &self.overrides {
            self.scope.vars.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Ok(())
    }

    /// Runs every case; an error ends the run with that status and message.
    async fn items(&mut self, summary: &mut RunSummary) -> Result<(), (RunStatus, String)> {
        let Some(items) = &self.robot.items else { return Ok(()) };
        let rows = match self.collect_items(&items.source).await {
            Ok(rows) => rows,
            Err(e) => {
                let message = self.redactor.redact(&e);
                self.save_evidence(None, "items").await;
                return Err((RunStatus::Failed, format!("reading the items failed: {message}")));
            }
        };
        if let Some(first) = rows.first()
            && !first.iter().any(|(k, _)| *k == items.key)
        {
            let columns: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
            let message = format!("the items have no field `{}` (they have: {})", items.key, columns.join(", "));
            return Err((RunStatus::Failed, message));
        }
        summary.items_total = rows.len();
        self.sink.emit(&RunEvent::ItemsFound { total: rows.len() });
        let cursor_field = match &items.source {
            ItemSource::Http { cursor: Some(field), .. } => Some(field.clone()),
            _ => None,
        };
        let mut cursor_seen: Vec<(String, bool)> = Vec::new();
        let result = self.each_item(rows, &items.key, cursor_field.as_deref(), &mut cursor_seen, summary).await;
        if cursor_field.is_some() {
            let start = self.scope.builtins.get("cursor").cloned().unwrap_or_default();
            let value = next_cursor(&start, cursor_seen);
            if value != start {
                self.sink.emit(&RunEvent::Cursor { value });
            }
        }
        result
    }

    async fn each_item(
        &mut self,
        rows: Vec<Row>,
        key_field: &str,
        cursor_field: Option<&str>,
        cursor_seen: &mut Vec<(String, bool)>,
        summary: &mut RunSummary,
    ) -> Result<(), (RunStatus, String)> {
        let mut failures_in_a_row = 0;
        for (seq, row) in rows.into_iter().enumerate() {
            if self.graceful.as_ref().is_some_and(|g| g.load(Ordering::SeqCst)) {
                let message = format!("stopped for shutdown after {seq} of {} case(s)", summary.items_total);
                return Err((RunStatus::Interrupted, message));
            }
            let key = row.iter().find(|(k, _)| k == key_field).map(|(_, v)| v.clone()).unwrap_or_default();
            let cursor_value = cursor_field.and_then(|f| row.iter().find(|(k, _)| k == f)).map(|(_, v)| v.clone());
            let handler = self.robot.notify.handler_field.as_ref().and_then(|field| {
                row.iter().find(|(k, _)| k == field).map(|(_, v)| v.trim().to_string()).filter(|v| v.contains('@'))
            });
            self.sink.emit(&RunEvent::ItemStarted { seq, key: key.clone(), started_at: Utc::now(), handler });
            let started = Instant::now();
            self.scope.item = Some(row);
            let (status, message, attempts) = self.item(seq, &key).await;
            self.scope.item = None;
            if let Some(value) = cursor_value {
                let settled = !matches!(status, ItemStatus::SystemException | ItemStatus::NeedsReview);
                cursor_seen.push((value, settled));
            }
            match status {
                ItemStatus::Done => summary.items_done += 1,
                ItemStatus::BusinessException => summary.business_exceptions += 1,
                ItemStatus::SystemException => summary.system_exceptions += 1,
                ItemStatus::Skipped | ItemStatus::NeedsReview | ItemStatus::Running => {}
            }
            failures_in_a_row = if status == ItemStatus::SystemException { failures_in_a_row + 1 } else { 0 };
            let message = message.map(|m| self.redactor.redact(&m));
            self.sink.emit(&RunEvent::ItemFinished { seq, status, message, duration: started.elapsed(), attempts });
            if failures_in_a_row >= self.robot.retry.stop_after {
                return Err((
                    RunStatus::Failed,
                    format!(
                        "stopped after {failures_in_a_row} system exceptions in a row; the target system may be down"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// One case, through the ledger: returns its status, message and attempts made.
    async fn item(&mut self, seq: usize, key: &str) -> (ItemStatus, Option<String>, u32) {
        let has_check = self.robot.items.as_ref().is_some_and(|i| i.check.is_some());
        match self.ledger.get(key).copied() {
            Some(LedgerEntry { state: LedgerState::Done, run_id }) => {
                (ItemStatus::Skipped, Some(format!("already entered by run {run_id}")), 0)
            }
            Some(LedgerEntry { state: LedgerState::NeedsReview, run_id }) => (
                ItemStatus::NeedsReview,
                Some(format!("run {run_id} stopped while entering this case; check it by hand")),
                0,
            ),
            Some(LedgerEntry { state: LedgerState::InProgress, run_id }) if !has_check => {
                self.ledger_update(key, Some(LedgerState::NeedsReview));
                (
                    ItemStatus::NeedsReview,
                    Some(format!("run {run_id} stopped while entering this case; check it by hand")),
                    0,
                )
            }
            Some(LedgerEntry { state: LedgerState::InProgress | LedgerState::Failed, .. }) => {
                self.attempts(seq, key, has_check).await
            }
            None => self.attempts(seq, key, false).await,
        }
    }

    /// Tries a case until it is done, skipped, a business exception, or out of retries.
    async fn attempts(&mut self, seq: usize, key: &str, check_first: bool) -> (ItemStatus, Option<String>, u32) {
        let Some(items) = self.robot.items.as_ref() else { return (ItemStatus::Skipped, None, 0) };
        let policy = self.robot.retry;
        let mut check = check_first;
        self.attempt = 0;
        loop {
            let result = self.attempt_once(seq, key, items.check.as_deref().filter(|_| check), &items.steps).await;
            let attempts = self.attempt + 1;
            match result {
                Ok(()) => {
                    self.ledger_update(key, Some(LedgerState::Done));
                    return (ItemStatus::Done, None, attempts);
                }
                Err(StepError::Skip(message)) => {
                    self.ledger_update(key, Some(LedgerState::Done));
                    return (ItemStatus::Skipped, Some(message), attempts);
                }
                Err(StepError::Business(message)) => {
                    self.ledger_update(key, None);
                    return (ItemStatus::BusinessException, Some(message), attempts);
                }
                Err(StepError::System(message)) if self.attempt >= policy.max_retries => {
                    self.ledger_update(key, Some(LedgerState::Failed));
                    return (ItemStatus::SystemException, Some(message), attempts);
                }
                Err(StepError::System(message)) => {
                    self.attempt += 1;
                    let error = self.redactor.redact(&message);
                    self.sink.emit(&RunEvent::ItemRetry { seq, attempt: self.attempt, error });
                    tokio::time::sleep(policy.backoff * 2u32.saturating_pow(self.attempt - 1)).await;
                    check = true;
                }
            }
        }
    }

    /// One attempt: recover the session if this is a retry, run `check` when
    /// asked, then the case's steps.
    async fn attempt_once(
        &mut self,
        seq: usize,
        key: &str,
        check: Option<&'a [Step]>,
        steps: &'a [Step],
    ) -> Result<(), StepError> {
        if self.attempt > 0 {
            self.recover().await?;
        }
        if let Some(check) = check {
            self.block(Block::Check, check, Some(seq)).await?;
        }
        self.ledger_update(key, Some(LedgerState::InProgress));
        self.block(Block::Item, steps, Some(seq)).await
    }

    /// Before a retry: a new browser session if the old one died, then setup again.
    async fn recover(&mut self) -> Result<(), StepError> {
        // A dialog or popup the failed attempt left open would stop the first
        // step of setup; a browser that cannot answer these is checked next.
        let _ = self.browser.dialog(&DialogAnswer::Dismiss, std::time::Duration::ZERO).await;
        let _ = self.browser.window(&WindowTarget::Main, std::time::Duration::ZERO).await;
        if self.browser.current_url().await.is_err() {
            self.browser
                .restart()
                .await
                .map_err(|e| StepError::System(format!("restarting the browser failed: {e}")))?;
        }
        match self.block(Block::Setup, &self.robot.setup, None).await {
            Err(e) => Err(StepError::System(format!("setup failed before the retry: {e}"))),
            Ok(()) => Ok(()),
        }
    }

    fn ledger_update(&mut self, key: &str, state: Option<LedgerState>) {
        self.sink.emit(&RunEvent::Ledger { key: key.to_string(), state });
    }

    /// Reads every item before the first is processed.
    async fn collect_items(&mut self, source: &ItemSource) -> Result<Vec<Row>, String> {
        let timeout = self.robot.timeouts.step;
        let base = self.robot.path.parent().map(PathBuf::from).unwrap_or_default();
        match source {
            ItemSource::Table { locator, next_page } => {
                let selector = locator.resolve(&self.scope).map_err(|e| e.to_string())?;
                let next = next_page.as_ref().map(|l| l.resolve(&self.scope)).transpose().map_err(|e| e.to_string())?;
                let mut rows = Vec::new();
                for _ in 0..MAX_TABLE_PAGES {
                    let table = self.browser.read_table(&selector, timeout).await.map_err(|e| e.to_string())?;
                    for cells in table.rows {
                        rows.push(table.headers.iter().cloned().zip(cells).collect());
                    }
                    let Some(next) = &next else { break };
                    if !self.browser.exists(next).await.map_err(|e| e.to_string())? {
                        break;
                    }
                    self.browser.click(next, timeout).await.map_err(|e| e.to_string())?;
                }
                Ok(rows)
            }
            ItemSource::Csv { path } => read_csv(&base.join(path.render(&self.scope).map_err(|e| e.to_string())?)),
            ItemSource::Json { path } => read_json(&base.join(path.render(&self.scope).map_err(|e| e.to_string())?)),
            ItemSource::Http { url, items_at, .. } => {
                let url = url.render(&self.scope).map_err(|e| e.to_string())?;
                let items_at = items_at.clone();
                let timeout = self.robot.timeouts.page_load;
                tokio::task::spawn_blocking(move || fetch_json(&url, items_at.as_deref(), timeout))
                    .await
                    .map_err(|e| e.to_string())?
            }
        }
    }

    /// Runs a list of steps; the first failure ends the block.
    fn block<'s>(
        &'s mut self,
        block: Block,
        steps: &'s [Step],
        item: Option<usize>,
    ) -> BoxFuture<'s, Result<(), StepError>> {
        Box::pin(async move {
            for (index, step) in steps.iter().enumerate() {
                let started_at = Utc::now();
                let started = Instant::now();
                let result = self.step(step, block, item).await;
                // A step holding steps reports those itself; a failure inside
                // it is reported there, not again here.
                let holds_steps = matches!(
                    step.action,
                    Action::If { .. } | Action::ForEach { .. } | Action::Retry { .. } | Action::Use { .. }
                );
                if holds_steps && result.is_err() {
                    return result;
                }
                let (outcome, error) = match &result {
                    Ok(()) => (StepOutcome::Ok, None),
                    Err(StepError::Skip(m)) => (StepOutcome::Skipped, Some(self.redactor.redact(m))),
                    Err(StepError::Business(m)) => (StepOutcome::BusinessException, Some(self.redactor.redact(m))),
                    Err(StepError::System(m)) => (StepOutcome::Failed, Some(self.redactor.redact(m))),
                };
                self.sink.emit(&RunEvent::Step(StepRecord {
                    block,
                    item,
                    index,
                    keyword: step.action.keyword(),
                    summary: self.redactor.redact(&step.action.summary()),
                    line: step.pos.line,
                    started_at,
                    duration: started.elapsed(),
                    outcome,
                    error: error.clone(),
                }));
                match result {
                    Ok(()) => {}
                    Err(StepError::Skip(m)) => return Err(StepError::Skip(m)),
                    Err(StepError::System(_)) if self.quiet > 0 => {
                        let (keyword, message) = (step.action.keyword(), error.unwrap_or_default());
                        return Err(StepError::System(format!(
                            "line {}: `{keyword}` failed: {message}",
                            step.pos.line
                        )));
                    }
                    Err(e) => {
                        let mut label = match item {
                            Some(seq) => format!("item-{}", seq + 1),
                            None => block.as_str().to_string(),
                        };
                        if self.attempt > 0 && item.is_some() {
                            label.push_str(&format!("-retry-{}", self.attempt));
                        }
                        self.save_evidence(item, &label).await;
                        let url = self.browser.current_url().await.ok().map(|u| self.redactor.redact(&u));
                        let step_text = format!(
                            "line {} `{}` {}",
                            step.pos.line,
                            step.action.keyword(),
                            self.redactor.redact(&step.action.summary())
                        );
                        self.sink.emit(&RunEvent::FailedAt { item, url, step: step_text });
                        let message = error.unwrap_or_default();
                        return Err(match e {
                            StepError::Business(_) => StepError::Business(message),
                            _ => StepError::System(format!(
                                "line {}: `{}` failed: {message}",
                                step.pos.line,
                                step.action.keyword()
                            )),
                        });
                    }
                }
            }
            Ok(())
        })
    }

    async fn step(&mut self, step: &Step, block: Block, item: Option<usize>) -> Result<(), StepError> {
        let timeout = step.timeout.unwrap_or(self.robot.timeouts.step);
        let system = |e: BrowserError| StepError::System(e.to_string());
        match &step.action {
            Action::Goto { url } => {
                let url = url.render(&self.scope)?;
                self.browser.goto(&url).await.map_err(system)
            }
            Action::Click { target } => {
                let selector = self.locate(target, timeout, item).await?;
                self.browser.click(&selector, timeout).await.map_err(system)
            }
            Action::Fill { fields, submit } => {
                let mut resolved = Vec::with_capacity(fields.len());
                for (locator, value) in fields {
                    let selector = self.locate(locator, timeout, item).await?;
                    resolved.push((selector, value.render(&self.scope)?));
                }
                let submit = match submit {
                    Some(l) => Some(self.locate(l, timeout, item).await?),
                    None => None,
                };
                self.browser.fill(&resolved, submit.as_ref(), timeout).await.map_err(system)
            }
            Action::Type { target, text, clear } => {
                let selector = self.locate(target, timeout, item).await?;
                let text = text.render(&self.scope)?;
                self.browser.type_text(&selector, &text, *clear, timeout).await.map_err(system)
            }
            Action::Select { target, choice } => {
                let selector = self.locate(target, timeout, item).await?;
                let choice = match choice {
                    Choice::Label(t) => SelectBy::Label(t.render(&self.scope)?),
                    Choice::Value(t) => SelectBy::Value(t.render(&self.scope)?),
                };
                self.browser.select(&selector, &choice, timeout).await.map_err(system)
            }
            Action::WaitFor { target } => {
                let condition = match target {
                    WaitTarget::Element(l) => Condition::Element(self.locate(l, timeout, item).await?),
                    WaitTarget::Text(t) => Condition::Text(t.render(&self.scope)?),
                    WaitTarget::Url(t) => Condition::Url(t.render(&self.scope)?),
                    // Gone means every entry of a list is gone, within the one timeout.
                    WaitTarget::Gone(l) => {
                        let deadline = Instant::now() + timeout;
                        for candidate in l.candidates() {
                            let gone = Condition::Gone(self.resolve(candidate)?);
                            let left = deadline.saturating_duration_since(Instant::now());
                            self.browser.wait_for(&gone, left).await.map_err(system)?;
                        }
                        return Ok(());
                    }
                };
                self.browser.wait_for(&condition, timeout).await.map_err(system)
            }
            Action::ReadText { from, into, attribute } => {
                let selector = self.locate(from, timeout, item).await?;
                let text = match attribute {
                    Some(name) => self.browser.read_attribute(&selector, name, timeout).await,
                    None => self.browser.read_text(&selector, timeout).await,
                };
                self.scope.vars.insert(into.clone(), text.map_err(system)?);
                Ok(())
            }
            Action::ReadTable { from, into } => {
                let selector = self.locate(from, timeout, item).await?;
                let table = self.browser.read_table(&selector, timeout).await.map_err(system)?;
                let rows: Vec<serde_json::Map<String, serde_json::Value>> = table
                    .rows
                    .iter()
                    .map(|cells| table.headers.iter().cloned().zip(cells.iter().map(|c| c.clone().into())).collect())
                    .collect();
                self.scope.vars.insert(into.clone(), serde_json::to_string(&rows).unwrap_or_default());
                Ok(())
            }
            Action::Fail { message } => Err(StepError::Business(self.render_message(message))),
            Action::Skip { message } => Err(StepError::Skip(self.render_message(message))),
            Action::Validate { kind, value, message } => {
                let text = value.render(&self.scope)?;
                let checked = match kind {
                    Identifier::Personnummer => checks::personnummer(&text, Local::now().date_naive()),
                    Identifier::Organisationsnummer => checks::organisationsnummer(&text),
                    Identifier::Email => checks::email(&text),
                    Identifier::Date => checks::date(&text),
                };
                match (checked, message) {
                    (Ok(_), _) => Ok(()),
                    (Err(_), Some(message)) => Err(StepError::Business(self.render_message(message))),
                    (Err(reason), None) => Err(StepError::Business(
                        self.redactor.redact(&format!("`{text}` is not a valid {}: {reason}", kind.name())),
                    )),
                }
            }
            Action::If { condition, then, otherwise } => {
                let holds = self.holds(condition).await?;
                self.block(block, if holds { then } else { otherwise }, item).await
            }
            Action::Log { message } => {
                let message = self.render_message(message);
                self.sink.emit(&RunEvent::Log { item, message });
                Ok(())
            }
            Action::SetChecked { target, checked } => {
                let selector = self.locate(target, timeout, item).await?;
                self.browser.set_checked(&selector, *checked, timeout).await.map_err(system)
            }
            Action::Press { keys, target } => {
                let selector = match target {
                    Some(l) => Some(self.locate(l, timeout, item).await?),
                    None => None,
                };
                self.browser.press(selector.as_ref(), keys, timeout).await.map_err(system)
            }
            Action::Frame { target } => {
                let selector = match target {
                    Some(l) => Some(self.locate(l, timeout, item).await?),
                    None => None,
                };
                self.browser.frame(selector.as_ref(), timeout).await.map_err(system)
            }
            Action::Window { target } => {
                let target = match target {
                    WindowSpec::New => WindowTarget::New,
                    WindowSpec::Main => WindowTarget::Main,
                    WindowSpec::Close => WindowTarget::Close,
                    WindowSpec::Title(t) => WindowTarget::Title(t.render(&self.scope)?),
                };
                self.browser.window(&target, timeout).await.map_err(system)
            }
            Action::Dialog { accept, prompt, into } => {
                let answer = match (accept, prompt) {
                    (true, Some(t)) => DialogAnswer::Accept(Some(t.render(&self.scope)?)),
                    (true, None) => DialogAnswer::Accept(None),
                    (false, _) => DialogAnswer::Dismiss,
                };
                let text = self.browser.dialog(&answer, timeout).await.map_err(system)?;
                if let Some(into) = into {
                    self.scope.vars.insert(into.clone(), text);
                }
                Ok(())
            }
            Action::Upload { target, file } => {
                let path = self.path(file)?;
                if !path.is_file() {
                    return Err(StepError::System(format!("there is no file `{}` to upload", path.display())));
                }
                let path = path.canonicalize().unwrap_or(path);
                let selector = self.locate(target, timeout, item).await?;
                self.browser.upload(&selector, &path, timeout).await.map_err(system)
            }
            Action::Download { click, save_as, into } => {
                let saved = self.download(click, save_as.as_ref(), timeout, item).await?;
                self.sink.emit(&RunEvent::Log { item, message: format!("downloaded `{}`", saved.display()) });
                if let Some(into) = into {
                    self.scope.vars.insert(into.clone(), saved.display().to_string());
                }
                Ok(())
            }
            Action::Script { code, args, into } => {
                let args = args.iter().map(|a| a.render(&self.scope)).collect::<Result<Vec<_>, _>>()?;
                let result = self.browser.run_script(code, &args).await.map_err(system)?;
                if let Some(into) = into {
                    self.scope.vars.insert(into.clone(), result);
                }
                Ok(())
            }
            Action::Set { values } => {
                for (name, value) in values {
                    let value = value.render(&self.scope)?;
                    self.scope.vars.insert(name.clone(), value);
                }
                Ok(())
            }
            Action::Http { method, url, body, into } => {
                let url = url.render(&self.scope)?;
                let body = body.as_ref().map(|b| self.json(b)).transpose()?;
                let method = method.name();
                let wait = self.robot.timeouts.page_load;
                let answer = tokio::task::spawn_blocking(move || http_json(method, &url, body.as_ref(), wait))
                    .await
                    .map_err(|e| StepError::System(e.to_string()))?
                    .map_err(StepError::System)?;
                if let Some(into) = into {
                    self.scope.vars.insert(into.clone(), answer);
                }
                Ok(())
            }
            Action::ReadFile { format, file, into } => {
                let path = self.path(file)?;
                let rows = match format {
                    FileFormat::Csv => read_csv(&path),
                    FileFormat::Json => read_json(&path),
                }
                .map_err(StepError::System)?;
                self.scope.vars.insert(into.clone(), rows_json(&rows));
                Ok(())
            }
            Action::WriteCsv { file, row, separator } => {
                let path = self.path(file)?;
                let mut values = Vec::with_capacity(row.len());
                for (column, value) in row {
                    values.push((column.clone(), value.render(&self.scope)?));
                }
                append_csv(&path, &values, *separator).map_err(StepError::System)
            }
            Action::WriteJson { file, json } => {
                let path = self.path(file)?;
                let text = serde_json::to_string_pretty(&self.json(json)?).unwrap_or_default();
                let written = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    Some(dir) => std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text + "\n")),
                    None => std::fs::write(&path, text + "\n"),
                };
                written.map_err(|e| StepError::System(format!("failed to write `{}`: {e}", path.display())))
            }
            Action::ForEach { list, name, steps } => {
                let text = self.scope.vars.get(list).cloned().unwrap_or_default();
                let elements: Vec<serde_json::Value> = serde_json::from_str(&text)
                    .map_err(|_| StepError::System(format!("`for_each` needs a JSON list in `{list}`")))?;
                let before = self.scope.vars.get(name).cloned();
                let mut result = Ok(());
                for element in elements {
                    let value = match element {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.scope.vars.insert(name.clone(), value);
                    result = self.block(block, steps, item).await;
                    if result.is_err() {
                        break;
                    }
                }
                restore(&mut self.scope.vars, name, before);
                result
            }
            Action::Retry { times, pause, steps } => {
                let mut tries = 0;
                loop {
                    tries += 1;
                    let last = tries >= *times;
                    if !last {
                        self.quiet += 1;
                    }
                    let result = self.block(block, steps, item).await;
                    if !last {
                        self.quiet -= 1;
                    }
                    match result {
                        Err(StepError::System(m)) if !last => {
                            self.sink.emit(&RunEvent::Log {
                                item,
                                message: format!("try {tries} of {times} failed, trying again: {m}"),
                            });
                            tokio::time::sleep(*pause).await;
                        }
                        other => return other,
                    }
                }
            }
            Action::Use { args, steps, .. } => {
                let mut saved = Vec::with_capacity(args.len());
                for (name, value) in args {
                    let value = value.render(&self.scope)?;
                    saved.push((name.clone(), self.scope.vars.insert(name.clone(), value)));
                }
                let result = self.block(block, steps, item).await;
                for (name, before) in saved {
                    restore(&mut self.scope.vars, &name, before);
                }
                result
            }
            Action::Screenshot { name } => {
                let name = match name {
                    Some(t) => sanitize(&t.render(&self.scope)?),
                    None => {
                        self.screenshots += 1;
                        format!("screenshot-{}", self.screenshots)
                    }
                };
                let png = self.browser.screenshot().await.map_err(system)?;
                let path = self.write_evidence(&format!("{name}.png"), &png).map_err(StepError::System)?;
                self.sink.emit(&RunEvent::Evidence { item, kind: EvidenceKind::Screenshot, path });
                Ok(())
            }
        }
    }

    /// Tests an `if` condition once, now.
    async fn holds(&mut self, condition: &Check) -> Result<bool, StepError> {
        let found = |r: Result<(), BrowserError>| match r {
            Ok(()) => Ok(true),
            Err(BrowserError::NotFound { .. } | BrowserError::Timeout { .. }) => Ok(false),
            Err(e) => Err(StepError::System(e.to_string())),
        };
        match condition {
            Check::Exists(l) => {
                for candidate in l.candidates() {
                    let selector = self.resolve(candidate)?;
                    if self.browser.exists(&selector).await.map_err(|e| StepError::System(e.to_string()))? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Check::Text(t) => {
                let text = t.render(&self.scope)?;
                found(self.browser.wait_for(&Condition::Text(text), std::time::Duration::ZERO).await)
            }
            Check::Equals(a, b) => Ok(a.render(&self.scope)? == b.render(&self.scope)?),
        }
    }

    fn resolve(&self, locator: &Locator) -> Result<crate::browser::Selector, StepError> {
        Ok(locator.resolve(&self.scope)?)
    }

    /// A message for people: a reference that has no value is shown as written.
    fn render_message(&self, template: &Template) -> String {
        self.redactor.redact(&template.render(&self.scope).unwrap_or_else(|_| template.source()))
    }

    /// Saves a screenshot and the page's HTML for a failed step. Best effort:
    /// a browser that is gone cannot give either.
    async fn save_evidence(&mut self, item: Option<usize>, label: &str) {
        if let Ok(png) = self.browser.screenshot().await
            && let Ok(path) = self.write_evidence(&format!("{label}.png"), &png)
        {
            self.sink.emit(&RunEvent::Evidence { item, kind: EvidenceKind::Screenshot, path });
        }
        if let Ok(html) = self.browser.page_source().await {
            let html = self.redactor.redact(&html);
            if let Ok(path) = self.write_evidence(&format!("{label}.html"), html.as_bytes()) {
                self.sink.emit(&RunEvent::Evidence { item, kind: EvidenceKind::Html, path });
            }
        }
    }

    fn write_evidence(&self, file_name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        std::fs::create_dir_all(&self.evidence_dir)
            .and_then(|()| std::fs::write(self.evidence_dir.join(file_name), bytes))
            .map(|()| self.evidence_dir.join(file_name))
            .map_err(|e| format!("failed to write evidence `{file_name}`: {e}"))
    }
}

/// A file name from free text: letters, digits, `-` and `_` only.
fn sanitize(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() { "screenshot".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::browser::Table;
    use crate::browser::fake::FakeBrowser;
    use crate::robot::validate::robot_from_str;

    fn robot(steps: &str) -> Robot {
        let source = format!(
            "name: t\nmanual_minutes: 5\nsecrets: [PW]\nvars:\n  base: http://x\nsetup:\n  - goto: ${{base}}/login\n  - fill: {{\"#pw\": \"${{secrets.PW}}\"}}\nitems:\n  table: \"#inbox\"\n  key: Id\n  steps:\n{steps}"
        );
        robot_from_str(Path::new("t.yaml"), &source).unwrap()
    }

    fn browser(ids: &[&str]) -> FakeBrowser {
        FakeBrowser {
            table: Table {
                headers: vec!["Id".into(), "Name".into()],
                rows: ids.iter().map(|id| vec![id.to_string(), format!("name {id}")]).collect(),
            },
            ..FakeBrowser::default()
        }
    }

    async fn run(robot: &Robot, browser: &mut FakeBrowser) -> (RunSummary, Vec<RunEvent>) {
        run_with_ledger(robot, browser, HashMap::new()).await
    }

    async fn run_with_ledger(
        robot: &Robot,
        browser: &mut FakeBrowser,
        ledger: HashMap<String, LedgerEntry>,
    ) -> (RunSummary, Vec<RunEvent>) {
        let dir = tempfile::tempdir().unwrap();
        let context = RunContext {
            run_id: 1,
            evidence_dir: dir.path().to_path_buf(),
            secrets: [("PW".to_string(), "s3cret-value".to_string())].into(),
            ledger,
            ..RunContext::default()
        };
        let mut events: Vec<RunEvent> = Vec::new();
        let summary = Runner::new(robot, browser, context, &mut events).run().await;
        (summary, events)
    }

    fn statuses(events: &[RunEvent]) -> Vec<ItemStatus> {
        events
            .iter()
            .filter_map(|e| match e {
                RunEvent::ItemFinished { status, .. } => Some(*status),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn a_business_exception_ends_the_case_but_not_the_run() {
        let r = robot(
            "    - goto: ${base}/e/${item.Id}\n    - fail: \"no pupil ${item.Name}\"\n    - click: \"#never-reached\"\n",
        );
        let mut b = browser(&["1", "2"]);
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::SucceededWithExceptions);
        assert_eq!(statuses(&events), [ItemStatus::BusinessException, ItemStatus::BusinessException]);
        assert!(!b.calls.iter().any(|c| c.contains("never-reached")));
        let last_message = events.iter().rev().find_map(|e| match e {
            RunEvent::ItemFinished { message, .. } => message.clone(),
            _ => None,
        });
        assert_eq!(last_message.as_deref(), Some("no pupil name 2"));
        assert_eq!(b.urls, ["http://x/login", "http://x/e/1", "http://x/e/2"]);
    }

    #[tokio::test]
    async fn three_system_exceptions_in_a_row_stop_the_run() {
        let mut r = robot("    - click: \"#broken\"\n");
        r.retry.max_retries = 0;
        let mut b = browser(&["1", "2", "3", "4", "5"]);
        b.missing.push("#broken".into());
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Failed);
        assert_eq!(statuses(&events), [ItemStatus::SystemException; 3]);
        assert_eq!(
            summary.error.as_deref(),
            Some("stopped after 3 system exceptions in a row; the target system may be down")
        );
        let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { .. })).count();
        assert_eq!(evidence, 6, "a screenshot and the html for each failed case");
    }

    #[tokio::test]
    async fn secrets_are_typed_but_never_reported() {
        let r = robot("    - log: \"pw=${secrets.PW}\"\n");
        let mut b = browser(&["1"]);
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert!(b.calls.contains(&"fill=s3cret-value #pw".to_string()), "{:?}", b.calls);
        let reported = format!("{events:?}");
        assert!(!reported.contains("s3cret-value"));
        assert!(reported.contains("pw=***"));
    }

    #[tokio::test]
    async fn a_missing_key_column_fails_the_run_naming_the_columns() {
        let source = "name: t\nitems:\n  table: \"#inbox\"\n  key: Ärende\n  steps: []\n";
        let r = robot_from_str(Path::new("t.yaml"), source).unwrap();
        let mut b = browser(&["1"]);
        let (summary, _) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Failed);
        assert_eq!(summary.error.as_deref(), Some("the items have no field `Ärende` (they have: Id, Name)"));
    }

    fn ledger_changes(events: &[RunEvent]) -> Vec<(String, Option<LedgerState>)> {
        events
            .iter()
            .filter_map(|e| match e {
                RunEvent::Ledger { key, state } => Some((key.clone(), *state)),
                _ => None,
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_flaky_case_is_retried_after_logging_in_again_and_then_done() {
        let r = robot("    - click: \"#save\"\n");
        let mut b = browser(&["1"]);
        b.flaky.insert("#save".into(), 2);
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert_eq!(b.urls, ["http://x/login", "http://x/login", "http://x/login"], "setup before each retry");
        let retries = events.iter().filter(|e| matches!(e, RunEvent::ItemRetry { .. })).count();
        assert_eq!(retries, 2);
        assert!(
            events.iter().any(|e| matches!(e, RunEvent::ItemFinished { attempts: 3, status: ItemStatus::Done, .. }))
        );
        assert_eq!(
            ledger_changes(&events),
            [
                ("1".into(), Some(LedgerState::InProgress)),
                ("1".into(), Some(LedgerState::InProgress)),
                ("1".into(), Some(LedgerState::InProgress)),
                ("1".into(), Some(LedgerState::Done)),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_live_session_is_not_restarted_for_a_retry() {
        let r = robot("    - click: \"#save\"\n");
        let mut b = browser(&["1"]);
        b.flaky.insert("#save".into(), 1);
        let (summary, _) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert!(!b.calls.contains(&"restart".to_string()));
        // Before setup runs again, a left-open dialog is dismissed and the
        // main window is current again.
        let second_login = b.calls.iter().rposition(|c| c == "goto http://x/login").unwrap();
        let cleared: Vec<&str> = b.calls[..second_login].iter().rev().take(2).map(String::as_str).collect();
        assert_eq!(cleared, ["window Main", "dialog Dismiss"], "{:?}", b.calls);
    }

    #[tokio::test(start_paused = true)]
    async fn a_session_that_dies_mid_case_is_restarted() {
        let r = robot("    - click: \"#save\"\n");
        let mut runner_browser = browser(&["1"]);
        // The first click fails and takes the session with it.
        runner_browser.flaky.insert("#save".into(), 1);
        runner_browser.die_on_failure = true;
        let (summary, _) = {
            let dir = tempfile::tempdir().unwrap();
            let context = RunContext {
                evidence_dir: dir.path().to_path_buf(),
                secrets: [("PW".to_string(), "x".to_string())].into(),
                ..RunContext::default()
            };
            let mut events: Vec<RunEvent> = Vec::new();
            let summary = Runner::new(&r, &mut runner_browser, context, &mut events).run().await;
            (summary, events)
        };
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert!(runner_browser.calls.contains(&"restart".to_string()), "{:?}", runner_browser.calls);
    }

    #[tokio::test]
    async fn the_ledger_skips_done_cases_and_holds_back_half_done_ones() {
        let r = robot("    - click: \"#save\"\n");
        let mut b = browser(&["1", "2", "3"]);
        let ledger: HashMap<String, LedgerEntry> = [
            ("1".to_string(), LedgerEntry { state: LedgerState::Done, run_id: 7 }),
            ("2".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8 }),
        ]
        .into();
        let (summary, events) = run_with_ledger(&r, &mut b, ledger).await;
        assert_eq!(statuses(&events), [ItemStatus::Skipped, ItemStatus::NeedsReview, ItemStatus::Done]);
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 1, "only case 3 is entered");
        assert!(ledger_changes(&events).contains(&("2".into(), Some(LedgerState::NeedsReview))));
    }

    #[tokio::test]
    async fn a_check_that_skips_settles_a_half_done_case_without_entering_it() {
        let source = "name: t\nitems:\n  table: \"#inbox\"\n  key: Id\n  steps:\n    - click: \"#save\"\n  check:\n    - if: { exists: \"#already-there\" }\n      then:\n        - skip: found\n";
        let r = robot_from_str(Path::new("t.yaml"), source).unwrap();
        let ledger: HashMap<String, LedgerEntry> = [
            ("1".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8 }),
            ("2".to_string(), LedgerEntry { state: LedgerState::InProgress, run_id: 8 }),
        ]
        .into();
        // Case 1 is found in the target; case 2 is not and is redone.
        let mut b = browser(&["1", "2"]);
        let (_, events) = run_with_ledger(&r, &mut b, ledger.clone()).await;
        assert_eq!(statuses(&events), [ItemStatus::Skipped, ItemStatus::Skipped]);
        let mut b = browser(&["1", "2"]);
        b.missing.push("#already-there".into());
        let (_, events) = run_with_ledger(&r, &mut b, ledger).await;
        assert_eq!(statuses(&events), [ItemStatus::Done, ItemStatus::Done]);
        assert_eq!(b.calls.iter().filter(|c| *c == "click #save").count(), 2);
    }

    #[tokio::test]
    async fn validate_makes_a_bad_identifier_a_business_exception() {
        let r = robot(
            "    - validate: { personnummer: \"${item.Name}\" }\n    - validate:\n        email: nobody\n        message: Fel e-post för ${item.Id}\n",
        );
        let mut b = browser(&["1"]);
        b.table.rows[0][1] = "811218-9876".into();
        let (_, events) = run(&r, &mut b).await;
        let message = events.iter().find_map(|e| match e {
            RunEvent::ItemFinished { message, .. } => message.clone(),
            _ => None,
        });
        assert_eq!(message.as_deref(), Some("Fel e-post för 1"), "the personnummer passed, the email did not");
        let mut b = browser(&["2"]);
        b.table.rows[0][1] = "811218-9875".into();
        let (_, events) = run(&r, &mut b).await;
        assert!(events.iter().any(|e| matches!(e, RunEvent::ItemFinished { message: Some(m), .. }
            if m == "`811218-9875` is not a valid personnummer: its check digit is wrong")));
    }

    fn logs(events: &[RunEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                RunEvent::Log { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn for_each_walks_a_list_and_restores_the_name_afterwards() {
        let r = robot(concat!(
            "    - set: {courses: '[{\"Kurs\":\"Gitarr\"},{\"Kurs\":\"Piano\"}]'}\n",
            "    - for_each:\n        in: courses\n        as: c\n        steps:\n          - click: \"text:${c.Kurs}\"\n",
        ));
        let mut b = browser(&["1"]);
        let (summary, _) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        let clicks: Vec<&String> = b.calls.iter().filter(|c| c.starts_with("click")).collect();
        assert_eq!(clicks.len(), 2, "{:?}", b.calls);
        assert!(clicks[0].contains("Gitarr") && clicks[1].contains("Piano"), "{clicks:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_block_tries_again_and_saves_evidence_only_for_the_last_failure() {
        let r =
            robot("    - retry:\n        times: 3\n        pause: 1s\n        steps:\n          - click: \"#slow\"\n");
        let mut b = browser(&["1", "2"]);
        // Case 1's click fails twice then works; case 2's never shows up.
        b.flaky.insert("#slow".into(), 2);
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(statuses(&events), [ItemStatus::Done, ItemStatus::Done]);
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert_eq!(logs(&events).iter().filter(|l| l.starts_with("try ")).count(), 2, "{:?}", logs(&events));
        let first = logs(&events).into_iter().find(|l| l.starts_with("try 1 of 3")).unwrap();
        assert!(first.contains(": line 17: `click` failed: no element matched"), "{first}");
        let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { .. })).count();
        assert_eq!(evidence, 0);
        b.missing.push("#slow".into());
        let (_, events) = run(&r, &mut b).await;
        assert!(statuses(&events).iter().all(|s| *s == ItemStatus::SystemException), "{:?}", statuses(&events));
        // One screenshot and one page per try of the case, not per try of the block.
        let evidence = events.iter().filter(|e| matches!(e, RunEvent::Evidence { item: Some(0), .. })).count();
        assert_eq!(evidence, 2 * (1 + r.retry.max_retries as usize));
    }

    #[tokio::test]
    async fn json_read_from_a_file_is_written_back_with_fields_filled_in() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.json"), r#"[{"id": "2026-1", "n": 3}, {"id": "2026-2", "n": 4}]"#).unwrap();
        let source = "name: t\nsetup:\n  - read_json: {file: in.json, into: rows}\n  - write_json:\n      file: out/summary.json\n      json: {first: '${rows.0.id}', count: 2, all: '${rows}', tags: [a, '${rows.1.n}']}\n";
        let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
        let (summary, _) = run(&r, &mut FakeBrowser::default()).await;
        assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
        assert_eq!(written["first"], "2026-1");
        assert_eq!(written["count"], 2);
        assert_eq!(written["tags"], serde_json::json!(["a", "4"]));
        assert!(written["all"].as_str().unwrap().contains("2026-2"));
    }

    #[tokio::test]
    async fn a_download_is_taken_only_once_the_browser_has_finished_writing_it() {
        let dir = tempfile::tempdir().unwrap();
        let downloads = dir.path().join("Downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let mut b = FakeBrowser {
            downloads: Some(downloads.clone()),
            download: Some(("export.csv".into(), b"a;b\r\n1;2\r\n".to_vec())),
            ..FakeBrowser::default()
        };
        let source = "name: t\nsetup:\n  - download: {click: '#export', save_as: out/export.csv, into: saved}\n  - log: saved ${saved}\n";
        let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded, "{:?}", summary.error);
        assert_eq!(std::fs::read(dir.path().join("out/export.csv")).unwrap(), b"a;b\r\n1;2\r\n");
        assert!(std::fs::read_dir(&downloads).unwrap().next().is_none(), "moved out of the browser's folder");
        let saved = format!("saved {}", dir.path().join("out/export.csv").display());
        assert!(logs(&events).contains(&saved), "{:?}", logs(&events));
    }

    #[tokio::test]
    async fn waiting_for_a_locator_list_to_be_gone_waits_for_every_entry() {
        let r = robot("    - wait_for: { gone: ['#spinner', '#overlay'] }\n");
        let mut b = browser(&["1"]);
        let (summary, _) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        let waits: Vec<&String> = b.calls.iter().filter(|c| c.starts_with("wait ")).collect();
        assert_eq!(waits, ["wait #spinner", "wait #overlay"]);
    }

    #[tokio::test]
    async fn a_locator_list_falls_back_and_logs_which_one_matched() {
        let r = robot("    - click: ['#old-save', 'text:Spara']\n");
        let mut b = browser(&["1"]);
        b.missing.push("#old-save".into());
        let (summary, events) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert!(logs(&events).contains(&"locator 2 of 2 matched: text:Spara".to_string()), "{:?}", logs(&events));
        assert!(b.calls.iter().any(|c| c.starts_with("click //")), "{:?}", b.calls);
    }

    #[tokio::test]
    async fn a_steps_file_runs_with_its_parameters_and_leaves_them_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("login.yaml"), "params: [user]\nsteps:\n  - fill: {'#user': '${user}'}\n")
            .unwrap();
        let source = "name: t\nsetup:\n  - use: {file: login.yaml, with: {user: robot}}\n  - log: done\n";
        let r = robot_from_str(&dir.path().join("r.yaml"), source).unwrap();
        let mut b = FakeBrowser::default();
        let (summary, _) = run(&r, &mut b).await;
        assert_eq!(summary.status, RunStatus::Succeeded);
        assert!(b.calls.contains(&"fill=robot #user".to_string()), "{:?}", b.calls);
        let missing = robot_from_str(&dir.path().join("r.yaml"), "name: t\nsetup:\n  - use: login.yaml\n").unwrap_err();
        assert_eq!(
            missing[0].to_string(),
            format!(
                "{}:3:10: `login.yaml` needs the parameter `user` under `with:`",
                dir.path().join("r.yaml").display()
            )
        );
    }
}
