//! The keys of the steps that work on data, checked into their actions.

use crate::files::csv_file::Encoding;
use crate::files::yaml::{Node, Value};
use crate::robot::expr::Template;
use crate::robot::step::{Action, FileFormat, HttpMethod, Identifier, OepCalls, XmlFrom};
use crate::robot::validate::Validator;

impl Validator<'_> {
    pub(super) fn validate_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let mut keys: Vec<&str> = Identifier::ALL.iter().map(|(n, _)| *n).collect();
        keys.push("message");
        let f = self.mapping(node, &keys, "a mapping such as `personnummer: ${pnr}`")?;
        let given: Vec<(Identifier, &Node)> =
            Identifier::ALL.iter().filter_map(|(n, k)| f.get(n).map(|node| (*k, node))).collect();
        let message = f.get("message").and_then(|n| self.template(n, "a message for the case officer", in_item));
        match given.as_slice() {
            [(kind, value)] => Some(Action::Validate {
                kind: *kind,
                value: self.template(value, "the value to check", in_item)?,
                message,
            }),
            _ => {
                self.d.error(
                    node.pos,
                    1,
                    "`validate` needs exactly one of `personnummer`, `organisationsnummer`, `email` or `date`",
                );
                None
            }
        }
    }

    pub(super) fn set_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        Some(Action::Set { values: self.variables(node, "variables to set (a mapping of name: value)", in_item) })
    }

    pub(super) fn http_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let mut keys: Vec<&str> = HttpMethod::ALL.iter().map(|(n, _)| *n).collect();
        keys.extend(["json", "into", "headers"]);
        let f = self.mapping(node, &keys, "a mapping such as `get: URL` with `into`")?;
        let given: Vec<(HttpMethod, &Node)> =
            HttpMethod::ALL.iter().filter_map(|(n, m)| f.get(n).map(|node| (*m, node))).collect();
        let body = f.get("json").map(|n| self.json_template(n, in_item));
        let into = f.get("into").and_then(|n| self.var_name(n));
        let headers = f.get("headers").map(|n| self.headers(n, in_item)).unwrap_or_default();
        match given.as_slice() {
            [(method, url)] => {
                Some(Action::Http { method: *method, url: self.template(url, "a URL", in_item)?, body, into, headers })
            }
            _ => {
                self.d.error(node.pos, 1, "`http` needs exactly one of `get`, `post`, `put` or `delete` with the URL");
                None
            }
        }
    }

    /// A CSV file's encoding, by one of `Encoding::NAMES`.
    pub(crate) fn encoding(&mut self, node: &Node) -> Option<Encoding> {
        let name = self.string(node, "an encoding")?;
        let found = Encoding::parse(&name);
        if found.is_none() {
            let names = Encoding::NAMES.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            self.d.error(
                node.pos,
                name.chars().count().max(1),
                format!("`{name}` is not an encoding nightshift reads (it reads {names})"),
            );
        }
        found
    }

    /// HTTP headers: a mapping of name: value, values templates.
    pub(crate) fn headers(&mut self, node: &Node, in_item: bool) -> Vec<(String, Template)> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, "headers (a mapping of name: value)");
            return Vec::new();
        };
        let mut headers = Vec::new();
        for (key, value) in entries {
            let valid =
                !key.name.is_empty() && key.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if !valid {
                self.d.error(key.pos, key.name.chars().count(), format!("`{}` is not an HTTP header's name", key.name));
                continue;
            }
            headers.extend(self.template(value, "a header's value", in_item).map(|t| (key.name.clone(), t)));
        }
        headers
    }

    pub(super) fn read_csv_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let keys: &[&str] = if keyword == "read_csv" { &["file", "into", "encoding"] } else { &["file", "into"] };
        let f = self.mapping(node, keys, "a mapping with `file` and `into`")?;
        let file = self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
        let into = self.required(node, &f, "into", keyword).and_then(|n| self.var_name(n));
        let format = if keyword == "read_csv" { FileFormat::Csv } else { FileFormat::Json };
        let encoding = f.get("encoding").map_or(Some(Encoding::Detect), |n| self.encoding(n))?;
        Some(Action::ReadFile { format, file: file?, into: into?, encoding })
    }

    /// `read_xml: {file: PATH, into: NAME}`, or `{text: TEXT, into: NAME}`.
    pub(super) fn read_xml_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let keys = ["file", "text", "into", "namespaces"];
        let f = self.mapping(node, &keys, "a mapping with `file` or `text`, and `into`")?;
        let namespaces = f.get("namespaces").map(|n| self.namespaces(n)).unwrap_or_default();
        let into = self.required(node, &f, "into", "read_xml").and_then(|n| self.var_name(n));
        let from = match (f.get("file"), f.get("text")) {
            (Some(n), None) => XmlFrom::File(self.template(n, "an XML file's path", in_item)?),
            (None, Some(n)) => XmlFrom::Text(self.template(n, "XML text, such as `${answer}`", in_item)?),
            (Some(_), Some(n)) => {
                self.d.error(n.pos, 1, "`read_xml` reads a `file` or a `text`, not both");
                return None;
            }
            (None, None) => {
                self.d.error(node.pos, 1, "`read_xml` needs a `file` or a `text` to read");
                return None;
            }
        };
        Some(Action::ReadXml { from, into: into?, namespaces })
    }

    /// `open_eplatform: {confirm_delivery: {system, id}, set_status, message}`,
    /// in a case of a robot whose cases come from Open ePlatform.
    pub(super) fn oep_step(&mut self, node: &Node, in_item: bool) -> Option<Action> {
        let keys = ["save_files", "confirm_delivery", "set_status", "message"];
        let what = "a mapping with `save_files`, `confirm_delivery`, `set_status` or `message`";
        let f = self.mapping(node, &keys, what)?;
        if !in_item || !self.oep_source {
            let message = "`open_eplatform` tells Open ePlatform about a case: it goes in the steps of \
                           `items: open_eplatform`";
            self.d.error(node.pos, 1, message);
            return None;
        }
        let save_files = match f.get("save_files") {
            Some(n) => {
                let g = self.mapping(n, &["from", "into"], "a mapping with `from` and `into`")?;
                let from =
                    self.required(n, &g, "from", "save_files").and_then(|n| self.string(n, "the file query's element"));
                let into = self.required(n, &g, "into", "save_files").and_then(|n| self.var_name(n));
                Some((from?, into?))
            }
            None => None,
        };
        let confirm_delivery = match f.get("confirm_delivery") {
            Some(n) => {
                let g = self.mapping(n, &["system", "id"], "a mapping with `system` and `id`")?;
                let system = self
                    .required(n, &g, "system", "confirm_delivery")
                    .and_then(|n| self.template(n, "the system's name", in_item));
                let id = self
                    .required(n, &g, "id", "confirm_delivery")
                    .and_then(|n| self.template(n, "the case's id in that system", in_item));
                Some((system?, id?))
            }
            None => None,
        };
        let set_status = f.get("set_status").and_then(|n| self.template(n, "a status name", in_item));
        let message = f.get("message").and_then(|n| self.template(n, "the message", in_item));
        if save_files.is_none() && confirm_delivery.is_none() && set_status.is_none() && message.is_none() {
            self.d.error(node.pos, 1, format!("`open_eplatform` needs {}", what.trim_start_matches("a mapping with ")));
            return None;
        }
        Some(Action::OpenEPlatform(OepCalls { save_files, confirm_delivery, set_status, message }))
    }

    /// `namespaces: {prefix: namespace}`: prefixes that name elements.
    pub(super) fn namespaces(&mut self, node: &Node) -> Vec<(String, String)> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, "a mapping of prefix: namespace");
            return Vec::new();
        };
        let mut bound = Vec::new();
        for (key, value) in entries {
            let prefix = self.var_name(&Node { value: Value::Str(key.name.clone()), pos: key.pos });
            let uri = self.string(value, "the namespace (its URI)");
            bound.extend(prefix.zip(uri));
        }
        bound
    }

    pub(super) fn write_csv_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["file", "row", "separator", "encoding"], "a mapping with `file` and `row`")?;
        let file = self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
        let row = match self.required(node, &f, "row", keyword) {
            Some(Node { value: Value::Map(entries), .. }) => {
                let mut row = Vec::new();
                for (key, value) in entries {
                    row.extend(self.template(value, "a value", in_item).map(|t| (key.name.clone(), t)));
                }
                Some(row)
            }
            Some(n) => {
                self.wrong_type(n, "the row (a mapping of column: value)");
                None
            }
            None => None,
        };
        let separator = match f.get("separator").and_then(|n| self.string(n, "`,` or `;`")).as_deref() {
            None | Some(",") => ',',
            Some(";") => ';',
            Some(_) => {
                let pos = f.key_pos("separator").unwrap_or(node.pos);
                self.d.error(pos, 9, "the separator is `,` or `;`");
                ','
            }
        };
        let encoding = match f.get("encoding") {
            None => Encoding::Utf8,
            Some(node) => {
                let encoding = self.encoding(node)?;
                if !encoding.writable() {
                    let writes = Encoding::NAMES.iter().filter(|(_, e)| e.writable() && *e != Encoding::Detect);
                    let names = writes.map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                    self.d.error(node.pos, 6, format!("nightshift reads UTF-16 but does not write it; write {names}"));
                    return None;
                }
                encoding
            }
        };
        Some(Action::WriteCsv { file: file?, row: row?, separator, encoding })
    }

    pub(super) fn write_json_step(&mut self, keyword: &str, node: &Node, in_item: bool) -> Option<Action> {
        let f = self.mapping(node, &["file", "json"], "a mapping with `file` and `json`")?;
        let file = self.required(node, &f, "file", keyword).and_then(|n| self.template(n, "a file's path", in_item));
        let json = self.required(node, &f, "json", keyword).map(|n| self.json_template(n, in_item));
        Some(Action::WriteJson { file: file?, json: json? })
    }
}
