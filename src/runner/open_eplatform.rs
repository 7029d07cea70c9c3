//! Cases from Open ePlatform's API (`items: open_eplatform:`): the family's
//! events after the kept cursor where the platform has `getevents`, else
//! its cases of the last days; each case's XML fetched and read into fields
//! (its `Header`'s, then its `Values`'). Also the SOAP callback the
//! `open_eplatform` step writes back through.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::browser::Browser;
use crate::robot::model::OepSource;
use crate::runner::event::RunEvent;
use crate::runner::failure::{Failure, SystemError};
use crate::runner::run::Runner;
use crate::runner::source::{Row, SourceError, agent, get, json_text, receive};
use crate::runner::xml_cases::UNREADABLE;

/// Where the platform is and who asks: the address up to `/api`, and the
/// API account's user and password.
#[derive(Debug, Clone)]
pub(crate) struct Platform {
    pub(crate) url: String,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) timeout: Duration,
}

/// What one reading asks for.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub(crate) family: u32,
    pub(crate) status: Option<String>,
    /// Days back from today that a platform without events is read for.
    pub(crate) days: u32,
    /// The events after this one are read (the kept cursor).
    pub(crate) after_event: u64,
    pub(crate) today: chrono::NaiveDate,
}

/// The field holding the last event of a case, the source's cursor.
pub(crate) const EVENT_FIELD: &str = "EventID";

impl Platform {
    /// GETs `path` below the address; an answer that is not 200 is an error
    /// in nightshift's words.
    fn get(&self, path: &str, family: u32) -> Result<Option<Vec<u8>>, SourceError> {
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let answer = get(&url, &[("Authorization".into(), self.basic())], self.timeout)?;
        match answer.status {
            200 => Ok(Some(answer.body)),
            404 => Ok(None),
            401 => Err(SourceError::PlatformLogin { user: self.user.clone() }),
            403 => Err(SourceError::FamilyRefused { family, user: self.user.clone(), said: answer.said() }),
            status => Err(SourceError::Status { method: "GET".into(), status, body: answer.said() }),
        }
    }

    /// A file a citizen attached to case `id`, by its query and file ids.
    pub(crate) fn file(&self, id: &str, query: &str, file: &str, family: u32) -> Result<Vec<u8>, SourceError> {
        let path = format!("/api/fileuploadqueryapi/getfile/{id}/{query}/{file}");
        self.get(&path, family)?.ok_or(SourceError::NoSuchCall { path })
    }

    fn basic(&self) -> String {
        format!("Basic {}", crate::base64::encode(format!("{}:{}", self.user, self.password).as_bytes()))
    }

    /// Posts one SOAP operation to the callback; a fault is an error that
    /// says the platform's reason.
    pub(crate) fn call(&self, operation: &str, body: &str) -> Result<(), SourceError> {
        let url = format!("{}/api/callback", self.url.trim_end_matches('/'));
        let envelope = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope \
             xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Header/><SOAP-ENV:Body>\
             <{operation} xmlns=\"{CALLBACK_NS}\">{body}</{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        );
        let sent = agent(self.timeout)
            .post(&url)
            .header("Authorization", self.basic())
            .content_type("text/xml; charset=UTF-8")
            .send(envelope.as_bytes());
        let answer = receive(sent, "POST")?;
        if answer.status == 401 {
            return Err(SourceError::PlatformLogin { user: self.user.clone() });
        }
        let fault = crate::xml::read(&answer.body)
            .ok()
            .and_then(|d| crate::xml::select(&d, "Body/Fault/faultstring").into_iter().next())
            .map(json_text);
        match (answer.status, fault) {
            (_, Some(reason)) => Err(SourceError::Fault { operation: operation.into(), reason }),
            (200, None) => Ok(()),
            (status, None) => {
                Err(SourceError::Status { method: format!("POST {operation}"), status, body: answer.said() })
            }
        }
    }
}

impl<B: Browser> Runner<'_, B> {
    /// The platform an `open_eplatform` source names, its templates filled in.
    pub(super) fn platform(&self, source: &OepSource) -> Result<Platform, Failure> {
        Ok(Platform {
            url: source.url.render(&self.scope)?,
            user: source.user.render(&self.scope)?,
            password: source.password.render(&self.scope)?,
            timeout: self.robot.timeouts.page_load,
        })
    }

    /// Reads an `items: open_eplatform:` source from the event after the
    /// kept cursor; the events of cases it leaves out (another status, gone
    /// from the platform) are passed, so the cursor moves past them: a case
    /// that later reaches the status wanted has a newer event by then.
    pub(super) async fn read_platform(&mut self, source: &OepSource) -> Result<Vec<Row>, Failure> {
        let platform = self.platform(source)?;
        let cursor = self.scope.builtins.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
        let wanted = Wanted {
            family: source.family,
            status: source.status.clone(),
            days: source.days,
            after_event: cursor,
            today: chrono::Local::now().date_naive(),
        };
        let read = tokio::task::spawn_blocking(move || read_cases(&platform, &wanted))
            .await
            .map_err(|source| SystemError::Task { what: "reading of Open ePlatform", source })?;
        let reading = read?;
        for message in reading.notes {
            self.emit(RunEvent::Log { item: None, message });
        }
        self.passed.extend(reading.passed.iter().map(u64::to_string));
        Ok(reading.rows)
    }
}

