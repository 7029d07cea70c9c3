//! XML as data, as e-service platforms write it: a folder of Open ePlatform
//! cases in ISO-8859-1 with namespaces read as cases by element name, a
//! broken file and one with an external entity each their own business
//! exception while the others are done, and `read_xml` of a variable.

use crate::common::{Harness, case_of, text};

const OEP_NS: &str = "http://www.oeplatform.org/version/2.0/schemas/flowinstance";

/// A consent case as Open ePlatform's API gives it, with `periods` repeated
/// elements under `Values`.
fn oep_case(id: u32, child: &str, periods: &[&str]) -> String {
    let periods: String = periods.iter().map(|p| format!("<period><from>{p}</from></period>")).collect();
    format!(
        "<FlowInstance xmlns=\"{OEP_NS}\">\n\t<Header>\n\t\t<Flow><FamilyID>832</FamilyID></Flow>\n\t\t\
         <FlowInstanceID>{id}</FlowInstanceID>\n\t\t<Status><ID>3</ID><Name><![CDATA[Väntar på handläggning]]></Name>\
         </Status>\n\t</Header>\n\t<Values>\n\t\t<child><firstname>{child}</firstname></child>\n\t\t{periods}\n\t\
         </Values>\n</FlowInstance>\n"
    )
}

fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character")).collect()
}

