//! The layout rules the code keeps (docs/architecture.md), checked on the
//! source itself so that a change that breaks one fails here.

use std::path::{Path, PathBuf};

use crate::common::{files_below, root};

/// Rust files below `src/<dir>`, with their text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = files_below(&root().join("src").join(dir))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

/// Lines that import from one of `modules` (`crate::x`).
fn imports_from(dir: &str, modules: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources(dir) {
        for (n, line) in text.lines().enumerate() {
            if modules.iter().any(|m| line.contains(&format!("crate::{m}::")) || line.contains(&format!("crate::{m};")))
            {
                found.push(format!("{}:{}: {}", relative(&path), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_store_mail_and_the_language_do_not_reach_up_or_across() {
    assert_eq!(imports_from("store", &["notify", "daemon", "web"]), Vec::<String>::new());
    assert_eq!(imports_from("notify", &["store", "daemon", "web"]), Vec::<String>::new());
    assert_eq!(imports_from("web", &["daemon", "execute", "runner::run"]), Vec::<String>::new());
    assert_eq!(imports_from("robot", &["browser", "runner", "store"]), Vec::<String>::new());
    assert_eq!(imports_from("runner", &["store", "notify", "daemon", "execute"]), Vec::<String>::new());
}

/// The folders of `src/` from the bottom up: each may use those before it
/// and the leaves (docs/architecture.md, and the paragraph in `lib.rs`).
const LAYERS: &[&str] = &[
    "files", "privacy", "robot", "schedule", "settings", "browser", "runner", "mail", "store", "notify", "upkeep",
    "execute", "web", "daemon", "cli",
];

/// The files directly in `src/` besides `lib.rs` and `main.rs`, as the
/// paragraph of `lib.rs` that maps the folders names them.
fn leaves() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let (_, after) = lib.split_once("beside `lib.rs` and `main.rs`:").expect("lib.rs names its leaves");
    let text: String = after
        .lines()
        .enumerate()
        .take_while(|(n, l)| *n == 0 || l.starts_with("//!"))
        .map(|(_, l)| l.trim_start_matches("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = text.split_once(". ").map_or(text.as_str(), |(s, _)| s);
    sentence
        .split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .collect()
}

/// A file's code without its tests: none for a file of tests, the part
/// before `#[cfg(test)]` for the others.
fn code_of<'a>(path: &Path, text: &'a str) -> Option<&'a str> {
    let name = path.file_name()?.to_string_lossy();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return None;
    }
    text.split("#[cfg(test)]").next()
}

/// The modules of the crate that the code of `dir` (not its tests) uses.
fn modules_used_by(dir: &str) -> Vec<(String, String)> {
    let mut used = Vec::new();
    for (path, text) in sources(dir) {
        let Some(code) = code_of(&path, &text) else { continue };
        for (n, line) in code.lines().enumerate() {
            for (at, _) in line.match_indices("crate::") {
                let module: String =
                    line[at + "crate::".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if module != dir {
                    used.push((module, format!("{}:{}", relative(&path), n + 1)));
                }
            }
        }
    }
    used
}

#[test]
fn the_folders_are_layers_each_using_only_those_below_it_and_the_leaves() {
    let leaves = leaves();
    assert_eq!(leaves, ["base64", "environment", "human", "process", "trust", "xml"], "the leaves lib.rs names");
    // lib.rs tells the layers in this order.
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let (_, map) = lib.split_once("The folders are layers").expect("lib.rs maps the folders");
    let told: Vec<&str> = map.split('`').skip(1).step_by(2).filter(|name| LAYERS.contains(name)).collect();
    let mut first_told: Vec<&str> = Vec::new();
    for name in told {
        if !first_told.contains(&name) {
            first_told.push(name);
        }
    }
    assert_eq!(first_told, LAYERS, "the order in which lib.rs names the layers");
    let mut wrong = Vec::new();
    for (n, layer) in LAYERS.iter().enumerate() {
        for (module, place) in modules_used_by(layer) {
            // `nightshift demo` starts the stand-in sites.
            let demo = *layer == "cli" && module == "demo";
            if !LAYERS[..n].contains(&module.as_str()) && !leaves.contains(&module) && !demo {
                wrong.push(format!("{place}: `{layer}` uses `{module}`"));
            }
        }
    }
    for leaf in &leaves {
        for (module, place) in modules_used_by(&format!("{leaf}.rs")) {
            // A leaf may use the leaves named before it.
            let earlier = leaves.iter().take_while(|l| *l != leaf).any(|l| *l == module);
            if !earlier {
                wrong.push(format!("{place}: the leaf `{leaf}` uses `{module}`"));
            }
        }
    }
    // The stand-in sites use the language and nothing else of nightshift's.
    for (module, place) in modules_used_by("demo") {
        if module != "robot" && !leaves.contains(&module) {
            wrong.push(format!("{place}: `demo` uses `{module}`"));
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn only_lib_main_and_the_leaves_lie_directly_in_src_and_every_folder_is_a_layer() {
    let mut loose = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(root().join("src")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            folders.push(name);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            loose.push(stem.to_string());
        }
    }
    loose.sort();
    folders.sort();
    let mut expected: Vec<String> = leaves();
    expected.extend(["lib".to_string(), "main".to_string()]);
    expected.sort();
    assert_eq!(loose, expected, "files directly in src/");
    let mut layers: Vec<String> = LAYERS.iter().map(|l| l.to_string()).chain(["demo".to_string()]).collect();
    layers.sort();
    assert_eq!(folders, layers, "folders of src/");
}

#[test]
fn no_name_is_on_two_layers() {
    // A folder's file named like a module of the crate's top reads as that
    // module; the commands of `cli/` are named after what they run.
    let top: Vec<String> = LAYERS.iter().map(|l| l.to_string()).chain(leaves()).chain(["demo".into()]).collect();
    let mut twice = Vec::new();
    for path in files_below(&root().join("src")) {
        let inside = path.strip_prefix(root().join("src")).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if inside.components().count() > 1 && !inside.starts_with("cli") && top.contains(&stem) {
            twice.push(inside.display().to_string());
        }
    }
    assert_eq!(twice, Vec::<String>::new());
}

#[test]
fn the_environment_is_read_once_and_never_written() {
    // `environment.rs` reads the process's variables at start; every other
    // part asks it. chromedriver's own environment is cleaned from the
    // process's (`vars_os`), which is what a child inherits.
    let mut found = Vec::new();
    let mut files = sources("");
    files.push((root().join("src/main.rs"), std::fs::read_to_string(root().join("src/main.rs")).unwrap()));
    for (path, text) in files {
        let Some(code) = code_of(&path, &text) else { continue };
        for (n, line) in code.lines().enumerate() {
            let writes = ["set_var(", "remove_var("].iter().any(|w| line.contains(w));
            let reads = ["env::var(", "env::var_os(", "env::vars()"].iter().any(|r| line.contains(r));
            if writes || (reads && !path.ends_with("src/environment.rs")) {
                found.push(format!("{}:{}: {}", relative(&path), n + 1, line.trim()));
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
}

/// Whether a line formats an HTML tag by hand (`format!("<p>` or `format!("<a href`), not a mail's `<run-1.ops@nightshift>`.
fn formats_a_tag(code: &str) -> bool {
    code.match_indices("!(\"<").any(|(at, found)| {
        let rest = &code[at + found.len()..];
        let name: String = rest.chars().skip_while(|c| *c == '/').take_while(char::is_ascii_alphanumeric).collect();
        !name.is_empty() && rest.trim_start_matches('/')[name.len()..].starts_with([' ', '>'])
    })
}

#[test]
fn html_is_escaped_by_its_templates_and_the_daemon_holds_no_unsafe_code() {
    let mut found = Vec::new();
    for dir in ["web", "notify"] {
        for (path, text) in sources(dir) {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if code.contains("fn esc(") || code.contains("PreEscaped") || formats_a_tag(code) {
                    found.push(format!("{}:{}: {}", relative(&path), n + 1, line.trim()));
                }
            }
        }
    }
    for (path, text) in sources("daemon") {
        for (n, line) in text.lines().enumerate() {
            if line.split("//").next().unwrap_or_default().contains("unsafe") {
                found.push(format!("{}:{}: {}", relative(&path), n + 1, line.trim()));
            }
        }
    }
    assert_eq!(found, Vec::<String>::new(), "HTML by hand in the console or mail, or unsafe code in the daemon");
}

#[test]
fn no_file_in_src_is_longer_than_700_lines() {
    for (path, text) in sources("") {
        let lines = text.lines().count();
        assert!(lines <= 700, "{} has {lines} lines", relative(&path));
    }
}

#[test]
fn the_demo_sites_import_each_other_in_one_direction() {
    // Which demo module imports which; a cycle would show as a pair both ways.
    let mut edges = Vec::new();
    for (path, text) in sources("demo") {
        let from = path.file_stem().unwrap().to_string_lossy().into_owned();
        for line in text.lines() {
            for (at, _) in line.match_indices("crate::demo::") {
                let rest = &line[at + "crate::demo::".len()..];
                let to: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if to != from && !edges.contains(&(from.clone(), to.clone())) {
                    edges.push((from.clone(), to));
                }
            }
        }
    }
    let cycles: Vec<&(String, String)> =
        edges.iter().filter(|(a, b)| edges.contains(&(b.clone(), a.clone()))).collect();
    assert!(!edges.is_empty());
    assert_eq!(cycles, Vec::<&(String, String)>::new());
}

#[test]
fn runner_and_store_errors_are_typed() {
    for dir in ["runner", "store"] {
        for (path, text) in sources(dir) {
            for (n, line) in text.lines().enumerate() {
                let stringly = string_errors(line) || line.contains("map_err(|e| e.to_string())");
                assert!(!stringly, "{}:{}: {}", relative(&path), n + 1, line.trim());
            }
        }
    }
}

/// Whether a line names a `Result` whose error type is `String`.
fn string_errors(line: &str) -> bool {
    line.match_indices("Result<").any(|(at, _)| {
        let rest = &line[at + "Result<".len()..];
        let (mut depth, mut last_comma, mut end) = (0, None, None);
        for (i, c) in rest.char_indices() {
            match c {
                '<' | '(' => depth += 1,
                ')' => depth -= 1,
                '>' if depth == 0 => {
                    end = Some(i);
                    break;
                }
                '>' => depth -= 1,
                ',' if depth == 0 => last_comma = Some(i),
                _ => {}
            }
        }
        matches!((last_comma, end), (Some(c), Some(e)) if rest[c + 1..e].trim() == "String")
    })
}

#[test]
fn a_string_error_type_is_told_from_a_string_in_another_place() {
    assert!(string_errors("fn f() -> Result<Vec<u8>, String> {"));
    assert!(!string_errors("fn f(v: &HashMap<String, String>) -> Result<String, RenderError> {"));
    assert!(!string_errors("fn f() -> Result<HashMap<String, String>, Error> {"));
}

/// The length of each function in `text` (from its `fn` line to its closing brace).
fn function_lengths(text: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "async fn ",
            "pub(crate) async fn ",
            "pub(super) async fn ",
            "pub async fn ",
        ]
        .iter()
        .any(|p| line.starts_with(p));
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if !is_fn || line.ends_with(';') {
            i += 1;
            continue;
        }
        let (mut depth, mut opened, mut j) = (0i64, false, i);
        while j < lines.len() {
            let code = lines[j].split("//").next().unwrap_or_default();
            let code: String = strip_literals(code);
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            opened |= code.contains('{');
            if code.trim_end().ends_with(';') && !opened {
                break;
            }
            if opened && depth <= 0 {
                found.push((i + 1, j - i + 1));
                break;
            }
            j += 1;
        }
        i = j + 1;
    }
    found
}

/// A line with its string and char literals emptied, so braces in them do not count.
fn strip_literals(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
            }
            c => out.push(c),
        }
    }
    out
}

#[test]
fn no_function_is_too_long_and_no_runner_or_language_file_too_big() {
    let mut long = Vec::new();
    for (path, text) in sources("") {
        for (line, length) in function_lengths(&text) {
            if length > 120 {
                long.push(format!("{}:{line} is {length} lines", relative(&path)));
            }
        }
    }
    assert_eq!(long, Vec::<String>::new(), "functions over 120 lines");
    for dir in ["runner", "robot"] {
        for (path, text) in sources(dir) {
            let lines = text.lines().count();
            assert!(lines <= 600, "{} has {lines} lines", relative(&path));
        }
    }
}

#[test]
fn the_length_check_counts_a_function_to_its_closing_brace() {
    let text = "fn a() {\n    let s = \"}\";\n    if x { y }\n}\n\nfn b(\n    x: u8,\n) -> u8;\n";
    assert_eq!(function_lengths(text), [(1, 4)]);
}
