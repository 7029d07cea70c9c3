//! A stand-in Open ePlatform API: the REST calls a robot reads cases with
//! (XML in ISO-8859-1 with the platform's namespace, HTTP Basic, a family the
//! account was not granted refused in the platform's words, whole lists with
//! no paging, events with ids) and the SOAP callback it writes back through
//! (`setStatus`, `confirmDelivery`, `addMessage`), which records what it was
//! told and answers a repeat as the platform does.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::demo::data::ConsentErrand;
use crate::xml::escape;

/// The namespace of a case's XML.
pub const FLOW_INSTANCE_NS: &str = "http://www.oeplatform.org/version/2.0/schemas/flowinstance";
/// The namespace of the SOAP callback.
pub const CALLBACK_NS: &str = "http://www.oeplatform.org/version/1.0/schemas/integration/callback";
/// The platform's words for a family the account may not read.
pub const NO_ACCESS: &str = "This user does not have access to this flow family";
/// The first event id the platform hands out.
const FIRST_EVENT: u64 = 16_280;

/// One submitted case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: u32,
    pub family: u32,
    pub flow_name: String,
    pub status: String,
    /// When the citizen submitted it, `2026-12-06T21:41:45`.
    pub posted: String,
    /// The form's fields that were given an XML name: (element, question, answer).
    pub values: Vec<(String, String, String)>,
    /// Files the citizen attached, each a query (an element) of its own.
    pub files: Vec<Attachment>,
    /// The XML the platform hands out for it is cut short.
    pub broken: bool,
}

/// A file attached to a case, served by the file API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub element: String,
    pub question: String,
    pub query_id: u32,
    pub file_id: u32,
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Instance {
    /// A guardian's vaccination consent as the consent e-service (family
    /// `family`) submits it, as case `id`, on `posted`.
    pub fn consent(errand: &ConsentErrand, id: u32, family: u32, posted: &str) -> Self {
        let answer = if errand.consent { "Ja" } else { "Nej" };
        let values = [
            ("pupilCitizenIdentifier", "Elevens personnummer", errand.pupil.pnr.as_str()),
            ("pupilName", "Elevens namn", errand.pupil.name.as_str()),
            ("vaccine", "Vaccination", errand.vaccine.as_str()),
            ("consent", "Samtycker du till vaccinationen?", answer),
            ("guardian", "Vårdnadshavare", errand.guardian.as_str()),
        ];
        Self {
            id,
            family,
            flow_name: "Samtycke till vaccination i skolan".into(),
            status: "Inskickat".into(),
            posted: posted.into(),
            values: values.iter().map(|(e, q, a)| (e.to_string(), q.to_string(), a.to_string())).collect(),
            files: Vec::new(),
            broken: false,
        }
    }
}

/// What `confirmDelivery` recorded for a case: which system holds it, as what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub instance: u32,
    pub system: String,
    pub external_id: String,
}

/// The platform's state; tests read it directly.
#[derive(Debug, Default)]
pub struct Oep {
    pub username: String,
    pub password: String,
    /// The families the API account was granted.
    pub granted: Vec<u32>,
    pub instances: Vec<Instance>,
    /// (event id, case) in the order they happened.
    pub events: Vec<(u64, u32)>,
    /// Whether `getevents` answers (an older platform has no such call).
    pub events_api: bool,
    /// The first confirmation of each case; later ones are ignored.
    pub deliveries: Vec<Delivery>,
    /// Every `confirmDelivery` call, repeats included.
    pub confirm_calls: usize,
    /// Every status change `setStatus` made: (case, status).
    pub status_changes: Vec<(u32, String)>,
    /// Every `setStatus` call, repeats included.
    pub status_calls: usize,
    /// `setStatus` calls still to fail (a platform that has a bad moment).
    pub failing_status_calls: u32,
    /// Messages to citizens: (case, text).
    pub messages: Vec<(u32, String)>,
    /// Requests refused for want of the right user and password.
    pub refused: usize,
    /// The `fromEventID` of each `getevents` call: where a reader's cursor stood.
    pub events_asked_from: Vec<u64>,
}

