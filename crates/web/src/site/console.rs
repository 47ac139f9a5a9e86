//! `/console/…`: where officials work. Each page asks the access layer for
//! the desk it needs, so a role that may not use a page is refused there,
//! not here.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod batches;
pub(crate) mod office;
pub(crate) mod rights;

use axum::response::{IntoResponse, Redirect, Response};
use xinyong_access::{Caller as Who, Principal};

use crate::auth::Caller;
use crate::site::layout::console_of;

/// `GET /console`: to the signed-in official's own start page.
pub(crate) async fn start(Caller(caller): Caller) -> Response {
    let target = match &caller.caller {
        Who::Account(account) => console_of(account.new.role).unwrap_or("/me"),
        _ => "/login",
    };
    Redirect::to(target).into_response()
}

/// Console pages send the signed-out to the sign-in page rather than
/// answering 401.
pub(crate) fn signed_out(caller: &Principal) -> Option<Response> {
    matches!(caller.caller, Who::Anonymous).then(|| Redirect::to("/login").into_response())
}
