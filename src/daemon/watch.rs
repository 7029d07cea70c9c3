//! Tells the daemon when a robot, steps or schedule file changes, through the
//! `notify` crate: each folder is watched with its subfolders (steps files),
//! and the folder that holds it for the folder's own name, so that a folder
//! replaced whole (a deploy tool swapping a `robots` symlink) is seen too.
//! Editors that save by renaming are seen. A burst of changes is one change,
//! reported once the folders have been quiet for `QUIET`. The daemon builds a
//! new watcher after each change, before it reads the files, so an edit made
//! while it reads is seen, and a swapped-in folder is watched from then on.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, Flag};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Changes closer together than this are one change.
const QUIET: Duration = Duration::from_millis(200);
/// A burst that goes on is reported after this long all the same.
const BURST_LIMIT: Duration = Duration::from_secs(2);

/// Watches on some folders, and the changes they report.
pub(crate) struct Watcher {
    /// Holds the watches; dropping it ends them.
    _watches: notify::RecommendedWatcher,
    events: mpsc::UnboundedReceiver<notify::Result<Event>>,
    /// The watched folders as named, made absolute: a change at or below one counts.
    dirs: Vec<PathBuf>,
    /// Changes seen and not reported yet.
    burst: Option<Burst>,
}

/// When the changes of a burst began and when the latest came.
#[derive(Debug, Clone, Copy)]
struct Burst {
    first: Instant,
    last: Instant,
}

impl Burst {
    /// When the burst counts as over: quiet for `QUIET`, or `BURST_LIMIT` after it began.
    fn settled_at(self) -> Instant {
        (self.last + QUIET).min(self.first + BURST_LIMIT)
    }
}

impl Watcher {
    /// Watches `dirs` with their subfolders, and their parents for their own
    /// names (folders that do not exist are left out; a symlink is followed).
    pub(crate) fn new(dirs: &[&Path]) -> notify::Result<Self> {
        let (sender, events) = mpsc::unbounded_channel();
        let mut watches = notify::recommended_watcher(move |event| {
            // The receiver is gone only when the watcher is being dropped.
            let _ = sender.send(event);
        })?;
        // Parents first: a folder that is also another's parent keeps its recursive watch.
        for dir in dirs {
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if parent.is_dir() {
                watches.watch(parent, RecursiveMode::NonRecursive)?;
            }
        }
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            watches.watch(dir, RecursiveMode::Recursive)?;
        }
        // Events name paths under the working folder as notify joins them.
        let here = std::env::current_dir().map_err(notify::Error::io)?;
        Ok(Self { _watches: watches, events, dirs: dirs.iter().map(|d| here.join(d)).collect(), burst: None })
    }

    /// Waits for a change that concerns the watched folders, then until
    /// they have been quiet for `QUIET` (at most `BURST_LIMIT`). Never
    /// returns when the watches have ended. Cancel-safe: the daemon's loop
    /// drops this future whenever something else wakes it, and a burst
    /// under way is kept in `burst`, not in the future.
    pub(crate) async fn changed(&mut self) {
        loop {
            let event = match self.burst {
                None => self.events.recv().await,
                Some(burst) => match tokio::time::timeout_at(burst.settled_at(), self.events.recv()).await {
                    Ok(event) => event,
                    Err(_) => break,
                },
            };
            match event {
                Some(event) if self.concerns_us(&event) => {
                    let now = Instant::now();
                    let first = self.burst.map_or(now, |b| b.first);
                    self.burst = Some(Burst { first, last: now });
                }
                Some(_) => {}
                None if self.burst.is_some() => break,
                None => std::future::pending().await,
            }
        }
        self.burst = None;
    }

    /// Whether `event` changes what the daemon would read: a file or folder
    /// written, made, removed or renamed at or below a watched folder. Reads
    /// (the daemon's own among them) do not count; an error or a lost event
    /// queue does, since a reload is harmless.
    fn concerns_us(&self, event: &notify::Result<Event>) -> bool {
        let Ok(event) = event else { return true };
        if event.flag() == Some(Flag::Rescan) {
            return true;
        }
        let writes = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) | EventKind::Modify(notify::event::ModifyKind::Metadata(_)) => false,
            _ => true,
        };
        writes && event.paths.iter().any(|path| self.dirs.iter().any(|dir| path.starts_with(dir)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, path: &str) -> notify::Result<Event> {
        Ok(Event::new(kind).add_path(PathBuf::from(path)))
    }

    #[test]
    fn writes_below_a_watched_folder_count_and_reads_and_neighbours_do_not() {
        let (_sender, events) = mpsc::unbounded_channel();
        let watcher = Watcher {
            _watches: notify::recommended_watcher(|_| {}).unwrap(),
            events,
            dirs: vec![PathBuf::from("/srv/ns/robots")],
            burst: None,
        };
        let modify = EventKind::Modify(notify::event::ModifyKind::Data(notify::event::DataChange::Any));
        let close_write = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        let create = EventKind::Create(notify::event::CreateKind::Any);
        assert!(watcher.concerns_us(&event(modify, "/srv/ns/robots/a.yaml")));
        assert!(watcher.concerns_us(&event(close_write, "/srv/ns/robots/steps/s.yaml")));
        // The folder itself, swapped in its parent.
        assert!(watcher.concerns_us(&event(create, "/srv/ns/robots")));
        assert!(!watcher.concerns_us(&event(open, "/srv/ns/robots/a.yaml")));
        assert!(!watcher.concerns_us(&event(create, "/srv/ns/robots-old")));
        assert!(!watcher.concerns_us(&event(create, "/srv/ns/state.db")));
        assert!(watcher.concerns_us(&Err(notify::Error::generic("queue overflow"))));
    }

    /// The daemon's loop drops `changed` whenever a run ends or a slot is
    /// due: a change seen before that is still reported.
    #[tokio::test]
    async fn a_change_seen_before_the_wait_was_dropped_is_still_reported() {
        let dir = tempfile::tempdir().unwrap();
        let robots = dir.path().join("robots");
        std::fs::create_dir(&robots).unwrap();
        let mut watcher = Watcher::new(&[&robots]).unwrap();
        std::fs::write(robots.join("r.yaml"), "name: r\n").unwrap();
        // Long enough to take the event, shorter than the quiet time.
        let cut = tokio::time::timeout(QUIET / 4, watcher.changed()).await;
        assert!(cut.is_err(), "reported before the folder was quiet");
        assert!(watcher.burst.is_some(), "the change was taken and forgotten");
        let reported = tokio::time::timeout(QUIET * 5, watcher.changed()).await;
        assert!(reported.is_ok(), "a change seen by a dropped wait was lost");
        // Reading a file is no change.
        let _ = std::fs::read_to_string(robots.join("r.yaml")).unwrap();
        let quiet = tokio::time::timeout(QUIET * 3, watcher.changed()).await;
        assert!(quiet.is_err(), "reading a file counted as a change");
    }
}
