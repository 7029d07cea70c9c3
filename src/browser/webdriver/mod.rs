//! The real browser: a WebDriver session through fantoccini, against a managed
//! chromedriver or the server at `NIGHTSHIFT_WEBDRIVER_URL`.
//!
//! Element lookups that read or write run as one `execute` call that finds the
//! element and acts on it, so a step costs one round trip when its element is
//! there; clicks and keystrokes go through WebDriver's own element commands.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value as Json, json};
use thiserror::Error;
use webdriver::command::{GetParameters, VoidWebDriverExtensionCommand, WebDriverCommand};

use crate::browser::chromedriver::{Binaries, DriverError, ManagedDriver};
use crate::browser::{
    Browser, BrowserError, Choosing, Cookies, DialogAnswer, FrameSwitch, Gesture, History, KEYS, POLL_INTERVAL,
    PageError, Probe, Probed, QUICK_POLL, Scrolled, SelectBy, Selector, Table, WindowTarget,
};

mod actions;
mod lists;
mod profile;
mod scripts;
#[cfg(test)]
mod tests;
mod words;

use profile::{OwnedFolder, PROFILE_PREFIX, TEMP_PREFIX, rand_seed, reclaim_dead_profiles};
use scripts::{
    ACTIONABLE, ARRIVED_OR_NULL, ATTRIBUTE, DRAG_HTML, EXISTS, FILL, FIND_ELEMENT, FIRST_MATCH, IS_CHECKED, LEAVING,
    LEAVING_AFTER_CLICK, LIST, MASK_TEXT, MISS_HINT, NAVIGATION, OPTIONS, PAGE_LOADED_AT, PASTE, PROBE, READ_GRID,
    READ_TABLE, SCROLL, SELECT, UNMASK_TEXT, WATCH_NAVIGATION, WATCH_TEXTS, XPATH_OF, selector_json,
};
pub use scripts::{FIND, READ_TEXT, script};
use words::{dialog_text, first_line, own_words};

/// The flags Debian's Chromium needs on a closed network, headless.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-breakpad",
    "--password-store=basic",
];

/// How long creating a session may take, from the first request to a
/// usable browser: a WebDriver server that never answers fails after this.
pub(crate) const SESSION_START_LIMIT: Duration = Duration::from_secs(60);

/// How often removing a killed browser's profile folder is tried, and how
/// far apart (Chromium may write for the moment it takes to die).
const PROFILE_REMOVE_TRIES: usize = 25;
const PROFILE_REMOVE_PAUSE: Duration = Duration::from_millis(20);

/// How long a remote WebDriver server may take to end a session when the
/// run is over, and when a browser is replaced mid-run.
const REMOTE_CLOSE_LIMIT: Duration = Duration::from_secs(5);
pub(super) const REMOTE_RESTART_CLOSE_LIMIT: Duration = Duration::from_secs(2);

/// How long each move of a mouse drag takes, as a person's hand would.
const DRAG_STEP: Duration = Duration::from_millis(100);

/// How a session is started.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub headless: bool,
    pub window_size: (u32, u32),
    pub page_load_timeout: Duration,
    /// A running WebDriver server to use instead of a managed chromedriver.
    pub webdriver_url: Option<String>,
}

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error("failed to create a browser session at {url}: {message}")]
    Session { url: String, message: String },
    #[error(
        "the WebDriver server at {url} did not create a session within {}",
        crate::human::fmt_duration(SESSION_START_LIMIT)
    )]
    SessionTimedOut { url: String },
    #[error("failed to create the browser profile folder: {0}")]
    Profile(std::io::Error),
}

/// A live browser session, and the driver and profile it owns.
pub struct WebDriverBrowser {
    client: Client,
    options: SessionOptions,
    // Dropped after the client: kills chromedriver and Chromium.
    driver: Option<ManagedDriver>,
    profile: Option<OwnedFolder>,
    /// The temporary folder of chromedriver and Chromium (`TMPDIR`).
    temp: Option<OwnedFolder>,
    /// The window the session started with: `window: main` goes back to it.
    main_window: Option<fantoccini::wd::WindowHandle>,
    /// Where downloads land (inside the profile), for a browser on this machine.
    downloads: Option<PathBuf>,
    /// A `window` step ran since the last `reset`: other windows may be open
    /// or current, and the next reset looks at every window.
    windows_used: bool,
    /// The last command was a `fill` whose script ran in the top document
    /// and whose submit the page handled itself: the browser is known to
    /// be in the state `reset` brings it to. Any other command clears it.
    known_reset: std::sync::atomic::AtomicBool,
    /// CSS and XPath selectors that matched several elements when an action
    /// took the first, for the run log (`take_several`).
    several: std::sync::Mutex<Vec<(String, usize)>>,
}

