//! Every CSV nightshift reads or writes goes through here: one reader and one
//! writer (the `csv` crate), and the encodings Swedish offices use: UTF-8,
//! with or without a byte-order mark, and Windows-1252, which Excel in Sweden
//! saves "CSV (semicolon separated)" in.

use thiserror::Error;

/// How a CSV file's bytes are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8 (a BOM is dropped), else
    /// Windows-1252: what Excel saves unless told otherwise.
    #[default]
    Detect,
    Utf8,
    Windows1252,
}

impl Encoding {
    /// The names robot files use.
    pub const NAMES: [(&'static str, Encoding); 3] =
        [("auto", Encoding::Detect), ("utf-8", Encoding::Utf8), ("windows-1252", Encoding::Windows1252)];

    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "utf8" => "utf-8",
            "cp1252" | "latin1" | "iso-8859-1" => "windows-1252",
            other => other,
        };
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
    }
}

#[derive(Debug, Error)]
pub enum CsvError {
    #[error("the text is not valid UTF-8 (byte {at}); if Excel saved it, say `encoding: windows-1252`")]
    NotUtf8 { at: usize },
    #[error("record {record}: {message}")]
    Record { record: usize, message: String },
    #[error("record {record} has {found} fields, the header has {expected}")]
    Width { record: usize, found: usize, expected: usize },
}

/// Windows-1252's characters for the bytes 0x80 to 0x9F (the rest are Latin-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The bytes as text in `encoding`.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match (encoding, std::str::from_utf8(bytes)) {
        (Encoding::Detect | Encoding::Utf8, Ok(text)) => Ok(text.to_string()),
        (Encoding::Utf8, Err(e)) => Err(CsvError::NotUtf8 { at: e.valid_up_to() }),
        (Encoding::Detect | Encoding::Windows1252, _) => Ok(bytes
            .iter()
            .map(|b| if (0x80..0xA0).contains(b) { CP1252_HIGH[usize::from(b - 0x80)] } else { char::from(*b) })
            .collect()),
    }
}

/// The text as bytes in `encoding`; a character Windows-1252 lacks becomes `?`.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    if encoding != Encoding::Windows1252 {
        return text.as_bytes().to_vec();
    }
    text.chars()
        .map(|c| match u32::from(c) {
            n @ (0..0x80 | 0xA0..0x100) => n as u8,
            _ => CP1252_HIGH.iter().position(|h| *h == c).map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

/// The separator of a header line: `;` when it has more of those than `,`
/// (as Swedish spreadsheets export), else `,`.
pub fn separator_of(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' }
}

/// The records of a CSV text, the first being the header; quotes as in RFC
/// 4180, every record as wide as the header.
pub fn parse(text: &str, separator: u8) -> Result<Vec<Vec<String>>, CsvError> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(separator).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CsvError::Record { record: n + 1, message: plain(&e) })?;
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        if let Some(expected) = records.first().map(Vec::len)
            && fields.len() != expected
        {
            return Err(CsvError::Width { record: n + 1, found: fields.len(), expected });
        }
        records.push(fields);
    }
    Ok(records)
}

/// The csv crate's error, without its Rust type names.
fn plain(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "a field is not valid text".into(),
        _ => e.to_string(),
    }
}

/// Records as CSV text: fields quoted only where needed, CRLF line ends.
pub fn write(records: &[Vec<String>], separator: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    for record in records {
        // Writing to memory cannot fail.
        let _ = writer.write_record(record);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_s_windows_1252_reads_as_swedish_and_writes_back_the_same_bytes() {
        let bytes = b"\xC4rende;Namn;Belopp\r\n1;\xC5sa \xD6berg;12\x80\r\n2;\"Per; \x93Pelle\x94\";0\r\n";
        let text = decode(bytes, Encoding::Detect).unwrap();
        let records = parse(&text, separator_of(&text)).unwrap();
        assert_eq!(records[0], ["Ärende", "Namn", "Belopp"]);
        assert_eq!(records[1], ["1", "Åsa Öberg", "12€"]);
        assert_eq!(records[2], ["2", "Per; “Pelle”", "0"]);
        assert_eq!(encode(&write(&records, b';'), Encoding::Windows1252), bytes.to_vec());
        assert!(decode(bytes, Encoding::Utf8).unwrap_err().to_string().contains("encoding: windows-1252"));
        assert_eq!(decode(b"\xEF\xBB\xBFa,b\n", Encoding::Detect).unwrap(), "a,b\n");
    }

    #[test]
    fn a_record_of_another_width_or_an_open_quote_is_an_error_naming_the_record() {
        assert_eq!(parse("a,b\n1,2,3\n", b',').unwrap_err().to_string(), "record 2 has 3 fields, the header has 2");
        assert!(parse("a,b\n\"1,2\n", b',').is_err());
    }
}
