//! One run of one robot: setup, every item, teardown.
//!
//! A `fail` step is a business exception: the case is reported and the run
//! goes on. Any other failure is a system exception: evidence is saved, the
//! case is given up, and after `MAX_CONSECUTIVE_SYSTEM_EXCEPTIONS` in a row the
//! run stops as failed, since the target system is most likely down.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{Local, Utc};

use crate::browser::{Browser, BrowserError, Condition, SelectBy};
use crate::redact::Redactor;
use crate::robot::expr::{RenderError, Template};
use crate::robot::locator::Locator;
use crate::robot::model::{ItemSource, Robot};
use crate::robot::step::{Action, Choice, Step, WaitTarget};
use crate::runner::event::{Block, EventSink, EvidenceKind, ItemStatus, RunEvent, RunStatus, StepOutcome, StepRecord};
use crate::runner::scope::RunScope;

/// After this many system exceptions in a row the run is stopped.
pub const MAX_CONSECUTIVE_SYSTEM_EXCEPTIONS: usize = 3;
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
    /// The case cannot be handled (from `fail`).
    Business(String),
    System(String),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Business(m) | StepError::System(m) => f.write_str(m),
        }
    }
}

impl From<RenderError> for StepError {
    fn from(e: RenderError) -> Self {
        StepError::System(e.to_string())
    }
}

/// Runs one robot; owns the scope for the length of the run.
pub struct Runner<'a, B: Browser> {
    robot: &'a Robot,
    browser: &'a mut B,
    sink: &'a mut dyn EventSink,
    scope: RunScope,
    overrides: Vec<(String, String)>,
    redactor: Redactor,
    evidence_dir: PathBuf,
    screenshots: usize,
}

