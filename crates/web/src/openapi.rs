//! The OpenAPI document of the API, generated from the handlers'
//! annotations and served at `/api/v1/openapi.json`.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Xinyong 公共信用信息平台 API", description = "公开查询、信用主体本人查询、数据报送、管理与审计接口。系统以 `Authorization: Bearer <接口密钥>` 调用；个人以登录会话（Cookie）调用，非安全方法须带 `X-CSRF-Token`。查询非公开信息须带 `purpose`（查询用途），并记入被查询主体的查询记录。错误以 application/problem+json 返回，含稳定的 code 和中文 detail。"),
    paths(
        api::health::get_health,
        api::subjects::list_subjects,
        api::subjects::get_subject,
        api::records::list_records,
        api::session::sign_in,
        api::session::sign_out,
        api::session::get_me,
        api::session::change_password,
        api::audit::purposes,
        api::me::get_file,
        api::me::get_queries,
        api::me::list_authorisations,
        api::me::authorise,
        api::me::withdraw,
        api::batches::upload,
        api::batches::list,
        api::batches::show,
        api::batches::rejected,
        api::admin::list_departments,
        api::admin::create_department,
        api::admin::list_accounts,
        api::admin::create_account,
        api::admin::change_account,
        api::admin::list_keys,
        api::admin::issue_key,
        api::admin::revoke_key,
        api::checks::check,
        api::checks::show,
        api::checks::feedback,
        api::checks::overdue,
        api::checks::statistics,
        api::checks::start_batch,
        api::checks::show_batch,
        api::checks::batch_result,
        api::checks::book,
        api::checks::reload,
        api::rights::kinds,
        api::rights::sign,
        api::rights::my_commitments,
        api::rights::commitments,
        api::rights::finding,
        api::rights::eligibility,
        api::rights::apply,
        api::rights::my_repairs,
        api::rights::withdraw,
        api::rights::repairs,
        api::rights::step,
        api::rights::object,
        api::rights::my_objections,
        api::rights::withdraw_objection,
        api::rights::objections,
        api::rights::register_objection,
        api::rights::objection_step,
        api::audit::list,
        api::audit::verify,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&Security),
    tags(
        (name = "subjects", description = "信用主体"),
        (name = "records", description = "双公示信息"),
        (name = "system", description = "运行状态"),
        (name = "access", description = "登录与查询用途"),
        (name = "me", description = "信用主体本人"),
        (name = "batches", description = "数据报送"),
        (name = "admin", description = "单位、账号与密钥管理"),
        (name = "checks", description = "信用核查（逢办必查）与联合奖惩措施"),
        (name = "audit", description = "审计日志")
    )
)]
struct ApiDoc;

/// Declares the two ways to authenticate.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
