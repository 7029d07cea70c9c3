//! A validated robot: what the runner executes. Built only by `validate`.

use std::path::PathBuf;
use std::time::Duration;

use crate::robot::expr::Template;
use crate::robot::locator::Locator;
use crate::robot::step::Step;

/// How long an element step waits for its element unless told otherwise.
pub(crate) const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a page may take to load before the step fails.
pub(crate) const DEFAULT_PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
pub struct Robot {
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    /// Who is told about business exceptions.
    pub handlers: Vec<String>,
    pub language: Language,
    /// Minutes a person needs per case: the basis of saved time.
    pub manual_minutes: f64,
    /// Names of the secrets the robot uses (`${secrets.NAME}`).
    pub secrets: Vec<String>,
    pub vars: Vec<(String, Template)>,
    pub browser: BrowserSettings,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub notify: NotifySettings,
    pub privacy: Privacy,
    pub setup: Vec<Step>,
    pub items: Option<Items>,
    pub teardown: Vec<Step>,
    /// How to tell that the target system ended the session, and log in again.
    pub session: Option<Session>,
}

/// A target system that ends sessions mid-run: before each case, after each
/// `goto` and after a failed step, `expired` is tested; when it holds the
/// `login` steps run and the step is tried once more.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub expired: crate::robot::condition::Condition,
    pub login: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Swedish,
    English,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BrowserSettings {
    pub headless: bool,
    pub window_size: (u32, u32),
    /// The attribute `testid:` reads, when the page's authors use their own
    /// (`data-qa`); `None` reads `data-testid`, `data-test` and `data-cy`.
    pub test_id: Option<String>,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        Self { headless: true, window_size: (1280, 1024), test_id: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub step: Duration,
    pub page_load: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { step: DEFAULT_STEP_TIMEOUT, page_load: DEFAULT_PAGE_LOAD_TIMEOUT }
    }
}

/// Where the cases come from and what is done with each.
#[derive(Debug, Clone, PartialEq)]
pub struct Items {
    pub source: ItemSource,
    /// The field that identifies a case (an errand number).
    pub key: String,
    pub steps: Vec<Step>,
    /// Run before a case is tried again (a retry, or a case left half-done by
    /// a crash): ending in `skip` means the case is already in the target
    /// system; finishing means it is not, and the case is redone.
    pub check: Option<Vec<Step>>,
    /// Rows for which this does not hold are not cases at all (a condition
    /// on the case's fields only).
    pub filter: Option<crate::robot::condition::Condition>,
    /// Run after a case ends in a business exception (`${exception.message}`
    /// holds its message), to tell the source system, for example.
    pub on_exception: Vec<Step>,
    /// Run after a case is done.
    pub on_done: Vec<Step>,
    /// Browser sessions that share the cases, each with its own setup (1 unless asked).
    pub workers: usize,
}

/// How the robot's exception mail is addressed and written.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifySettings {
    /// An item field holding the address of the officer responsible for
    /// that case; business exceptions go there instead of to `handlers`.
    pub handler_field: Option<String>,
    /// One mail per case instead of one digest per run.
    pub per_item: bool,
    /// Show personal identity numbers as `19121212-****` in mail.
    pub mask_personnummer: bool,
    /// Working days an open exception waits before its officer is
    /// reminded of it (again); 0 turns reminders off.
    pub remind_after_days: u32,
}

/// How long the robot's personal data is kept, and whether personnummer
/// are masked in everything nightshift writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privacy {
    /// Days after which a run's case data, messages and evidence are purged.
    pub retention_days: u32,
    /// Personnummer as `20120315-****` in the run log, console, JSON, evidence
    /// HTML and mail (not in the ledger's key, when the key is one).
    pub mask_personnummer: bool,
}

/// Case data is kept this many days unless a robot says otherwise.
/// The most workers (browser sessions) a run may have: `items.workers`, `run --workers`.
pub const MAX_WORKERS: usize = 16;

pub(crate) const DEFAULT_RETENTION_DAYS: u32 = 30;

impl Default for Privacy {
    fn default() -> Self {
        Self { retention_days: DEFAULT_RETENTION_DAYS, mask_personnummer: false }
    }
}

/// Officers are reminded of open exceptions after this many working days.
pub(crate) const DEFAULT_REMIND_AFTER_DAYS: u32 = 3;

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            handler_field: None,
            per_item: false,
            mask_personnummer: false,
            remind_after_days: DEFAULT_REMIND_AFTER_DAYS,
        }
    }
}

/// What happens when a case fails for a technical reason.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Extra attempts per case after a system exception.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub backoff: Duration,
    /// System exceptions in a row (after retries) that stop the run.
    pub stop_after: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 2, backoff: Duration::from_secs(1), stop_after: 3 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemSource {
    /// The rows of an HTML table on the current page, by header name; with
    /// `next_page`, the link is followed until it is gone.
    Table { locator: Locator, next_page: Option<Locator> },
    /// The rows of a CSV file (first line: header), path relative to the robot file.
    Csv { path: Template, encoding: crate::files::csv_file::Encoding },
    /// An array of objects in a JSON file, path relative to the robot file.
    Json { path: Template },
    /// XML files (a file, a folder's `.xml` files, or a pattern such as
    /// `inbox/*.xml`), each one case, or with `each` one case per element at
    /// that path below the root; fields by element name. With `done`, a
    /// file whose case is settled is moved into that folder.
    /// `path` may be an http(s) address instead: one document, or a
    /// folder's listing whose `.xml` links are the files (`headers` sent).
    /// `namespaces` binds prefixes: (prefix, namespace).
    Xml {
        path: Template,
        each: Option<String>,
        done: Option<Template>,
        headers: Vec<(String, Template)>,
        namespaces: Vec<(String, String)>,
    },
    /// Open ePlatform's API: the cases of one e-service family.
    OpenEPlatform(OepSource),
    /// An HTTP GET that answers JSON, for e-services with an API. With
    /// `cursor`, the largest value of that field among the cases settled is
    /// kept for the next run as `${cursor}`, so no case is fetched twice.
    /// `headers` are sent with every request (values may hold secrets);
    /// `next` says where the answer names its next page.
    Http {
        url: Template,
        items_at: Option<String>,
        cursor: Option<String>,
        cursor_start: String,
        headers: Vec<(String, Template)>,
        next: Option<NextPage>,
    },
}

/// Where an Open ePlatform is, who reads it, and which cases: one e-service
/// family, optionally only those with `status`; the events after the kept
/// cursor (`from_event` the first time), or the last `days` days where the
/// platform has no events.
#[derive(Debug, Clone, PartialEq)]
pub struct OepSource {
    pub url: Template,
    pub user: Template,
    pub password: Template,
    pub family: u32,
    pub status: Option<String>,
    pub days: u32,
    pub from_event: String,
}

/// How an API says where its next page is: a field holding the next page's
/// address (absolute or relative), or, with `param`, a cursor to send as
/// that query parameter of the first request's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPage {
    pub field: String,
    pub param: Option<String>,
}
