//! Conditions as written (for `if`, `wait_for`, `assert`, `items.filter`
//! and `session.expired`), checked into a `Condition`.

use crate::files::yaml::{Node, Value};
use crate::robot::condition::{Compare, Condition};
use crate::robot::step::Identifier;
use crate::robot::validate::{Fields, Validator};

/// What a condition can look at; a condition has exactly one of these.
const SUBJECTS: &[&str] = &[
    "exists", "present", "visible", "hidden", "enabled", "checked", "text", "text_of", "value_of", "url", "value",
    "valid", "not", "any", "all",
];
/// How a text is compared; beside `text_of`, `value_of` and `value`, or
/// inside `text:` and `url:`.
const COMPARES: &[&str] = &["equals", "contains", "matches"];

const WHAT: &str = "a condition (such as `visible: LOCATOR`, `text: TEXT`, `url: TEXT`, \
                    `value: ${x}` with `equals: TEXT`, or `not`, `any`, `all`)";

/// Every key a condition's mapping may hold.
pub(super) fn condition_keys() -> Vec<&'static str> {
    SUBJECTS.iter().chain(COMPARES).copied().collect()
}

impl Validator<'_> {
    /// A condition: one mapping with one subject, and a comparison where the
    /// subject is a text.
    pub(crate) fn condition(&mut self, node: &Node, in_item: bool) -> Option<Condition> {
        let f = self.mapping(node, &condition_keys(), WHAT)?;
        self.condition_fields(node, &f, in_item)
    }

    /// A condition from keys already checked against the condition keys
    /// (and perhaps others the caller owns, such as `message:`).
    pub(crate) fn condition_fields(&mut self, node: &Node, f: &Fields<'_>, in_item: bool) -> Option<Condition> {
        let subjects: Vec<&str> = SUBJECTS.iter().copied().filter(|k| f.get(k).is_some()).collect();
        let subject = match subjects.as_slice() {
            [one] => *one,
            [] => {
                self.d.error(node.pos, 1, format!("expected {WHAT}"));
                return None;
            }
            [first, second, ..] => {
                let pos = f.key_pos(second).unwrap_or(node.pos);
                self.d.error(
                    pos,
                    second.chars().count(),
                    format!(
                        "a condition tests one thing, and this one also has `{first}`: put both under `all:` or `any:`"
                    ),
                );
                return None;
            }
        };
        let value = f.get(subject)?;
        let compare = self.sibling_compare(node, f, subject, in_item);
        let with_compare = matches!(subject, "text_of" | "value_of" | "value");
        if !with_compare && compare.is_some() {
            let key = COMPARES.iter().find(|k| f.get(k).is_some()).copied().unwrap_or("equals");
            let pos = f.key_pos(key).unwrap_or(node.pos);
            let hint = match subject {
                "text" | "url" => format!("; write `{subject}: {{{key}: ...}}`"),
                _ => String::new(),
            };
            self.d.error(pos, key.chars().count(), format!("`{key}` does not go with `{subject}`{hint}"));
            return None;
        }
        if with_compare && compare.is_none() && COMPARES.iter().all(|k| f.get(k).is_none()) {
            self.d.error(node.pos, 1, format!("`{subject}` needs one of `equals`, `contains` or `matches`"));
            return None;
        }
        match subject {
            "exists" | "present" => self.locator(value, in_item).map(Condition::Present),
            "visible" => self.locator(value, in_item).map(Condition::Visible),
            "hidden" => self.locator(value, in_item).map(Condition::Hidden),
            "enabled" => self.locator(value, in_item).map(Condition::Enabled),
            "checked" => self.locator(value, in_item).map(Condition::Checked),
            "text" => self.text_compare(value, "the text to look for", in_item).map(Condition::PageText),
            "url" => self.text_compare(value, "part of the address", in_item).map(Condition::Url),
            "text_of" => Some(Condition::TextOf(self.locator(value, in_item)?, compare?)),
            "value_of" => Some(Condition::ValueOf(self.locator(value, in_item)?, compare?)),
            "value" => Some(Condition::Value(self.template(value, "a value", in_item)?, compare?)),
            "valid" => self.valid(value, in_item),
            "not" => self.condition(value, in_item).map(|c| Condition::Not(Box::new(c))),
            "any" => self.condition_list(value, "any", in_item).map(Condition::Any),
            _ => self.condition_list(value, "all", in_item).map(Condition::All),
        }
    }

    /// The comparison written beside the subject, if any.
    fn sibling_compare(&mut self, node: &Node, f: &Fields<'_>, subject: &str, in_item: bool) -> Option<Compare> {
        let given: Vec<&str> = COMPARES.iter().copied().filter(|k| f.get(k).is_some()).collect();
        match given.as_slice() {
            [] => None,
            [one] => self.compare(one, f.get(one)?, in_item),
            _ => {
                self.d.error(node.pos, 1, format!("`{subject}` takes one of `equals`, `contains` or `matches`"));
                None
            }
        }
    }

    /// `text:` and `url:`: a text (contained) or `{equals|contains|matches: ...}`.
    fn text_compare(&mut self, node: &Node, what: &str, in_item: bool) -> Option<Compare> {
        let Value::Map(_) = node.value else {
            return self.template(node, what, in_item).map(Compare::Contains);
        };
        let f = self.mapping(node, COMPARES, "a text, or a mapping with `equals`, `contains` or `matches`")?;
        let given: Vec<&str> = COMPARES.iter().copied().filter(|k| f.get(k).is_some()).collect();
        match given.as_slice() {
            [one] => self.compare(one, f.get(one)?, in_item),
            _ => {
                self.d.error(node.pos, 1, "expected exactly one of `equals`, `contains` or `matches`");
                None
            }
        }
    }

    pub(super) fn compare(&mut self, key: &str, node: &Node, in_item: bool) -> Option<Compare> {
        match key {
            "equals" => self.template(node, "the text to compare with", in_item).map(Compare::Equals),
            "contains" => self.template(node, "the text to look for", in_item).map(Compare::Contains),
            _ => {
                let pattern = self.template(node, "a regular expression", in_item)?;
                // A pattern without references is checked now, not at night.
                if let Some(text) = pattern.as_literal()
                    && let Err(e) = regex::Regex::new(&text)
                {
                    let reason = e.to_string();
                    let last = reason.lines().last().unwrap_or_default().trim().to_string();
                    let start = self.value_start(node);
                    self.d.error(start, text.chars().count().max(1), format!("not a regular expression: {last}"));
                    return None;
                }
                Some(Compare::Matches(pattern))
            }
        }
    }

    fn condition_list(&mut self, node: &Node, key: &str, in_item: bool) -> Option<Vec<Condition>> {
        let Value::Seq(list) = &node.value else {
            self.wrong_type(node, &format!("a list of conditions for `{key}`"));
            return None;
        };
        if list.is_empty() {
            self.d.error(node.pos, 1, format!("`{key}` needs at least one condition"));
            return None;
        }
        let conditions: Vec<Option<Condition>> = list.iter().map(|n| self.condition(n, in_item)).collect();
        conditions.into_iter().collect()
    }

    /// `valid: {personnummer: ${item.Pnr}}`.
    fn valid(&mut self, node: &Node, in_item: bool) -> Option<Condition> {
        let keys: Vec<&str> = Identifier::ALL.iter().map(|(n, _)| *n).collect();
        let f = self.mapping(node, &keys, "a mapping such as `personnummer: ${item.Pnr}`")?;
        let given: Vec<(Identifier, &Node)> =
            Identifier::ALL.iter().filter_map(|(n, k)| f.get(n).map(|node| (*k, node))).collect();
        match given.as_slice() {
            [(kind, value)] => Some(Condition::Valid(*kind, self.template(value, "the value to check", in_item)?)),
            _ => {
                let names = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                self.d.error(node.pos, 1, format!("`valid` needs exactly one of {names}"));
                None
            }
        }
    }
}
