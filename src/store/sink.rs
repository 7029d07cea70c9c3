//! Writes one run's events into the run log as they arrive: a row per step,
//! case, log line and evidence file, the run's counters from the events'
//! fold, and at the end the outcome with its mail in one transaction.

use std::collections::HashMap;

use chrono::{SecondsFormat, Utc};
use rusqlite::params;

use crate::mail::PlanMail;
use crate::runner::event::{EventSink, ItemStatus, RunEvent, RunStatus, StepRecord};
use crate::runner::totals::Totals;
use crate::store::ledger::{open_exception, saw_open_exception};
use crate::store::outbox::queue_run_mail;
use crate::store::{Store, StoreError};

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Writes one run's events into the store as they arrive.
pub struct StoreSink<'a> {
    store: &'a mut Store,
    run_id: i64,
    robot: String,
    /// With a planner, the run's mail is queued as it finishes, in the same transaction.
    mail: Option<Box<dyn PlanMail>>,
    /// Case rows and keys by their place in the run.
    item_ids: HashMap<usize, (i64, String)>,
    totals: Totals,
    /// The fields of a case that ended in a business exception, as JSON, until its row is finished.
    case_fields: HashMap<usize, String>,
    /// The first write error; the run goes on, the caller reports it.
    pub error: Option<StoreError>,
}

impl<'a> StoreSink<'a> {
    pub fn new(store: &'a mut Store, run_id: i64, robot: &str) -> Self {
        Self {
            store,
            run_id,
            robot: robot.to_string(),
            mail: None,
            item_ids: HashMap::new(),
            totals: Totals::default(),
            case_fields: HashMap::new(),
            error: None,
        }
    }

    /// Queue the mail `planner` plans when the run finishes.
    pub fn with_mail(mut self, planner: impl PlanMail + 'static) -> Self {
        self.mail = Some(Box::new(planner));
        self
    }

    fn item_id(&self, seq: Option<usize>) -> Option<i64> {
        seq.and_then(|s| self.item_ids.get(&s).map(|(id, _)| *id))
    }

