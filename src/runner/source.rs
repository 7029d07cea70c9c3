//! Reading cases from files: CSV (a header line, then one case per line) and
//! JSON (an array of objects). Each case is a list of (field, text) pairs.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::files::csv_file::{self, Encoding};
use crate::robot::model::NextPage;

/// One case's fields, in the order of the source.
pub(crate) type Row = Vec<(String, String)>;

/// Why cases or data could not be read from a file or an API, or written to a file.
#[derive(Debug, Error)]
pub(crate) enum SourceError {
    #[error("failed to {action} `{}`: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("`{}` {source}", path.display())]
    Csv { path: PathBuf, source: csv_file::CsvError },
    #[error("`{}` has other columns: {header}", path.display())]
    OtherColumns { path: PathBuf, header: String },
    #[error("`{}` is not valid JSON: {source}", path.display())]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("`{}` must hold an array of objects", path.display())]
    NotAList { path: PathBuf },
    #[error("`{}` element {index} is not an object", path.display())]
    NotAnObject { path: PathBuf, index: usize },
    #[error("{method} failed: {source}")]
    Request { method: String, source: Box<ureq::Error> },
    #[error("failed to read the answer: {source}")]
    Answer { source: Box<ureq::Error> },
    #[error("{method} answered {status}: {body}")]
    Status { method: String, status: u16, body: String },
    #[error("the answer is not text in UTF-8: {source}")]
    NotText { source: std::str::Utf8Error },
    #[error("the answer is not JSON: {source}")]
    AnswerJson { source: serde_json::Error },
    #[error("the API's next page is `{url}` again: its paging goes round in a circle")]
    PagingLoop { url: String },
    #[error("the API had more than {limit} pages")]
    TooManyPages { limit: usize },
    #[error("the answer has no `{field}`")]
    NoField { field: String },
    #[error("expected a list of cases at `{at}`")]
    AnswerNotAList { at: String },
    #[error("case {index} in the answer is not an object")]
    AnswerNotAnObject { index: usize },
    #[error("Open ePlatform refused the user `{user}`: the user name or password is wrong")]
    PlatformLogin { user: String },
    #[error(
        "Open ePlatform refused family {family} to the user `{user}`: the account has not been granted that \
         e-service (it said: {said})"
    )]
    FamilyRefused { family: u32, user: String, said: String },
    #[error("Open ePlatform does not answer `{path}`")]
    NoSuchCall { path: String },
    #[error("Open ePlatform's answer to `{call}` is not XML: it {reason}")]
    AnswerXml { call: String, reason: String },
    #[error("Open ePlatform did not do `{operation}`: {reason}")]
    Fault { operation: String, reason: String },
}

fn read_text(path: &Path) -> Result<String, SourceError> {
    std::fs::read_to_string(path).map_err(|source| SourceError::Io { action: "read", path: path.into(), source })
}

/// Reads a CSV file in `encoding`; the separator is `,` or, when the
/// header has more `;` than `,` (as Swedish spreadsheets export), `;`.
pub(crate) fn read_csv(path: &Path, encoding: Encoding) -> Result<Vec<Row>, SourceError> {
    let bytes = std::fs::read(path).map_err(|source| SourceError::Io { action: "read", path: path.into(), source })?;
    let csv = |source| SourceError::Csv { path: path.into(), source };
    let text = csv_file::decode(&bytes, encoding).map_err(csv)?;
    let mut records = csv_file::parse(&text, csv_file::separator_of(&text)).map_err(csv)?;
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let header = records.remove(0);
    Ok(records.into_iter().map(|record| header.iter().cloned().zip(record).collect()).collect())
}

/// Reads a JSON file holding an array of objects; values become text.
pub(crate) fn read_json(path: &Path) -> Result<Vec<Row>, SourceError> {
    let text = read_text(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| SourceError::Json { path: path.into(), source })?;
    let serde_json::Value::Array(items) = value else {
        return Err(SourceError::NotAList { path: path.into() });
    };
    items
        .into_iter()
        .enumerate()
        .map(|(n, item)| match item {
            serde_json::Value::Object(fields) => Ok(fields.into_iter().map(|(k, v)| (k, json_text(v))).collect()),
            _ => Err(SourceError::NotAnObject { path: path.into(), index: n }),
        })
        .collect()
}

