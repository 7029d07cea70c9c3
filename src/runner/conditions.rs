//! Testing conditions. A condition's templates are rendered once, its page
//! leaves become probes that the browser answers in one round trip, and the
//! rest is decided here; a wait asks again every `POLL_INTERVAL`.

use std::time::{Duration, Instant};

use chrono::Local;
use regex::Regex;

use crate::browser::{Browser, POLL_INTERVAL, Probe, Probed};
use crate::robot::checks;
use crate::robot::condition::{Compare, Condition};
use crate::robot::locator::Locator;
use crate::robot::step::Identifier;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;

/// A condition ready to test: probes to send and how to read the answers.
pub(super) struct Prepared {
    probes: Vec<Probe>,
    node: Node,
}

enum Node {
    /// Any entry is in the document.
    Present(Vec<usize>),
    /// Any entry is shown.
    Visible(Vec<usize>),
    /// No entry is shown.
    Hidden(Vec<usize>),
    /// The first entry found is usable.
    Enabled(Vec<usize>),
    Checked(Vec<usize>),
    TextOf(Vec<usize>, Cmp),
    ValueOf(Vec<usize>, Cmp),
    /// The page's text or address.
    Page(usize, Cmp),
    /// Decided without the page.
    Fixed(bool),
    Not(Box<Node>),
    Any(Vec<Node>),
    All(Vec<Node>),
}

pub(super) enum Cmp {
    Equals(String),
    Contains(String),
    Matches(Regex),
}

impl Cmp {
    pub(super) fn test(&self, text: &str) -> bool {
        match self {
            Cmp::Equals(expected) => text.trim() == expected.trim(),
            Cmp::Contains(part) => text.contains(part.as_str()),
            Cmp::Matches(pattern) => pattern.is_match(text),
        }
    }
}

impl Node {
    fn holds(&self, answers: &[Probed]) -> bool {
        let at = |i: &usize| answers.get(*i).cloned().unwrap_or_default();
        let first_found = |list: &[usize]| list.iter().map(at).find(|a| a.found);
        match self {
            Node::Present(list) => list.iter().map(at).any(|a| a.found),
            Node::Visible(list) => list.iter().map(at).any(|a| a.found && a.visible),
            Node::Hidden(list) => list.iter().map(at).all(|a| !(a.found && a.visible)),
            Node::Enabled(list) => first_found(list).is_some_and(|a| a.enabled),
            Node::Checked(list) => first_found(list).is_some_and(|a| a.checked),
            Node::TextOf(list, cmp) => first_found(list).is_some_and(|a| cmp.test(&a.text)),
            Node::ValueOf(list, cmp) => first_found(list).is_some_and(|a| cmp.test(&a.value)),
            Node::Page(i, cmp) => cmp.test(&at(i).text),
            Node::Fixed(holds) => *holds,
            Node::Not(inner) => !inner.holds(answers),
            Node::Any(list) => list.iter().any(|n| n.holds(answers)),
            Node::All(list) => list.iter().all(|n| n.holds(answers)),
        }
    }
}

