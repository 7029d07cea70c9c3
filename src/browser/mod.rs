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

pub use crate::robot::keys::KEYS;
pub use crate::robot::locator::Selector;
pub use crate::robot::step_parts::{Gesture, History};

/// How often a wait looks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How often a wait that follows the robot's own action looks: a
/// combobox's options, the message a click should bring. Such waits are
/// short and end the moment the page answers; a look every 50 ms leaves
/// 25 ms unused on average per wait, more than the looks cost.
pub const QUICK_POLL: Duration = Duration::from_millis(10);

/// What a `select` step picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectBy {
    Label(String),
    Value(String),
}

/// What a `choose` step asks of a combobox.
#[derive(Debug, Clone, Copy)]
pub struct Choosing<'a> {
    pub value: &'a str,
    /// The option's text holds the value, rather than being it.
    pub contains: bool,
    /// Where the options are, when the combobox does not say (`aria-controls`).
    pub options: Option<&'a Selector>,
}

/// One thing a condition asks of the page; all of a condition's are
/// answered in one round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The first element the selector finds.
    Element(Selector),
    /// The visible text of the document in view.
    PageText,
    /// The address of the page in view (the top one's).
    Url,
    /// Every text shown since `watch_texts`, then the page's text now:
    /// `text` holds them separated by `SEEN_SEPARATOR`.
    Seen,
}

/// Between the texts a `Probe::Seen` answers.
pub const SEEN_SEPARATOR: char = '\u{1e}';

/// What the page answered to one `Probe`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Probed {
    pub found: bool,
    /// Takes up space and is not hidden by style.
    pub visible: bool,
    /// Not `disabled` (itself or through its fieldset).
    pub enabled: bool,
    /// A ticked checkbox or radio button, or a selected option.
    pub checked: bool,
    /// The visible text (empty for a hidden element), the page's text, or the address.
    pub text: String,
    /// A form field's value; another element's text.
    pub value: String,
}

/// How a `scroll` through a list ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scrolled {
    /// The element looked for is rendered now.
    pub found: bool,
    /// How many times the list was moved on by most of a view.
    pub views: u32,
    /// The list's end was reached (else the time ran out, or it was found).
    pub end: bool,
}

/// What a `cookies` step asks of the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cookies {
    Read,
    Set(Vec<(String, String)>),
    /// One by name, or all.
    Delete(Option<String>),
}

/// Which document a `frame` step switches to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameSwitch {
    Top,
    Parent,
    Element(Selector),
    /// The current document's frames by number, from 0.
    Index(u16),
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

/// An HTML table (or an ARIA grid) read by header names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table from its header cells and its rows, by position: a missing
    /// or repeated header gets a name of its own (`column 3`, `Namn 2`), and
    /// a row wider than the header adds columns, so that no cell is lost.
    pub fn from_cells(names: Vec<String>, mut rows: Vec<Vec<String>>) -> Self {
        let width = rows.iter().map(Vec::len).chain([names.len()]).max().unwrap_or(0);
        let mut headers: Vec<String> = Vec::with_capacity(width);
        for i in 0..width {
            let own = names.get(i).filter(|n| !n.is_empty());
            let mut name = own.cloned().unwrap_or_else(|| format!("column {}", i + 1));
            let mut n = 2;
            while headers.contains(&name) {
                name = format!("{} {n}", own.map_or("column", String::as_str));
                n += 1;
            }
            headers.push(name);
        }
        for row in &mut rows {
            row.resize(width, String::new());
        }
        Self { headers, rows }
    }
}

/// What went wrong on a page, as data; its text is made where it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PageError {
    #[error("the page did not finish loading in time")]
    LoadTimedOut,
    /// What one of nightshift's scripts found wrong, in its own words.
    #[error("{0}")]
    Script(String),
    /// What went wrong with one element.
    #[error("{target}: {problem}")]
    Element { target: String, problem: Box<PageError> },
    #[error("the page answered {answered} of {asked} probes")]
    ShortAnswer { answered: usize, asked: usize },
    #[error("the page has no frame number {index} (counting from 0)")]
    NoFrame { index: u16 },
    #[error("the page load time was not a number{}", .0.as_ref().map(|v| format!(": {v}")).unwrap_or_default())]
    NotATime(Option<String>),
    #[error("unknown key `{key}` (known: {known})")]
    UnknownKey { key: String, known: String },
    /// A WebDriver error: its code, and what it means in our words.
    #[error("{words}")]
    WebDriver { code: String, words: String },
}

