//! A check of a locator's CSS or XPath text before any browser sees it, so
//! that `check` reports a selector that can never match (`##bad`, `//a[`,
//! `lable:Namn`) where it is written. A light syntax check, not a full
//! parser: what it passes, the browser may still refuse.

/// The pseudo-classes and pseudo-elements a locator may use.
const PSEUDO: &[&str] = &[
    "active",
    "after",
    "any-link",
    "autofill",
    "before",
    "checked",
    "default",
    "defined",
    "disabled",
    "empty",
    "enabled",
    "first",
    "first-child",
    "first-letter",
    "first-line",
    "first-of-type",
    "focus",
    "focus-visible",
    "focus-within",
    "has",
    "hover",
    "in-range",
    "indeterminate",
    "invalid",
    "is",
    "lang",
    "last-child",
    "last-of-type",
    "link",
    "marker",
    "not",
    "nth-child",
    "nth-last-child",
    "nth-last-of-type",
    "nth-of-type",
    "only-child",
    "only-of-type",
    "optional",
    "out-of-range",
    "placeholder",
    "placeholder-shown",
    "read-only",
    "read-write",
    "required",
    "root",
    "scope",
    "selection",
    "target",
    "valid",
    "visited",
    "where",
];

/// Why a CSS selector cannot work, if it cannot.
pub(crate) fn check_css(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut depth: Vec<char> = Vec::new();
    let mut i = 0;
    let mut compound_start = true;
    while i < chars.len() {
        let c = chars[i];
        if let Some(&open) = depth.last() {
            match (open, c) {
                ('"', '"') | ('\'', '\'') | ('[', ']') | ('(', ')') => {
                    depth.pop();
                }
                ('"' | '\'', '\\') => i += 1,
                ('[' | '(', '"' | '\'' | '[' | '(') => depth.push(c),
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            '[' | '(' | '"' | '\'' => depth.push(c),
            ']' | ')' => return Err(format!("`{c}` closes nothing")),
            '#' | '.' if !chars.get(i + 1).is_some_and(|n| starts_name(*n)) => {
                return Err(format!("`{c}` must be followed by a name"));
            }
            ':' => {
                let start = i + if chars.get(i + 1) == Some(&':') { 2 } else { 1 };
                let name: String =
                    chars[start..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '-').collect();
                if !PSEUDO.contains(&name.to_ascii_lowercase().as_str()) {
                    return Err(if name.is_empty() {
                        "`:` must be followed by a pseudo-class such as `:checked`".to_string()
                    } else {
                        format!("`:{name}` is not a pseudo-class")
                    });
                }
                i = start + name.chars().count();
                compound_start = false;
                continue;
            }
            c if c.is_ascii_digit() && compound_start => {
                return Err("a CSS selector cannot start with a digit".to_string());
            }
            _ => {}
        }
        compound_start = c.is_whitespace() || matches!(c, '>' | '+' | '~' | ',');
        i += 1;
    }
    if let Some(open) = depth.last() {
        return Err(format!("`{open}` is not closed"));
    }
    if text.trim_end().ends_with(['>', '+', '~', ',']) {
        return Err("it ends with a combinator".to_string());
    }
    Ok(())
}

fn starts_name(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '-' || c == '\\' || !c.is_ascii()
}

/// Why an XPath expression cannot work, if it cannot.
pub(crate) fn check_xpath(text: &str) -> Result<(), String> {
    let mut depth: Vec<char> = Vec::new();
    for c in text.chars() {
        match (depth.last(), c) {
            (Some('"'), '"') | (Some('\''), '\'') | (Some('['), ']') | (Some('('), ')') => {
                depth.pop();
            }
            (Some('"' | '\''), _) => {}
            (_, '[' | '(' | '"' | '\'') => depth.push(c),
            (_, ']' | ')') => return Err(format!("`{c}` closes nothing")),
            _ => {}
        }
    }
    if let Some(open) = depth.last() {
        return Err(format!("`{open}` is not closed"));
    }
    let end = text.trim_end();
    if end.ends_with(['/', '=', '|', '@']) || end.is_empty() {
        return Err("it ends before its last step".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_that_can_work_pass() {
        for css in [
            "#inbox",
            "table.errands tr:nth-child(2) > td",
            "input[name='pnr']:not([disabled])",
            "frame[name=main]",
            "a[href*=\"#x\"]",
            "li::before",
            "#a, .b",
            "[data-x=\"1\"]",
        ] {
            assert_eq!(check_css(css), Ok(()), "{css}");
        }
        for xpath in ["//a[contains(., 'x]')]", "(//tr)[2]/td[1]", "//*[@id=\"a\"]"] {
            assert_eq!(check_xpath(xpath), Ok(()), "{xpath}");
        }
    }

    #[test]
    fn selectors_that_cannot_work_say_why() {
        assert_eq!(check_css("##bad"), Err("`#` must be followed by a name".into()));
        assert_eq!(check_css("lable:Namn"), Err("`:Namn` is not a pseudo-class".into()));
        assert_eq!(check_css("partial:spara"), Err("`:spara` is not a pseudo-class".into()));
        assert_eq!(check_css("1"), Err("a CSS selector cannot start with a digit".into()));
        assert_eq!(check_css("input[name=x"), Err("`[` is not closed".into()));
        assert_eq!(check_css("div >"), Err("it ends with a combinator".into()));
        assert_eq!(check_xpath("//a["), Err("`[` is not closed".into()));
        assert_eq!(check_xpath("//a/"), Err("it ends before its last step".into()));
        assert_eq!(check_xpath("//a]"), Err("`]` closes nothing".into()));
    }
}
