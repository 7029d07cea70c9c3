//! Built-in checks of Swedish identifiers and common formats: personnummer
//! (in `privacy::personnummer`, with everything else about them),
//! organisationsnummer, email address and date. Pure; used by the `validate` step and the
//! `personnummer` transform.

use chrono::NaiveDate;

use crate::privacy::personnummer::{digits_of, luhn_ok};

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
