//! The closed set of steps a robot can take.

use std::path::PathBuf;
use std::time::Duration;

use crate::files::yaml::Pos;
use crate::robot::condition::Condition;
use crate::robot::expr::Template;
use crate::robot::locator::Locator;

pub(crate) use crate::robot::step_parts::{
    Choice, CookieChange, Expect, FileFormat, FrameTarget, Gesture, History, HttpMethod, Identifier, JsonTemplate,
    OepCalls, TextPart, UploadFrom, WindowSpec, XmlFrom,
};

/// Which part of the runner carries out a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Acts on the page through the browser.
    Page,
    /// Works on variables, files and APIs.
    Data,
    /// Holds other steps, or ends or marks a case.
    Flow,
}

/// Declares the step keywords once: the enum, its names in robot files and
/// each one's family. The validator's dispatch, the runner's and the docs'
/// list all follow from this table.
macro_rules! keywords {
    ($($variant:ident => $name:literal, $family:ident;)*) => {
        /// A step's keyword, as written in robot files.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Keyword {
            $($variant,)*
        }

        impl Keyword {
            /// Every keyword, in the order the reference documents them.
            pub const ALL: &[Keyword] = &[$(Keyword::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Keyword::$variant => $name,)*
                }
            }

            pub fn family(self) -> Family {
                match self {
                    $(Keyword::$variant => Family::$family,)*
                }
            }
        }
    };
}

keywords! {
    Goto => "goto", Page;
    Click => "click", Page;
    DoubleClick => "double_click", Page;
    RightClick => "right_click", Page;
    Hover => "hover", Page;
    Drag => "drag", Page;
    Clear => "clear", Page;
    Back => "back", Page;
    Cookies => "cookies", Page;
    Forward => "forward", Page;
    Refresh => "refresh", Page;
    Fill => "fill", Page;
    Type => "type", Page;
    Select => "select", Page;
    Deselect => "deselect", Page;
    Choose => "choose", Page;
    Scroll => "scroll", Page;
    WaitFor => "wait_for", Page;
    ReadText => "read_text", Page;
    ReadTable => "read_table", Page;
    Fail => "fail", Flow;
    Screenshot => "screenshot", Page;
    Log => "log", Flow;
    If => "if", Flow;
    Assert => "assert", Flow;
    Skip => "skip", Flow;
    Validate => "validate", Data;
    Check => "check", Page;
    Uncheck => "uncheck", Page;
    Press => "press", Page;
    Frame => "frame", Page;
    Window => "window", Page;
    Dialog => "dialog", Page;
    Upload => "upload", Page;
    Download => "download", Page;
    Script => "script", Page;
    Set => "set", Data;
    Http => "http", Data;
    ReadCsv => "read_csv", Data;
    ReadJson => "read_json", Data;
    ReadXml => "read_xml", Data;
    OpenEPlatform => "open_eplatform", Data;
    WriteCsv => "write_csv", Data;
    WriteJson => "write_json", Data;
    ForEach => "for_each", Flow;
    Retry => "retry", Flow;
    Use => "use", Flow;
}

impl Keyword {
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Every keyword's name, for suggestions.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.name()).collect()
    }
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Keys any step may carry beside its action.
pub(crate) const COMMON_KEYS: &[&str] = &["timeout", "name", "sensitive", "expect"];

/// Keys only an `if` step has.
pub(crate) const IF_KEYS: &[&str] = &["then", "else"];
/// The key only an `assert` step has: what the failure says.
pub(crate) const ASSERT_KEYS: &[&str] = &["message"];
/// The key only a `fill` step has: what to click once the fields are set.
pub(crate) const FILL_KEYS: &[&str] = &["submit"];

/// One step with where it was written and its own options.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    pub pos: Pos,
    /// Overrides the robot's step timeout for this step.
    pub timeout: Option<Duration>,
    /// A label for logs; defaults to the action's name.
    pub name: Option<String>,
    /// No screenshot or page HTML is kept when it fails (implied for a
    /// step that types a secret).
    pub sensitive: bool,
    /// What the page must show once a page step's action is done.
    pub expect: Option<Expect>,
}