impl Oep {
    /// A platform whose account `username` may read `granted`, holding
    /// `instances`, each with one event (its submission) in that order.
    pub fn new(username: &str, password: &str, granted: Vec<u32>, instances: Vec<Instance>) -> Self {
        let events = instances.iter().enumerate().map(|(n, i)| (FIRST_EVENT + n as u64, i.id)).collect();
        Self {
            username: username.into(),
            password: password.into(),
            granted,
            instances,
            events,
            events_api: true,
            ..Self::default()
        }
    }

    /// A case submitted now (its event follows the others).
    pub fn submit(&mut self, instance: Instance) {
        let next = self.events.last().map_or(FIRST_EVENT, |(id, _)| id + 1);
        self.events.push((next, instance.id));
        self.instances.push(instance);
    }

    fn authorised(&mut self, headers: &HeaderMap) -> bool {
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "));
        let decoded = given.and_then(|b| crate::base64::decode(b).ok()).and_then(|b| String::from_utf8(b).ok());
        let ok = decoded.is_some_and(|d| d == format!("{}:{}", self.username, self.password));
        if !ok {
            self.refused += 1;
        }
        ok
    }
}

type Shared = Arc<Mutex<Oep>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, Oep> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/instanceapi/getinstances/family/{family}", get(instances))
        .route("/api/instanceapi/getinstances/family/{family}/{status}", get(instances_with_status))
        .route("/api/instanceapi/getinstance/{id}/xml", get(instance_xml))
        .route("/api/instanceapi/getevents/family/{family}", get(events))
        .route("/api/fileuploadqueryapi/getfile/{instance}/{query}/{file}", get(file))
        .route("/api/callback", post(callback))
        .with_state(state)
}

/// An answer in ISO-8859-1, as the platform sends its XML.
fn latin1(status: StatusCode, xml: &str) -> Response {
    let bytes: Vec<u8> = xml.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    (status, [(header::CONTENT_TYPE, "text/xml;charset=ISO-8859-1")], bytes).into_response()
}

fn unauthorised() -> Response {
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"OEP\"")], "Unauthorized").into_response()
}

#[derive(Deserialize)]
struct Window {
    #[serde(rename = "fromDate")]
    from_date: Option<String>,
    #[serde(rename = "toDate")]
    to_date: Option<String>,
    #[serde(rename = "fromEventID")]
    from_event: Option<u64>,
}

async fn instances(state: State<Shared>, headers: HeaderMap, family: Path<u32>, window: Query<Window>) -> Response {
    list(&state, &headers, family.0, None, &window)
}

async fn instances_with_status(
    state: State<Shared>,
    headers: HeaderMap,
    Path((family, status)): Path<(u32, String)>,
    window: Query<Window>,
) -> Response {
    list(&state, &headers, family, Some(&status), &window)
}

/// The family's cases (by status, by the day they were submitted), whole.
fn list(state: &Shared, headers: &HeaderMap, family: u32, status: Option<&str>, window: &Window) -> Response {
    let mut oep = lock(state);
    if !oep.authorised(headers) {
        return unauthorised();
    }
    if !oep.granted.contains(&family) {
        return (StatusCode::FORBIDDEN, NO_ACCESS).into_response();
    }
    let day = |i: &Instance| i.posted[..10].to_string();
    let mut xml = String::from("<FlowInstances>");
    for i in oep.instances.iter().filter(|i| i.family == family && status.is_none_or(|s| s == i.status)) {
        let after = window.from_date.as_deref().is_none_or(|from| day(i).as_str() >= from);
        let before = window.to_date.as_deref().is_none_or(|to| day(i).as_str() <= to);
        if after && before {
            let posted = i.posted.replacen('T', " ", 1);
            xml.push_str(&format!(
                "\n\t<FlowInstance>\n\t\t<flowInstanceID>{}</flowInstanceID>\n\t\t<added>{}</added>\n\t\t\
                 <firstSubmitted>{}</firstSubmitted>\n\t\t<fullyPopulated>true</fullyPopulated>\n\t</FlowInstance>",
                i.id,
                &posted[..16],
                &posted[..16]
            ));
        }
    }
    xml.push_str("\n</FlowInstances>");
    latin1(StatusCode::OK, &xml)
}

