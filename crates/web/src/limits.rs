//! Per-address rate limits on public search and on sign-in (GCRA, from
//! `governor`): over the limit the answer is 429 with `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{AppState, Error, Settings};

/// Addresses remembered before idle ones are forgotten.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug)]
pub(crate) struct Limits {
    search: DefaultKeyedRateLimiter<IpAddr>,
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    password: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Limits {
    pub(crate) fn new(settings: &Settings) -> Self {
        Self {
            search: RateLimiter::dashmap(per_minute(settings.search_per_minute)),
            sign_in: RateLimiter::dashmap(per_minute(settings.sign_in_per_minute)),
            password: RateLimiter::dashmap(per_minute(settings.sign_in_per_minute)),
        }
    }
}

/// The peer's address (set by the server's connect info).
pub(crate) fn peer(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, request: &Request) -> Result<(), Error> {
    let Some(ip) = peer(request) else { return Ok(()) };
    if limiter.len() > MAX_TRACKED {
        limiter.retain_recent();
    }
    limiter.check_key(&ip).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Error::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

/// Limits public searches.
pub(crate) async fn limit_search(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match check(&state.limits.search, &request) {
        Ok(()) => next.run(request).await,
        Err(error) => axum::response::IntoResponse::into_response(error),
    }
}

/// Limits sign-in attempts.
pub(crate) async fn limit_sign_in(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match check(&state.limits.sign_in, &request) {
        Ok(()) => next.run(request).await,
        Err(error) => axum::response::IntoResponse::into_response(error),
    }
}

/// Limits password changes (guessing the current password is guessing a
/// password: the sign-in quota, counted apart).
pub(crate) async fn limit_password(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match check(&state.limits.password, &request) {
        Ok(()) => next.run(request).await,
        Err(error) => axum::response::IntoResponse::into_response(error),
    }
}
