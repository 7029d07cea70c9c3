//! The keys of the steps that hold steps or end a case, checked into their actions.

use crate::files::yaml::{Node, Pos, Value};
use crate::robot::expr::Namespace;
use crate::robot::step::Action;
use crate::robot::validate::{Fields, SeenRef, Validator};

impl Validator<'_> {
    pub(super) fn if_step(&mut self, pos: Pos, node: &Node, fields: &Fields<'_>, in_item: bool) -> Option<Action> {
        let condition = self.condition(node, in_item);
        let then = fields.get("then").map(|n| self.steps(n, in_item));
        let otherwise = fields.get("else").map(|n| self.steps(n, in_item));
        if then.is_none() && otherwise.is_none() {
            self.d.error(pos, 2, "`if` needs `then:` (the steps to run when the condition holds) or `else:`");
            return None;
        }
        Some(Action::If {
            condition: condition?,
            then: then.unwrap_or_default(),
            otherwise: otherwise.unwrap_or_default(),
        })
    }

    pub(super) fn assert_step(&mut self, node: &Node, fields: &Fields<'_>, in_item: bool) -> Option<Action> {
        let condition = self.condition(node, in_item);
        let message = fields.get("message").and_then(|n| self.template(n, "what the failure says", in_item));
        Some(Action::Assert { condition: condition?, message })
    }

    pub(super) fn skip_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Skip { message: self.template(node, "why the case is already done", in_item)? })
    }

    pub(super) fn fail_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Fail { message: self.template(node, "a message for the case officer", in_item)? })
    }

    pub(super) fn log_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Log { message: self.template(node, "a message", in_item)? })
    }

    pub(super) fn for_each_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["in", "as", "steps"], "a mapping with `in`, `as` and `steps`")?;
        let list = self.required(node, &f, "in", keyword).and_then(|n| self.list_path(n, in_item));
        let name = self.required(node, &f, "as", keyword).and_then(|n| self.var_name(n));
        let steps = self.required(node, &f, "steps", keyword).map(|n| self.steps(n, in_item));
        Some(Action::ForEach { list: list?, name: name?, steps: steps? })
    }

    /// What `for_each` walks: a variable (`rows`), a list inside one
    /// (`order.row`), or inside the case's fields (`item.Values.period`).
    fn list_path(&mut self, node: &Node, in_item: bool) -> Option<String> {
        let path = self.string(node, "a variable holding a list")?;
        let (namespace, name) = match path.split_once('.') {
            Some(("item", rest)) if !rest.is_empty() => (Namespace::Item, rest.to_string()),
            Some((head, rest)) if !rest.is_empty() && !rest.split('.').any(str::is_empty) => {
                self.var_name(&Node { value: Value::Str(head.to_string()), ..node.clone() })?;
                (Namespace::Var, path.clone())
            }
            Some(_) => {
                let message = format!("`{path}` is not a path: names joined by single dots, as `order.row`");
                self.d.error(node.pos, path.chars().count(), message);
                return None;
            }
            None => (Namespace::Var, self.var_name(node)?),
        };
        self.refs.push(SeenRef { namespace, name, pos: node.pos, in_item });
        Some(path)
    }

    pub(super) fn retry_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["times", "pause", "steps"], "a mapping with `times` and `steps`")?;
        let times = self.required(node, &f, "times", keyword).and_then(|n| self.count(n, "tries in all", 1));
        let pause = f.get("pause").and_then(|n| self.duration(n)).unwrap_or_default();
        let steps = self.required(node, &f, "steps", keyword).map(|n| self.steps(n, in_item));
        Some(Action::Retry { times: times?, pause, steps: steps? })
    }

    pub(super) fn use_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        self.use_file(node, in_item)
    }
}
