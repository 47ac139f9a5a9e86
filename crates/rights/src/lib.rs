#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod commitments;
mod error;
mod objections;
mod repairs;
mod service;

pub use commitments::CommitmentView;
pub use error::RightsFailure;
pub use objections::{Correction, ObjectionView};
pub use repairs::{Proof, RepairView};
pub use service::{DepartmentRights, OfficeRights, Rights, RightsPlatform, RightsSettings, SubjectRights};
