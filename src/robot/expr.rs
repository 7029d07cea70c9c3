//! `${...}` interpolation: templates are parsed when the robot is validated and
//! rendered against a scope while it runs.
//!
//! `${name}` is a variable, `${item.Field}` a field of the current item,
//! `${env.NAME}` an environment variable, `${secrets.NAME}` a declared secret,
//! and `${today}`, `${now}`, `${run.id}`, `${run.dir}`, `${robot.name}` are
//! built in. `${row.Field}` reads a field of a variable holding JSON (a table
//! row, an HTTP answer). `$${` writes a literal `${`.

use thiserror::Error;

/// Transforms a reference may pass its value through, `${pnr | trim | personnummer}`,
/// with how many quoted arguments each takes (least, most).
pub(crate) const TRANSFORMS: &[(&str, usize, usize)] = &[
    ("trim", 0, 0),
    ("upper", 0, 0),
    ("lower", 0, 0),
    ("digits", 0, 0),
    ("personnummer", 0, 0),
    ("match", 1, 1),
    ("date", 1, 2),
    ("replace", 2, 2),
];

/// The built-in names, usable as `${today}` and so on.
pub(crate) const BUILTINS: &[&str] = &["today", "now", "run.id", "run.dir", "robot.name", "cursor"];

/// Date forms the `date` transform reads when it is given only the form to write.
const DATE_INPUTS: &[&str] = &["%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y"];

/// One transform and its arguments: `match "([0-9]+)"`, `date "%d.%m.%Y"`.
#[derive(Debug, Clone)]
pub struct Transform {
    pub name: String,
    pub args: Vec<String>,
    /// `match`'s pattern, compiled once when the robot is read.
    pattern: Option<regex::Regex>,
}

impl PartialEq for Transform {
    fn eq(&self, other: &Self) -> bool {
        // The pattern is made from the arguments.
        self.name == other.name && self.args == other.args
    }
}

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
    pub transforms: Vec<Transform>,
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
                let Some(close) = closing_brace(&chars[i + 2..]) else {
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

    /// The text, when the template holds no reference.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Ref(_) => return None,
            }
        }
        Some(out)
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
                    scope.noted(r, &value);
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
                    let transforms: String = r
                        .transforms
                        .iter()
                        .map(|t| {
                            let args: String =
                                t.args.iter().map(|a| format!(" \"{}\"", a.replace('"', "\\\""))).collect();
                            format!(" | {}{args}", t.name)
                        })
                        .collect();
                    out.push_str(&format!("${{{prefix}{}{transforms}}}", r.name));
                }
            }
        }
        out
    }
}

/// Where the `}` that closes a reference is: the first one outside quotes.
fn closing_brace(chars: &[char]) -> Option<usize> {
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if quoted => i += 1,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// One transform applied to a value.
fn apply(transform: &Transform, value: String) -> String {
    let arg = |n: usize| transform.args.get(n).map(String::as_str).unwrap_or_default();
    match transform.name.as_str() {
        // The first capture group (or the whole match); empty when nothing matches.
        "match" => transform
            .pattern
            .as_ref()
            .and_then(|re| {
                re.captures(&value).map(|c| c.get(1).or_else(|| c.get(0)).map_or("", |m| m.as_str()).to_string())
            })
            .unwrap_or_default(),
        "replace" => value.replace(arg(0), arg(1)),
        // Rewrites a date; a value that is not a date in the given (or a
        // common) form stays as it was, for `validate` to catch.
        "date" => {
            let (inputs, output) = match transform.args.as_slice() {
                [from, to] => (vec![from.as_str()], to.as_str()),
                _ => (DATE_INPUTS.to_vec(), arg(0)),
            };
            inputs
                .iter()
                .find_map(|form| chrono::NaiveDate::parse_from_str(value.trim(), form).ok())
                .map_or(value, |d| d.format(output).to_string())
        }
        other => apply_plain(other, value),
    }
}

fn apply_plain(transform: &str, value: String) -> String {
    match transform {
        "trim" => value.trim().to_string(),
        "upper" => value.to_uppercase(),
        "lower" => value.to_lowercase(),
        "digits" => value.chars().filter(char::is_ascii_digit).collect(),
        // A personnummer in the 12-digit form; anything else stays as it was.
        "personnummer" => {
            crate::privacy::personnummer::parse(&value, chrono::Local::now().date_naive()).unwrap_or(value)
        }
        _ => value,
    }
}

fn parse_reference(whole: &str, offset: usize, width: usize) -> Result<Reference, TemplateError> {
    let error = |message: String| TemplateError { offset, width, message };
    let pieces = split_outside_quotes(whole, '|');
    let inner = pieces.first().map(|p| p.trim()).unwrap_or_default();
    let mut transforms = Vec::new();
    for piece in pieces.iter().skip(1) {
        let transform = parse_transform(piece.trim()).map_err(&error)?;
        transforms.push(transform);
    }
    let mut reference = parse_name(inner, offset, width)?;
    reference.transforms = transforms;
    Ok(reference)
}

/// Splits at `sep` where it is not inside double quotes.
fn split_outside_quotes(text: &str, sep: char) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if c == sep && !quoted {
            pieces.push(String::new());
            continue;
        }
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
        if let Some(last) = pieces.last_mut() {
            last.push(c);
        }
    }
    pieces
}

