#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
mod log;
mod service;
mod source;

pub use answer::{AppliedMeasure, CheckAnswer, CheckedSubject, MatterRef, MeasureReason, RecordSummary};
pub use service::{CheckDesk, CheckPlatform, CheckRequest, CheckSettings, Checks, FeedbackRequest, StatsDesk};
pub use source::BookSource;
