//! A step's `expect`: after its action, waits until the page shows a text
//! (seen even if it was taken away before the next look) or an element that
//! says the action failed.

use std::time::{Duration, Instant};

use crate::browser::{Browser, Probe, QUICK_POLL, SEEN_SEPARATOR};
use crate::robot::step::Expect;
use crate::runner::conditions::Cmp;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    pub(super) async fn expect(&mut self, expect: &Expect, timeout: Duration) -> Result<(), Failure> {
        let shows = self.cmp(&expect.shows)?;
        let mut probes = vec![Probe::Seen];
        let error = match &expect.error {
            Some(locator) => self.elements(locator, &mut probes)?,
            None => Vec::new(),
        };
        let fault = match &expect.fault {
            Some(locator) => self.elements(locator, &mut probes)?,
            None => Vec::new(),
        };
        let deadline = Instant::now() + timeout;
        loop {
            let answers = self.browser.probe(&probes).await?;
            let texts = answers.first().map_or("", |a| a.text.as_str());
            if let Some(text) = texts.split(SEEN_SEPARATOR).find(|t| shows.test(t)) {
                if let Cmp::Matches(pattern) = &shows
                    && let Some(found) = pattern.captures(text)
                {
                    for name in &expect.captures {
                        let value = found.name(name).map_or("", |m| m.as_str());
                        self.scope.vars.insert(name.clone(), value.to_string());
                    }
                }
                return Ok(());
            }
            let shown = |list: &[usize]| list.iter().filter_map(|i| answers.get(*i)).find(|a| a.found && a.visible);
            if let Some(said) = shown(&error) {
                return Err(Failure::Business(said.text.trim().to_string()));
            }
            if let (Some(said), Some(locator)) = (shown(&fault), &expect.fault) {
                let text = said.text.trim().to_string();
                return Err(SystemError::PageSaid { locator: locator.source(), text }.into());
            }
            if Instant::now() >= deadline {
                let waited_for = format!("expect: the text {}", expect.shows.describe());
                return Err(SystemError::TimedOut { waited_for, limit: timeout }.into());
            }
            tokio::time::sleep(QUICK_POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }
}
