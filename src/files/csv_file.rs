//! Every CSV nightshift reads or writes goes through here: one reader and one
//! writer (the `csv` crate), and the encodings Swedish offices use: UTF-8,
//! with or without a byte-order mark; Windows-1252, which Excel in Sweden
//! saves "CSV (semicolon separated)" in; ISO-8859-15, which older Unix
//! systems export; and UTF-16, Excel's "Unicode text" (read only). The
//! tables are `encoding_rs`'s.

use encoding_rs::EncoderResult;
use thiserror::Error;

/// How a CSV file's bytes are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 when the bytes start with its byte-order mark, UTF-8 when they
    /// are valid UTF-8 (a BOM is dropped), else Windows-1252: what Excel
    /// saves unless told otherwise.
    #[default]
    Detect,
    Utf8,
    Windows1252,
    Iso8859_15,
    /// Little-endian unless a byte-order mark says otherwise; read only.
    Utf16,
}

impl Encoding {
    /// The names robot files use.
    pub const NAMES: [(&'static str, Encoding); 5] = [
        ("auto", Encoding::Detect),
        ("utf-8", Encoding::Utf8),
        ("windows-1252", Encoding::Windows1252),
        ("iso-8859-15", Encoding::Iso8859_15),
        ("utf-16", Encoding::Utf16),
    ];

    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "utf8" => "utf-8",
            "cp1252" | "latin1" | "iso-8859-1" => "windows-1252",
            "latin9" | "latin-9" | "iso8859-15" => "iso-8859-15",
            "utf16" | "utf-16le" | "unicode" => "utf-16",
            other => other,
        };
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
    }

    /// Whether nightshift writes files in it (`encoding_rs` writes no UTF-16).
    pub fn writable(self) -> bool {
        self != Encoding::Utf16
    }

    /// The single-byte table, for the encodings that have one.
    fn table(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252),
            Encoding::Iso8859_15 => Some(encoding_rs::ISO_8859_15),
            Encoding::Detect | Encoding::Utf8 | Encoding::Utf16 => None,
        }
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

/// The bytes as text in `encoding`.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, CsvError> {
    // A UTF-16 byte-order mark settles it; UTF-16 without one is little-endian.
    let utf16 = match encoding_rs::Encoding::for_bom(bytes) {
        Some((found, bom)) if found != encoding_rs::UTF_8 => Some((found, bom)),
        _ => (encoding == Encoding::Utf16).then_some((encoding_rs::UTF_16LE, 0)),
    };
    if let Some((found, bom)) = utf16.filter(|_| matches!(encoding, Encoding::Detect | Encoding::Utf16)) {
        return Ok(found.decode_without_bom_handling(&bytes[bom..]).0.into_owned());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(table) = encoding.table() {
        return Ok(table.decode_without_bom_handling(bytes).0.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) if encoding == Encoding::Utf8 => Err(CsvError::NotUtf8 { at: e.valid_up_to() }),
        Err(_) => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

/// The text as bytes in `encoding`; a character it lacks becomes `?`.
/// UTF-8 for the encodings nightshift does not write.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    let Some(table) = encoding.table() else { return text.as_bytes().to_vec() };
    let mut encoder = table.new_encoder();
    let mut bytes = Vec::with_capacity(text.len() + 16);
    let mut rest = text;
    loop {
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut bytes, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return bytes,
            EncoderResult::OutputFull => bytes.reserve(rest.len() + 16),
            EncoderResult::Unmappable(_) => bytes.push(b'?'),
        }
    }
}

/// The separator of a header line: whichever of `;`, tab and `,` it has
/// most of (`;` as Swedish spreadsheets export, tab as Excel's "Unicode
/// text"), `,` when it has none.
pub fn separator_of(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    [b';', b'\t']
        .into_iter()
        .filter(|s| count(char::from(*s)) > count(','))
        .max_by_key(|s| count(char::from(*s)))
        .unwrap_or(b',')
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
    fn latin_9_and_excel_s_unicode_text_read_as_written() {
        // ISO-8859-15 has the euro and Š where Latin-1 has ¤ and ¦.
        assert_eq!(decode(b"\xA4;\xA6;\xE5", Encoding::Iso8859_15).unwrap(), "€;Š;å");
        assert_eq!(encode("€;Š;å", Encoding::Iso8859_15), b"\xA4;\xA6;\xE5".to_vec());
        // Excel's "Unicode text": UTF-16LE with its byte-order mark, found without being named.
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("Ärende\tÅsa".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16, Encoding::Detect).unwrap(), "Ärende\tÅsa");
        assert_eq!(decode(&utf16[2..], Encoding::Utf16).unwrap(), "Ärende\tÅsa");
        let big: Vec<u8> = [0xFE, 0xFF].into_iter().chain("Öberg".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&big, Encoding::Utf16).unwrap(), "Öberg");
        // A character the table lacks is a question mark, and the rest is kept.
        assert_eq!(encode("ok ✓ Ω å", Encoding::Windows1252), b"ok ? ? \xE5".to_vec());
        assert!(!Encoding::Utf16.writable() && Encoding::Iso8859_15.writable());
        assert_eq!(Encoding::parse("Latin9"), Some(Encoding::Iso8859_15));
        assert_eq!(separator_of("Ärende\tNamn\tOrt, län\n1\t2\t3"), b'\t');
        assert_eq!(separator_of("a;b;c\n"), b';');
        assert_eq!(separator_of("a,b;c\n"), b',');
    }

    #[test]
    fn a_record_of_another_width_or_an_open_quote_is_an_error_naming_the_record() {
        assert_eq!(parse("a,b\n1,2,3\n", b',').unwrap_err().to_string(), "record 2 has 3 fields, the header has 2");
        assert!(parse("a,b\n\"1,2\n", b',').is_err());
    }
}
