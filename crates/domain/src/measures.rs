//! Joint rewards and punishments (联合奖惩): the measures a checking system
//! must or may take, the business matters (事项) it checks in, and the rules
//! that tie a subject's lists and records to measures in a matter.
//!
//! All three are data (`catalog/measures/*.toml`) the credit office reads and
//! edits; [`MeasureBook::compile`] checks them against each other and the
//! record catalogue and indexes the rules by matter, so that answering a
//! check ([`MeasureBook::evaluate`]) touches only the rules of its matter.
//!
//! The national 全国失信惩戒措施基础清单 bounds the restrictive measures: no
//! body may take one that has no basis in law, regulation or a central
//! policy document, so a measure without a basis cannot be active, and
//! every rule names its own basis too.

mod book;
mod evaluate;
mod parse;

pub use book::{Matter, Measure, MeasureBook, MeasureKind, Rule, Trigger};
pub use evaluate::{Applied, Fact, Reason};
pub use parse::{BookError, BookFiles};

#[cfg(test)]
mod tests;
