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

fn is_name(field: &crate::catalog::Field) -> bool {
    field.role == Some(crate::catalog::Role::SubjectName)
}
