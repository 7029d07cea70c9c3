//! Tests of the WebDriver browser's own helpers: key escapes, error words, profile folders.

use super::profile::OWNER_LOCK;
use super::*;

#[test]
fn key_escapes_in_typed_text_become_keys_and_other_braces_stay_text() {
    let enter: char = fantoccini::key::Key::Enter.into();
    let control: char = fantoccini::key::Key::Control.into();
    let null: char = fantoccini::key::Key::Null.into();
    assert_eq!(expand_key_escapes("a{Enter}b"), format!("a{enter}b"));
    assert_eq!(expand_key_escapes("{Control+A}x"), format!("{control}A{null}x"));
    assert_eq!(expand_key_escapes("{\"id\": 1} {x} {"), "{\"id\": 1} {x} {");
}

#[test]
fn chromedriver_texts_become_nightshift_words() {
    let alert = own_words("unexpected alert open", "unexpected alert open: {Alert text : cheese}");
    assert_eq!(alert, "a dialog is open (\"cheese\"): answer it with a `dialog` step first");
    let debris = "unexpected alert open: {Alert text : onload}\n  (Session info: chrome=156.0.8078.129)";
    assert_eq!(dialog_text(debris), Some("onload"));
    assert_eq!(dialog_text("unexpected alert open: {Alert text : a {b}\nc}"), Some("a {b}\nc"));
    assert_eq!(dialog_text("unexpected alert open"), None);
    let xpath = own_words(
        "invalid selector",
        "invalid selector: Unable to locate an element with the xpath expression //a[ because of the following error:\n\
         SyntaxError: Failed to execute 'evaluate' on 'Document': The string '//a[' is not a valid XPath expression.",
    );
    assert_eq!(xpath, "the locator is not a valid selector: The string '//a[' is not a valid XPath expression.");
    assert_eq!(
        own_words("invalid element state", "invalid element state: Element is not currently interactable"),
        "the element cannot be changed (it is disabled or read-only)"
    );
    assert_eq!(own_words("unknown error", "unknown error: something\nmore"), "unknown error: something");
}

#[test]
fn folders_whose_lock_is_free_are_reclaimed_and_held_ones_kept_whatever_their_process_id() {
    let temp = tempfile::tempdir().unwrap();
    // A folder of a process that is gone: its lock file is there, unlocked.
    let dead = temp.path().join(format!("{PROFILE_PREFIX}{}-17", std::process::id()));
    std::fs::create_dir_all(dead.join("Default")).unwrap();
    std::fs::write(dead.join(OWNER_LOCK), "").unwrap();
    // A live owner in another PID namespace: its id is no process here, but
    // it holds its lock.
    let held = OwnedFolder::create(temp.path().join(format!("{TEMP_PREFIX}999999999-18"))).unwrap();
    // Made by an older nightshift (no lock file): by its process id and age.
    let old_dead = temp.path().join(format!("{PROFILE_PREFIX}999999999-19"));
    let young_dead = temp.path().join(format!("{PROFILE_PREFIX}999999999-20"));
    let old_live = temp.path().join(format!("{PROFILE_PREFIX}{}-21", std::process::id()));
    let other = temp.path().join("nightshift-chromium-notes");
    for dir in [&old_dead, &young_dead, &old_live, &other] {
        std::fs::create_dir_all(dir.join("Default")).unwrap();
    }
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for dir in [&old_dead, &old_live] {
        std::fs::File::open(dir).unwrap().set_modified(long_ago).unwrap();
    }
    reclaim_dead_profiles(temp.path());
    assert!(!dead.exists() && !old_dead.exists());
    assert!(held.path.join(OWNER_LOCK).exists(), "a folder whose owner holds its lock is kept");
    assert!(young_dead.exists() && old_live.exists() && other.exists());
    drop(held);
    reclaim_dead_profiles(temp.path());
    assert!(!temp.path().join(format!("{TEMP_PREFIX}999999999-18")).exists(), "reclaimed once its lock is free");
}

#[test]
fn every_script_file_is_javascript_that_parses() {
    // Each runs as a function body after `find` and `watchNavigation`, as
    // `script` sends it; node (which scripts/setup installs with npm for
    // the accessibility check) parses each so wrapped.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/browser/webdriver/js");
    let work = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        // `find` and `watchNavigation` are what `script` puts first.
        let prelude = ["find.js", "watch.js"].iter().any(|p| entry.file_name() == *p);
        let body = if prelude { String::new() } else { std::fs::read_to_string(entry.path()).unwrap() };
        let wrapped = work.path().join(entry.file_name());
        std::fs::write(&wrapped, format!("(async function () {{\n{}\n}});\n", script(&body))).unwrap();
        let out = std::process::Command::new("node")
            .arg("--check")
            .arg(&wrapped)
            .output()
            .expect("node is installed (scripts/setup installs npm)");
        assert!(out.status.success(), "{}: {}", entry.path().display(), String::from_utf8_lossy(&out.stderr));
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} script files");
}

#[test]
fn a_page_error_reads_as_it_did_when_it_was_text() {
    let problem = PageError::WebDriver { code: "no such window".into(), words: "the window is closed".into() };
    let wrapped = BrowserError::from(PageError::Element { target: "css `#x`".into(), problem: Box::new(problem) });
    assert_eq!(wrapped.to_string(), "css `#x`: the window is closed");
    assert_eq!(PageError::NoFrame { index: 2 }.to_string(), "the page has no frame number 2 (counting from 0)");
    assert_eq!(PageError::NotATime(None).to_string(), "the page load time was not a number");
    assert_eq!(PageError::NotATime(Some("null".into())).to_string(), "the page load time was not a number: null");
    assert_eq!(PageError::ShortAnswer { answered: 1, asked: 3 }.to_string(), "the page answered 1 of 3 probes");
}

#[test]
fn a_folder_being_made_is_never_reclaimed_by_a_browser_starting_beside_it() {
    let temp = tempfile::tempdir().unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Another nightshift starting browsers: it reclaims all the while.
    let reclaimer = {
        let (dir, done) = (temp.path().to_path_buf(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                reclaim_dead_profiles(&dir);
            }
        })
    };
    let mut made = Vec::new();
    for n in 0..400 {
        let folder = OwnedFolder::create(temp.path().join(format!("{TEMP_PREFIX}{}-{n}", std::process::id())));
        made.push(folder.expect("a folder of a live owner is made"));
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    reclaimer.join().unwrap();
    let gone: Vec<_> = made.iter().filter(|f| !f.path.join(OWNER_LOCK).exists()).map(|f| f.path.clone()).collect();
    assert_eq!(gone, Vec::<std::path::PathBuf>::new(), "folders of a live owner were reclaimed");
}
