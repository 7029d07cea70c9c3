//! `${...}` interpolation: templates are parsed when the robot is validated and
//! rendered against a scope while it runs.
//!
//! `${name}` is a variable, `${item.Field}` a field of the current item,
//! `${env.NAME}` an environment variable, `${secrets.NAME}` a declared secret,
//! and `${today}`, `${now}`, `${run.id}`, `${robot.name}` are built in.
//! `$${` writes a literal `${`.

use std::collections::HashMap;

use thiserror::Error;

/// Transforms a reference may pass its value through: `${pnr | trim | personnummer}`.
pub const TRANSFORMS: &[&str] = &["trim", "upper", "lower", "digits", "personnummer"];

/// The built-in names, usable as `${today}` and so on.
pub const BUILTINS: &[&str] = &["today", "now", "run.id", "robot.name", "cursor"];

/// A parsed template: literal text and references, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Ref(Reference),
}

/// One `${...}` reference and the character offset of its `$` in the source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub namespace: Namespace,
    pub name: String,
    pub offset: usize,
    /// Applied in order to the value.
    pub transforms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Var,
    Item,
    Env,
    Secret,
    Builtin,
}

/// A template that cannot be parsed, with the character offset of the problem.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{message}")]
pub struct TemplateError {
    pub offset: usize,
    pub width: usize,
    pub message: String,
}

impl Template {
    /// A template of literal text only.
    pub fn literal(text: &str) -> Self {
        Self { parts: vec![Part::Literal(text.to_string())] }
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '$' && chars.get(i + 1) == Some(&'$') && chars.get(i + 2) == Some(&'{') {
                literal.push_str("${");
                i += 3;
            } else if chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
                let Some(close) = chars[i + 2..].iter().position(|c| *c == '}') else {
                    return Err(TemplateError {
                        offset: i,
                        width: chars.len() - i,
                        message: "`${` is not closed by `}`".into(),
                    });
                };
                let inner: String = chars[i + 2..i + 2 + close].iter().collect();
                let reference = parse_reference(inner.trim(), i, close + 3)?;
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Ref(reference));
                i += close + 3;
            } else {
                literal.push(chars[i]);
                i += 1;
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Self { parts })
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Literal(_) => None,
        })
    }

    /// Whether the rendered text may contain a secret.
    pub fn uses_secrets(&self) -> bool {
        self.references().any(|r| r.namespace == Namespace::Secret)
    }

    pub fn render(&self, scope: &dyn Scope) -> Result<String, RenderError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Ref(r) => {
                    let mut value = scope.lookup(r.namespace, &r.name)?;
                    for t in &r.transforms {
                        value = apply(t, value);
                    }
                    out.push_str(&value);
                }
            }
        }
        Ok(out)
    }

    /// The template as written, with references in `${...}` form (for logs).
    pub fn source(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(&text.replace("${", "$${")),
                Part::Ref(r) => {
                    let prefix = match r.namespace {
                        Namespace::Var | Namespace::Builtin => "",
                        Namespace::Item => "item.",
                        Namespace::Env => "env.",
                        Namespace::Secret => "secrets.",
                    };
                    let transforms: String = r.transforms.iter().map(|t| format!(" | {t}")).collect();
                    out.push_str(&format!("${{{prefix}{}{transforms}}}", r.name));
                }
            }
        }
        out
    }
}

/// One transform applied to a value.
fn apply(transform: &str, value: String) -> String {
    match transform {
        "trim" => value.trim().to_string(),
        "upper" => value.to_uppercase(),
        "lower" => value.to_lowercase(),
        "digits" => value.chars().filter(char::is_ascii_digit).collect(),
        // A personnummer in the 12-digit form; anything else stays as it was.
        "personnummer" => {
            crate::robot::checks::personnummer(&value, chrono::Local::now().date_naive()).unwrap_or(value)
        }
        _ => value,
    }
}

fn parse_reference(whole: &str, offset: usize, width: usize) -> Result<Reference, TemplateError> {
    let error = |message: String| TemplateError { offset, width, message };
    let mut pieces = whole.split('|').map(str::trim);
    let inner = pieces.next().unwrap_or_default();
    let mut transforms = Vec::new();
    for t in pieces {
        if !TRANSFORMS.contains(&t) {
            let hint = crate::robot::diagnostic::did_you_mean(t, TRANSFORMS)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            let known = TRANSFORMS.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
            return Err(error(format!("unknown transform `{t}`{hint} (expected one of {known})")));
        }
        transforms.push(t.to_string());
    }
    let mut reference = parse_name(inner, offset, width)?;
    reference.transforms = transforms;
    Ok(reference)
}

