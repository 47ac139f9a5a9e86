//! The working-day calendar (工作日历). Deadlines for objections and credit
//! repair are set in working days (国办发〔2025〕22号: the platform answers a
//! repair application within 10 working days, the deciding authority within
//! 3), so they are counted on the State Council's annual holiday notices:
//! Saturdays and Sundays are days off, except the make-up working days
//! (调休上班), and the notice's holidays are days off whatever the weekday.
//!
//! The data lives in `calendar/<year>.toml`, one file per notice. A day
//! outside the years loaded is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// A calendar that cannot be loaded or cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A file is not valid TOML or lacks a field.
    #[error("工作日历文件 {file} 格式有误：{reason}")]
    Malformed {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A file's content contradicts itself or the calendar.
    #[error("工作日历文件 {file} 有误：{reason}")]
    Invalid {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The years loaded leave a gap, or none was loaded.
    #[error("工作日历不完整：{0}")]
    Incomplete(String),
    /// The day is outside the years the calendar covers.
    #[error("工作日历只覆盖 {first}—{last} 年，无法计算 {day} 是否为工作日；请添加 {year} 年的节假日安排")]
    NotCovered {
        /// The day asked about.
        day: NaiveDate,
        /// Its year.
        year: i32,
        /// First year covered.
        first: i32,
        /// Last year covered.
        last: i32,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    holidays: Vec<HolidayEntry>,
    workdays: Vec<toml::value::Datetime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    name: String,
    from: toml::value::Datetime,
    to: toml::value::Datetime,
}

/// One year of the calendar as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Year {
    /// The year.
    pub year: i32,
    /// The notice it comes from.
    pub source: String,
    /// Days off that would otherwise be working days, with the holiday's name.
    pub holidays: BTreeMap<NaiveDate, String>,
    /// Weekend days that are working days.
    pub workdays: BTreeSet<NaiveDate>,
}

/// Working days over the years loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, Year>,
}

/// The calendar files shipped with the platform, as (file name, text).
pub fn builtin_files() -> Vec<(String, String)> {
    [
        ("2024.toml", include_str!("../../../calendar/2024.toml")),
        ("2025.toml", include_str!("../../../calendar/2025.toml")),
        ("2026.toml", include_str!("../../../calendar/2026.toml")),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_owned(), text.to_owned()))
    .collect()
}

fn date(file: &str, value: &toml::value::Datetime) -> Result<NaiveDate, CalendarError> {
    let malformed = || CalendarError::Malformed {
        file: file.to_owned(),
        reason: format!("“{value}”不是日期"),
    };
    match (value.date, value.time) {
        (Some(d), None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)).ok_or_else(malformed)
        }
        _ => Err(malformed()),
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

fn parse_year(file: &str, text: &str) -> Result<Year, CalendarError> {
    let parsed: YearFile = toml::from_str(text).map_err(|e| CalendarError::Malformed {
        file: file.to_owned(),
        reason: e.message().to_owned(),
    })?;
    let invalid = |reason: String| CalendarError::Invalid {
        file: file.to_owned(),
        reason,
    };
    let in_year = |day: NaiveDate| {
        if day.year() == parsed.year {
            Ok(day)
        } else {
            Err(invalid(format!("{day} 不在 {} 年内", parsed.year)))
        }
    };
    let mut holidays = BTreeMap::new();
    for entry in &parsed.holidays {
        let (from, to) = (in_year(date(file, &entry.from)?)?, in_year(date(file, &entry.to)?)?);
        if to < from {
            return Err(invalid(format!("{} 的结束日期 {to} 早于开始日期 {from}", entry.name)));
        }
        for day in from.iter_days().take_while(|d| *d <= to) {
            if holidays.insert(day, entry.name.clone()).is_some() {
                return Err(invalid(format!("{day} 重复列为节假日")));
            }
        }
    }
    let mut workdays = BTreeSet::new();
    for value in &parsed.workdays {
        let day = in_year(date(file, value)?)?;
        if !is_weekend(day) {
            return Err(invalid(format!("调休上班日 {day} 不是周末，本来就是工作日")));
        }
        if holidays.contains_key(&day) {
            return Err(invalid(format!("{day} 同时列为节假日和调休上班日")));
        }
        if !workdays.insert(day) {
            return Err(invalid(format!("调休上班日 {day} 重复")));
        }
    }
    Ok(Year {
        year: parsed.year,
        source: parsed.source,
        holidays,
        workdays,
    })
}

impl WorkingCalendar {
    /// Loads calendar files, given as (file name, text). The years must run
    /// without a gap; each year once.
    pub fn parse(files: &[(String, String)]) -> Result<Self, CalendarError> {
        let mut years = BTreeMap::new();
        for (file, text) in files {
            let year = parse_year(file, text)?;
            if years.contains_key(&year.year) {
                return Err(CalendarError::Invalid {
                    file: file.clone(),
                    reason: format!("{} 年已由另一个文件给出", year.year),
                });
            }
            years.insert(year.year, year);
        }
        let (Some(first), Some(last)) = (years.keys().next(), years.keys().next_back()) else {
            return Err(CalendarError::Incomplete("没有任何年份".into()));
        };
        if let Some(missing) = (*first..=*last).find(|y| !years.contains_key(y)) {
            return Err(CalendarError::Incomplete(format!("缺少 {missing} 年")));
        }
        Ok(Self { years })
    }

    /// First and last year covered.
    pub fn span(&self) -> (i32, i32) {
        let first = self.years.keys().next().copied().unwrap_or_default();
        let last = self.years.keys().next_back().copied().unwrap_or_default();
        (first, last)
    }

