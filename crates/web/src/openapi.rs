//! The OpenAPI document of the API, generated from the handlers'
//! annotations and served at `/api/v1/openapi.json`.

use utoipa::OpenApi;

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Xinyong 公共信用信息平台 API", description = "公开查询接口：主体检索、信用档案、双公示信息。错误以 application/problem+json 返回，含稳定的 code 和中文 detail。"),
    paths(api::health::get_health, api::subjects::list_subjects, api::subjects::get_subject, api::records::list_records),
    components(schemas(crate::error::Problem)),
    tags((name = "subjects", description = "信用主体"), (name = "records", description = "双公示信息"), (name = "system", description = "运行状态"))
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
