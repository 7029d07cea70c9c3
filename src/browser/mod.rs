//! The browser as the runner sees it: a trait with one method per kind of
//! action. `webdriver` is the real implementation (and the only file that
//! imports fantoccini); tests of the runner's logic use a fake.

pub mod chromedriver;
#[cfg(test)]
pub mod fake;
pub mod webdriver;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

/// How often a wait looks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A selector in one of the two forms WebDriver understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Selector {
    #[serde(rename = "css")]
    Css(String),
    #[serde(rename = "xpath")]
    XPath(String),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Css(s) => write!(f, "css `{s}`"),
            Selector::XPath(s) => write!(f, "xpath `{s}`"),
        }
    }
}

/// What a `select` step picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectBy {
    Label(String),
    Value(String),
}

/// What a wait waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Element(Selector),
    Text(String),
    Gone(Selector),
}

/// An HTML table read by header names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A failure in the browser: always a system exception for the runner.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrowserError {
    #[error("no element matched within {}", fmt_duration(*.after))]
    NotFound { after: Duration },
    #[error("the condition was not met within {}", fmt_duration(*.after))]
    Timeout { after: Duration },
    #[error("{0}")]
    Page(String),
    #[error("the browser session is gone: {0}")]
    SessionLost(String),
}

/// `1.5s`, `200ms`: how durations read in messages.
pub fn fmt_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// One browser session. Every element method waits for its element up to
/// `timeout`, polling every `POLL_INTERVAL`.
pub trait Browser: Send {
    fn goto(&mut self, url: &str) -> impl Future<Output = Result<(), BrowserError>> + Send;
    fn click(&mut self, target: &Selector, timeout: Duration) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Sets every field (value plus input/change events), in one call when all are present.
    fn fill(
        &mut self,
        fields: &[(Selector, String)],
        submit: Option<&Selector>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Sends real keystrokes.
    fn type_text(
        &mut self,
        target: &Selector,
        text: &str,
        clear: bool,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    fn select(
        &mut self,
        target: &Selector,
        choice: &SelectBy,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    fn wait_for(
        &mut self,
        condition: &Condition,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// The text of an element, or the value of a form field.
    fn read_text(
        &mut self,
        target: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    fn read_table(
        &mut self,
        target: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<Table, BrowserError>> + Send;
    /// Whether an element is there now, without waiting.
    fn exists(&mut self, target: &Selector) -> impl Future<Output = Result<bool, BrowserError>> + Send;
    fn screenshot(&mut self) -> impl Future<Output = Result<Vec<u8>, BrowserError>> + Send;
    fn page_source(&mut self) -> impl Future<Output = Result<String, BrowserError>> + Send;
    fn current_url(&mut self) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Replaces a dead session with a fresh one (a new browser, logged out).
    fn restart(&mut self) -> impl Future<Output = Result<(), BrowserError>> + Send;
}