impl<'a, B: Browser> Runner<'a, B> {
    pub fn new(robot: &'a Robot, browser: &'a mut B, context: RunContext, sink: &'a mut dyn EventSink) -> Self {
        let redactor = Redactor::new(context.secrets.values().cloned());
        let mut builtins = HashMap::new();
        builtins.insert("today".to_string(), Local::now().format("%Y-%m-%d").to_string());
        builtins.insert("now".to_string(), Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        builtins.insert("run.id".to_string(), context.run_id.to_string());
        builtins.insert("robot.name".to_string(), robot.name.clone());
        let scope = RunScope { env: context.env, secrets: context.secrets, builtins, ..RunScope::default() };
        Self {
            robot,
            browser,
            sink,
            scope,
            overrides: context.overrides,
            redactor,
            evidence_dir: context.evidence_dir,
            screenshots: 0,
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
        } else if let Err(message) = self.block(Block::Setup, &self.robot.setup, None).await {
            summary.status = RunStatus::Failed;
            summary.error = Some(format!("setup failed: {message}"));
        } else if let Err(message) = self.items(&mut summary).await {
            summary.status = RunStatus::Failed;
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

    async fn items(&mut self, summary: &mut RunSummary) -> Result<(), String> {
        let Some(items) = &self.robot.items else { return Ok(()) };
        let rows = match self.collect_items(&items.source).await {
            Ok(rows) => rows,
            Err(e) => {
                let message = self.redactor.redact(&e);
                self.save_evidence(None, "items").await;
                return Err(format!("reading the items failed: {message}"));
            }
        };
        if let Some(first) = rows.first()
            && !first.iter().any(|(k, _)| *k == items.key)
        {
            let columns: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
            return Err(format!("the items have no field `{}` (they have: {})", items.key, columns.join(", ")));
        }
        summary.items_total = rows.len();
        self.sink.emit(&RunEvent::ItemsFound { total: rows.len() });
        let mut consecutive_failures = 0;
        for (seq, row) in rows.into_iter().enumerate() {
            let key = row.iter().find(|(k, _)| *k == items.key).map(|(_, v)| v.clone()).unwrap_or_default();
            self.sink.emit(&RunEvent::ItemStarted { seq, key: key.clone(), started_at: Utc::now() });
            let started = Instant::now();
            self.scope.item = Some(row);
            let result = self.block(Block::Item, &items.steps, Some(seq)).await;
            self.scope.item = None;
            let (status, message) = match result {
                Ok(()) => {
                    summary.items_done += 1;
                    consecutive_failures = 0;
                    (ItemStatus::Done, None)
                }
                Err(StepError::Business(message)) => {
                    summary.business_exceptions += 1;
                    consecutive_failures = 0;
                    (ItemStatus::BusinessException, Some(message))
                }
                Err(StepError::System(message)) => {
                    summary.system_exceptions += 1;
                    consecutive_failures += 1;
                    (ItemStatus::SystemException, Some(message))
                }
            };
            self.sink.emit(&RunEvent::ItemFinished { seq, status, message, duration: started.elapsed() });
            if consecutive_failures >= MAX_CONSECUTIVE_SYSTEM_EXCEPTIONS {
                return Err(format!(
                    "stopped after {consecutive_failures} system exceptions in a row; the target system may be down"
                ));
            }
        }
        Ok(())
    }

    /// Reads every item before the first is processed, following `next_page`.
    async fn collect_items(&mut self, source: &ItemSource) -> Result<Vec<Vec<(String, String)>>, String> {
        let timeout = self.robot.timeouts.step;
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
        }
    }

    /// Runs a list of steps; the first failure ends the block.
    async fn block(&mut self, block: Block, steps: &[Step], item: Option<usize>) -> Result<(), StepError> {
        for (index, step) in steps.iter().enumerate() {
            let started_at = Utc::now();
            let started = Instant::now();
            let result = self.step(step, item).await;
            let (outcome, error) = match &result {
                Ok(()) => (StepOutcome::Ok, None),
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
            if let Some(message) = error {
                let label = match item {
                    Some(seq) => format!("item-{}", seq + 1),
                    None => block.as_str().to_string(),
                };
                self.save_evidence(item, &label).await;
                let located = format!("line {}: `{}` failed: {message}", step.pos.line, step.action.keyword());
                return Err(match result {
                    Err(StepError::Business(_)) => StepError::Business(message),
                    _ => StepError::System(located),
                });
            }
        }
        Ok(())
    }

    async fn step(&mut self, step: &Step, item: Option<usize>) -> Result<(), StepError> {
        let timeout = step.timeout.unwrap_or(self.robot.timeouts.step);
        let system = |e: BrowserError| StepError::System(e.to_string());
        match &step.action {
            Action::Goto { url } => {
                let url = url.render(&self.scope)?;
                self.browser.goto(&url).await.map_err(system)
            }
            Action::Click { target } => {
                let selector = self.resolve(target)?;
                self.browser.click(&selector, timeout).await.map_err(system)
            }
            Action::Fill { fields } => {
                let mut resolved = Vec::with_capacity(fields.len());
                for (locator, value) in fields {
                    resolved.push((self.resolve(locator)?, value.render(&self.scope)?));
                }
                self.browser.fill(&resolved, timeout).await.map_err(system)
            }
            Action::Type { target, text, clear } => {
                let selector = self.resolve(target)?;
                let text = text.render(&self.scope)?;
                self.browser.type_text(&selector, &text, *clear, timeout).await.map_err(system)
            }
            Action::Select { target, choice } => {
                let selector = self.resolve(target)?;
                let choice = match choice {
                    Choice::Label(t) => SelectBy::Label(t.render(&self.scope)?),
                    Choice::Value(t) => SelectBy::Value(t.render(&self.scope)?),
                };
                self.browser.select(&selector, &choice, timeout).await.map_err(system)
            }
            Action::WaitFor { target } => {
                let condition = match target {
                    WaitTarget::Element(l) => Condition::Element(self.resolve(l)?),
                    WaitTarget::Text(t) => Condition::Text(t.render(&self.scope)?),
                    WaitTarget::Gone(l) => Condition::Gone(self.resolve(l)?),
                };
                self.browser.wait_for(&condition, timeout).await.map_err(system)
            }
            Action::ReadText { from, into } => {
                let selector = self.resolve(from)?;
                let text = self.browser.read_text(&selector, timeout).await.map_err(system)?;
                self.scope.vars.insert(into.clone(), text);
                Ok(())
            }
            Action::ReadTable { from, into } => {
                let selector = self.resolve(from)?;
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
            Action::Log { message } => {
                let message = self.render_message(message);
                self.sink.emit(&RunEvent::Log { item, message });
                Ok(())
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
        let dir = tempfile::tempdir().unwrap();
        let context = RunContext {
            run_id: 1,
            evidence_dir: dir.path().to_path_buf(),
            secrets: [("PW".to_string(), "s3cret-value".to_string())].into(),
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
        let r = robot("    - click: \"#broken\"\n");
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
}
