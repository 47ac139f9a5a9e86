#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod api;
mod auth;
mod error;
mod extract;
mod limits;
mod openapi;
mod router;
mod settings;
mod site;
mod state;

use std::future::Future;

pub use crate::auth::Caller;
pub use crate::error::Error;
pub use crate::openapi::document as openapi_document;
pub use crate::router::router;
pub use crate::settings::Settings;
pub use crate::state::AppState;

/// Serves the platform on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
