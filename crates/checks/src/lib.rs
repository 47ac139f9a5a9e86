#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
mod batch;
mod desk;
mod service;
mod source;
mod stats;

pub use answer::{AppliedMeasure, CheckAnswer, CheckedSubject, MatterRef, MeasureReason, RecordSummary};
pub use batch::{BatchRequest, MAX_BATCH};
pub use desk::{CheckDesk, CheckRequest, FeedbackRequest};
pub use service::{CheckPlatform, CheckSettings, Checks, SetupError};
pub use source::{BookSource, SourceError};
pub use stats::StatsDesk;
