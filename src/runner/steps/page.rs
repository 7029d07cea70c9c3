//! Steps that act on the page: navigation, fields, waits, reading, frames,
//! windows, dialogs, files and JavaScript.

use std::path::PathBuf;
use std::time::Duration;

use crate::base64;
use crate::browser::{Browser, BrowserError, Choosing, Cookies, DialogAnswer, FrameSwitch, SelectBy, WindowTarget};
use crate::privacy::personnummer::holds_personnummer;
use crate::robot::condition::Condition;
use crate::robot::expr::Template;
use crate::robot::locator::Locator;
use crate::robot::step::{Choice, CookieChange, FrameTarget, Gesture, JsonTemplate, TextPart, UploadFrom, WindowSpec};
use crate::runner::case::Case;
use crate::runner::event::{EvidenceKind, RunEvent};
use crate::runner::evidence::sanitize;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// Loads a page; one that answers 500 or more is a system exception
    /// unless the step accepts that status.
    pub(super) async fn goto(&mut self, url: &Template, accept_status: &[u16]) -> Result<(), Failure> {
        let url = url.render(&self.scope)?;
        match self.browser.goto(&url).await? {
            Some(status) if status >= 500 && !accept_status.contains(&status) => {
                Err(SystemError::ServerError { url, status }.into())
            }
            _ => Ok(()),
        }
    }

    pub(super) async fn click(
        &mut self,
        target: &Locator,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        Ok(self.browser.click(&selector, timeout).await?)
    }

    pub(super) async fn fill(
        &mut self,
        fields: &[(Locator, Template)],
        submit: Option<&Locator>,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let mut resolved = Vec::with_capacity(fields.len());
        for (locator, value) in fields {
            let selector = self.locate(locator, timeout, case).await?;
            resolved.push((selector, value.render(&self.scope)?));
        }
        let submit = self.locate_optional(submit, timeout, case).await?;
        Ok(self.browser.fill(&resolved, submit.as_ref(), timeout).await?)
    }

    pub(super) async fn type_text(
        &mut self,
        target: &Locator,
        text: &Template,
        clear: bool,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        let text = text.render(&self.scope)?;
        Ok(self.browser.type_text(&selector, &text, clear, timeout).await?)
    }

    pub(super) async fn select(
        &mut self,
        target: &Locator,
        choices: &[Choice],
        selected: bool,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        let mut wanted = Vec::with_capacity(choices.len());
        for choice in choices {
            wanted.push(match choice {
                Choice::Label(t) => SelectBy::Label(t.render(&self.scope)?),
                Choice::Value(t) => SelectBy::Value(t.render(&self.scope)?),
            });
        }
        Ok(self.browser.select(&selector, &wanted, selected, timeout).await?)
    }

    /// Chooses each value in a combobox; an option that is not offered is a
    /// business exception naming those that are (the case's data names
    /// something the system does not know).
    pub(super) async fn choose(
        &mut self,
        target: &Locator,
        values: &[Template],
        contains: bool,
        options: Option<&Locator>,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        let options = match options {
            Some(options) => Some(self.resolve(options)?),
            None => None,
        };
        let mut rendered = Vec::new();
        for value in values {
            let value = value.render(&self.scope)?;
            // A variable holding a JSON list (a source's list field) is its values.
            match serde_json::from_str::<Vec<String>>(&value) {
                Ok(list) => rendered.extend(list),
                Err(_) => rendered.push(value),
            }
        }
        for value in rendered {
            let wanted = Choosing { value: &value, contains, options: options.as_ref() };
            match self.browser.choose(&selector, &wanted, timeout).await {
                Err(BrowserError::NoSuchOption { target, value, offered }) => {
                    let offered = if offered.is_empty() { "none".to_string() } else { offered.join(", ") };
                    return Err(Failure::Business(format!(
                        "{target} offers no option `{value}`; it offered: {offered}"
                    )));
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// Scrolls `list` until `until` is rendered. A list that ends without it
    /// is an answer (the run log says so, and a condition after the step
    /// decides); a list still going when the time runs out is not.
    pub(super) async fn scroll(
        &mut self,
        list: &Locator,
        until: &Locator,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let started = std::time::Instant::now();
        let selector = self.locate(list, timeout, case).await?;
        let wanted = self.resolve(until)?;
        let left = timeout.saturating_sub(started.elapsed());
        let scrolled = self.browser.scroll_until(&selector, &wanted, left).await?;
        if scrolled.found {
            return Ok(());
        }
        if !scrolled.end {
            let waited_for = format!("scroll until `{}` in `{}`", until.source(), list.source());
            return Err(SystemError::TimedOut { waited_for, limit: timeout }.into());
        }
        let message =
            format!("`{}` reached its end after {} views without `{}`", list.source(), scrolled.views, until.source());
        self.emit(RunEvent::Log { item: case.map(Case::seq), message });
        Ok(())
    }

    /// Waits for the condition; for a locator list waited for until one is
    /// visible, the log says which entry it was.
    pub(super) async fn wait_for(
        &mut self,
        condition: &Condition,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let answers = self.wait_until(condition, timeout, "wait_for").await?;
        if let Condition::Visible(locator) = condition
            && !locator.fallbacks.is_empty()
            && let Some(index) = answers.iter().position(|a| a.found && a.visible)
        {
            let chosen = locator.candidates().nth(index).unwrap_or(locator).own_source();
            let message = format!("locator {} of {} matched: {chosen}", index + 1, locator.fallbacks.len() + 1);
            self.emit(RunEvent::Log { item: case.map(Case::seq), message });
        }
        Ok(())
    }

    pub(super) async fn read_text(
        &mut self,
        from: &Locator,
        into: &str,
        part: &TextPart,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(from, timeout, case).await?;
        let text = match part {
            TextPart::Attribute(name) => self.browser.read_attribute(&selector, name, false, timeout).await?,
            TextPart::Property(name) => self.browser.read_attribute(&selector, name, true, timeout).await?,
            TextPart::Text => self.browser.read_text(&selector, timeout).await?,
        };
        self.scope.vars.insert(into.to_string(), text);
        Ok(())
    }

    pub(super) async fn read_table(
        &mut self,
        from: &Locator,
        into: &str,
        scroll: bool,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(from, timeout, case).await?;
        let table = self.browser.read_table(&selector, scroll, timeout).await?;
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = table
            .rows
            .iter()
            .map(|cells| table.headers.iter().cloned().zip(cells.iter().map(|c| c.clone().into())).collect())
            .collect();
        self.scope.vars.insert(into.to_string(), serde_json::to_string(&rows).unwrap_or_default());
        Ok(())
    }

    pub(super) async fn set_checked(
        &mut self,
        target: &Locator,
        checked: bool,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        Ok(self.browser.set_checked(&selector, checked, timeout).await?)
    }

    pub(super) async fn press(
        &mut self,
        keys: &[String],
        target: Option<&Locator>,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate_optional(target, timeout, case).await?;
        Ok(self.browser.press(selector.as_ref(), keys, timeout).await?)
    }

    pub(super) async fn frame(
        &mut self,
        target: &FrameTarget,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let target = match target {
            FrameTarget::Top => FrameSwitch::Top,
            FrameTarget::Parent => FrameSwitch::Parent,
            FrameTarget::Index(i) => FrameSwitch::Index(*i),
            FrameTarget::Element(l) => FrameSwitch::Element(self.locate(l, timeout, case).await?),
        };
        Ok(self.browser.frame(&target, timeout).await?)
    }

    pub(super) async fn pointer(
        &mut self,
        target: &Locator,
        gesture: Gesture,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        Ok(self.browser.pointer(&selector, gesture, timeout).await?)
    }

    pub(super) async fn drag(
        &mut self,
        from: &Locator,
        to: &Locator,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let from = self.locate(from, timeout, case).await?;
        let to = self.locate(to, timeout, case).await?;
        Ok(self.browser.drag(&from, &to, timeout).await?)
    }

    pub(super) async fn cookies(&mut self, change: &CookieChange) -> Result<(), Failure> {
        let asked = match change {
            CookieChange::Read(_) => Cookies::Read,
            CookieChange::Set(values) => Cookies::Set(
                values.iter().map(|(n, v)| Ok((n.clone(), v.render(&self.scope)?))).collect::<Result<_, Failure>>()?,
            ),
            CookieChange::Delete(name) => Cookies::Delete(name.as_ref().map(|n| n.render(&self.scope)).transpose()?),
        };
        let answer = self.browser.cookies(&asked).await?;
        if let CookieChange::Read(into) = change {
            self.scope.vars.insert(into.clone(), answer);
        }
        Ok(())
    }

    pub(super) async fn clear(
        &mut self,
        target: &Locator,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let selector = self.locate(target, timeout, case).await?;
        Ok(self.browser.clear(&selector, timeout).await?)
    }

    pub(super) async fn window(&mut self, target: &WindowSpec, timeout: Duration) -> Result<(), Failure> {
        let target = match target {
            WindowSpec::New => WindowTarget::New,
            WindowSpec::Main => WindowTarget::Main,
            WindowSpec::Close => WindowTarget::Close,
            WindowSpec::Title(t) => WindowTarget::Title(t.render(&self.scope)?),
        };
        Ok(self.browser.window(&target, timeout).await?)
    }

    pub(super) async fn dialog(
        &mut self,
        accept: bool,
        prompt: Option<&Template>,
        into: Option<&String>,
        timeout: Duration,
    ) -> Result<(), Failure> {
        let answer = match (accept, prompt) {
            (true, Some(t)) => DialogAnswer::Accept(Some(t.render(&self.scope)?)),
            (true, None) => DialogAnswer::Accept(None),
            (false, _) => DialogAnswer::Dismiss,
        };
        let text = self.browser.dialog(&answer, timeout).await?;
        if let Some(into) = into {
            self.scope.vars.insert(into.clone(), text);
        }
        Ok(())
    }

    pub(super) async fn upload(
        &mut self,
        target: &Locator,
        from: &UploadFrom,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let path = match from {
            UploadFrom::File(file) => self.path(file)?,
            UploadFrom::Data { data, name } => self.save_upload(target, data, name)?,
        };
        if !path.is_file() {
            return Err(SystemError::NoSuchFile { path }.into());
        }
        let path = path.canonicalize().unwrap_or(path);
        let selector = self.locate(target, timeout, case).await?;
        Ok(self.browser.upload(&selector, &path, timeout).await?)
    }

    /// Writes base64 bytes to `uploads/NAME` in the run's folder. Text that
    /// is not base64 came with the case, so the case is a business exception.
    fn save_upload(&self, target: &Locator, data: &Template, name: &Template) -> Result<PathBuf, Failure> {
        let text = data.render(&self.scope)?;
        let text = match text.split_once(";base64,") {
            Some((head, rest)) if head.starts_with("data:") => rest,
            _ => text.as_str(),
        };
        let bytes = base64::decode(text)
            .map_err(|why| Failure::Business(format!("the file for `{}` is not base64 ({why})", target.source())))?;
        let name = name.render(&self.scope)?;
        let name = std::path::Path::new(&name).file_name().map(|n| n.to_os_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(Failure::Business(format!("the file for `{}` has no name", target.source())));
        }
        let path = self.evidence_dir.join("uploads").join(name);
        let saved = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, bytes));
        saved.map_err(|source| SystemError::Io { action: "save the file to upload", path: path.clone(), source })?;
        Ok(path)
    }

    pub(super) async fn download_step(
        &mut self,
        click: &Locator,
        save_as: Option<&Template>,
        into: Option<&String>,
        timeout: Duration,
        case: Option<&Case>,
    ) -> Result<(), Failure> {
        let saved = self.download(click, save_as, timeout, case).await?;
        self.emit(RunEvent::Log { item: case.map(Case::seq), message: format!("downloaded `{}`", saved.display()) });
        if let Some(into) = into {
            self.scope.vars.insert(into.clone(), saved.display().to_string());
        }
        Ok(())
    }

    /// Runs JavaScript within the step's timeout; a page still busy with it
    /// after that gets a new browser, as after a crash.
    pub(super) async fn script(
        &mut self,
        code: &str,
        args: &[JsonTemplate],
        into: Option<&String>,
        timeout: Duration,
    ) -> Result<(), Failure> {
        let before = self.scope.derived_count();
        let args = args.iter().map(|a| self.json(a)).collect::<Result<Vec<_>, _>>()?;
        let given_a_secret = self.scope.derived_count() > before;
        let result = match self.browser.run_script(code, &args, timeout).await {
            Err(e @ BrowserError::ScriptTimedOut { .. }) => {
                self.revive().await;
                return Err(e.into());
            }
            other => other?,
        };
        // What a script computes from a secret is a secret.
        if given_a_secret {
            self.scope.derive(&result);
        }
        if let Some(into) = into {
            self.scope.vars.insert(into.clone(), result);
        }
        Ok(())
    }

    pub(super) async fn screenshot(&mut self, name: Option<&Template>, case: Option<&Case>) -> Result<(), Failure> {
        let rendered = name.map(|t| t.render(&self.scope)).transpose()?;
        // A name that holds a personnummer is not a file's name when they are masked.
        let masked = self.robot.notify.mask_personnummer && rendered.as_deref().is_some_and(holds_personnummer);
        let name = match rendered.filter(|_| !masked) {
            Some(text) => sanitize(&text),
            // Numbered per worker: two workers never write the same file.
            None => {
                self.screenshots += 1;
                match self.worker {
                    1 => format!("screenshot-{}", self.screenshots),
                    worker => format!("screenshot-worker-{worker}-{}", self.screenshots),
                }
            }
        };
        let png = self.browser.screenshot().await?;
        let path = self.write_evidence(&format!("{name}.png"), &png)?;
        self.emit(RunEvent::Evidence { item: case.map(Case::seq), kind: EvidenceKind::Screenshot, path });
        Ok(())
    }
}
