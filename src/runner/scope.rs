//! The values `${...}` references see during a run.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::privacy::secrets::Secret;
use crate::robot::expr::{Namespace, Reference, RenderError, Scope};

/// Values derived from secrets shorter than this are not masked: masking
/// every `a` or `1` in the log would hide more than it protects.
pub(crate) const SHORTEST_DERIVED: usize = 4;

#[derive(Debug, Default)]
pub(crate) struct RunScope {
    pub vars: HashMap<String, String>,
    /// The current item's fields, by header name.
    pub item: Option<Vec<(String, String)>>,
    /// Whether items come from XML, where a field one case lacks is that
    /// case's own (its e-service left the element out), not the robot's.
    pub xml_items: bool,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, Secret>,
    pub builtins: HashMap<String, String>,
    /// Variables holding a value derived from a secret: what they give is secret too.
    pub tainted: HashSet<String>,
    /// Values rendered from secrets (or tainted variables) since the runner
    /// last took them, to be masked like the secrets themselves.
    pub derived: Mutex<Vec<String>>,
}

impl RunScope {
    /// The values derived from secrets since the last call.
    pub(crate) fn take_derived(&self) -> Vec<String> {
        std::mem::take(&mut *self.derived.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many derived values wait to be taken (to tell whether rendering
    /// some templates touched a secret).
    pub(crate) fn derived_count(&self) -> usize {
        self.derived.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Records `value` as derived from a secret.
    pub(crate) fn derive(&self, value: &str) {
        if value.chars().count() >= SHORTEST_DERIVED {
            self.derived.lock().unwrap_or_else(|e| e.into_inner()).push(value.to_string());
        }
    }
}

impl Scope for RunScope {
    fn lookup(&self, namespace: Namespace, name: &str) -> Result<String, RenderError> {
        match namespace {
            Namespace::Var => match self.vars.get(name) {
                Some(value) => Ok(value.clone()),
                None => json_field(name, |head| self.vars.get(head).cloned())
                    .unwrap_or_else(|| Err(RenderError::Var(name.into()))),
            },
            // A field's own name first (a CSV header may hold a dot, as
            // `Org.nr` does), then a field inside one that holds JSON.
            Namespace::Item => match &self.item {
                Some(fields) => {
                    let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
                    let found = match field(name) {
                        Some(value) => Ok(value),
                        None => json_field(name, field).unwrap_or_else(|| Err(RenderError::ItemField(name.into()))),
                    };
                    match found {
                        Err(RenderError::ItemField(_) | RenderError::Field(..)) if self.xml_items => {
                            Err(RenderError::NoElement(name.into()))
                        }
                        found => found,
                    }
                }
                None => Err(RenderError::NoItem(name.into())),
            },
            Namespace::Env => self.env.get(name).cloned().ok_or_else(|| RenderError::Env(name.into())),
            Namespace::Secret => {
                self.secrets.get(name).map(|s| s.expose().to_string()).ok_or_else(|| RenderError::Secret(name.into()))
            }
            Namespace::Builtin => self.builtins.get(name).cloned().ok_or_else(|| RenderError::Var(name.into())),
        }
    }

    fn noted(&self, reference: &Reference, value: &str) {
        let secret = match reference.namespace {
            Namespace::Secret => true,
            Namespace::Var => self.tainted.contains(reference.name.split('.').next().unwrap_or_default()),
            _ => false,
        };
        if secret {
            self.derive(value);
        }
    }
}

/// `row.Kurs`, `answer.items.0.id`: a field inside a value that holds JSON,
/// the value named by the first part and found by `head`; `None` when there
/// is no such value.
fn json_field(name: &str, head: impl Fn(&str) -> Option<String>) -> Option<Result<String, RenderError>> {
    let mut path = name.split('.');
    let first = path.next().unwrap_or_default();
    let text = head(first)?;
    let wrong = || RenderError::Field(name.into(), first.into());
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&text) else { return Some(Err(wrong())) };
    for key in path {
        let next = match &mut value {
            serde_json::Value::Object(map) => map.remove(key),
            serde_json::Value::Array(list) => {
                key.parse::<usize>().ok().filter(|i| *i < list.len()).map(|i| list.swap_remove(i))
            }
            _ => None,
        };
        let Some(next) = next else { return Some(Err(wrong())) };
        value = next;
    }
    Some(Ok(crate::runner::source::json_text(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_read_json_fields() {
        let mut scope = RunScope::default();
        scope.vars.insert("row".into(), r#"{"Kurs":"Gitarr","Platser":0,"tags":["a","b"]}"#.into());
        scope.vars.insert("plain".into(), "text".into());
        let get = |name: &str| scope.lookup(Namespace::Var, name);
        assert_eq!(get("row.Kurs").unwrap(), "Gitarr");
        assert_eq!(get("row.Platser").unwrap(), "0");
        assert_eq!(get("row.tags.1").unwrap(), "b");
        assert_eq!(
            get("row.Saknas").unwrap_err().to_string(),
            "`${row.Saknas}` has no value: `row` holds no such field"
        );
        assert!(get("plain.x").is_err());
        assert_eq!(get("nothing.x").unwrap_err(), RenderError::Var("nothing.x".into()));

        scope.item = Some(vec![
            ("Org.nr".into(), "556677-8899".into()),
            ("files".into(), r#"[{"name":"a.pdf","content":"QQ=="}]"#.into()),
        ]);
        let field = |name: &str| scope.lookup(Namespace::Item, name);
        assert_eq!(field("Org.nr").unwrap(), "556677-8899", "a dotted header is a field of its own");
        assert_eq!(field("files.0.name").unwrap(), "a.pdf");
        assert_eq!(field("files.1.name").unwrap_err(), RenderError::Field("files.1.name".into(), "files".into()));
        assert_eq!(field("Namn.x").unwrap_err(), RenderError::ItemField("Namn.x".into()));
    }
}
