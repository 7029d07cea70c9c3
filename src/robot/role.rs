//! `role:` locators as written (`button[name="Spara"]`,
//! `checkbox[name*="Samtycke"][checked=false]`, `heading[level=2]`) and
//! their parsed form, which the browser's element-finding engine applies.

use serde::Serialize;

use crate::files::diagnostic::did_you_mean;

/// The ARIA roles a `role:` locator may name.
pub(crate) const ROLES: &[&str] = &[
    "alert",
    "alertdialog",
    "application",
    "article",
    "banner",
    "blockquote",
    "button",
    "caption",
    "cell",
    "checkbox",
    "code",
    "columnheader",
    "combobox",
    "complementary",
    "contentinfo",
    "definition",
    "deletion",
    "dialog",
    "document",
    "emphasis",
    "feed",
    "figure",
    "form",
    "generic",
    "grid",
    "gridcell",
    "group",
    "heading",
    "img",
    "insertion",
    "link",
    "list",
    "listbox",
    "listitem",
    "log",
    "main",
    "marquee",
    "math",
    "menu",
    "menubar",
    "menuitem",
    "menuitemcheckbox",
    "menuitemradio",
    "meter",
    "navigation",
    "note",
    "option",
    "paragraph",
    "progressbar",
    "radio",
    "radiogroup",
    "region",
    "row",
    "rowgroup",
    "rowheader",
    "scrollbar",
    "search",
    "searchbox",
    "separator",
    "slider",
    "spinbutton",
    "status",
    "strong",
    "switch",
    "tab",
    "table",
    "tablist",
    "tabpanel",
    "term",
    "textbox",
    "time",
    "timer",
    "toolbar",
    "tooltip",
    "tree",
    "treegrid",
    "treeitem",
];

/// The states a role's element can be asked for, each `true` or `false`
/// (`checked` also `mixed`); `[checked]` alone means `true`.
const STATES: &[&str] = &["checked", "selected", "disabled", "expanded", "pressed"];

/// A parsed `role:` locator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleQuery {
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<NameMatch>,
    /// Asked-for states, as `(state, "true" | "false" | "mixed")`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// Hidden elements count too (they are left out unless asked).
    pub hidden: bool,
}

/// How the accessible name must read (whitespace collapsed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameMatch {
    /// `name="..."`: exactly this.
    Is(String),
    /// `name*="..."`: contains this.
    Has(String),
    /// `name=/.../flags`: a JavaScript regular expression.
    Pattern { source: String, flags: String },
}

/// Parses the text after `role:`; the error says what was expected where.
pub(crate) fn parse(text: &str) -> Result<RoleQuery, String> {
    let text = text.trim();
    let end = text.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(text.len());
    let (role, mut rest) = text.split_at(end);
    if role.is_empty() {
        return Err(format!("`role:{text}` does not start with a role such as `button` or `textbox`"));
    }
    if !ROLES.contains(&role) {
        let hint = did_you_mean(role, ROLES).map(|r| format!("; did you mean `{r}`?")).unwrap_or_default();
        return Err(format!("`{role}` is not an ARIA role{hint}"));
    }
    let mut query = RoleQuery { role: role.to_string(), name: None, states: Vec::new(), level: None, hidden: false };
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(query);
        }
        let Some(inner) = rest.strip_prefix('[') else {
            return Err(format!("expected `[` or the end of the locator after `role:{role}`, found `{rest}`"));
        };
        let (filter, after) = bracketed(inner).ok_or_else(|| format!("`[{inner}` has no closing `]`"))?;
        apply(&mut query, filter.trim())?;
        rest = after;
    }
}

/// The text up to the `]` that closes a filter (one in quotes or a pattern
/// does not), and what follows it.
fn bracketed(text: &str) -> Option<(&str, &str)> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '/') => quote = Some(c),
            (None, ']') => return Some((&text[..i], &text[i + 1..])),
            (None, _) => {}
        }
    }
    None
}

