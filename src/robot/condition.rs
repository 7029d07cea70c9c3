//! Conditions: what `if`, `wait_for`, `assert`, `items.filter` and a
//! robot's `session.expired` test. Leaves look at the page (an element, its
//! text or value, the page's text, its address) or at values; `not`, `any`
//! and `all` combine them.

use crate::robot::expr::Template;
use crate::robot::locator::Locator;
use crate::robot::step::Identifier;

/// A condition as written, its templates not yet rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// An element is in the document, shown or not (`present:`, or `exists:`).
    Present(Locator),
    /// An element is shown: it takes up space and is not hidden by style.
    Visible(Locator),
    /// No element is shown: absent, or there but not visible. For a locator
    /// list, every entry.
    Hidden(Locator),
    /// A shown form control that can be used (not `disabled`).
    Enabled(Locator),
    /// A checkbox or radio button that is ticked, or a selected option.
    Checked(Locator),
    /// The visible text of the page (of the frame the robot is in).
    PageText(Compare),
    /// An element's visible text.
    TextOf(Locator, Compare),
    /// A form field's value (an element's text when it is not a field).
    ValueOf(Locator, Compare),
    /// The address of the page in view.
    Url(Compare),
    /// A value made of variables and the case's fields.
    Value(Template, Compare),
    /// A value that is a valid identifier of its kind (the checks `validate` does).
    Valid(Identifier, Template),
    Not(Box<Condition>),
    Any(Vec<Condition>),
    All(Vec<Condition>),
}

/// How a text is compared with what is expected.
#[derive(Debug, Clone, PartialEq)]
pub enum Compare {
    /// The whole text, after trimming both.
    Equals(Template),
    Contains(Template),
    /// A regular expression (Rust's syntax, unanchored) that finds a match.
    Matches(Template),
}

impl Compare {
    pub fn describe(&self) -> String {
        match self {
            Compare::Equals(t) => format!("equals `{}`", t.source()),
            Compare::Contains(t) => format!("contains `{}`", t.source()),
            Compare::Matches(t) => format!("matches `{}`", t.source()),
        }
    }
}

impl Condition {
    /// The condition as written, for the run log and for timeouts: templates
    /// as written, so no secret or personal value is rendered into it.
    pub fn describe(&self) -> String {
        match self {
            Condition::Present(l) => format!("present `{}`", l.source()),
            Condition::Visible(l) => format!("visible `{}`", l.source()),
            Condition::Hidden(l) => format!("hidden `{}`", l.source()),
            Condition::Enabled(l) => format!("enabled `{}`", l.source()),
            Condition::Checked(l) => format!("checked `{}`", l.source()),
            Condition::PageText(Compare::Contains(t)) => format!("text `{}`", t.source()),
            Condition::PageText(c) => format!("text {}", c.describe()),
            Condition::TextOf(l, c) => format!("text of `{}` {}", l.source(), c.describe()),
            Condition::ValueOf(l, c) => format!("value of `{}` {}", l.source(), c.describe()),
            Condition::Url(c) => format!("url {}", c.describe()),
            Condition::Value(t, c) => format!("`{}` {}", t.source(), c.describe()),
            Condition::Valid(kind, t) => format!("valid {} `{}`", kind.name(), t.source()),
            Condition::Not(inner) => format!("not ({})", inner.describe()),
            Condition::Any(list) => format!("any of ({})", join(list)),
            Condition::All(list) => format!("all of ({})", join(list)),
        }
    }

    /// Whether testing it needs the browser (a filter on the case's fields does not).
    pub fn needs_page(&self) -> bool {
        match self {
            Condition::Value(..) | Condition::Valid(..) => false,
            Condition::Not(inner) => inner.needs_page(),
            Condition::Any(list) | Condition::All(list) => list.iter().any(Condition::needs_page),
            _ => true,
        }
    }
}

fn join(list: &[Condition]) -> String {
    list.iter().map(Condition::describe).collect::<Vec<_>>().join(", ")
}
