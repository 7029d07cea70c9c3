//! The keys of the steps that act on the page, checked into their actions.

use crate::files::yaml::{Node, Value};
use crate::robot::condition::{Compare, Condition};
use crate::robot::expr::Template;
use crate::robot::locator::{Locator, Strategy};
use crate::robot::step::{
    Action, COMMON_KEYS, Choice, CookieChange, Expect, FILL_KEYS, FrameTarget, Gesture, History, TextPart, UploadFrom,
    WindowSpec,
};
use crate::robot::validate::conditions::condition_keys;
use crate::robot::validate::{Fields, Validator};

impl Validator<'_> {
    pub(super) fn goto_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let Value::Map(_) = node.value else {
            return Some(Action::Goto { url: self.template(node, "a URL", in_item)?, accept_status: Vec::new() });
        };
        let f = self.mapping(node, &["url", "accept_status"], "a URL, or a mapping with `url` and `accept_status`")?;
        let url = self.required(node, &f, "url", "goto").and_then(|n| self.template(n, "a URL", in_item));
        let accept_status = match f.get("accept_status") {
            Some(n) => self.statuses(n)?,
            None => Vec::new(),
        };
        Some(Action::Goto { url: url?, accept_status })
    }

    /// HTTP statuses: one number or a list of them, each from 100 to 599.
    fn statuses(&mut self, node: &Node) -> Option<Vec<u16>> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(list) => list.iter().collect(),
            _ => vec![node],
        };
        let mut statuses = Vec::new();
        for item in items {
            match item.value {
                Value::Int(i) if (100..=599).contains(&i) => statuses.push(i as u16),
                _ => {
                    self.wrong_type(item, "an HTTP status from 100 to 599");
                    return None;
                }
            }
        }
        Some(statuses)
    }

    pub(super) fn click_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Click { target: self.locator(node, in_item)? })
    }

    pub(super) fn fill_step(&mut self, node: &Node, step: &Fields<'_>, in_item: bool) -> Option<Action> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, "fields to fill (a mapping of locator: value)");
            return None;
        };
        let mut fields = Vec::new();
        for (key, value) in entries {
            // A key of the step itself, indented one level too deep: no
            // element is found by such a name, so it is a slip, not a field.
            if FILL_KEYS.iter().chain(COMMON_KEYS).any(|k| *k == key.name) {
                let message = format!(
                    "`{0}` is written among `fill`'s fields, so it would be filled as a field: `{0}` belongs to the \
                     step, beside `fill:` (indent it as far as `fill:`)",
                    key.name
                );
                self.d.error(key.pos, key.name.chars().count(), message);
                return None;
            }
            let key_node = Node { value: Value::Str(key.name.clone()), pos: key.pos };
            let locator = self.locator(&key_node, in_item);
            let text = self.template(value, "a value to fill in", in_item);
            fields.push((locator?, text?));
        }
        let submit = step.get("submit").and_then(|n| self.locator(n, in_item));
        Some(Action::Fill { fields, submit })
    }

    pub(super) fn type_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["into", "text", "clear"], "a mapping with `into` and `text`")?;
        let target = self.required(node, &f, "into", "type").and_then(|n| self.locator(n, in_item));
        let text = self.required(node, &f, "text", "type").and_then(|n| self.template(n, "the text to type", in_item));
        let clear = self.flag(f.get("clear"), true);
        Some(Action::Type { target: target?, text: text?, clear })
    }

    /// `select` and `deselect`: `from`, and `label` or `value`, each one
    /// text or a list of them.
    pub(super) fn select_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["from", "label", "value"], "a mapping with `from` and `label` or `value`")?;
        let target = self.required(node, &f, "from", keyword).and_then(|n| self.locator(n, in_item));
        let (list, make): (&Node, fn(_) -> Choice) = match (f.get("label"), f.get("value")) {
            (Some(n), None) => (n, Choice::Label),
            (None, Some(n)) => (n, Choice::Value),
            _ => {
                self.d.error(node.pos, 1, format!("`{keyword}` needs exactly one of `label` or `value`"));
                return None;
            }
        };
        let nodes: Vec<&Node> = match &list.value {
            Value::Seq(items) if !items.is_empty() => items.iter().collect(),
            Value::Seq(_) => {
                self.d.error(list.pos, 1, "an empty list picks nothing: name at least one option");
                return None;
            }
            _ => vec![list],
        };
        let choices: Option<Vec<Choice>> =
            nodes.into_iter().map(|n| self.template(n, "an option's label or value", in_item).map(make)).collect();
        Some(Action::Select { target: target?, choices: choices?, selected: keyword == "select" })
    }

    /// `choose`: `in`, `value` (one text or a list of them), and optionally
    /// `contains` and `options`.
    pub(super) fn scroll_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["in", "until"], "a mapping with `in` (the list) and `until`")?;
        let list = self.required(node, &f, "in", "scroll").and_then(|n| self.locator(n, in_item));
        let until = self.required(node, &f, "until", "scroll").and_then(|n| self.locator(n, in_item));
        Some(Action::Scroll { list: list?, until: until? })
    }

    pub(super) fn choose_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["in", "value", "contains", "options"], "a mapping with `in` and `value`")?;
        let target = self.required(node, &f, "in", "choose").and_then(|n| self.locator(n, in_item));
        let values = self.required(node, &f, "value", "choose").and_then(|list| {
            let nodes: Vec<&Node> = match &list.value {
                Value::Seq(items) if items.is_empty() => {
                    self.d.error(list.pos, 1, "an empty list chooses nothing: name at least one value");
                    return None;
                }
                Value::Seq(items) => items.iter().collect(),
                _ => vec![list],
            };
            nodes.into_iter().map(|n| self.template(n, "a value to choose", in_item)).collect::<Option<Vec<_>>>()
        });
        let contains = self.flag(f.get("contains"), false);
        let options = f.get("options").and_then(|n| self.locator(n, in_item));
        Some(Action::Choose { target: target?, values: values?, contains, options })
    }

    /// A locator (waited for until visible), `element:`, `present:`,
    /// `gone:`, or any condition.
    pub(super) fn wait_for_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        if let Value::Str(_) | Value::Seq(_) = node.value {
            return Some(Action::WaitFor { condition: Condition::Visible(self.locator(node, in_item)?) });
        }
        let mut keys = condition_keys();
        keys.extend(["element", "gone"]);
        let f = self.mapping(node, &keys, "a locator, or a condition such as `visible: LOCATOR` or `text: TEXT`")?;
        for (key, make) in [("element", Condition::Visible as fn(_) -> _), ("gone", Condition::Hidden)] {
            if let Some(n) = f.get(key) {
                if let Value::Map(entries) = &node.value
                    && entries.len() > 1
                {
                    self.d.error(node.pos, 1, format!("`wait_for` with `{key}` takes nothing else"));
                    return None;
                }
                return Some(Action::WaitFor { condition: make(self.locator(n, in_item)?) });
            }
        }
        Some(Action::WaitFor { condition: self.condition_fields(node, &f, in_item)? })
    }

    pub(super) fn read_text_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let keys: &[&str] = if keyword == "read_text" {
            &["from", "into", "attribute", "property"]
        } else {
            &["from", "into", "scroll"]
        };
        let f = self.mapping(node, keys, "a mapping with `from` and `into`")?;
        let from = self.required(node, &f, "from", keyword).and_then(|n| self.locator(n, in_item));
        let into = self.required(node, &f, "into", keyword).and_then(|n| self.var_name(n));
        if keyword != "read_text" {
            let scroll = self.flag(f.get("scroll"), false);
            return Some(Action::ReadTable { from: from?, into: into?, scroll });
        }
        let part = match (f.get("attribute"), f.get("property")) {
            (None, None) => TextPart::Text,
            (Some(n), None) => TextPart::Attribute(self.string(n, "an attribute's name")?),
            (None, Some(n)) => TextPart::Property(self.string(n, "a property's name (`value`, `checked`, `href`)")?),
            (Some(_), Some(_)) => {
                self.d.error(node.pos, 1, "`read_text` reads an `attribute` or a `property`, not both");
                return None;
            }
        };
        Some(Action::ReadText { from: from?, into: into?, part })
    }

    pub(super) fn screenshot_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        match node.value {
            Value::Null => Some(Action::Screenshot { name: None }),
            _ => Some(Action::Screenshot { name: Some(self.template(node, "a file name", in_item)?) }),
        }
    }

    pub(super) fn check_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::SetChecked { target: self.locator(node, in_item)?, checked: keyword == "check" })
    }

    pub(super) fn press_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        if let Value::Str(_) | Value::Seq(_) = node.value {
            return Some(Action::Press { keys: self.keys(node)?, target: None });
        }
        let f = self.mapping(node, &["keys", "in"], "a key, a list of keys, or a mapping with `keys` and `in`")?;
        let keys = self.required(node, &f, "keys", "press").and_then(|n| self.keys(n));
        let target = f.get("in").and_then(|n| self.locator(n, in_item));
        Some(Action::Press { keys: keys?, target })
    }

    /// `top`, `parent`, a locator, `{name: NAME}` or `{index: N}`.
    pub(super) fn frame_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let target = match &node.value {
            Value::Str(s) if s == "top" => FrameTarget::Top,
            Value::Str(s) if s == "parent" => FrameTarget::Parent,
            Value::Int(_) => return self.frame_by_number(node),
            Value::Str(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
                return self.frame_by_number(node);
            }
            Value::Map(_) => {
                let f = self.mapping(node, &["name", "index"], "a mapping with `name` or `index`")?;
                match (f.get("name"), f.get("index")) {
                    (Some(n), None) => {
                        let name = self.string(n, "a frame's name or id")?;
                        let lit = crate::robot::locator::xpath_literal(&name);
                        let xpath = format!("//*[self::frame or self::iframe][@name={lit} or @id={lit}]");
                        FrameTarget::Element(Locator {
                            strategy: Strategy::XPath,
                            value: Template::literal(&xpath),
                            prefix_len: 0,
                            fallbacks: Vec::new(),
                        })
                    }
                    (None, Some(n)) => match n.value {
                        Value::Int(i) if (0..=i64::from(u16::MAX)).contains(&i) => FrameTarget::Index(i as u16),
                        _ => {
                            self.wrong_type(n, "a frame's number, from 0");
                            return None;
                        }
                    },
                    _ => {
                        self.d.error(node.pos, 1, "`frame` needs exactly one of `name` or `index`");
                        return None;
                    }
                }
            }
            _ => FrameTarget::Element(self.locator(node, in_item)?),
        };
        Some(Action::Frame { target })
    }

    pub(super) fn pointer_step(&mut self, gesture: Gesture, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Pointer { target: self.locator(node, in_item)?, gesture })
    }

    pub(super) fn clear_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Clear { target: self.locator(node, in_item)? })
    }

    pub(super) fn drag_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["from", "to"], "a mapping with `from` and `to`")?;
        let from = self.required(node, &f, "from", "drag").and_then(|n| self.locator(n, in_item));
        let to = self.required(node, &f, "to", "drag").and_then(|n| self.locator(n, in_item));
        Some(Action::Drag { from: from?, to: to? })
    }

    /// `cookies: {into: VAR}`, `{set: {name: value}}`, `{delete: NAME}` or `{delete: all}`.
    pub(super) fn cookies_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["into", "set", "delete"], "a mapping with `into`, `set` or `delete`")?;
        let change = match (f.get("into"), f.get("set"), f.get("delete")) {
            (Some(n), None, None) => CookieChange::Read(self.var_name(n)?),
            (None, Some(n), None) => {
                CookieChange::Set(self.variables(n, "cookies to set (a mapping of name: value)", in_item))
            }
            (None, None, Some(Node { value: Value::Str(all), .. })) if all == "all" => CookieChange::Delete(None),
            (None, None, Some(n)) => {
                CookieChange::Delete(Some(self.template(n, "a cookie's name, or `all`", in_item)?))
            }
            _ => {
                self.d.error(node.pos, 1, "`cookies` takes exactly one of `into`, `set` or `delete`");
                return None;
            }
        };
        Some(Action::Cookies { change })
    }

    /// `back:`, `forward:` and `refresh:` take no value.
    pub(super) fn history_step(&mut self, go: History, node: &Node) -> Option<Action> {
        if !matches!(node.value, Value::Null) {
            self.wrong_type(node, "nothing (write the step as `- back` or `- back:`)");
            return None;
        }
        Some(Action::History { go })
    }

    pub(super) fn window_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let target = match &node.value {
            Value::Str(s) if s == "new" => WindowSpec::New,
            Value::Str(s) if s == "main" => WindowSpec::Main,
            Value::Str(s) if s == "close" => WindowSpec::Close,
            Value::Map(_) => {
                let f = self.mapping(node, &["title"], "`new`, `main`, `close` or a mapping with `title`")?;
                let title = self.required(node, &f, "title", "window")?;
                WindowSpec::Title(self.template(title, "part of the window's title", in_item)?)
            }
            _ => {
                self.wrong_type(node, "`new`, `main`, `close` or a mapping with `title`");
                return None;
            }
        };
        Some(Action::Window { target })
    }

    pub(super) fn dialog_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        if let Value::Str(s) = &node.value {
            return match s.as_str() {
                "accept" | "dismiss" => Some(Action::Dialog { accept: s == "accept", prompt: None, into: None }),
                _ => {
                    self.d.error(node.pos, s.chars().count(), "expected `accept` or `dismiss`");
                    None
                }
            };
        }
        let f = self.mapping(node, &["answer", "text", "into"], "`accept`, `dismiss` or a mapping with `answer`")?;
        let accept =
            match self.required(node, &f, "answer", "dialog").map(|n| (n, self.string(n, "`accept` or `dismiss`"))) {
                Some((_, Some(a))) if a == "accept" || a == "dismiss" => Some(a == "accept"),
                Some((n, _)) => {
                    self.d.error(n.pos, 1, "expected `accept` or `dismiss`");
                    None
                }
                None => None,
            };
        let prompt = f.get("text").and_then(|n| self.template(n, "the text to type into a prompt", in_item));
        let into = f.get("into").and_then(|n| self.var_name(n));
        Some(Action::Dialog { accept: accept?, prompt, into })
    }

    /// A step's `expect`: a text (`expect: Sparat`), or a mapping with
    /// `text` or `matches` and the `error` and `fault` elements.
    pub(super) fn expect(&mut self, node: &Node, in_item: bool) -> Option<Expect> {
        if let Value::Str(_) = node.value {
            let text = self.template(node, "the text the page must show", in_item)?;
            return Some(Expect { shows: Compare::Contains(text), captures: Vec::new(), error: None, fault: None });
        }
        let expected = "a text, or a mapping with `text` or `matches`";
        let f = self.mapping(node, &["text", "matches", "error", "fault"], expected)?;
        let shows = match (f.get("text"), f.get("matches")) {
            (Some(text), None) => Compare::Contains(self.template(text, "the text the page must show", in_item)?),
            (None, Some(pattern)) => self.compare("matches", pattern, in_item)?,
            _ => {
                self.d.error(node.pos, 1, "`expect` needs one of `text` or `matches`");
                return None;
            }
        };
        let mut captures = Vec::new();
        if let (Compare::Matches(pattern), Some(n)) = (&shows, f.get("matches")) {
            for name in Expect::group_names(&pattern.source()) {
                let named = Node { value: Value::Str(name), pos: n.pos };
                captures.extend(self.var_name(&named));
            }
        }
        let error = f.get("error").and_then(|n| self.locator(n, in_item));
        let fault = f.get("fault").and_then(|n| self.locator(n, in_item));
        Some(Expect { shows, captures, error, fault })
    }

    pub(super) fn upload_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let expected = "a mapping with `into` and `file` (or `data` and `name`)";
        let f = self.mapping(node, &["into", "file", "data", "name"], expected)?;
        let target = self.required(node, &f, "into", keyword).and_then(|n| self.locator(n, in_item));
        let from = match (f.get("file"), f.get("data")) {
            (Some(file), None) => {
                if let Some(name) = f.get("name") {
                    self.d.error(name.pos, 1, "`name` goes with `data`: a `file` keeps its own name");
                }
                Some(UploadFrom::File(self.template(file, "a file's path", in_item)?))
            }
            (None, Some(data)) => {
                let data = self.template(data, "base64 text", in_item);
                let name =
                    self.required(node, &f, "name", keyword).and_then(|n| self.template(n, "a file name", in_item));
                Some(UploadFrom::Data { data: data?, name: name? })
            }
            (Some(_), Some(data)) => {
                self.d.error(data.pos, 1, "`upload` takes a `file` or `data`, not both");
                None
            }
            (None, None) => {
                self.d.error(node.pos, 1, format!("`{keyword}` needs `file` (a path) or `data` (base64) with `name`"));
                None
            }
        };
        Some(Action::Upload { target: target?, from: from? })
    }

    pub(super) fn download_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        if let Value::Str(_) | Value::Seq(_) = node.value {
            return Some(Action::Download { click: self.locator(node, in_item)?, save_as: None, into: None });
        }
        let f = self.mapping(node, &["click", "save_as", "into"], "a locator, or a mapping with `click`")?;
        let click = self.required(node, &f, "click", keyword).and_then(|n| self.locator(n, in_item));
        let save_as = f.get("save_as").and_then(|n| self.template(n, "where to save the file", in_item));
        let into = f.get("into").and_then(|n| self.var_name(n));
        Some(Action::Download { click: click?, save_as, into })
    }

    pub(super) fn script_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        if let Value::Str(code) = &node.value {
            return Some(Action::Script { code: code.clone(), args: Vec::new(), into: None });
        }
        let f = self.mapping(node, &["code", "args", "into"], "JavaScript, or a mapping with `code`")?;
        let code = self.required(node, &f, "code", keyword).and_then(|n| self.string(n, "JavaScript"));
        let args = match f.get("args") {
            Some(Node { value: Value::Seq(list), .. }) => list.iter().map(|n| self.json_template(n, in_item)).collect(),
            Some(n) => {
                self.wrong_type(n, "a list of arguments");
                Vec::new()
            }
            None => Vec::new(),
        };
        let into = f.get("into").and_then(|n| self.var_name(n));
        Some(Action::Script { code: code?, args, into })
    }

    fn frame_by_number(&mut self, node: &Node) -> Option<Action> {
        let width = node.value.as_text().map_or(1, |s| s.chars().count());
        let message = "a frame's number is written `frame: {index: 1}` (counting from 0); \
                       a locator such as `frame[name=main]` or `{name: main}` says more";
        self.d.error(node.pos, width, message);
        None
    }
}