#[test]
fn a_folder_of_oep_cases_reads_by_element_name_and_a_broken_file_is_its_own_exception() {
    let h = Harness::new();
    let inbox = h.dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let declared = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?>\n";
    std::fs::write(
        inbox.join("4711.xml"),
        latin1(&(declared.to_string() + &oep_case(4711, "Åsa", &["2026-01-10", "2026-02-14"]))),
    )
    .unwrap();
    // The same shape with a prefix instead of a default namespace, in UTF-8 with a BOM.
    let prefixed = oep_case(4712, "Örjan", &["2026-03-01"])
        .replace(&format!("<FlowInstance xmlns=\"{OEP_NS}\">"), &format!("<o:FlowInstance xmlns:o=\"{OEP_NS}\">"))
        .replace("</FlowInstance>", "</o:FlowInstance>");
    std::fs::write(inbox.join("4712.xml"), format!("\u{feff}{prefixed}")).unwrap();
    // Cut off while it was written.
    let cut = oep_case(4713, "Pär", &[]);
    std::fs::write(inbox.join("4713.xml"), &cut[..cut.find("<Values>").unwrap()]).unwrap();
    // An external entity pointing at a file that must never be read.
    let canary = h.dir.path().join("canary.txt");
    std::fs::write(&canary, "CANARY-XXE-55501").unwrap();
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE FlowInstance [<!ENTITY x SYSTEM \"file://{}\">]>\n{}",
        canary.display(),
        oep_case(4714, "&x;", &[])
    );
    std::fs::write(inbox.join("4714.xml"), xxe).unwrap();
    std::fs::write(inbox.join("readme.txt"), "not a case").unwrap();

    let robot = "name: oep-files\nmanual_minutes: 5\nitems:\n  xml: inbox/*.xml\n  key: Header.FlowInstanceID\n  \
                 steps:\n    - for_each:\n        in: item.Values.period\n        as: period\n        steps:\n          \
                 - write_csv: {file: periods.csv, row: {Ärende: \"${item.Header.FlowInstanceID}\", Från: \"${period.from}\"}}\n    \
                 - write_csv:\n        file: cases.csv\n        row:\n          Ärende: ${item.Header.FlowInstanceID}\n          \
                 Barn: ${item.Values.child.firstname}\n          Status: ${item.Header.Status.Name}\n          Fil: ${item.file}\n";
    let path = h.dir.path().join("oep-files.yaml");
    std::fs::write(&path, robot).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(4), "a run with exceptions: {}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(2), Some(2)),
        "{run}"
    );

    let cases = std::fs::read_to_string(h.dir.path().join("cases.csv")).unwrap();
    assert_eq!(
        cases,
        "Ärende,Barn,Status,Fil\r\n4711,Åsa,Väntar på handläggning,4711.xml\r\n4712,Örjan,Väntar på handläggning,4712.xml\r\n"
    );
    let periods = std::fs::read_to_string(h.dir.path().join("periods.csv")).unwrap();
    assert_eq!(
        periods, "Ärende,Från\r\n4711,2026-01-10\r\n4711,2026-02-14\r\n4712,2026-03-01\r\n",
        "one period walks once"
    );

    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    let item = |key: &str| case_of(&show, key).clone();
    let cut = item("4713.xml");
    assert_eq!(cut["status"], "business_exception");
    let message = cut["message"].as_str().unwrap();
    assert!(message.ends_with("4713.xml` line 7, column 2: the document ends before its root element is closed (cut short, or still being written)"), "{message}");
    let xxe = item("4714.xml");
    assert!(xxe["message"].as_str().unwrap().contains("line 2, column 1: has a DOCTYPE"), "{xxe}");

    // Nothing of the entity's target reached the run log or the files.
    let db = std::fs::read(h.state_dir().join("nightshift.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("CANARY-XXE"), "the entity was never expanded");
    assert!(!cases.contains("CANARY") && !periods.contains("CANARY"));

    // A second night: the two exceptions wait for their officer, the rest is done.
    let out = h.run(&["run", path.to_str().unwrap(), "--dry-run"], &[]);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(said.contains("4711: entered by run 1: would be skipped"), "{said}");
    assert!(said.contains("4713.xml: unreadable: would be a business exception"), "{said}");
}

#[test]
fn read_xml_reads_a_file_or_a_variable_and_a_broken_one_names_its_line() {
    let h = Harness::new();
    std::fs::write(
        h.dir.path().join("order.xml"),
        latin1("<?xml version='1.0' encoding='iso-8859-1'?><order nr=\"17\"><row>Kaffe</row><row>Té</row></order>"),
    )
    .unwrap();
    let robot = "name: xml-steps\nsetup:\n  - read_xml: { file: order.xml, into: order }\n  \
                 - write_csv: { file: out.csv, row: { nr: \"${order.@nr}\", first: \"${order.row.0}\" } }\n  \
                 - for_each: { in: order.row, as: row, steps: [ { write_csv: { file: rows.csv, row: { vara: \"${row}\" } } } ] }\n  \
                 - set: { answer: \"<svar><status>klart</status></svar>\" }\n  \
                 - read_xml: { text: \"${answer}\", into: svar }\n  \
                 - write_csv: { file: out.csv, row: { nr: \"${svar.status}\", first: \"-\" } }\n  \
                 - set: { two: \"<r xmlns:a='urn:a' xmlns:b='urn:b'><a:id>A</a:id><b:id>B</b:id></r>\" }\n  \
                 - read_xml: { text: \"${two}\", into: r, namespaces: { a: \"urn:a\" } }\n  \
                 - write_csv: { file: out.csv, row: { nr: \"${r.a:id}\", first: \"${r.id}\" } }\n  \
                 - set: { broken: \"<svar><status>klart</svar>\" }\n  \
                 - read_xml: { text: \"${broken}\", into: svar }\n";
    let path = h.dir.path().join("xml-steps.yaml");
    std::fs::write(&path, robot).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    let said = text(&out.stderr);
    assert_eq!(
        std::fs::read_to_string(h.dir.path().join("out.csv")).unwrap(),
        "nr,first\r\n17,Kaffe\r\nklart,-\r\nA,B\r\n"
    );
    assert_eq!(std::fs::read_to_string(h.dir.path().join("rows.csv")).unwrap(), "vara\r\nKaffe\r\nTé\r\n");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = run["error"].as_str().unwrap_or_default().to_string() + &said;
    assert!(
        error.contains("the XML in `${broken}` line 1, column 20: expected 'status' tag, not 'svar'"),
        "{error}\n{run}"
    );
}

#[test]
fn a_drop_folder_leaves_a_file_still_being_written_and_moves_settled_ones_away() {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    let h = Harness::new();
    let drop = h.dir.path().join("drop");
    std::fs::create_dir(&drop).unwrap();
    for (id, child) in [(5001, "Åsa"), (5002, "Per")] {
        std::fs::write(drop.join(format!("{id}.xml")), oep_case(id, child, &["2026-04-01"])).unwrap();
    }
    std::fs::write(drop.join("5003.xml"), "<FlowInstance><Header>").unwrap();
    // A writer that is still at 5004.xml while the first run looks.
    let whole = oep_case(5004, "Lars", &["2026-05-01", "2026-05-02"]);
    let finished = std::sync::Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, whole, finished) = (drop.join("5004.xml"), whole.clone(), finished.clone());
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(&path).unwrap();
            let (head, tail) = whole.split_at(whole.find("<Values>").unwrap());
            file.write_all(head.as_bytes()).unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !finished.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                file.write_all(b"\n").unwrap();
                std::thread::sleep(std::time::Duration::from_millis(150));
            }
            file.write_all(tail.as_bytes()).unwrap();
        })
    };
    let robot = "name: drop-folder\nitems:\n  xml: { path: drop, done: drop/done }\n  key: Header.FlowInstanceID\n  \
                 steps:\n    - write_csv: { file: entered.csv, row: { id: \"${item.Header.FlowInstanceID}\", \
                 name: \"${item.Values.child.firstname}\" } }\n";
    let path = h.dir.path().join("drop-folder.yaml");
    std::fs::write(&path, robot).unwrap();
    let first = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    finished.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let run: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(
        (run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(2), Some(1)),
        "{run}"
    );
    let show = h.json(&["show", &run["id"].to_string(), "--json"]);
    assert!(show.to_string().contains("5004.xml is still being written; it is left for the next run"), "{show}");
    let left = |folder: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(left(&drop), ["5003.xml", "5004.xml", "done"], "the broken file waits for its officer");
    assert_eq!(left(&drop.join("done")), ["5001.xml", "5002.xml"]);

    // The next night the writer is done: its case is taken, and only then moved.
    let second = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    let run: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(run["items"]["done"].as_i64(), Some(1), "{run}");
    assert_eq!(left(&drop.join("done")), ["5001.xml", "5002.xml", "5004.xml"]);
    let moved = std::fs::read_to_string(drop.join("done/5004.xml")).unwrap();
    assert!(moved.trim_end().ends_with("</FlowInstance>"), "the whole file was taken: {moved}");
    let entered = std::fs::read_to_string(h.dir.path().join("entered.csv")).unwrap();
    assert_eq!(entered, "id,name\r\n5001,Åsa\r\n5002,Per\r\n5004,Lars\r\n");
}