    /// The years loaded, in order.
    pub fn years(&self) -> impl Iterator<Item = &Year> {
        self.years.values()
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        let Some(year) = self.years.get(&day.year()) else {
            let (first, last) = self.span();
            return Err(CalendarError::NotCovered {
                day,
                year: day.year(),
                first,
                last,
            });
        };
        Ok(if year.holidays.contains_key(&day) {
            false
        } else {
            year.workdays.contains(&day) || !is_weekend(day)
        })
    }

    /// The day `n` working days after `start`: the last day of a period of
    /// "`n` working days from `start`", `start` itself not counted (a
    /// request received on a Friday with 3 working days has until the next
    /// Wednesday). With `n` = 0, `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day
                .checked_add_days(Days::new(1))
                .ok_or_else(|| self.not_covered(day))?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Working days after `from` up to and including `to` (0 if `to` is not
    /// after `from`): how many working days of a period have been used.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut count = 0;
        for day in from.iter_days().skip(1).take_while(|d| *d <= to) {
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }

    fn not_covered(&self, day: NaiveDate) -> CalendarError {
        let (first, last) = self.span();
        CalendarError::NotCovered {
            day,
            year: day.year(),
            first,
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{CalendarError, WorkingCalendar, builtin_files};

    fn calendar() -> WorkingCalendar {
        WorkingCalendar::parse(&builtin_files()).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_shipped_years_load() {
        assert_eq!(calendar().span(), (2024, 2026));
    }

    #[rstest]
    // Spring Festival 2025: 1-28 to 2-04 off, Sunday 1-26 and Saturday 2-08 worked.
    #[case("2025-01-24", true)]
    #[case("2025-01-25", false)]
    #[case("2025-01-26", true)]
    #[case("2025-01-27", true)]
    #[case("2025-01-28", false)]
    #[case("2025-02-04", false)]
    #[case("2025-02-05", true)]
    #[case("2025-02-08", true)]
    #[case("2025-02-09", false)]
    // An ordinary weekend and a holiday on a weekday.
    #[case("2024-03-09", false)]
    #[case("2024-06-10", false)]
    #[case("2024-06-11", true)]
    // National Day 2026 and its make-up days.
    #[case("2026-09-20", true)]
    #[case("2026-10-07", false)]
    #[case("2026-10-08", true)]
    #[case("2026-10-10", true)]
    fn working_days_follow_the_notices(#[case] on: &str, #[case] working: bool) {
        assert_eq!(calendar().is_working_day(day(on)).unwrap(), working, "{on}");
    }

    #[rstest]
    // Received on the Friday before the 2025 Spring Festival: Sunday 1-26 and
    // Monday 1-27 are working days, then eight days off, then 2-05 …
    #[case("2025-01-24", 1, "2025-01-26")]
    #[case("2025-01-24", 2, "2025-01-27")]
    #[case("2025-01-24", 3, "2025-02-05")]
    #[case("2025-01-24", 10, "2025-02-13")]
    // 10 working days from the day before the holiday, the day of, the day after.
    #[case("2025-01-27", 10, "2025-02-17")]
    #[case("2025-01-28", 10, "2025-02-17")]
    #[case("2025-02-05", 10, "2025-02-18")]
    // Across a year end.
    #[case("2024-12-27", 3, "2025-01-02")]
    #[case("2026-06-01", 0, "2026-06-01")]
    fn deadlines_count_working_days(#[case] start: &str, #[case] n: u32, #[case] due: &str) {
        let calendar = calendar();
        let deadline = calendar.add_working_days(day(start), n).unwrap();
        assert_eq!(deadline, day(due));
        assert_eq!(calendar.working_days_between(day(start), deadline).unwrap(), n);
    }

    #[test]
    fn a_deadline_past_the_calendar_is_an_error() {
        let calendar = calendar();
        let error = calendar.add_working_days(day("2026-12-24"), 10).unwrap_err();
        assert!(
            matches!(error, CalendarError::NotCovered { year: 2027, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("请添加 2027 年的节假日安排"));
        assert!(calendar.is_working_day(day("2023-12-29")).is_err());
    }

    #[rstest]
    #[case("year = 2024\nsource = \"x\"\nholidays = []\nworkdays = [2024-03-06]\n", "不是周末")]
    #[case(
        "year = 2024\nsource = \"x\"\nholidays = []\nworkdays = [2025-03-08]\n",
        "不在 2024 年内"
    )]
    #[case(
        "year = 2024\nsource = \"x\"\nholidays = [{ name = \"a\", from = 2024-05-03, to = 2024-05-01 }]\nworkdays = []\n",
        "早于"
    )]
    #[case(
        "year = 2024\nsource = \"x\"\nholidays = [{ name = \"a\", from = 2024-05-04, to = 2024-05-04 }]\nworkdays = [2024-05-04]\n",
        "同时列为"
    )]
    #[case("year = 2024\nsource = \"x\"\nholidays = []\n", "格式有误")]
    fn broken_files_are_refused(#[case] text: &str, #[case] reason: &str) {
        let error = WorkingCalendar::parse(&[("2024.toml".into(), text.into())]).unwrap_err();
        assert!(error.to_string().contains(reason), "{error}");
    }

    #[test]
    fn a_gap_between_years_is_refused() {
        let files: Vec<(String, String)> = builtin_files()
            .into_iter()
            .filter(|(name, _)| name != "2025.toml")
            .collect();
        let error = WorkingCalendar::parse(&files).unwrap_err();
        assert_eq!(error, CalendarError::Incomplete("缺少 2025 年".into()));
    }
}