/// `name "arg" "arg"`: a transform's name and its quoted arguments, checked.
fn parse_transform(text: &str) -> Result<Transform, String> {
    let name_end = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
    let (name, mut rest) = text.split_at(name_end);
    let names: Vec<&str> = TRANSFORMS.iter().map(|(n, _, _)| *n).collect();
    let Some((_, least, most)) = TRANSFORMS.iter().find(|(n, _, _)| *n == name) else {
        let hint = crate::files::diagnostic::did_you_mean(name, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        let known = names.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
        return Err(format!("unknown transform `{name}`{hint} (expected one of {known})"));
    };
    let mut args = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let Some(body) = rest.strip_prefix('"') else {
            return Err(format!("the arguments of `{name}` are written in double quotes: `{name} \"...\"`"));
        };
        let mut arg = String::new();
        let mut chars = body.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, '"')) => arg.push('"'),
                    Some((_, other)) => {
                        arg.push('\\');
                        arg.push(other);
                    }
                    None => arg.push('\\'),
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => arg.push(c),
            }
        }
        let Some(end) = end else { return Err(format!("an argument of `{name}` is missing its closing `\"`")) };
        args.push(arg);
        rest = &body[end + 1..];
    }
    if args.len() < *least || args.len() > *most {
        let wanted = if least == most { least.to_string() } else { format!("{least} or {most}") };
        return Err(format!("`{name}` takes {wanted} quoted argument(s), found {}", args.len()));
    }
    let mut pattern = None;
    match name {
        "match" => {
            let compiled = regex::Regex::new(&args[0]);
            pattern = Some(compiled.map_err(|e| format!("`match` has an invalid pattern: {}", first_line(&e)))?);
        }
        "date" => {
            for form in &args {
                let broken = chrono::format::StrftimeItems::new(form).any(|i| i == chrono::format::Item::Error);
                if broken {
                    return Err(format!("`{form}` is not a date form (use %Y, %m, %d, ...)"));
                }
            }
        }
        _ => {}
    }
    Ok(Transform { name: name.to_string(), args, pattern })
}

fn first_line(e: &regex::Error) -> String {
    e.to_string().lines().last().unwrap_or_default().trim().to_string()
}

fn parse_name(inner: &str, offset: usize, width: usize) -> Result<Reference, TemplateError> {
    let error = |message: String| TemplateError { offset, width, message };
    if inner.is_empty() {
        return Err(error("empty `${}`: expected a variable name".into()));
    }
    if BUILTINS.contains(&inner) {
        return Ok(Reference { namespace: Namespace::Builtin, name: inner.into(), offset, transforms: Vec::new() });
    }
    // Any other dotted name is a field of a variable holding JSON; whether
    // that variable exists is checked with the robot's other names.
    let (namespace, name) = match inner.split_once('.') {
        Some(("item", name)) => (Namespace::Item, name),
        Some(("env", name)) => (Namespace::Env, name),
        Some(("secrets", name)) => (Namespace::Secret, name),
        _ => (Namespace::Var, inner),
    };
    if name.is_empty() {
        return Err(error(format!("`${{{inner}}}` names nothing after the dot")));
    }
    Ok(Reference { namespace, name: name.to_string(), offset, transforms: Vec::new() })
}

