//! The one decision about what a viewer may see of a record.
//!
//! Every API answer (and later every page and report) passes each record
//! through [`decide`]; nothing else in the platform decides visibility.

use chrono::NaiveDate;

use crate::catalog::{Disclosure, RecordType};
use crate::publicity::PublicityWindow;
use crate::subject::SubjectCategory;

/// Who is looking, and with what standing.
///
/// A viewer of the [`Viewer::Official`] kind only exists once a purpose has
/// been stated and checked against the configured list (the access layer
/// builds it), so the purpose is part of the viewer here: `decide` is the
/// function of (record, viewer-with-purpose, date) the platform promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone, without signing in (公众), or a signed-in viewer reading
    /// without a stated purpose.
    Public,
    /// The subject itself, signed in, reading its own file.
    Owner,
    /// A government account or a system client reading for a stated
    /// purpose; `authorised` when the subject has authorised this reader
    /// for this purpose and the authorisation is still valid.
    Official {
        /// Whether the subject's authorisation covers this read.
        authorised: bool,
    },
}

impl Viewer {
    /// Whether this viewer sees personal identifiers whole: the subject
    /// itself, and a reader the subject authorised for this purpose. Every
    /// other viewer sees them masked, in their own items and inside free
    /// text alike.
    pub fn sees_identifiers(self) -> bool {
        matches!(self, Self::Owner | Self::Official { authorised: true })
    }
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
    /// Whether it was repaired (信用修复): no longer published, shared or
    /// used; kept, marked 已修复, for its subject.
    pub repaired: bool,
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
/// - The public: only current records of a 公开 type inside their
///   publicity window; within them only 公开 items; personal identifiers
///   and people's names masked.
/// - The subject itself: every current record of its own, whatever its
///   publicity, with every item except 不予公开 ones, in full.
/// - An official reader with a purpose: current records of 公开 and
///   有条件共享 types (and 授权查询 types when authorised), also outside
///   their publicity window, since sharing between authorities does not end
///   with public display; 公开 and 有条件共享 items, 授权查询 items only
///   when authorised; personal identifiers masked unless authorised.
///   不予公开 stays hidden from everyone outside the office's own tools.
/// - A repaired record: its subject alone still sees it (国家发展改革委
///   《信用修复管理办法》: publication ends, sharing and use stop).
pub fn decide(record: &RecordFacts<'_>, viewer: Viewer, today: NaiveDate) -> Decision {
    let record_type = record.record_type;
    let hidden = || Decision {
        record: Visibility::Hidden,
        subject_name: Visibility::Hidden,
        fields: vec![Visibility::Hidden; record_type.fields.len()],
    };
    let is_person = record.subject_category == SubjectCategory::Person;
    let shown = record.current
        && (!record.repaired || viewer == Viewer::Owner)
        && match viewer {
            Viewer::Public => record_type.disclosure == Disclosure::Public && record.publicity.is_public_on(today),
            Viewer::Owner => true,
            Viewer::Official { authorised } => match record_type.disclosure {
                Disclosure::Public | Disclosure::ConditionalShare => true,
                Disclosure::AuthorisedQuery => authorised,
                Disclosure::NotPublic => false,
            },
        };
    if !shown {
        return hidden();
    }
    let fields = record_type
        .fields
        .iter()
        .map(|field| {
            // A person's name is masked for the public only; identifiers
            // for everyone not entitled to them whole.
            let masked_name = viewer == Viewer::Public && is_person && is_name(field);
            item(viewer, field.disclosure, field.personal || masked_name)
        })
        .collect();
    Decision {
        record: Visibility::Full,
        subject_name: subject_name(record.subject_category, viewer),
        fields,
    }
}

/// One item's visibility; `personal` for items to mask unless the viewer
/// may see them whole.
fn item(viewer: Viewer, disclosure: Disclosure, personal: bool) -> Visibility {
    let level = match (viewer, disclosure) {
        (_, Disclosure::NotPublic) => return Visibility::Hidden,
        (Viewer::Owner, _) => return Visibility::Full,
        (Viewer::Public, Disclosure::Public) => Visibility::Full,
        (Viewer::Public, _) => return Visibility::Hidden,
        (Viewer::Official { .. }, Disclosure::Public | Disclosure::ConditionalShare) => Visibility::Full,
        (Viewer::Official { authorised }, Disclosure::AuthorisedQuery) => {
            if authorised {
                Visibility::Full
            } else {
                return Visibility::Hidden;
            }
        }
    };
    match viewer {
        _ if !personal => level,
        Viewer::Official { authorised: true } | Viewer::Owner => level,
        _ => Visibility::Masked,
    }
}

/// How much of a subject's name `viewer` sees outside any record (search
/// results, the subject's page header): people's names are masked for the
/// public only.
pub fn subject_name(category: SubjectCategory, viewer: Viewer) -> Visibility {
    match (viewer, category) {
        (Viewer::Public, SubjectCategory::Person) => Visibility::Masked,
        _ => Visibility::Full,
    }
}

/// A subject's name as `viewer` sees it outside any record: whole, or a
/// person's masked for the public (`王*`).
pub fn shown_name(name: &str, category: SubjectCategory, viewer: Viewer) -> String {
    match subject_name(category, viewer) {
        Visibility::Full => name.to_owned(),
        Visibility::Masked | Visibility::Hidden => crate::id::mask_person_name(name),
    }
}

/// Free text about a subject (a commitment's matter, an objection's
/// reasons) as `viewer` may see it: identifiers in it masked, and the
/// subject's own name masked wherever `viewer` sees it masked.
pub fn scrubbed_text(text: &str, name: &str, category: SubjectCategory, viewer: Viewer) -> String {
    let text = crate::id::mask_embedded_identifiers(text).into_owned();
    match subject_name(category, viewer) {
        Visibility::Full => text,
        _ if name.chars().count() < 2 => text,
        _ => text.replace(name, &crate::id::mask_person_name(name)),
    }
}

fn is_name(field: &crate::catalog::Field) -> bool {
    field.role == Some(crate::catalog::Role::SubjectName)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{RecordFacts, Viewer, Visibility, decide, scrubbed_text, shown_name};
    use crate::RecordType;
    use crate::catalog::Disclosure;
    use crate::publicity::PublicityWindow;
    use crate::subject::SubjectCategory;

    #[test]
    fn a_persons_name_and_numbers_in_free_text_are_masked_for_the_public() {
        let text = "张三丰（身份证11010519491231002X）承诺按期补交材料";
        let public = scrubbed_text(text, "张三丰", SubjectCategory::Person, Viewer::Public);
        assert_eq!(public, "张**（身份证110105********002X）承诺按期补交材料");
        let own = scrubbed_text(text, "张三丰", SubjectCategory::Person, Viewer::Owner);
        assert_eq!(own, "张三丰（身份证110105********002X）承诺按期补交材料");
        assert_eq!(shown_name("张三丰", SubjectCategory::Person, Viewer::Public), "张**");
        assert_eq!(
            shown_name("淮北市鑫源商贸有限公司", SubjectCategory::Organisation, Viewer::Public),
            "淮北市鑫源商贸有限公司"
        );
    }

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
            repaired: false,
        }
    }

    #[test]
    fn a_repaired_record_is_its_subjects_alone() {
        let xzcf = xzcf();
        let w = window(true, Some(ymd(2025, 1, 5)));
        let repaired = RecordFacts {
            repaired: true,
            ..facts(&xzcf, &w, true, SubjectCategory::Organisation)
        };
        let today = ymd(2024, 6, 1);
        assert_eq!(decide(&repaired, Viewer::Public, today).record, Visibility::Hidden);
        for authorised in [false, true] {
            assert_eq!(
                decide(&repaired, Viewer::Official { authorised }, today).record,
                Visibility::Hidden
            );
        }
        assert_eq!(decide(&repaired, Viewer::Owner, today).record, Visibility::Full);
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

    #[test]
    fn the_subject_sees_its_whole_file_but_not_what_the_office_keeps() {
        let record_type = xzcf();
        let expired = window(true, Some(ymd(2025, 1, 5)));
        let decision = decide(
            &facts(&record_type, &expired, true, SubjectCategory::Person),
            Viewer::Owner,
            ymd(2026, 1, 5),
        );
        assert_eq!(decision.record, Visibility::Full, "its own expired record");
        let of = |key: &str| decision.fields[record_type.field_by_key(key).unwrap().0];
        assert_eq!(of("CF_XDR_ZJHM"), Visibility::Full);
        assert_eq!(of("CF_FR_ZJHM"), Visibility::Full);
        assert_eq!(decision.subject_name, Visibility::Full);
        let superseded = decide(
            &facts(&record_type, &expired, false, SubjectCategory::Person),
            Viewer::Owner,
            ymd(2026, 1, 5),
        );
        assert_eq!(superseded.record, Visibility::Hidden);
    }

    #[test]
    fn officials_see_shared_items_and_identifiers_only_when_authorised() {
        let record_type = xzcf();
        let expired = window(true, Some(ymd(2025, 1, 5)));
        let facts = facts(&record_type, &expired, true, SubjectCategory::Person);
        let plain = decide(&facts, Viewer::Official { authorised: false }, ymd(2026, 1, 5));
        assert_eq!(plain.record, Visibility::Full, "sharing outlives public display");
        let of = |d: &super::Decision, key: &str| d.fields[record_type.field_by_key(key).unwrap().0];
        assert_eq!(of(&plain, "CF_FR_ZJHM"), Visibility::Masked, "有条件共享, personal");
        assert_eq!(of(&plain, "CF_XDR_ZJHM"), Visibility::Masked);
        assert_eq!(
            of(&plain, "CF_XDR_MC"),
            Visibility::Full,
            "officials see a person's name"
        );
        let authorised = decide(&facts, Viewer::Official { authorised: true }, ymd(2026, 1, 5));
        assert_eq!(of(&authorised, "CF_XDR_ZJHM"), Visibility::Full);
    }

    #[test]
    fn record_types_follow_their_disclosure_for_officials() {
        for (disclosure, plain, authorised) in [
            (Disclosure::Public, Visibility::Full, Visibility::Full),
            (Disclosure::ConditionalShare, Visibility::Full, Visibility::Full),
            (Disclosure::AuthorisedQuery, Visibility::Hidden, Visibility::Full),
            (Disclosure::NotPublic, Visibility::Hidden, Visibility::Hidden),
        ] {
            let mut record_type = xzcf();
            record_type.disclosure = disclosure;
            let open = window(true, None);
            let facts = facts(&record_type, &open, true, SubjectCategory::Organisation);
            let day = ymd(2024, 6, 1);
            assert_eq!(
                decide(&facts, Viewer::Official { authorised: false }, day).record,
                plain,
                "{disclosure:?}"
            );
            assert_eq!(
                decide(&facts, Viewer::Official { authorised: true }, day).record,
                authorised,
                "{disclosure:?}"
            );
            let public = if disclosure == Disclosure::Public {
                Visibility::Full
            } else {
                Visibility::Hidden
            };
            assert_eq!(decide(&facts, Viewer::Public, day).record, public, "{disclosure:?}");
        }
    }
}