/// What one reading of the platform found.
pub(crate) struct Reading {
    /// The cases wanted.
    pub(crate) rows: Vec<Row>,
    /// What is worth saying in the log (which calls the platform answers).
    pub(crate) notes: Vec<String>,
    /// The last events of the cases left out.
    pub(crate) passed: Vec<u64>,
}

/// The namespace of the platform's SOAP callback.
const CALLBACK_NS: &str = "http://www.oeplatform.org/version/1.0/schemas/integration/callback";

/// The cases `wanted`, with the events passed over and notes for the log.
pub(crate) fn read_cases(platform: &Platform, wanted: &Wanted) -> Result<Reading, SourceError> {
    let family = wanted.family;
    let (mut notes, mut passed) = (Vec::new(), Vec::new());
    // Case id -> its last event, in the order of the ids.
    let mut cases: BTreeMap<u64, Option<u64>> = BTreeMap::new();
    let events_path = format!("/api/instanceapi/getevents/family/{family}?fromEventID={}", wanted.after_event + 1);
    match platform.get(&events_path, family)? {
        Some(events) => {
            let document = read_answer(&events, "getevents")?;
            for event in crate::xml::select(&document, "Event") {
                let (Some(id), Some(case)) = (number(&event, "eventID"), number(&event, "flowInstanceID")) else {
                    continue;
                };
                let last = cases.entry(case).or_default();
                *last = Some(last.map_or(id, |l: u64| l.max(id)));
            }
        }
        None => {
            let from = wanted.today - chrono::Days::new(u64::from(wanted.days));
            notes.push(format!(
                "{} answers no `getevents` (an older Open ePlatform): reading family {family}'s cases of {from} to {} \
                 instead; the ledger keeps each case from being taken twice",
                platform.url, wanted.today
            ));
            let status = wanted.status.as_deref().map(|s| format!("/{}", encode(s))).unwrap_or_default();
            let path = format!(
                "/api/instanceapi/getinstances/family/{family}{status}?fromDate={from}&toDate={}",
                wanted.today
            );
            let list = platform.get(&path, family)?.ok_or(SourceError::NoSuchCall { path })?;
            let document = read_answer(&list, "getinstances")?;
            for instance in crate::xml::select(&document, "FlowInstance") {
                cases.extend(number(&instance, "flowInstanceID").map(|id| (id, None)));
            }
        }
    }
    let mut rows = Vec::new();
    for (id, event) in cases {
        let path = format!("/api/instanceapi/getinstance/{id}/xml");
        let Some(bytes) = platform.get(&path, family)? else {
            notes.push(format!("case {id} of an event is gone from the platform; left out"));
            passed.extend(event);
            continue;
        };
        let (mut row, status) = match crate::xml::read(&bytes) {
            Ok(document) => {
                let status = document.content.pointer("/Header/Status/Name").and_then(Value::as_str);
                (fields(&document.content), status.map(str::to_string))
            }
            Err(error) => {
                let why = format!("the XML Open ePlatform gave for case {id} {error}");
                (vec![("FlowInstanceID".into(), id.to_string()), (UNREADABLE.into(), why)], None)
            }
        };
        if let (Some(wanted_status), Some(status)) = (&wanted.status, status)
            && status != *wanted_status
        {
            passed.extend(event);
            continue;
        }
        if let Some(event) = event {
            row.push((EVENT_FIELD.into(), event.to_string()));
        }
        rows.push(row);
    }
    Ok(Reading { rows, notes, passed })
}

/// What the platform lets the account do with `family`, in words for
/// `doctor`: which way the source will read it, or why it cannot.
pub(crate) fn probe(platform: &Platform, family: u32, today: chrono::NaiveDate) -> Result<String, SourceError> {
    let past_every_event = format!("/api/instanceapi/getevents/family/{family}?fromEventID={}", u64::MAX / 2);
    if platform.get(&past_every_event, family)?.is_some() {
        return Ok(format!("the user `{}` may read family {family}; it answers getevents", platform.user));
    }
    let today_only = format!("/api/instanceapi/getinstances/family/{family}?fromDate={today}&toDate={today}");
    platform.get(&today_only, family)?.ok_or(SourceError::NoSuchCall { path: today_only })?;
    Ok(format!("the user `{}` may read family {family}; it answers no getevents, so it is read by days", platform.user))
}

/// An answer of the platform read as XML; one that is not is an error
/// naming the call.
fn read_answer(bytes: &[u8], call: &str) -> Result<crate::xml::Document, SourceError> {
    crate::xml::read(bytes).map_err(|error| SourceError::AnswerXml { call: call.into(), reason: error.to_string() })
}

/// A case's fields: its `Header`'s children, then its `Values`' children.
fn fields(content: &Value) -> Row {
    let mut row = Row::new();
    for part in ["Header", "Values"] {
        if let Some(Value::Object(children)) = content.get(part) {
            row.extend(children.iter().map(|(k, v)| (k.clone(), json_text(v.clone()))));
        }
    }
    row
}

/// The whole number in `element`'s child `name`, if it holds one.
fn number(element: &Value, name: &str) -> Option<u64> {
    element.get(name).and_then(Value::as_str).and_then(|t| t.trim().parse().ok())
}

/// `text` safe in a URL's path.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}
