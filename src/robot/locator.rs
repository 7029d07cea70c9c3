//! Locators as written in robot files (`css:`, `xpath:`, `text:`, `link:`,
//! `partial:`, `label:`, `id:`, `name:`, `placeholder:`, `alt:`, `title:`,
//! `testid:`, `role:`; plain text is CSS; parts chained with ` >> `) and
//! their translation into CSS, XPath, or a query for nightshift's own
//! element-finding engine in the page.

use std::fmt;

use serde::Serialize;

use crate::files::diagnostic::did_you_mean;
use crate::robot::expr::{RenderError, Scope, Template};
use crate::robot::role::{self, RoleQuery};
use crate::robot::selector_check::{check_css, check_xpath};

/// A selector: one of the two forms WebDriver understands, or a query that
/// nightshift's engine answers in the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Selector {
    #[serde(rename = "css")]
    Css(String),
    #[serde(rename = "xpath")]
    XPath(String),
    #[serde(rename = "query")]
    Query(Query),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Css(s) => write!(f, "css `{s}`"),
            Selector::XPath(s) => write!(f, "xpath `{s}`"),
            Selector::Query(q) => write!(f, "`{}`", q.written),
        }
    }
}

/// A locator the engine in the page answers: each part finds elements
/// within those the part before found, through open shadow roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    /// The locator as written, for messages.
    pub written: String,
    pub parts: Vec<Part>,
    /// An action fails when several elements match, unless an `nth` part
    /// ends the chain (the person-named locators); otherwise the first is taken.
    pub strict: bool,
}

/// One part of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Css(String),
    /// Evaluated from each element the part before found, keeping what lies inside it.
    XPath(String),
    Role(RoleQuery),
    /// A locator by a name or attribute (`text:`, `label:`, `id:`, ...):
    /// its XPath finds it in the page's own markup; where that finds
    /// nothing, the engine applies the same rule inside open shadow roots.
    Named {
        by: &'static str,
        value: String,
        xpath: String,
        /// For `testid:`, the robot's own test-id attribute, when it names one.
        #[serde(skip_serializing_if = "Option::is_none")]
        attribute: Option<String>,
    },
    /// One of the elements found so far, from 0; negative counts from the end.
    Nth(i64),
}

/// How a locator finds its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Css,
    XPath,
    /// An element whose visible text is exactly this (buttons and links first).
    Text,
    /// A link whose visible text is exactly this.
    Link,
    /// A link whose visible text contains this.
    PartialLink,
    /// The form field whose `<label>` text is exactly this.
    Label,
    Id,
    Name,
    /// A field whose placeholder text is exactly this.
    Placeholder,
    /// An element (an image, an image button) whose `alt` text is exactly this.
    Alt,
    /// An element whose `title` (its tooltip) is exactly this.
    Title,
    /// An element whose test id is exactly this: `data-testid`, `data-test`
    /// or `data-cy`, the attributes the common test tools use.
    TestId,
    /// An element by its ARIA role and accessible name: `button[name="Spara"]`.
    Role,
}

impl Strategy {
    /// Named as a person names things: several matches are a mistake, not a choice.
    fn person_named(self) -> bool {
        !matches!(self, Strategy::Css | Strategy::XPath | Strategy::Id | Strategy::Name)
    }
}

/// The prefixes a locator may start with, in the form `prefix:value`.
pub(crate) const PREFIXES: &[(&str, Strategy)] = &[
    ("css", Strategy::Css),
    ("xpath", Strategy::XPath),
    ("text", Strategy::Text),
    ("link", Strategy::Link),
    ("partial", Strategy::PartialLink),
    ("label", Strategy::Label),
    ("id", Strategy::Id),
    ("name", Strategy::Name),
    ("placeholder", Strategy::Placeholder),
    ("alt", Strategy::Alt),
    ("title", Strategy::Title),
    ("testid", Strategy::TestId),
    ("role", Strategy::Role),
];

/// What separates the parts of a chain: the next part looks within what the one before found.
pub(crate) const CHAIN: &str = " >> ";

#[derive(Debug, Clone, PartialEq)]
pub struct Locator {
    pub strategy: Strategy,
    pub value: Template,
    /// How many characters of the source text the prefix took (for positions).
    pub prefix_len: usize,
    /// Tried in order when this one finds nothing (a locator written as a list).
    pub fallbacks: Vec<Locator>,
}

