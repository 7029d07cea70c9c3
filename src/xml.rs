//! XML as data: a document's bytes, in the encoding its prolog names, read
//! into JSON that `${name.path}` and `for_each` already walk. No DTD is read,
//! so no entity is expanded and nothing is fetched; size and depth are capped.
//!
//! The shape: an element holding only text is that text (trimmed); one with
//! child elements or attributes is an object with `@attribute` keys, its
//! children by local name (a name repeated becomes a list) and any text of
//! its own under `#text`. Namespaces are dropped: `oep:Values` and `Values`
//! in the default namespace both read as `Values`, unless the reader binds a
//! prefix to a namespace: its elements then read as `prefix:Values`.

use serde_json::{Map, Value};
use thiserror::Error;

/// The largest document read (an e-service case with its attachments inside).
pub(crate) const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The deepest nesting of elements read; data is never this deep.
pub(crate) const MAX_DEPTH: usize = 64;
/// The most nodes (elements, texts, attributes) one document may hold.
const MAX_NODES: u32 = 4_000_000;

/// `text` safe as XML or HTML element content or a quoted attribute value:
/// each of the five markup characters becomes its entity.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Why a document could not be read; the caller names the file or variable.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum XmlError {
    #[error("is {size} bytes, over the {limit} bytes an XML document may be")]
    TooLarge { size: usize, limit: usize },
    #[error("line {line}, column {column}: its elements nest deeper than {limit} levels")]
    TooDeep { line: u32, column: u32, limit: usize },
    #[error("names the encoding `{0}`, which nightshift does not read (UTF-8, ISO-8859-1 and Windows-1252 are read)")]
    UnknownEncoding(String),
    #[error("line {line}, column {column}: {what}")]
    Malformed { line: u32, column: u32, what: String },
    #[error(
        "line {line}, column {column}: has a DOCTYPE; documents with a DTD are refused, \
         so that no entity is expanded and nothing outside is fetched"
    )]
    Dtd { line: u32, column: u32 },
}

/// A document read: its root element's local name and its content as JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    pub(crate) root: String,
    pub(crate) content: Value,
}

/// Prefixes a reader binds to namespaces: (prefix, namespace).
pub(crate) type Bindings = [(String, String)];

/// Reads a document from its bytes.
pub(crate) fn read(bytes: &[u8]) -> Result<Document, XmlError> {
    read_bound(bytes, &[])
}

/// Reads a document from its bytes, elements of a bound namespace by prefix.
pub(crate) fn read_bound(bytes: &[u8], bindings: &Bindings) -> Result<Document, XmlError> {
    if bytes.len() > MAX_BYTES {
        return Err(XmlError::TooLarge { size: bytes.len(), limit: MAX_BYTES });
    }
    parse_bound(&decode(bytes)?, bindings)
}

/// Reads a document already held as text (its prolog's encoding is moot).
pub(crate) fn parse(text: &str) -> Result<Document, XmlError> {
    parse_bound(text, &[])
}

/// `parse`, elements of a bound namespace by prefix.
pub(crate) fn parse_bound(text: &str, bindings: &Bindings) -> Result<Document, XmlError> {
    if text.len() > MAX_BYTES {
        return Err(XmlError::TooLarge { size: text.len(), limit: MAX_BYTES });
    }
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..Default::default() };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|e| malformed(text, e))?;
    let root = document.root_element();
    Ok(Document { root: name(root.tag_name(), bindings), content: element(root, 1, bindings)? })
}

/// The elements at `path` (local names joined by `/`, below the root), each
/// as JSON: how a file holding many cases is split into one per element.
pub(crate) fn select(document: &Document, path: &str) -> Vec<Value> {
    let mut found = vec![document.content.clone()];
    for name in path.split('/').filter(|n| !n.is_empty()) {
        found = found
            .into_iter()
            .flat_map(|v| match v {
                Value::Object(mut map) => match map.remove(name) {
                    Some(Value::Array(list)) => list,
                    Some(one) => vec![one],
                    None => Vec::new(),
                },
                _ => Vec::new(),
            })
            .collect();
    }
    found
}

/// The document's text: the encoding from a byte-order mark, else from the
/// prolog's `encoding`, else UTF-8.
fn decode(bytes: &[u8]) -> Result<String, XmlError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return Ok(encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned());
    }
    let encoding = match declared_encoding(bytes) {
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .filter(|e| [encoding_rs::UTF_8, encoding_rs::WINDOWS_1252, encoding_rs::ISO_8859_15].contains(e))
            .ok_or(XmlError::UnknownEncoding(label))?,
        None => encoding_rs::UTF_8,
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors {
        let at = std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
        let (line, column) = line_column(&String::from_utf8_lossy(&bytes[..at]), at);
        let what = "the bytes are not UTF-8; a file in ISO-8859-1 says so in its prolog \
                    (`<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>`)"
            .to_string();
        return Err(XmlError::Malformed { line, column, what });
    }
    Ok(text.into_owned())
}

