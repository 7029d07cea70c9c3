//! Steps as written in a robot file: each action's own keys, checked, into
//! the `Step` the runner executes.

use crate::robot::diagnostic::did_you_mean;
use crate::robot::expr::Namespace;
use crate::robot::step::{
    ACTIONS, Action, COMMON_KEYS, Check, Choice, FILL_KEYS, FileFormat, HttpMethod, IF_KEYS, Identifier, JsonTemplate,
    Step, WaitTarget, WindowSpec,
};
use crate::robot::yaml::{Key, Node, Pos, Value};

use super::{Fields, SeenRef, Validator};

impl Validator<'_> {
    pub(super) fn steps(&mut self, node: &Node, in_item: bool) -> Vec<Step> {
        let Value::Seq(list) = &node.value else {
            self.wrong_type(node, "a list of steps");
            return Vec::new();
        };
        list.iter().filter_map(|n| self.step(n, in_item)).collect()
    }

    pub(super) fn step(&mut self, node: &Node, in_item: bool) -> Option<Step> {
        let Value::Map(entries) = &node.value else {
            match &node.value {
                Value::Str(s) if ACTIONS.contains(&s.as_str()) => {
                    self.d.error(node.pos, s.chars().count(), format!("`{s}` needs a value: write `{s}: ...`"));
                }
                _ => self.wrong_type(node, "a step (a mapping such as `goto: URL`)"),
            }
            return None;
        };
        let is_if = entries.iter().any(|(k, _)| k.name == "if");
        let is_fill = entries.iter().any(|(k, _)| k.name == "fill");
        let mut action_entry = None;
        for (key, value) in entries {
            if FILL_KEYS.contains(&key.name.as_str()) {
                if !is_fill {
                    self.d.error(key.pos, key.name.chars().count(), format!("`{}` belongs to a `fill` step", key.name));
                }
                continue;
            }
            if IF_KEYS.contains(&key.name.as_str()) {
                if !is_if {
                    self.d.error(key.pos, key.name.chars().count(), format!("`{}` belongs to an `if` step", key.name));
                }
                continue;
            }
            if ACTIONS.contains(&key.name.as_str()) {
                if let Some((first, _)) = action_entry {
                    let first: &Key = first;
                    self.d.error(
                        key.pos,
                        key.name.chars().count(),
                        format!(
                            "a step has one action, but this one also has `{}`: split it into two steps",
                            first.name
                        ),
                    );
                } else {
                    action_entry = Some((key, value));
                }
            } else if !COMMON_KEYS.contains(&key.name.as_str()) {
                let mut known: Vec<&str> = ACTIONS.to_vec();
                known.extend_from_slice(COMMON_KEYS);
                let hint =
                    did_you_mean(&key.name, &known).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                self.d.error(key.pos, key.name.chars().count(), format!("unknown step `{}`{hint}", key.name));
            }
        }
        let fields = Fields { entries };
        let timeout = fields.get("timeout").and_then(|n| self.duration(n));
        let name = fields.get("name").and_then(|n| self.string(n, "a step name"));
        let (key, value) = action_entry?;
        let action = if key.name == "if" {
            let condition = self.condition(value, in_item);
            let then = fields.get("then").map(|n| self.steps(n, in_item));
            let otherwise = fields.get("else").map(|n| self.steps(n, in_item));
            if then.is_none() && otherwise.is_none() {
                self.d.error(key.pos, 2, "`if` needs `then:` (the steps to run when the condition holds) or `else:`");
                return None;
            }
            Action::If {
                condition: condition?,
                then: then.unwrap_or_default(),
                otherwise: otherwise.unwrap_or_default(),
            }
        } else if key.name == "fill" {
            let submit = fields.get("submit").and_then(|n| self.locator(n, in_item));
            match self.action(&key.name, value, in_item)? {
                Action::Fill { fields, .. } => Action::Fill { fields, submit },
                other => other,
            }
        } else {
            self.action(&key.name, value, in_item)?
        };
        Some(Step { action, pos: key.pos, timeout, name })
    }

    pub(super) fn action(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        match keyword {
            "goto" => Some(Action::Goto { url: self.template(node, "a URL", in_item)? }),
            "click" => Some(Action::Click { target: self.locator(node, in_item)? }),
            "fill" => {
                let Value::Map(entries) = &node.value else {
                    self.wrong_type(node, "fields to fill (a mapping of locator: value)");
                    return None;
                };
                let mut fields = Vec::new();
                for (key, value) in entries {
                    let key_node = Node { value: Value::Str(key.name.clone()), pos: key.pos };
                    let locator = self.locator(&key_node, in_item);
                    let text = self.template(value, "a value to fill in", in_item);
                    fields.push((locator?, text?));
                }
                Some(Action::Fill { fields, submit: None })
            }
            "type" => {
                let f = self.mapping(node, &["into", "text", "clear"], "a mapping with `into` and `text`")?;
                let target = self.required(node, &f, "into", "type").and_then(|n| self.locator(n, in_item));
                let text =
                    self.required(node, &f, "text", "type").and_then(|n| self.template(n, "the text to type", in_item));
                let clear = match f.get("clear") {
                    Some(Node { value: Value::Bool(b), .. }) => *b,
                    Some(n) => {
                        self.wrong_type(n, "`true` or `false`");
                        true
                    }
                    None => true,
                };
                Some(Action::Type { target: target?, text: text?, clear })
            }
            "select" => {
                let f =
                    self.mapping(node, &["from", "label", "value"], "a mapping with `from` and `label` or `value`")?;
                let target = self.required(node, &f, "from", "select").and_then(|n| self.locator(n, in_item));
                let choice = match (f.get("label"), f.get("value")) {
                    (Some(n), None) => self.template(n, "an option's label", in_item).map(Choice::Label),
                    (None, Some(n)) => self.template(n, "an option's value", in_item).map(Choice::Value),
                    _ => {
                        self.d.error(node.pos, 1, "`select` needs exactly one of `label` or `value`");
                        None
                    }
                };
                Some(Action::Select { target: target?, choice: choice? })
            }
            "wait_for" => {
                if let Value::Str(_) | Value::Seq(_) = node.value {
                    return Some(Action::WaitFor { target: WaitTarget::Element(self.locator(node, in_item)?) });
                }
                let f = self.mapping(
                    node,
                    &["element", "text", "gone", "url"],
                    "a locator, or a mapping with `element`, `text`, `gone` or `url`",
                )?;
                let target = match (f.get("element"), f.get("text"), f.get("gone"), f.get("url")) {
                    (Some(n), None, None, None) => self.locator(n, in_item).map(WaitTarget::Element),
                    (None, Some(n), None, None) => {
                        self.template(n, "the text to wait for", in_item).map(WaitTarget::Text)
                    }
                    (None, None, Some(n), None) => self.locator(n, in_item).map(WaitTarget::Gone),
                    (None, None, None, Some(n)) => {
                        self.template(n, "part of the address to wait for", in_item).map(WaitTarget::Url)
                    }
                    _ => {
                        self.d.error(node.pos, 1, "`wait_for` needs exactly one of `element`, `text`, `gone` or `url`");
                        None
                    }
                };
                Some(Action::WaitFor { target: target? })
            }
            "read_text" | "read_table" => {
                let keys: &[&str] =
                    if keyword == "read_text" { &["from", "into", "attribute"] } else { &["from", "into"] };
                let f = self.mapping(node, keys, "a mapping with `from` and `into`")?;
                let from = self.required(node, &f, "from", keyword).and_then(|n| self.locator(n, in_item));
                let into = self.required(node, &f, "into", keyword).and_then(|n| self.var_name(n));
                let attribute = f.get("attribute").and_then(|n| self.string(n, "an attribute's name"));
                if keyword == "read_text" {
                    Some(Action::ReadText { from: from?, into: into?, attribute })
                } else {
                    Some(Action::ReadTable { from: from?, into: into? })
                }
            }
            "validate" => {
                let mut keys: Vec<&str> = Identifier::ALL.iter().map(|(n, _)| *n).collect();
                keys.push("message");
                let f = self.mapping(node, &keys, "a mapping such as `personnummer: ${pnr}`")?;
                let given: Vec<(Identifier, &Node)> =
                    Identifier::ALL.iter().filter_map(|(n, k)| f.get(n).map(|node| (*k, node))).collect();
                let message =
                    f.get("message").and_then(|n| self.template(n, "a message for the case officer", in_item));
                match given.as_slice() {
                    [(kind, value)] => Some(Action::Validate {
                        kind: *kind,
                        value: self.template(value, "the value to check", in_item)?,
                        message,
                    }),
                    _ => {
                        self.d.error(
                            node.pos,
                            1,
                            "`validate` needs exactly one of `personnummer`, `organisationsnummer`, `email` or `date`",
                        );
                        None
                    }
                }
            }
            "skip" => Some(Action::Skip { message: self.template(node, "why the case is already done", in_item)? }),
            "fail" => Some(Action::Fail { message: self.template(node, "a message for the case officer", in_item)? }),
            "log" => Some(Action::Log { message: self.template(node, "a message", in_item)? }),
            "screenshot" => match node.value {
                Value::Null => Some(Action::Screenshot { name: None }),
                _ => Some(Action::Screenshot { name: Some(self.template(node, "a file name", in_item)?) }),
            },
            "check" | "uncheck" => {
                Some(Action::SetChecked { target: self.locator(node, in_item)?, checked: keyword == "check" })
            }
            "press" => {
                if let Value::Str(_) | Value::Seq(_) = node.value {
                    return Some(Action::Press { keys: self.keys(node)?, target: None });
                }
                let f =
                    self.mapping(node, &["keys", "in"], "a key, a list of keys, or a mapping with `keys` and `in`")?;
                let keys = self.required(node, &f, "keys", "press").and_then(|n| self.keys(n));
                let target = f.get("in").and_then(|n| self.locator(n, in_item));
                Some(Action::Press { keys: keys?, target })
            }
            "frame" => match &node.value {
                Value::Str(s) if s == "top" => Some(Action::Frame { target: None }),
                _ => Some(Action::Frame { target: Some(self.locator(node, in_item)?) }),
            },
            "window" => {
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
            "dialog" => {
                if let Value::Str(s) = &node.value {
                    return match s.as_str() {
                        "accept" | "dismiss" => {
                            Some(Action::Dialog { accept: s == "accept", prompt: None, into: None })
                        }
                        _ => {
                            self.d.error(node.pos, s.chars().count(), "expected `accept` or `dismiss`");
                            None
                        }
                    };
                }
                let f =
                    self.mapping(node, &["answer", "text", "into"], "`accept`, `dismiss` or a mapping with `answer`")?;
                let accept = match self
                    .required(node, &f, "answer", "dialog")
                    .map(|n| (n, self.string(n, "`accept` or `dismiss`")))
                {
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
            "upload" => {
                let f = self.mapping(node, &["into", "file"], "a mapping with `into` and `file`")?;
                let target = self.required(node, &f, "into", keyword).and_then(|n| self.locator(n, in_item));
                let file =
                    self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
                Some(Action::Upload { target: target?, file: file? })
            }
            "download" => {
                if let Value::Str(_) | Value::Seq(_) = node.value {
                    return Some(Action::Download { click: self.locator(node, in_item)?, save_as: None, into: None });
                }
                let f = self.mapping(node, &["click", "save_as", "into"], "a locator, or a mapping with `click`")?;
                let click = self.required(node, &f, "click", keyword).and_then(|n| self.locator(n, in_item));
                let save_as = f.get("save_as").and_then(|n| self.template(n, "where to save the file", in_item));
                let into = f.get("into").and_then(|n| self.var_name(n));
                Some(Action::Download { click: click?, save_as, into })
            }
            "script" => {
                if let Value::Str(code) = &node.value {
                    return Some(Action::Script { code: code.clone(), args: Vec::new(), into: None });
                }
                let f = self.mapping(node, &["code", "args", "into"], "JavaScript, or a mapping with `code`")?;
                let code = self.required(node, &f, "code", keyword).and_then(|n| self.string(n, "JavaScript"));
                let args = match f.get("args") {
                    Some(Node { value: Value::Seq(list), .. }) => {
                        list.iter().filter_map(|n| self.template(n, "an argument", in_item)).collect()
                    }
                    Some(n) => {
                        self.wrong_type(n, "a list of arguments");
                        Vec::new()
                    }
                    None => Vec::new(),
                };
                let into = f.get("into").and_then(|n| self.var_name(n));
                Some(Action::Script { code: code?, args, into })
            }
            "set" => Some(Action::Set {
                values: self.variables(node, "variables to set (a mapping of name: value)", in_item),
            }),
            "http" => {
                let mut keys: Vec<&str> = HttpMethod::ALL.iter().map(|(n, _)| *n).collect();
                keys.extend(["json", "into"]);
                let f = self.mapping(node, &keys, "a mapping such as `get: URL` with `into`")?;
                let given: Vec<(HttpMethod, &Node)> =
                    HttpMethod::ALL.iter().filter_map(|(n, m)| f.get(n).map(|node| (*m, node))).collect();
                let body = f.get("json").map(|n| self.json_template(n, in_item));
                let into = f.get("into").and_then(|n| self.var_name(n));
                match given.as_slice() {
                    [(method, url)] => {
                        Some(Action::Http { method: *method, url: self.template(url, "a URL", in_item)?, body, into })
                    }
                    _ => {
                        self.d.error(node.pos, 1, "`http` needs exactly one of `get`, `post` or `put` with the URL");
                        None
                    }
                }
            }
            "read_csv" | "read_json" => {
                let f = self.mapping(node, &["file", "into"], "a mapping with `file` and `into`")?;
                let file =
                    self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
                let into = self.required(node, &f, "into", keyword).and_then(|n| self.var_name(n));
                let format = if keyword == "read_csv" { FileFormat::Csv } else { FileFormat::Json };
                Some(Action::ReadFile { format, file: file?, into: into? })
            }
            "write_csv" => {
                let f = self.mapping(node, &["file", "row", "separator"], "a mapping with `file` and `row`")?;
                let file =
                    self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
                let row = match self.required(node, &f, "row", keyword) {
                    Some(Node { value: Value::Map(entries), .. }) => {
                        let mut row = Vec::new();
                        for (key, value) in entries {
                            row.extend(self.template(value, "a value", in_item).map(|t| (key.name.clone(), t)));
                        }
                        Some(row)
                    }
                    Some(n) => {
                        self.wrong_type(n, "the row (a mapping of column: value)");
                        None
                    }
                    None => None,
                };
                let separator = match f.get("separator").and_then(|n| self.string(n, "`,` or `;`")).as_deref() {
                    None | Some(",") => ',',
                    Some(";") => ';',
                    Some(_) => {
                        let pos = f.key_pos("separator").unwrap_or(node.pos);
                        self.d.error(pos, 9, "the separator is `,` or `;`");
                        ','
                    }
                };
                Some(Action::WriteCsv { file: file?, row: row?, separator })
            }
            "write_json" => {
                let f = self.mapping(node, &["file", "json"], "a mapping with `file` and `json`")?;
                let file =
                    self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
                let json = self.required(node, &f, "json", keyword).map(|n| self.json_template(n, in_item));
                Some(Action::WriteJson { file: file?, json: json? })
            }
            "for_each" => {
                let f = self.mapping(node, &["in", "as", "steps"], "a mapping with `in`, `as` and `steps`")?;
                let list = self.required(node, &f, "in", keyword).and_then(|n| self.var_name(n));
                let name = self.required(node, &f, "as", keyword).and_then(|n| self.var_name(n));
                let steps = self.required(node, &f, "steps", keyword).map(|n| self.steps(n, in_item));
                if let (Some(list), Some(n)) = (&list, f.get("in")) {
                    self.refs.push(SeenRef { namespace: Namespace::Var, name: list.clone(), pos: n.pos, in_item });
                }
                Some(Action::ForEach { list: list?, name: name?, steps: steps? })
            }
            "retry" => {
                let f = self.mapping(node, &["times", "pause", "steps"], "a mapping with `times` and `steps`")?;
                let times = self.required(node, &f, "times", keyword).and_then(|n| self.count(n, "tries in all", 1));
                let pause = f.get("pause").and_then(|n| self.duration(n)).unwrap_or_default();
                let steps = self.required(node, &f, "steps", keyword).map(|n| self.steps(n, in_item));
                Some(Action::Retry { times: times?, pause, steps: steps? })
            }
            "use" => self.use_file(node, in_item),
            _ => unreachable!("`{keyword}` is in ACTIONS but has no parser"),
        }
    }

    /// Key names for `press`: one, a `+`-free list, or several separated by spaces.
    pub(super) fn keys(&mut self, node: &Node) -> Option<Vec<String>> {
        let names: Vec<(String, Pos)> = match &node.value {
            Value::Str(s) => s.split_whitespace().map(|k| (k.to_string(), node.pos)).collect(),
            _ => self.string_list(node, "key names"),
        };
        let mut ok = !names.is_empty();
        for (name, pos) in &names {
            if !crate::robot::step::KEYS.contains(&name.as_str()) {
                let hint = did_you_mean(name, crate::robot::step::KEYS)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.d.error(
                    *pos,
                    name.chars().count(),
                    format!("`{name}` is not a key's name{hint} (known: {})", crate::robot::step::KEYS.join(", ")),
                );
                ok = false;
            }
        }
        if names.is_empty() {
            self.d.error(node.pos, 1, "`press` needs at least one key");
        }
        ok.then(|| names.into_iter().map(|(n, _)| n).collect())
    }

    /// A YAML value as a JSON body whose strings may hold references.
    pub(super) fn json_template(&mut self, node: &Node, in_item: bool) -> JsonTemplate {
        match &node.value {
            Value::Null => JsonTemplate::Null,
            Value::Bool(b) => JsonTemplate::Bool(*b),
            Value::Int(i) => JsonTemplate::Number((*i).into()),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(JsonTemplate::Null, JsonTemplate::Number),
            Value::Str(_) => self.template(node, "a value", in_item).map_or(JsonTemplate::Null, JsonTemplate::Text),
            Value::Seq(list) => JsonTemplate::List(list.iter().map(|n| self.json_template(n, in_item)).collect()),
            Value::Map(entries) => JsonTemplate::Object(
                entries.iter().map(|(k, v)| (k.name.clone(), self.json_template(v, in_item))).collect(),
            ),
        }
    }

    pub(super) fn condition(&mut self, node: &Node, in_item: bool) -> Option<Check> {
        let what = "a condition: `exists: LOCATOR`, `text: TEXT`, or `value: TEXT` with `equals: TEXT`";
        let f = self.mapping(node, &["exists", "text", "value", "equals"], what)?;
        match (f.get("exists"), f.get("text"), f.get("value"), f.get("equals")) {
            (Some(n), None, None, None) => self.locator(n, in_item).map(Check::Exists),
            (None, Some(n), None, None) => self.template(n, "the text to look for", in_item).map(Check::Text),
            (None, None, Some(a), Some(b)) => {
                let a = self.template(a, "a value", in_item);
                let b = self.template(b, "the value to compare with", in_item);
                Some(Check::Equals(a?, b?))
            }
            _ => {
                self.d.error(node.pos, 1, format!("expected {what}"));
                None
            }
        }
    }
}