impl Locator {
    /// Splits the strategy prefix off `text`; the rest is the template text.
    pub fn split(text: &str) -> (Strategy, &str, usize) {
        if let Some((prefix, rest)) = text.split_once(':')
            && let Some((_, strategy)) = PREFIXES.iter().find(|(p, _)| *p == prefix.trim())
        {
            return (*strategy, rest.trim_start(), text.len() - rest.trim_start().len());
        }
        let trimmed = text.trim_start();
        if trimmed.starts_with("//") || trimmed.starts_with("(/") || trimmed.starts_with("./") {
            return (Strategy::XPath, text, 0);
        }
        (Strategy::Css, text, 0)
    }

    /// The selector for this locator with its references filled in. A
    /// locator written as references alone (`"${row}"`, where a `script`
    /// kept an element as `xpath:/html[1]/...`) takes its prefix from the
    /// value.
    pub fn resolve(&self, scope: &dyn Scope) -> Result<Selector, RenderError> {
        let text = self.value.render(scope)?;
        let literal = self.value.as_literal().is_some();
        let (strategy, rest) = if self.strategy == Strategy::Css && self.prefix_len == 0 && !literal {
            let (strategy, rest, _) = Locator::split(&text);
            (strategy, rest)
        } else {
            (self.strategy, text.as_str())
        };
        // What the references gave is checked as `check` checks a literal.
        selector(strategy, rest).map_err(|why| RenderError::Locator {
            written: self.own_source(),
            text: text.clone(),
            why,
        })
    }

    /// The locator as written, for the run log; a list shows all its entries.
    pub fn source(&self) -> String {
        if self.fallbacks.is_empty() {
            return self.own_source();
        }
        let all: Vec<String> = std::iter::once(self).chain(&self.fallbacks).map(Locator::own_source).collect();
        format!("[{}]", all.join(", "))
    }

    /// This entry alone, as written.
    pub fn own_source(&self) -> String {
        let prefix = PREFIXES.iter().find(|(_, s)| *s == self.strategy).map_or("", |(p, _)| p);
        match self.strategy {
            Strategy::Css => self.value.source(),
            _ => format!("{prefix}:{}", self.value.source()),
        }
    }

    /// This locator and its fallbacks, in the order they are tried.
    pub fn candidates(&self) -> impl Iterator<Item = &Locator> {
        std::iter::once(self).chain(&self.fallbacks)
    }
}

/// What is wrong with a locator written as `text` (prefix and all), in the
/// words `check` uses; `None` for a good one. CSS and XPath are checked for
/// their syntax, an unknown prefix is named with the known ones.
pub(crate) fn locator_problem(text: &str) -> Option<String> {
    let (strategy, rest, _) = Locator::split(text);
    selector(strategy, rest).err()
}

/// Translates a resolved locator into a selector, or says what is wrong with it.
pub(crate) fn selector(strategy: Strategy, value: &str) -> Result<Selector, String> {
    let pieces = chain(value);
    if pieces.len() == 1 && matches!(strategy, Strategy::Css | Strategy::XPath) {
        return single(strategy, value);
    }
    let mut parts = Vec::with_capacity(pieces.len());
    let mut strict = false;
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0
            && let Some(n) = piece.trim().strip_prefix("nth=")
        {
            let n =
                n.trim().parse().map_err(|_| format!("`nth={n}` is not a whole number (from 0; -1 is the last)"))?;
            parts.push(Part::Nth(n));
            continue;
        }
        let (strategy, rest) = if i == 0 {
            (strategy, *piece)
        } else {
            let (strategy, rest, _) = Locator::split(piece.trim());
            (strategy, rest)
        };
        if rest.trim().is_empty() {
            return Err(format!("the chain `{}` has an empty part", written(strategy, value)));
        }
        strict = strategy.person_named();
        parts.push(match strategy {
            Strategy::Role => Part::Role(role::parse(rest)?),
            Strategy::Css | Strategy::XPath => match single(strategy, rest)? {
                Selector::Css(css) => Part::Css(css),
                Selector::XPath(xpath) => Part::XPath(xpath),
                Selector::Query(_) => unreachable!("one part is CSS or XPath"),
            },
            named => Part::Named {
                by: PREFIXES.iter().find(|(_, s)| *s == named).map_or("", |(p, _)| p),
                value: rest.to_string(),
                xpath: named_xpath(named, rest),
                attribute: None,
            },
        });
    }
    Ok(Selector::Query(Query { written: written(strategy, value), parts, strict }))
}

