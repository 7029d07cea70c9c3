//! Masks Swedish personal identity numbers in text, in every way they are
//! written: `19121212-1212` becomes `19121212-****`, `121212-1212` becomes
//! `121212-****`, `191212121212` becomes `19121212****`, `19121212 1212`
//! becomes `19121212 ****`; the short forms without a `-` or `+` (`121212
//! 1212`, `1212121212`) are masked when their check digit is right, since
//! ten digits in a row are as often a phone number.

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
            if !luhn(&digits) {
                continue;
            }
        }
        return Some(tail_end - start);
    }
    None
}

/// The Luhn check over a personnummer's ten digits (YYMMDDNNNC).
fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = if i % 2 == 0 { d * 2 } else { *d };
            if d > 9 { d - 9 } else { d }
        })
        .sum();
    digits.len() == 10 && sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::{holds_personnummer, mask_personnummer};

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
