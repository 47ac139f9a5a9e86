#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod caller;
mod desks;
mod error;
mod journal;
mod password;
mod reader;
mod review;
mod secrets;
mod service;
mod spool;
mod verify;

pub use caller::{Caller, Principal};
pub use desks::{AccountRequest, AdminDesk, AuditDesk, BatchScope, DepartmentDesk, KeyRequest, OwnFile};
pub use error::AccessError;
pub use journal::Journal;
pub use password::{hash_password, verify_password};
pub use reader::{FileReader, ReadRecord, SubjectFile};
pub use review::ReviewDesk;
pub use secrets::{IssuedKey, SessionToken, parse_api_key};
pub use service::{Access, AccessSettings, SignedIn};
pub use spool::{Entry as SpoolEntry, Spool};
pub use verify::{VerifyReport, verify_chain};
