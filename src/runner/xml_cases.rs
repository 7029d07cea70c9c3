//! Cases from XML files (`items: xml:`): one per file, or one per matching
//! element of a file. A file that is not well-formed XML is still a case, one
//! marked unreadable, so that it becomes that case's business exception and
//! the other files go on.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::browser::Browser;
use crate::robot::expr::Template;
use crate::robot::model::ItemSource;
use crate::runner::event::RunEvent;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;
use crate::runner::source::{Row, SourceError, get, json_text, resolve_url, row_field};

/// The field that marks a case whose file could not be read, holding why.
/// No XML element can be named so; the runner takes it off before the steps.
pub(crate) const UNREADABLE: &str = "#unreadable";

/// Whether a source's path is an http(s) address rather than a file.
pub(crate) fn is_address(path: &str) -> bool {
    path.starts_with("http://") || path.starts_with("https://")
}

/// How a source's files are read into cases: one per `each` element (else
/// one per file), keyed by `key`, prefixes bound as `bound` says.
pub(crate) struct XmlShape {
    pub(crate) each: Option<String>,
    pub(crate) key: String,
    pub(crate) bound: Vec<(String, String)>,
}

/// The field every case from a file has: the file's name.
pub(crate) const FILE_FIELD: &str = "file";

/// The cases in the XML files at `path`: a file, a folder's `.xml` files,
/// or the files a pattern's last part matches (`inbox/*.xml`), by name.
/// With `each`, a file holds one case per element at that path below its
/// root; else it is one case. An unreadable file's case has its name as
/// its `key` too, so it is kept apart from the others in the ledger.
/// Files still being written (changed in the last look) are left for the
/// next run and named in the second list.
pub(crate) fn read_xml_cases(path: &Path, shape: &XmlShape) -> Result<(Vec<Row>, Vec<PathBuf>), SourceError> {
    let mut rows = Vec::new();
    let (files, growing) = settled(xml_files(path)?);
    for file in files {
        let bytes =
            std::fs::read(&file).map_err(|source| SourceError::Io { action: "read", path: file.clone(), source })?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        rows.extend(cases_in(&bytes, &name, &file.display().to_string(), shape));
    }
    Ok((rows, growing))
}

