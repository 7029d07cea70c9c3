//! What a failure leaves behind for a person to look at: a screenshot and the
//! page's HTML (secrets masked) in the run's evidence folder, named by the
//! case's key, and only of a page the case itself loaded, never the page a
//! previous case left behind. With `mask_personnummer`, mail gets a second
//! screenshot taken with personnummer masked on the page (`mail/KEY.png`);
//! the unmasked one stays in the state folder for operations.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::browser::{Browser, BrowserError};
use crate::human::fmt_duration;
use crate::runner::attempt::PROBE_LIMIT;
use crate::runner::case::Case;
use crate::runner::event::{EvidenceKind, RunEvent};
use crate::runner::failure::SystemError;
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// Saves a screenshot and the page's HTML for a failed step. Best effort:
    /// a browser that is gone cannot give either. For a case, only a page
    /// loaded since the case started is saved.
    pub(super) async fn save_evidence(&mut self, case: Option<&Case>, label: &str) {
        let item = case.map(Case::seq);
        if let Some(case) = case {
            let why = match self.page_in_view(case.started).await {
                PageInView::Own => None,
                PageInView::Earlier => Some("the page in view was loaded before the case started".to_string()),
                PageInView::Dialog(text) => {
                    let text = self.redact(&text);
                    let kept = self.write_evidence(&format!("{label}-dialog.txt"), text.as_bytes());
                    if let Ok(path) = kept {
                        self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Dialog, path });
                    }
                    Some(format!("a dialog is open (\"{text}\"); its text is kept instead"))
                }
                PageInView::Unknown(e) => Some(format!("the browser could not say which page is in view: {e}")),
            };
            if let Some(why) = why {
                let message = format!("no screenshot of case {}: {why}", case.key);
                self.emit(RunEvent::Log { item, message });
                return;
            }
        }
        if let Ok(Ok(png)) = tokio::time::timeout(PROBE_LIMIT, self.browser.screenshot()).await
            && let Ok(path) = self.write_evidence(&format!("{label}.png"), &png)
        {
            self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Screenshot, path });
        }
        if item.is_some() && self.robot.notify.mask_personnummer {
            let masked = self.browser.screenshot_masked(crate::privacy::personnummer::BROWSER_PATTERN, "$1****");
            if let Ok(Ok(png)) = tokio::time::timeout(PROBE_LIMIT, masked).await
                && let Ok(path) = self.write_evidence(&format!("mail/{label}.png"), &png)
            {
                self.emit(RunEvent::Evidence { item, kind: EvidenceKind::MailScreenshot, path });
            }
        }
        if let Ok(Ok(html)) = tokio::time::timeout(PROBE_LIMIT, self.browser.page_source()).await {
            let html = self.redact(&html);
            if let Ok(path) = self.write_evidence(&format!("{label}.html"), html.as_bytes()) {
                self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Html, path });
            }
        }
    }

    /// Whether the page in view was loaded since the current case started
    /// (the same clock: the browser runs on this machine or beside it). A
    /// browser that cannot say is not trusted with another case's page.
    async fn page_in_view(&mut self, started: DateTime<Utc>) -> PageInView {
        match tokio::time::timeout(PROBE_LIMIT, self.browser.page_loaded_at()).await {
            Ok(Ok(loaded)) if loaded > started.timestamp_micros() as f64 / 1000.0 => PageInView::Own,
            Ok(Ok(_)) => PageInView::Earlier,
            Ok(Err(BrowserError::DialogOpen { text })) => PageInView::Dialog(text.unwrap_or_default()),
            Ok(Err(e)) => PageInView::Unknown(e.to_string()),
            Err(_) => PageInView::Unknown(format!("it did not answer within {}", fmt_duration(PROBE_LIMIT))),
        }
    }

    pub(super) fn write_evidence(&self, file_name: &str, bytes: &[u8]) -> Result<PathBuf, SystemError> {
        let path = self.evidence_dir.join(file_name);
        let folder = path.parent().unwrap_or(&self.evidence_dir);
        std::fs::create_dir_all(folder)
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|source| SystemError::Io { action: "write evidence", path: path.clone(), source })?;
        Ok(path)
    }
}

/// What is in view when a case's evidence is to be taken.
enum PageInView {
    /// A page the case loaded itself.
    Own,
    /// A page from before the case: another case's, not to be kept for this one.
    Earlier,
    /// A dialog is open (its text): the browser takes no screenshot then.
    Dialog(String),
    /// The browser could not say (its session is gone, it is wedged): why.
    Unknown(String),
}

/// A file name from free text: letters, digits, `-` and `_` only.
pub(super) fn sanitize(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() { "screenshot".into() } else { cleaned }
}