/// A failure in the browser: always a system exception for the runner.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrowserError {
    #[error(
        "no element matched {target} within {}{}",
        crate::human::fmt_duration(*.after),
        .hint.as_ref().map(|h| format!(": {h}")).unwrap_or_default()
    )]
    NotFound { target: String, after: Duration, hint: Option<String> },
    /// Something waited for (a window, a dialog) that did not come.
    #[error("{waited_for} did not come within {}", crate::human::fmt_duration(*.after))]
    Timeout { waited_for: String, after: Duration },
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("the browser session is gone: {0}")]
    SessionLost(String),
    /// A new browser (a further worker's) did not start; the text says why.
    #[error("{0}")]
    NotStarted(String),
    /// The browser showed its own error page instead of the page.
    #[error("the page `{url}` did not load: {reason}")]
    NotLoaded { url: String, reason: String },
    #[error("the script did not return within {}", crate::human::fmt_duration(*.after))]
    ScriptTimedOut { after: Duration },
    /// An element that stayed unusable: hidden, disabled, moving or covered.
    #[error("{target} {why}, after waiting {}", crate::human::fmt_duration(*.after))]
    NotActionable { target: String, why: String, after: Duration },
    /// A field, box or list that cannot be changed: nothing was changed.
    #[error("{target} is {state}: nothing was changed")]
    NotEditable { target: String, state: String },
    /// A combobox whose options, once they had settled, had none that fits.
    #[error("{target} offers no option `{value}`")]
    NoSuchOption { target: String, value: String, offered: Vec<String> },
    /// An alert, confirm or prompt is open, with its own text when the browser said it.
    #[error("a dialog is open{}: answer it with a `dialog` step first", .text.as_ref().map(|t| format!(" (\"{t}\")")).unwrap_or_default())]
    DialogOpen { text: Option<String> },
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
    /// Picks (or with `selected` false, takes back) options of a list: one in
    /// a single list, any number in a multiple one.
    fn select(
        &mut self,
        target: &Selector,
        choices: &[SelectBy],
        selected: bool,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Types the value into a combobox (replacing what it held), waits for
    /// its options and clicks the one that fits; `NoSuchOption`, with those
    /// offered, when the options settle without one.
    fn choose(
        &mut self,
        target: &Selector,
        wanted: &Choosing<'_>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Answers each probe, now, in one round trip.
    fn probe(&mut self, probes: &[Probe]) -> impl Future<Output = Result<Vec<Probed>, BrowserError>> + Send;
    /// The text of an element, or the value of a form field.
    fn read_text(
        &mut self,
        target: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Reads an HTML table, or an ARIA grid; with `scroll`, every row of
    /// one that draws only the rows in view, walking it to its end.
    fn read_table(
        &mut self,
        target: &Selector,
        scroll: bool,
        timeout: Duration,
    ) -> impl Future<Output = Result<Table, BrowserError>> + Send;
    /// Scrolls the list `list` (or the first element inside it that
    /// scrolls) from its top until `until` is rendered, its end is reached,
    /// or `timeout` passes; `until` then brought into view.
    fn scroll_until(
        &mut self,
        list: &Selector,
        until: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<Scrolled, BrowserError>> + Send;
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
    /// An attribute of an element as written, or with `property` one of its
    /// DOM properties as the page has it now (`value`, `checked`, an
    /// absolute `href`); empty when it has none.
    fn read_attribute(
        &mut self,
        target: &Selector,
        name: &str,
        property: bool,
        timeout: Duration,
    ) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Goes into a frame or iframe, to the parent document, or to the top one.
    fn frame(
        &mut self,
        target: &FrameSwitch,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Moves the mouse onto the element, and double- or right-clicks it.
    fn pointer(
        &mut self,
        target: &Selector,
        gesture: Gesture,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Drags `from` onto `to`.
    fn drag(
        &mut self,
        from: &Selector,
        to: &Selector,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// Empties a field (with the events a person's deleting would fire).
    fn clear(&mut self, target: &Selector, timeout: Duration) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// The page's cookies as a JSON list (`Read`), or sets or deletes some;
    /// `""` for a change.
    fn cookies(&mut self, change: &Cookies) -> impl Future<Output = Result<String, BrowserError>> + Send;
    /// Back, forward or reload, waiting for the page as `goto` does.
    fn history(&mut self, go: History) -> impl Future<Output = Result<(), BrowserError>> + Send;
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
    /// Runs JavaScript in the page with `args` (`arguments[0]`, ...) and
    /// returns what it returns as text: a string as it is, `null` for null
    /// or nothing, an element as an `xpath:` locator for later steps, JSON
    /// for anything else. A returned Promise is waited for. A script still
    /// running after `timeout` is `ScriptTimedOut`.
    fn run_script(
        &mut self,
        script: &str,
        args: &[serde_json::Value],
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
    /// From now on keeps every text the page shows, even for a moment, for
    /// `Probe::Seen` to answer (until the page loads another document).
    fn watch_texts(&mut self) -> impl Future<Output = Result<(), BrowserError>> + Send;
    /// The CSS and XPath selectors that matched several elements when an
    /// action took the first, since this was last asked, with how many.
    fn take_several(&mut self) -> Vec<(String, usize)> {
        Vec::new()
    }
}

#[cfg(test)]
mod table_tests {
    use super::Table;

    #[test]
    fn columns_without_a_header_or_with_a_repeated_one_get_names_of_their_own() {
        let cell = |t: &str| t.to_string();
        let table = Table::from_cells(
            vec![cell("Namn"), cell(""), cell("Namn")],
            vec![vec![cell("a"), cell("b"), cell("c"), cell("d")], vec![cell("e")]],
        );
        assert_eq!(table.headers, ["Namn", "column 2", "Namn 2", "column 4"]);
        assert_eq!(table.rows[1], ["e", "", "", ""], "a short row is padded, a wide one adds a column");
    }
}