/// Where references get their values while a robot runs.
pub trait Scope {
    fn lookup(&self, namespace: Namespace, name: &str) -> Result<String, RenderError>;

    /// Told each reference's value after its transforms, as a template is
    /// rendered (the run's scope keeps those derived from secrets).
    fn noted(&self, _reference: &Reference, _value: &str) {}
}

/// A value a template needed that was not there at run time.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    #[error("variable `{0}` has no value yet")]
    Var(String),
    #[error("`${{{0}}}` has no value: `{1}` holds no such field")]
    Field(String, String),
    #[error("the item has no field `{0}`")]
    ItemField(String),
    /// A field an XML case lacks: the e-service gave no element by that
    /// name for this case, so it is the case's business exception.
    #[error(
        "the case has no `{0}`: the e-service gave no XML element by that name (a field without an XML name, \
         or one left out)"
    )]
    NoElement(String),
    #[error("`${{item.{0}}}` is used outside of `items`")]
    NoItem(String),
    #[error("environment variable `{0}` is not set")]
    Env(String),
    #[error("secret `{0}` is not set: set NIGHTSHIFT_SECRET_{0} or a file `{0}` in the secrets dir")]
    Secret(String),
    /// A locator whose references gave text that is not a locator (why, in
    /// the words `check` uses for the same text written in the file).
    #[error("the locator `{written}` gave `{text}`, which is not a locator: {why}")]
    Locator { written: String, text: String, why: String },
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A plain scope over maps.
    #[derive(Debug, Default)]
    pub(super) struct MapScope {
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
    fn transforms_with_arguments_capture_reformat_and_replace() {
        let t = Template::parse(r#"${ref | match "Dnr (\d+)-(\d+)"}|${from | date "%d.%m.%Y"}|${us | date "%m/%d/%Y" "%Y-%m-%d"}|${x | replace "}" ")"}"#)
            .unwrap();
        let mut scope = MapScope::default();
        scope.vars.insert("ref".into(), "Ärende Dnr 2026-0042 inkom".into());
        scope.vars.insert("from".into(), "2026-12-01".into());
        scope.vars.insert("us".into(), "12/24/2026".into());
        scope.vars.insert("x".into(), "a}b".into());
        assert_eq!(t.render(&scope).unwrap(), "2026|01.12.2026|2026-12-24|a)b");
        // As written, and parsed back to the same.
        assert_eq!(Template::parse(&t.source()).unwrap(), t);
        scope.vars.insert("from".into(), "snart".into());
        scope.vars.insert("ref".into(), "inget nummer".into());
        assert_eq!(t.render(&scope).unwrap(), "|snart|2026-12-24|a)b");
    }

    #[test]
    fn bad_transform_arguments_are_errors() {
        let err = |t: &str| Template::parse(t).unwrap_err().message;
        assert_eq!(err(r#"${a | match}"#), "`match` takes 1 quoted argument(s), found 0");
        assert!(err(r#"${a | match "(unclosed"}"#).starts_with("`match` has an invalid pattern"));
        assert_eq!(err(r#"${a | date %Y}"#), "the arguments of `date` are written in double quotes: `date \"...\"`");
        assert_eq!(err(r#"${a | date "%Q"}"#), "`%Q` is not a date form (use %Y, %m, %d, ...)");
    }

    #[test]
    fn json_fields_of_variables() {
        let t = Template::parse("${row.Kurs} ${answer.case.id}").unwrap();
        let refs: Vec<_> = t.references().map(|r| (r.namespace, r.name.clone())).collect();
        assert_eq!(refs, [(Namespace::Var, "row.Kurs".to_string()), (Namespace::Var, "answer.case.id".to_string())]);
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
    fn unclosed_references_are_errors() {
        let err = Template::parse("a ${b").unwrap_err();
        assert_eq!((err.offset, err.message.as_str()), (2, "`${` is not closed by `}`"));
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
