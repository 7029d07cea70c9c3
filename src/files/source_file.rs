//! Reading robot, steps and schedule files: only regular files, and only up
//! to `MAX_FILE_BYTES`, so that a device, a pipe or a huge file in a watched
//! folder gives a clear error instead of a hang or a process that runs out
//! of memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The largest robot, steps or schedule file nightshift reads.
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Error)]
pub enum SourceFileError {
    #[error("failed to read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a regular file but {kind}", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("`{}` is larger than {} KiB, the most a robot, steps or schedule file may hold", path.display(), MAX_FILE_BYTES / 1024)]
    TooLarge { path: PathBuf },
    #[error("`{}` is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
}

/// The text of a robot, steps or schedule file.
pub(crate) fn read_source(path: &Path) -> Result<String, SourceFileError> {
    let io = |source| SourceFileError::Io { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(SourceFileError::NotAFile { path: path.to_path_buf(), kind: kind_of(&metadata) });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(SourceFileError::TooLarge { path: path.to_path_buf() });
    }
    // The file may grow between the look and the read: read one byte past the cap at most.
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SourceFileError::TooLarge { path: path.to_path_buf() });
    }
    String::from_utf8(bytes).map_err(|_| SourceFileError::NotText { path: path.to_path_buf() })
}

fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "something else"
    }
}

/// Whether `path` lies inside one of `roots` once links and `..` are resolved.
pub(crate) fn inside(path: &Path, roots: &[PathBuf]) -> bool {
    let Ok(path) = path.canonicalize() else { return false };
    roots.iter().filter_map(|r| r.canonicalize().ok()).any(|root| path.starts_with(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_pipes_folders_and_huge_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_source(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(err.to_string(), "`/dev/zero` is not a regular file but a character device");
        let fifo = dir.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        assert!(read_source(&fifo).unwrap_err().to_string().ends_with("is not a regular file but a named pipe"));
        assert!(read_source(dir.path()).unwrap_err().to_string().ends_with("is not a regular file but a folder"));
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(
            read_source(&big)
                .unwrap_err()
                .to_string()
                .ends_with("is larger than 1024 KiB, the most a robot, steps or schedule file may hold")
        );
        let ok = dir.path().join("ok.yaml");
        std::fs::write(&ok, "name: x\n").unwrap();
        assert_eq!(read_source(&ok).unwrap(), "name: x\n");
        assert!(inside(&ok, &[dir.path().to_path_buf()]));
        assert!(!inside(&dir.path().join("../../etc/passwd"), &[dir.path().to_path_buf()]));
    }
}
