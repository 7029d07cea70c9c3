//! One run of one robot: setup, every case, teardown, and the events that
//! tell the run log, the console and the mail about it.
//!
//! The run ends `failed` when setup fails, the cases cannot be read, or
//! `retry.stop_after` cases in a row end in system exceptions (the target
//! system is most likely down); `interrupted` or `timed_out` when it is
//! stopped from outside. Teardown runs whatever happened before it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::Local;

use crate::browser::Browser;
use crate::human::fmt_duration;
use crate::privacy::secrets::{Redactor, Secret};
use crate::robot::model::{ItemSource, Items, Robot};
use crate::runner::crew::{Crew, Queue};
use crate::runner::event::{Block, LedgerEntry, RunEvent, RunStatus, SharedSink};
use crate::runner::failure::{Failure, RunError, SystemError};
use crate::runner::scope::RunScope;
use crate::runner::source::fingerprint;
use crate::runner::source::{Row, fetch_json, next_cursor, read_csv, read_json, row_field};
use crate::runner::stop::{StopReceiver, TEARDOWN_LIMIT, stopped};
use crate::runner::totals::Totals;

/// How many pages of an item table are followed at most.
pub(crate) const MAX_TABLE_PAGES: usize = 500;

/// Everything a run needs besides the robot and the browser.
#[derive(Debug, Default)]
pub struct RunContext {
    pub run_id: i64,
    pub evidence_dir: PathBuf,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, Secret>,
    /// `--var NAME=VALUE` from the command line; these win over `vars:`.
    pub overrides: Vec<(String, String)>,
    /// The robot's ledger as the run starts, by case key.
    pub ledger: HashMap<String, LedgerEntry>,
    /// Set from outside to stop the run after the current case (shutdown).
    pub graceful: Option<Arc<AtomicBool>>,
    /// A stop sent here abandons the step under way; teardown still runs,
    /// within `TEARDOWN_LIMIT`.
    pub stop: Option<StopReceiver>,
    /// The robot's kept cursor (`${cursor}`), for an `http` source with `cursor`.
    pub cursor: Option<String>,
    /// How the ledger keeps a case's key once its data is purged, to
    /// recognise that case when it comes again.
    pub key_hash: Option<KeyHash>,
    /// Which cases to take (`run --input`, `--only`, `--max-items`).
    pub selection: Selection,
}

/// The cases a person asked for, to try a robot safely.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Cases from this CSV or JSON file instead of the robot's source.
    pub input: Option<PathBuf>,
    /// Only the cases with these keys (the others are not cases at all).
    pub only: Vec<String>,
    /// At most this many cases.
    pub max_items: Option<usize>,
    /// Setup and the source only: each case is listed with what the ledger
    /// would do with it, no case step runs and teardown does not either.
    pub dry_run: bool,
}

/// A case key's stand-in in the ledger after a purge (a keyed hash).
#[derive(Clone)]
pub struct KeyHash(pub Arc<dyn Fn(&str) -> String + Send + Sync>);

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash")
    }
}

/// What a finished run reports back to its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub status: RunStatus,
    pub error: Option<String>,
    pub totals: Totals,
}

/// Runs one robot; owns the scope for the length of the run.
pub struct Runner<'a, B: Browser> {
    pub(super) robot: &'a Robot,
    pub(super) browser: &'a mut B,
    pub(super) sink: &'a (dyn SharedSink + 'a),
    /// The workers beside this one, for the run's first worker.
    pub(super) crew: Option<Crew<'a, B>>,
    /// Which worker this is, from 1.
    pub(super) worker: usize,
    pub(super) scope: RunScope,
    overrides: Vec<(String, String)>,
    pub(super) ledger: HashMap<String, LedgerEntry>,
    pub(super) key_hash: Option<KeyHash>,
    selection: Selection,
    pub(super) redactor: Redactor,
    pub(super) evidence_dir: PathBuf,
    pub(super) screenshots: usize,
    pub(super) graceful: Option<Arc<AtomicBool>>,
    pub(super) stop: Option<StopReceiver>,
    /// Inside a `retry` block's attempts but the last: failures are logged,
    /// but leave no evidence, since the block will try again.
    pub(super) quiet: usize,
    pub(super) totals: Totals,
    run_id: i64,
    /// The line of the step under way, for reports about its locators.
    pub(super) step_line: u32,
    /// The variables' count and total length when last looked through for secrets.
    vars_shape: (usize, usize),
    /// Cursor values the source read and passed over (events of cases it
    /// does not want): settled, so the cursor may move past them.
    pub(super) passed: Vec<String>,
}

