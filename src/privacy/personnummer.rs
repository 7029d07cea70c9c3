//! Swedish personal identity numbers, everything nightshift does with them
//! in one place: checking one (`validate`, the `personnummer` transform),
//! the ways one is written (what a purge looks for), and masking them in
//! text and in screenshots. Text masking finds them in every way they are
//! written: `19121212-1212` becomes `19121212-****`, `121212-1212` becomes
//! `121212-****`, `191212121212` becomes `19121212****`, `19121212 1212`
//! becomes `19121212 ****`; the short forms without a `-` or `+` (`121212
//! 1212`, `1212121212`) are masked when their check digit is right, since
//! ten digits in a row are as often a phone number.

use chrono::NaiveDate;

/// What the browser masks before a screenshot goes into mail: the same
/// shapes as `mask_personnummer`, as a JavaScript regular expression, but
/// without the check digit test for ten digits in a row, so a screenshot
/// hides a phone number sooner than shows a personnummer. The replacement
/// keeps group 1, the date part: `$1****`.
pub(crate) const BROWSER_PATTERN: &str = r"(?<!\d)(\d{8}[-+ ]?|\d{6}[-+ ]?)\d{4}(?!\d)";

/// The Luhn check over a string of digits (the last digit is the check digit).
pub(crate) fn luhn_ok(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = if i % 2 == 1 { d * 2 } else { *d };
            v / 10 + v % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

pub(crate) fn digits_of(text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// A valid personnummer or samordningsnummer (for `validate` and the
/// `personnummer` transform) in the 12-digit form
/// `YYYYMMDD-NNNC`, or why it is not one. Ten digits get their century from
/// `today`'s year (a `+` separator means over a hundred years old).
pub(crate) fn parse(text: &str, today: NaiveDate) -> Result<String, &'static str> {
    let trimmed = text.trim();
    if trimmed.chars().any(|c| !(c.is_ascii_digit() || c == '-' || c == '+' || c == ' ')) {
        return Err("it holds characters other than digits, `-` and `+`");
    }
    let digits = digits_of(trimmed);
    let century_digits: Vec<u32> = match digits.len() {
        12 => digits.clone(),
        10 => {
            let yy = digits[0] * 10 + digits[1];
            let this_year = chrono::Datelike::year(&today) as u32;
            let mut year = this_year - (this_year % 100) + yy;
            if year > this_year {
                year -= 100;
            }
            if trimmed.contains('+') {
                year -= 100;
            }
            let mut full = vec![year / 1000, year / 100 % 10];
            full.extend_from_slice(&digits);
            full
        }
        _ => return Err("it has neither 10 nor 12 digits"),
    };
    if !luhn_ok(&century_digits[2..]) {
        return Err("its check digit is wrong");
    }
    let number = |ds: &[u32]| ds.iter().fold(0, |n, d| n * 10 + d);
    let year = number(&century_digits[0..4]) as i32;
    let month = number(&century_digits[4..6]);
    let mut day = number(&century_digits[6..8]);
    if day > 60 {
        day -= 60; // samordningsnummer
    }
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return Err("its date does not exist");
    }
    let text: String = century_digits.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
    Ok(format!("{}-{}", &text[..8], &text[8..]))
}

