//! The values `${...}` references see during a run.

use std::collections::HashMap;

use crate::redact::Secret;
use crate::robot::expr::{Namespace, RenderError, Scope};

#[derive(Debug, Default)]
pub(crate) struct RunScope {
    pub vars: HashMap<String, String>,
    /// The current item's fields, by header name.
    pub item: Option<Vec<(String, String)>>,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, Secret>,
    pub builtins: HashMap<String, String>,
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