impl Selector {
    /// This selector with its `testid:` parts reading `attribute` instead of
    /// the three attributes the common test tools use.
    pub fn with_test_id(mut self, attribute: &str) -> Selector {
        if let Selector::Query(query) = &mut self {
            for part in &mut query.parts {
                if let Part::Named { by: "testid", value, xpath, attribute: own } = part {
                    *xpath = format!("//*[@{attribute}={}]", xpath_literal(value));
                    *own = Some(attribute.to_string());
                }
            }
        }
        self
    }
}

/// A locator as written, from its strategy and value.
fn written(strategy: Strategy, value: &str) -> String {
    match PREFIXES.iter().find(|(_, s)| *s == strategy) {
        Some((prefix, s)) if *s != Strategy::Css => format!("{prefix}:{value}"),
        _ => value.to_string(),
    }
}

/// The parts of a chain: split at each ` >> ` outside brackets, parentheses
/// and the quotes within them, with something after it (so that the text
/// `Nästa >>` stays one part).
fn chain(value: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None, 0);
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if depth > 0 => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth = depth.saturating_sub(1),
            (None, ' ')
                if depth == 0 && value[i..].starts_with(CHAIN) && !value[i + CHAIN.len()..].trim().is_empty() =>
            {
                pieces.push(&value[start..i]);
                start = i + CHAIN.len();
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces
}

