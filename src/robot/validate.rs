//! Turns the YAML tree of a robot file into a `Robot`, reporting every error in
//! one pass with its position and, for misspelt names, a suggestion.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::files::diagnostic::{Diagnostic, Diagnostics, belongs_elsewhere, did_you_mean};
use crate::files::yaml::{self, Key, Node, Pos, Value};
use crate::robot::expr::{BUILTINS, Namespace, Template};
use crate::robot::model::{BrowserSettings, Language, NotifySettings, Privacy, RetryPolicy, Robot, Timeouts};
use crate::robot::step::Step;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "handlers",
    "language",
    "manual_minutes",
    "secrets",
    "vars",
    "browser",
    "timeouts",
    "retry",
    "notify",
    "privacy",
    "setup",
    "items",
    "teardown",
    "session",
];
/// Parses and validates one robot file's text.
pub fn robot_from_str(path: &Path, source: &str) -> Result<Robot, Vec<Diagnostic>> {
    robot_from_str_in(path, source, Path::new("robots"))
}

/// Validates a robot whose `use:` steps files must lie in its own folder or in `robots_dir`.
pub(crate) fn robot_from_str_in(path: &Path, source: &str, robots_dir: &Path) -> Result<Robot, Vec<Diagnostic>> {
    let tree = match yaml::parse(source) {
        Ok(tree) => tree,
        Err(e) => {
            let mut d = Diagnostics::new(path);
            d.error(e.pos, 1, format!("invalid YAML: {}", e.message));
            return Err(d.into_sorted());
        }
    };
    let mut v = Validator::new(path, source);
    v.roots.push(robots_dir.to_path_buf());
    let robot = v.robot(path, &tree);
    v.check_references(robot.as_ref());
    match robot {
        Some(robot) if v.d.is_empty() => Ok(robot),
        _ => Err(v.d.into_sorted()),
    }
}

/// A `${...}` reference seen while validating, checked once all names are known.
struct SeenRef {
    namespace: Namespace,
    name: String,
    pos: Pos,
    in_item: bool,
}

mod conditions;
mod data_steps;
mod flow_steps;
mod items;
mod page_steps;
mod steps;
mod steps_file;
mod values;

pub use values::parse_duration;

/// How deep `use:` files may call other `use:` files.
const MAX_USE_DEPTH: usize = 8;

pub(crate) struct Validator<'s> {
    pub(crate) d: Diagnostics,
    lines: Vec<&'s str>,
    refs: Vec<SeenRef>,
    /// The folder relative `use:` paths start from: the file's own.
    base_dir: PathBuf,
    /// The folders `use:` may take steps files from.
    roots: Vec<PathBuf>,
    /// The `use:` files this one is inside of, to catch a file that uses itself.
    using: Vec<PathBuf>,
    /// Whether the robot's cases come from Open ePlatform (its write-back
    /// step needs them to).
    oep_source: bool,
}

/// The entries of a mapping after unknown keys have been reported.
pub(crate) struct Fields<'n> {
    entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    pub(crate) fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| k.name == name).map(|(_, n)| n)
    }

    pub(crate) fn key_pos(&self, name: &str) -> Option<Pos> {
        self.entries.iter().find(|(k, _)| k.name == name).map(|(k, _)| k.pos)
    }
}

