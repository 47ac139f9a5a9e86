//! The one decision about what a viewer may see of a record.
//!
//! Every API answer (and later every page and report) passes each record
//! through [`decide`]; nothing else in the platform decides visibility.

use chrono::NaiveDate;

use crate::catalog::{Disclosure, RecordType};
use crate::publicity::PublicityWindow;
use crate::subject::SubjectCategory;

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone, without signing in (公众).
    Public,
}

/// How much of an item a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// Not at all.
    Hidden,
    /// Masked (`110105********002X`, `张*`).
    Masked,
    /// Whole.
    Full,
}

/// What the decision needs to know of a record.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    /// The record's type, with each item's disclosure level.
    pub record_type: &'a RecordType,
    /// When the record is public.
    pub publicity: &'a PublicityWindow,
    /// Whether this is the current version (not superseded or withdrawn).
    pub current: bool,
    /// The kind of subject it is about.
    pub subject_category: SubjectCategory,
}

/// The decision for one record and one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the record is shown at all.
    pub record: Visibility,
    /// The subject's name.
    pub subject_name: Visibility,
    /// Each item, in catalogue order.
    pub fields: Vec<Visibility>,
}

/// Decides what `viewer` sees of `record` on `today` (China Standard Time).
///
/// For the public: only current records of a 公开 type inside their
/// publicity window; within them only 公开 items; personal identifiers and
/// people's names masked.
pub fn decide(record: &RecordFacts<'_>, viewer: Viewer, today: NaiveDate) -> Decision {
    let hidden = || Decision {
        record: Visibility::Hidden,
        subject_name: Visibility::Hidden,
        fields: vec![Visibility::Hidden; record.record_type.fields.len()],
    };
    match viewer {
        Viewer::Public => {
            let shown = record.current
                && record.record_type.disclosure == Disclosure::Public
                && record.publicity.is_public_on(today);
            if !shown {
                return hidden();
            }
            let is_person = record.subject_category == SubjectCategory::Person;
            let fields = record
                .record_type
                .fields
                .iter()
                .map(
                    |field| match (field.disclosure, field.personal || (is_person && is_name(field))) {
                        (Disclosure::Public, false) => Visibility::Full,
                        (Disclosure::Public, true) => Visibility::Masked,
                        _ => Visibility::Hidden,
                    },
                )
                .collect();
            let subject_name = if is_person {
                Visibility::Masked
            } else {
                Visibility::Full
            };
            Decision {
                record: Visibility::Full,
                subject_name,
                fields,
            }
        }
    }
}

/// How much of a subject's name `viewer` sees outside any record (search
/// results, the subject's page header): people's names are masked for the
/// public, organisations' are not.
pub fn subject_name(category: SubjectCategory, viewer: Viewer) -> Visibility {
    match (viewer, category) {
        (Viewer::Public, SubjectCategory::Person) => Visibility::Masked,
        (Viewer::Public, _) => Visibility::Full,
    }
}

fn is_name(field: &crate::catalog::Field) -> bool {
    field.role == Some(crate::catalog::Role::SubjectName)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{RecordFacts, Viewer, Visibility, decide};
    use crate::RecordType;
    use crate::publicity::PublicityWindow;
    use crate::subject::SubjectCategory;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn xzcf() -> RecordType {
        RecordType::from_toml(include_str!("../../../catalog/xzcf.toml")).unwrap()
    }

    fn window(published: bool, until: Option<NaiveDate>) -> PublicityWindow {
        PublicityWindow {
            severity: None,
            published,
            from: ymd(2024, 1, 5),
            until,
        }
    }

    fn facts<'a>(
        record_type: &'a RecordType,
        publicity: &'a PublicityWindow,
        current: bool,
        category: SubjectCategory,
    ) -> RecordFacts<'a> {
        RecordFacts {
            record_type,
            publicity,
            current,
            subject_category: category,
        }
    }

    #[test]
    fn the_public_sees_current_published_records_inside_their_window() {
        let record_type = xzcf();
        let open = window(true, Some(ymd(2025, 1, 5)));
        let shown = decide(
            &facts(&record_type, &open, true, SubjectCategory::Organisation),
            Viewer::Public,
            ymd(2025, 1, 5),
        );
        assert_eq!(shown.record, Visibility::Full);
        assert_eq!(shown.subject_name, Visibility::Full);
        for (case, publicity, current, day) in [
            ("expired", open.clone(), true, ymd(2025, 1, 6)),
            ("before the decision", open.clone(), true, ymd(2024, 1, 4)),
            ("superseded", open.clone(), false, ymd(2024, 6, 1)),
            (
                "not published",
                window(false, Some(ymd(2025, 1, 5))),
                true,
                ymd(2024, 6, 1),
            ),
        ] {
            let hidden = decide(
                &facts(&record_type, &publicity, current, SubjectCategory::Organisation),
                Viewer::Public,
                day,
            );
            assert_eq!(hidden.record, Visibility::Hidden, "{case}");
            assert!(hidden.fields.iter().all(|v| *v == Visibility::Hidden), "{case}");
        }
    }

    #[test]
    fn items_follow_their_disclosure_and_people_are_masked() {
        let record_type = xzcf();
        let open = window(true, None);
        let decision = decide(
            &facts(&record_type, &open, true, SubjectCategory::Person),
            Viewer::Public,
            ymd(2024, 6, 1),
        );
        let of = |key: &str| decision.fields[record_type.field_by_key(key).unwrap().0];
        assert_eq!(of("CF_WSH"), Visibility::Full);
        assert_eq!(of("CF_XDR_ZJHM"), Visibility::Masked, "personal identifiers are masked");
        assert_eq!(of("CF_XDR_MC"), Visibility::Masked, "a person's name is masked");
        assert_eq!(of("CF_FR_ZJHM"), Visibility::Hidden, "有条件共享 items are not public");
        assert_eq!(decision.subject_name, Visibility::Masked);
        let company = decide(
            &facts(&record_type, &open, true, SubjectCategory::Organisation),
            Viewer::Public,
            ymd(2024, 6, 1),
        );
        assert_eq!(
            company.fields[record_type.field_by_key("CF_XDR_MC").unwrap().0],
            Visibility::Full
        );
    }
}