/// The ways a personnummer is written: with and without century, dash or `+`.
pub(crate) fn written_forms(pnr: &str) -> Vec<String> {
    let digits: String = pnr.chars().filter(char::is_ascii_digit).collect();
    let long: Vec<String> = match digits.len() {
        12 => vec![digits.clone()],
        10 => vec![format!("19{digits}"), format!("20{digits}")],
        _ => return vec![pnr.trim().to_string()].into_iter().filter(|p| !p.is_empty()).collect(),
    };
    let mut forms = Vec::new();
    for d in long {
        let (date, serial) = d.split_at(8);
        forms.extend([format!("{date}-{serial}"), format!("{date}+{serial}"), d.clone()]);
        let (short, serial) = (&d[2..8], &d[8..]);
        forms.extend([format!("{short}-{serial}"), format!("{short}+{serial}"), format!("{short}{serial}")]);
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Replaces the last four digits of every personnummer-shaped number.
pub(crate) fn mask_personnummer(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary_before = i == 0 || !chars[i - 1].is_ascii_digit();
        if boundary_before && let Some(len) = match_at(&chars, i) {
            let digits_seen = chars[i..i + len].iter().filter(|c| c.is_ascii_digit()).count();
            let mut kept = 0;
            for c in &chars[i..i + len] {
                if c.is_ascii_digit() {
                    kept += 1;
                    out.push(if kept > digits_seen - 4 { '*' } else { *c });
                } else {
                    out.push(*c);
                }
            }
            i += len;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Whether `text` holds something `mask_personnummer` would mask.
pub(crate) fn holds_personnummer(text: &str) -> bool {
    mask_personnummer(text) != text
}

/// The length of a personnummer starting at `start`: 8 date digits, an
/// optional `-`, `+` or space, four digits; or 6 date digits, a `-` or `+`
/// (or a space or nothing, with a right check digit), four digits; and no
/// digit right after.
fn match_at(chars: &[char], start: usize) -> Option<usize> {
    for date_len in [8, 6] {
        let date_end = start + date_len;
        if date_end > chars.len() || !chars[start..date_end].iter().all(char::is_ascii_digit) {
            continue;
        }
        let month: String = chars[date_end - 4..date_end - 2].iter().collect();
        let day: String = chars[date_end - 2..date_end].iter().collect();
        let plausible = matches!(month.parse::<u32>(), Ok(1..=12)) && matches!(day.parse::<u32>(), Ok(1..=91));
        if !plausible {
            continue;
        }
        let sign = matches!(chars.get(date_end), Some('-' | '+'));
        let separator = usize::from(matches!(chars.get(date_end), Some('-' | '+' | ' ')));
        let tail_start = date_end + separator;
        let tail_end = tail_start + 4;
        let shaped = tail_end <= chars.len()
            && chars[tail_start..tail_end].iter().all(char::is_ascii_digit)
            && !chars.get(tail_end).is_some_and(char::is_ascii_digit);
        if !shaped {
            continue;
        }
        if date_len == 6 && !sign {
            let digits: Vec<u32> = chars[start..tail_end].iter().filter_map(|c| c.to_digit(10)).collect();
            if !luhn_ok(&digits) {
                continue;
            }
        }
        return Some(tail_end - start);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn personnummer_in_every_form() {
        // 811218-9876 is the Swedish Tax Agency's textbook example.
        assert_eq!(parse("811218-9876", today()), Ok("19811218-9876".to_string()));
        assert_eq!(parse("198112189876", today()), Ok("19811218-9876".to_string()));
        assert_eq!(parse("811218+9876", today()), Ok("18811218-9876".to_string()));
        assert_eq!(parse("811218-9875", today()), Err("its check digit is wrong"));
        assert_eq!(parse("811318-9876", today()).unwrap_err(), "its check digit is wrong");
        assert_eq!(parse("12345", today()), Err("it has neither 10 nor 12 digits"));
        // A samordningsnummer: day + 60.
        assert_eq!(parse("701063-2391", today()), Ok("19701063-2391".to_string()));
        // Pupils generated by the stand-ins are valid.
        let pupil = crate::demo::data::personnummer(7);
        assert_eq!(parse(&pupil, today()), Ok(pupil));
    }

    #[test]
    fn a_personnummer_is_looked_for_in_every_way_it_is_written() {
        let forms = written_forms("20120315-1234");
        for form in ["20120315-1234", "201203151234", "120315-1234", "1203151234", "120315+1234"] {
            assert!(forms.contains(&form.to_string()), "{form} in {forms:?}");
        }
        assert!(written_forms("120315-1234").contains(&"20120315-1234".to_string()));
    }

    #[test]
    fn masks_the_common_forms_and_leaves_other_numbers() {
        assert_eq!(mask_personnummer("Elev 20120315-1234 saknas"), "Elev 20120315-**** saknas");
        assert_eq!(mask_personnummer("120315-1234, 191212121212"), "120315-****, 19121212****");
        assert_eq!(mask_personnummer("ärende 2026-1042, tel 0701234567"), "ärende 2026-1042, tel 0701234567");
        assert_eq!(mask_personnummer("samordningsnummer 701063-2391"), "samordningsnummer 701063-****");
    }

    #[test]
    fn masks_a_space_and_the_forms_without_a_separator() {
        // 811218-9876 has a right check digit; 811218-9875 does not.
        assert_eq!(mask_personnummer("Elev 20120315 1234 saknas"), "Elev 20120315 **** saknas");
        assert_eq!(mask_personnummer("pnr 8112189876."), "pnr 811218****.");
        assert_eq!(mask_personnummer("pnr 811218 9876"), "pnr 811218 ****");
        assert_eq!(mask_personnummer("198112189876"), "19811218****");
        // Ten digits that fail the check are left: a phone number, a case number.
        assert_eq!(mask_personnummer("tel 8112189875"), "tel 8112189875");
        assert_eq!(mask_personnummer("811218 9875"), "811218 9875");
        assert!(holds_personnummer("x 811218 9876") && !holds_personnummer("ärende 2026-1042"));
    }
}
