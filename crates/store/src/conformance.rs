//! The conformance suite: every store method, run against each backend so
//! that SQLite and PostgreSQL behave the same.
//!
//! A backend's `tests/` calls [`run_all`] with a function that makes a fresh,
//! empty, migrated store for each case.
#![expect(
    clippy::unwrap_used,
    reason = "the suite is test code: a failing step panics and names its case"
)]

mod access;
mod batches;
mod checks;
mod fixtures;
mod rekey;
mod rights;
mod search;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Store;

/// One case of the suite.
pub type Case = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every case, by name.
pub const CASES: &[(&str, Case)] = &[
    ("catalog_versions", |s| Box::pin(batches::catalog_versions(s))),
    ("meta_is_set_once", |s| Box::pin(batches::meta_is_set_once(s))),
    ("import_round_trip", |s| Box::pin(batches::import_round_trip(s))),
    ("dropped_import_leaves_nothing", |s| {
        Box::pin(batches::dropped_import_leaves_nothing(s))
    }),
    ("refusal_stores_only_the_batch", |s| {
        Box::pin(batches::refusal_stores_only_the_batch(s))
    }),
    ("versions_and_history", |s| Box::pin(batches::versions_and_history(s))),
    ("duplicate_subject_is_a_conflict", |s| {
        Box::pin(batches::duplicate_subject_is_a_conflict(s))
    }),
    ("name_flags_count_repeats", |s| {
        Box::pin(batches::name_flags_count_repeats(s))
    }),
    ("objections_run_once_per_record", |s| {
        Box::pin(rights::objections_run_once_per_record(s))
    }),
    ("commitments_and_repairs", |s| {
        Box::pin(rights::commitments_and_repairs(s))
    }),
    ("name_flags_are_settled", |s| {
        Box::pin(batches::name_flags_are_settled(s))
    }),
    ("listing_filters_and_pages", |s| {
        Box::pin(batches::listing_filters_and_pages(s))
    }),
    ("batch_pages", |s| Box::pin(batches::batch_pages(s))),
    ("name_search", |s| Box::pin(search::name_search(s))),
    ("code_prefix_search", |s| Box::pin(search::code_prefix_search(s))),
    ("search_across_many_subjects", |s| {
        Box::pin(search::search_across_many_subjects(s))
    }),
    ("foreign_cursors_give_empty_pages", |s| {
        Box::pin(search::foreign_cursors_give_empty_pages(s))
    }),
    ("departments_and_accounts", |s| {
        Box::pin(access::departments_and_accounts(s))
    }),
    ("keys_and_authorisations", |s| {
        Box::pin(access::keys_and_authorisations(s))
    }),
    ("audit_chain", |s| Box::pin(access::audit_chain(s))),
    ("audit_times_never_go_back", |s| {
        Box::pin(access::audit_times_never_go_back(s))
    }),
    ("checks_and_feedback", |s| Box::pin(checks::checks_and_feedback(s))),
    ("batch_checks", |s| Box::pin(checks::batch_checks(s))),
    ("file_for_check", |s| Box::pin(checks::file_for_check(s))),
    ("journal_does_not_wait_for_imports", |s| {
        Box::pin(checks::journal_does_not_wait_for_imports(s))
    }),
    ("spooled_groups_commit_with_their_mark", |s| {
        Box::pin(checks::spooled_groups_commit_with_their_mark(s))
    }),
    ("rewrite_reaches_every_record", |s| {
        Box::pin(rekey::rewrite_reaches_every_record(s))
    }),
    ("rekey_reseals_everything_or_nothing", |s| {
        Box::pin(rekey::rekey_reseals_everything_or_nothing(s))
    }),
];

/// Runs every case, each on a fresh store from `fresh`.
pub async fn run_all<F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    for (name, case) in CASES {
        let store = fresh().await;
        let outcome = tokio::spawn(case(store)).await;
        if let Err(error) = outcome {
            panic!("conformance case `{name}` failed: {error}");
        }
    }
}
