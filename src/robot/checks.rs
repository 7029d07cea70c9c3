//! Built-in checks of Swedish identifiers and common formats: personnummer
//! (10 or 12 digits, date and Luhn, samordningsnummer), organisationsnummer,
//! email address and date. Pure; used by the `validate` step and the
//! `personnummer` transform.

use chrono::NaiveDate;

/// The Luhn check over a string of digits (the last digit is the check digit).
fn luhn_ok(digits: &[u32]) -> bool {
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

fn digits_of(text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// A valid personnummer or samordningsnummer in the 12-digit form
/// `YYYYMMDD-NNNC`, or why it is not one. Ten digits get their century from
/// `today`'s year (a `+` separator means over a hundred years old).
pub(crate) fn personnummer(text: &str, today: NaiveDate) -> Result<String, &'static str> {
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

/// A valid organisationsnummer (`NNNNNN-NNNN`), or why not.
pub(crate) fn organisationsnummer(text: &str) -> Result<String, &'static str> {
    let digits = digits_of(text);
    let digits = match digits.len() {
        10 => digits,
        12 if digits[0] == 1 && digits[1] == 6 => digits[2..].to_vec(),
        _ => return Err("it does not have 10 digits"),
    };
    if digits[2] < 2 {
        return Err("its third digit is below 2, as in a personnummer");
    }
    if !luhn_ok(&digits) {
        return Err("its check digit is wrong");
    }
    let text: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
    Ok(format!("{}-{}", &text[..6], &text[6..]))
}

/// A plausible email address: one `@`, a dot in the domain, no spaces.
pub(crate) fn email(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    let Some((local, domain)) = text.split_once('@') else { return Err("it has no `@`") };
    let sane = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace);
    if sane { Ok(text.to_string()) } else { Err("it is not of the form name@domain.tld") }
}

/// A date that exists, written `YYYY-MM-DD`.
pub(crate) fn date(text: &str) -> Result<String, &'static str> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| "it is not a date of the form YYYY-MM-DD that exists")
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
        assert_eq!(personnummer("811218-9876", today()), Ok("19811218-9876".to_string()));
        assert_eq!(personnummer("198112189876", today()), Ok("19811218-9876".to_string()));
        assert_eq!(personnummer("811218+9876", today()), Ok("18811218-9876".to_string()));
        assert_eq!(personnummer("811218-9875", today()), Err("its check digit is wrong"));
        assert_eq!(personnummer("811318-9876", today()).unwrap_err(), "its check digit is wrong");
        assert_eq!(personnummer("12345", today()), Err("it has neither 10 nor 12 digits"));
        // A samordningsnummer: day + 60.
        assert_eq!(personnummer("701063-2391", today()), Ok("19701063-2391".to_string()));
        // Pupils generated by the stand-ins are valid.
        let pupil = crate::demo::data::personnummer(7);
        assert_eq!(personnummer(&pupil, today()), Ok(pupil));
    }

    #[test]
    fn organisation_numbers_emails_and_dates() {
        assert_eq!(organisationsnummer("212000-2742"), Ok("212000-2742".to_string()));
        assert_eq!(organisationsnummer("212000-2743"), Err("its check digit is wrong"));
        assert_eq!(organisationsnummer("811218-9876"), Err("its third digit is below 2, as in a personnummer"));
        assert!(email("elevhalsan@timra.se").is_ok());
        assert!(email("elevhalsan timra.se").is_err());
        assert_eq!(date("2027-02-29"), Err("it is not a date of the form YYYY-MM-DD that exists"));
        assert_eq!(date("2028-02-29"), Ok("2028-02-29".to_string()));
    }
}
