//! What a person at a terminal sees while a robot runs: one progress line
//! that updates in place on a terminal, one line per case otherwise.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};

use crate::human::fmt_duration;
use crate::runner::event::{EventSink, ItemStatus, RunEvent};
use crate::runner::totals::Totals;

pub(crate) struct ConsoleSink {
    robot: String,
    totals: Totals,
    /// The cases under way, by their place in the run: key and worker.
    cases: HashMap<usize, (String, usize)>,
    /// How many workers share the cases: with more than one, lines name the worker.
    workers: usize,
    out: Box<dyn Write + Send>,
    tty: bool,
    quiet: bool,
    /// Locator fallbacks used in the run: how often each, by line, first entry and entry used.
    fallbacks: BTreeMap<(u32, String, String), usize>,
}

impl ConsoleSink {
    /// Writes to stderr; in place when it is a terminal.
    pub(crate) fn new(robot: &str, quiet: bool) -> Self {
        Self::to_writer(robot, Box::new(std::io::stderr()), std::io::stderr().is_terminal(), quiet)
    }

    /// Writes to `out`, as to a terminal when `tty`.
    pub(crate) fn to_writer(robot: &str, out: Box<dyn Write + Send>, tty: bool, quiet: bool) -> Self {
        let (robot, totals, cases) = (robot.to_string(), Totals::default(), HashMap::new());
        Self { robot, totals, cases, workers: 1, out, tty, quiet, fallbacks: BTreeMap::new() }
    }

    /// How a case is named on its lines: its key, and its worker when several share the run.
    fn case(&self, seq: Option<usize>) -> String {
        match seq.and_then(|seq| self.cases.get(&seq)) {
            Some((key, worker)) if self.workers > 1 => format!("{key} (worker {worker})"),
            Some((key, _)) => key.clone(),
            None => String::new(),
        }
    }

    /// Shows `text` as the current line; `keep` ends it on a terminal, so
    /// the next line does not overwrite it.
    fn line(&mut self, text: &str, keep: bool) {
        if self.tty {
            let _ = write!(self.out, "\r\x1b[2K{text}");
            if keep {
                let _ = writeln!(self.out);
            }
        } else {
            let _ = writeln!(self.out, "{text}");
        }
        let _ = self.out.flush();
    }

    /// The line an event shows, if any, and whether it stays on a terminal.
    fn text(&mut self, event: &RunEvent) -> Option<(String, bool)> {
        let total = self.totals.items_total;
        match event {
            RunEvent::ItemsFound { total, workers } => {
                self.workers = *workers;
                let shared = if *workers > 1 { format!(", {workers} workers") } else { String::new() };
                Some((format!("{}: {total} case(s) to handle{shared}", self.robot), false))
            }
            RunEvent::ItemStarted { seq, key, worker, .. } => {
                self.cases.insert(*seq, (key.clone(), *worker));
                let started = self.cases.len() + self.totals.finished;
                self.tty.then(|| (format!("[{started}/{total}] {} ...", self.case(Some(*seq))), false))
            }
            RunEvent::ItemFinished { seq, status, message, duration, .. } => {
                let outcome = match (status, message) {
                    (ItemStatus::Done, _) => "done".to_string(),
                    (s, Some(m)) => format!("{}: {m}", s.as_str()),
                    (s, None) => s.as_str().to_string(),
                };
                let finished = self.totals.finished;
                let text =
                    format!("[{finished}/{total}] {} {outcome} ({})", self.case(Some(*seq)), fmt_duration(*duration));
                self.cases.remove(seq);
                Some((text, *status != ItemStatus::Done))
            }
            RunEvent::ItemRetry { seq, attempt, error } => {
                Some((format!("  {} retry {attempt} after: {error}", self.case(Some(*seq))), true))
            }
            RunEvent::Log { message, .. } => Some((format!("log: {message}"), true)),
            RunEvent::Fallback { item, line, wanted, used } => {
                *self.fallbacks.entry((*line, wanted.clone(), used.clone())).or_default() += 1;
                let text = format!(
                    "  {} line {line}: `{wanted}` found nothing, fallback `{used}` matched: has the page changed?",
                    self.case(*item)
                );
                Some((text, true))
            }
            RunEvent::RunFinished { .. } if !self.fallbacks.is_empty() => {
                let used: Vec<String> = self
                    .fallbacks
                    .iter()
                    .map(|((line, wanted, used), n)| format!("line {line} `{wanted}` -> `{used}` {n}x"))
                    .collect();
                Some((format!("{}: locator fallbacks used: {}", self.robot, used.join("; ")), true))
            }
            RunEvent::Step(step) if step.error.is_some() && step.item.is_none() => Some((
                format!(
                    "{} step `{}` on line {} failed: {}",
                    step.block.as_str(),
                    step.keyword,
                    step.line,
                    step.error.as_deref().unwrap_or_default()
                ),
                true,
            )),
            _ => None,
        }
    }
}