impl<B: Browser> Runner<'_, B> {
    /// Whether the condition holds now.
    pub(super) async fn holds(&mut self, condition: &Condition) -> Result<bool, Failure> {
        let prepared = self.prepare(condition)?;
        let answers = self.ask(&prepared).await?;
        Ok(prepared.node.holds(&answers))
    }

    /// Whether a condition that needs no page holds (an `items.filter`).
    pub(super) fn holds_here(&self, condition: &Condition) -> Result<bool, Failure> {
        Ok(self.prepare(condition)?.node.holds(&[]))
    }

    /// Waits until the condition holds, asking every `POLL_INTERVAL`; after
    /// `timeout` a timeout that names the condition. The answers that made
    /// it hold are returned (a locator list's entries, in order).
    pub(super) async fn wait_until(
        &mut self,
        condition: &Condition,
        timeout: Duration,
        keyword: &str,
    ) -> Result<Vec<Probed>, Failure> {
        let prepared = self.prepare(condition)?;
        let deadline = Instant::now() + timeout;
        loop {
            let answers = self.ask(&prepared).await?;
            if prepared.node.holds(&answers) {
                return Ok(answers);
            }
            if Instant::now() >= deadline {
                let waited_for = format!("{keyword} {}", condition.describe());
                return Err(SystemError::TimedOut { waited_for, limit: timeout }.into());
            }
            tokio::time::sleep(POLL_INTERVAL.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    async fn ask(&mut self, prepared: &Prepared) -> Result<Vec<Probed>, Failure> {
        if prepared.probes.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.browser.probe(&prepared.probes).await?)
    }

    /// Renders the condition's templates and lists the probes it needs.
    pub(super) fn prepare(&self, condition: &Condition) -> Result<Prepared, Failure> {
        let mut probes = Vec::new();
        let node = self.node(condition, &mut probes)?;
        Ok(Prepared { probes, node })
    }

    fn node(&self, condition: &Condition, probes: &mut Vec<Probe>) -> Result<Node, Failure> {
        Ok(match condition {
            Condition::Present(l) => Node::Present(self.elements(l, probes)?),
            Condition::Visible(l) => Node::Visible(self.elements(l, probes)?),
            Condition::Hidden(l) => Node::Hidden(self.elements(l, probes)?),
            Condition::Enabled(l) => Node::Enabled(self.elements(l, probes)?),
            Condition::Checked(l) => Node::Checked(self.elements(l, probes)?),
            Condition::TextOf(l, c) => Node::TextOf(self.elements(l, probes)?, self.cmp(c)?),
            Condition::ValueOf(l, c) => Node::ValueOf(self.elements(l, probes)?, self.cmp(c)?),
            Condition::PageText(c) => {
                probes.push(Probe::PageText);
                Node::Page(probes.len() - 1, self.cmp(c)?)
            }
            Condition::Url(c) => {
                probes.push(Probe::Url);
                Node::Page(probes.len() - 1, self.cmp(c)?)
            }
            Condition::Value(t, c) => Node::Fixed(self.cmp(c)?.test(&t.render(&self.scope)?)),
            Condition::Valid(kind, t) => Node::Fixed(valid(*kind, &t.render(&self.scope)?)),
            Condition::Not(inner) => Node::Not(Box::new(self.node(inner, probes)?)),
            Condition::Any(list) => Node::Any(list.iter().map(|c| self.node(c, probes)).collect::<Result<_, _>>()?),
            Condition::All(list) => Node::All(list.iter().map(|c| self.node(c, probes)).collect::<Result<_, _>>()?),
        })
    }

    /// One probe per entry of a locator list.
    pub(super) fn elements(&self, locator: &Locator, probes: &mut Vec<Probe>) -> Result<Vec<usize>, Failure> {
        let mut indices = Vec::new();
        for candidate in locator.candidates() {
            probes.push(Probe::Element(self.resolve(candidate)?));
            indices.push(probes.len() - 1);
        }
        Ok(indices)
    }

    pub(super) fn cmp(&self, compare: &Compare) -> Result<Cmp, Failure> {
        Ok(match compare {
            Compare::Equals(t) => Cmp::Equals(t.render(&self.scope)?),
            Compare::Contains(t) => Cmp::Contains(t.render(&self.scope)?),
            Compare::Matches(t) => {
                let pattern = t.render(&self.scope)?;
                let compiled = Regex::new(&pattern).map_err(|e| SystemError::BadPattern {
                    pattern: t.source(),
                    reason: e.to_string().lines().last().unwrap_or_default().trim().to_string(),
                })?;
                Cmp::Matches(compiled)
            }
        })
    }
}

/// Whether a value passes the check `validate` would make of it.
fn valid(kind: Identifier, text: &str) -> bool {
    match kind {
        Identifier::Personnummer => crate::privacy::personnummer::parse(text, Local::now().date_naive()).is_ok(),
        Identifier::Organisationsnummer => checks::organisationsnummer(text).is_ok(),
        Identifier::Email => checks::email(text).is_ok(),
        Identifier::Date => checks::date(text).is_ok(),
    }
}
