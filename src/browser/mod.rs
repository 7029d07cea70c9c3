//! The browser as the runner sees it: a trait with one method per kind of
//! action. `webdriver` is the real implementation (and the only file that
//! imports fantoccini); tests of the runner's logic use a fake.

pub(crate) mod chromedriver;
#[cfg(test)]
pub(crate) mod fake;
pub mod webdriver;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

pub use crate::robot::locator::Selector;
pub use crate::robot::step::KEYS;

/// How often a wait looks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

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
    /// The current page's address contains this.
    Url(String),
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Element(s) => write!(f, "the element {s}"),
            Condition::Text(t) => write!(f, "text `{t}`"),
            Condition::Gone(s) => write!(f, "gone {s}"),
            Condition::Url(u) => write!(f, "url containing `{u}`"),
        }
    }
}

/// Which window a `window` step switches to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowTarget {
    /// A window other than the one the run started in and the current one
    /// (a popup that was just opened), waited for.
    New,
    /// The window the run started in.
    Main,
    /// The first window whose title contains this, waited for.
    Title(String),
    /// Closes the current window and goes back to the main one.
    Close,
}

/// How a `dialog` step answers an alert, confirm or prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogAnswer {
    /// OK, after typing the text into a prompt if one is given.
    Accept(Option<String>),
    /// Cancel.
    Dismiss,
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
    #[error("no element matched within {}", crate::human::fmt_duration(*.after))]
    NotFound { after: Duration },
    #[error("the condition was not met within {}", crate::human::fmt_duration(*.after))]
    Timeout { after: Duration },
    #[error("{0}")]
    Page(String),
    #[error("the browser session is gone: {0}")]
    SessionLost(String),
    /// The browser showed its own error page instead of the page.
    #[error("the page `{url}` did not load: {reason}")]
    NotLoaded { url: String, reason: String },
    #[error("the script did not return within {}", crate::human::fmt_duration(*.after))]
    ScriptTimedOut { after: Duration },
    /// A field, box or list that cannot be changed: nothing was changed.
    #[error("{target} is {state}: nothing was changed")]
    NotEditable { target: String, state: String },
}

/// One browser session. Every element method waits for its element up to
/// `timeout`, polling every `POLL_INTERVAL`.
pub trait Browser: Send {
    /// Loads a page; the HTTP status it answered with, when the browser tells.
    /// A page that did not load at all (refused, unknown host, a port the
    /// browser will not open) is `NotLoaded`.
    fn goto(&mut self, url: &str) -> impl Future<Output = Result<Option<u16>, BrowserError>> + Send;
    /// Clicks; when the click starts loading another page, returns once that
    /// page has replaced the old one.
    fn click(&mut self, target: &Selector, timeout: Duration) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Clicks and returns at once: for a link whose answer is a file to
    /// download, which starts a navigation that never replaces the page.
    fn click_only(
        &mut self,
        target: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
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
    /// The index of the first selector that finds an element, waiting for any.
    fn first_match(
        &mut self,
        candidates: &[Selector],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, BrowserError>> + Send;
    /// Ticks or unticks a checkbox (or picks a radio button) with a real click
    /// when it is not already in that state.
    fn set_checked(
        &mut self,
        target: &Selector,
        checked: bool,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Presses keys (names from `KEYS`) in an element, or where the focus is.
    fn press(
        &mut self,
        target: Option<&Selector>,
        keys: &[String],
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// An attribute of an element; empty when it has none.
    fn read_attribute(
        &mut self,
        target: &Selector,
        name: &str,
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Goes into a frame or iframe (`Some`), or back to the top document (`None`).
    fn frame(
        &mut self,
        target: Option<&Selector>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    fn window(
        &mut self,
        target: &WindowTarget,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Waits for an alert, confirm or prompt, answers it and returns its text.
    fn dialog(
        &mut self,
        answer: &DialogAnswer,
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Puts a local file into a file input.
    fn upload(
        &mut self,
        target: &Selector,
        file: &std::path::Path,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Runs JavaScript in the page with string arguments (`arguments[0]`, ...)
    /// and returns what it returns as text (JSON for anything but a string).
    /// A script still running after `timeout` is `ScriptTimedOut`.
    fn run_script(
        &mut self,
        script: &str,
        args: &[String],
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Brings the session back to a known state: a dialog left open
    /// dismissed, every window but the first closed, the first window and its
    /// top document current.
    fn reset(&mut self) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Where the browser saves downloads, when it is on this machine.
    fn download_dir(&self) -> Option<std::path::PathBuf>;
    /// When the page in view started to load (milliseconds since the Unix
    /// epoch): the later of the current frame's document and the top one's.
    fn page_loaded_at(&mut self) -> impl Future<Output = Result<f64, BrowserError>> + Send;
    /// A screenshot with every text and field value on the page (and in its
    /// same-origin frames) that matches the JavaScript regular expression
    /// `pattern` replaced by `replacement` (`$1` and the like work), put
    /// back as it was right after the capture.
    fn screenshot_masked(
        &mut self,
        pattern: &str,
        replacement: &str,
    ) -> impl Future<Output = Result<Vec<u8>, BrowserError>> + Send;
}