/// The cases at an address: one XML document, or, where the address answers
/// a folder's listing (an HTML page, as a web server lists a folder), each
/// `.xml` file it links to.
pub(crate) fn read_xml_url(
    url: &str,
    shape: &XmlShape,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<Vec<Row>, SourceError> {
    let answer = get(url, headers, timeout)?;
    let html = answer.html;
    let bytes = answer.accepted(&format!("GET {url}"))?;
    if !html {
        let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string();
        return Ok(cases_in(&bytes, &name, url, shape));
    }
    let listing = String::from_utf8_lossy(&bytes);
    let mut files: Vec<String> = listing
        .split("href=")
        .skip(1)
        .filter_map(|rest| {
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            rest[1..].split(quote).next().map(str::to_string)
        })
        .filter(|href| href.to_lowercase().ends_with(".xml") && !href.contains("://"))
        .collect();
    files.sort();
    files.dedup();
    let mut rows = Vec::new();
    for href in files {
        let address = resolve_url(url, &href);
        let bytes = get(&address, headers, timeout)?.accepted(&format!("GET {address}"))?;
        let name = href.rsplit('/').next().unwrap_or_default().replace("%20", " ");
        rows.extend(cases_in(&bytes, &name, &address, shape));
    }
    Ok(rows)
}

/// The cases in one file's bytes, named `name` (its `file` field) and
/// `place` in an error: one, or one per `each` element; a file that is not
/// XML is one case marked unreadable, keyed by its name.
fn cases_in(bytes: &[u8], name: &str, place: &str, shape: &XmlShape) -> Vec<Row> {
    let key = shape.key.as_str();
    match crate::xml::read_bound(bytes, &shape.bound) {
        Ok(document) => match shape.each.as_deref() {
            Some(each) => crate::xml::select(&document, each).into_iter().map(|v| row_of(v, name)).collect(),
            None => vec![row_of(document.content, name)],
        },
        Err(error) => {
            let mut row = vec![(FILE_FIELD.to_string(), name.to_string())];
            if key != FILE_FIELD {
                row.push((key.to_string(), name.to_string()));
            }
            row.push((UNREADABLE.to_string(), format!("`{place}` {error}")));
            vec![row]
        }
    }
}

/// How recently a file may have changed and still be taken without a
/// second look: a writer that is still at it changes it again within this.
const STILL_WRITING: Duration = Duration::from_secs(1);

/// The files that are whole, and those still being written: a file that
/// changed within `STILL_WRITING` is looked at again after it, and one whose
/// size or time changed meanwhile is left out.
fn settled(files: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let look = |file: &Path| std::fs::metadata(file).ok().map(|m| (m.len(), m.modified().ok()));
    let fresh = |file: &Path| {
        let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
        modified.and_then(|m| m.elapsed().ok()).is_none_or(|age| age < STILL_WRITING)
    };
    let first: Vec<_> = files.iter().map(|f| fresh(f).then(|| look(f))).collect();
    if first.iter().any(Option::is_some) {
        std::thread::sleep(STILL_WRITING);
    }
    let mut whole = Vec::new();
    let mut growing = Vec::new();
    for (file, before) in files.into_iter().zip(first) {
        match before {
            Some(before) if look(&file) != before => growing.push(file),
            _ => whole.push(file),
        }
    }
    (whole, growing)
}

impl<B: Browser> Runner<'_, B> {
    /// Reads an `items: xml:` source: the files at an address or in a
    /// folder; files still being written are named in the log and left.
    pub(super) async fn read_xml_source(
        &mut self,
        path: &Template,
        each: Option<&str>,
        headers: &[(String, Template)],
        namespaces: &[(String, String)],
        key: &str,
    ) -> Result<Vec<Row>, Failure> {
        let path = path.render(&self.scope)?;
        let shape = XmlShape { each: each.map(String::from), key: key.to_string(), bound: namespaces.to_vec() };
        if is_address(&path) {
            let (headers, timeout) = (self.headers(headers)?, self.robot.timeouts.page_load);
            let read = tokio::task::spawn_blocking(move || read_xml_url(&path, &shape, &headers, timeout))
                .await
                .map_err(|source| SystemError::Task { what: "reading of XML files", source })?;
            return Ok(read?);
        }
        let path = self.robot.path.parent().map(PathBuf::from).unwrap_or_default().join(path);
        let read = tokio::task::spawn_blocking(move || read_xml_cases(&path, &shape))
            .await
            .map_err(|source| SystemError::Task { what: "reading of XML files", source })?;
        let (rows, growing) = read?;
        for file in growing {
            let message = format!("{} is still being written; it is left for the next run", file.display());
            self.emit(RunEvent::Log { item: None, message });
        }
        Ok(rows)
    }

    /// Moves a settled case's file into the source's `done` folder, so the
    /// drop folder holds only what is left to do; a file that cannot be
    /// moved stays (the ledger skips its case next time, and tries again).
    pub(super) fn file_away(&mut self, row: &Row, seq: usize) {
        let Some(ItemSource::Xml { path, done: Some(done), .. }) = self.robot.items.as_ref().map(|i| &i.source) else {
            return;
        };
        let Some(name) = row_field(row, FILE_FIELD) else { return };
        let base = self.robot.path.parent().map(PathBuf::from).unwrap_or_default();
        let folders = path.render(&self.scope).and_then(|p| Ok((p, done.render(&self.scope)?)));
        let Ok((path, done)) = folders else { return };
        let source = base.join(path);
        let folder = if source.is_dir() { source } else { source.parent().map(PathBuf::from).unwrap_or_default() };
        let done = base.join(done);
        let moved = std::fs::create_dir_all(&done).and_then(|()| {
            let mut target = done.join(&name);
            for n in 1.. {
                if !target.exists() {
                    break;
                }
                target = done.join(format!("{name}.{n}"));
            }
            std::fs::rename(folder.join(&name), &target).map(|()| target)
        });
        let message = match moved {
            Ok(target) => format!("{name} moved to {}", target.display()),
            Err(error) => format!("{name} could not be moved to {}: {error}; it stays", done.display()),
        };
        self.emit(RunEvent::Log { item: Some(seq), message });
    }
}