impl Step {
    /// The variables this step gives a value to, its `expect`'s groups too.
    pub fn defines(&self) -> Vec<&str> {
        let mut names = self.action.defines();
        if let Some(expect) = &self.expect {
            names.extend(expect.captures.iter().map(String::as_str));
        }
        names
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Goto {
        url: Template,
        /// HTTP statuses of 500 and up that this page may answer with.
        accept_status: Vec<u16>,
    },
    Click {
        target: Locator,
    },
    /// Moves the mouse onto an element, and double- or right-clicks it.
    Pointer {
        target: Locator,
        gesture: Gesture,
    },
    /// Drags one element onto another: with the mouse, or as HTML drag and
    /// drop for an element marked `draggable`.
    Drag {
        from: Locator,
        to: Locator,
    },
    /// Empties a field.
    Clear {
        target: Locator,
    },
    /// Reads the page's cookies into a variable, sets some, or deletes them.
    Cookies {
        change: CookieChange,
    },
    /// The browser's back and forward buttons, and reloading the page.
    History {
        go: History,
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
    /// Picks options of a list (several in a multiple list), or with
    /// `selected: false` (the `deselect` step) takes them back.
    Select {
        target: Locator,
        choices: Vec<Choice>,
        selected: bool,
    },
    /// Types each value into a combobox or autocomplete, waits for its
    /// options and picks the one whose text is the value (or, with
    /// `contains`, holds it); several values make several chips.
    Choose {
        target: Locator,
        values: Vec<Template>,
        contains: bool,
        /// Where the options are, when the page's own way does not say.
        options: Option<Locator>,
    },
    /// Scrolls a list that renders only the rows in view until `until` is
    /// rendered or the list ends.
    Scroll {
        list: Locator,
        until: Locator,
    },
    /// Waits until the condition holds; a bare locator waits for its
    /// element to be visible (a list: for any of them, and logs which).
    WaitFor {
        condition: Condition,
    },
    /// The visible text of an element (the value of a form field), one of
    /// its attributes, or one of its DOM properties.
    ReadText {
        from: Locator,
        into: String,
        part: TextPart,
    },
    /// An HTML table or an ARIA grid, as JSON rows keyed by header; with
    /// `scroll`, every row of a list that draws only those in view.
    ReadTable {
        from: Locator,
        into: String,
        scroll: bool,
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
        condition: Condition,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    /// A system exception unless the condition holds (within the step's
    /// `timeout` when one is given, else now): the page is not what the
    /// robot was written for.
    Assert {
        condition: Condition,
        message: Option<Template>,
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
    /// Ticks (`checked`) or unticks a checkbox, or picks a radio button.
    SetChecked {
        target: Locator,
        checked: bool,
    },
    /// Presses named keys, in an element or where the focus is.
    Press {
        keys: Vec<String>,
        target: Option<Locator>,
    },
    Frame {
        target: FrameTarget,
    },
    Window {
        target: WindowSpec,
    },
    /// Answers an alert, confirm or prompt, keeping its text in `into`.
    Dialog {
        accept: bool,
        prompt: Option<Template>,
        into: Option<String>,
    },
    /// Puts a file into a file input: one on disk, or bytes written in
    /// base64 (from a source or an API) saved under `name` first.
    Upload {
        target: Locator,
        from: UploadFrom,
    },
    /// Clicks what starts a download and waits until the file is saved.
    Download {
        click: Locator,
        save_as: Option<Template>,
        into: Option<String>,
    },
    /// Runs JavaScript in the page with `args` as `arguments[0]`, ...
    /// Numbers and booleans in `args` are passed as such, text as text.
    Script {
        code: String,
        args: Vec<JsonTemplate>,
        into: Option<String>,
    },
    /// Gives variables values (after transforms, for example).
    Set {
        values: Vec<(String, Template)>,
    },
    /// Calls a JSON API, with `headers` (values may hold secrets).
    Http {
        method: HttpMethod,
        url: Template,
        body: Option<JsonTemplate>,
        into: Option<String>,
        headers: Vec<(String, Template)>,
    },
    /// Reads a CSV or JSON file into a variable, as a JSON list of rows.
    ReadFile {
        format: FileFormat,
        file: Template,
        into: String,
        /// For a CSV file: its bytes as text (detected by default).
        encoding: crate::files::csv_file::Encoding,
    },
    /// Reads an XML document (a file, or a variable's text) into a variable
    /// as JSON (`crate::xml` says its shape).
    ReadXml {
        from: XmlFrom,
        into: String,
        /// Prefixes bound to namespaces: (prefix, namespace).
        namespaces: Vec<(String, String)>,
    },
    /// Tells Open ePlatform about the case (`items: open_eplatform`) through
    /// its SOAP callback: which system holds it, its new status, a message
    /// to the citizen; each safe to repeat.
    OpenEPlatform(OepCalls),
    /// Appends one row to a CSV file, writing the header first if the file is new.
    WriteCsv {
        file: Template,
        row: Vec<(String, Template)>,
        separator: char,
        /// UTF-8 unless `windows-1252` is asked for (for an Excel that opens it).
        encoding: crate::files::csv_file::Encoding,
    },
    /// Writes a JSON document (replacing the file).
    WriteJson {
        file: Template,
        json: JsonTemplate,
    },
    /// Runs `steps` once for each element of the JSON list in variable `list`.
    ForEach {
        list: String,
        name: String,
        steps: Vec<Step>,
    },
    /// Runs `steps` again after a system exception, up to `times` times in all.
    Retry {
        times: u32,
        pause: Duration,
        steps: Vec<Step>,
    },
    /// Runs the steps of another file with its parameters set.
    Use {
        file: PathBuf,
        args: Vec<(String, Template)>,
        steps: Vec<Step>,
    },
}

impl Action {
    /// The step's keyword.
    pub fn keyword(&self) -> Keyword {
        match self {
            Action::Goto { .. } => Keyword::Goto,
            Action::Click { .. } => Keyword::Click,
            Action::Pointer { gesture: Gesture::Hover, .. } => Keyword::Hover,
            Action::Pointer { gesture: Gesture::DoubleClick, .. } => Keyword::DoubleClick,
            Action::Pointer { gesture: Gesture::RightClick, .. } => Keyword::RightClick,
            Action::Drag { .. } => Keyword::Drag,
            Action::Clear { .. } => Keyword::Clear,
            Action::History { go: History::Back } => Keyword::Back,
            Action::Cookies { .. } => Keyword::Cookies,
            Action::History { go: History::Forward } => Keyword::Forward,
            Action::History { go: History::Refresh } => Keyword::Refresh,
            Action::Fill { .. } => Keyword::Fill,
            Action::Type { .. } => Keyword::Type,
            Action::Select { selected: true, .. } => Keyword::Select,
            Action::Select { selected: false, .. } => Keyword::Deselect,
            Action::Choose { .. } => Keyword::Choose,
            Action::Scroll { .. } => Keyword::Scroll,
            Action::WaitFor { .. } => Keyword::WaitFor,
            Action::ReadText { .. } => Keyword::ReadText,
            Action::ReadTable { .. } => Keyword::ReadTable,
            Action::Fail { .. } => Keyword::Fail,
            Action::Screenshot { .. } => Keyword::Screenshot,
            Action::Log { .. } => Keyword::Log,
            Action::If { .. } => Keyword::If,
            Action::Assert { .. } => Keyword::Assert,
            Action::Skip { .. } => Keyword::Skip,
            Action::Validate { .. } => Keyword::Validate,
            Action::SetChecked { checked: true, .. } => Keyword::Check,
            Action::SetChecked { checked: false, .. } => Keyword::Uncheck,
            Action::Press { .. } => Keyword::Press,
            Action::Frame { .. } => Keyword::Frame,
            Action::Window { .. } => Keyword::Window,
            Action::Dialog { .. } => Keyword::Dialog,
            Action::Upload { .. } => Keyword::Upload,
            Action::Download { .. } => Keyword::Download,
            Action::Script { .. } => Keyword::Script,
            Action::Set { .. } => Keyword::Set,
            Action::Http { .. } => Keyword::Http,
            Action::ReadFile { format: FileFormat::Csv, .. } => Keyword::ReadCsv,
            Action::ReadFile { format: FileFormat::Json, .. } => Keyword::ReadJson,
            Action::ReadXml { .. } => Keyword::ReadXml,
            Action::OpenEPlatform(_) => Keyword::OpenEPlatform,
            Action::WriteCsv { .. } => Keyword::WriteCsv,
            Action::WriteJson { .. } => Keyword::WriteJson,
            Action::ForEach { .. } => Keyword::ForEach,
            Action::Retry { .. } => Keyword::Retry,
            Action::Use { .. } => Keyword::Use,
        }
    }

    /// Whether the step holds steps of its own (which report themselves).
    pub fn holds_steps(&self) -> bool {
        matches!(self, Action::If { .. } | Action::ForEach { .. } | Action::Retry { .. } | Action::Use { .. })
    }

    /// A one-line summary for the run log: templates as written, so no
    /// secret or personal value is ever rendered into it.
    pub fn summary(&self) -> String {
        match self {
            Action::Goto { url, .. } => url.source(),
            Action::Click { target } | Action::Pointer { target, .. } | Action::Clear { target } => target.source(),
            Action::Drag { from, to } => format!("{} to {}", from.source(), to.source()),
            Action::Scroll { list, until } => format!("{} until {}", list.source(), until.source()),
            Action::History { .. } => String::new(),
            Action::Cookies { change: CookieChange::Read(into) } => format!("-> {into}"),
            Action::Cookies { change: CookieChange::Set(values) } => {
                format!("set {}", values.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "))
            }
            Action::Cookies { change: CookieChange::Delete(name) } => {
                format!("delete {}", name.as_ref().map_or("all".into(), Template::source))
            }
            Action::Fill { fields, submit } => {
                let mut text = fields.iter().map(|(l, _)| l.source()).collect::<Vec<_>>().join(", ");
                if let Some(submit) = submit {
                    text.push_str(&format!(" then submit {}", submit.source()));
                }
                text
            }
            Action::Type { target, .. } | Action::Select { target, .. } | Action::Choose { target, .. } => {
                target.source()
            }
            Action::WaitFor { condition } | Action::If { condition, .. } | Action::Assert { condition, .. } => {
                condition.describe()
            }
            Action::ReadText { from, into, part: TextPart::Attribute(name) } => {
                format!("{} @{name} -> {into}", from.source())
            }
            Action::ReadText { from, into, part: TextPart::Property(name) } => {
                format!("{} .{name} -> {into}", from.source())
            }
            Action::ReadText { from, into, .. } | Action::ReadTable { from, into, .. } => {
                format!("{} -> {into}", from.source())
            }
            Action::SetChecked { target, .. } | Action::Upload { target, .. } => target.source(),
            Action::Press { keys, target } => match target {
                Some(t) => format!("{} in {}", keys.join("+"), t.source()),
                None => keys.join("+"),
            },
            Action::Frame { target } => match target {
                FrameTarget::Top => "top".into(),
                FrameTarget::Parent => "parent".into(),
                FrameTarget::Element(l) => l.source(),
                FrameTarget::Index(i) => format!("index {i}"),
            },
            Action::Window { target } => match target {
                WindowSpec::New => "new".into(),
                WindowSpec::Main => "main".into(),
                WindowSpec::Close => "close".into(),
                WindowSpec::Title(t) => format!("title {}", t.source()),
            },
            Action::Dialog { accept, .. } => if *accept { "accept" } else { "dismiss" }.into(),
            Action::Download { click, .. } => click.source(),
            Action::Script { code, .. } => code.lines().next().unwrap_or_default().chars().take(60).collect(),
            Action::Set { values } => values.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
            Action::Http { method, url, .. } => format!("{} {}", method.name().to_uppercase(), url.source()),
            Action::ReadFile { file, into, .. } => format!("{} -> {into}", file.source()),
            Action::ReadXml { from: XmlFrom::File(t) | XmlFrom::Text(t), into, .. } => {
                format!("{} -> {into}", t.source())
            }
            Action::OpenEPlatform(calls) => calls.summary(),
            Action::WriteCsv { file, .. } | Action::WriteJson { file, .. } => file.source(),
            Action::ForEach { list, name, .. } => format!("{name} in {list}"),
            Action::Retry { times, .. } => format!("{times} times"),
            Action::Use { file, .. } => file.display().to_string(),
            Action::Fail { message } | Action::Log { message } | Action::Skip { message } => message.source(),
            Action::Validate { kind, value, .. } => format!("{} {}", kind.name(), value.source()),
            Action::Screenshot { name } => name.as_ref().map(Template::source).unwrap_or_default(),
        }
    }
}

/// Calls `f` on every step, including those inside `if`, `for_each` and
/// `retry` blocks (not those of a `use`d file, which has its own names).
pub(crate) fn walk<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for step in steps {
        f(step);
        match &step.action {
            Action::If { then, otherwise, .. } => {
                walk(then, f);
                walk(otherwise, f);
            }
            Action::ForEach { steps, .. } | Action::Retry { steps, .. } => walk(steps, f),
            _ => {}
        }
    }
}

impl Action {
    /// The variables this step gives a value to.
    pub fn defines(&self) -> Vec<&str> {
        match self {
            Action::ReadText { into, .. }
            | Action::ReadTable { into, .. }
            | Action::ReadFile { into, .. }
            | Action::ReadXml { into, .. } => vec![into.as_str()],
            Action::Cookies { change: CookieChange::Read(into) } => vec![into.as_str()],
            Action::Dialog { into: Some(into), .. }
            | Action::Download { into: Some(into), .. }
            | Action::Script { into: Some(into), .. }
            | Action::Http { into: Some(into), .. } => vec![into.as_str()],
            Action::Set { values } => values.iter().map(|(n, _)| n.as_str()).collect(),
            Action::ForEach { name, .. } => vec![name.as_str()],
            Action::OpenEPlatform(OepCalls { save_files: Some((_, into)), .. }) => vec![into.as_str()],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_has_its_section_in_the_reference() {
        let reference = include_str!("../../docs/robot-language.md");
        let headings: Vec<&str> = reference.lines().filter_map(|l| l.strip_prefix("### ")).collect();
        for keyword in Keyword::ALL {
            let documented = headings.iter().any(|h| h.split([' ', ',']).any(|word| word == keyword.name()));
            assert!(documented, "docs/robot-language.md has no `### {keyword}` section");
        }
        assert_eq!(Keyword::parse("wait_for"), Some(Keyword::WaitFor));
        assert_eq!(Keyword::parse("gotoo"), None);
    }
}
