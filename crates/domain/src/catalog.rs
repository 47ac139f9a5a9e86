//! The catalogue of record types (信用信息目录): which records the platform
//! accepts, with their data items, disclosure levels, nature and publicity
//! rules.
//!
//! The catalogue is data: one TOML file per record type under `catalog/` in
//! the repository, parsed here by [`RecordType::from_toml`]. A new record type
//! is a new file, not a release.

mod condition;
mod field;
mod headers;
mod parse;
mod record_type;

pub use condition::{Condition, ConditionTest};
pub use field::{Disclosure, EnumSpec, Field, FieldIdx, FieldKind, Fill, Requirement, Role};
pub use headers::{ColumnMap, HeaderProblem, REASON_HEADER};
pub use parse::CatalogError;
pub use record_type::{Generation, Nature, RecordType};