/// Files a test's web server lists: (name, XML).
type Listed = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A web server that lists a folder of XML files as an HTML page (as nginx's
/// autoindex does), serves them and takes a DELETE of one, to a caller with
/// the right token only; its address, and the files it lists.
fn xml_server(h: &Harness) -> (String, Listed) {
    use axum::http::{HeaderMap, Method, StatusCode, header};
    use axum::response::IntoResponse;
    let listed: Listed = std::sync::Arc::new(std::sync::Mutex::new(vec![
        ("7001.xml".into(), oep_case(7001, "Åsa", &["2026-06-01"])),
        ("7002 sen.xml".into(), oep_case(7002, "Per", &[])),
        ("trasig.xml".into(), "<FlowInstance><Header>".to_string()),
    ]));
    let files = listed.clone();
    let serve = move |method: Method, headers: HeaderMap, path: String| {
        let files = files.clone();
        async move {
            if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some("Bearer nyckel") {
                return (StatusCode::UNAUTHORIZED, "no token").into_response();
            }
            let mut files = files.lock().unwrap();
            if path.is_empty() {
                let links: String =
                    files.iter().map(|(n, _)| format!("<a href=\"{}\">{n}</a>\n", n.replace(' ', "%20"))).collect();
                let page = format!(
                    "<html><body><h1>Index of /export/</h1><a href=\"../\">../</a>\n{links}\
                                    <a href=\"readme.txt\">readme.txt</a><a href=\"https://example.se/x.xml\">x</a></body></html>"
                );
                return ([(header::CONTENT_TYPE, "text/html")], page).into_response();
            }
            let name = path.replace("%20", " ");
            if method == Method::DELETE {
                let before = files.len();
                files.retain(|(n, _)| *n != name);
                return if files.len() < before { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
                    .into_response();
            }
            let one = "<export><errand><id>1</id></errand><errand><id>2</id></errand></export>".to_string();
            match files.iter().cloned().chain([("all.xml".to_string(), one)]).find(|(n, _)| *n == name) {
                Some((_, xml)) => ([(header::CONTENT_TYPE, "application/xml")], xml).into_response(),
                None => (StatusCode::NOT_FOUND, "no such file").into_response(),
            }
        }
    };
    let router = axum::Router::new()
        .route(
            "/export/",
            axum::routing::get({
                let serve = serve.clone();
                move |headers: HeaderMap| serve(Method::GET, headers, String::new())
            }),
        )
        .route(
            "/export/{name}",
            axum::routing::any(
                move |method: Method, headers: HeaderMap, axum::extract::Path(name): axum::extract::Path<String>| {
                    serve(method, headers, name)
                },
            ),
        );
    h.runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/export/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (url, listed)
    })
}

