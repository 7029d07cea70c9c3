//! Locators as written in robot files (`css:`, `xpath:`, `text:`, `link:`,
//! `partial:`, `label:`, `id:`, `name:`, `placeholder:`, `alt:`, `title:`,
//! `testid:`; plain text is CSS) and their translation into the two selector
//! kinds WebDriver understands.

use std::fmt;

use serde::Serialize;

use crate::files::diagnostic::did_you_mean;
use crate::robot::expr::{RenderError, Scope, Template};
use crate::robot::selector_check::{check_css, check_xpath};

/// A selector in one of the two forms WebDriver understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Selector {
    #[serde(rename = "css")]
    Css(String),
    #[serde(rename = "xpath")]
    XPath(String),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Css(s) => write!(f, "css `{s}`"),
            Selector::XPath(s) => write!(f, "xpath `{s}`"),
        }
    }
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
];

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
        if self.strategy == Strategy::Css && self.prefix_len == 0 && !literal {
            let (strategy, rest, _) = Locator::split(&text);
            if let Some(why) = locator_problem(&text) {
                return Err(RenderError::Locator { written: self.own_source(), text, why });
            }
            return Ok(selector(strategy, rest));
        }
        // What the references gave is checked as `check` checks a literal.
        if !literal && let Some(why) = selector_problem(self.strategy, &text, None) {
            return Err(RenderError::Locator { written: self.own_source(), text, why });
        }
        Ok(selector(self.strategy, &text))
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
    let prefix = text.split_once(':').map(|(p, _)| p).filter(|p| p.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    selector_problem(strategy, rest, prefix)
}

/// What is wrong with `rest` as a selector of `strategy`; `prefix` is the
/// word before a `:` that was not a known prefix, if any.
fn selector_problem(strategy: Strategy, rest: &str, prefix: Option<&str>) -> Option<String> {
    let why = match strategy {
        Strategy::Css => check_css(rest),
        Strategy::XPath => check_xpath(rest),
        _ => Ok(()),
    }
    .err()?;
    Some(match (strategy, prefix) {
        (Strategy::Css, Some(prefix)) if !prefix.is_empty() => {
            let names: Vec<&str> = PREFIXES.iter().map(|(p, _)| *p).collect();
            let hint = did_you_mean(prefix, &names).map(|s| format!("; did you mean `{s}:`?")).unwrap_or_default();
            format!("`{prefix}:` is not a locator prefix (they are {}){hint}", names.join(", "))
        }
        (Strategy::Css, _) => format!("`{rest}` is not a valid CSS selector: {why}"),
        _ => format!("`{rest}` is not a valid XPath expression: {why}"),
    })
}

/// Translates a resolved locator into a CSS or XPath selector.
pub(crate) fn selector(strategy: Strategy, value: &str) -> Selector {
    let lit = xpath_literal(value);
    const FIELD: &str = "self::input or self::select or self::textarea";
    match strategy {
        Strategy::Css => Selector::Css(value.to_string()),
        Strategy::XPath => Selector::XPath(value.to_string()),
        Strategy::Id => Selector::XPath(format!("//*[@id={lit}]")),
        Strategy::Name => Selector::XPath(format!("//*[@name={lit}]")),
        Strategy::Placeholder => Selector::XPath(format!("//*[self::input or self::textarea][@placeholder={lit}]")),
        Strategy::Alt => Selector::XPath(format!("//*[self::img or self::area or self::input][@alt={lit}]")),
        Strategy::Title => Selector::XPath(format!("//*[@title={lit}]")),
        Strategy::TestId => Selector::XPath(format!("//*[@data-testid={lit} or @data-test={lit} or @data-cy={lit}]")),
        Strategy::Link => Selector::XPath(format!("//a[normalize-space(.)={lit}]")),
        Strategy::PartialLink => Selector::XPath(format!("//a[contains(normalize-space(.), {lit})]")),
        Strategy::Text => {
            // Buttons and links first; any other element with that text only
            // when no button or link has it (XPath 1.0 has no ordered choice).
            let clickable = format!(
                "//*[self::button or self::a or self::summary or @role='button'][normalize-space(.)={lit}] \
                 | //input[(@type='submit' or @type='button' or @type='reset') and @value={lit}]"
            );
            Selector::XPath(format!(
                "{clickable} | //body//*[not(self::script or self::style)][normalize-space(text())={lit}][count({clickable}) = 0]"
            ))
        }
        // `id()` looks the labels' `for` up by id: one pass over the labels,
        // not one for every field on the page.
        Strategy::Label => Selector::XPath(format!(
            "id(//label[normalize-space(.)={lit}]/@for)[{FIELD}] \
             | //label[normalize-space(.)={lit}]//*[{FIELD}] \
             | //*[{FIELD}][@aria-label={lit}]"
        )),
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
            let Selector::XPath(xpath) = selector(*strategy, "Per's \"kopia\"") else {
                panic!("`{prefix}:` is not XPath");
            };
            assert_eq!(check_xpath(&xpath), Ok(()), "{prefix}: {xpath}");
        }
        let Selector::XPath(testid) = selector(Strategy::TestId, "save") else { panic!() };
        for attribute in ["data-testid", "data-test", "data-cy"] {
            assert!(testid.contains(&format!("@{attribute}='save'")), "{testid}");
        }
    }

    #[test]
    fn quotes_in_text_stay_valid_xpath() {
        assert_eq!(xpath_literal("it's"), "\"it's\"");
        assert_eq!(xpath_literal("a'b\"c"), "concat('a', \"'\", 'b\"c')");
        assert_eq!(selector(Strategy::Link, "Nästa"), Selector::XPath("//a[normalize-space(.)='Nästa']".into()));
    }
}
