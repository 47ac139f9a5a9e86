//! Civil dates as departments really write them.
//!
//! The national item sets write dates as `YYYY/MM/DD` (APIs as
//! `YYYY-MM-DD`); exports from department systems also carry `20240105`,
//! `2024年1月5日`, `2024.1.5`, a trailing time of day, or an Excel serial
//! number when a spreadsheet date was saved as text.

use chrono::{Days, NaiveDate};

/// The date the national item sets use for "no end" (有效期至 2099/12/31 = 长期).
pub const LONG_TERM: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(date) => date,
    None => panic!("2099-12-31 is a valid date"),
};

/// Parses one civil date. Returns `None` for anything that is not a real
/// date in one of the accepted forms.
pub fn parse(input: &str) -> Option<NaiveDate> {
    let text = input.trim();
    // Drop a time of day ("2024-01-05 00:00:00", "2024-01-05T08:30").
    let text = text.split([' ', 'T']).next().unwrap_or(text);
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    }
    if (4..=6).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().and_then(from_excel_serial);
    }
    let text = text.trim_end_matches('日');
    let mut parts = text.split(['-', '/', '.', '年', '月']);
    let year: i32 = parts.next()?.trim().parse().ok()?;
    let month: u32 = parts.next()?.trim().parse().ok()?;
    let day: u32 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !(1000..=9999).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Converts an Excel serial day number (1900 date system) to a date.
///
/// Excel counts 1900-02-29, a day that never existed (serial 60), so serials
/// after it are one too high. Only serials from 1954 to 2119 (20000–80000)
/// are read as dates, so that a stray small number is not taken for one.
pub fn from_excel_serial(serial: u32) -> Option<NaiveDate> {
    if !(20_000..=80_000).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(u64::from(serial)))
}

/// The civil date in China Standard Time (UTC+8, no daylight saving) at an
/// instant: deadlines and publicity windows are counted in Chinese dates.
pub fn china_date(instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    china_time(instant).date()
}

/// The civil date and time in China Standard Time at an instant, for
/// showing times to people.
pub fn china_time(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (instant + chrono::Duration::hours(8)).naive_utc()
}

/// Adds calendar months, clamping to the last day of a shorter month
/// (2024-01-31 plus one month is 2024-02-29).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(LONG_TERM)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{add_months, from_excel_serial, parse};

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[rstest]
    #[case("2024-01-05", ymd(2024, 1, 5))]
    #[case("2024/1/5", ymd(2024, 1, 5))]
    #[case("2024/01/05", ymd(2024, 1, 5))]
    #[case("20240105", ymd(2024, 1, 5))]
    #[case("2024年1月5日", ymd(2024, 1, 5))]
    #[case("2024年01月05日", ymd(2024, 1, 5))]
    #[case("2024.1.5", ymd(2024, 1, 5))]
    #[case(" 2024-01-05 00:00:00 ", ymd(2024, 1, 5))]
    #[case("2024-01-05T08:30:00", ymd(2024, 1, 5))]
    #[case("45296", ymd(2024, 1, 5))]
    #[case("2024-02-30", None)]
    #[case("2023-02-29", None)]
    #[case("2024-13-01", None)]
    #[case("20241301", None)]
    #[case("24-1-5", None)]
    #[case("2024-01", None)]
    #[case("2024-01-05-01", None)]
    #[case("", None)]
    #[case("长期", None)]
    #[case("12", None)]
    fn parses_the_forms_departments_use(#[case] input: &str, #[case] expected: Option<NaiveDate>) {
        assert_eq!(parse(input), expected);
    }

    #[test]
    fn excel_serials_skip_the_fictitious_leap_day() {
        assert_eq!(from_excel_serial(45296), ymd(2024, 1, 5));
        assert_eq!(from_excel_serial(1), None);
    }

    #[test]
    fn china_dates_turn_at_utc_sixteen() {
        let instant = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
                .and_utc()
        };
        assert_eq!(
            super::china_date(instant(15)),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert_eq!(
            super::china_date(instant(16)),
            NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()
        );
    }

    #[test]
    fn month_arithmetic_clamps() {
        assert_eq!(Some(add_months(ymd(2024, 1, 31).unwrap(), 1)), ymd(2024, 2, 29));
        assert_eq!(Some(add_months(ymd(2024, 3, 15).unwrap(), 12)), ymd(2025, 3, 15));
    }
}
