//! What a failure leaves behind for a person to look at: a screenshot and the
//! page's HTML (secrets masked) in the run's evidence folder.

use std::path::PathBuf;

use crate::browser::Browser;
use crate::runner::attempt::PROBE_LIMIT;
use crate::runner::event::{EvidenceKind, RunEvent};
use crate::runner::failure::SystemError;
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// Saves a screenshot and the page's HTML for a failed step. Best effort:
    /// a browser that is gone cannot give either.
    pub(super) async fn save_evidence(&mut self, item: Option<usize>, label: &str) {
        if let Ok(Ok(png)) = tokio::time::timeout(PROBE_LIMIT, self.browser.screenshot()).await
            && let Ok(path) = self.write_evidence(&format!("{label}.png"), &png)
        {
            self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Screenshot, path });
        }
        if let Ok(Ok(html)) = tokio::time::timeout(PROBE_LIMIT, self.browser.page_source()).await {
            let html = self.redact(&html);
            if let Ok(path) = self.write_evidence(&format!("{label}.html"), html.as_bytes()) {
                self.emit(RunEvent::Evidence { item, kind: EvidenceKind::Html, path });
            }
        }
    }

    pub(super) fn write_evidence(&self, file_name: &str, bytes: &[u8]) -> Result<PathBuf, SystemError> {
        let path = self.evidence_dir.join(file_name);
        std::fs::create_dir_all(&self.evidence_dir)
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
