//! chromedriver's error texts in nightshift's words.

use crate::browser::BrowserError;

/// chromedriver's error texts in nightshift's words; an unknown one keeps
/// its first line.
pub(super) fn own_words(code: &str, message: &str) -> String {
    let detail = |prefix: &str| message.strip_prefix(prefix).unwrap_or(message).trim().to_string();
    match code {
        "invalid element state" => "the element cannot be changed (it is disabled or read-only)".into(),
        "element not interactable" => {
            "the element cannot be used (it is hidden, has no size or is off the page)".into()
        }
        "stale element reference" => "the page replaced the element while the step was using it".into(),
        "no such frame" => "there is no such frame on the page".into(),
        "no such window" => "the window was closed".into(),
        "no such alert" => "no alert, confirm or prompt is open".into(),
        "unexpected alert open" => {
            BrowserError::DialogOpen { text: dialog_text(message).map(String::from) }.to_string()
        }
        "element click intercepted" => {
            let other = message.split("Other element would receive the click: ").nth(1).map(first_line);
            match other {
                Some(other) => format!("another element would receive the click: {other}"),
                None => "another element would receive the click".into(),
            }
        }
        "invalid selector" => {
            // "... because of the following error:\nSyntaxError: ..." names the fault on its second line.
            let reason = message.lines().nth(1).map(str::trim).filter(|l| !l.is_empty());
            let reason =
                reason.map(|r| r.split(": ").last().unwrap_or(r).to_string()).unwrap_or_else(|| first_line(message));
            format!("the locator is not a valid selector: {reason}")
        }
        "javascript error" => format!("the script failed: {}", first_line(&detail("javascript error:"))),
        _ => first_line(message),
    }
}

/// The dialog's own text in chromedriver's "unexpected alert open: {Alert
/// text : TEXT}" and nothing of what follows it (`(Session info: ...)`).
pub(super) fn dialog_text(message: &str) -> Option<&str> {
    let rest = message.split_once("Alert text : ")?.1;
    let rest = rest.split("\n  (Session info:").next().unwrap_or(rest);
    let rest = rest.trim_end_matches(['\n', ' ']);
    Some(rest.strip_suffix('}').unwrap_or(rest))
}

pub(super) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}
