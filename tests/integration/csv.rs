//! CSV as Swedish offices have it: a case list that Excel saved in
//! Windows-1252 read as cases and written back in it, Excel's "Unicode text"
//! (UTF-16, tabs) read and written back in ISO-8859-15, and statistics that
//! a Swedish Excel opens in columns.

use crate::common::{Harness, case_keys, text};

#[test]
fn an_excel_case_list_in_windows_1252_is_read_and_written_back_and_stats_open_in_excel() {
    let h = Harness::new();
    // "Ärende;Namn;Ort" and three rows with å, ä, ö as Excel writes them.
    let list: &[u8] = b"\xC4rende;Namn;Ort\r\n1;\xC5sa \xD6berg;V\xE4ster\xE5s\r\n2;P\xE4r;G\xE4vle\r\n3;\"\xD6rjan; \x93Nisse\x94\";Lule\xE5\r\n";
    std::fs::write(h.dir.path().join("cases.csv"), list).unwrap();
    let robot = "name: excel\nmanual_minutes: 3\nitems:\n  csv: cases.csv\n  key: Ärende\n  steps:\n    \
                 - write_csv:\n        file: back.csv\n        separator: \";\"\n        encoding: windows-1252\n        \
                 row: {Ärende: \"${item.Ärende}\", Namn: \"${item.Namn}\", Ort: \"${item.Ort}\"}\n";
    std::fs::write(h.dir.path().join("excel.yaml"), robot).unwrap();
    let out = h.run(&["run", h.dir.path().join("excel.yaml").to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["items"]["done"], 3);
    let keys = case_keys(&h.json(&["show", &run["id"].to_string(), "--json"]));
    assert_eq!(keys, ["1", "2", "3"]);
    let back = std::fs::read(h.dir.path().join("back.csv")).unwrap();
    assert_eq!(back, list, "written back byte for byte in Windows-1252");

    // The same file declared UTF-8 is refused with a hint, not misread.
    let strict = robot.replace("  csv: cases.csv\n", "  csv: {path: cases.csv, encoding: utf-8}\n");
    std::fs::write(h.dir.path().join("excel.yaml"), strict).unwrap();
    let out = h.run(&["run", h.dir.path().join("excel.yaml").to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("say `encoding: windows-1252`"), "{}", text(&out.stderr));

    let out = h.run(&["stats", "--excel", "--by", "robot"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBFrobot;period;runs;"), "{}", text(&out.stdout));
    let row = text(&out.stdout).lines().nth(1).unwrap().to_string();
    let cells: Vec<&str> = row.split(';').collect();
    assert_eq!(cells[..4], ["excel", "all", "2", "3"], "{row}");
    assert_eq!(cells[6], "1,000", "a decimal comma: {row}");
    assert!(out.stdout.ends_with(b"\r\n"));
}

#[test]
fn excel_s_unicode_text_is_read_as_cases_and_latin_9_is_written() {
    let h = Harness::new();
    let list = "Ärende\tNamn\tBelopp\r\n1\tŠárka Öberg\t12 €\r\n2\tPär\t0\r\n";
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(list.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(h.dir.path().join("cases.txt"), utf16).unwrap();
    let robot = "name: unicode\nitems:\n  csv: cases.txt\n  key: Ärende\n  steps:\n    \
                 - write_csv:\n        file: back.csv\n        separator: \";\"\n        encoding: iso-8859-15\n        \
                 row: {Ärende: \"${item.Ärende}\", Namn: \"${item.Namn}\", Belopp: \"${item.Belopp}\"}\n";
    let path = h.dir.path().join("unicode.yaml");
    std::fs::write(&path, robot).unwrap();
    let out = h.run(&["run", path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let back = std::fs::read(h.dir.path().join("back.csv")).unwrap();
    let expected: &[u8] = b"\xC4rende;Namn;Belopp\r\n1;\xA6\xE1rka \xD6berg;12 \xA4\r\n2;P\xE4r;0\r\n";
    assert_eq!(back, expected, "{}", String::from_utf8_lossy(&back));

    // UTF-16 is read, not written: check says so at the encoding's place.
    std::fs::write(&path, robot.replace("encoding: iso-8859-15", "encoding: utf-16")).unwrap();
    let out = h.run(&["check", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(3));
    let said = text(&out.stderr);
    assert!(said.contains("unicode.yaml:9:19") && said.contains("does not write it"), "{said}");
}