/// The `encoding` the prolog names, if it has one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(200))?;
    let head = String::from_utf8_lossy(head);
    let prolog = head.strip_prefix("<?xml")?.split("?>").next()?;
    let after = prolog.split("encoding").nth(1)?.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    Some(after[1..].split(quote).next()?.trim().to_string())
}

/// The line and column (from 1) of byte `at` in `text`.
fn line_column(text: &str, at: usize) -> (u32, u32) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, column as u32)
}

/// The parser's complaint in nightshift's words, with its place.
fn malformed(text: &str, error: roxmltree::Error) -> XmlError {
    if let roxmltree::Error::DtdDetected = error {
        let at = text.find("<!DOCTYPE").unwrap_or(0);
        let (line, column) = line_column(text, at);
        return XmlError::Dtd { line, column };
    }
    if let roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream = error {
        let (line, column) = line_column(text, text.len());
        let what = "the document ends before its root element is closed (cut short, or still being written)";
        return XmlError::Malformed { line, column, what: what.into() };
    }
    let pos = error.pos();
    let what = error.to_string().replace(&format!(" at {pos}"), "");
    let what = match error {
        roxmltree::Error::NodesLimitReached => format!("holds more than {MAX_NODES} nodes"),
        roxmltree::Error::NoRootNode => "holds no element".to_string(),
        roxmltree::Error::UnknownEntityReference(..) => format!("{what} (only XML's own five entities are read)"),
        _ => what,
    };
    XmlError::Malformed { line: pos.row, column: pos.col, what }
}

/// An element's or attribute's name: its local name, after a bound prefix.
fn name(name: roxmltree::ExpandedName, bindings: &Bindings) -> String {
    let bound = name.namespace().and_then(|uri| bindings.iter().find(|(_, u)| u == uri));
    match bound {
        Some((prefix, _)) => format!("{prefix}:{}", name.name()),
        None => name.name().to_string(),
    }
}