impl WebDriverBrowser {
    pub async fn start(options: &SessionOptions) -> Result<Self, StartError> {
        reclaim_dead_profiles(&std::env::temp_dir());
        let profile = std::env::temp_dir().join(format!(
            "{PROFILE_PREFIX}{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos() ^ (rand_seed() as u128)
        ));
        // chromedriver's and Chromium's own temporary files go in a folder
        // of the session's, removed with the profile. Its path is short:
        // Chromium puts a Unix socket in it (108 bytes at most).
        let temp = std::env::temp_dir().join(format!("{TEMP_PREFIX}{}-{:08x}", std::process::id(), rand_seed() as u32));
        let profile = OwnedFolder::create(profile).map_err(StartError::Profile)?;
        let temp = match OwnedFolder::create(temp) {
            Ok(temp) => temp,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile.path);
                return Err(StartError::Profile(e));
            }
        };
        let remove = |profile: &OwnedFolder, temp: &OwnedFolder| {
            let _ = std::fs::remove_dir_all(&profile.path);
            let _ = std::fs::remove_dir_all(&temp.path);
        };
        let (driver, url, chromium) = match &options.webdriver_url {
            Some(url) => (None, url.clone(), None),
            None => {
                let started = Binaries::locate().map_err(StartError::from).and_then(|binaries| {
                    let driver =
                        tokio::task::block_in_place(|| ManagedDriver::start(&binaries.chromedriver, &temp.path))?;
                    Ok((driver, binaries.chromium))
                });
                let (driver, chromium) = match started {
                    Ok(started) => started,
                    Err(e) => {
                        remove(&profile, &temp);
                        return Err(e);
                    }
                };
                let url = driver.url();
                (Some(driver), url, Some(chromium))
            }
        };
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        if options.headless {
            args.push("--headless=new".into());
        }
        args.push(format!("--window-size={},{}", options.window_size.0, options.window_size.1));
        args.push(format!("--user-data-dir={}", profile.path.display()));
        // A remote browser saves its downloads on its own machine, out of reach.
        let downloads = options.webdriver_url.is_none().then(|| profile.path.join("Downloads"));
        let mut prefs = json!({ "credentials_enable_service": false });
        if let Some(dir) = &downloads {
            std::fs::create_dir_all(dir).map_err(StartError::Profile)?;
            prefs["download.default_directory"] = json!(dir.display().to_string());
            prefs["download.prompt_for_download"] = json!(false);
            prefs["download.directory_upgrade"] = json!(true);
            prefs["safebrowsing.enabled"] = json!(false);
        }
        let mut chrome_options = json!({ "args": args, "prefs": prefs });
        if let Some(chromium) = chromium {
            chrome_options["binary"] = json!(chromium.display().to_string());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), chrome_options);
        caps.insert("pageLoadStrategy".into(), json!("normal"));
        caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let connecting = builder.connect(&url);
        let client = match tokio::time::timeout(SESSION_START_LIMIT, connecting).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                remove(&profile, &temp);
                return Err(StartError::Session { url, message: e.to_string() });
            }
            Err(_) => {
                remove(&profile, &temp);
                return Err(StartError::SessionTimedOut { url });
            }
        };
        let timeouts = TimeoutConfiguration::new(Some(SESSION_SCRIPT_LIMIT), Some(options.page_load_timeout), None);
        let mut browser = Self {
            client,
            options: options.clone(),
            driver,
            profile: Some(profile),
            temp: Some(temp),
            main_window: None,
            downloads,
            windows_used: false,
            known_reset: std::sync::atomic::AtomicBool::new(false),
            several: std::sync::Mutex::default(),
        };
        match tokio::time::timeout(SESSION_START_LIMIT, browser.client.update_timeouts(timeouts)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(StartError::Session { url, message: e.to_string() }),
            Err(_) => return Err(StartError::SessionTimedOut { url }),
        }
        browser.main_window = browser.client.window().await.ok();
        Ok(browser)
    }

    /// The WebDriver client, for a command: the state `fill` knew is no
    /// longer known once another command goes out.
    fn client(&self) -> &Client {
        self.known_reset.store(false, std::sync::atomic::Ordering::Relaxed);
        &self.client
    }

    /// Loads `url`: an absolute address in one round trip, a relative one
    /// against the current page's address (which takes a second).
    async fn navigate(&self, url: &str) -> Result<(), CmdError> {
        if !url.contains("://") {
            return self.client().goto(url).await;
        }
        let get = GetParameters { url: url.to_string() };
        let command: WebDriverCommand<VoidWebDriverExtensionCommand> = WebDriverCommand::Get(get);
        self.client().issue_cmd(command).await.map(|_| ())
    }

    /// Ends the session and takes the driver and browser processes down.
    pub async fn close(mut self) {
        // A managed browser is killed with its process group, profile and all:
        // asking it to close first only costs time. A remote one must be told.
        if self.driver.is_none() {
            let client = self.client().clone();
            let _ = tokio::time::timeout(REMOTE_CLOSE_LIMIT, client.close()).await;
        }
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.driver.take();
        // Each folder's lock is held until the folder is gone.
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_dir_all(&temp.path);
        }
        if let Some(profile) = self.profile.take() {
            let profile = &profile.path;
            // Chromium may still be writing for the moment it takes to die.
            for _ in 0..PROFILE_REMOVE_TRIES {
                if std::fs::remove_dir_all(profile).is_ok() || !profile.exists() {
                    break;
                }
                std::thread::sleep(PROFILE_REMOVE_PAUSE);
            }
        }
    }

    /// Marks the current document, before an action that may navigate.
    async fn watch_navigation(&self) -> Result<(), BrowserError> {
        self.client().execute(&script(WATCH_NAVIGATION), Vec::new()).await.map(|_| ()).map_err(error)
    }

    /// After an action that may navigate: when it started a navigation to
    /// another document, waits (within the page-load limit) until the new
    /// page has replaced the old one, so that the next step cannot be
    /// overtaken by a navigation still under way.
    async fn settle_navigation(&self, clicked: bool) -> Result<(), BrowserError> {
        let asked = if clicked {
            self.client().execute_async(LEAVING_AFTER_CLICK, Vec::new()).await
        } else {
            self.client().execute(LEAVING, Vec::new()).await
        };
        let state = match asked {
            Ok(state) => state,
            // The page was replaced while the check ran: it has arrived.
            Err(e) if !matches!(e, CmdError::Lost(_)) && !e.is_invalid_session_id() => return Ok(()),
            Err(e) => return Err(error(e)),
        };
        if state.as_str() == Some("leaving") {
            self.arrive().await;
        }
        Ok(())
    }

    /// Waits until a page that started to leave has been replaced and has
    /// loaded. A navigation that never replaces the page (a 204 answer, one
    /// the page cancels) ends the wait at the page-load limit, without error.
    async fn arrive(&self) {
        let _ = self.poll_script(ARRIVED_OR_NULL, Vec::new(), self.options.page_load_timeout).await;
    }

    /// Runs `script` until it returns something other than `null`, or `timeout` passes.
    async fn poll_script(
        &self,
        script: &str,
        args: Vec<Json>,
        timeout: Duration,
    ) -> Result<Option<Json>, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.client().execute(script, args.clone()).await.map_err(error)?;
            if !value.is_null() {
                return Ok(Some(value));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn element(
        &self,
        target: &Selector,
        timeout: Duration,
    ) -> Result<fantoccini::elements::Element, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.element_now(target).await? {
                return Ok(element);
            }
            if Instant::now() >= deadline {
                return Err(self.missing(&[target], timeout).await);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The element the selector finds now, if any (through open shadow
    /// roots, which WebDriver's own search does not enter).
    async fn element_now(&self, target: &Selector) -> Result<Option<fantoccini::elements::Element>, BrowserError> {
        let found = self.client().execute(&script(FIND_ELEMENT), vec![selector_json(target)]).await.map_err(error)?;
        self.note_several(target, &found);
        Ok(found["el"].get(ELEMENT_KEY).and_then(Json::as_str).map(|id| element_of(self.client(), id)))
    }

    /// Keeps for the run log that a selector matched several elements,
    /// when a script that found its element says so.
    fn note_several(&self, target: &Selector, found: &Json) {
        if let Some(count) = found["several"].as_u64().filter(|n| *n > 1)
            && let Ok(mut several) = self.several.lock()
        {
            several.push((target.to_string(), count as usize));
        }
    }

    /// The error for selectors that found nothing within `after`, with the
    /// page's hint why when it has one.
    async fn missing(&self, wanted: &[&Selector], after: Duration) -> BrowserError {
        let list = Json::Array(wanted.iter().map(|s| selector_json(s)).collect());
        let answer = self.client().execute(&script(MISS_HINT), vec![list]).await.unwrap_or_default();
        // Those that match nothing now, where the page says; else all.
        let missing: Vec<&Selector> = answer["missing"]
            .as_array()
            .map(|at| at.iter().filter_map(|i| wanted.get(i.as_u64()? as usize).copied()).collect())
            .filter(|m: &Vec<&Selector>| !m.is_empty())
            .unwrap_or_else(|| wanted.to_vec());
        BrowserError::NotFound {
            target: missing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
            after,
            hint: answer["hint"].as_str().map(String::from),
        }
    }

    /// Retries `act` on an element while it is not yet interactable or goes stale.
    async fn with_element<F, Fut>(&self, target: &Selector, timeout: Duration, act: F) -> Result<(), BrowserError>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: Future<Output = Result<(), CmdError>>,
    {
        self.retry_on_element(target, timeout, false, act).await
    }

    /// `with_element` for an element that must first be actionable.
    async fn act<F, Fut>(&self, target: &Selector, timeout: Duration, act: F) -> Result<(), BrowserError>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: Future<Output = Result<(), CmdError>>,
    {
        self.retry_on_element(target, timeout, true, act).await
    }

    async fn retry_on_element<F, Fut>(
        &self,
        target: &Selector,
        timeout: Duration,
        actionable: bool,
        act: F,
    ) -> Result<(), BrowserError>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: Future<Output = Result<(), CmdError>>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let element = if actionable {
                self.actionable(target, deadline, timeout).await?
            } else {
                self.element(target, left).await?
            };
            match act(element).await {
                Ok(()) => return Ok(()),
                Err(e) if retryable(&e) && Instant::now() < deadline => tokio::time::sleep(POLL_INTERVAL).await,
                Err(e) => {
                    return Err(match error(e) {
                        BrowserError::Page(problem) => {
                            PageError::Element { target: target.to_string(), problem: Box::new(problem) }.into()
                        }
                        other => other,
                    });
                }
            }
        }
    }
}

