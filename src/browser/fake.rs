//! A scripted browser for unit tests of the runner's logic: it serves one
//! table, fails on chosen selectors, and records what it was asked to do.

use std::collections::HashMap;
use std::time::Duration;

use crate::browser::{
    Browser, BrowserError, Choosing, Cookies, DialogAnswer, FrameSwitch, Gesture, History, Probe, Probed, Scrolled,
    SelectBy, Selector, Table, WindowTarget,
};

#[derive(Debug, Default)]
pub(crate) struct FakeBrowser {
    pub table: Table,
    /// Selectors that are never found, as CSS text.
    pub missing: Vec<String>,
    /// Text that `read_text` returns per CSS selector.
    pub texts: HashMap<String, String>,
    /// Every call, as `action target`.
    pub calls: Vec<String>,
    pub urls: Vec<String>,
    /// While set, the session is gone: every call fails until `restart`.
    pub dead: bool,
    /// Selectors that fail this many more times before they work.
    pub flaky: HashMap<String, u32>,
    /// When set, the session dies whenever a click fails, as a crashed browser's would.
    pub die_on_failure: bool,
    /// The text the next dialog shows.
    pub dialog_text: String,
    /// What `run_script` returns.
    pub script_result: String,
    /// Where downloads land, and the file a click there "downloads": written
    /// as Chromium does, an empty placeholder and a partial file first.
    pub downloads: Option<std::path::PathBuf>,
    pub download: Option<(String, Vec<u8>)>,
    /// The HTTP status every page answers with.
    pub status: Option<u16>,
    /// When the last `goto` loaded its page (ms since the epoch).
    pub loaded_at: f64,
    /// Selectors shown for this many more probes, then gone.
    pub lingering: HashMap<String, u32>,
    /// The page's text, as probes see it.
    pub page_text: String,
    /// How long each `goto` takes, as a slow system's pages do.
    pub latency: Duration,
}

fn css(s: &Selector) -> String {
    match s {
        Selector::Css(c) => c.clone(),
        Selector::XPath(x) => x.clone(),
        Selector::Query(q) => q.written.clone(),
    }
}

impl FakeBrowser {
    fn check(&mut self, action: &str, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        let target = css(target);
        self.calls.push(format!("{action} {target}"));
        if self.dead {
            return Err(BrowserError::SessionLost("fake browser crashed".into()));
        }
        if let Some(left) = self.flaky.get_mut(&target).filter(|left| **left > 0) {
            *left -= 1;
            return Err(BrowserError::NotFound { target: format!("css `{target}`"), after: timeout, hint: None });
        }
        if self.missing.contains(&target) {
            Err(BrowserError::NotFound { target: format!("css `{target}`"), after: timeout, hint: None })
        } else {
            Ok(())
        }
    }

    fn record(&mut self, call: String) -> Result<(), BrowserError> {
        self.calls.push(call);
        if self.dead { Err(BrowserError::SessionLost("fake browser crashed".into())) } else { Ok(()) }
    }
}

impl Browser for FakeBrowser {
    async fn choose(
        &mut self,
        target: &Selector,
        wanted: &Choosing<'_>,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        self.check(&format!("choose={}", wanted.value), target, timeout)
    }

