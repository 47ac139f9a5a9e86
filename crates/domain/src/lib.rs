#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod date;
pub mod id;
pub mod measures;
pub mod names;
pub mod publicity;
pub mod rights;
pub mod role;
pub mod row;
pub mod subject;
pub mod visibility;

pub use catalog::{Disclosure, Field, FieldKind, Generation, Nature, RecordType};
pub use role::{Purpose, Role};
pub use row::{CheckedRow, Problem, ProblemCode, Value};
pub use subject::{SubjectCategory, SubjectKey};
