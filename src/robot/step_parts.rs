//! The values inside steps: which window or frame, what a pointer does, how
//! an HTTP call is made, what `validate` checks, and the like.

use crate::robot::condition::Compare;
use crate::robot::expr::Template;
use crate::robot::locator::Locator;

/// What a `cookies` step does.
#[derive(Debug, Clone, PartialEq)]
pub enum CookieChange {
    /// Every cookie of the page, as a JSON list, into this variable.
    Read(String),
    /// These cookies for the page's site.
    Set(Vec<(String, Template)>),
    /// One cookie by name, or every one (`None`).
    Delete(Option<Template>),
}

/// What `read_text` reads of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextPart {
    /// The text as shown (a field's value).
    Text,
    /// An attribute as written in the HTML.
    Attribute(String),
    /// A DOM property as the page has it now: `value`, `checked`, `href`.
    Property(String),
}

/// What a pointer step does with the element it moves onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gesture {
    Hover,
    DoubleClick,
    RightClick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    Back,
    Forward,
    Refresh,
}

/// Which document a `frame` step goes into.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameTarget {
    /// The window's own document, out of every frame.
    Top,
    /// The document holding the current frame.
    Parent,
    /// A `frame` or `iframe` element.
    Element(Locator),
    /// The current document's frames by number, from 0.
    Index(u16),
}

/// Which window a `window` step goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowSpec {
    New,
    Main,
    Close,
    Title(Template),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    /// Takes a file away, once its case is settled, from a server that
    /// lists files as cases (`on_done`).
    Delete,
}

impl HttpMethod {
    pub const ALL: [(&'static str, HttpMethod); 4] = [
        ("get", HttpMethod::Get),
        ("post", HttpMethod::Post),
        ("put", HttpMethod::Put),
        ("delete", HttpMethod::Delete),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, m)| *m == self).map_or("", |(n, _)| n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Json,
}

/// A JSON body written as YAML, whose strings are templates.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(Template),
    List(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
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

#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Label(Template),
    Value(Template),
}

/// Where the file an `upload` puts into its input comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadFrom {
    /// A path, relative to the robot's folder.
    File(Template),
    /// Base64 text (a `data:` URL's too), saved as `name` in the run's folder.
    Data { data: Template, name: Template },
}

/// What an `open_eplatform` step tells the platform, in this order.
#[derive(Debug, Clone, PartialEq)]
pub struct OepCalls {
    /// The files attached to the case's element (its name), saved in the
    /// run's folder, their paths in the variable (the second name).
    pub save_files: Option<(String, String)>,
    /// `confirmDelivery`: the system that now holds the case, and its id there.
    pub confirm_delivery: Option<(Template, Template)>,
    /// `setStatus` by the status's alias (its name).
    pub set_status: Option<Template>,
    /// `addMessage`: a message the citizen sees on the case.
    pub message: Option<Template>,
}

impl OepCalls {
    /// The calls by their names, for the run log.
    pub fn summary(&self) -> String {
        let mut calls = Vec::new();
        if let Some((element, into)) = &self.save_files {
            calls.push(format!("save_files {element} -> {into}"));
        }
        if let Some((system, id)) = &self.confirm_delivery {
            calls.push(format!("confirm_delivery {} {}", system.source(), id.source()));
        }
        if let Some(status) = &self.set_status {
            calls.push(format!("set_status {}", status.source()));
        }
        if self.message.is_some() {
            calls.push("message".to_string());
        }
        calls.join(", ")
    }
}

/// Where `read_xml` finds its document.
#[derive(Debug, Clone, PartialEq)]
pub enum XmlFrom {
    /// A path, relative to the robot's folder (a downloaded file's too).
    File(Template),
    /// Text, usually a variable holding an answer (`${answer}`).
    Text(Template),
}

/// What a step's `expect:` waits for once its action is done: a text the
/// page shows, even for a moment (a toast), and elements that mean the
/// action went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// `Contains` for a plain text, `Matches` for a pattern.
    pub shows: Compare,
    /// The pattern's named groups: each becomes a variable.
    pub captures: Vec<String>,
    /// Shown instead: the case is a business exception with its text.
    pub error: Option<Locator>,
    /// Shown instead: a system exception with its text (tried again by `retry`).
    pub fault: Option<Locator>,
}

impl Expect {
    /// The named groups of a pattern as written (`(?<dnr>...)` or `(?P<dnr>...)`).
    pub fn group_names(pattern: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = pattern;
        while let Some(at) = rest.find("(?") {
            rest = &rest[at + 2..];
            let after = rest.strip_prefix('P').unwrap_or(rest);
            if let Some(inner) = after.strip_prefix('<')
                && let Some(end) = inner.find('>')
                && !inner.starts_with(['=', '!'])
            {
                names.push(inner[..end].to_string());
            }
        }
        names
    }
}
