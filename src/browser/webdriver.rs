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
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value as Json, json};
use thiserror::Error;
use webdriver::command::{GetParameters, VoidWebDriverExtensionCommand, WebDriverCommand};

use crate::browser::chromedriver::{Binaries, DriverError, ManagedDriver};
use crate::browser::{
    Browser, BrowserError, Cookies, DialogAnswer, FrameSwitch, Gesture, History, KEYS, POLL_INTERVAL, Probe, Probed,
    SelectBy, Selector, Table, WindowTarget,
};

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

/// How often removing a killed browser's profile folder is tried, 20 ms apart.
const PROFILE_REMOVE_TRIES: usize = 25;

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
    profile: Option<PathBuf>,
    /// The temporary folder of chromedriver and Chromium (`TMPDIR`).
    temp: Option<PathBuf>,
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
        std::fs::create_dir_all(&profile).and_then(|()| std::fs::create_dir_all(&temp)).map_err(StartError::Profile)?;
        let remove = |profile: &std::path::Path, temp: &std::path::Path| {
            let _ = std::fs::remove_dir_all(profile);
            let _ = std::fs::remove_dir_all(temp);
        };
        let (driver, url, chromium) = match &options.webdriver_url {
            Some(url) => (None, url.clone(), None),
            None => {
                let started = Binaries::locate().map_err(StartError::from).and_then(|binaries| {
                    let driver = tokio::task::block_in_place(|| ManagedDriver::start(&binaries.chromedriver, &temp))?;
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
        args.push(format!("--user-data-dir={}", profile.display()));
        // A remote browser saves its downloads on its own machine, out of reach.
        let downloads = options.webdriver_url.is_none().then(|| profile.join("Downloads"));
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
            let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        }
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.driver.take();
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_dir_all(&temp);
        }
        if let Some(profile) = self.profile.take() {
            // Chromium may still be writing for the moment it takes to die.
            for _ in 0..PROFILE_REMOVE_TRIES {
                if std::fs::remove_dir_all(&profile).is_ok() || !profile.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
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
            let found = match target {
                Selector::Css(s) => self.client().find(Locator::Css(s)).await,
                Selector::XPath(s) => self.client().find(Locator::XPath(s)).await,
            };
            match found {
                Ok(element) => return Ok(element),
                Err(e) if e.is_no_such_element() => {}
                Err(e) => return Err(error(e)),
            }
            if Instant::now() >= deadline {
                return Err(BrowserError::NotFound { target: target.to_string(), after: timeout });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
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
                        BrowserError::Page(message) => BrowserError::Page(format!("{target}: {message}")),
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
                        let id = fantoccini::elements::ElementRef::from(id.to_string());
                        return Ok(fantoccini::elements::Element::from_element_id(self.client().clone(), id));
                    }
                    Some(reason) => why = Some(reason.to_string()),
                }
            }
            if Instant::now() >= deadline {
                return Err(match why {
                    Some(why) => BrowserError::NotActionable { target: target.to_string(), why, after: timeout },
                    None => BrowserError::NotFound { target: target.to_string(), after: timeout },
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

/// The key under which WebDriver returns an element from a script.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Drop for WebDriverBrowser {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How long the session lets a script of nightshift's own run.
const SESSION_SCRIPT_LIMIT: Duration = Duration::from_secs(30);
/// How long past a `script` step's timeout the browser may take to say it
/// ended the script, before the step stops waiting for it.
const SCRIPT_GRACE: Duration = Duration::from_secs(1);

/// Browser profile folders are `<temp>/nightshift-chromium-<pid>-<n>`.
const PROFILE_PREFIX: &str = "nightshift-chromium-";
/// The browsers' temporary folders are `<temp>/ns-tmp-<pid>-<n>`.
const TEMP_PREFIX: &str = "ns-tmp-";

/// Removes the profile and temporary folders of nightshift processes that
/// are gone (killed before they could remove their own).
fn reclaim_dead_profiles(temp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rest = name.strip_prefix(PROFILE_PREFIX).or_else(|| name.strip_prefix(TEMP_PREFIX));
        let Some(pid) = rest.and_then(|rest| rest.split('-').next()) else { continue };
        if pid.parse::<i64>().is_ok_and(|pid| !crate::process::alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

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
        CmdError::Standard(w) => BrowserError::Page(own_words(&w.error(), &w.message)),
        _ => BrowserError::Page(first_line(&e.to_string())),
    }
}

/// chromedriver's error texts in nightshift's words; an unknown one keeps
/// its first line.
fn own_words(code: &str, message: &str) -> String {
    let detail = |prefix: &str| message.strip_prefix(prefix).unwrap_or(message).trim().to_string();
    match code {
        "invalid element state" => "the element cannot be changed (it is disabled or read-only)".into(),
        "element not interactable" => {
            "the element cannot be used (it is hidden, has no size or is off the page)".into()
        }
        "stale element reference" => "the page replaced the element while the step was using it".into(),
        "no such frame" => "there is no such frame on the page".into(),
        "no such window" => "the window was closed".into(),
        "no such alert" => "no alert, confirm or prompt is open".into(),
        "unexpected alert open" => {
            BrowserError::DialogOpen { text: dialog_text(message).map(String::from) }.to_string()
        }
        "element click intercepted" => {
            let other = message.split("Other element would receive the click: ").nth(1).map(first_line);
            match other {
                Some(other) => format!("another element would receive the click: {other}"),
                None => "another element would receive the click".into(),
            }
        }
        "invalid selector" => {
            // "... because of the following error:\nSyntaxError: ..." names the fault on its second line.
            let reason = message.lines().nth(1).map(str::trim).filter(|l| !l.is_empty());
            let reason =
                reason.map(|r| r.split(": ").last().unwrap_or(r).to_string()).unwrap_or_else(|| first_line(message));
            format!("the locator is not a valid selector: {reason}")
        }
        "javascript error" => format!("the script failed: {}", first_line(&detail("javascript error:"))),
        _ => first_line(message),
    }
}

/// The dialog's own text in chromedriver's "unexpected alert open: {Alert
/// text : TEXT}" and nothing of what follows it (`(Session info: ...)`).
fn dialog_text(message: &str) -> Option<&str> {
    let rest = message.split_once("Alert text : ")?.1;
    let rest = rest.split("\n  (Session info:").next().unwrap_or(rest);
    let rest = rest.trim_end_matches(['\n', ' ']);
    Some(rest.strip_suffix('}').unwrap_or(rest))
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
        other => return Err(BrowserError::Page(format!("unknown key `{other}` (known: {})", KEYS.join(", ")))),
    };
    Ok(key.into())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn selector_json(s: &Selector) -> Json {
    serde_json::to_value(s).unwrap_or(Json::Null)
}

/// Finds an element from a `{css}` or `{xpath}` selector; shared by the scripts
/// (public for the benchmark that issues the same commands without nightshift).
pub const FIND: &str = r#"
const find = (s) => s.css !== undefined
  ? document.querySelector(s.css)
  : document.evaluate(s.xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
"#;

/// Sets every field and clicks `submit` (watching, as `WATCH_NAVIGATION`
/// does, for the page it may load).
const FILL: &str = r#"
const fields = arguments[0], submitSel = arguments[1];
const els = fields.map(f => find(f.sel));
const submit = submitSel ? find(submitSel) : null;
if (els.some(e => !e) || (submitSel && !submit)) return null;
for (let i = 0; i < els.length; i++) {
  const el = els[i], tag = el.tagName.toLowerCase();
  const state = el.disabled ? 'disabled' : ((tag === 'input' || tag === 'textarea') && el.readOnly ? 'read-only' : '');
  if (state) return { not_editable: i, state: state };
}
const truthy = ['true', 'yes', 'ja', 'on', '1', 'x'];
for (let i = 0; i < els.length; i++) {
  const el = els[i], v = fields[i].value, tag = el.tagName.toLowerCase();
  if (tag === 'select') {
    const opts = Array.from(el.options);
    const opt = opts.find(o => o.value === v) || opts.find(o => o.text.trim() === v);
    if (!opt) return { error: 'the list has no option `' + v + '`' };
    el.value = opt.value;
  } else if (el.type === 'checkbox' || el.type === 'radio') {
    el.checked = truthy.includes(String(v).toLowerCase());
  } else {
    const proto = tag === 'textarea' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
    if (tag === 'input' || tag === 'textarea') setter.call(el, v); else el.textContent = v;
  }
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}
if (!submit) return { ok: true, submitted: false };
watchNavigation();
// The submit event, kept to read once every handler of the page has run.
let event = null;
const seen = e => { event = e; };
window.addEventListener('submit', seen, true);
submit.click();
window.removeEventListener('submit', seen, true);
// The page handled its form itself and began no navigation: nothing to wait for.
const handled = event !== null && event.defaultPrevented && window.__nightshiftLeaving !== true;
return { ok: true, submitted: true, handled, top: window === window.top };
"#;

/// Before an action that may load another page: a flag that the Navigation
/// API raises when the page starts to leave for another document.
const WATCH_NAVIGATION: &str = "watchNavigation(); return true;";

/// After a submit clicked by script: whether the page stays, is leaving, or
/// was already replaced (the flag is gone with it). The check runs in the
/// page's task queue after the task the click queued, so it knows.
const LEAVING: &str =
    "return window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay');";

/// The same after a WebDriver click, whose navigation may begin a little
/// later (measured: 9 of 200 were missed without the wait): it answers once
/// the tasks queued meanwhile have run.
const LEAVING_AFTER_CLICK: &str = r#"
const done = arguments[arguments.length - 1];
setTimeout(() => setTimeout(() => done(window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay')), 0), 0);
"#;

/// True once the page that was left has been replaced and has loaded (null before).
const ARRIVED_OR_NULL: &str =
    "return window.__nightshiftLeaving === undefined && document.readyState === 'complete' ? true : null;";

/// Whether the browser shows its own error page (and its error code), and the
/// HTTP status of the page's navigation where the browser reports it.
const NAVIGATION: &str = r#"
const nav = (performance.getEntriesByType('navigation') || [])[0];
const errorPage = location.href.startsWith('chrome-error:');
const code = errorPage ? ((document.querySelector('.error-code') || {}).textContent || '').trim() : '';
return { error_page: errorPage, code: code, status: nav && nav.responseStatus ? nav.responseStatus : 0 };
"#;

/// A field's value, else the text as shown: nothing for a hidden element,
/// and no blank lines between blocks.
pub const READ_TEXT: &str = r#"
const el = find(arguments[0]);
if (!el) return null;
const tag = el.tagName.toLowerCase();
if (tag === 'input' || tag === 'textarea' || tag === 'select') return el.value;
if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return '';
return el.innerText.replace(/\n[ \t]*(\n[ \t]*)+/g, '\n').trim();
"#;

const READ_TABLE: &str = r#"
let t = find(arguments[0]);
if (!t) return null;
if (t.tagName.toLowerCase() !== 'table') t = t.querySelector('table');
if (!t) return { error: 'the element is not a table' };
const cells = r => Array.from(r.cells).map(c => c.innerText.trim());
const rows = Array.from(t.rows).filter(r => r.cells.length);
let header = t.tHead && t.tHead.rows.length ? t.tHead.rows[0]
  : rows.find(r => Array.from(r.cells).every(c => c.tagName === 'TH'));
if (!header) header = rows[0];
if (!header) return { headers: [], rows: [] };
// A row that is one cell spanning the table ("no errands") is a note, not a case.
const note = r => r.cells.length === 1 && r.cells[0].colSpan > 1;
const body = rows.filter(r => r !== header && !(t.tHead && t.tHead.contains(r)) && !note(r)).map(cells);
// Columns by position: a missing or repeated header gets a name of its own,
// and a row wider than the header adds columns, so that none is lost.
const names = cells(header);
const width = Math.max(names.length, ...body.map(r => r.length));
const headers = [], seen = new Set();
for (let i = 0; i < width; i++) {
  let name = names[i] || ('column ' + (i + 1)), n = 2;
  while (seen.has(name)) name = (names[i] || 'column') + ' ' + n++;
  seen.add(name);
  headers.push(name);
}
return { headers, rows: body.map(r => headers.map((_, i) => r[i] || '')) };
"#;

/// Answers a condition's probes: for each element, whether it is there,
/// shown, usable and ticked, with its text and value.
const PROBE: &str = r#"
const shown = el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return false;
  return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0;
};
return arguments[0].map(p => {
  if (p.page) return { found: true, text: document.body ? document.body.innerText : '' };
  if (p.url) {
    let url = location.href;
    try { url = window.top.location.href; } catch (e) {}
    return { found: true, text: url };
  }
  const el = find(p.sel);
  if (!el) return { found: false };
  const visible = shown(el), tag = el.tagName.toLowerCase();
  const field = tag === 'input' || tag === 'textarea' || tag === 'select';
  const text = visible ? el.innerText : '';
  return {
    found: true, visible, text,
    enabled: !el.matches(':disabled'),
    checked: !!(el.checked || el.selected),
    value: field ? el.value : text,
  };
});
"#;

/// Whether an element can be acted on as a person would: `{el, why}` with
/// `why` null when it can; null when it is not there. Marks the document as
/// `WATCH_NAVIGATION` does, for a click that may load another page.
const ACTIONABLE: &str = r#"
watchNavigation();
const el = find(arguments[0]);
if (!el) return null;
let r = el.getBoundingClientRect();
if (r.width === 0 && r.height === 0 || (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })))
  return { el, why: 'is not visible' };
if (el.matches(':disabled')) return { el, why: 'is disabled' };
const moving = document.getAnimations && document.getAnimations().some(a =>
  a.playState === 'running' && a.effect && a.effect.target && a.effect.target.contains && a.effect.target.contains(el));
if (moving) return { el, why: 'is moving (an animation is running on it)' };
if (r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) {
  el.scrollIntoView({ block: 'center', inline: 'center' });
  r = el.getBoundingClientRect();
}
const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
const top = document.elementFromPoint(x, y);
if (top && top !== el && !el.contains(top) && !(top.control === el) && !(el.labels && Array.from(el.labels).includes(top))) {
  const name = top.tagName.toLowerCase() + (top.id ? '#' + top.id : '') +
    Array.from(top.classList).slice(0, 3).map(c => '.' + c).join('');
  const text = (top.innerText || '').trim().split('\n')[0].slice(0, 40);
  return { el, why: 'is covered by `' + name + '`' + (text ? ' ("' + text + '")' : '') };
}
return { el, why: null };
"#;

/// An element's absolute XPath, by position among its like siblings.
const XPATH_OF: &str = r#"
let el = arguments[0], path = '';
for (; el && el.nodeType === 1; el = el.parentNode) {
  let n = 1;
  for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === el.tagName) n++;
  path = '/' + el.tagName.toLowerCase() + '[' + n + ']' + path;
}
return path;
"#;

/// HTML drag and drop between two elements, for a `draggable` source: the
/// events a person's drag fires, with one DataTransfer. False when the
/// source is not draggable (the mouse drags it instead).
const DRAG_HTML: &str = r#"
const from = arguments[0], to = arguments[1];
if (!from.draggable) return false;
const data = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
fire(from, 'dragstart');
fire(to, 'dragenter');
fire(to, 'dragover');
fire(to, 'drop');
fire(from, 'dragend');
return true;
"#;

const EXISTS: &str = "return find(arguments[0]) !== null;";

const FIRST_MATCH: &str = r#"
const i = arguments[0].findIndex(s => find(s) !== null);
return i < 0 ? null : i;
"#;

const IS_CHECKED: &str = r#"
const el = find(arguments[0]);
return el ? { checked: !!el.checked, disabled: !!el.disabled } : null;
"#;

/// Picks or takes back options by label (whitespace collapsed) or value,
/// firing the events a person's choice fires. Names a missing option and
/// lists those there.
const SELECT: &str = r#"
const el = find(arguments[0]), wanted = arguments[1], selected = arguments[2];
if (!el) return null;
if (el.tagName.toLowerCase() !== 'select') return { error: 'is not a list (a `select` element)' };
if (el.matches(':disabled')) return { error: 'disabled' };
const squash = t => t.replace(/\s+/g, ' ').trim();
const opts = Array.from(el.options);
const picked = [];
for (const w of wanted) {
  const opt = w.value !== undefined ? opts.find(o => o.value === w.value) : opts.find(o => squash(o.text) === squash(w.label));
  if (!opt) {
    const asked = w.value !== undefined ? 'value `' + w.value + '`' : '`' + w.label + '`';
    const there = opts.map(o => '`' + squash(o.text) + '`').join(', ');
    return { error: 'the list has no option ' + asked + ' (it has ' + (there || 'none') + ')' };
  }
  picked.push(opt);
}
if (!el.multiple && picked.length > 1) return { error: 'the list takes one option, and ' + picked.length + ' were given' };
if (!el.multiple && !selected) return { error: 'only a multiple list can have options taken back' };
for (const opt of picked) opt.selected = selected;
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return { ok: true };
"#;

const ATTRIBUTE: &str = r#"
const el = find(arguments[0]);
if (!el) return null;
if (!arguments[2]) return el.getAttribute(arguments[1]) || '';
const v = el[arguments[1]];
if (v === undefined || v === null) return '';
return typeof v === 'object' ? JSON.stringify(v) : String(v);
"#;

pub fn script(body: &str) -> String {
    format!("{FIND}{WATCH}{body}")
}

/// Marks the document before an action that may load another page: a flag
/// that the Navigation API raises when the page starts to leave for another
/// document (`LEAVING` reads it). Shared by the scripts that click.
const WATCH: &str = r#"
const watchNavigation = () => {
  window.__nightshiftLeaving = false;
  if (window.navigation) navigation.addEventListener('navigate', e => {
    if (!e.destination.sameDocument && !e.downloadRequest) window.__nightshiftLeaving = true;
  }, { once: true });
};
"#;

impl Browser for WebDriverBrowser {
    async fn goto(&mut self, url: &str) -> Result<Option<u16>, BrowserError> {
        // A page that opens a dialog while it loads has loaded: the dialog is
        // the page's, left for a `dialog` step (as Selenium's `get` does).
        match self.navigate(url).await {
            Err(CmdError::Standard(w)) if w.error() == "unexpected alert open" => return Ok(None),
            navigated => navigated,
        }
        .map_err(|e| match &e {
            e if e.is_timeout() => BrowserError::Page("the page did not finish loading in time".into()),
            e if e.to_string().contains("net::ERR_") => {
                let reason = e
                    .to_string()
                    .split("net::")
                    .nth(1)
                    .unwrap_or_default()
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                BrowserError::NotLoaded { url: url.to_string(), reason }
            }
            _ => error(e),
        })?;
        // Chromium shows its own error page, at an address of its own, for a
        // page it would not or could not load, and tells WebDriver nothing.
        let loaded = match self.client().execute(NAVIGATION, Vec::new()).await {
            Err(CmdError::Standard(w)) if w.error() == "unexpected alert open" => return Ok(None),
            asked => asked.map_err(error)?,
        };
        if loaded["error_page"].as_bool() == Some(true) {
            let reason =
                loaded["code"].as_str().filter(|c| !c.is_empty()).unwrap_or("the browser showed its error page");
            return Err(BrowserError::NotLoaded { url: url.to_string(), reason: reason.to_string() });
        }
        Ok(loaded["status"].as_u64().and_then(|s| u16::try_from(s).ok()).filter(|s| *s > 0))
    }

    async fn click_only(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        self.with_element(target, timeout, |e| async move { e.click().await }).await
    }

    async fn click(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        // Finding it actionable marks the document for `settle_navigation`.
        self.act(target, timeout, |e| async move { e.click().await }).await?;
        self.settle_navigation(true).await
    }

    async fn fill(
        &mut self,
        fields: &[(Selector, String)],
        submit: Option<&Selector>,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let arg: Vec<Json> = fields.iter().map(|(s, v)| json!({ "sel": selector_json(s), "value": v })).collect();
        let submit = submit.map(selector_json).unwrap_or(Json::Null);
        match self.poll_script(&script(FILL), vec![Json::Array(arg), submit], timeout).await? {
            None => Err(BrowserError::NotFound {
                target: fields.iter().map(|(s, _)| s.to_string()).collect::<Vec<_>>().join(", "),
                after: timeout,
            }),
            Some(Json::Object(o)) if o.get("handled").and_then(Json::as_bool) == Some(true) => {
                let known = o.get("top").and_then(Json::as_bool) == Some(true) && !self.windows_used;
                self.known_reset.store(known, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            Some(Json::Object(o)) if o.get("submitted").and_then(Json::as_bool) == Some(true) => {
                self.settle_navigation(false).await
            }
            Some(Json::Object(o)) if o.contains_key("error") => {
                Err(BrowserError::Page(o["error"].as_str().unwrap_or_default().to_string()))
            }
            Some(Json::Object(o)) if o.contains_key("not_editable") => {
                let index = o["not_editable"].as_u64().unwrap_or(0) as usize;
                let target = fields.get(index).map(|(s, _)| s.to_string()).unwrap_or_default();
                Err(BrowserError::NotEditable { target, state: o["state"].as_str().unwrap_or("disabled").to_string() })
            }
            Some(_) => Ok(()),
        }
    }

    async fn type_text(
        &mut self,
        target: &Selector,
        text: &str,
        clear: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let text = expand_key_escapes(text);
        self.with_element(target, timeout, move |e| {
            let text = text.clone();
            async move {
                if clear {
                    e.clear().await?;
                }
                e.send_keys(&text).await
            }
        })
        .await
    }

    async fn select(
        &mut self,
        target: &Selector,
        choices: &[SelectBy],
        selected: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let wanted: Vec<Json> = choices
            .iter()
            .map(|c| match c {
                SelectBy::Label(l) => json!({ "label": l }),
                SelectBy::Value(v) => json!({ "value": v }),
            })
            .collect();
        let args = vec![selector_json(target), Json::Array(wanted), json!(selected)];
        let Some(answer) = self.poll_script(&script(SELECT), args, timeout).await? else {
            return Err(BrowserError::NotFound { target: target.to_string(), after: timeout });
        };
        match answer["error"].as_str() {
            Some("disabled") => Err(BrowserError::NotEditable { target: target.to_string(), state: "disabled".into() }),
            Some(message) => Err(BrowserError::Page(format!("{target}: {message}"))),
            None => Ok(()),
        }
    }

    async fn probe(&mut self, probes: &[Probe]) -> Result<Vec<Probed>, BrowserError> {
        let arg: Vec<Json> = probes
            .iter()
            .map(|p| match p {
                Probe::Element(s) => json!({ "sel": selector_json(s) }),
                Probe::PageText => json!({ "page": true }),
                Probe::Url => json!({ "url": true }),
            })
            .collect();
        let answer = self.client().execute(&script(PROBE), vec![Json::Array(arg)]).await.map_err(error)?;
        let answers = answer.as_array().cloned().unwrap_or_default();
        if answers.len() != probes.len() {
            return Err(BrowserError::Page(format!("the page answered {} of {} probes", answers.len(), probes.len())));
        }
        let flag = |a: &Json, key: &str| a[key].as_bool().unwrap_or(false);
        let text = |a: &Json, key: &str| a[key].as_str().unwrap_or_default().to_string();
        Ok(answers
            .iter()
            .map(|a| Probed {
                found: flag(a, "found"),
                visible: flag(a, "visible"),
                enabled: flag(a, "enabled"),
                checked: flag(a, "checked"),
                text: text(a, "text"),
                value: text(a, "value"),
            })
            .collect())
    }

    async fn read_text(&mut self, target: &Selector, timeout: Duration) -> Result<String, BrowserError> {
        match self.poll_script(&script(READ_TEXT), vec![selector_json(target)], timeout).await? {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err(BrowserError::NotFound { target: target.to_string(), after: timeout }),
        }
    }

    async fn read_table(&mut self, target: &Selector, timeout: Duration) -> Result<Table, BrowserError> {
        let Some(value) = self.poll_script(&script(READ_TABLE), vec![selector_json(target)], timeout).await? else {
            return Err(BrowserError::NotFound { target: target.to_string(), after: timeout });
        };
        if let Some(message) = value.get("error").and_then(Json::as_str) {
            return Err(BrowserError::Page(message.to_string()));
        }
        let strings = |v: &Json| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|c| c.as_str().unwrap_or_default().to_string()).collect())
                .unwrap_or_default()
        };
        let headers = strings(&value["headers"]);
        let rows = value["rows"].as_array().map(|rows| rows.iter().map(strings).collect()).unwrap_or_default();
        Ok(Table { headers, rows })
    }

    async fn exists(&mut self, target: &Selector) -> Result<bool, BrowserError> {
        let value = self.client().execute(&script(EXISTS), vec![selector_json(target)]).await.map_err(error)?;
        Ok(value.as_bool().unwrap_or(false))
    }

    async fn screenshot(&mut self) -> Result<Vec<u8>, BrowserError> {
        self.client().screenshot().await.map_err(error)
    }

    async fn page_source(&mut self) -> Result<String, BrowserError> {
        self.client().source().await.map_err(error)
    }

    async fn current_url(&mut self) -> Result<String, BrowserError> {
        self.client().current_url().await.map(|u| u.to_string()).map_err(error)
    }

    async fn restart(&mut self) -> Result<(), BrowserError> {
        // The old browser goes first: a restart never holds two browsers
        // (the daemon's `--max-browsers` counts them).
        if self.driver.is_none() {
            let client = self.client.clone();
            let _ = tokio::time::timeout(Duration::from_secs(2), client.close()).await;
        }
        self.shutdown();
        *self = Self::start(&self.options).await.map_err(|e| BrowserError::SessionLost(e.to_string()))?;
        Ok(())
    }

    async fn first_match(&mut self, candidates: &[Selector], timeout: Duration) -> Result<usize, BrowserError> {
        let list = Json::Array(candidates.iter().map(selector_json).collect());
        match self.poll_script(&script(FIRST_MATCH), vec![list], timeout).await? {
            Some(index) => Ok(index.as_u64().unwrap_or(0) as usize),
            None => Err(BrowserError::NotFound {
                target: candidates.iter().map(Selector::to_string).collect::<Vec<_>>().join(", "),
                after: timeout,
            }),
        }
    }

    async fn set_checked(&mut self, target: &Selector, checked: bool, timeout: Duration) -> Result<(), BrowserError> {
        let Some(now) = self.poll_script(&script(IS_CHECKED), vec![selector_json(target)], timeout).await? else {
            return Err(BrowserError::NotFound { target: target.to_string(), after: timeout });
        };
        if now["disabled"].as_bool() == Some(true) {
            return Err(BrowserError::NotEditable { target: target.to_string(), state: "disabled".into() });
        }
        if now["checked"].as_bool() == Some(checked) {
            return Ok(());
        }
        self.click(target, timeout).await
    }

    async fn press(
        &mut self,
        target: Option<&Selector>,
        keys: &[String],
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let text: String = keys.iter().map(|k| key_text(k)).collect::<Result<_, _>>()?;
        self.watch_navigation().await?;
        let pressed = match target {
            Some(target) => {
                self.with_element(target, timeout, move |e| {
                    let text = text.clone();
                    async move { e.send_keys(&text).await }
                })
                .await
            }
            None => {
                let element = self.client().active_element().await.map_err(error)?;
                element.send_keys(&text).await.map_err(error)
            }
        };
        pressed?;
        self.settle_navigation(true).await
    }

    async fn read_attribute(
        &mut self,
        target: &Selector,
        name: &str,
        property: bool,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let args = vec![selector_json(target), json!(name), json!(property)];
        match self.poll_script(&script(ATTRIBUTE), args, timeout).await? {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err(BrowserError::NotFound { target: target.to_string(), after: timeout }),
        }
    }

    async fn frame(&mut self, target: &FrameSwitch, timeout: Duration) -> Result<(), BrowserError> {
        match target {
            FrameSwitch::Element(target) => {
                self.with_element(target, timeout, |e| async move { e.enter_frame().await }).await
            }
            FrameSwitch::Parent => self.client().enter_parent_frame().await.map_err(error),
            FrameSwitch::Index(index) => {
                let deadline = Instant::now() + timeout;
                loop {
                    match self.client().clone().enter_frame(*index).await {
                        Ok(()) => return Ok(()),
                        Err(e) if e.is_no_such_frame() && Instant::now() < deadline => {
                            tokio::time::sleep(POLL_INTERVAL).await;
                        }
                        Err(e) if e.is_no_such_frame() => {
                            return Err(BrowserError::Page(format!(
                                "the page has no frame number {index} (counting from 0)"
                            )));
                        }
                        Err(e) => return Err(error(e)),
                    }
                }
            }
            // Switching to the window one is in leaves every frame.
            FrameSwitch::Top => {
                let current = self.client().window().await.map_err(error)?;
                self.client().switch_to_window(current).await.map_err(error)
            }
        }
    }

    async fn pointer(&mut self, target: &Selector, gesture: Gesture, timeout: Duration) -> Result<(), BrowserError> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MOUSE_BUTTON_RIGHT, MouseActions, PointerAction};
        let client = self.client().clone();
        self.act(target, timeout, move |element| {
            let client = client.clone();
            async move {
                let mut mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
                    element,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                });
                let (button, clicks) = match gesture {
                    Gesture::Hover => (MOUSE_BUTTON_LEFT, 0),
                    Gesture::DoubleClick => (MOUSE_BUTTON_LEFT, 2),
                    Gesture::RightClick => (MOUSE_BUTTON_RIGHT, 1),
                };
                for _ in 0..clicks {
                    mouse = mouse.then(PointerAction::Down { button }).then(PointerAction::Up { button });
                }
                client.perform_actions(mouse).await?;
                client.release_actions().await
            }
        })
        .await?;
        if gesture == Gesture::DoubleClick {
            self.settle_navigation(true).await?;
        }
        Ok(())
    }

    async fn drag(&mut self, from: &Selector, to: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let deadline = Instant::now() + timeout;
        let source = self.actionable(from, deadline, timeout).await?;
        let target = self.actionable(to, deadline, timeout).await?;
        // Chromium does not start HTML drag and drop from WebDriver's mouse,
        // so a `draggable` element gets the drag events a person's drag fires.
        let html = self.client().execute(DRAG_HTML, vec![json!(source), json!(target)]).await.map_err(error)?;
        if html.as_bool() == Some(true) {
            return Ok(());
        }
        let button = MOUSE_BUTTON_LEFT;
        let step = Some(Duration::from_millis(100));
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element: source, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button })
            .then(PointerAction::MoveBy { duration: step, x: 5.0, y: 5.0 })
            .then(PointerAction::MoveToElement { element: target, duration: step, x: 0.0, y: 0.0 })
            .then(PointerAction::Up { button });
        self.client().perform_actions(mouse).await.map_err(error)?;
        self.client().release_actions().await.map_err(error)
    }

    async fn clear(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        // WebDriver's clear fires `change` only; pages listen for `input` too.
        let client = self.client().clone();
        let result = self
            .act(target, timeout, move |e| {
                let client = client.clone();
                async move {
                    e.clear().await?;
                    let input = "arguments[0].dispatchEvent(new Event('input', { bubbles: true }));";
                    client.execute(input, vec![json!(e)]).await.map(|_| ())
                }
            })
            .await;
        result.map_err(|e| match e {
            BrowserError::Page(m) if m.contains("invalid element state") => BrowserError::NotEditable {
                target: target.to_string(),
                state: "not a field that can be emptied".into(),
            },
            other => other,
        })
    }

    async fn cookies(&mut self, change: &Cookies) -> Result<String, BrowserError> {
        match change {
            Cookies::Read => {
                let jar = self.client().get_all_cookies().await.map_err(error)?;
                let list: Vec<Json> = jar
                    .iter()
                    .map(|c| {
                        json!({
                            "name": c.name(),
                            "value": c.value(),
                            "domain": c.domain().unwrap_or_default(),
                            "path": c.path().unwrap_or_default(),
                            "secure": c.secure().unwrap_or(false),
                            "http_only": c.http_only().unwrap_or(false),
                        })
                    })
                    .collect();
                Ok(Json::Array(list).to_string())
            }
            Cookies::Set(values) => {
                // For the site of the page in view, as the page would set it.
                let url = self.client().current_url().await.map_err(error)?;
                let host = url.host_str().unwrap_or_default().to_string();
                for (name, value) in values {
                    let mut cookie = fantoccini::cookies::Cookie::new(name.clone(), value.clone());
                    cookie.set_path("/");
                    cookie.set_domain(host.clone());
                    cookie.set_same_site(cookie::SameSite::Lax);
                    self.client().add_cookie(cookie).await.map_err(error)?;
                }
                Ok(String::new())
            }
            Cookies::Delete(Some(name)) => {
                self.client().delete_cookie(name).await.map(|()| String::new()).map_err(error)
            }
            Cookies::Delete(None) => self.client().delete_all_cookies().await.map(|()| String::new()).map_err(error),
        }
    }

    async fn history(&mut self, go: History) -> Result<(), BrowserError> {
        let done = match go {
            History::Back => self.client().back().await,
            History::Forward => self.client().forward().await,
            History::Refresh => self.client().refresh().await,
        };
        done.map_err(|e| {
            if e.is_timeout() { BrowserError::Page("the page did not finish loading in time".into()) } else { error(e) }
        })?;
        let loaded = self.client().execute(NAVIGATION, Vec::new()).await.map_err(error)?;
        if loaded["error_page"].as_bool() == Some(true) {
            let url = self.client().current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let reason =
                loaded["code"].as_str().filter(|c| !c.is_empty()).unwrap_or("the browser showed its error page");
            return Err(BrowserError::NotLoaded { url, reason: reason.to_string() });
        }
        Ok(())
    }

    async fn window(&mut self, target: &WindowTarget, timeout: Duration) -> Result<(), BrowserError> {
        self.windows_used = true;
        let main = match &self.main_window {
            Some(main) => main.clone(),
            None => self.client().window().await.map_err(error)?,
        };
        if let WindowTarget::Close = target {
            let last = self.client().windows().await.map_err(error)?.len() <= 1;
            self.client().close_window().await.map_err(error)?;
            if last {
                // No window is left, so no session: say so, not "invalid session id".
                return Err(BrowserError::SessionLost("the step closed the browser's last window".into()));
            }
            return self.client().switch_to_window(main).await.map_err(error);
        }
        if let WindowTarget::Main = target {
            return self.client().switch_to_window(main).await.map_err(error);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let current = self.client().window().await.ok();
            let handles = self.client().windows().await.map_err(error)?;
            for handle in handles.into_iter().rev() {
                match target {
                    WindowTarget::New if handle != main && Some(&handle) != current.as_ref() => {
                        return self.client().switch_to_window(handle).await.map_err(error);
                    }
                    WindowTarget::Title(part) => {
                        self.client().switch_to_window(handle.clone()).await.map_err(error)?;
                        if self.client().title().await.map_err(error)?.contains(part.as_str()) {
                            return Ok(());
                        }
                    }
                    _ => {}
                }
            }
            if let (WindowTarget::Title(_), Some(current)) = (target, current) {
                self.client().switch_to_window(current).await.map_err(error)?;
            }
            if Instant::now() >= deadline {
                let waited_for = match target {
                    WindowTarget::Title(part) => format!("a window whose title contains `{part}`"),
                    _ => "a new window".to_string(),
                };
                return Err(BrowserError::Timeout { waited_for, after: timeout });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn dialog(&mut self, answer: &DialogAnswer, timeout: Duration) -> Result<String, BrowserError> {
        let deadline = Instant::now() + timeout;
        let text = loop {
            match self.client().get_alert_text().await {
                Ok(text) => break text,
                Err(e) if e.is_no_such_alert() && Instant::now() < deadline => tokio::time::sleep(POLL_INTERVAL).await,
                Err(e) if e.is_no_such_alert() => {
                    let waited_for = "an alert, confirm or prompt".to_string();
                    return Err(BrowserError::Timeout { waited_for, after: timeout });
                }
                Err(e) => return Err(error(e)),
            }
        };
        match answer {
            DialogAnswer::Accept(prompt) => {
                if let Some(prompt) = prompt {
                    self.client().send_alert_text(prompt).await.map_err(error)?;
                }
                self.client().accept_alert().await.map_err(error)?;
            }
            DialogAnswer::Dismiss => self.client().dismiss_alert().await.map_err(error)?,
        }
        Ok(text)
    }

    async fn upload(
        &mut self,
        target: &Selector,
        file: &std::path::Path,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let path = file.display().to_string();
        self.with_element(target, timeout, move |e| {
            let path = path.clone();
            async move { e.send_keys(&path).await }
        })
        .await
    }

    async fn run_script(&mut self, script: &str, args: &[Json], timeout: Duration) -> Result<String, BrowserError> {
        // The browser itself ends the script at the step's own timeout, so a
        // script that never settles leaves a browser that still answers.
        let own = timeout != SESSION_SCRIPT_LIMIT;
        if own {
            let limit = TimeoutConfiguration::new(Some(timeout), None, None);
            self.client().update_timeouts(limit).await.map_err(error)?;
        }
        let answer = tokio::time::timeout(timeout + SCRIPT_GRACE, self.client().execute(script, args.to_vec())).await;
        if own {
            let back = TimeoutConfiguration::new(Some(SESSION_SCRIPT_LIMIT), None, None);
            let _ = tokio::time::timeout(SCRIPT_GRACE, self.client().update_timeouts(back)).await;
        }
        let answer = answer.map_err(|_| BrowserError::ScriptTimedOut { after: timeout })?;
        match answer.map_err(|e| match &e {
            e if e.is_timeout() || e.to_string().contains("script timeout") => {
                BrowserError::ScriptTimedOut { after: timeout }
            }
            _ => error(e),
        })? {
            Json::String(s) => Ok(s),
            Json::Null => Ok("null".into()),
            element @ Json::Object(_) if element.get(ELEMENT_KEY).is_some() => {
                let path = self.client().execute(XPATH_OF, vec![element]).await.map_err(error)?;
                Ok(format!("xpath:{}", path.as_str().unwrap_or_default()))
            }
            other => Ok(other.to_string()),
        }
    }

    async fn reset(&mut self) -> Result<(), BrowserError> {
        // Known without asking: the last command left it so.
        if self.known_reset.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        // The usual case in one round trip: no `window` step ran, and a
        // script runs (an open dialog would refuse it) in the top document.
        if !self.windows_used {
            let top = self.client().execute("return window === window.top;", Vec::new()).await;
            match (top, self.main_window.clone()) {
                (Ok(Json::Bool(true)), _) => return Ok(()),
                // In a frame: switching to the window leaves every frame.
                (Ok(_), Some(main)) => return self.client().switch_to_window(main).await.map_err(error),
                _ => {}
            }
        }
        self.windows_used = false;
        // An open dialog stops every other command; none open is no error.
        let _ = self.client().dismiss_alert().await;
        let main = match &self.main_window {
            Some(main) => main.clone(),
            None => self.client().window().await.map_err(error)?,
        };
        for handle in self.client().windows().await.map_err(error)? {
            if handle != main && self.client().switch_to_window(handle).await.is_ok() {
                let _ = self.client().close_window().await;
            }
        }
        // Switching to a window leaves every frame.
        self.client().switch_to_window(main).await.map_err(error)
    }

    fn download_dir(&self) -> Option<PathBuf> {
        self.downloads.clone()
    }

    async fn page_loaded_at(&mut self) -> Result<f64, BrowserError> {
        match self.client().execute(PAGE_LOADED_AT, Vec::new()).await.map_err(error)? {
            Json::Number(n) => {
                n.as_f64().ok_or_else(|| BrowserError::Page("the page load time was not a number".into()))
            }
            other => Err(BrowserError::Page(format!("the page load time was not a number: {other}"))),
        }
    }

    async fn screenshot_masked(&mut self, pattern: &str, replacement: &str) -> Result<Vec<u8>, BrowserError> {
        self.client().execute(MASK_TEXT, vec![json!(pattern), json!(replacement)]).await.map_err(error)?;
        let png = self.client().screenshot().await.map_err(error);
        // The page goes on as it was, whatever the capture did.
        let restored = self.client().execute(UNMASK_TEXT, Vec::new()).await.map_err(error);
        let png = png?;
        restored?;
        Ok(png)
    }
}

/// The later start of the current document and the top one (a frame's
/// page may be the case's own while the frameset is older, and back).
const PAGE_LOADED_AT: &str = "
    const times = [performance.timeOrigin];
    try { times.push(window.top.performance.timeOrigin); } catch (e) {}
    return Math.max(...times);";

/// Replaces matching text in every text node and field of the top document
/// and its same-origin frames, keeping the originals to put back.
const MASK_TEXT: &str = "
    const pattern = new RegExp(arguments[0], 'g');
    const replacement = arguments[1];
    const kept = [];
    const visit = (doc) => {
        const walker = doc.createTreeWalker(doc.body || doc.documentElement, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const masked = node.nodeValue.replace(pattern, replacement);
            if (masked !== node.nodeValue) { kept.push([node, 'nodeValue', node.nodeValue]); node.nodeValue = masked; }
        }
        for (const field of doc.querySelectorAll('input, textarea')) {
            const masked = (field.value || '').replace(pattern, replacement);
            if (masked !== field.value) { kept.push([field, 'value', field.value]); field.value = masked; }
        }
        for (const frame of doc.querySelectorAll('frame, iframe')) {
            try { if (frame.contentDocument) visit(frame.contentDocument); } catch (e) {}
        }
    };
    visit(window.top.document);
    window.top.__nightshiftMasked = kept;";

const UNMASK_TEXT: &str = "
    for (const [node, property, value] of (window.top.__nightshiftMasked || []).reverse()) node[property] = value;
    window.top.__nightshiftMasked = undefined;";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_escapes_in_typed_text_become_keys_and_other_braces_stay_text() {
        let enter: char = fantoccini::key::Key::Enter.into();
        let control: char = fantoccini::key::Key::Control.into();
        let null: char = fantoccini::key::Key::Null.into();
        assert_eq!(expand_key_escapes("a{Enter}b"), format!("a{enter}b"));
        assert_eq!(expand_key_escapes("{Control+A}x"), format!("{control}A{null}x"));
        assert_eq!(expand_key_escapes("{\"id\": 1} {x} {"), "{\"id\": 1} {x} {");
    }

    #[test]
    fn chromedriver_texts_become_nightshift_words() {
        let alert = own_words("unexpected alert open", "unexpected alert open: {Alert text : cheese}");
        assert_eq!(alert, "a dialog is open (\"cheese\"): answer it with a `dialog` step first");
        let debris = "unexpected alert open: {Alert text : onload}\n  (Session info: chrome=156.0.8078.129)";
        assert_eq!(dialog_text(debris), Some("onload"));
        assert_eq!(dialog_text("unexpected alert open: {Alert text : a {b}\nc}"), Some("a {b}\nc"));
        assert_eq!(dialog_text("unexpected alert open"), None);
        let xpath = own_words(
            "invalid selector",
            "invalid selector: Unable to locate an element with the xpath expression //a[ because of the following error:\n\
             SyntaxError: Failed to execute 'evaluate' on 'Document': The string '//a[' is not a valid XPath expression.",
        );
        assert_eq!(xpath, "the locator is not a valid selector: The string '//a[' is not a valid XPath expression.");
        assert_eq!(
            own_words("invalid element state", "invalid element state: Element is not currently interactable"),
            "the element cannot be changed (it is disabled or read-only)"
        );
        assert_eq!(own_words("unknown error", "unknown error: something\nmore"), "unknown error: something");
    }

    #[test]
    fn profiles_of_dead_processes_are_reclaimed_and_live_ones_kept() {
        let temp = tempfile::tempdir().unwrap();
        let dead = temp.path().join(format!("{PROFILE_PREFIX}999999999-17"));
        let live = temp.path().join(format!("{PROFILE_PREFIX}{}-18", std::process::id()));
        let other = temp.path().join("nightshift-chromium-notes");
        for dir in [&dead, &live, &other] {
            std::fs::create_dir_all(dir.join("Default")).unwrap();
        }
        reclaim_dead_profiles(temp.path());
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
    }
}