async fn instance_xml(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<u32>) -> Response {
    let mut oep = lock(&state);
    if !oep.authorised(&headers) {
        return unauthorised();
    }
    let Some(instance) = oep.instances.iter().find(|i| i.id == id) else {
        return (StatusCode::NOT_FOUND, format!("The requested flow instance with ID {id} was not found"))
            .into_response();
    };
    if !oep.granted.contains(&instance.family) {
        return (StatusCode::FORBIDDEN, NO_ACCESS).into_response();
    }
    let xml = case_xml(instance);
    let xml = if instance.broken { xml[..xml.find("</Values>").unwrap_or(xml.len())].to_string() } else { xml };
    latin1(StatusCode::OK, &xml)
}

/// A case as the platform writes it: its header, and its named fields.
fn case_xml(i: &Instance) -> String {
    let values: String = i
        .values
        .iter()
        .map(|(element, question, answer)| {
            format!(
                "\t\t<{element}>\n\t\t\t<QueryID>{}</QueryID>\n\t\t\t<Name><![CDATA[{question}]]></Name>\n\t\t\t\
                 <Value>{}</Value>\n\t\t</{element}>\n",
                60_000 + element.len(),
                escape(answer)
            )
        })
        .collect();
    // A query's files are one element with a `File` each.
    let mut queries: Vec<&Attachment> = Vec::new();
    for f in &i.files {
        if !queries.iter().any(|q| q.element == f.element) {
            queries.push(f);
        }
    }
    let files: String = queries
        .iter()
        .map(|q| {
            let each: String = i
                .files
                .iter()
                .filter(|f| f.element == q.element)
                .map(|f| {
                    format!(
                        "<File><ID>{}</ID><Name>{}</Name><Size>{}</Size></File>",
                        f.file_id,
                        escape(&f.name),
                        f.bytes.len()
                    )
                })
                .collect();
            format!(
                "\t\t<{0}>\n\t\t\t<QueryID>{1}</QueryID>\n\t\t\t<Name><![CDATA[{2}]]></Name>\n\t\t\t{3}\n\t\t</{0}>\n",
                q.element, q.query_id, q.question, each
            )
        })
        .collect();
    let values = values + &files;
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?>\n<FlowInstance xmlns=\"{FLOW_INSTANCE_NS}\">\n\
         \t<Header>\n\t\t<Flow>\n\t\t\t<FamilyID>{}</FamilyID>\n\t\t\t<Version>3</Version>\n\t\t\t<FlowID>{}</FlowID>\n\
         \t\t\t<Name><![CDATA[{}]]></Name>\n\t\t</Flow>\n\t\t<FlowInstanceID>{}</FlowInstanceID>\n\t\t<Status>\n\
         \t\t\t<ID>{}</ID>\n\t\t\t<Name><![CDATA[{}]]></Name>\n\t\t</Status>\n\t\t<Posted>{}</Posted>\n\
         \t\t<FirstSubmitted>{}</FirstSubmitted>\n\t</Header>\n\t<Values>\n{values}\t</Values>\n</FlowInstance>\n",
        i.family,
        i.family * 3,
        i.flow_name,
        i.id,
        17_000 + i.status.len(),
        i.status,
        i.posted,
        i.posted
    )
}