/// One element as JSON, as the module's head describes.
fn element(node: roxmltree::Node, depth: usize, bindings: &Bindings) -> Result<Value, XmlError> {
    if depth > MAX_DEPTH {
        let pos = node.document().text_pos_at(node.range().start);
        return Err(XmlError::TooDeep { line: pos.row, column: pos.col, limit: MAX_DEPTH });
    }
    let text: String = node.children().filter(|c| c.is_text()).filter_map(|c| c.text()).collect();
    let text = text.trim();
    if node.attributes().len() == 0 && !node.children().any(|c| c.is_element()) {
        return Ok(Value::String(text.to_string()));
    }
    let mut map = Map::new();
    for attribute in node.attributes() {
        let key = match attribute.namespace() {
            Some(uri) => name(roxmltree::ExpandedName::from((uri, attribute.name())), bindings),
            None => attribute.name().to_string(),
        };
        map.insert(format!("@{key}"), Value::String(attribute.value().to_string()));
    }
    for child in node.children().filter(|c| c.is_element()) {
        let value = element(child, depth + 1, bindings)?;
        let key = name(child.tag_name(), bindings);
        match map.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(one) => *one = Value::Array(vec![one.take(), value]),
            None => {
                map.insert(key, value);
            }
        }
    }
    if !text.is_empty() {
        map.insert("#text".into(), Value::String(text.to_string()));
    }
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OEP_NS: &str = "http://www.oeplatform.org/version/2.0/schemas/flowinstance";

    #[test]
    fn an_iso_8859_1_case_with_a_default_namespace_reads_by_local_name() {
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?>\n<FlowInstance xmlns=\"{OEP_NS}\">\
             <Header><FlowInstanceID>4711</FlowInstanceID><Status><Name><![CDATA[Väntar på komplettering]]></Name>\
             </Status></Header><Values><child><firstname>Åsa</firstname><lastname>Öst &amp; Berg</lastname>\
             </child><date> 2026-03-01\n </date></Values></FlowInstance>"
        );
        let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
        assert!(std::str::from_utf8(&bytes).is_err(), "the file is ISO-8859-1, not UTF-8");
        let document = read(&bytes).unwrap();
        assert_eq!(document.root, "FlowInstance");
        assert_eq!(
            document.content,
            json!({
                "Header": { "FlowInstanceID": "4711", "Status": { "Name": "Väntar på komplettering" } },
                "Values": { "child": { "firstname": "Åsa", "lastname": "Öst & Berg" }, "date": "2026-03-01" },
            })
        );
    }

    #[test]
    fn escaped_text_reads_back_as_written_in_an_element_and_an_attribute() {
        let written = "<b> \"Öst\" & 'Berg' </b>";
        let escaped = escape(written);
        assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        let document = parse(&format!("<v a=\"{escaped}\" b='{escaped}'>{escaped}</v>")).unwrap();
        assert_eq!(document.content, json!({ "@a": written, "@b": written, "#text": written.trim() }));
    }

    #[test]
    fn repeated_elements_become_lists_and_attributes_and_prefixes_read() {
        let text = "\u{feff}<o:order xmlns:o=\"urn:x\" id=\"7\"><o:row n=\"1\">a</o:row><o:row n=\"2\">b</o:row>\
                    <note>hej</note>tail</o:order>";
        let document = read(text.as_bytes()).unwrap();
        assert_eq!(
            document.content,
            json!({
                "@id": "7",
                "row": [{ "@n": "1", "#text": "a" }, { "@n": "2", "#text": "b" }],
                "note": "hej",
                "#text": "tail",
            })
        );
        assert_eq!(select(&document, "row").len(), 2);
        assert_eq!(select(&document, "note"), [json!("hej")]);
        assert!(select(&document, "nothing/here").is_empty());
    }

    #[test]
    fn a_bound_prefix_tells_two_namespaces_apart() {
        let text = "<r xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"><a:id>1</a:id><b:id b:kind=\"x\">2</b:id><id>3</id></r>";
        let bound = [("oep".to_string(), "urn:a".to_string())];
        let document = read_bound(text.as_bytes(), &bound).unwrap();
        assert_eq!(document.content, json!({ "oep:id": "1", "id": [{ "@kind": "x", "#text": "2" }, "3"] }));
        assert_eq!(read(text.as_bytes()).unwrap().content, json!({ "id": ["1", { "@kind": "x", "#text": "2" }, "3"] }));
    }

    #[test]
    fn windows_1252_and_utf_16_read_as_written() {
        let bytes = b"<?xml version='1.0' encoding='windows-1252'?><a>\x80 \x96 \xe5</a>";
        assert_eq!(read(bytes).unwrap().content, json!("€ – å"));
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<a>ö</a>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(read(&utf16).unwrap().content, json!("ö"));
    }

    #[test]
    fn broken_documents_name_the_line_column_and_what_was_wrong() {
        let error = read(b"<a>\n  <b>one</c>\n</a>").unwrap_err();
        assert_eq!(error.to_string(), "line 2, column 9: expected 'b' tag, not 'c'");
        let error =
            read("<a>å</a>".as_bytes().iter().map(|b| if *b > 127 { 0xe5 } else { *b }).collect::<Vec<_>>().as_slice());
        assert!(error.unwrap_err().to_string().contains("not UTF-8"));
        let error = read(b"<?xml version=\"1.0\" encoding=\"EBCDIC-CP-US\"?><a/>").unwrap_err();
        assert_eq!(error, XmlError::UnknownEncoding("EBCDIC-CP-US".into()));
        assert!(read(b"<a>&nbsp;</a>").unwrap_err().to_string().contains("unknown entity reference 'nbsp'"));
        assert_eq!(read(b"").unwrap_err().to_string(), "line 1, column 1: holds no element");
        let cut = read(b"<a>\n <b>x</b>\n").unwrap_err().to_string();
        assert_eq!(
            cut,
            "line 3, column 1: the document ends before its root element is closed (cut short, or still being written)"
        );
    }

    #[test]
    fn a_billion_laughs_is_refused_without_expanding_anything() {
        let mut doc = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for n in 1..10 {
            let previous = if n == 1 { "lol".to_string() } else { format!("lol{}", n - 1) };
            doc.push_str(&format!("<!ENTITY lol{n} \"{}\">\n", format!("&{previous};").repeat(10)));
        }
        doc.push_str("]>\n<lolz>&lol9;</lolz>");
        let started = std::time::Instant::now();
        assert_eq!(read(doc.as_bytes()).unwrap_err(), XmlError::Dtd { line: 2, column: 1 });
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn an_external_entity_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "CANARY-XXE-4711").unwrap();
        let doc = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY xxe SYSTEM \"file://{}\">]><a>&xxe;</a>",
            secret.display()
        );
        let error = read(doc.as_bytes()).unwrap_err();
        assert!(matches!(error, XmlError::Dtd { .. }), "{error}");
        assert!(!error.to_string().contains("CANARY"));
        // Without a DOCTYPE, the reference is unknown rather than fetched.
        assert!(read(b"<a>&xxe;</a>").unwrap_err().to_string().contains("unknown entity reference 'xxe'"));
    }

    #[test]
    fn size_and_depth_are_capped() {
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        let error = read(deep.as_bytes()).unwrap_err();
        assert_eq!(error, XmlError::TooDeep { line: 1, column: 3 * MAX_DEPTH as u32 + 1, limit: MAX_DEPTH });
        // Far deeper than the cap: refused, not a stack overflow in the parser.
        let abyss = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
        assert!(matches!(read(abyss.as_bytes()).unwrap_err(), XmlError::TooDeep { .. }));
        let fine = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(read(fine.as_bytes()).is_ok());
        let huge = vec![b' '; MAX_BYTES + 1];
        assert_eq!(read(&huge).unwrap_err(), XmlError::TooLarge { size: MAX_BYTES + 1, limit: MAX_BYTES });
    }
}