impl<'a, B: Browser> Runner<'a, B> {
    pub fn new(robot: &'a Robot, browser: &'a mut B, context: RunContext, sink: &'a (dyn SharedSink + 'a)) -> Self {
        let redactor = Redactor::new(context.secrets.values().map(|s| s.expose().to_string()));
        let mut builtins = HashMap::new();
        builtins.insert("today".to_string(), Local::now().format("%Y-%m-%d").to_string());
        builtins.insert("now".to_string(), Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        builtins.insert("run.id".to_string(), context.run_id.to_string());
        builtins.insert("run.dir".to_string(), context.evidence_dir.display().to_string());
        builtins.insert("robot.name".to_string(), robot.name.clone());
        let cursor_start = match robot.items.as_ref().map(|i| &i.source) {
            Some(ItemSource::Http { cursor_start, .. }) => cursor_start.clone(),
            Some(ItemSource::OpenEPlatform(oep)) => oep.from_event.clone(),
            _ => String::new(),
        };
        builtins.insert("cursor".to_string(), context.cursor.clone().unwrap_or(cursor_start));
        let xml_items = matches!(
            robot.items.as_ref().map(|i| &i.source),
            Some(ItemSource::Xml { .. } | ItemSource::OpenEPlatform(_))
        );
        let scope = RunScope { env: context.env, secrets: context.secrets, builtins, xml_items, ..RunScope::default() };
        Self {
            robot,
            browser,
            sink,
            crew: None,
            worker: 1,
            scope,
            overrides: context.overrides,
            ledger: context.ledger,
            key_hash: context.key_hash,
            selection: context.selection,
            redactor,
            evidence_dir: context.evidence_dir,
            screenshots: 0,
            graceful: context.graceful,
            stop: context.stop,
            quiet: 0,
            totals: Totals::default(),
            run_id: context.run_id,
            vars_shape: (0, 0),
            passed: Vec::new(),
            step_line: 0,
        }
    }

    /// Shares the cases with `crew.workers - 1` further workers.
    pub fn with_crew(mut self, crew: Crew<'a, B>) -> Self {
        self.crew = Some(crew).filter(|c| c.workers > 1);
        self
    }

    pub(super) fn numbered(mut self, worker: usize) -> Self {
        self.worker = worker;
        self
    }

    /// What a further worker of this run starts from: the same run, ledger,
    /// environment and secrets; variables of its own.
    pub(super) fn helper_context(&self) -> RunContext {
        RunContext {
            run_id: self.run_id,
            evidence_dir: self.evidence_dir.clone(),
            env: self.scope.env.clone(),
            secrets: self.scope.secrets.clone(),
            overrides: self.overrides.clone(),
            ledger: self.ledger.clone(),
            graceful: self.graceful.clone(),
            stop: self.stop.clone(),
            cursor: self.scope.builtins.get("cursor").cloned(),
            key_hash: self.key_hash.clone(),
            selection: Selection::default(),
        }
    }

    /// Runs setup, the items and teardown; reports `RunStarted` first and
    /// `RunFinished` last, also when the run is stopped from outside.
    pub async fn run(mut self) -> RunSummary {
        let started = Instant::now();
        self.emit(RunEvent::RunStarted { robot: self.robot.name.clone(), run_id: self.run_id });
        let result = self.setup_and_items().await;
        let was_stopped = matches!(result, Err(RunError::Stopped(_)));
        if !self.selection.dry_run {
            self.teardown(was_stopped).await;
        }
        let t = &self.totals;
        let (status, error) = match result {
            // Nothing was done and something broke: the run did not do its job.
            Ok(()) if t.done == 0 && t.system_exceptions > 0 => (
                RunStatus::Failed,
                Some(format!("no case was done: {} case(s) failed technically", t.system_exceptions)),
            ),
            Ok(()) if t.exceptions() > 0 => (RunStatus::SucceededWithExceptions, None),
            Ok(()) => (RunStatus::Succeeded, None),
            Err(e) => (e.status(), Some(e.to_string())),
        };
        let error = error.map(|e| self.redact(&e));
        self.emit(RunEvent::RunFinished { status, error: error.clone(), duration: started.elapsed() });
        RunSummary { status, error, totals: self.totals }
    }

    /// `text` with every secret masked, and every personnummer when the
    /// robot's `privacy.mask_personnummer` asks for it.
    pub(super) fn redact(&self, text: &str) -> String {
        let text = self.redactor.redact(text);
        if self.robot.privacy.mask_personnummer { crate::privacy::personnummer::mask_personnummer(&text) } else { text }
    }

    /// Counts an event in, masks the secrets in its texts, and hands it to the sinks.
    pub(super) fn emit(&mut self, event: RunEvent) {
        self.totals.record(&event);
        self.learn_derived_secrets();
        let event = event.map_text(|t| self.redact(t));
        self.sink.emit(&event);
    }

    /// Values rendered from secrets are secrets too, and so is a variable
    /// that holds one: the redactor learns them before any text leaves.
    pub(super) fn learn_derived_secrets(&mut self) {
        let learned = self.scope.take_derived();
        // The variables are looked through only when something new was
        // derived or they changed (their count or total length): most
        // events cost a sum of lengths, not a scan of every value.
        let shape = (self.scope.vars.len(), self.scope.vars.values().map(String::len).sum::<usize>());
        if learned.is_empty() && shape == self.vars_shape {
            return;
        }
        self.vars_shape = shape;
        for value in learned {
            self.redactor.add(value);
        }
        let newly: Vec<String> = self
            .scope
            .vars
            .iter()
            .filter(|(name, value)| !self.scope.tainted.contains(*name) && self.redactor.masks_in(value))
            .map(|(name, _)| name.clone())
            .collect();
        self.scope.tainted.extend(newly);
    }

    async fn setup_and_items(&mut self) -> Result<(), RunError> {
        self.setup().await?;
        // A stop asked for during setup is answered now: there is no case
        // under way to finish first (a robot without cases included).
        if self.graceful.as_ref().is_some_and(|g| g.load(std::sync::atomic::Ordering::SeqCst)) {
            return Err(RunError::Shutdown { done: 0, total: 0 });
        }
        self.items().await
    }

    /// The variables, then the robot's `setup` steps.
    pub(super) async fn setup(&mut self) -> Result<(), RunError> {
        self.init_vars()?;
        let robot = self.robot;
        self.block(Block::Setup, &robot.setup, None).await.map_err(|failure| match failure {
            Failure::Stopped(reason) => RunError::Stopped(reason),
            other => RunError::Setup(other),
        })
    }

    /// Teardown, whatever happened before; its failure is logged but does not
    /// undo the cases that were done. After a stop it gets `TEARDOWN_LIMIT`.
    pub(super) async fn teardown(&mut self, after_stop: bool) {
        let robot = self.robot;
        if robot.teardown.is_empty() {
            return;
        }
        // The stop has been answered; teardown's steps must not be cut by it again.
        self.stop = None;
        let teardown = self.block(Block::Teardown, &robot.teardown, None);
        if !after_stop {
            let _ = teardown.await;
            return;
        }
        if tokio::time::timeout(TEARDOWN_LIMIT, teardown).await.is_err() {
            let message =
                format!("teardown was cut short after {} because the run was stopped", fmt_duration(TEARDOWN_LIMIT));
            self.emit(RunEvent::Log { item: None, message });
        }
    }

    fn init_vars(&mut self) -> Result<(), RunError> {
        for (name, template) in &self.robot.vars {
            if let Some((_, value)) = self.overrides.iter().find(|(n, _)| n == name) {
                self.scope.vars.insert(name.clone(), value.clone());
                continue;
            }
            let value =
                template.render(&self.scope).map_err(|source| RunError::Variable { name: name.clone(), source })?;
            self.scope.vars.insert(name.clone(), value);
        }
        for (name, value) in &self.overrides {
            self.scope.vars.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Ok(())
    }

    /// Reads the cases and runs each.
    async fn items(&mut self) -> Result<(), RunError> {
        let Some(items) = &self.robot.items else { return Ok(()) };
        let mut stop = self.stop.clone();
        let collected = tokio::select! {
            biased;
            reason = stopped(stop.as_mut()) => return Err(RunError::Stopped(reason)),
            rows = self.collect_items(&items.source, &items.key) => rows,
        };
        let cursor_field = match &items.source {
            ItemSource::Http { cursor: Some(field), .. } => Some(field.clone()),
            ItemSource::OpenEPlatform(_) => Some(super::open_eplatform::EVENT_FIELD.to_string()),
            _ => None,
        };
        let rows = collected.and_then(|rows| self.selected(rows, items));
        let (rows, left_out) = match rows {
            Ok(selected) => selected,
            Err(failure) => {
                self.save_evidence(None, "items").await;
                return Err(RunError::Items(failure));
            }
        };
        if let Some(first) = rows.first()
            && row_field(first, &items.key).is_none()
        {
            let columns = first.iter().map(|(k, _)| k.clone()).collect();
            return Err(RunError::NoKeyField { key: items.key.clone(), columns });
        }
        let workers = self.crew.as_ref().map_or(1, |c| c.workers.min(rows.len()).max(1));
        self.emit(RunEvent::ItemsFound { total: rows.len(), workers });
        if self.selection.dry_run {
            for row in &rows {
                let key = row_field(row, &items.key).unwrap_or_default();
                let plan = match row.iter().find(|(k, _)| k == super::xml_cases::UNREADABLE) {
                    Some((_, why)) => format!("unreadable: would be a business exception: {why}"),
                    None => self.planned(&key, fingerprint(row)),
                };
                let message = format!("dry run: {key}: {plan}");
                self.emit(RunEvent::Log { item: None, message });
            }
            return Ok(());
        }
        let queue = Queue::new(rows, &items.key, cursor_field.as_deref());
        self.share(&queue).await;
        if let Some(field) = &cursor_field {
            let start = self.scope.builtins.get("cursor").cloned().unwrap_or_default();
            // A case the selection left out is not settled: it holds the cursor.
            let mut seen = queue.cursor_seen();
            let held = left_out.iter().filter_map(|row| row_field(row, field));
            seen.extend(held.map(|value| (value, false)));
            seen.extend(self.passed.drain(..).map(|value| (value, true)));
            let value = next_cursor(&start, seen);
            if value != start {
                self.emit(RunEvent::Cursor { value });
            }
        }
        queue.outcome()
    }

    /// The rows that are cases: those `items.filter` lets through, then
    /// those the person running the robot asked for, by key, at most
    /// `max_items`; and the cases that choice left out (`--only`,
    /// `--max-items`), which a later run must still take. A row the filter
    /// lets pass is not a case of this robot at all.
    fn selected(&mut self, rows: Vec<Row>, items: &Items) -> Result<(Vec<Row>, Vec<Row>), Failure> {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let keep = match &items.filter {
                Some(filter) => {
                    self.scope.item = Some(row);
                    let holds = self.holds_here(filter);
                    let row = self.scope.item.take().unwrap_or_default();
                    if holds? { Some(row) } else { None }
                }
                None => Some(row),
            };
            kept.extend(keep);
        }
        let only = &self.selection.only;
        let key_of = |row: &Row| row_field(row, &items.key).unwrap_or_default();
        // A case listed twice is one case: taken once, never by two workers at once.
        let mut seen = std::collections::HashSet::new();
        let mut twice = Vec::new();
        let (asked, mut left_out): (Vec<Row>, Vec<Row>) =
            kept.into_iter().partition(|row| only.is_empty() || only.contains(&key_of(row)));
        let mut chosen = Vec::with_capacity(asked.len());
        let limit = self.selection.max_items.unwrap_or(usize::MAX);
        for row in asked {
            let key = key_of(&row);
            let first = key.is_empty() || seen.insert(key.clone());
            if !first && !twice.contains(&key) {
                twice.push(key);
            }
            if !first {
                continue;
            }
            if chosen.len() < limit {
                chosen.push(row);
            } else {
                left_out.push(row);
            }
        }
        for key in twice {
            let message = format!("case {key} is listed more than once by the source; it is taken once");
            self.emit(RunEvent::Log { item: None, message });
        }
        Ok((chosen, left_out))
    }

    /// Reads every item before the first is processed: from `run --input`'s
    /// file when one was given, else from the robot's source.
    async fn collect_items(&mut self, source: &ItemSource, key: &str) -> Result<Vec<Row>, Failure> {
        let timeout = self.robot.timeouts.step;
        let base = self.robot.path.parent().map(PathBuf::from).unwrap_or_default();
        if let Some(input) = &self.selection.input {
            let json = input.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
            return Ok(if json {
                read_json(input)?
            } else {
                read_csv(input, crate::files::csv_file::Encoding::Detect)?
            });
        }
        match source {
            ItemSource::Table { locator, next_page } => {
                let selector = locator.resolve(&self.scope)?;
                let next = next_page.as_ref().map(|l| l.resolve(&self.scope)).transpose()?;
                let mut rows = Vec::new();
                for _ in 0..MAX_TABLE_PAGES {
                    let table = self.browser.read_table(&selector, false, timeout).await?;
                    for cells in table.rows {
                        rows.push(table.headers.iter().cloned().zip(cells).collect());
                    }
                    let Some(next) = &next else { break };
                    if !self.browser.exists(next).await? {
                        break;
                    }
                    self.browser.click(next, timeout).await?;
                }
                Ok(rows)
            }
            ItemSource::Csv { path, encoding } => Ok(read_csv(&base.join(path.render(&self.scope)?), *encoding)?),
            ItemSource::Json { path } => Ok(read_json(&base.join(path.render(&self.scope)?))?),
            ItemSource::Xml { path, each, headers, namespaces, .. } => {
                self.read_xml_source(path, each.as_deref(), headers, namespaces, key).await
            }
            ItemSource::OpenEPlatform(source) => self.read_platform(source).await,
            ItemSource::Http { url, items_at, headers, next, .. } => {
                let url = url.render(&self.scope)?;
                let (items_at, next) = (items_at.clone(), next.clone());
                let headers = self.headers(headers)?;
                let timeout = self.robot.timeouts.page_load;
                let answer = tokio::task::spawn_blocking(move || {
                    fetch_json(&url, items_at.as_deref(), &headers, next.as_ref(), timeout)
                })
                .await
                .map_err(|source| SystemError::Task { what: "HTTP request", source })?;
                Ok(answer?)
            }
        }
    }
}