/// A JSON value as the text a field or variable holds: strings as they are,
/// null as nothing, anything else as JSON.
pub(crate) fn json_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A case's field by its own name (a CSV header may hold a dot), else a
/// field inside one that holds JSON (`Header.FlowInstanceID`).
pub(crate) fn row_field(row: &[(String, String)], name: &str) -> Option<String> {
    let exact = row.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    exact.or_else(|| {
        let (head, path) = name.split_once('.')?;
        let text = &row.iter().find(|(k, _)| k == head)?.1;
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        at_path(&value, path).cloned().map(json_text)
    })
}

/// What a case's fields sum up to (FNV-1a over names and values, in order):
/// equal for a case whose source gives the same fields, different once one
/// of them changes. Kept in the ledger, never the fields themselves.
pub(crate) fn fingerprint(row: &[(String, String)]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in row {
        for byte in name.bytes().chain([0x1f]).chain(value.bytes()).chain([0x1e]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_separators_quotes_and_newlines() {
        let records = csv_file::parse("a,b\n\"x, y\",\"say \"\"hej\"\"\"\n\"two\nlines\",z\r\n", b',').unwrap();
        assert_eq!(records, [vec!["a", "b"], vec!["x, y", "say \"hej\""], vec!["two\nlines", "z"]]);
    }

    #[test]
    fn semicolons_are_detected_and_rows_keyed_by_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, "Ärende;Namn\n17;Åsa Öberg\n18;Per\n").unwrap();
        let rows = read_csv(&path, Encoding::Detect).unwrap();
        assert_eq!(rows[0], [("Ärende".to_string(), "17".to_string()), ("Namn".to_string(), "Åsa Öberg".to_string())]);
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_short_record_names_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, "a,b\n1,2\n3\n").unwrap();
        assert!(
            read_csv(&path, Encoding::Detect)
                .unwrap_err()
                .to_string()
                .ends_with("record 3 has 1 fields, the header has 2")
        );
    }

    #[test]
    fn appended_rows_read_back_with_their_header_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/report.csv");
        let row =
            |a: &str, b: &str| vec![("Ärende".to_string(), a.to_string()), ("Notering".to_string(), b.to_string())];
        append_csv(&path, &row("1", "enkel"), ';', Encoding::Detect).unwrap();
        append_csv(&path, &row("2", "med ; och \"citat\""), ';', Encoding::Detect).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "Ärende;Notering\r\n1;enkel\r\n2;\"med ; och \"\"citat\"\"\"\r\n");
        assert_eq!(read_csv(&path, Encoding::Detect).unwrap()[1][1].1, "med ; och \"citat\"");
        let other = vec![("Annat".to_string(), "x".to_string())];
        assert!(
            append_csv(&path, &other, ';', Encoding::Detect).unwrap_err().to_string().contains("has other columns")
        );
    }

    #[test]
    fn json_values_become_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.json");
        std::fs::write(&path, r#"[{"id": 17, "name": "Åsa", "note": null}]"#).unwrap();
        let rows = read_json(&path).unwrap();
        assert_eq!(rows[0][0], ("id".to_string(), "17".to_string()));
        assert_eq!(rows[0][2], ("note".to_string(), String::new()));
    }
}

/// The most pages one read of an API may take, against a `next` that never ends.
pub(crate) const MAX_API_PAGES: usize = 1000;

/// The largest answer a source or step reads (an XML case with its files inside).
const MAX_ANSWER_BYTES: u64 = crate::xml::MAX_BYTES as u64;

/// One answer of a server: its status, its body and the headers a source reads.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// Whether the body is an HTML page (a folder's listing, say).
    pub(crate) html: bool,
    /// The `Link` header's `rel="next"` address.
    pub(crate) link_next: Option<String>,
}

impl Answer {
    /// What the server said, on one line and cut short, for an error (secrets
    /// in it are masked by the sinks, as everywhere).
    pub(crate) fn said(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(300).collect()
    }

    /// The body; a status of 400 or more is an error naming `method`.
    pub(crate) fn accepted(self, method: &str) -> Result<Vec<u8>, SourceError> {
        match self.status {
            400.. => Err(SourceError::Status { method: method.into(), status: self.status, body: self.said() }),
            _ => Ok(self.body),
        }
    }
}

/// Reads the answer to a request that `method` names in an error.
pub(crate) fn receive(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    method: &str,
) -> Result<Answer, SourceError> {
    let mut answer = sent.map_err(|e| SourceError::Request { method: method.into(), source: Box::new(e) })?;
    let status = answer.status().as_u16();
    let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let html = header("content-type").is_some_and(|t| t.contains("html"));
    let link_next = header("link").as_deref().and_then(link_next);
    let body = answer
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_vec()
        .map_err(|e| SourceError::Answer { source: Box::new(e) })?;
    Ok(Answer { status, body, html, link_next })
}

