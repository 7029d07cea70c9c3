//! Reading cases from files: CSV (a header line, then one case per line) and
//! JSON (an array of objects). Each case is a list of (field, text) pairs.

use std::path::Path;

/// One case's fields, in the order of the source.
pub type Row = Vec<(String, String)>;

/// Reads a CSV file; the separator is `,` or, when the header has more `;`
/// than `,` (as Swedish spreadsheets export), `;`.
pub fn read_csv(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("failed to read `{}`: {e}", path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let header_line = text.lines().next().unwrap_or_default();
    let separator = if header_line.matches(';').count() > header_line.matches(',').count() { ';' } else { ',' };
    let mut records = parse_csv(text, separator).map_err(|e| format!("`{}`: {e}", path.display()))?;
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let header = records.remove(0);
    let mut rows = Vec::new();
    for (n, record) in records.into_iter().enumerate() {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != header.len() {
            return Err(format!(
                "`{}` record {} has {} fields, the header has {}",
                path.display(),
                n + 2,
                record.len(),
                header.len()
            ));
        }
        rows.push(header.iter().cloned().zip(record).collect());
    }
    Ok(rows)
}

/// Splits CSV text into records (RFC 4180: quoted fields may hold the
/// separator, newlines and doubled quotes).
pub fn parse_csv(text: &str, separator: char) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, c) if c == separator => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("a quoted field is not closed (from line {line})"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// Reads a JSON file holding an array of objects; values become text.
pub fn read_json(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("failed to read `{}`: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`{}` is not valid JSON: {e}", path.display()))?;
    let serde_json::Value::Array(items) = value else {
        return Err(format!("`{}` must hold an array of objects", path.display()));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(n, item)| match item {
            serde_json::Value::Object(fields) => Ok(fields.into_iter().map(|(k, v)| (k, json_text(v))).collect()),
            _ => Err(format!("`{}` element {n} is not an object", path.display())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_separators_quotes_and_newlines() {
        let records = parse_csv("a,b\n\"x, y\",\"say \"\"hej\"\"\"\n\"two\nlines\",z\r\n", ',').unwrap();
        assert_eq!(records, [vec!["a", "b"], vec!["x, y", "say \"hej\""], vec!["two\nlines", "z"]]);
    }

    #[test]
    fn semicolons_are_detected_and_rows_keyed_by_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, "Ärende;Namn\n17;Åsa Öberg\n18;Per\n").unwrap();
        let rows = read_csv(&path).unwrap();
        assert_eq!(rows[0], [("Ärende".to_string(), "17".to_string()), ("Namn".to_string(), "Åsa Öberg".to_string())]);
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_short_record_names_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, "a,b\n1,2\n3\n").unwrap();
        assert!(read_csv(&path).unwrap_err().ends_with("record 3 has 1 fields, the header has 2"));
    }

    #[test]
    fn appended_rows_read_back_with_their_header_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/report.csv");
        let row =
            |a: &str, b: &str| vec![("Ärende".to_string(), a.to_string()), ("Notering".to_string(), b.to_string())];
        append_csv(&path, &row("1", "enkel"), ';').unwrap();
        append_csv(&path, &row("2", "med ; och \"citat\""), ';').unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "Ärende;Notering\r\n1;enkel\r\n2;\"med ; och \"\"citat\"\"\"\r\n");
        assert_eq!(read_csv(&path).unwrap()[1][1].1, "med ; och \"citat\"");
        let other = vec![("Annat".to_string(), "x".to_string())];
        assert!(append_csv(&path, &other, ';').unwrap_err().contains("has other columns"));
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

/// GETs `url` and reads the cases from the JSON answer: the array at the dot
/// path `items_at` (the whole answer without one), each object a case.
pub fn fetch_json(url: &str, items_at: Option<&str>, timeout: std::time::Duration) -> Result<Vec<Row>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(timeout)).build().into();
    let mut answer =
        agent.get(url).header("Accept", "application/json").call().map_err(|e| format!("GET failed: {e}"))?;
    let text = answer.body_mut().read_to_string().map_err(|e| format!("failed to read the answer: {e}"))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let mut list = &value;
    for part in items_at.into_iter().flat_map(|p| p.split('.')) {
        list = list.get(part).ok_or_else(|| format!("the answer has no `{part}`"))?;
    }
    let serde_json::Value::Array(items) = list else {
        return Err(format!("expected a list of cases at `{}`", items_at.unwrap_or("the top")));
    };
    items
        .iter()
        .enumerate()
        .map(|(n, item)| match item {
            serde_json::Value::Object(fields) => {
                Ok(fields.iter().map(|(k, v)| (k.clone(), json_text(v.clone()))).collect())
            }
            _ => Err(format!("case {n} in the answer is not an object")),
        })
        .collect()
}

/// Sends one JSON request and returns the answer's body (for an `http` step).
/// A status of 400 or more is an error that names the status.
pub fn http_json(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
    timeout: std::time::Duration,
) -> Result<String, String> {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
    let answer = match (method, body) {
        ("get", _) => agent.get(url).header("Accept", "application/json").call(),
        (_, body) => {
            let text = body.map(serde_json::Value::to_string).unwrap_or_else(|| "{}".into());
            let request = if method == "put" { agent.put(url) } else { agent.post(url) };
            request.header("Accept", "application/json").content_type("application/json").send(text.as_bytes())
        }
    };
    let mut answer = answer.map_err(|e| format!("{} failed: {e}", method.to_uppercase()))?;
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().map_err(|e| format!("failed to read the answer: {e}"))?;
    if status >= 400 {
        let detail: String = text.chars().take(200).collect();
        return Err(format!("{} answered {status}: {detail}", method.to_uppercase()));
    }
    Ok(text)
}

/// Rows as a JSON list of objects, the form `for_each` walks.
pub fn rows_json(rows: &[Row]) -> String {
    let list: Vec<serde_json::Map<String, serde_json::Value>> =
        rows.iter().map(|row| row.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect()).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

/// Appends one record to a CSV file, writing the header first when the file
/// is new or empty. A file whose header differs is refused, not garbled.
pub fn append_csv(path: &Path, row: &[(String, String)], separator: char) -> Result<(), String> {
    use std::io::Write;
    let quote = |field: &str| {
        if field.contains([separator, '"', '\n', '\r']) {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    };
    let line =
        |fields: Vec<&str>| fields.into_iter().map(quote).collect::<Vec<_>>().join(&separator.to_string()) + "\r\n";
    let header = line(row.iter().map(|(k, _)| k.as_str()).collect());
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    if let Some(first) = existing.lines().next()
        && first.trim_start_matches('\u{feff}') != header.trim_end()
    {
        return Err(format!("`{}` has other columns: {first}", path.display()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("failed to create `{}`: {e}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("failed to open `{}`: {e}", path.display()))?;
    let mut text = if existing.is_empty() { header } else { String::new() };
    text.push_str(&line(row.iter().map(|(_, v)| v.as_str()).collect()));
    file.write_all(text.as_bytes()).map_err(|e| format!("failed to write `{}`: {e}", path.display()))
}

/// The cursor to keep after a run: the largest `field` value such that every
/// case up to it is settled. Cases are ordered by that value; a case that
/// failed technically (or needs review) holds the cursor before it.
pub fn next_cursor(start: &str, mut seen: Vec<(String, bool)>) -> String {
    seen.sort();
    let mut cursor = start.to_string();
    for (value, settled) in seen {
        if !settled {
            break;
        }
        if value > cursor {
            cursor = value;
        }
    }
    cursor
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
    }
}