fn parse_name(inner: &str, offset: usize, width: usize) -> Result<Reference, TemplateError> {
    let error = |message: String| TemplateError { offset, width, message };
    if inner.is_empty() {
        return Err(error("empty `${}`: expected a variable name".into()));
    }
    if BUILTINS.contains(&inner) {
        return Ok(Reference { namespace: Namespace::Builtin, name: inner.into(), offset, transforms: Vec::new() });
    }
    let (namespace, name) = match inner.split_once('.') {
        Some(("item", name)) => (Namespace::Item, name),
        Some(("env", name)) => (Namespace::Env, name),
        Some(("secrets", name)) => (Namespace::Secret, name),
        Some((prefix, _)) => {
            let hint = crate::robot::diagnostic::did_you_mean(prefix, &["item", "env", "secrets"])
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(error(format!(
                "unknown namespace `{prefix}` in `${{{inner}}}`: expected `item.`, `env.` or `secrets.`{hint}"
            )));
        }
        None => (Namespace::Var, inner),
    };
    if name.is_empty() {
        return Err(error(format!("`${{{inner}}}` names nothing after the dot")));
    }
    Ok(Reference { namespace, name: name.to_string(), offset, transforms: Vec::new() })
}

/// Where references get their values while a robot runs.
pub trait Scope {
    fn lookup(&self, namespace: Namespace, name: &str) -> Result<String, RenderError>;
}

/// A value a template needed that was not there at run time.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    #[error("variable `{0}` has no value yet")]
    Var(String),
    #[error("the item has no field `{0}`")]
    ItemField(String),
    #[error("`${{item.{0}}}` is used outside of `items`")]
    NoItem(String),
    #[error("environment variable `{0}` is not set")]
    Env(String),
    #[error("secret `{0}` is not set: set NIGHTSHIFT_SECRET_{0} or a file `{0}` in the secrets dir")]
    Secret(String),
}

/// A plain scope over maps, used by tests and by `check`.
#[derive(Debug, Default)]
pub struct MapScope {
    pub vars: HashMap<String, String>,
    pub item: Option<HashMap<String, String>>,
    pub env: HashMap<String, String>,
    pub secrets: HashMap<String, String>,
    pub builtins: HashMap<String, String>,
}

impl Scope for MapScope {
    fn lookup(&self, namespace: Namespace, name: &str) -> Result<String, RenderError> {
        let found = match namespace {
            Namespace::Var => self.vars.get(name).ok_or_else(|| RenderError::Var(name.into())),
            Namespace::Item => match &self.item {
                Some(item) => item.get(name).ok_or_else(|| RenderError::ItemField(name.into())),
                None => Err(RenderError::NoItem(name.into())),
            },
            Namespace::Env => self.env.get(name).ok_or_else(|| RenderError::Env(name.into())),
            Namespace::Secret => self.secrets.get(name).ok_or_else(|| RenderError::Secret(name.into())),
            Namespace::Builtin => self.builtins.get(name).ok_or_else(|| RenderError::Var(name.into())),
        };
        found.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_namespace() {
        let t = Template::parse("${base}/errands/${item.Ärende}?u=${env.USER}&p=${secrets.PW} ${today}").unwrap();
        let mut scope = MapScope::default();
        scope.vars.insert("base".into(), "http://x".into());
        scope.item = Some([("Ärende".to_string(), "17".to_string())].into());
        scope.env.insert("USER".into(), "robot".into());
        scope.secrets.insert("PW".into(), "hemligt".into());
        scope.builtins.insert("today".into(), "2026-11-23".into());
        assert_eq!(t.render(&scope).unwrap(), "http://x/errands/17?u=robot&p=hemligt 2026-11-23");
        assert!(t.uses_secrets());
    }

    #[test]
    fn transforms_apply_in_order() {
        let t = Template::parse("${name | trim | upper}/${pnr | personnummer}/${tel | digits}").unwrap();
        let mut scope = MapScope::default();
        scope.vars.insert("name".into(), "  åsa öberg ".into());
        scope.vars.insert("pnr".into(), "811218-9876".into());
        scope.vars.insert("tel".into(), "070-123 45 67".into());
        assert_eq!(t.render(&scope).unwrap(), "ÅSA ÖBERG/19811218-9876/0701234567");
        assert_eq!(t.source(), "${name | trim | upper}/${pnr | personnummer}/${tel | digits}");
        let err = Template::parse("${name | uper}").unwrap_err();
        assert!(err.message.starts_with("unknown transform `uper`; did you mean `upper`?"), "{}", err.message);
    }

    #[test]
    fn escaped_dollar_is_literal() {
        let t = Template::parse("cost $${x} ${y}").unwrap();
        let mut scope = MapScope::default();
        scope.vars.insert("y".into(), "1".into());
        assert_eq!(t.render(&scope).unwrap(), "cost ${x} 1");
        assert_eq!(t.source(), "cost $${x} ${y}");
    }

    #[test]
    fn unclosed_and_unknown_namespaces_are_errors() {
        let err = Template::parse("a ${b").unwrap_err();
        assert_eq!((err.offset, err.message.as_str()), (2, "`${` is not closed by `}`"));
        let err = Template::parse("${itme.x}").unwrap_err();
        assert_eq!(
            err.message,
            "unknown namespace `itme` in `${itme.x}`: expected `item.`, `env.` or `secrets.`; did you mean `item`?"
        );
    }

    #[test]
    fn missing_values_name_what_is_missing() {
        let t = Template::parse("${secrets.PW}").unwrap();
        let err = t.render(&MapScope::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret `PW` is not set: set NIGHTSHIFT_SECRET_PW or a file `PW` in the secrets dir"
        );
    }
}