/// The folder a file is in; for a bare file name (`bare.yaml`), the working
/// directory (`.`), which a path can be compared with.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl<'s> Validator<'s> {
    pub(crate) fn new(path: &Path, source: &'s str) -> Self {
        Self {
            d: Diagnostics::new(path),
            lines: source.lines().collect(),
            refs: Vec::new(),
            base_dir: folder_of(path),
            roots: vec![folder_of(path)],
            using: vec![path.to_path_buf()],
            oep_source: false,
        }
    }

    fn robot(&mut self, path: &Path, tree: &Node) -> Option<Robot> {
        let fields = self.mapping(tree, TOP_KEYS, "a robot (a mapping with `name`, `setup`, `items`, ...)")?;
        let name = match fields.get("name") {
            Some(n) => self.string(n, "the robot's name"),
            None => {
                self.d.error(tree.pos, 1, "missing `name`: every robot needs a name");
                None
            }
        };
        let description = fields.get("description").and_then(|n| self.string(n, "a description")).unwrap_or_default();
        let handlers = fields.get("handlers").map(|n| self.string_list(n, "email addresses")).unwrap_or_default();
        for (address, pos) in &handlers {
            if !address.contains('@') {
                self.d.error(*pos, address.chars().count(), format!("`{address}` is not an email address"));
            }
        }
        let language = match fields.get("language") {
            Some(n) => match self.string(n, "`sv` or `en`").as_deref() {
                Some("sv") | None => Language::Swedish,
                Some("en") => Language::English,
                Some(other) => {
                    self.d.error(
                        n.pos,
                        other.chars().count(),
                        format!("unknown language `{other}`: expected `sv` or `en`"),
                    );
                    Language::Swedish
                }
            },
            None => Language::Swedish,
        };
        let manual_minutes =
            fields.get("manual_minutes").and_then(|n| self.number(n, "minutes per case")).unwrap_or(0.0);
        let secrets: Vec<String> = fields
            .get("secrets")
            .map(|n| self.string_list(n, "secret names"))
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let vars = fields
            .get("vars")
            .map(|n| self.variables(n, "variables (a mapping of name: value)", false))
            .unwrap_or_default();
        let browser = fields.get("browser").map(|n| self.browser(n)).unwrap_or_default();
        let timeouts = fields.get("timeouts").map(|n| self.timeouts(n)).unwrap_or_default();
        let retry = fields.get("retry").map(|n| self.retry(n)).unwrap_or_default();
        let mut notify = fields.get("notify").map(|n| self.notify(n)).unwrap_or_default();
        let privacy = fields.get("privacy").map(|n| self.privacy(n)).unwrap_or_default();
        // Masking everywhere masks mail too.
        notify.mask_personnummer |= privacy.mask_personnummer;
        let setup = fields.get("setup").map(|n| self.steps(n, false)).unwrap_or_default();
        let items = fields.get("items").and_then(|n| self.items(n, fields.key_pos("items").unwrap_or(n.pos)));
        let teardown = fields.get("teardown").map(|n| self.steps(n, false)).unwrap_or_default();
        let session = fields.get("session").and_then(|n| self.session(n));
        Some(Robot {
            path: path.to_path_buf(),
            name: name?,
            description,
            handlers: handlers.into_iter().map(|(s, _)| s).collect(),
            language,
            manual_minutes,
            secrets,
            vars,
            browser,
            timeouts,
            retry,
            notify,
            privacy,
            setup,
            items,
            teardown,
            session,
        })
    }

    /// A mapping of variable names to values (`vars:` and `set:`); a bad
    /// name or value is reported and left out.
    pub(crate) fn variables(&mut self, node: &Node, what: &str, in_item: bool) -> Vec<(String, Template)> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, what);
            return Vec::new();
        };
        let mut vars = Vec::new();
        for (key, value) in entries {
            let name = self.var_name(&Node { value: Value::Str(key.name.clone()), pos: key.pos });
            let value = self.template(value, "a value", in_item);
            if let (Some(name), Some(value)) = (name, value) {
                vars.push((name, value));
            }
        }
        vars
    }

    fn browser(&mut self, node: &Node) -> BrowserSettings {
        let mut settings = BrowserSettings::default();
        let Some(fields) = self.mapping(node, &["headless", "window_size", "test_id"], "browser settings") else {
            return settings;
        };
        if let Some(n) = fields.get("headless") {
            match n.value {
                Value::Bool(b) => settings.headless = b,
                _ => self.wrong_type(n, "`true` or `false`"),
            }
        }
        if let Some(n) = fields.get("window_size") {
            let parsed = self.string(n, "a size such as `1280x1024`").and_then(|s| {
                let (w, h) = s.split_once('x')?;
                Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
            });
            match parsed {
                Some(size) => settings.window_size = size,
                None => self.d.error(n.pos, 1, "expected a size such as `1280x1024`"),
            }
        }
        if let Some(n) = fields.get("test_id") {
            let name = self.string(n, "an attribute name such as `data-qa`");
            let valid = |name: &str| {
                name.starts_with(|c: char| c.is_ascii_alphabetic())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            };
            match name {
                Some(name) if valid(&name) => settings.test_id = Some(name),
                Some(name) => self.d.error(
                    n.pos,
                    name.chars().count().max(1),
                    format!("`{name}` is not an attribute name such as `data-qa`"),
                ),
                None => {}
            }
        }
        settings
    }

    fn timeouts(&mut self, node: &Node) -> Timeouts {
        let mut timeouts = Timeouts::default();
        let Some(fields) = self.mapping(node, &["step", "page_load"], "timeouts") else {
            return timeouts;
        };
        if let Some(d) = fields.get("step").and_then(|n| self.duration(n)) {
            timeouts.step = d;
        }
        if let Some(d) = fields.get("page_load").and_then(|n| self.duration(n)) {
            timeouts.page_load = d;
        }
        timeouts
    }

    fn notify(&mut self, node: &Node) -> NotifySettings {
        let mut notify = NotifySettings::default();
        let keys = ["handler_field", "per_item", "mask_personnummer", "remind_after_days"];
        let Some(fields) = self.mapping(node, &keys, "notification settings") else {
            return notify;
        };
        notify.handler_field = fields.get("handler_field").and_then(|n| self.string(n, "an item field's name"));
        if let Some(days) = fields.get("remind_after_days").and_then(|n| self.count(n, "a number of working days", 0)) {
            notify.remind_after_days = days;
        }
        for (key, flag) in [("per_item", &mut notify.per_item), ("mask_personnummer", &mut notify.mask_personnummer)] {
            match fields.get(key) {
                Some(Node { value: Value::Bool(b), .. }) => *flag = *b,
                Some(n) => self.wrong_type(n, "`true` or `false`"),
                None => {}
            }
        }
        notify
    }

    fn privacy(&mut self, node: &Node) -> Privacy {
        let mut privacy = Privacy::default();
        let Some(fields) = self.mapping(node, &["retention_days", "mask_personnummer"], "privacy settings") else {
            return privacy;
        };
        if let Some(days) = fields.get("retention_days").and_then(|n| self.count(n, "a number of days", 1)) {
            privacy.retention_days = days;
        }
        match fields.get("mask_personnummer") {
            Some(Node { value: Value::Bool(b), .. }) => privacy.mask_personnummer = *b,
            Some(n) => self.wrong_type(n, "`true` or `false`"),
            None => {}
        }
        privacy
    }

    fn retry(&mut self, node: &Node) -> RetryPolicy {
        let mut retry = RetryPolicy::default();
        let Some(fields) = self.mapping(node, &["max_retries", "backoff", "stop_after"], "retry settings") else {
            return retry;
        };
        if let Some(n) = fields.get("max_retries").and_then(|n| self.count(n, "retries per case", 0)) {
            retry.max_retries = n;
        }
        if let Some(d) = fields.get("backoff").and_then(|n| self.duration(n)) {
            retry.backoff = d;
        }
        if let Some(n) = fields.get("stop_after").and_then(|n| self.count(n, "system exceptions in a row", 1)) {
            retry.stop_after = n;
        }
        retry
    }

    pub(crate) fn count(&mut self, node: &Node, what: &str, min: i64) -> Option<u32> {
        match node.value {
            Value::Int(i) if i >= min && i <= i64::from(u32::MAX) => Some(i as u32),
            _ => {
                let found = node.value.as_text().map_or(node.value.kind().to_string(), |t| format!("`{t}`"));
                self.d.error(node.pos, 1, format!("expected a whole number of at least {min} ({what}), found {found}"));
                None
            }
        }
    }

    fn required<'n>(&mut self, parent: &Node, fields: &Fields<'n>, key: &str, step: &str) -> Option<&'n Node> {
        let found = fields.get(key);
        if found.is_none() {
            self.d.error(parent.pos, 1, format!("`{step}` needs `{key}`"));
        }
        found
    }

    /// A mapping whose keys must be among `allowed`; unknown keys are reported.
    pub(crate) fn mapping<'n>(&mut self, node: &'n Node, allowed: &[&str], what: &str) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, what);
            return None;
        };
        let mut seen = HashSet::new();
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                let hint = match (belongs_elsewhere(&key.name), did_you_mean(&key.name, allowed)) {
                    (Some(place), _) => format!(": {place}"),
                    (None, Some(s)) => format!("; did you mean `{s}`?"),
                    (None, None) => String::new(),
                };
                let expected = allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                self.d.error(
                    key.pos,
                    key.name.chars().count(),
                    format!("unknown key `{}`{hint} (expected one of {expected})", key.name),
                );
            } else if !seen.insert(key.name.as_str()) {
                self.d.error(key.pos, key.name.chars().count(), format!("`{}` is given twice", key.name));
            }
        }
        Some(Fields { entries })
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, expected: &str) {
        let width = match &node.value {
            Value::Str(s) => s.chars().count(),
            _ => 1,
        };
        self.d.error(node.pos, width, format!("expected {expected}, found {}", node.value.kind()));
    }

    /// A `true`/`false` field, `default` when it is left out (or wrong, which is reported).
    pub(crate) fn flag(&mut self, node: Option<&Node>, default: bool) -> bool {
        match node {
            Some(Node { value: Value::Bool(b), .. }) => *b,
            Some(n) => {
                self.wrong_type(n, "`true` or `false`");
                default
            }
            None => default,
        }
    }

    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_) | Value::Float(_) => node.value.as_text(),
            _ => {
                self.wrong_type(node, what);
                None
            }
        }
    }

    pub(crate) fn string_list(&mut self, node: &Node, what: &str) -> Vec<(String, Pos)> {
        match &node.value {
            Value::Seq(list) => list.iter().filter_map(|n| self.string(n, what).map(|s| (s, n.pos))).collect(),
            Value::Str(s) => vec![(s.clone(), node.pos)],
            _ => {
                self.wrong_type(node, &format!("a list of {what}"));
                Vec::new()
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        match node.value {
            Value::Int(i) if i >= 0 => Some(i as f64),
            Value::Float(f) if f >= 0.0 => Some(f),
            Value::Int(_) | Value::Float(_) => {
                let found = node.value.as_text().unwrap_or_default();
                self.d.error(
                    node.pos,
                    found.chars().count(),
                    format!("expected a number of 0 or more ({what}), found {found}"),
                );
                None
            }
            _ => {
                self.wrong_type(node, &format!("a number ({what})"));
                None
            }
        }
    }

    pub(super) fn var_name(&mut self, node: &Node) -> Option<String> {
        let name = self.string(node, "a variable name")?;
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !BUILTINS.contains(&name.as_str());
        if !valid {
            self.d.error(
                node.pos,
                name.chars().count().max(1),
                format!("`{name}` is not a usable variable name: use letters, digits and `_`"),
            );
            return None;
        }
        Some(name)
    }

    /// A string with `${...}` references; positions of bad references point into it.
    fn template(&mut self, node: &Node, what: &str, in_item: bool) -> Option<Template> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                return node.value.as_text().map(|s| Template::literal(&s));
            }
            _ => {
                self.wrong_type(node, &format!("{what} (a string)"));
                return None;
            }
        };
        self.template_text(node, &text, 0, in_item)
    }

    fn template_text(&mut self, node: &Node, text: &str, skip: usize, in_item: bool) -> Option<Template> {
        let start = self.value_start(node).shifted(skip);
        match Template::parse(text) {
            Ok(t) => {
                for r in t.references() {
                    self.refs.push(SeenRef {
                        namespace: r.namespace,
                        name: r.name.clone(),
                        pos: start.shifted(r.offset),
                        in_item,
                    });
                }
                Some(t)
            }
            Err(e) => {
                self.d.error(start.shifted(e.offset), e.width, e.message);
                None
            }
        }
    }

    /// A locator, or a list of them tried in order.
    /// Where a scalar's text starts: after the opening quote if it is quoted.
    pub(crate) fn value_start(&self, node: &Node) -> Pos {
        let line = self.lines.get(node.pos.line.saturating_sub(1) as usize).copied().unwrap_or_default();
        let quoted = matches!(line.chars().nth(node.pos.column.saturating_sub(1) as usize), Some('"' | '\''));
        if quoted { node.pos.shifted(1) } else { node.pos }
    }

    /// Checks every reference now that all variable names are known.
    fn check_references(&mut self, robot: Option<&Robot>) {
        let Some(robot) = robot else { return };
        let mut vars: Vec<String> = robot.vars.iter().map(|(n, _)| n.clone()).collect();
        let mut blocks: Vec<&[Step]> = vec![&robot.setup, &robot.teardown];
        if let Some(items) = &robot.items {
            blocks.push(&items.steps);
            blocks.extend(items.check.as_deref());
            blocks.extend([items.on_exception.as_slice(), items.on_done.as_slice()]);
            if !items.on_exception.is_empty() {
                vars.push("exception".into());
            }
        }
        if let Some(session) = &robot.session {
            blocks.push(&session.login);
        }
        for block in blocks {
            crate::robot::step::walk(block, &mut |step| vars.extend(step.defines().into_iter().map(String::from)));
        }
        let var_refs: Vec<&str> = vars.iter().map(String::as_str).chain(BUILTINS.iter().copied()).collect();
        let secrets: Vec<&str> = robot.secrets.iter().map(String::as_str).collect();
        for r in std::mem::take(&mut self.refs) {
            // `${`, the namespace's `name.` where it has one, the name, `}`.
            let prefix = match r.namespace {
                Namespace::Secret => "secrets.".len(),
                Namespace::Item => "item.".len(),
                Namespace::Env => "env.".len(),
                _ => 0,
            };
            let width = r.name.chars().count() + 3 + prefix;
            let head = r.name.split('.').next().unwrap_or_default();
            match r.namespace {
                Namespace::Var if !var_refs.contains(&r.name.as_str()) && !var_refs.contains(&head) => {
                    let mut candidates = var_refs.clone();
                    if r.name.contains('.') {
                        candidates.extend(["item", "env", "secrets"]);
                    }
                    let hint =
                        did_you_mean(head, &candidates).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    self.d.error(r.pos, width, format!("unknown variable `{head}`{hint}"));
                }
                Namespace::Secret if !robot.secrets.contains(&r.name) => {
                    let hint =
                        did_you_mean(&r.name, &secrets).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    self.d.error(r.pos, width, format!("secret `{}` is not declared under `secrets:`{hint}", r.name));
                }
                Namespace::Item if !r.in_item => {
                    self.d.error(r.pos, width, format!("`${{item.{}}}` can only be used in `items.steps`", r.name));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
