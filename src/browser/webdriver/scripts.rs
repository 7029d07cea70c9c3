//! The JavaScript the browser runs for nightshift: one script per kind of
//! step that finds its element and acts on it in a single round trip. The
//! longer scripts are files in `js/`, function bodies that WebDriver runs
//! with `arguments` (`script` puts `find` and `watchNavigation` before each).

use serde_json::Value as Json;

use crate::browser::Selector;

pub(super) fn selector_json(s: &Selector) -> Json {
    serde_json::to_value(s).unwrap_or(Json::Null)
}

/// Finds an element from a `{css}` or `{xpath}` selector; shared by the scripts
/// (public for the benchmark that issues the same commands without nightshift).
pub const FIND: &str = include_str!("js/find.js");

/// Sets every field and clicks `submit` (watching, as `WATCH_NAVIGATION`
/// does, for the page it may load).
pub(super) const FILL: &str = include_str!("js/fill.js");

/// Before an action that may load another page: a flag that the Navigation
/// API raises when the page starts to leave for another document.
pub(super) const WATCH_NAVIGATION: &str = "watchNavigation(); return true;";

/// After a submit clicked by script: whether the page stays, is leaving, or
/// was already replaced (the flag is gone with it). The check runs in the
/// page's task queue after the task the click queued, so it knows.
pub(super) const LEAVING: &str =
    "return window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay');";

/// The same after a WebDriver click, whose navigation may begin a little
/// later (measured: 9 of 200 were missed without the wait): it answers once
/// the tasks queued meanwhile have run.
pub(super) const LEAVING_AFTER_CLICK: &str = include_str!("js/leaving_after_click.js");

/// True once the page that was left has been replaced and has loaded (null before).
pub(super) const ARRIVED_OR_NULL: &str =
    "return window.__nightshiftLeaving === undefined && document.readyState === 'complete' ? true : null;";

/// Whether the browser shows its own error page (and its error code), and the
/// HTTP status of the page's navigation where the browser reports it.
pub(super) const NAVIGATION: &str = include_str!("js/navigation.js");

/// A field's value, else the text as shown: nothing for a hidden element,
/// and no blank lines between blocks.
pub const READ_TEXT: &str = include_str!("js/read_text.js");

pub(super) const READ_TABLE: &str = include_str!("js/read_table.js");

/// Answers a condition's probes: for each element, whether it is there,
/// shown, usable and ticked, with its text and value.
pub(super) const PROBE: &str = include_str!("js/probe.js");

/// Puts all but the last character of a `choose` value into its field.
pub(super) const PASTE: &str = include_str!("js/paste.js");

/// Helpers for lists that draw only the rows in view, put before `SCROLL`
/// and `READ_GRID`.
pub(super) const LIST: &str = include_str!("js/list.js");

/// Scrolls a virtualised list until an element is rendered or the list ends.
pub(super) const SCROLL: &str = include_str!("js/scroll.js");

/// Reads an ARIA grid, and every row of a virtualised one.
pub(super) const READ_GRID: &str = include_str!("js/read_grid.js");

/// Before a step with `expect`: keeps every text the page shows from now
/// on, for `Probe::Seen`.
pub(super) const WATCH_TEXTS: &str = include_str!("js/watch_texts.js");

/// Whether an element can be acted on as a person would: `{el, why}` with
/// `why` null when it can; null when it is not there. Marks the document as
/// `WATCH_NAVIGATION` does, for a click that may load another page.
pub(super) const ACTIONABLE: &str = include_str!("js/actionable.js");

/// An element's absolute XPath, by position among its like siblings.
pub(super) const XPATH_OF: &str = include_str!("js/xpath_of.js");

/// HTML drag and drop between two elements, for a `draggable` source: the
/// events a person's drag fires, with one DataTransfer. False when the
/// source is not draggable (the mouse drags it instead).
pub(super) const DRAG_HTML: &str = include_str!("js/drag_html.js");

pub(super) const EXISTS: &str = "return findAny(arguments[0]) !== null;";

/// `{el, several}`: the element a selector finds (through shadow roots,
/// where WebDriver's own search does not look), and how many a CSS or XPath
/// selector matched when more than one; null when none.
pub(super) const FIND_ELEMENT: &str =
    "const el = find(arguments[0]); return el && { el, several: several(arguments[0]) };";

pub(super) const FIRST_MATCH: &str = include_str!("js/first_match.js");

pub(super) const IS_CHECKED: &str = include_str!("js/is_checked.js");

/// Picks or takes back options by label (whitespace collapsed) or value,
/// firing the events a person's choice fires. Names a missing option and
/// lists those there.
pub(super) const SELECT: &str = include_str!("js/select.js");

pub(super) const ATTRIBUTE: &str = include_str!("js/attribute.js");

/// A combobox's options as shown now: `{offered, pick}` (the option that
/// fits, or null), `{chosen}` once a `<datalist>`'s value was set, or null
/// while no option is shown or the list says it is busy.
pub(super) const OPTIONS: &str = include_str!("js/options.js");

/// Why a locator may have found nothing, when the page says more than
/// "it is not there": an XPath on a page of web components, or components
/// whose shadow roots are closed. Null when neither.
pub(super) const MISS_HINT: &str = include_str!("js/miss_hint.js");

pub fn script(body: &str) -> String {
    format!("{FIND}{WATCH}{body}")
}

/// Marks the document before an action that may load another page: a flag
/// that the Navigation API raises when the page starts to leave for another
/// document (`LEAVING` reads it). Shared by the scripts that click.
const WATCH: &str = include_str!("js/watch.js");

/// The later start of the current document and the top one (a frame's
/// page may be the case's own while the frameset is older, and back).
pub(super) const PAGE_LOADED_AT: &str = include_str!("js/page_loaded_at.js");

/// Replaces matching text in every text node and field of the top document
/// and its same-origin frames, keeping the originals to put back.
pub(super) const MASK_TEXT: &str = include_str!("js/mask_text.js");

pub(super) const UNMASK_TEXT: &str = include_str!("js/unmask_text.js");
