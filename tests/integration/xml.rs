//! XML as data, as e-service platforms write it: a folder of Open ePlatform
//! cases in ISO-8859-1 with namespaces read as cases by element name, a
//! broken file and one with an external entity each their own business
//! exception while the others are done, and `read_xml` of a variable.

use crate::common::{Harness, text};

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
    let items = show["item_list"].as_array().unwrap();
    let item = |key: &str| items.iter().find(|i| i["key"] == key).unwrap_or_else(|| panic!("{key} in {show}")).clone();
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
                 - set: { broken: \"<svar><status>klart</svar>\" }\n  \
                 - read_xml: { text: \"${broken}\", into: svar }\n";
    let path = h.dir.path().join("xml-steps.yaml");
    std::fs::write(&path, robot).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    let said = text(&out.stderr);
    assert_eq!(std::fs::read_to_string(h.dir.path().join("out.csv")).unwrap(), "nr,first\r\n17,Kaffe\r\nklart,-\r\n");
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
