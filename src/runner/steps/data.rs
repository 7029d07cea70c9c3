//! Steps that work on data: variables, files, JSON APIs, and the checks of
//! Swedish identifiers.

use chrono::Local;

use crate::browser::Browser;
use crate::files::csv_file::Encoding;
use crate::robot::checks;
use crate::robot::expr::Template;
use crate::robot::expr::{Namespace, RenderError, Scope};
use crate::robot::model::ItemSource;
use crate::robot::step::{FileFormat, HttpMethod, Identifier, JsonTemplate, OepCalls, XmlFrom};
use crate::runner::failure::{Failure, SystemError};
use crate::runner::open_eplatform::Platform;
use crate::runner::run::Runner;
use crate::runner::source::{append_csv, http_json, json_text, read_csv, read_json, rows_json};
use crate::xml::escape;

impl<B: Browser> Runner<'_, B> {
    pub(super) fn set(&mut self, values: &[(String, Template)]) -> Result<(), Failure> {
        for (name, value) in values {
            let value = value.render(&self.scope)?;
            self.scope.vars.insert(name.clone(), value);
        }
        Ok(())
    }

    pub(super) async fn http(
        &mut self,
        method: HttpMethod,
        url: &Template,
        body: Option<&JsonTemplate>,
        into: Option<&String>,
        headers: &[(String, Template)],
    ) -> Result<(), Failure> {
        let before = self.scope.derived_count();
        let url = url.render(&self.scope)?;
        let body = body.map(|b| self.json(b)).transpose()?;
        let given_a_secret = self.scope.derived_count() > before;
        // A secret in a header (a token) is not one the answer was computed from.
        let headers = self.headers(headers)?;
        let wait = self.robot.timeouts.page_load;
        let answer = tokio::task::spawn_blocking(move || http_json(method.name(), &url, &headers, body.as_ref(), wait))
            .await
            .map_err(|source| SystemError::Task { what: "HTTP request", source })??;
        // An answer to a request that carried a secret counts as derived from it.
        if given_a_secret {
            self.scope.derive(&answer);
        }
        if let Some(into) = into {
            self.scope.vars.insert(into.clone(), answer);
        }
        Ok(())
    }

    pub(super) fn read_file(
        &mut self,
        format: FileFormat,
        file: &Template,
        into: &str,
        encoding: Encoding,
    ) -> Result<(), Failure> {
        let path = self.path(file)?;
        let rows = match format {
            FileFormat::Csv => read_csv(&path, encoding),
            FileFormat::Json => read_json(&path),
        }?;
        self.scope.vars.insert(into.to_string(), rows_json(&rows));
        Ok(())
    }

    /// A document that is not well-formed XML is the case's business
    /// exception, naming the file (or variable), line and column.
    pub(super) fn read_xml(&mut self, from: &XmlFrom, into: &str, bound: &[(String, String)]) -> Result<(), Failure> {
        let (read, what) = match from {
            XmlFrom::File(file) => {
                let path = self.path(file)?;
                let bytes = std::fs::read(&path).map_err(|source| SystemError::Io {
                    action: "read",
                    path: path.clone(),
                    source,
                })?;
                (crate::xml::read_bound(&bytes, bound), format!("`{}`", path.display()))
            }
            XmlFrom::Text(text) => {
                (crate::xml::parse_bound(&text.render(&self.scope)?, bound), format!("the XML in `{}`", text.source()))
            }
        };
        let document = read.map_err(|error| Failure::Business(format!("{what} {error}")))?;
        self.scope.vars.insert(into.to_string(), json_text(document.content));
        Ok(())
    }

    /// Tells Open ePlatform about the case through its SOAP callback, one
    /// operation after the other; each is one the platform takes again
    /// without harm, so a case tried again calls them again.
    pub(super) async fn open_eplatform(&mut self, calls: &OepCalls) -> Result<(), Failure> {
        let Some(ItemSource::OpenEPlatform(source)) = self.robot.items.as_ref().map(|i| &i.source) else {
            return Err(SystemError::Render(RenderError::NoItem("FlowInstanceID".into())).into());
        };
        let platform = self.platform(source)?;
        if let Some((element, into)) = &calls.save_files {
            let paths = self.save_oep_files(&platform, source.family, element).await?;
            let value = match paths.as_slice() {
                [one] => one.clone(),
                _ => serde_json::to_string(&paths).unwrap_or_default(),
            };
            self.scope.vars.insert(into.clone(), value);
        }
        let id = escape(&self.scope.lookup(Namespace::Item, "FlowInstanceID")?);
        let robot = escape(&self.robot.name);
        let mut operations = Vec::new();
        if let Some((system, external)) = &calls.confirm_delivery {
            let (system, external) = (escape(&system.render(&self.scope)?), escape(&external.render(&self.scope)?));
            let body = format!(
                "<flowInstanceID>{id}</flowInstanceID><externalID><ID>{external}</ID><System>{system}</System>\
                 </externalID><delivered>true</delivered><logMessage>{robot}</logMessage>"
            );
            operations.push(("confirmDelivery", body));
        }
        if let Some(status) = &calls.set_status {
            let status = escape(&status.render(&self.scope)?);
            let user = escape(&platform.user);
            let body = format!(
                "<flowInstanceID>{id}</flowInstanceID><statusAlias>{status}</statusAlias>\
                 <principal><name>{robot}</name><userID>{user}</userID></principal>"
            );
            operations.push(("setStatus", body));
        }
        if let Some(message) = &calls.message {
            let message = escape(&message.render(&self.scope)?);
            operations.push((
                "addMessage",
                format!("<flowInstanceID>{id}</flowInstanceID><message><message>{message}</message></message>"),
            ));
        }
        let called = tokio::task::spawn_blocking(move || {
            operations.iter().try_for_each(|(operation, body)| platform.call(operation, body))
        })
        .await
        .map_err(|source| SystemError::Task { what: "call to Open ePlatform", source })?;
        Ok(called?)
    }

    /// Saves the files of the case's file query `element` under
    /// `oep/CASE/` in the run's folder; their paths. A query that holds no
    /// file is the case's business exception.
    async fn save_oep_files(
        &mut self,
        platform: &Platform,
        family: u32,
        element: &str,
    ) -> Result<Vec<String>, Failure> {
        let id = self.scope.lookup(Namespace::Item, "FlowInstanceID")?;
        let query: serde_json::Value = serde_json::from_str(&self.scope.lookup(Namespace::Item, element)?)
            .map_err(|_| Failure::Business(format!("the case's `{element}` holds no file")))?;
        let files = match query.get("File") {
            Some(serde_json::Value::Array(files)) => files.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        };
        let text =
            |v: &serde_json::Value, key: &str| v.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let query_id = text(&query, "QueryID");
        let wanted: Vec<(String, String)> = files.iter().map(|f| (text(f, "ID"), text(f, "Name"))).collect();
        if wanted.is_empty() || wanted.iter().any(|(file, _)| file.is_empty()) || query_id.is_empty() {
            return Err(Failure::Business(format!("the case's `{element}` holds no file")));
        }
        let folder = self.evidence_dir.join("oep").join(std::path::Path::new(&id).file_name().unwrap_or_default());
        let (platform, asked) = (platform.clone(), wanted.clone());
        let fetched = tokio::task::spawn_blocking(move || {
            asked.iter().map(|(file, _)| platform.file(&id, &query_id, file, family)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|source| SystemError::Task { what: "download from Open ePlatform", source })??;
        let mut paths = Vec::new();
        for ((file, name), bytes) in wanted.iter().zip(fetched) {
            let name = std::path::Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned());
            let path = folder.join(name.unwrap_or_else(|| format!("file-{file}")));
            let saved = std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&path, bytes));
            saved.map_err(|source| SystemError::Io { action: "save", path: path.clone(), source })?;
            paths.push(path.display().to_string());
        }
        Ok(paths)
    }

    pub(super) fn write_csv(
        &mut self,
        file: &Template,
        row: &[(String, Template)],
        separator: char,
        encoding: Encoding,
    ) -> Result<(), Failure> {
        let path = self.path(file)?;
        let mut values = Vec::with_capacity(row.len());
        for (column, value) in row {
            values.push((column.clone(), value.render(&self.scope)?));
        }
        Ok(append_csv(&path, &values, separator, encoding)?)
    }

    pub(super) fn write_json(&mut self, file: &Template, json: &JsonTemplate) -> Result<(), Failure> {
        let path = self.path(file)?;
        let text = serde_json::to_string_pretty(&self.json(json)?).unwrap_or_default();
        let written = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text + "\n")),
            None => std::fs::write(&path, text + "\n"),
        };
        written.map_err(|source| SystemError::Io { action: "write", path, source }.into())
    }

    /// A business exception unless `value` is a valid identifier of its kind.
    pub(super) fn validate(
        &mut self,
        kind: Identifier,
        value: &Template,
        message: Option<&Template>,
    ) -> Result<(), Failure> {
        let text = value.render(&self.scope)?;
        let checked = match kind {
            Identifier::Personnummer => crate::privacy::personnummer::parse(&text, Local::now().date_naive()),
            Identifier::Organisationsnummer => checks::organisationsnummer(&text),
            Identifier::Email => checks::email(&text),
            Identifier::Date => checks::date(&text),
        };
        match (checked, message) {
            (Ok(_), _) => Ok(()),
            (Err(_), Some(message)) => Err(Failure::Business(self.render_message(message))),
            (Err(reason), None) => Err(Failure::Business(format!("`{text}` is not a valid {}: {reason}", kind.name()))),
        }
    }
}
