//! The values `${...}` references see during a run.

use std::collections::HashMap;

use crate::robot::expr::{Namespace, RenderError, Scope};

#[derive(Debug, Default)]
pub struct RunScope {
    pub vars: HashMap<String, String>,
    /// The current item's fields, by header name.
    pub item: Option<Vec<(String, String)>>,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, String>,
    pub builtins: HashMap<String, String>,
}

impl Scope for RunScope {
    fn lookup(&self, namespace: Namespace, name: &str) -> Result<String, RenderError> {
        match namespace {
            Namespace::Var => self.vars.get(name).cloned().ok_or_else(|| RenderError::Var(name.into())),
            Namespace::Item => match &self.item {
                Some(fields) => fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| RenderError::ItemField(name.into())),
                None => Err(RenderError::NoItem(name.into())),
            },
            Namespace::Env => self.env.get(name).cloned().ok_or_else(|| RenderError::Env(name.into())),
            Namespace::Secret => self.secrets.get(name).cloned().ok_or_else(|| RenderError::Secret(name.into())),
            Namespace::Builtin => self.builtins.get(name).cloned().ok_or_else(|| RenderError::Var(name.into())),
        }
    }
}