    async fn goto(&mut self, url: &str) -> Result<Option<u16>, BrowserError> {
        self.calls.push(format!("goto {url}"));
        self.urls.push(url.to_string());
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        self.loaded_at = chrono::Utc::now().timestamp_micros() as f64 / 1000.0;
        Ok(self.status)
    }
    async fn click_only(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        self.click(target, timeout).await
    }
    async fn click(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        if let (Some(dir), Some((name, bytes))) = (self.downloads.clone(), self.download.clone()) {
            std::fs::write(dir.join(&name), b"").ok();
            std::fs::write(dir.join(format!("{name}.crdownload")), &bytes[..bytes.len() / 2]).ok();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                std::fs::write(dir.join(format!("{name}.crdownload")), &bytes).ok();
                std::fs::rename(dir.join(format!("{name}.crdownload")), dir.join(&name)).ok();
            });
        }
        let result = self.check("click", target, timeout);
        self.dead |= self.die_on_failure && result.is_err();
        result
    }
    async fn fill(
        &mut self,
        fields: &[(Selector, String)],
        submit: Option<&Selector>,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        for (target, value) in fields {
            self.check(&format!("fill={value}"), target, timeout)?;
        }
        match submit {
            Some(target) => self.check("submit", target, timeout),
            None => Ok(()),
        }
    }
    async fn type_text(
        &mut self,
        target: &Selector,
        text: &str,
        _: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        self.check(&format!("type={text}"), target, timeout)
    }
    async fn select(
        &mut self,
        target: &Selector,
        _: &[SelectBy],
        _: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        self.check("select", target, timeout)
    }
    async fn probe(&mut self, probes: &[Probe]) -> Result<Vec<Probed>, BrowserError> {
        let names: Vec<String> = probes
            .iter()
            .map(|p| match p {
                Probe::Element(s) => css(s),
                Probe::PageText => "page".into(),
                Probe::Url => "url".into(),
                Probe::Seen => "seen".into(),
            })
            .collect();
        self.record(format!("probe {}", names.join(",")))?;
        let mut answers = Vec::new();
        for (probe, name) in probes.iter().zip(&names) {
            answers.push(match probe {
                Probe::PageText | Probe::Seen => {
                    Probed { found: true, text: self.page_text.clone(), ..Probed::default() }
                }
                Probe::Url => {
                    Probed { found: true, text: self.urls.last().cloned().unwrap_or_default(), ..Probed::default() }
                }
                Probe::Element(_) => {
                    let lingering = self.lingering.get_mut(name).filter(|left| **left > 0).map(|left| *left -= 1);
                    let found =
                        lingering.is_some() || (!self.lingering.contains_key(name) && !self.missing.contains(name));
                    let text = self.texts.get(name).cloned().unwrap_or_default();
                    Probed { found, visible: found, enabled: found, checked: false, value: text.clone(), text }
                }
            });
        }
        Ok(answers)
    }
    async fn read_text(&mut self, target: &Selector, timeout: Duration) -> Result<String, BrowserError> {
        self.check("read", target, timeout)?;
        Ok(self.texts.get(&css(target)).cloned().unwrap_or_default())
    }
    async fn read_table(&mut self, target: &Selector, _scroll: bool, timeout: Duration) -> Result<Table, BrowserError> {
        self.check("table", target, timeout)?;
        Ok(self.table.clone())
    }
    async fn scroll_until(
        &mut self,
        list: &Selector,
        until: &Selector,
        timeout: Duration,
    ) -> Result<Scrolled, BrowserError> {
        self.check("scroll", list, timeout)?;
        let found = !self.missing.contains(&css(until));
        Ok(Scrolled { found, views: 3, end: !found })
    }
    async fn exists(&mut self, target: &Selector) -> Result<bool, BrowserError> {
        Ok(!self.missing.contains(&css(target)))
    }
    async fn screenshot(&mut self) -> Result<Vec<u8>, BrowserError> {
        Ok(b"\x89PNG fake".to_vec())
    }
    async fn page_source(&mut self) -> Result<String, BrowserError> {
        Ok("<html>fake</html>".into())
    }
    async fn current_url(&mut self) -> Result<String, BrowserError> {
        if self.dead {
            return Err(BrowserError::SessionLost("fake browser crashed".into()));
        }
        Ok(self.urls.last().cloned().unwrap_or_default())
    }
    async fn restart(&mut self) -> Result<(), BrowserError> {
        self.calls.push("restart".into());
        self.dead = false;
        Ok(())
    }
    async fn first_match(&mut self, candidates: &[Selector], timeout: Duration) -> Result<usize, BrowserError> {
        self.record(format!("first_match {}", candidates.len()))?;
        let target = candidates.iter().map(Selector::to_string).collect::<Vec<_>>().join(", ");
        candidates.iter().position(|c| !self.missing.contains(&css(c))).ok_or(BrowserError::NotFound {
            target,
            after: timeout,
            hint: None,
        })
    }
    async fn set_checked(&mut self, target: &Selector, checked: bool, timeout: Duration) -> Result<(), BrowserError> {
        self.check(if checked { "check" } else { "uncheck" }, target, timeout)
    }
    async fn press(
        &mut self,
        target: Option<&Selector>,
        keys: &[String],
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        match target {
            Some(target) => self.check(&format!("press={}", keys.join("+")), target, timeout),
            None => self.record(format!("press={}", keys.join("+"))),
        }
    }
    async fn read_attribute(
        &mut self,
        target: &Selector,
        name: &str,
        _: bool,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        self.check(&format!("attribute={name}"), target, timeout)?;
        Ok(self.texts.get(&format!("{}@{name}", css(target))).cloned().unwrap_or_default())
    }
    async fn frame(&mut self, target: &FrameSwitch, timeout: Duration) -> Result<(), BrowserError> {
        match target {
            FrameSwitch::Element(s) => self.check("frame", s, timeout),
            FrameSwitch::Top => self.record("frame top".into()),
            FrameSwitch::Parent => self.record("frame parent".into()),
            FrameSwitch::Index(i) => self.record(format!("frame {i}")),
        }
    }
    async fn pointer(&mut self, target: &Selector, gesture: Gesture, timeout: Duration) -> Result<(), BrowserError> {
        self.check(&format!("{gesture:?}").to_lowercase(), target, timeout)
    }
    async fn drag(&mut self, from: &Selector, to: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        self.check("drag", from, timeout)?;
        self.check("drop", to, timeout)
    }
    async fn clear(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        self.check("clear", target, timeout)
    }
    async fn cookies(&mut self, change: &Cookies) -> Result<String, BrowserError> {
        self.record(format!("cookies {change:?}"))?;
        Ok(if *change == Cookies::Read { "[]".into() } else { String::new() })
    }
    async fn history(&mut self, go: History) -> Result<(), BrowserError> {
        self.record(format!("{go:?}").to_lowercase())
    }
    async fn window(&mut self, target: &WindowTarget, _: Duration) -> Result<(), BrowserError> {
        self.record(format!("window {target:?}"))
    }
    async fn dialog(&mut self, answer: &DialogAnswer, _: Duration) -> Result<String, BrowserError> {
        self.record(format!("dialog {answer:?}"))?;
        Ok(self.dialog_text.clone())
    }
    async fn upload(
        &mut self,
        target: &Selector,
        file: &std::path::Path,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        self.check(&format!("upload={}", file.display()), target, timeout)
    }
    async fn run_script(
        &mut self,
        script: &str,
        args: &[serde_json::Value],
        _: Duration,
    ) -> Result<String, BrowserError> {
        self.record(format!("script {script} {args:?}"))?;
        Ok(self.script_result.clone())
    }
    async fn reset(&mut self) -> Result<(), BrowserError> {
        self.record("dialog Dismiss".into())?;
        self.record("window Main".into())
    }
    fn download_dir(&self) -> Option<std::path::PathBuf> {
        self.downloads.clone()
    }
    async fn watch_texts(&mut self) -> Result<(), BrowserError> {
        self.record("watch_texts".into())
    }
    async fn page_loaded_at(&mut self) -> Result<f64, BrowserError> {
        self.record("page_loaded_at".into())?;
        Ok(self.loaded_at)
    }
    async fn screenshot_masked(&mut self, pattern: &str, replacement: &str) -> Result<Vec<u8>, BrowserError> {
        self.record(format!("screenshot_masked {pattern} {replacement}"))?;
        Ok(b"\x89PNG fake, masked".to_vec())
    }
}
