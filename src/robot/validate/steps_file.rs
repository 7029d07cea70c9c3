//! `use:` steps files: another file's steps with parameters, validated as
//! part of the robot that uses them, errors pointing into that file.

use crate::files::source_file::{inside, read_source};
use std::path::{Path, PathBuf};

use crate::files::diagnostic::did_you_mean;
use crate::files::yaml::{self, Node, Pos, Value};
use crate::robot::expr::{BUILTINS, Namespace};
use crate::robot::step::{Action, Step};

use super::{MAX_USE_DEPTH, Validator};

impl Validator<'_> {
    /// `use: FILE` or `use: {file: FILE, with: {param: value}}`: the file's
    /// steps, validated as part of this robot, errors pointing into that file.
    pub(super) fn use_file(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let (file_node, with) = match &node.value {
            Value::Str(_) => (node, None),
            _ => {
                let f = self.mapping(node, &["file", "with"], "a file's path, or a mapping with `file` and `with`")?;
                (self.required(node, &f, "file", "use")?, f.get("with"))
            }
        };
        let relative = self.string(file_node, "the path of a steps file")?;
        let path = self.base_dir.join(&relative);
        let width = relative.chars().count();
        if self.using.contains(&path) || self.using.len() > MAX_USE_DEPTH {
            self.d.error(
                file_node.pos,
                width,
                format!("`{relative}` is already being used here: a file cannot use itself"),
            );
            return None;
        }
        if path.exists() && !inside(&path, &self.roots) {
            let message = format!(
                "`{relative}` is outside the robot's folder and the robots folder; steps files must be in one of them"
            );
            self.d.error(file_node.pos, width, message);
            return None;
        }
        let source = match read_source(&path) {
            Ok(source) => source,
            Err(e) => {
                self.d.error(file_node.pos, width, format!("cannot use it: {e}"));
                return None;
            }
        };
        let mut args = Vec::new();
        match with.map(|n| (n, &n.value)) {
            Some((_, Value::Map(entries))) => {
                for (key, value) in entries {
                    args.extend(self.template(value, "a parameter's value", in_item).map(|t| (key.name.clone(), t)));
                }
            }
            Some((n, _)) => self.wrong_type(n, "parameters (a mapping of name: value)"),
            None => {}
        }
        let (params, steps) = self.steps_file(&path, &source)?;
        for (name, _) in &args {
            if !params.contains(name) {
                let names: Vec<&str> = params.iter().map(String::as_str).collect();
                let hint = did_you_mean(name, &names).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                let pos = key_position(with, name).unwrap_or(node.pos);
                self.d.error(pos, name.chars().count(), format!("`{relative}` has no parameter `{name}`{hint}"));
            }
        }
        for param in &params {
            if !args.iter().any(|(n, _)| n == param) {
                self.d.error(file_node.pos, width, format!("`{relative}` needs the parameter `{param}` under `with:`"));
            }
        }
        Some(Action::Use { file: PathBuf::from(relative), args, steps })
    }

    /// Validates a steps file (`params:` and `steps:`) with its own names.
    fn steps_file(&mut self, path: &Path, source: &str) -> Option<(Vec<String>, Vec<Step>)> {
        let mut sub = Validator::new(path, source);
        sub.roots = self.roots.clone();
        sub.using = self.using.clone();
        sub.using.push(path.to_path_buf());
        let parsed = match yaml::parse(source) {
            Ok(tree) => sub.steps_file_tree(&tree),
            Err(e) => {
                sub.d.error(e.pos, 1, format!("invalid YAML: {}", e.message));
                None
            }
        };
        let failed = !sub.d.is_empty();
        self.d.list.append(&mut sub.d.list);
        if failed { None } else { parsed }
    }

    fn steps_file_tree(&mut self, tree: &Node) -> Option<(Vec<String>, Vec<Step>)> {
        let f = self.mapping(
            tree,
            &["description", "params", "steps"],
            "a steps file (a mapping with `params` and `steps`)",
        )?;
        // Parameters become variables inside the file, so they are named like them.
        let params: Vec<String> = f
            .get("params")
            .map(|n| self.string_list(n, "parameter names"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, pos)| self.var_name(&Node { value: Value::Str(name), pos }))
            .collect();
        let steps = match f.get("steps") {
            Some(n) => self.steps(n, false),
            None => {
                self.d.error(tree.pos, 1, "a steps file needs `steps:`");
                Vec::new()
            }
        };
        let mut known: Vec<String> = params.clone();
        crate::robot::step::walk(&steps, &mut |step| known.extend(step.defines().into_iter().map(String::from)));
        let known: Vec<&str> = known.iter().map(String::as_str).chain(BUILTINS.iter().copied()).collect();
        for r in std::mem::take(&mut self.refs) {
            let width = r.name.chars().count() + 3;
            let head = r.name.split('.').next().unwrap_or_default();
            match r.namespace {
                Namespace::Var if !known.contains(&r.name.as_str()) && !known.contains(&head) => {
                    let hint = did_you_mean(head, &known).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    self.d.error(r.pos, width, format!("unknown parameter or variable `{head}`{hint}"));
                }
                Namespace::Secret | Namespace::Item => {
                    self.d.error(
                        r.pos,
                        width,
                        "a steps file gets secrets and item fields as parameters: declare one under `params:`",
                    );
                }
                _ => {}
            }
        }
        Some((params, steps))
    }
}

/// Where the key `name` is written in a mapping node.
fn key_position(node: Option<&Node>, name: &str) -> Option<Pos> {
    match &node?.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| k.name == name).map(|(k, _)| k.pos),
        _ => None,
    }
}
