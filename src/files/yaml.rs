//! A YAML document as a tree of nodes that remember where they stand in the file.
//!
//! serde stops at the first error, but `nightshift check` reports every error in
//! one pass. So the file is first read into this position-keeping tree (through
//! serde-saphyr's `Spanned`), and `validate` walks the tree collecting errors.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Options, Spanned};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }

    /// The position `offset` characters to the right on the same line.
    pub fn shifted(self, offset: usize) -> Self {
        Self { line: self.line, column: self.column + offset as u32 }
    }
}

/// A node of the tree with its position (where the value starts).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The value of a node. Map keys are always strings in robot files.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A map key and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub pos: Pos,
}

impl Value {
    /// What kind of value this is, as a user would call it in an error message.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The scalar as text (numbers and booleans as written), or `None` for
    /// null, lists and mappings.
    pub(crate) fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Reads a whole document into a tree. An empty document is `Value::Null`.
pub(crate) fn parse(source: &str) -> Result<Node, SyntaxError> {
    if source.trim().is_empty() {
        return Ok(Node { value: Value::Null, pos: Pos::new(1, 1) });
    }
    let mut options = Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<SpannedNode>(source, options).map(|n| n.0).map_err(|e| {
        let pos = e.location().map(|l| Pos::new(l.line() as u32, l.column() as u32));
        SyntaxError { pos: pos.unwrap_or(Pos::new(1, 1)), message: syntax_message(&e.to_string()) }
    })
}

/// serde-saphyr prefixes its messages with `error: line N column M:`; the
/// diagnostic prints the position itself.
fn syntax_message(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let rest = first.strip_prefix("error: ").unwrap_or(first);
    let message = match rest.find(": ") {
        Some(i) if rest.starts_with("line ") => &rest[i + 2..],
        _ => rest,
    };
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    own_words(message)
}

/// The parser's texts that speak of its own options, in words for the
/// person who wrote the file.
fn own_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest).trim();
        return format!("`{key}` is given twice in this mapping");
    }
    if message.starts_with("multiple YAML documents detected") {
        return "a file holds one YAML document, and this one has another after `---`".into();
    }
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        if let Some(depth) = rest.strip_prefix("Depth { depth: ").and_then(|d| d.strip_suffix(" }")) {
            return format!(
                "values are nested {depth} levels deep; nightshift reads at most {}",
                depth.parse::<u32>().map_or(64, |d| d.saturating_sub(1))
            );
        }
        return "the file is too large or too deeply nested to read".into();
    }
    message.to_string()
}

struct SpannedNode(Node);

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        let pos = Pos::new(spanned.referenced.line() as u32, spanned.referenced.column() as u32);
        Ok(SpannedNode(Node { value: spanned.value, pos }))
    }
}

struct SpannedKey(Key);

impl<'de> Deserialize<'de> for SpannedKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<KeyText>::deserialize(d)?;
        let pos = Pos::new(spanned.referenced.line() as u32, spanned.referenced.column() as u32);
        Ok(SpannedKey(Key { name: spanned.value.0, pos }))
    }
}

struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(|v| KeyText(v.as_text().unwrap_or_default()))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(SpannedNode(node)) = seq.next_element()? {
            items.push(node);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((SpannedKey(key), SpannedNode(node))) = map.next_entry()? {
            entries.push((key, node));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_their_positions() {
        let tree = parse("name: x\nsteps:\n  - goto: http://a\n").unwrap();
        let Value::Map(entries) = tree.value else { panic!("expected a map") };
        assert_eq!(entries[0].0.name, "name");
        assert_eq!(entries[1].0.pos, Pos::new(2, 1));
        let Value::Seq(steps) = &entries[1].1.value else { panic!("expected a list") };
        let Value::Map(step) = &steps[0].value else { panic!("expected a map") };
        assert_eq!(step[0].0.pos, Pos::new(3, 5));
        assert_eq!(step[0].1.pos, Pos::new(3, 11));
    }

    #[test]
    fn yaml_1_1_booleans_and_leading_zeros_stay_strings() {
        let tree = parse("a: yes\nb: 0012\nn: 1\n").unwrap();
        let Value::Map(entries) = tree.value else { panic!("expected a map") };
        assert_eq!(entries[0].1.value, Value::Str("yes".into()));
        assert_eq!(entries[1].1.value, Value::Str("0012".into()));
        assert_eq!(entries[2].0.name, "n");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1,\nb: 2\n").unwrap_err();
        assert_eq!(err.pos, Pos::new(1, 4));
        assert_eq!(err.message, "unclosed bracket '['");
        let twice = parse("name: x\nname: y\n").unwrap_err();
        assert_eq!(twice.message, "`name` is given twice in this mapping");
        let two = parse("- a\n---\n- b\n").unwrap_err();
        assert_eq!(two.message, "a file holds one YAML document, and this one has another after `---`");
        let deep = parse(&format!("a: {}{}\n", "[".repeat(70), "]".repeat(70))).unwrap_err();
        assert!(deep.message.starts_with("values are nested"), "{}", deep.message);
    }
}