impl WebDriverBrowser {
    /// Waits until the element is actionable (shown, enabled, not moving, not
    /// covered at its centre) and returns it; after `timeout`, says which of
    /// those failed. Also marks the document, as `watch_navigation` does.
    async fn actionable(
        &self,
        target: &Selector,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<fantoccini::elements::Element, BrowserError> {
        let mut why = None;
        loop {
            let state = self.client().execute(&script(ACTIONABLE), vec![selector_json(target)]).await.map_err(error)?;
            if let Some(id) = state["el"].get(ELEMENT_KEY).and_then(Json::as_str) {
                match state["why"].as_str() {
                    None => {
                        self.note_several(target, &state);
                        return Ok(element_of(self.client(), id));
                    }
                    Some(reason) => why = Some(reason.to_string()),
                }
            }
            if Instant::now() >= deadline {
                return Err(match why {
                    Some(why) => BrowserError::NotActionable { target: target.to_string(), why, after: timeout },
                    None => self.missing(&[target], timeout).await,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

/// The element a script returned by its WebDriver id.
fn element_of(client: &fantoccini::Client, id: &str) -> fantoccini::elements::Element {
    let id = fantoccini::elements::ElementRef::from(id.to_string());
    fantoccini::elements::Element::from_element_id(client.clone(), id)
}

/// How the engine in the page begins an error in a locator (several
/// matches, a pattern JavaScript cannot read): its words follow.
const LOCATOR_ERROR: &str = "nightshift-locator: ";

/// The key under which WebDriver returns an element from a script.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Drop for WebDriverBrowser {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How long a combobox's options must stay the same before `choose` takes
/// them as the system's answer (a server-backed list answers in steps).
const OPTIONS_SETTLE: Duration = Duration::from_millis(750);

/// How long the session lets a script of nightshift's own run.
const SESSION_SCRIPT_LIMIT: Duration = Duration::from_secs(30);
/// How long past a `script` step's timeout the browser may take to say it
/// ended the script, before the step stops waiting for it.
const SCRIPT_GRACE: Duration = Duration::from_secs(1);

fn retryable(e: &CmdError) -> bool {
    e.is_element_not_interactable()
        || e.is_stale_element_reference()
        || e.is_invalid_element_state()
        || matches!(e, CmdError::Standard(w) if w.error() == "element click intercepted")
}

fn error(e: CmdError) -> BrowserError {
    match &e {
        CmdError::Lost(_) | CmdError::Failed(_) | CmdError::FailedC(_) => BrowserError::SessionLost(e.to_string()),
        e if e.is_invalid_session_id() => BrowserError::SessionLost(e.to_string()),
        CmdError::Standard(w) if w.error() == "unexpected alert open" => {
            BrowserError::DialogOpen { text: dialog_text(&w.message).map(String::from) }
        }
        CmdError::Standard(w) if w.message.contains(LOCATOR_ERROR) => {
            let words = w.message.split_once(LOCATOR_ERROR).map_or("", |(_, words)| words);
            PageError::Script(first_line(words)).into()
        }
        CmdError::Standard(w) => {
            PageError::WebDriver { code: w.error().to_string(), words: own_words(&w.error(), &w.message) }.into()
        }
        _ => PageError::WebDriver { code: String::new(), words: first_line(&e.to_string()) }.into(),
    }
}

/// The characters WebDriver sends for one key as written in `press`
/// (`Enter`, `F5`, `a`, `Control+A`): held keys first, then the key, then
/// the NULL key that lets go of them.
fn key_text(spec: &str) -> Result<String, BrowserError> {
    use fantoccini::key::Key;
    let (key, held) = match spec.rsplit_once('+') {
        Some((held, "")) if spec.ends_with("++") => ("+", held.trim_end_matches('+')),
        Some((held, key)) => (key, held),
        None => (spec, ""),
    };
    let mut text = String::new();
    for modifier in held.split('+').filter(|m| !m.is_empty()) {
        text.push(named_key(modifier)?);
    }
    match named_key(key) {
        Ok(c) => text.push(c),
        Err(_) if key.chars().count() == 1 => text.push_str(key),
        Err(e) => return Err(e),
    }
    if !held.is_empty() {
        text.push(Key::Null.into());
    }
    Ok(text)
}

/// `type`'s text with `{Enter}`, `{Tab}`, `{Control+A}` and the like (a key
/// name from `KEYS`, or a chord with `+`) turned into the keys; other
/// braces are text.
fn expand_key_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let key = after.find('}').map(|close| &after[..close]).filter(|inner| {
            (KEYS.contains(inner) || (inner.len() > 1 && inner.contains('+')))
                && crate::robot::keys::check_key(inner).is_ok()
        });
        match key.and_then(|k| key_text(k).ok().map(|t| (k, t))) {
            Some((k, keys)) => {
                out.push_str(&keys);
                rest = &after[k.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character WebDriver sends for a key named in `KEYS` or `MODIFIERS`.
fn named_key(name: &str) -> Result<char, BrowserError> {
    use fantoccini::key::Key;
    let key = match name {
        "Enter" => Key::Enter,
        "Tab" => Key::Tab,
        "Escape" => Key::Escape,
        "Backspace" => Key::Backspace,
        "Delete" => Key::Delete,
        "Space" => Key::Space,
        "ArrowUp" => Key::Up,
        "ArrowDown" => Key::Down,
        "ArrowLeft" => Key::Left,
        "ArrowRight" => Key::Right,
        "Home" => Key::Home,
        "End" => Key::End,
        "PageUp" => Key::PageUp,
        "PageDown" => Key::PageDown,
        "Insert" => Key::Insert,
        "F1" => Key::F1,
        "F2" => Key::F2,
        "F3" => Key::F3,
        "F4" => Key::F4,
        "F5" => Key::F5,
        "F6" => Key::F6,
        "F7" => Key::F7,
        "F8" => Key::F8,
        "F9" => Key::F9,
        "F10" => Key::F10,
        "F11" => Key::F11,
        "F12" => Key::F12,
        "Control" => Key::Control,
        "Shift" => Key::Shift,
        "Alt" => Key::Alt,
        "Meta" => Key::Meta,
        other => return Err(PageError::UnknownKey { key: other.to_string(), known: KEYS.join(", ") }.into()),
    };
    Ok(key.into())
}