#[test]
fn xml_files_listed_by_a_web_server_or_one_document_at_an_address_are_cases() {
    let h = Harness::new();
    let (url, listed) = xml_server(&h);
    let robot = |path: &str, each: &str, key: &str| {
        format!(
            "name: xml-web\nitems:\n  xml: {{ path: \"{path}\", headers: {{ Authorization: Bearer nyckel }}{each} }}\n  \
             key: {key}\n  steps:\n    - write_csv: {{ file: web.csv, row: {{ key: \"${{item.{key}}}\", file: \"${{item.file}}\" }} }}\n"
        )
    };
    let path = h.dir.path().join("xml-web.yaml");
    std::fs::write(&path, robot(&url, "", "Header.FlowInstanceID")).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (run["items"]["done"].as_i64(), run["items"]["business_exceptions"].as_i64()),
        (Some(2), Some(1)),
        "{run}"
    );
    let written = std::fs::read_to_string(h.dir.path().join("web.csv")).unwrap();
    assert_eq!(written, "key,file\r\n7001,7001.xml\r\n7002,7002 sen.xml\r\n");
    let show = h.json(&["show", &run["id"].to_string(), "--json"]).to_string();
    assert!(
        show.contains("trasig.xml` line 1, column 23: the document ends before its root element is closed"),
        "{show}"
    );

    // One document at an address, a case per element.
    std::fs::remove_file(h.dir.path().join("web.csv")).unwrap();
    std::fs::write(&path, robot(&format!("{url}all.xml"), ", each: errand", "id")).unwrap();
    let out = h.run(&["run", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(h.dir.path().join("web.csv")).unwrap(),
        "key,file\r\n1,all.xml\r\n2,all.xml\r\n"
    );

    // A robot that tells the server each settled file is done: those files
    // go from its listing, the broken one stays for its officer.
    let acknowledging = format!(
        "{}  on_done:\n    - http: {{ delete: \"{url}${{item.file}}\", headers: {{ Authorization: Bearer nyckel }} }}\n",
        robot(&url, "", "Header.FlowInstanceID").replace("name: xml-web", "name: xml-web-acknowledged")
    );
    std::fs::write(&path, acknowledging).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let names: Vec<String> = listed.lock().unwrap().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, ["trasig.xml"], "{}", text(&out.stderr));

    // Without its token the server says no, and the run says what it said.
    std::fs::write(&path, robot(&url, "", "id").replace("Bearer nyckel", "Bearer fel")).unwrap();
    let out = h.run(&["run", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("answered 401: no token"), "{}", text(&out.stderr));
}