    fn write(&mut self, event: &RunEvent) -> Result<(), StoreError> {
        let run_id = self.run_id;
        match event {
            // The run's row is written before the runner starts.
            RunEvent::RunStarted { .. } => {}
            RunEvent::Step(step) => self.step(step)?,
            RunEvent::ItemsFound { total, workers } => {
                let sql = "UPDATE runs SET items_total = ?1, workers = ?2 WHERE id = ?3";
                self.store.conn.execute(sql, params![*total as i64, *workers as i64, run_id])?;
            }
            RunEvent::ItemStarted { seq, key, started_at, handler, worker } => {
                self.store.conn.execute(
                    "INSERT INTO items (run_id, seq, key, status, started_at, handler, worker)
                     VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)",
                    params![
                        run_id,
                        *seq as i64,
                        key,
                        started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                        handler,
                        *worker as i64
                    ],
                )?;
                self.item_ids.insert(*seq, (self.store.conn.last_insert_rowid(), key.clone()));
            }
            RunEvent::ItemFinished { seq, status, message, duration, attempts } => {
                self.item_finished(*seq, *status, message.as_deref(), duration.as_millis() as i64, *attempts)?;
            }
            RunEvent::CaseFields { seq, fields } => {
                let object: serde_json::Map<String, serde_json::Value> =
                    fields.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
                self.case_fields.insert(*seq, serde_json::Value::Object(object).to_string());
            }
            RunEvent::ItemRetry { seq, attempt, error } => {
                self.log(Some(*seq), &format!("retry {attempt} after: {error}"))?;
            }
            RunEvent::FailedAt { item, url, step } => match self.item_id(*item) {
                Some(id) => {
                    let sql = "UPDATE items SET error_url = ?1, error_step = ?2 WHERE id = ?3";
                    self.store.conn.execute(sql, params![url, step, id])?;
                }
                // Setup's or teardown's: the run's own log says where it stopped.
                None => {
                    let page = url.as_deref().map(|u| format!(", on the page {u}")).unwrap_or_default();
                    self.log(None, &format!("stopped at {step}{page}"))?;
                }
            },
            RunEvent::Cursor { value } => {
                self.store.conn.execute(
                    "INSERT INTO cursors (robot, value, run_id, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (robot) DO UPDATE SET value = ?2, run_id = ?3, updated_at = ?4",
                    params![self.robot, value, run_id, now()],
                )?;
            }
            RunEvent::Ledger { key, state, fingerprint } => {
                self.store.set_ledger(&self.robot, key, *state, run_id, *fingerprint)?;
            }
            RunEvent::Fallback { item, line, wanted, used } => {
                self.store.conn.execute(
                    "INSERT INTO fallbacks (run_id, item_id, robot, line, wanted, used, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![run_id, self.item_id(*item), self.robot, line, wanted, used, now()],
                )?;
            }
            RunEvent::Evidence { item, kind, path } => {
                self.store.conn.execute(
                    "INSERT INTO evidence (run_id, item_id, kind, path, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![run_id, self.item_id(*item), kind.as_str(), path.display().to_string(), now()],
                )?;
            }
            RunEvent::Log { item, message } => self.log(*item, message)?,
            RunEvent::RunFinished { status, error, duration } => {
                self.run_finished(*status, error.as_deref(), duration.as_millis() as i64)?;
            }
        }
        Ok(())
    }

    fn step(&mut self, s: &StepRecord) -> Result<(), StoreError> {
        self.store.conn.execute(
            "INSERT INTO steps (run_id, item_id, block, idx, keyword, summary, line, started_at, duration_ms, outcome, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                self.run_id,
                self.item_id(s.item),
                s.block.as_str(),
                s.index as i64,
                s.keyword,
                s.summary,
                s.line,
                s.started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                s.duration.as_secs_f64() * 1000.0,
                s.outcome.as_str(),
                s.error,
            ],
        )?;
        Ok(())
    }

    fn item_finished(
        &mut self,
        seq: usize,
        status: ItemStatus,
        message: Option<&str>,
        duration_ms: i64,
        attempts: u32,
    ) -> Result<(), StoreError> {
        let Some((item_id, key)) = self.item_ids.get(&seq).cloned() else { return Ok(()) };
        let tx = self.store.conn.transaction()?;
        // Saved time is the robot's minutes per case in force when the case was done.
        tx.execute(
            "UPDATE items SET status = ?1, message = ?2, finished_at = ?3, duration_ms = ?4, attempts = ?5,
             saved_minutes = CASE WHEN ?1 = 'done' THEN (SELECT manual_minutes FROM runs WHERE id = ?6) ELSE 0 END
             WHERE id = ?7",
            params![status.as_str(), message, now(), duration_ms, attempts, self.run_id, item_id],
        )?;
        // The run's counters are the events' fold, as the console's are.
        let t = &self.totals;
        tx.execute(
            "UPDATE runs SET done_count = ?1, business_count = ?2, system_count = ?3, awaiting_count = ?4,
             saved_minutes = ?1 * manual_minutes WHERE id = ?5",
            params![
                t.done as i64,
                t.business_exceptions as i64,
                t.system_exceptions as i64,
                t.awaiting_officer as i64,
                self.run_id
            ],
        )?;
        // A business exception opens with the case's row; a case met while
        // open is seen again. Same transaction: a crash keeps both or neither.
        match status {
            ItemStatus::BusinessException => {
                let fields = self.case_fields.remove(&seq);
                open_exception(&tx, &self.robot, &key, (self.run_id, item_id), fields.as_deref())?
            }
            ItemStatus::AwaitingOfficer => saw_open_exception(&tx, &self.robot, &key, self.run_id)?,
            _ => {}
        }
        tx.commit()?;
        Ok(())
    }

    fn log(&mut self, item: Option<usize>, message: &str) -> Result<(), StoreError> {
        self.store.conn.execute(
            "INSERT INTO logs (run_id, item_id, at, message) VALUES (?1, ?2, ?3, ?4)",
            params![self.run_id, self.item_id(item), now(), message],
        )?;
        Ok(())
    }

    fn run_finished(&mut self, status: RunStatus, error: Option<&str>, duration_ms: i64) -> Result<(), StoreError> {
        let run_id = self.run_id;
        let tx = self.store.conn.transaction()?;
        // A case still open when the run ends (a run abandoned after a stop)
        // was left half-done.
        tx.execute(
            "UPDATE items SET status = 'needs_review', finished_at = ?1 WHERE run_id = ?2 AND status = 'running'",
            params![now(), run_id],
        )?;
        tx.execute(
            "UPDATE runs SET status = ?1, error = ?2, finished_at = ?3, duration_ms = ?4 WHERE id = ?5",
            params![status.as_str(), error, now(), duration_ms, run_id],
        )?;
        if let Some(planner) = self.mail.as_deref() {
            queue_run_mail(&tx, run_id, planner)?;
        }
        tx.commit()?;
        Ok(())
    }
}

impl StoreSink<'_> {
    /// The run log's file, to name in an error.
    fn file(&self) -> String {
        self.store.conn.path().unwrap_or("nightshift.db").to_string()
    }
}

impl EventSink for StoreSink<'_> {
    fn emit(&mut self, event: &RunEvent) {
        self.totals.record(event);
        if let Err(e) = self.write(event) {
            // Said once: every later write fails the same way.
            if self.error.is_none() {
                tracing::error!("the run log `{}` cannot be written: {e}; no further case is started", self.file());
            }
            self.error.get_or_insert(e);
        }
    }

    fn broken(&self) -> Option<String> {
        self.error.as_ref().map(|e| format!("`{}`: {e}", self.file()))
    }
}
