//! The runner's helpers shared by steps: locator lists, paths from robot
//! files, JSON bodies, messages for people, and downloads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::browser::{Browser, Selector};
use crate::robot::expr::Template;
use crate::robot::locator::Locator;
use crate::robot::step::JsonTemplate;
use crate::runner::case::Case;
use crate::runner::event::RunEvent;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// The selector of a locator; for a list, the first entry that finds an
    /// element (waiting for any of them), reported when it is not the first.
    pub(super) async fn locate(
        &mut self,
        locator: &Locator,
        timeout: std::time::Duration,
        case: Option<&Case>,
    ) -> Result<Selector, Failure> {
        let (index, selector) = self.first_of(locator, timeout).await?;
        // The first entry is the page as the robot was written for it; any
        // other is a fallback, the early sign that the page has changed.
        if index > 0 {
            let used = locator.candidates().nth(index).unwrap_or(locator).own_source();
            self.emit(RunEvent::Fallback {
                item: case.map(Case::seq),
                line: self.step_line,
                wanted: locator.own_source(),
                used,
            });
        }
        Ok(selector)
    }

    /// The first entry of a locator list that finds an element (a single
    /// locator is its own first entry, not waited for here), and its place.
    async fn first_of(
        &mut self,
        locator: &Locator,
        timeout: std::time::Duration,
    ) -> Result<(usize, Selector), Failure> {
        if locator.fallbacks.is_empty() {
            return Ok((0, self.resolve(locator)?));
        }
        let mut candidates = locator.candidates().map(|l| self.resolve(l)).collect::<Result<Vec<_>, _>>()?;
        let index = self.browser.first_match(&candidates, timeout).await?;
        Ok((index, candidates.swap_remove(index)))
    }

    /// `locate` for a step whose locator may be left out.
    pub(super) async fn locate_optional(
        &mut self,
        locator: Option<&Locator>,
        timeout: std::time::Duration,
        case: Option<&Case>,
    ) -> Result<Option<Selector>, Failure> {
        match locator {
            Some(locator) => Ok(Some(self.locate(locator, timeout, case).await?)),
            None => Ok(None),
        }
    }

    /// The selector of one locator, its references filled in.
    pub(super) fn resolve(&self, locator: &Locator) -> Result<Selector, Failure> {
        let selector = locator.resolve(&self.scope)?;
        Ok(match &self.robot.browser.test_id {
            Some(attribute) => selector.with_test_id(attribute),
            None => selector,
        })
    }

    /// A message for people: a reference that has no value is shown as written.
    pub(super) fn render_message(&self, template: &Template) -> String {
        template.render(&self.scope).unwrap_or_else(|_| template.source())
    }

    /// HTTP headers with their references filled in.
    pub(super) fn headers(&self, headers: &[(String, Template)]) -> Result<Vec<(String, String)>, Failure> {
        headers.iter().map(|(name, value)| Ok((name.clone(), value.render(&self.scope)?))).collect()
    }

    /// A path from a robot file: relative ones start at the robot's folder.
    pub(super) fn path(&self, template: &Template) -> Result<PathBuf, Failure> {
        let text = template.render(&self.scope)?;
        let base = self.robot.path.parent().unwrap_or(std::path::Path::new(""));
        Ok(base.join(text))
    }

    /// A JSON body with its references filled in.
    pub(super) fn json(&self, template: &JsonTemplate) -> Result<serde_json::Value, Failure> {
        Ok(match template {
            JsonTemplate::Null => serde_json::Value::Null,
            JsonTemplate::Bool(b) => (*b).into(),
            JsonTemplate::Number(n) => serde_json::Value::Number(n.clone()),
            JsonTemplate::Text(t) => t.render(&self.scope)?.into(),
            JsonTemplate::List(list) => list.iter().map(|t| self.json(t)).collect::<Result<Vec<_>, _>>()?.into(),
            JsonTemplate::Object(fields) => {
                let mut map = serde_json::Map::new();
                for (key, value) in fields {
                    map.insert(key.clone(), self.json(value)?);
                }
                serde_json::Value::Object(map)
            }
        })
    }

    /// Clicks `click`, waits for the browser to finish saving the file it
    /// starts, and moves the file to `save_as` (or the run's folder).
    pub(super) async fn download(
        &mut self,
        click: &Locator,
        save_as: Option<&Template>,
        timeout: std::time::Duration,
        case: Option<&Case>,
    ) -> Result<PathBuf, Failure> {
        let Some(dir) = self.browser.download_dir() else {
            return Err(SystemError::RemoteDownload.into());
        };
        let before: std::collections::HashSet<_> = list_dir(&dir);
        let selector = self.locate(click, timeout, case).await?;
        // The file's answer never replaces the page: nothing to wait for.
        self.browser.click_only(&selector, timeout).await?;
        let deadline = Instant::now() + timeout;
        // Chromium writes into a hidden file, then `*.crdownload`, and may put
        // an empty file under the final name meanwhile (watched in Chromium
        // 156): a download is done when no partial file is left and the new
        // file's size held still for one poll.
        let mut last_size = None;
        let (name, file) = loop {
            let names = list_dir(&dir);
            let partial = names.iter().any(|n| is_partial(n));
            let finished = names.into_iter().find(|n| !before.contains(n) && !is_partial(n));
            if let Some(name) = finished.filter(|_| !partial) {
                let file = dir.join(&name);
                let size = std::fs::metadata(&file).map(|m| m.len()).ok();
                if size.is_some() && size == last_size {
                    break (name, file);
                }
                last_size = size;
            } else {
                last_size = None;
            }
            if Instant::now() >= deadline {
                return Err(SystemError::DownloadTimedOut { limit: timeout }.into());
            }
            tokio::time::sleep(crate::browser::POLL_INTERVAL).await;
        };
        let target = match save_as {
            Some(t) => self.path(t)?,
            None => self.evidence_dir.join("downloads").join(&name),
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SystemError::Io {
                action: "create",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::copy(&file, &target).and_then(|_| std::fs::remove_file(&file)).map_err(|source| SystemError::Io {
            action: "save the download as",
            path: target.clone(),
            source,
        })?;
        Ok(target)
    }
}

/// A file Chromium is still writing: `x.csv.crdownload`, or the hidden
/// `.org.chromium.Chromium.*` file a download starts in.
fn is_partial(name: &str) -> bool {
    name.ends_with(".crdownload") || name.ends_with(".tmp") || name.starts_with('.')
}

/// The names of the files in a folder (none if it cannot be read).
fn list_dir(dir: &std::path::Path) -> std::collections::HashSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// Puts a variable back as it was before a block gave it a value.
pub(super) fn restore(vars: &mut HashMap<String, String>, name: &str, before: Option<String>) {
    match before {
        Some(value) => vars.insert(name.to_string(), value),
        None => vars.remove(name),
    };
}
