//! Purging personal data: each robot's runs older than its
//! `privacy.retention_days` (default 30), or every trace of one
//! personnummer, from the run log (`store::purge`), the evidence folder and
//! the outbox folder; then the run log's file is compacted so the values are
//! gone from it and its WAL. `nightshift purge` and the daemon (once a day)
//! call it. Above the store, as `delivery` is.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::robot::model::DEFAULT_RETENTION_DAYS;
use crate::settings::Settings;
use crate::store::{PurgeScope, Purged, Store, StoreError};

/// What a purge did, per robot (or for a personnummer), and to files.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub purged: Vec<(String, Purged)>,
    /// Screenshots, page HTML and other files of the runs' evidence folders.
    pub evidence_files: usize,
    /// Mail written to the outbox folder.
    pub mail_files: usize,
    /// Entries of the audit log past its own retention.
    pub audit_entries: usize,
    pub vacuumed: bool,
}

/// How long the audit log keeps an entry unless `NIGHTSHIFT_AUDIT_RETENTION_DAYS`
/// says otherwise: five years, as Patientdatalagen asks of access logs.
pub(crate) const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 5 * 366;

/// The audit log's retention in days, from the environment or the settings file.
fn audit_retention_days() -> i64 {
    crate::environment::var("NIGHTSHIFT_AUDIT_RETENTION_DAYS")
        .and_then(|d| d.trim().parse().ok())
        .filter(|d: &i64| *d > 0)
        .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS)
}

impl Report {
    pub(crate) fn files_removed(&self) -> usize {
        self.evidence_files + self.mail_files
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PurgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] crate::upkeep::run_log::KeyError),
}

/// Each robot's retention in days, from its file (robots without one keep the default).
fn retention(settings: &Settings, robots: &[String]) -> BTreeMap<String, u32> {
    robots
        .iter()
        .map(|name| {
            let file = crate::robot::find(&settings.robots_dir, name);
            let days = crate::robot::load(&file, &settings.robots_dir)
                .map_or(DEFAULT_RETENTION_DAYS, |r| r.privacy.retention_days);
            (name.clone(), days)
        })
        .collect()
}

/// Purges what each robot's retention says is due at `now`.
pub(crate) fn purge_due(
    store: &mut Store,
    settings: &Settings,
    now: DateTime<Utc>,
    dry: bool,
) -> Result<Report, PurgeError> {
    let links = crate::upkeep::run_log::console_key(&settings.state_dir, store)?;
    let hash = |robot: &str, key: &str| links.key_hash(robot, key);
    let mut robots = store.robots_with_runs()?;
    robots.extend(store.robots()?);
    robots.sort();
    robots.dedup();
    let mut report = Report::default();
    let days = retention(settings, &robots);
    for (robot, days) in &days {
        let before =
            (now - chrono::Duration::days(i64::from(*days))).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let scope = PurgeScope::Before { robot: robot.clone(), before };
        let purged = store.purge(&scope, &hash, dry)?;
        report.evidence_files += remove_evidence(&settings.state_dir, &purged, dry);
        report.purged.push((robot.clone(), purged));
    }
    // Mail files: gone once the shortest retention has passed.
    let shortest = days.values().copied().min().unwrap_or(DEFAULT_RETENTION_DAYS);
    let cutoff = now - chrono::Duration::days(i64::from(shortest));
    report.mail_files += remove_mail_files(&settings.state_dir, dry, |_, modified| modified < cutoff);
    if !dry {
        let before = now - chrono::Duration::days(audit_retention_days());
        report.audit_entries = store.purge_audit(&before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))?;
        report.vacuumed = store.compact()?;
    }
    Ok(report)
}

/// Forgets one person: every row, evidence file and mail file holding their personnummer.
pub(crate) fn purge_personnummer(
    store: &mut Store,
    settings: &Settings,
    pnr: &str,
    dry: bool,
) -> Result<Report, PurgeError> {
    let links = crate::upkeep::run_log::console_key(&settings.state_dir, store)?;
    let hash = |robot: &str, key: &str| links.key_hash(robot, key);
    let texts = crate::privacy::personnummer::written_forms(pnr);
    let purged = store.purge(&PurgeScope::Holding { texts: texts.clone() }, &hash, dry)?;
    let mut report = Report::default();
    report.evidence_files += remove_evidence(&settings.state_dir, &purged, dry);
    let holds = |path: &Path| {
        std::fs::read(path).is_ok_and(|bytes| {
            let text = String::from_utf8_lossy(&bytes).replace("=\r\n", "").replace("=\n", "");
            texts.iter().any(|t| text.contains(t.as_str()))
        })
    };
    // Evidence files that hold it (page HTML, reports a robot wrote).
    for file in files_below(&settings.state_dir.join("evidence")) {
        if holds(&file) {
            report.evidence_files += 1;
            if !dry {
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    report.mail_files += remove_mail_files(&settings.state_dir, dry, |path, _| holds(path));
    report.purged.push((pnr_label(pnr), purged));
    if !dry {
        report.vacuumed = store.compact()?;
    }
    Ok(report)
}

/// How a purged personnummer is named in the report: masked.
fn pnr_label(pnr: &str) -> String {
    format!("personnummer {}", crate::privacy::personnummer::mask_personnummer(pnr.trim()))
}

/// Removes the evidence files of purged cases and the evidence folders of
/// purged runs (with `dry`, only counts them); returns how many files.
fn remove_evidence(state_dir: &Path, purged: &Purged, dry: bool) -> usize {
    let evidence = state_dir.join("evidence");
    let mut removed = 0;
    let folders: Vec<std::path::PathBuf> = purged.run_ids.iter().map(|run| evidence.join(run.to_string())).collect();
    for file in &purged.files {
        let path = Path::new(file);
        let counted_below = folders.iter().any(|f| path.starts_with(f));
        if path.starts_with(&evidence) && path.is_file() && !counted_below {
            removed += usize::from(dry || std::fs::remove_file(path).is_ok());
        }
    }
    for folder in folders {
        removed += files_below(&folder).len();
        if !dry {
            let _ = std::fs::remove_dir_all(&folder);
        }
    }
    removed
}

/// Removes the outbox folder's mail files `doomed` picks.
fn remove_mail_files(state_dir: &Path, dry: bool, doomed: impl Fn(&Path, DateTime<Utc>) -> bool) -> usize {
    let mut removed = 0;
    for file in files_below(&state_dir.join("outbox")) {
        let modified = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|_| Utc::now());
        if doomed(&file, modified) {
            removed += 1;
            if !dry {
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    removed
}

fn files_below(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purged_personnummer_is_named_masked() {
        assert_eq!(pnr_label("20120315-1234"), "personnummer 20120315-****");
    }
}
