//! The `items:` part of a robot (its source, `key`, `filter`, steps and
//! hooks) and the robot's `session:`, checked into the model.

use crate::files::csv_file::Encoding;
use crate::files::yaml::{Node, Pos, Value};
use crate::robot::model::{ItemSource, Items, MAX_WORKERS, NextPage, OepSource, Session};
use crate::robot::validate::Validator;

const ITEMS_KEYS: &[&str] = &[
    "table",
    "csv",
    "json",
    "xml",
    "http",
    "open_eplatform",
    "key",
    "steps",
    "check",
    "filter",
    "on_exception",
    "on_done",
    "workers",
];
const SOURCES: &[&str] = &["table", "csv", "json", "xml", "http", "open_eplatform"];
const TABLE_KEYS: &[&str] = &["locator", "next_page"];

impl Validator<'_> {
    /// `session: {expired: CONDITION, login: [steps]}`.
    pub(super) fn session(&mut self, node: &Node) -> Option<Session> {
        let f = self.mapping(node, &["expired", "login"], "a mapping with `expired` and `login`")?;
        let expired = self.required(node, &f, "expired", "session").and_then(|n| self.condition(n, false));
        let login = self.required(node, &f, "login", "session").map(|n| self.steps(n, false));
        Some(Session { expired: expired?, login: login? })
    }

    /// `csv: PATH`, or `csv: {path: PATH, encoding: windows-1252}`.
    fn csv_source(&mut self, node: &Node) -> Option<ItemSource> {
        let Value::Map(_) = node.value else {
            let path = self.template(node, "a CSV file's path", false)?;
            return Some(ItemSource::Csv { path, encoding: Encoding::Detect });
        };
        let f = self.mapping(node, &["path", "encoding"], "a path, or a mapping with `path` and `encoding`")?;
        let path = self.required(node, &f, "path", "csv").and_then(|n| self.template(n, "a CSV file's path", false));
        let encoding = f.get("encoding").map_or(Some(Encoding::Detect), |n| self.encoding(n))?;
        Some(ItemSource::Csv { path: path?, encoding })
    }

    /// `xml: PATH`, or `xml: {path: PATH, each: errands/errand}`.
    fn xml_source(&mut self, node: &Node) -> Option<ItemSource> {
        const WHAT: &str = "XML files: a file, a folder, a pattern such as `inbox/*.xml`, or an address";
        let Value::Map(_) = node.value else {
            let path = self.template(node, WHAT, false)?;
            return Some(ItemSource::Xml { path, each: None, done: None, headers: Vec::new(), namespaces: Vec::new() });
        };
        let keys = ["path", "each", "done", "headers", "namespaces"];
        let f = self.mapping(node, &keys, "a path, or a mapping with `path`, `each`, `done` and `headers`")?;
        let path = self.required(node, &f, "path", "xml").and_then(|n| self.template(n, WHAT, false));
        let namespaces = f.get("namespaces").map(|n| self.namespaces(n)).unwrap_or_default();
        let each = match f.get("each") {
            Some(n) => {
                let each = self.string(n, "the path of the elements that are cases (`errands/errand`)")?;
                let bound =
                    |part: &str| part.split_once(':').is_none_or(|(p, _)| namespaces.iter().any(|(b, _)| b == p));
                if each.split('/').any(|part| part.trim().is_empty() || part.contains(['@', '[', '*']) || !bound(part))
                {
                    let message = format!("`{each}` is not a path of elements: local names joined by `/`");
                    self.d.error(n.pos, each.chars().count().max(1), message);
                    return None;
                }
                Some(each)
            }
            None => None,
        };
        let done = match f.get("done") {
            Some(n) if each.is_some() => {
                let message = "`done` moves a file once its case is settled, so it needs a case per file: \
                               drop `each` or `done`";
                self.d.error(n.pos, 1, message);
                return None;
            }
            Some(n) => Some(self.template(n, "the folder a settled case's file is moved to", false)?),
            None => None,
        };
        let path = path?;
        let remote = ["http://", "https://"].iter().any(|s| path.source().starts_with(s));
        if let (true, Some(n)) = (remote, f.get("done")) {
            self.d.error(n.pos, 1, "`done` moves files in a folder of this machine, not at an address");
            return None;
        }
        let headers = f.get("headers").map(|n| self.headers(n, false)).unwrap_or_default();
        Some(ItemSource::Xml { path, each, done, headers, namespaces })
    }

    /// `open_eplatform: {url, user, password, family, status, days, from_event}`.
    fn oep_source(&mut self, node: &Node) -> Option<ItemSource> {
        let keys = ["url", "user", "password", "family", "status", "days", "from_event"];
        let f = self.mapping(node, &keys, "a mapping with `url`, `user`, `password` and `family`")?;
        let what = "open_eplatform";
        let url = self.required(node, &f, "url", what).and_then(|n| self.template(n, "the platform's address", false));
        let user = self.required(node, &f, "user", what).and_then(|n| self.template(n, "the API user", false));
        let password = self.required(node, &f, "password", what).and_then(|n| self.template(n, "the password", false));
        let family = self
            .required(node, &f, "family", what)
            .and_then(|n| self.count(n, "the e-service family's id (FamilyID)", 1));
        let status = f.get("status").and_then(|n| self.string(n, "a status name, such as `Inskickat`"));
        let days = match f.get("days") {
            Some(n) => self.count(n, "days back that a platform without events is read for", 1)?,
            None => 7,
        };
        let from_event = match f.get("from_event") {
            Some(n) => self.count(n, "the event the first run reads after", 0)?.to_string(),
            None => "0".to_string(),
        };
        if let (Some(n), Some(password)) = (f.get("password"), &password)
            && !password.uses_secrets()
        {
            self.d.error(n.pos, 1, "the password comes from `${secrets.NAME}`, not from the robot file");
            return None;
        }
        self.oep_source = true;
        Some(ItemSource::OpenEPlatform(OepSource {
            url: url?,
            user: user?,
            password: password?,
            family: family?,
            status,
            days,
            from_event,
        }))
    }

    pub(super) fn items(&mut self, node: &Node, key_pos: Pos) -> Option<Items> {
        let fields = self.mapping(node, ITEMS_KEYS, "items (a mapping with a source, `key` and `steps`)")?;
        let given: Vec<&str> = SOURCES.iter().copied().filter(|s| fields.get(s).is_some()).collect();
        let source = match given.as_slice() {
            ["table"] => fields.get("table").and_then(|n| self.table_source(n)),
            ["csv"] => fields.get("csv").and_then(|n| self.csv_source(n)),
            ["json"] => fields
                .get("json")
                .and_then(|n| self.template(n, "a JSON file's path", false))
                .map(|path| ItemSource::Json { path }),
            ["xml"] => fields.get("xml").and_then(|n| self.xml_source(n)),
            ["http"] => fields.get("http").and_then(|n| self.http_source(n)),
            ["open_eplatform"] => fields.get("open_eplatform").and_then(|n| self.oep_source(n)),
            [] => {
                let message = "`items` needs a source: `table`, `csv`, `json`, `xml`, `http` or `open_eplatform`";
                self.d.error(key_pos, 5, message);
                None
            }
            _ => {
                let second = fields.key_pos(given[1]).unwrap_or(key_pos);
                self.d.error(
                    second,
                    given[1].len(),
                    format!("`items` has one source, but this one also has `{}`", given[0]),
                );
                None
            }
        };
        let key = match fields.get("key") {
            Some(n) => self.string(n, "the name of the field that identifies a case"),
            None => {
                self.d.error(key_pos, 5, "`items` needs a `key`: the field that identifies a case");
                None
            }
        };
        let steps = fields.get("steps").map(|n| self.steps(n, true)).unwrap_or_default();
        let check = fields.get("check").map(|n| self.steps(n, true));
        let filter = match fields.get("filter") {
            Some(n) => {
                let condition = self.condition(n, true)?;
                if condition.needs_page() {
                    let message = "`filter` looks at the case's fields, not at the page: use `value:` with \
                                   `equals`, `contains` or `matches`, `valid:`, and `not`, `any`, `all`";
                    self.d.error(n.pos, 1, message);
                    return None;
                }
                Some(condition)
            }
            None => None,
        };
        let on_exception = fields.get("on_exception").map(|n| self.steps(n, true)).unwrap_or_default();
        let on_done = fields.get("on_done").map(|n| self.steps(n, true)).unwrap_or_default();
        let workers = match fields.get("workers") {
            Some(n) => self.workers(n)?,
            None => 1,
        };
        Some(Items { source: source?, key: key?, steps, check, filter, on_exception, on_done, workers })
    }

    /// `workers: N`, from 1 to `MAX_WORKERS`.
    fn workers(&mut self, node: &Node) -> Option<usize> {
        let n = self.count(node, "browser sessions that share the cases", 1)? as usize;
        if n > MAX_WORKERS {
            let message =
                format!("`workers` is at most {MAX_WORKERS} (browser sessions that share the cases), found {n}");
            self.d.error(node.pos, 1, message);
            return None;
        }
        Some(n)
    }

    fn http_source(&mut self, node: &Node) -> Option<ItemSource> {
        let keys = ["url", "items", "cursor", "cursor_start", "headers", "next"];
        let f =
            self.mapping(node, &keys, "a mapping with `url` and optionally `items`, `headers`, `next`, `cursor`")?;
        let url = self.required(node, &f, "url", "http").and_then(|n| self.template(n, "a URL", false));
        let items_at = f.get("items").and_then(|n| self.string(n, "where the list is in the answer (`data.errands`)"));
        let cursor = f.get("cursor").and_then(|n| self.string(n, "the field that orders the cases"));
        let cursor_start =
            f.get("cursor_start").and_then(|n| self.string(n, "the first run's cursor")).unwrap_or_default();
        let headers = f.get("headers").map(|n| self.headers(n, false)).unwrap_or_default();
        let next = match f.get("next") {
            Some(n @ Node { value: Value::Map(_), .. }) => {
                let g = self.mapping(n, &["field", "param"], "a mapping with `field` and `param`")?;
                let field =
                    self.required(n, &g, "field", "next").and_then(|n| self.string(n, "the field with the cursor"));
                let param = g.get("param").and_then(|n| self.string(n, "the query parameter for the cursor"));
                Some(NextPage { field: field?, param })
            }
            Some(n) => Some(NextPage { field: self.string(n, "the field with the next page's address")?, param: None }),
            None => None,
        };
        Some(ItemSource::Http { url: url?, items_at, cursor, cursor_start, headers, next })
    }

    fn table_source(&mut self, node: &Node) -> Option<ItemSource> {
        if let Value::Str(_) = node.value {
            let locator = self.locator(node, false)?;
            return Some(ItemSource::Table { locator, next_page: None });
        }
        let fields = self.mapping(node, TABLE_KEYS, "a table locator, or a mapping with `locator` and `next_page`")?;
        let locator = match fields.get("locator") {
            Some(n) => self.locator(n, false),
            None => {
                self.d.error(node.pos, 1, "`table` needs a `locator`");
                None
            }
        };
        let next_page = fields.get("next_page").and_then(|n| self.locator(n, false));
        Some(ItemSource::Table { locator: locator?, next_page })
    }
}