/// A CSS or XPath locator, checked.
fn single(strategy: Strategy, value: &str) -> Result<Selector, String> {
    let checked = match strategy {
        Strategy::Css => check_css(value).map(|()| Selector::Css(value.to_string())),
        _ => check_xpath(value).map(|()| Selector::XPath(value.to_string())),
    };
    let why = match checked {
        Ok(selector) => return Ok(selector),
        Err(why) => why,
    };
    let prefix =
        value.split_once(':').map(|(p, _)| p).filter(|p| p.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    Err(match (strategy, prefix) {
        (Strategy::Css, Some(prefix)) if !prefix.is_empty() => {
            let names: Vec<&str> = PREFIXES.iter().map(|(p, _)| *p).collect();
            let hint = did_you_mean(prefix, &names).map(|s| format!("; did you mean `{s}:`?")).unwrap_or_default();
            format!("`{prefix}:` is not a locator prefix (they are {}){hint}", names.join(", "))
        }
        (Strategy::Css, _) => format!("`{value}` is not a valid CSS selector: {why}"),
        _ => format!("`{value}` is not a valid XPath expression: {why}"),
    })
}

/// The XPath that finds a named locator's element in the page's own markup.
fn named_xpath(strategy: Strategy, value: &str) -> String {
    let lit = xpath_literal(value);
    const FIELD: &str = "self::input or self::select or self::textarea";
    match strategy {
        // These are not named locators; `selector` never asks for them.
        Strategy::Css | Strategy::XPath | Strategy::Role => value.to_string(),
        Strategy::Id => format!("//*[@id={lit}]"),
        Strategy::Name => format!("//*[@name={lit}]"),
        Strategy::Placeholder => format!("//*[self::input or self::textarea][@placeholder={lit}]"),
        Strategy::Alt => format!("//*[self::img or self::area or self::input][@alt={lit}]"),
        Strategy::Title => format!("//*[@title={lit}]"),
        Strategy::TestId => format!("//*[@data-testid={lit} or @data-test={lit} or @data-cy={lit}]"),
        Strategy::Link => format!("//a[normalize-space(.)={lit}]"),
        Strategy::PartialLink => format!("//a[contains(normalize-space(.), {lit})]"),
        Strategy::Text => {
            // Buttons and links first; any other element with that text only
            // when no button or link has it (XPath 1.0 has no ordered choice).
            let clickable = format!(
                "//*[self::button or self::a or self::summary or @role='button'][normalize-space(.)={lit}] \
                 | //input[(@type='submit' or @type='button' or @type='reset') and @value={lit}]"
            );
            format!(
                "{clickable} | //body//*[not(self::script or self::style)][normalize-space(text())={lit}][count({clickable}) = 0]"
            )
        }
        // `id()` looks the labels' `for` up by id: one pass over the labels,
        // not one for every field on the page.
        Strategy::Label => format!(
            "id(//label[normalize-space(.)={lit}]/@for)[{FIELD}] \
             | //label[normalize-space(.)={lit}]//*[{FIELD}] \
             | //*[{FIELD}][@aria-label={lit}]"
        ),
    }
}

/// An XPath string literal for any text, quotes included.
pub(crate) fn xpath_literal(value: &str) -> String {
    if !value.contains('\'') {
        format!("'{value}'")
    } else if !value.contains('"') {
        format!("\"{value}\"")
    } else {
        let pieces: Vec<String> = value.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", pieces.join(", \"'\", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_choose_the_strategy() {
        assert_eq!(Locator::split("text: Spara"), (Strategy::Text, "Spara", 6));
        assert_eq!(Locator::split("//td[2]"), (Strategy::XPath, "//td[2]", 0));
        assert_eq!(Locator::split("li:first-child"), (Strategy::Css, "li:first-child", 0));
        assert_eq!(Locator::split("placeholder:Sök ärende"), (Strategy::Placeholder, "Sök ärende", 12));
        assert_eq!(Locator::split("testid:save"), (Strategy::TestId, "save", 7));
    }

    #[test]
    fn every_prefix_makes_a_selector_the_browser_accepts_whatever_the_quotes() {
        for (prefix, strategy) in PREFIXES.iter().filter(|(_, s)| !matches!(s, Strategy::Css | Strategy::XPath)) {
            if *strategy == Strategy::Role {
                continue;
            }
            let xpath = named_xpath(*strategy, "Per's \"kopia\"");
            assert_eq!(check_xpath(&xpath), Ok(()), "{prefix}: {xpath}");
        }
        let testid = named_xpath(Strategy::TestId, "save");
        for attribute in ["data-testid", "data-test", "data-cy"] {
            assert!(testid.contains(&format!("@{attribute}='save'")), "{testid}");
        }
    }

    #[test]
    fn chains_split_at_their_marks_only_and_person_named_ends_are_strict() {
        assert_eq!(chain("a >> b"), vec!["a", "b"]);
        assert_eq!(chain("text:Nästa >>"), vec!["text:Nästa >>"]);
        assert_eq!(chain(r#"row[name*="a >> b"] >> nth=-1"#), vec![r#"row[name*="a >> b"]"#, "nth=-1"]);
        assert_eq!(chain("text:Per's >> button"), vec!["text:Per's", "button"]);

        let Ok(Selector::Query(q)) = selector(Strategy::Role, r#"row[name*="7302"] >> text:Öppna"#) else { panic!() };
        assert_eq!(q.written, r#"role:row[name*="7302"] >> text:Öppna"#);
        assert!(matches!(&q.parts[..], [Part::Role(r), Part::Named { by: "text", .. }] if r.role == "row"));
        assert!(q.strict);
        let Ok(Selector::Query(q)) = selector(Strategy::Css, "ms-combobox >> input >> nth=1") else { panic!() };
        assert_eq!(q.parts, vec![Part::Css("ms-combobox".into()), Part::Css("input".into()), Part::Nth(1)]);
        assert!(!q.strict, "CSS keeps the first match");
        assert_eq!(selector(Strategy::Css, "#a"), Ok(Selector::Css("#a".into())));

        assert!(selector(Strategy::Css, "a >> nth=x").unwrap_err().contains("not a whole number"));
        assert!(selector(Strategy::Css, "a >> lable:Namn").unwrap_err().contains("did you mean `label:`"));
        assert!(selector(Strategy::Role, "buton").unwrap_err().contains("did you mean `button`"));
        assert!(selector(Strategy::Css, "a >>  >> b").unwrap_err().contains("empty part"));
    }

    #[test]
    fn a_robot_s_own_test_id_attribute_replaces_the_three_usual_ones() {
        let Ok(selector) = selector(Strategy::Css, "#list >> testid:spara") else { panic!() };
        let Selector::Query(q) = selector.with_test_id("data-qa") else { panic!() };
        let Part::Named { xpath, attribute, .. } = &q.parts[1] else { panic!("{:?}", q.parts) };
        assert_eq!((xpath.as_str(), attribute.as_deref()), ("//*[@data-qa='spara']", Some("data-qa")));
        assert_eq!(check_xpath(xpath), Ok(()));
        let css = Selector::Css("#a".into());
        assert_eq!(css.clone().with_test_id("data-qa"), css, "CSS has no test id to change");
    }

    #[test]
    fn quotes_in_text_stay_valid_xpath() {
        assert_eq!(xpath_literal("it's"), "\"it's\"");
        assert_eq!(xpath_literal("a'b\"c"), "concat('a', \"'\", 'b\"c')");
        assert_eq!(named_xpath(Strategy::Link, "Nästa"), "//a[normalize-space(.)='Nästa']");
    }
}
