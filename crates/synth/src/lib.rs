#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod rows;
mod subjects;
mod words;
mod write;

use chrono::NaiveDate;

pub use crate::write::{Encoding, Format, SynthError, write};

/// Which record type to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// 行政处罚 (`xzcf`).
    Penalty,
    /// 行政许可 (`xzxk`).
    Licence,
}

impl RecordKind {
    /// Parses the catalogue code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "xzcf" => Some(Self::Penalty),
            "xzxk" => Some(Self::Licence),
            _ => None,
        }
    }
}

/// Which generation of the national item set the headers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Current item set, Chinese item names as headers.
    Gen2,
    /// The templates of about 2015–2018.
    Gen1,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Record type.
    pub kind: RecordKind,
    /// Header layout.
    pub layout: Layout,
    /// Number of data rows.
    pub rows: u64,
    /// Seed: the same seed gives the same rows.
    pub seed: u64,
    /// Share of rows with mistakes (0.0–1.0).
    pub error_rate: f64,
    /// The day the data is "exported": decisions lie up to about 3 years before it.
    pub today: NaiveDate,
    /// Size of the subject pool (default: a third of the rows, so subjects recur).
    pub subjects: Option<u64>,
}

/// The rows of a spec, header first.
#[derive(Debug)]
pub struct Rows {
    spec: Spec,
    rng: fastrand::Rng,
    next: u64,
}

impl Spec {
    /// The header row.
    pub fn headers(&self) -> Vec<&'static str> {
        rows::columns(self.kind, self.layout)
            .iter()
            .map(|(header, _)| *header)
            .collect()
    }

    /// The data rows.
    pub fn rows(&self) -> Rows {
        Rows {
            spec: self.clone(),
            rng: fastrand::Rng::with_seed(self.seed),
            next: 0,
        }
    }
}

impl Iterator for Rows {
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        if self.next >= self.spec.rows {
            return None;
        }
        let row = rows::row(&self.spec, &mut self.rng, self.next);
        self.next += 1;
        Some(row)
    }
}
