//! Steps as written in a robot file: each action's own keys, checked, into
//! the `Step` the runner executes.

use crate::files::diagnostic::did_you_mean;
use crate::files::yaml::{Key, Node, Pos, Value};
use crate::robot::step::{
    ASSERT_KEYS, Action, COMMON_KEYS, FILL_KEYS, Gesture, History, IF_KEYS, JsonTemplate, Keyword, Step,
};

use super::{Fields, Validator};

impl Validator<'_> {
    pub(super) fn steps(&mut self, node: &Node, in_item: bool) -> Vec<Step> {
        let Value::Seq(list) = &node.value else {
            self.wrong_type(node, "a list of steps");
            return Vec::new();
        };
        list.iter().filter_map(|n| self.step(n, in_item)).collect()
    }

    pub(super) fn step(&mut self, node: &Node, in_item: bool) -> Option<Step> {
        // `- back`, `- forward` and `- refresh` need no value.
        if let Value::Str(s) = &node.value
            && let Some(keyword @ (Keyword::Back | Keyword::Forward | Keyword::Refresh)) = Keyword::parse(s)
        {
            let null = Node { value: Value::Null, pos: node.pos };
            let action = self.action(keyword, node.pos, &null, &Fields { entries: &[] }, in_item)?;
            return Some(Step { action, pos: node.pos, timeout: None, name: None, sensitive: false, expect: None });
        }
        let Value::Map(entries) = &node.value else {
            match &node.value {
                Value::Str(s) if Keyword::parse(s).is_some() => {
                    self.d.error(node.pos, s.chars().count(), format!("`{s}` needs a value: write `{s}: ...`"));
                }
                _ => self.wrong_type(node, "a step (a mapping such as `goto: URL`)"),
            }
            return None;
        };
        let is_if = entries.iter().any(|(k, _)| k.name == "if");
        let is_fill = entries.iter().any(|(k, _)| k.name == "fill");
        let is_assert = entries.iter().any(|(k, _)| k.name == "assert");
        let mut action_entry = None;
        for (key, value) in entries {
            if FILL_KEYS.contains(&key.name.as_str()) {
                if !is_fill {
                    self.d.error(key.pos, key.name.chars().count(), format!("`{}` belongs to a `fill` step", key.name));
                }
                continue;
            }
            if ASSERT_KEYS.contains(&key.name.as_str()) {
                if !is_assert {
                    self.d.error(
                        key.pos,
                        key.name.chars().count(),
                        format!("`{}` belongs to an `assert` step", key.name),
                    );
                }
                continue;
            }
            if IF_KEYS.contains(&key.name.as_str()) {
                if !is_if {
                    self.d.error(key.pos, key.name.chars().count(), format!("`{}` belongs to an `if` step", key.name));
                }
                continue;
            }
            if let Some(keyword) = Keyword::parse(&key.name) {
                if let Some((first, _, _)) = action_entry {
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
                    action_entry = Some((key, keyword, value));
                }
            } else if !COMMON_KEYS.contains(&key.name.as_str()) {
                let mut known: Vec<&str> = Keyword::names();
                known.extend_from_slice(COMMON_KEYS);
                let hint =
                    match (crate::files::diagnostic::belongs_elsewhere(&key.name), did_you_mean(&key.name, &known)) {
                        (Some(place), _) => format!(": {place}"),
                        (None, Some(s)) => format!("; did you mean `{s}`?"),
                        (None, None) => String::new(),
                    };
                self.d.error(key.pos, key.name.chars().count(), format!("unknown step `{}`{hint}", key.name));
            }
        }
        let fields = Fields { entries };
        let timeout = fields.get("timeout").and_then(|n| self.duration(n));
        let name = fields.get("name").and_then(|n| self.string(n, "a step name"));
        let sensitive = self.flag(fields.get("sensitive"), false);
        let (key, keyword, value) = action_entry?;
        let expect = match fields.entries.iter().find(|(k, _)| k.name == "expect") {
            Some((k, _)) if keyword.family() != crate::robot::step::Family::Page => {
                let message = format!("`expect` belongs to a step that acts on the page, not to `{keyword}`");
                self.d.error(k.pos, k.name.chars().count(), message);
                None
            }
            Some((_, n)) => self.expect(n, in_item),
            None => None,
        };
        let action = self.action(keyword, key.pos, value, &fields, in_item)?;
        Some(Step { action, pos: key.pos, timeout, name, sensitive, expect })
    }

    /// The action of one step: the dispatch on its keyword, each keyword's
    /// own keys checked in its family's file.
    /// `fields` are the step's other keys (`then:`, `submit:`, ...).
    pub(super) fn action(
        &mut self,
        keyword: Keyword,
        pos: Pos,
        node: &Node,
        fields: &Fields<'_>,
        in_item: bool,
    ) -> Option<Action> {
        match keyword {
            Keyword::If => self.if_step(pos, node, fields, in_item),
            Keyword::Assert => self.assert_step(node, fields, in_item),
            Keyword::Goto => self.goto_step(node, in_item),
            Keyword::Click => self.click_step(node, in_item),
            Keyword::Hover => self.pointer_step(Gesture::Hover, node, in_item),
            Keyword::DoubleClick => self.pointer_step(Gesture::DoubleClick, node, in_item),
            Keyword::RightClick => self.pointer_step(Gesture::RightClick, node, in_item),
            Keyword::Drag => self.drag_step(node, in_item),
            Keyword::Clear => self.clear_step(node, in_item),
            Keyword::Back => self.history_step(History::Back, node),
            Keyword::Cookies => self.cookies_step(node, in_item),
            Keyword::Forward => self.history_step(History::Forward, node),
            Keyword::Refresh => self.history_step(History::Refresh, node),
            Keyword::Fill => self.fill_step(node, fields, in_item),
            Keyword::Type => self.type_step(node, in_item),
            Keyword::Select => self.select_step("select", node, in_item),
            Keyword::Deselect => self.select_step("deselect", node, in_item),
            Keyword::Choose => self.choose_step(node, in_item),
            Keyword::Scroll => self.scroll_step(node, in_item),
            Keyword::WaitFor => self.wait_for_step(node, in_item),
            Keyword::ReadText => self.read_text_step("read_text", node, in_item),
            Keyword::ReadTable => self.read_text_step("read_table", node, in_item),
            Keyword::Validate => self.validate_step(node, in_item),
            Keyword::Skip => self.skip_step(node, in_item),
            Keyword::Fail => self.fail_step(node, in_item),
            Keyword::Log => self.log_step(node, in_item),
            Keyword::Screenshot => self.screenshot_step(node, in_item),
            Keyword::Check => self.check_step("check", node, in_item),
            Keyword::Uncheck => self.check_step("uncheck", node, in_item),
            Keyword::Press => self.press_step(node, in_item),
            Keyword::Frame => self.frame_step(node, in_item),
            Keyword::Window => self.window_step(node, in_item),
            Keyword::Dialog => self.dialog_step(node, in_item),
            Keyword::Upload => self.upload_step("upload", node, in_item),
            Keyword::Download => self.download_step("download", node, in_item),
            Keyword::Script => self.script_step("script", node, in_item),
            Keyword::Set => self.set_step(node, in_item),
            Keyword::Http => self.http_step(node, in_item),
            Keyword::ReadCsv => self.read_csv_step("read_csv", node, in_item),
            Keyword::ReadJson => self.read_csv_step("read_json", node, in_item),
            Keyword::ReadXml => self.read_xml_step(node, in_item),
            Keyword::OpenEPlatform => self.oep_step(node, in_item),
            Keyword::WriteCsv => self.write_csv_step("write_csv", node, in_item),
            Keyword::WriteJson => self.write_json_step("write_json", node, in_item),
            Keyword::ForEach => self.for_each_step("for_each", node, in_item),
            Keyword::Retry => self.retry_step("retry", node, in_item),
            Keyword::Use => self.use_step(node, in_item),
        }
    }

    pub(super) fn keys(&mut self, node: &Node) -> Option<Vec<String>> {
        let names: Vec<(String, Pos)> = match &node.value {
            Value::Str(s) => s.split_whitespace().map(|k| (k.to_string(), node.pos)).collect(),
            _ => self.string_list(node, "key names"),
        };
        let mut ok = !names.is_empty();
        for (name, pos) in &names {
            if let Err(message) = crate::robot::keys::check_key(name) {
                self.d.error(*pos, name.chars().count(), message);
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
}
