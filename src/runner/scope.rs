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
                None => json_field(&self.vars, name),
            },
            Namespace::Item => match &self.item {
                Some(fields) => fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| RenderError::ItemField(name.into())),
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

/// `row.Kurs`, `answer.items.0.id`: a field inside a variable that holds JSON.
fn json_field(vars: &HashMap<String, String>, name: &str) -> Result<String, RenderError> {
    let mut path = name.split('.');
    let head = path.next().unwrap_or_default();
    let text = vars.get(head).ok_or_else(|| RenderError::Var(name.into()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| RenderError::Field(name.into(), head.into()))?;
    for key in path {
        let next = match &mut value {
            serde_json::Value::Object(map) => map.remove(key),
            serde_json::Value::Array(list) => {
                key.parse::<usize>().ok().filter(|i| *i < list.len()).map(|i| list.swap_remove(i))
            }
            _ => None,
        };
        value = next.ok_or_else(|| RenderError::Field(name.into(), head.into()))?;
    }
    Ok(crate::runner::source::json_text(value))
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
    }
}
