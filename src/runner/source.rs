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

fn json_text(value: serde_json::Value) -> String {
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
    fn json_values_become_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.json");
        std::fs::write(&path, r#"[{"id": 17, "name": "Åsa", "note": null}]"#).unwrap();
        let rows = read_json(&path).unwrap();
        assert_eq!(rows[0][0], ("id".to_string(), "17".to_string()));
        assert_eq!(rows[0][2], ("note".to_string(), String::new()));
    }
}
