//! The compiled measure book: measures, matters and rules, indexed by matter.

use std::collections::HashMap;

use crate::SubjectCategory;
use crate::publicity::Severity;

/// Whether a measure rewards or restrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MeasureKind {
    /// 约束: a punishment or restriction (失信惩戒).
    Restriction,
    /// 激励: a reward or convenience (守信激励).
    Incentive,
}

impl MeasureKind {
    /// The term the measure lists use.
    pub fn label(self) -> &'static str {
        match self {
            Self::Restriction => "约束",
            Self::Incentive => "激励",
        }
    }

    /// Parses [`MeasureKind::label`].
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "约束" => Some(Self::Restriction),
            "激励" => Some(Self::Incentive),
            _ => None,
        }
    }
}

/// One reward or punishment measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// Stable code, e.g. `CJ-A-03`.
    pub code: String,
    /// Chinese name, e.g. 依法限制参加政府采购活动.
    pub name: String,
    /// Reward or restriction.
    pub kind: MeasureKind,
    /// Category in the national list (for restrictions) or the kind of
    /// convenience (for rewards).
    pub category: String,
    /// Legal basis: law or policy document and article.
    pub basis: String,
    /// The departments that carry it out.
    pub departments: Vec<String>,
    /// 必须实施 (true) or 可以实施 (false).
    pub mandatory: bool,
    /// Whether checks return it; a measure without a basis is never active.
    pub active: bool,
}

/// A business matter a checking system names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matter {
    /// Stable code, e.g. `zfcg`.
    pub code: String,
    /// Chinese name, e.g. 政府采购.
    pub name: String,
    /// The group it belongs to (行政许可, 公共资源交易 …).
    pub group: String,
    /// The purpose (查询用途) a check in this matter states when its
    /// caller names none (the console); API callers always name one.
    pub purpose: Option<String>,
}

/// What in a subject's file makes a rule fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The record type (`yzsx`, `xzcf` …).
    pub record_type: String,
    /// Only records of these publicity classes (empty: any).
    pub severities: Vec<Severity>,
    /// Records decided within this many months before the check, whether
    /// still public or not (a look-back such as 政府采购法 第二十二条's
    /// three years). Without it, a record triggers while it is public on
    /// the day of the check (a list entry while listed, a penalty while
    /// published: an unpublished 轻微 penalty never triggers).
    pub within_months: Option<u32>,
    /// Only records whose item (by key) holds one of these values.
    pub values: Option<(String, Vec<String>)>,
    /// Only records whose amount item (by key, in 万元) is at least this.
    pub amount_at_least: Option<(String, f64)>,
}

/// One row of the decision table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable code.
    pub code: String,
    /// What it says, in Chinese.
    pub name: String,
    /// The matters it applies in; empty means every matter.
    pub matters: Vec<String>,
    /// Only for subjects of these categories (empty: any).
    pub subjects: Vec<SubjectCategory>,
    /// What triggers it.
    pub when: Trigger,
    /// Record types that, when in force, stop the rule from firing (a
    /// subject on the black list loses its red-list rewards).
    pub unless: Vec<String>,
    /// The measures it applies, by code.
    pub measures: Vec<String>,
    /// Its legal basis.
    pub basis: String,
}

/// Measures, matters and rules, checked against each other.
#[derive(Debug, Clone)]
pub struct MeasureBook {
    pub(super) measures: Vec<Measure>,
    pub(super) matters: Vec<Matter>,
    pub(super) rules: Vec<Rule>,
    /// Rule indexes by matter code, `*`-rules included.
    pub(super) by_matter: HashMap<String, Vec<usize>>,
    /// SM3 of the three files, so that a check can say which book answered it.
    pub(super) digest: String,
    /// The record items any rule reads, sorted (see [`MeasureBook::items`]).
    pub(super) items: Vec<String>,
}

impl MeasureBook {
    /// Every measure, in file order.
    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    /// Every matter, in file order.
    pub fn matters(&self) -> &[Matter] {
        &self.matters
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The record items (payload keys) any rule's trigger reads: all that
    /// a check needs of a record besides its type, dates and publicity, so
    /// that the store need not hand over the rest.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// The matter with this code.
    pub fn matter(&self, code: &str) -> Option<&Matter> {
        self.matters.iter().find(|m| m.code == code)
    }

    /// The measure with this code.
    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }

    /// Hexadecimal SM3 digest of the files the book was compiled from.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}
