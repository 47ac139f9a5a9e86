#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod commitments;
mod documents;
mod error;
mod objections;
mod pipeline;
mod recovery;
mod repairs;
mod service;

pub use commitments::CommitmentView;
pub use documents::FiledWith;
pub use error::RightsFailure;
pub use objections::{Correction, ObjectionView};
pub use repairs::{Proof, REPAIR_COMMITMENT, RepairView};
pub use service::{
    CALENDAR_WARNING_DAYS, DepartmentRights, OfficeRights, OfficialDesk, Rights, RightsPlatform, RightsSettings,
    SubjectRights,
};
