//! An error in a robot or schedule file, pointing at the place in the file.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::files::yaml::Pos;

/// One error found in a file: where, what, and how wide the underline is.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub pos: Pos,
    /// How many characters to underline (at least one caret is drawn).
    pub width: usize,
    pub message: String,
}

impl Diagnostic {
    /// Renders `FILE:LINE:COLUMN: message`, then the offending line with a caret.
    pub fn render(&self, source: &str) -> String {
        let mut out = format!("{self}\n");
        if let Some(line) = source.lines().nth(self.pos.line.saturating_sub(1) as usize) {
            let number = self.pos.line.to_string();
            let gutter = " ".repeat(number.len());
            let lead: String = line
                .chars()
                .take(self.pos.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{gutter} |\n{number} | {line}\n{gutter} | {lead}{}\n",
                "^".repeat(self.width.max(1))
            ));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", display_path(&self.file), self.pos.line, self.pos.column, self.message)
    }
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

/// Collects diagnostics for one file while it is validated.
#[derive(Debug)]
pub(crate) struct Diagnostics {
    file: PathBuf,
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file: &Path) -> Self {
        Self { file: file.to_path_buf(), list: Vec::new() }
    }

    pub(crate) fn error(&mut self, pos: Pos, width: usize, message: impl Into<String>) {
        self.list.push(Diagnostic { file: self.file.clone(), pos, width, message: message.into() });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The diagnostics sorted by position, as they are reported.
    pub(crate) fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| d.pos);
        self.list
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
/// Where a key that is unknown where it stands does belong, for keys that
/// new users put in the wrong place or spell as another tool does.
pub(crate) fn belongs_elsewhere(key: &str) -> Option<&'static str> {
    Some(match key {
        "otherwise" | "elif" | "else_if" => "the other branch of an `if` is written `else:`",
        "check" | "key" | "steps" | "filter" => "it belongs under `items:`",
        "max_retries" | "backoff" | "stop_after" => "it belongs under `retry:`",
        "handler_field" | "per_item" | "remind_after_days" => "it belongs under `notify:`",
        "retention_days" | "mask_personnummer" => {
            "it belongs under `privacy:` (`mask_personnummer` also under `notify:`)"
        }
        "headless" | "window_size" => "it belongs under `browser:`",
        "page_load" => "it belongs under `timeouts:`",
        "message" => "only `assert` takes a `message:` beside its condition (`fail` and `skip` are their message)",
        _ => return None,
    })
}

pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_line_with_a_caret_under_the_token() {
        let d = Diagnostic {
            file: PathBuf::from("robots/x.yaml"),
            pos: Pos::new(2, 5),
            width: 5,
            message: "unknown step `gotoo`".into(),
        };
        let text = d.render("setup:\n  - gotoo: x\n");
        assert_eq!(text, "robots/x.yaml:2:5: unknown step `gotoo`\n  |\n2 |   - gotoo: x\n  |     ^^^^^\n");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("wait_fro", &["goto", "wait_for"]), Some("wait_for"));
        assert_eq!(did_you_mean("zzz", &["goto", "wait_for"]), None);
    }
}
