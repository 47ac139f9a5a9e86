//! HTTP tests: the real server on port 0, on SQLite and (when reachable)
//! PostgreSQL.
#![expect(clippy::unwrap_used, reason = "tests")]

mod access;
mod checks;
mod commitments;
mod errors;
mod objections;
mod openapi;
mod pages;
mod records;
mod rights;
mod site;
mod subjects;
mod support;