/// Adds one `[...]` filter to the query.
fn apply(query: &mut RoleQuery, filter: &str) -> Result<(), String> {
    let split = filter.find(|c: char| !(c.is_ascii_lowercase() || c == '-')).unwrap_or(filter.len());
    let (attribute, rest) = filter.split_at(split);
    let rest = rest.trim_start();
    let (contains, value) = match rest {
        "" => (false, None),
        _ if rest.starts_with("*=") => (true, Some(rest[2..].trim())),
        _ if rest.starts_with('=') => (false, Some(rest[1..].trim())),
        _ => return Err(format!("expected `=` or `*=` after `{attribute}` in `[{filter}]`")),
    };
    match (attribute, value) {
        ("name", Some(value)) => {
            query.name = Some(if let Some(pattern) = value.strip_prefix('/').filter(|_| !contains) {
                let (source, flags) =
                    pattern.rsplit_once('/').ok_or_else(|| format!("the pattern `{value}` has no closing `/`"))?;
                if let Some(bad) = flags.chars().find(|c| !"dimsuv".contains(*c)) {
                    return Err(format!("`{bad}` is not a flag of a pattern (they are d, i, m, s, u and v)"));
                }
                NameMatch::Pattern { source: source.replace("\\/", "/"), flags: flags.to_string() }
            } else {
                let text = quoted(value)?;
                if contains { NameMatch::Has(text) } else { NameMatch::Is(text) }
            });
        }
        ("name", None) => return Err("`[name]` needs a value: `[name=\"Spara\"]`".into()),
        ("level", Some(value)) if !contains => {
            let level = value.parse::<u8>().ok().filter(|l| (1..=6).contains(l));
            query.level = Some(level.ok_or_else(|| format!("`level` is a heading level from 1 to 6, not `{value}`"))?);
        }
        ("hidden", value) if !contains => query.hidden = truth(attribute, value.unwrap_or("true"), false)? == "true",
        (state, value) if STATES.contains(&state) && !contains => {
            let value = truth(state, value.unwrap_or("true"), state == "checked")?;
            query.states.push((state.to_string(), value));
        }
        (attribute, _) => {
            let known = ["name", "level", "hidden"].iter().chain(STATES).copied().collect::<Vec<_>>();
            let hint = did_you_mean(attribute, &known).map(|k| format!("; did you mean `{k}`?")).unwrap_or_default();
            return Err(format!("`[{filter}]` is not a filter of `role:` (they are {}){hint}", known.join(", ")));
        }
    }
    Ok(())
}

/// `true`, `false` (or `mixed`, where `mixed` is allowed), quoted or not.
fn truth(attribute: &str, value: &str, mixed: bool) -> Result<String, String> {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    match value {
        "true" | "false" => Ok(value.to_string()),
        "mixed" if mixed => Ok(value.to_string()),
        _ => Err(format!("`{attribute}` is true or false{}, not `{value}`", if mixed { " or mixed" } else { "" })),
    }
}

/// The text of a `"..."` or `'...'` value, its `\` escapes undone.
fn quoted(value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let Some(quote @ ('"' | '\'')) = chars.next() else {
        return Err(format!(
            "expected a quoted name such as `\"Spara\"` or a pattern such as `/Spara/i`, found `{value}`"
        ));
    };
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.extend(chars.next()),
            c if c == quote => {
                let rest = chars.as_str().trim();
                return if rest.is_empty() { Ok(text) } else { Err(format!("unexpected `{rest}` after the name")) };
            }
            c => text.push(c),
        }
    }
    Err(format!("the name {value} has no closing {quote}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_states_levels_and_patterns() {
        let q = parse(r#"button[name="Spara \"nu\""]"#).unwrap();
        assert_eq!((q.role.as_str(), q.name), ("button", Some(NameMatch::Is("Spara \"nu\"".into()))));
        let q = parse("checkbox[name*='Samtycke'][checked=false]").unwrap();
        assert_eq!(q.name, Some(NameMatch::Has("Samtycke".into())));
        assert_eq!(q.states, vec![("checked".to_string(), "false".to_string())]);
        let q = parse("link[name=/nästa ]sida/i]").unwrap();
        assert_eq!(q.name, Some(NameMatch::Pattern { source: "nästa ]sida".into(), flags: "i".into() }));
        let q = parse("heading[level=2][hidden]").unwrap();
        assert_eq!((q.level, q.hidden), (Some(2), true));
        assert_eq!(parse("row[name*=\"2026-7302\"]").unwrap().name, Some(NameMatch::Has("2026-7302".into())));
    }

    #[test]
    fn says_what_is_wrong_and_suggests_the_role_meant() {
        let wrong = |text: &str| parse(text).unwrap_err();
        assert_eq!(wrong("buton"), "`buton` is not an ARIA role; did you mean `button`?");
        assert!(wrong("button[name=Spara]").contains("expected a quoted name"), "{}", wrong("button[name=Spara]"));
        assert!(wrong("button[name=\"Spara\"").contains("no closing `]`"));
        assert!(wrong("heading[level=9]").contains("from 1 to 6"));
        assert!(wrong("checkbox[checked=ja]").contains("true or false or mixed"));
        assert!(wrong("button[nmae=\"x\"]").contains("did you mean `name`?"), "{}", wrong("button[nmae=\"x\"]"));
        assert!(wrong("button x").contains("expected `[`"));
        assert!(wrong("[name=\"x\"]").contains("does not start with a role"));
        assert!(wrong("link[name=/x/q]").contains("`q` is not a flag"));
    }
}