/// A file a citizen attached, by case, query and file.
async fn file(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, query, file)): Path<(u32, u32, u32)>,
) -> Response {
    let mut oep = lock(&state);
    if !oep.authorised(&headers) {
        return unauthorised();
    }
    let found = oep
        .instances
        .iter()
        .filter(|i| i.id == id && oep.granted.contains(&i.family))
        .find_map(|i| i.files.iter().find(|f| f.query_id == query && f.file_id == file));
    match found {
        Some(f) => ([(header::CONTENT_TYPE, "application/octet-stream")], f.bytes.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// The family's events after `fromEventID`, oldest first.
async fn events(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(family): Path<u32>,
    window: Query<Window>,
) -> Response {
    let mut oep = lock(&state);
    if !oep.authorised(&headers) {
        return unauthorised();
    }
    if !oep.events_api {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    if !oep.granted.contains(&family) {
        return (StatusCode::FORBIDDEN, NO_ACCESS).into_response();
    }
    let from = window.from_event.unwrap_or(0);
    oep.events_asked_from.push(from);
    let mut xml = String::from("<Events>");
    for (event, id) in oep.events.iter().filter(|(e, _)| *e >= from) {
        let Some(instance) = oep.instances.iter().find(|i| i.id == *id && i.family == family) else { continue };
        xml.push_str(&format!(
            "\n\t<Event>\n\t\t<eventID>{event}</eventID>\n\t\t<flowInstanceID>{id}</flowInstanceID>\n\t\t\
             <added>{}</added>\n\t</Event>",
            instance.posted.replacen('T', " ", 1)
        ));
    }
    xml.push_str("\n</Events>");
    latin1(StatusCode::OK, &xml)
}

/// The SOAP callback: the one operation in the envelope's body, done.
async fn callback(State(state): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut oep = lock(&state);
    if !oep.authorised(&headers) {
        return unauthorised();
    }
    let Ok(envelope) = crate::xml::parse(&body) else { return fault("The request is not well-formed XML") };
    let Some((operation, call)) = crate::xml::select(&envelope, "Body").into_iter().find_map(|b| match b {
        serde_json::Value::Object(map) => map.into_iter().next(),
        _ => None,
    }) else {
        return fault("The envelope has no operation");
    };
    let text = |path: &str| {
        path.split('/').try_fold(&call, |v, p| v.get(p)).and_then(|v| v.as_str()).unwrap_or_default().to_string()
    };
    let Ok(id) = text("flowInstanceID").parse::<u32>() else { return fault("flowInstanceID is missing") };
    let Some(at) = oep.instances.iter().position(|i| i.id == id) else {
        return fault(&format!("The requested flow instance with ID {id} was not found"));
    };
    let answer = match operation.as_str() {
        "confirmDelivery" => {
            oep.confirm_calls += 1;
            if !oep.deliveries.iter().any(|d| d.instance == id) {
                let delivery =
                    Delivery { instance: id, system: text("externalID/System"), external_id: text("externalID/ID") };
                oep.deliveries.push(delivery);
            }
            String::new()
        }
        "setStatus" if oep.failing_status_calls > 0 => {
            oep.failing_status_calls -= 1;
            return fault("The service is temporarily unavailable");
        }
        "setStatus" => {
            oep.status_calls += 1;
            let status = text("statusAlias");
            if oep.instances[at].status == status {
                "<eventID>0</eventID>".to_string()
            } else {
                oep.instances[at].status = status.clone();
                oep.status_changes.push((id, status));
                let next = oep.events.last().map_or(FIRST_EVENT, |(e, _)| e + 1);
                oep.events.push((next, id));
                format!("<eventID>{next}</eventID>")
            }
        }
        "addMessage" => {
            oep.messages.push((id, text("message/message")));
            String::new()
        }
        other => return fault(&format!("Unknown operation {other}")),
    };
    let xml = format!(
        "<?xml version='1.0' encoding='ISO-8859-1'?>\n<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <S:Body><{operation}Response xmlns=\"{CALLBACK_NS}\">{answer}</{operation}Response></S:Body></S:Envelope>"
    );
    latin1(StatusCode::OK, &xml)
}

/// A SOAP fault, as the platform answers a call it cannot do.
fn fault(why: &str) -> Response {
    let xml = format!(
        "<?xml version='1.0' encoding='ISO-8859-1'?><S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>{}</faultstring></S:Fault></S:Body></S:Envelope>",
        escape(why)
    );
    latin1(StatusCode::INTERNAL_SERVER_ERROR, &xml)
}
