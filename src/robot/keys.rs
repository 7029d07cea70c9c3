//! Keys as `press` names them: `Enter`, `F5`, one character, and chords
//! such as `Control+A`.

use crate::files::diagnostic::did_you_mean;

/// The keys a `press` step can send, by their names in robot files.
pub const KEYS: &[&str] = &[
    "Enter",
    "Tab",
    "Escape",
    "Backspace",
    "Delete",
    "Space",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "Home",
    "End",
    "PageUp",
    "PageDown",
    "Insert",
    "F1",
    "F2",
    "F3",
    "F4",
    "F5",
    "F6",
    "F7",
    "F8",
    "F9",
    "F10",
    "F11",
    "F12",
];

/// The keys held down while another is pressed: `Control+A`, `Shift+Tab`.
pub(crate) const MODIFIERS: &[&str] = &["Control", "Shift", "Alt", "Meta"];

/// Checks one key as written in `press`: a name from `KEYS` or one
/// character, after any `MODIFIERS` joined by `+`. The error says what is wrong.
pub(crate) fn check_key(spec: &str) -> Result<(), String> {
    let parts: Vec<&str> = spec.split('+').collect();
    let (key, modifiers) = match parts.split_last() {
        // `Control++` is Control with the plus key.
        Some((&"", rest)) if spec.ends_with("++") => ("+", &rest[..rest.len().saturating_sub(1)]),
        Some((key, rest)) => (*key, rest),
        None => return Err("no key".into()),
    };
    for modifier in modifiers {
        if !MODIFIERS.contains(modifier) {
            let hint = did_you_mean(modifier, MODIFIERS).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            return Err(format!("`{modifier}` is not a key to hold down{hint} (known: {})", MODIFIERS.join(", ")));
        }
    }
    if KEYS.contains(&key) || MODIFIERS.contains(&key) || key.chars().count() == 1 {
        return Ok(());
    }
    let hint = did_you_mean(key, KEYS).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
    let named: Vec<&str> = KEYS.iter().copied().filter(|k| !k.starts_with('F')).collect();
    Err(format!("`{key}` is not a key's name{hint} (known: one character, {}, F1 to F12)", named.join(", ")))
}
