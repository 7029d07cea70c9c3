//! The folders a managed browser lives in: its profile and its temporary
//! folder, named by the process that made them, reclaimed once it is gone.

/// Browser profile folders are `<temp>/nightshift-chromium-<pid>-<n>`.
pub(super) const PROFILE_PREFIX: &str = "nightshift-chromium-";
/// The browsers' temporary folders are `<temp>/ns-tmp-<pid>-<n>`.
pub(super) const TEMP_PREFIX: &str = "ns-tmp-";

/// Removes the profile and temporary folders of nightshift processes that
/// are gone (killed before they could remove their own).
pub(super) fn reclaim_dead_profiles(temp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rest = name.strip_prefix(PROFILE_PREFIX).or_else(|| name.strip_prefix(TEMP_PREFIX));
        let Some(pid) = rest.and_then(|rest| rest.split('-').next()) else { continue };
        if pid.parse::<i64>().is_ok_and(|pid| !crate::process::alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub(super) fn rand_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}
