//! The closed set of steps a robot can take.

use std::time::Duration;

use crate::robot::expr::Template;
use crate::robot::locator::Locator;
use crate::robot::yaml::Pos;

/// The step names, as written in robot files.
pub const ACTIONS: &[&str] = &[
    "goto",
    "click",
    "fill",
    "type",
    "select",
    "wait_for",
    "read_text",
    "read_table",
    "fail",
    "screenshot",
    "log",
    "if",
    "skip",
    "validate",
];

/// Keys any step may carry beside its action.
pub const COMMON_KEYS: &[&str] = &["timeout", "name"];

/// Keys only an `if` step has.
pub const IF_KEYS: &[&str] = &["then", "else"];
/// The key only a `fill` step has: what to click once the fields are set.
pub const FILL_KEYS: &[&str] = &["submit"];

/// One step with where it was written and its own options.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    pub pos: Pos,
    /// Overrides the robot's step timeout for this step.
    pub timeout: Option<Duration>,
    /// A label for logs; defaults to the action's name.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Goto {
        url: Template,
    },
    Click {
        target: Locator,
    },
    /// Sets several fields at once (one WebDriver call in the common case),
    /// and with `submit` clicks that element in the same call.
    Fill {
        fields: Vec<(Locator, Template)>,
        submit: Option<Locator>,
    },
    /// Sends real keystrokes, after clearing the field unless `clear` is false.
    Type {
        target: Locator,
        text: Template,
        clear: bool,
    },
    Select {
        target: Locator,
        choice: Choice,
    },
    WaitFor {
        target: WaitTarget,
    },
    ReadText {
        from: Locator,
        into: String,
    },
    ReadTable {
        from: Locator,
        into: String,
    },
    /// A business exception: the case cannot be handled by the robot.
    Fail {
        message: Template,
    },
    Screenshot {
        name: Option<Template>,
    },
    Log {
        message: Template,
    },
    /// Runs `then` when the condition holds now, `otherwise` when not.
    If {
        condition: Check,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    /// Ends the case as already done (for example found in the target system).
    Skip {
        message: Template,
    },
    /// A business exception unless the value is a valid identifier of its kind.
    Validate {
        kind: Identifier,
        value: Template,
        message: Option<Template>,
    },
}

/// What `validate` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    Personnummer,
    Organisationsnummer,
    Email,
    Date,
}

impl Identifier {
    pub const ALL: [(&'static str, Identifier); 4] = [
        ("personnummer", Identifier::Personnummer),
        ("organisationsnummer", Identifier::Organisationsnummer),
        ("email", Identifier::Email),
        ("date", Identifier::Date),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(n, _)| n)
    }
}

/// A condition tested once, without waiting.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// An element is on the page.
    Exists(Locator),
    /// The page's text contains this.
    Text(Template),
    /// Two texts are equal after rendering.
    Equals(Template, Template),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Label(Template),
    Value(Template),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitTarget {
    Element(Locator),
    Text(Template),
    Gone(Locator),
}

impl Action {
    /// The step's name in robot files.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Goto { .. } => "goto",
            Action::Click { .. } => "click",
            Action::Fill { .. } => "fill",
            Action::Type { .. } => "type",
            Action::Select { .. } => "select",
            Action::WaitFor { .. } => "wait_for",
            Action::ReadText { .. } => "read_text",
            Action::ReadTable { .. } => "read_table",
            Action::Fail { .. } => "fail",
            Action::Screenshot { .. } => "screenshot",
            Action::Log { .. } => "log",
            Action::If { .. } => "if",
            Action::Skip { .. } => "skip",
            Action::Validate { .. } => "validate",
        }
    }

    /// A one-line summary for the run log: templates as written, so no
    /// secret or personal value is ever rendered into it.
    pub fn summary(&self) -> String {
        match self {
            Action::Goto { url } => url.source(),
            Action::Click { target } => target.source(),
            Action::Fill { fields, submit } => {
                let mut text = fields.iter().map(|(l, _)| l.source()).collect::<Vec<_>>().join(", ");
                if let Some(submit) = submit {
                    text.push_str(&format!(" then submit {}", submit.source()));
                }
                text
            }
            Action::Type { target, .. } | Action::Select { target, .. } => target.source(),
            Action::WaitFor { target } => match target {
                WaitTarget::Element(l) => l.source(),
                WaitTarget::Text(t) => format!("text {}", t.source()),
                WaitTarget::Gone(l) => format!("gone {}", l.source()),
            },
            Action::ReadText { from, into } | Action::ReadTable { from, into } => {
                format!("{} -> {into}", from.source())
            }
            Action::Fail { message } | Action::Log { message } | Action::Skip { message } => message.source(),
            Action::Validate { kind, value, .. } => format!("{} {}", kind.name(), value.source()),
            Action::If { condition, .. } => match condition {
                Check::Exists(l) => format!("exists {}", l.source()),
                Check::Text(t) => format!("text {}", t.source()),
                Check::Equals(a, b) => format!("{} == {}", a.source(), b.source()),
            },
            Action::Screenshot { name } => name.as_ref().map(Template::source).unwrap_or_default(),
        }
    }
}

/// Calls `f` on every step, including those inside `if` branches.
pub fn walk<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for step in steps {
        f(step);
        if let Action::If { then, otherwise, .. } = &step.action {
            walk(then, f);
            walk(otherwise, f);
        }
    }
}
