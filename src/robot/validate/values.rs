//! Durations and locators as written in robot and schedule files, checked
//! into their values: a duration within `MAX_DURATION`, a locator whose CSS
//! or XPath can work.

use std::time::Duration;

use crate::files::yaml::{Node, Value};
use crate::robot::locator::{Locator, locator_problem};
use crate::robot::validate::Validator;

impl Validator<'_> {
    pub(crate) fn duration(&mut self, node: &Node) -> Option<Duration> {
        let seconds = match &node.value {
            Value::Int(i) if *i >= 0 => Some(*i as f64),
            Value::Float(f) if *f >= 0.0 => Some(*f),
            Value::Str(s) => duration_seconds(s),
            _ => None,
        };
        if let Some(seconds) = seconds.filter(|s| s.is_nan() || *s > MAX_DURATION.as_secs_f64()) {
            let width = node.value.as_text().map_or(1, |s| s.chars().count());
            let message = format!(
                "a duration of {seconds} seconds is longer than the longest allowed ({} days)",
                MAX_DURATION.as_secs() / 86400
            );
            self.d.error(node.pos, width, message);
            return None;
        }
        let parsed = seconds.and_then(|s| Duration::try_from_secs_f64(s).ok());
        if parsed.is_none() {
            let found = match &node.value {
                Value::Str(s) => format!("`{s}`"),
                other => other.kind().to_string(),
            };
            let width = node.value.as_text().map_or(1, |s| s.chars().count());
            self.d.error(node.pos, width, format!("expected a duration such as `500ms`, `10s` or `2m`, found {found}"));
        }
        parsed
    }

    pub(super) fn locator(&mut self, node: &Node, in_item: bool) -> Option<Locator> {
        let Value::Seq(list) = &node.value else { return self.one_locator(node, in_item) };
        let mut all: Vec<Option<Locator>> = list.iter().map(|n| self.one_locator(n, in_item)).collect();
        if all.is_empty() {
            self.d.error(node.pos, 1, "an empty list of locators");
            return None;
        }
        if all.iter().any(Option::is_none) {
            return None;
        }
        let mut first = all.remove(0)?;
        first.fallbacks = all.into_iter().flatten().collect();
        Some(first)
    }

    pub(super) fn one_locator(&mut self, node: &Node, in_item: bool) -> Option<Locator> {
        let text = self.string(node, "a locator (a string such as `#id`, `text:Spara` or `label:Namn`)")?;
        let (strategy, rest, prefix_len) = Locator::split(&text);
        if rest.trim().is_empty() {
            self.d.error(node.pos, text.chars().count().max(1), "empty locator");
            return None;
        }
        let value = self.template_text(node, rest, text[..prefix_len].chars().count(), in_item)?;
        // A selector with references is checked once it is rendered (`Locator::resolve`).
        if !rest.contains("${")
            && let Some(message) = locator_problem(&text)
        {
            self.d.error(node.pos, text.chars().count(), message);
            return None;
        }
        Some(Locator { strategy, value, prefix_len, fallbacks: Vec::new() })
    }
}

/// The longest wait, pause or run time a robot or schedule file may give.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Parses `500ms`, `10s`, `2m`, `1h` or a bare number of seconds, up to `MAX_DURATION`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    duration_seconds(text)
        .filter(|s| *s <= MAX_DURATION.as_secs_f64())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// The seconds a duration's text stands for, however many.
fn duration_seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    seconds.is_finite().then_some(seconds)
}