/// GETs `url` with `headers`; statuses are the caller's to judge.
pub(crate) fn get(
    url: &str,
    headers: &[(String, String)],
    timeout: std::time::Duration,
) -> Result<Answer, SourceError> {
    let mut request = agent(timeout).get(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    receive(request.call(), "GET")
}

/// Sends one request with JSON in and out; a status of 400 or more is an error.
fn exchange(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&serde_json::Value>,
    timeout: std::time::Duration,
) -> Result<(String, Option<String>), SourceError> {
    let agent = agent(timeout);
    // A file's name in an address (`${item.file}`) may hold spaces.
    let url = &url.replace(' ', "%20");
    let sent = match method {
        "get" => with_headers(agent.get(url), headers).call(),
        "delete" => with_headers(agent.delete(url), headers).call(),
        _ => {
            let text = body.map(serde_json::Value::to_string).unwrap_or_else(|| "{}".into());
            let builder = if method == "put" { agent.put(url) } else { agent.post(url) };
            with_headers(builder, headers).content_type("application/json").send(text.as_bytes())
        }
    };
    let method = method.to_uppercase();
    let answer = receive(sent, &method)?;
    let link_next = answer.link_next.clone();
    let text =
        String::from_utf8(answer.accepted(&method)?).map_err(|e| SourceError::NotText { source: e.utf8_error() })?;
    Ok((text, link_next))
}

/// An HTTP client that waits at most `timeout` for a whole exchange, leaves
/// statuses to the caller, and trusts the system's certificate authorities.
pub(crate) fn agent(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .tls_config(crate::trust::tls_config())
        .build()
        .into()
}

fn with_headers<B>(mut request: ureq::RequestBuilder<B>, headers: &[(String, String)]) -> ureq::RequestBuilder<B> {
    request = request.header("Accept", "application/json");
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    request
}

/// The `rel="next"` address of a `Link` header.
fn link_next(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let rel_next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "rel=\"next\"" || p == "rel=next"
        });
        rel_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// `reference` (an address, a path or a query) read against `base`.
pub(crate) fn resolve_url(base: &str, reference: &str) -> String {
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return reference.to_string();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[origin_end..].find('/').map_or(base.len(), |i| origin_end + i);
    let without_query = base.split(['?', '#']).next().unwrap_or(base);
    if reference.starts_with('/') {
        format!("{}{reference}", &base[..path_start])
    } else if reference.starts_with('?') {
        format!("{without_query}{reference}")
    } else {
        let folder_end = without_query.rfind('/').filter(|i| *i >= path_start).map_or(without_query.len(), |i| i + 1);
        format!("{}{reference}", &without_query[..folder_end])
    }
}

/// `url` with the query parameter `name` set to `value` (replaced if there).
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    pairs.push((name.to_string(), value.to_string()));
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{path}?{query}")
}

/// The value at a dot path (`data.errands`) of a JSON answer.
fn at_path<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    path.split('.').try_fold(value, |v, part| v.get(part))
}

/// GETs `url` and reads the cases from the JSON answer: the array at the dot
/// path `items_at` (the whole answer without one), each object a case. The
/// pages after it are read too: where `next` says, else where the answer's
/// `Link` header's `rel="next"` points, up to `MAX_API_PAGES`.
pub(crate) fn fetch_json(
    url: &str,
    items_at: Option<&str>,
    headers: &[(String, String)],
    next: Option<&NextPage>,
    timeout: std::time::Duration,
) -> Result<Vec<Row>, SourceError> {
    let mut rows = Vec::new();
    let mut page_url = url.to_string();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_API_PAGES {
        seen.insert(page_url.clone());
        let (text, link) = exchange("get", &page_url, headers, None, timeout)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| SourceError::AnswerJson { source })?;
        rows.extend(cases_in(&value, items_at)?);
        let following = match next {
            Some(NextPage { field, param }) => match at_path(&value, field) {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => Some(json_text(v.clone())).filter(|t| !t.is_empty()).map(|t| match param {
                    Some(param) => with_param(url, param, &t),
                    None => resolve_url(&page_url, &t),
                }),
            },
            None => link.map(|l| resolve_url(&page_url, &l)),
        };
        match following {
            None => return Ok(rows),
            Some(u) if seen.contains(&u) => return Err(SourceError::PagingLoop { url: u }),
            Some(u) => page_url = u,
        }
    }
    Err(SourceError::TooManyPages { limit: MAX_API_PAGES })
}