/// An element's fields: its children and attributes (nested ones as JSON,
/// for `${item.Header.Status.Name}`), then the file's name.
fn row_of(value: Value, file: &str) -> Row {
    let mut row: Row = match value {
        Value::Object(fields) => fields.into_iter().map(|(k, v)| (k, json_text(v))).collect(),
        other => vec![("#text".to_string(), json_text(other))],
    };
    if !row.iter().any(|(k, _)| k == FILE_FIELD) {
        row.push((FILE_FIELD.to_string(), file.to_string()));
    }
    row
}

/// The files `path` names, sorted by name.
fn xml_files(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (folder, pattern) = if name.contains(['*', '?']) {
        (path.parent().map(Path::to_path_buf).unwrap_or_default(), name)
    } else if path.is_dir() {
        (path.to_path_buf(), "*.xml".to_string())
    } else {
        return Ok(vec![path.to_path_buf()]);
    };
    let listing = std::fs::read_dir(&folder).map_err(|source| SourceError::Io {
        action: "list",
        path: folder.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = listing
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter(|entry| wildcard(&pattern.to_lowercase(), &entry.file_name().to_string_lossy().to_lowercase()))
        .map(|entry| entry.path())
        .collect();
    files.sort();
    Ok(files)
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and
/// `?` any one.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (pattern, name): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut p, mut n, mut star, mut resume) = (0, 0, None, 0);
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            resume = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            n = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_a_shell_does_within_one_folder() {
        assert!(wildcard("*.xml", "case-1.xml"));
        assert!(wildcard("case-?.xml", "case-1.xml"));
        assert!(!wildcard("case-?.xml", "case-12.xml"));
        assert!(wildcard("*-*.xml", "a-b-c.xml"));
        assert!(!wildcard("*.xml", "case.xml.part"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn a_folder_s_files_are_cases_and_a_broken_one_is_marked_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.xml"), "<case id=\"2\"><name>Per</name></case>").unwrap();
        std::fs::write(dir.path().join("a.xml"), "<case id=\"1\"><name>Åsa</name><tag>x</tag><tag>y</tag></case>")
            .unwrap();
        std::fs::write(dir.path().join("c.xml"), "<case><name>Broken</case>").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a case").unwrap();
        let shape = XmlShape { each: None, key: "@id".into(), bound: Vec::new() };
        let (rows, growing) = read_xml_cases(dir.path(), &shape).unwrap();
        assert!(growing.is_empty());
        assert_eq!(rows.len(), 3, "{rows:?}");
        let field = |row: &Row, name: &str| row.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(field(&rows[0], "@id").as_deref(), Some("1"));
        assert_eq!(field(&rows[0], "name").as_deref(), Some("Åsa"));
        assert_eq!(field(&rows[0], "tag").as_deref(), Some(r#"["x","y"]"#));
        assert_eq!(field(&rows[0], "file").as_deref(), Some("a.xml"));
        assert_eq!(field(&rows[1], UNREADABLE), None);
        assert_eq!(field(&rows[2], "@id").as_deref(), Some("c.xml"), "the broken file is keyed by its name");
        let why = field(&rows[2], UNREADABLE).unwrap();
        assert!(why.ends_with("c.xml` line 1, column 19: expected 'name' tag, not 'case'"), "{why}");
    }

    #[test]
    fn one_file_can_hold_a_case_per_element() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.xml");
        let text = "<export><errands><errand><id>7</id></errand><errand><id>8</id></errand></errands></export>";
        std::fs::write(&path, text).unwrap();
        let shape = XmlShape { each: Some("errands/errand".into()), key: "id".into(), bound: Vec::new() };
        let (rows, _) = read_xml_cases(&dir.path().join("*.XML"), &shape).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r[0].1.as_str()).collect();
        assert_eq!(ids, ["7", "8"]);
        assert_eq!(rows[1][1], ("file".to_string(), "export.xml".to_string()));
    }
}
