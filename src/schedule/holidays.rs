//! Swedish public holidays, and the days offices treat as such (Midsummer
//! Eve, Christmas Eve, New Year's Eve), computed for any year.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The holiday on `date`, by its Swedish name, if it is one.
pub(crate) fn swedish_holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let easter = easter_sunday(year)?;
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let first_weekday_from = |m, d, weekday| {
        let start = fixed(m, d)?;
        (0..7).map(|i| start + Duration::days(i)).find(|day| day.weekday() == weekday)
    };
    let days: [(Option<NaiveDate>, &'static str); 16] = [
        (fixed(1, 1), "nyårsdagen"),
        (fixed(1, 6), "trettondedag jul"),
        (Some(easter - Duration::days(2)), "långfredagen"),
        (Some(easter), "påskdagen"),
        (Some(easter + Duration::days(1)), "annandag påsk"),
        (fixed(5, 1), "första maj"),
        (Some(easter + Duration::days(39)), "Kristi himmelsfärds dag"),
        (Some(easter + Duration::days(49)), "pingstdagen"),
        (fixed(6, 6), "Sveriges nationaldag"),
        (first_weekday_from(6, 19, Weekday::Fri), "midsommarafton"),
        (first_weekday_from(6, 20, Weekday::Sat), "midsommardagen"),
        (first_weekday_from(10, 31, Weekday::Sat), "alla helgons dag"),
        (fixed(12, 24), "julafton"),
        (fixed(12, 25), "juldagen"),
        (fixed(12, 26), "annandag jul"),
        (fixed(12, 31), "nyårsafton"),
    ];
    days.into_iter().find(|(day, _)| *day == Some(date)).map(|(_, name)| name)
}

/// Easter Sunday (the anonymous Gregorian algorithm).
pub(crate) fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_matches_known_years() {
        assert_eq!(easter_sunday(2026), Some(date("2026-04-05")));
        assert_eq!(easter_sunday(2027), Some(date("2027-03-28")));
        assert_eq!(easter_sunday(2019), Some(date("2019-04-21")));
    }

    #[test]
    fn the_holidays_of_2027() {
        let holidays: Vec<(NaiveDate, &str)> = (0..365)
            .map(|d| date("2027-01-01") + Duration::days(d))
            .filter_map(|d| swedish_holiday(d).map(|n| (d, n)))
            .collect();
        let expected = [
            ("2027-01-01", "nyårsdagen"),
            ("2027-01-06", "trettondedag jul"),
            ("2027-03-26", "långfredagen"),
            ("2027-03-28", "påskdagen"),
            ("2027-03-29", "annandag påsk"),
            ("2027-05-01", "första maj"),
            ("2027-05-06", "Kristi himmelsfärds dag"),
            ("2027-05-16", "pingstdagen"),
            ("2027-06-06", "Sveriges nationaldag"),
            ("2027-06-25", "midsommarafton"),
            ("2027-06-26", "midsommardagen"),
            ("2027-11-06", "alla helgons dag"),
            ("2027-12-24", "julafton"),
            ("2027-12-25", "juldagen"),
            ("2027-12-26", "annandag jul"),
            ("2027-12-31", "nyårsafton"),
        ];
        assert_eq!(holidays, expected.map(|(d, n)| (date(d), n)));
    }
}
