//! What a person at a terminal sees while a robot runs: one progress line
//! that updates in place on a terminal, one line per case otherwise.

use std::io::{IsTerminal, Write};

use crate::human::fmt_duration;
use crate::runner::event::{EventSink, ItemStatus, RunEvent};

pub struct ConsoleSink {
    robot: String,
    total: usize,
    finished: usize,
    current_key: String,
    tty: bool,
    quiet: bool,
}

impl ConsoleSink {
    pub fn new(robot: &str, quiet: bool) -> Self {
        Self {
            robot: robot.to_string(),
            total: 0,
            finished: 0,
            current_key: String::new(),
            tty: std::io::stderr().is_terminal(),
            quiet,
        }
    }

    fn line(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{text}");
        } else {
            let _ = writeln!(err, "{text}");
        }
        let _ = err.flush();
    }
}

impl EventSink for ConsoleSink {
    fn emit(&mut self, event: &RunEvent) {
        if self.quiet {
            return;
        }
        match event {
            RunEvent::ItemsFound { total } => {
                self.total = *total;
                self.line(&format!("{}: {total} case(s) to handle", self.robot));
            }
            RunEvent::ItemStarted { seq, key, .. } => {
                self.current_key = key.clone();
                if self.tty {
                    self.line(&format!("[{}/{}] {key} ...", seq + 1, self.total));
                }
            }
            RunEvent::ItemFinished { status, message, duration, .. } => {
                self.finished += 1;
                let outcome = match (status, message) {
                    (ItemStatus::Done, _) => "done".to_string(),
                    (s, Some(m)) => format!("{}: {m}", s.as_str()),
                    (s, None) => s.as_str().to_string(),
                };
                let text = format!(
                    "[{}/{}] {} {outcome} ({})",
                    self.finished,
                    self.total,
                    self.current_key,
                    fmt_duration(*duration)
                );
                if self.tty && *status != ItemStatus::Done {
                    self.line(&text);
                    eprintln!();
                } else {
                    self.line(&text);
                }
            }
            RunEvent::ItemRetry { attempt, error, .. } => {
                self.line(&format!("  {} retry {attempt} after: {error}", self.current_key));
                if self.tty {
                    eprintln!();
                }
            }
            RunEvent::Log { message, .. } => {
                self.line(&format!("log: {message}"));
                if self.tty {
                    eprintln!();
                }
            }
            RunEvent::Step(step) if step.error.is_some() && step.item.is_none() => {
                self.line(&format!(
                    "{} step `{}` on line {} failed: {}",
                    step.block.as_str(),
                    step.keyword,
                    step.line,
                    step.error.as_deref().unwrap_or_default()
                ));
                if self.tty {
                    eprintln!();
                }
            }
            RunEvent::RunFinished { .. } if self.tty => eprintln!(),
            _ => {}
        }
    }
}