impl EventSink for ConsoleSink {
    fn emit(&mut self, event: &RunEvent) {
        self.totals.record(event);
        if self.quiet {
            return;
        }
        if let Some((text, keep)) = self.text(event) {
            self.line(&text, keep);
        }
        if self.tty && matches!(event, RunEvent::RunFinished { .. }) {
            let _ = writeln!(self.out);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use chrono::Utc;

    use super::*;
    use crate::runner::event::{Block, RunStatus, StepOutcome, StepRecord};

    /// A writer the test keeps a handle to.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn events() -> Vec<RunEvent> {
        let finished = |seq, status, message: Option<&str>, ms| RunEvent::ItemFinished {
            seq,
            status,
            message: message.map(String::from),
            duration: Duration::from_millis(ms),
            attempts: 1,
        };
        let started = |seq, key: &str| RunEvent::ItemStarted {
            seq,
            key: key.into(),
            started_at: Utc::now(),
            handler: None,
            worker: 1,
        };
        vec![
            RunEvent::RunStarted { robot: "vaccination-consent".into(), run_id: 7 },
            RunEvent::ItemsFound { total: 4, workers: 1 },
            started(0, "2026-1041"),
            finished(0, ItemStatus::Done, None, 1200),
            started(1, "2026-1042"),
            RunEvent::ItemRetry { seq: 1, attempt: 1, error: "line 30: `click` failed: no element matched".into() },
            RunEvent::Fallback { item: Some(1), line: 30, wanted: "#save".into(), used: "text:Spara".into() },
            RunEvent::Log { item: Some(1), message: "the journal answered slowly".into() },
            finished(1, ItemStatus::Done, None, 2400),
            started(2, "2026-1043"),
            finished(2, ItemStatus::BusinessException, Some("Eleven finns inte i journalen"), 800),
            started(3, "2026-1040"),
            finished(3, ItemStatus::AwaitingOfficer, Some("the exception run 5 opened is not settled yet"), 0),
            RunEvent::Step(StepRecord {
                block: Block::Teardown,
                item: None,
                index: 0,
                keyword: "click",
                summary: "#logout".into(),
                line: 41,
                started_at: Utc::now(),
                duration: Duration::from_millis(10),
                outcome: StepOutcome::Failed,
                error: Some("no element matched within 2s".into()),
            }),
            RunEvent::RunFinished { status: RunStatus::SucceededWithExceptions, error: None, duration: Duration::ZERO },
        ]
    }

    fn shown(tty: bool) -> String {
        let out = Shared::default();
        let mut console = ConsoleSink::to_writer("vaccination-consent", Box::new(out.clone()), tty, false);
        for event in events() {
            console.emit(&event);
        }
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn with_several_workers_each_line_names_the_case_and_its_worker() {
        let out = Shared::default();
        let mut console = ConsoleSink::to_writer("vaccination-consent", Box::new(out.clone()), false, false);
        let started = |seq, key: &str, worker| RunEvent::ItemStarted {
            seq,
            key: key.into(),
            started_at: Utc::now(),
            handler: None,
            worker,
        };
        let finished = |seq, ms| RunEvent::ItemFinished {
            seq,
            status: ItemStatus::Done,
            message: None,
            duration: Duration::from_millis(ms),
            attempts: 1,
        };
        // Two cases under way at once, finishing in the other order.
        for event in [
            RunEvent::ItemsFound { total: 2, workers: 2 },
            started(0, "2026-1041", 1),
            started(1, "2026-1042", 2),
            RunEvent::ItemRetry { seq: 0, attempt: 1, error: "the journal did not answer".into() },
            finished(1, 900),
            finished(0, 2100),
        ] {
            console.emit(&event);
        }
        let shown = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            shown,
            "vaccination-consent: 2 case(s) to handle, 2 workers\n\
             \x20 2026-1041 (worker 1) retry 1 after: the journal did not answer\n\
             [1/2] 2026-1042 (worker 2) done (900ms)\n\
             [2/2] 2026-1041 (worker 1) done (2.1s)\n"
        );
    }

    #[test]
    fn one_line_per_case_when_not_on_a_terminal() {
        insta::assert_snapshot!("console_plain", shown(false));
    }

    #[test]
    fn on_a_terminal_the_progress_line_is_rewritten_and_exceptions_stay() {
        let text = shown(true).replace('\r', "<CR>").replace("\x1b[2K", "<EL>");
        insta::assert_snapshot!("console_tty", text);
    }
}
