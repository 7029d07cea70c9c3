//! Tests of the WebDriver browser's own helpers: key escapes, error words, profile folders.

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
fn profiles_of_dead_processes_are_reclaimed_and_live_ones_kept() {
    let temp = tempfile::tempdir().unwrap();
    let dead = temp.path().join(format!("{PROFILE_PREFIX}999999999-17"));
    let live = temp.path().join(format!("{PROFILE_PREFIX}{}-18", std::process::id()));
    let other = temp.path().join("nightshift-chromium-notes");
    for dir in [&dead, &live, &other] {
        std::fs::create_dir_all(dir.join("Default")).unwrap();
    }
    reclaim_dead_profiles(temp.path());
    assert!(!dead.exists());
    assert!(live.exists() && other.exists());
}
