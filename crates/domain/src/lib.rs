//! The platform's vocabulary and rules: identifiers, subjects, the catalogue
//! of record types, rows checked against it, publicity periods and the one
//! decision about what a viewer may see.
//!
//! Everything here is pure: no I/O, no async, nothing that can fail for a
//! technical reason. Bad input yields what could be built together with
//! every problem found, so that a rejected row lists all its faults at once.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod catalog;
pub mod date;
pub mod id;
pub mod names;
pub mod publicity;
pub mod row;
pub mod subject;
pub mod visibility;

pub use catalog::{Disclosure, Field, FieldKind, Generation, Nature, RecordType};
pub use row::{CheckedRow, Problem, ProblemCode, Value};
pub use subject::{SubjectCategory, SubjectKey};