/// The cases of one answer: the array at `items_at`, each object a case.
fn cases_in(value: &serde_json::Value, items_at: Option<&str>) -> Result<Vec<Row>, SourceError> {
    let list = match items_at {
        Some(path) => at_path(value, path).ok_or_else(|| SourceError::NoField { field: path.into() })?,
        None => value,
    };
    let serde_json::Value::Array(items) = list else {
        return Err(SourceError::AnswerNotAList { at: items_at.unwrap_or("the top").into() });
    };
    items
        .iter()
        .enumerate()
        .map(|(n, item)| match item {
            serde_json::Value::Object(fields) => {
                Ok(fields.iter().map(|(k, v)| (k.clone(), json_text(v.clone()))).collect())
            }
            _ => Err(SourceError::AnswerNotAnObject { index: n }),
        })
        .collect()
}

/// Sends one JSON request and returns the answer's body (for an `http` step).
/// A status of 400 or more is an error that names the status and shows the
/// start of the answer.
pub(crate) fn http_json(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&serde_json::Value>,
    timeout: std::time::Duration,
) -> Result<String, SourceError> {
    Ok(exchange(method, url, headers, body, timeout)?.0)
}

/// Rows as a JSON list of objects, the form `for_each` walks.
pub(crate) fn rows_json(rows: &[Row]) -> String {
    let list: Vec<serde_json::Map<String, serde_json::Value>> =
        rows.iter().map(|row| row.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect()).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

/// Appends one record to a CSV file in `encoding`, writing the header first
/// when the file is new or empty. A file whose header differs is refused,
/// not garbled.
pub(crate) fn append_csv(
    path: &Path,
    row: &[(String, String)],
    separator: char,
    encoding: Encoding,
) -> Result<(), SourceError> {
    use std::io::Write;
    let separator = separator as u8;
    let names: Vec<String> = row.iter().map(|(k, _)| k.clone()).collect();
    let existing = std::fs::read(path).unwrap_or_default();
    let mut records = Vec::new();
    if existing.is_empty() {
        records.push(names);
    } else {
        let text =
            csv_file::decode(&existing, encoding).map_err(|source| SourceError::Csv { path: path.into(), source })?;
        let first = text.lines().next().unwrap_or_default();
        if csv_file::parse(first, separator).ok().and_then(|r| r.into_iter().next()) != Some(names) {
            return Err(SourceError::OtherColumns { path: path.into(), header: first.to_string() });
        }
    }
    records.push(row.iter().map(|(_, v)| v.clone()).collect());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| SourceError::Io {
            action: "create",
            path: dir.into(),
            source,
        })?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| SourceError::Io { action: "open", path: path.into(), source })?;
    file.write_all(&csv_file::encode(&csv_file::write(&records, separator), encoding))
        .map_err(|source| SourceError::Io { action: "write", path: path.into(), source })
}

/// The cursor to keep after a run: the largest `field` value such that every
/// case up to it is settled. Cases are ordered by that value; a case that
/// failed technically (or needs review) holds the cursor before it.
/// Values are compared as numbers when both are whole numbers (event ids
/// of different lengths), else as text.
pub(crate) fn next_cursor(start: &str, mut seen: Vec<(String, bool)>) -> String {
    seen.sort_by(|(a, a_settled), (b, b_settled)| cursor_order(a, b).then(a_settled.cmp(b_settled)));
    let mut cursor = start.to_string();
    for (value, settled) in seen {
        if !settled {
            break;
        }
        if cursor_order(&value, &cursor).is_gt() {
            cursor = value;
        }
    }
    cursor
}

fn cursor_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod cursor_tests {
    use super::next_cursor;

    #[test]
    fn the_cursor_stops_before_the_first_unsettled_case() {
        let seen =
            vec![("3".to_string(), true), ("1".to_string(), true), ("4".to_string(), false), ("5".to_string(), true)];
        assert_eq!(next_cursor("0", seen), "3");
        assert_eq!(next_cursor("7", vec![("5".into(), true)]), "7");
        assert_eq!(next_cursor("", vec![]), "");
        let events = vec![("998".to_string(), true), ("1001".to_string(), true), ("1002".to_string(), false)];
        assert_eq!(next_cursor("990", events), "1001", "whole numbers compare as numbers");
    }
}
