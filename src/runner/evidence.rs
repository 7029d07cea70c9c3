//! What a failure leaves behind for a person to look at: a screenshot and the
//! page's HTML (secrets masked) in the run's evidence folder, named by the
//! case's key, and only of a page the case itself loaded, never the page a
//! previous case left behind. With `mask_personnummer`, mail gets a second
//! screenshot taken with personnummer masked on the page (`mail/KEY.png`);
//! the unmasked one stays in the state folder for operations.

use std::path::PathBuf;

use crate::browser::Browser;
use crate::runner::attempt::PROBE_LIMIT;
use crate::runner::event::{EvidenceKind, RunEvent};
use crate::runner::failure::SystemError;
use crate::runner::run::Runner;

/// Personnummer as JavaScript finds them on a page: 8 date digits, an
/// optional `-`, `+` or space, or 6 date digits and a `-`, `+`, space or
/// nothing; then 4 digits. The shapes `mask` masks in text; on the page
/// the short forms without a sign are masked without their check digit
/// (a screenshot for mail had better mask a phone number than miss a child).
const PERSONNUMMER_JS: &str = r"(?<!\d)(\d{8}[-+ ]?|\d{6}[-+ ]?)\d{4}(?!\d)";

impl<B: Browser> Runner<'_, B> {
    /// Saves a screenshot and the page's HTML for a failed step. Best effort:
    /// a browser that is gone cannot give either. For a case, only a page
    /// loaded since the case started is saved.
    pub(super) async fn save_evidence(&mut self, item: Option<usize>, label: &str) {
        if item.is_some() && !self.page_is_the_cases().await {
            let message = "no screenshot: the case had not loaded a page of its own".to_string();
            self.emit(RunEvent::Log { item, message });
            return;
        }
        if let Ok(Ok(png)) = tokio::time::timeout(PROBE_LIMIT, self.browser.screenshot()).await
            && let Ok(path) = self.write_evidence(&format!("{label}.png"), &png)
        {
            self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Screenshot, path });
        }
        if item.is_some() && self.robot.notify.mask_personnummer {
            let masked = self.browser.screenshot_masked(PERSONNUMMER_JS, "$1****");
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
    async fn page_is_the_cases(&mut self) -> bool {
        let Some(started) = self.case_started else { return true };
        match tokio::time::timeout(PROBE_LIMIT, self.browser.page_loaded_at()).await {
            Ok(Ok(loaded)) => loaded > started.timestamp_micros() as f64 / 1000.0,
            _ => false,
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

/// A file name from free text: letters, digits, `-` and `_` only.
pub(super) fn sanitize(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() { "screenshot".into() } else { cleaned }
}
