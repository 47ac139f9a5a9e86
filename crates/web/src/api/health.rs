//! `GET /api/v1/health`: whether the platform and its database answer.

use axum::Json;
use axum::extract::State;

use crate::api::dto::Health;
use crate::{AppState, Error};

/// Health of the service and its database.
#[utoipa::path(get, path = "/api/v1/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
pub(crate) async fn get_health(State(state): State<AppState>) -> Result<Json<Health>, Error> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        database: state.store.backend().code().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
