//! `/console/accounts`: the administrator manages departments, accounts and
//! API keys. Every change goes through the administration desk, exactly as
//! the API's; a refused change shows the page again with the reason.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use xinyong_access::{AccessError, AccountRequest, AdminDesk, KeyRequest, Principal};
use xinyong_domain::Role;

use crate::api::today;
use crate::auth::{Caller, Session, SessionContext};
use crate::extract::PathText;
use crate::site::console::signed_out;
use crate::site::form::SignedForm;
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Debug)]
struct DepartmentLine {
    name: String,
    uscc: String,
}

#[derive(Debug)]
struct AccountLine {
    username: String,
    role: &'static str,
    department: String,
    disabled: bool,
}

#[derive(Debug)]
struct KeyLine {
    key_id: String,
    client: String,
    department: String,
    purposes: String,
    expires: String,
    revoked: bool,
}

#[derive(Debug)]
struct Choice {
    code: String,
    name: String,
}

/// What the last action did.
#[derive(Debug, Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    /// A key just issued: shown this once.
    issued_key: Option<String>,
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage {
    layout: Layout,
    outcome: Outcome,
    departments: Vec<DepartmentLine>,
    accounts: Vec<AccountLine>,
    keys: Vec<KeyLine>,
    roles: Vec<Choice>,
    purposes: String,
}

async fn render_page(
    state: &AppState,
    principal: &Principal,
    session: Option<&SessionContext>,
    desk: &AdminDesk,
    outcome: Outcome,
) -> Result<Response, Error> {
    let departments = desk.departments().await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| departments.iter().find(|d| d.id == id))
            .map(|d| d.new.name.clone())
            .unwrap_or_default()
    };
    let accounts = desk
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountLine {
            department: name_of(a.new.department_id),
            username: a.new.username,
            role: a.new.role.label(),
            disabled: a.disabled,
        })
        .collect();
    let keys = desk
        .keys()
        .await?
        .into_iter()
        .map(|k| KeyLine {
            department: name_of(k.new.department_id),
            key_id: k.new.key_id,
            client: k.new.client,
            purposes: k.new.purposes.join("、"),
            expires: k.new.expires_on.map(|d| d.to_string()).unwrap_or_else(|| "长期".into()),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    let status = if outcome.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = AccountsPage {
        layout: Layout::new("账号与密钥", principal, session),
        outcome,
        departments: departments
            .into_iter()
            .map(|d| DepartmentLine {
                name: d.new.name,
                uscc: d.new.uscc,
            })
            .collect(),
        accounts,
        keys,
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                code: r.code().into(),
                name: r.label().into(),
            })
            .collect(),
        purposes: state
            .access
            .purposes()
            .iter()
            .map(|p| format!("{}（{}）", p.code, p.name))
            .collect::<Vec<_>>()
            .join("、"),
    };
    Ok((status, render(&page, &page.layout)?).into_response())
}

/// `GET /console/accounts`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    let desk = state.access.admin_desk(&caller)?;
    render_page(&state, &caller, session.as_ref(), &desk, Outcome::default()).await
}

/// Shows the page after an action: refusals the administrator can fix
/// (bad input, a name taken) on the page; anything else as an error page.
async fn after<T>(
    state: &AppState,
    signed: &SignedForm<T>,
    desk: &AdminDesk,
    result: Result<Outcome, Error>,
) -> Result<Response, Error> {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(Error::Access(AccessError::Invalid(text) | AccessError::Conflict(text) | AccessError::NotFound(text))) => {
            Outcome {
                error: Some(text),
                ..Outcome::default()
            }
        }
        Err(Error::InvalidRequest(text)) => Outcome {
            error: Some(text),
            ..Outcome::default()
        },
        Err(Error::SubjectNotFound) => Outcome {
            error: Some("未找到该信用主体，请检查统一社会信用代码或身份证号码".into()),
            ..Outcome::default()
        },
        Err(other) => return Err(other),
    };
    render_page(state, &signed.principal, Some(&signed.session), desk, outcome).await
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewDepartment {
    name: String,
    uscc: String,
}

/// `POST /console/departments`.
pub(crate) async fn create_department(
    State(state): State<AppState>,
    signed: SignedForm<NewDepartment>,
) -> Result<Response, Error> {
    let desk = state.access.admin_desk(&signed.principal)?;
    let form = &signed.form;
    let result = desk
        .create_department(&form.name, &form.uscc, None)
        .await
        .map(|d| Outcome {
            notice: Some(format!("已添加单位：{}", d.new.name)),
            ..Outcome::default()
        })
        .map_err(Error::from);
    after(&state, &signed, &desk, result).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAccount {
    username: String,
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    subject: String,
    password: String,
}

/// `POST /console/accounts`.
pub(crate) async fn create_account(
    State(state): State<AppState>,
    signed: SignedForm<NewAccount>,
) -> Result<Response, Error> {
    let desk = state.access.admin_desk(&signed.principal)?;
    let result = async {
        let form = &signed.form;
        let role = Role::from_code(&form.role).ok_or_else(|| Error::InvalidRequest("请选择角色".into()))?;
        let subject = match optional(&form.subject) {
            Some(code) => Some(desk.subject_for_account(&code, today()).await?),
            None => None,
        };
        let account = desk
            .create_account(AccountRequest {
                username: form.username.clone(),
                role,
                department_uscc: optional(&form.department),
                subject,
                password: form.password.clone(),
            })
            .await?;
        Ok(Outcome {
            notice: Some(format!(
                "已创建账号：{}（{}）",
                account.new.username,
                account.new.role.label()
            )),
            ..Outcome::default()
        })
    }
    .await;
    after(&state, &signed, &desk, result).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountState {
    disabled: bool,
}

/// `POST /console/accounts/{username}`: disables or re-enables an account.
pub(crate) async fn set_disabled(
    State(state): State<AppState>,
    PathText(username): PathText,
    signed: SignedForm<AccountState>,
) -> Result<Response, Error> {
    let desk = state.access.admin_desk(&signed.principal)?;
    let result = desk
        .set_disabled(&username, signed.form.disabled)
        .await
        .map(|a| Outcome {
            notice: Some(if a.disabled {
                format!("已停用账号 {}，其登录已全部结束", a.new.username)
            } else {
                format!("已启用账号 {}", a.new.username)
            }),
            ..Outcome::default()
        })
        .map_err(Error::from);
    after(&state, &signed, &desk, result).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKey {
    client: String,
    #[serde(default)]
    purposes: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    expires: String,
}

/// `POST /console/keys`: issues a key and shows it this once.
pub(crate) async fn issue_key(State(state): State<AppState>, signed: SignedForm<NewKey>) -> Result<Response, Error> {
    let desk = state.access.admin_desk(&signed.principal)?;
    let result = async {
        let form = &signed.form;
        let expires_on = match optional(&form.expires) {
            Some(text) => Some(
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| Error::InvalidRequest(format!("有效期“{text}”不是有效日期")))?,
            ),
            None => None,
        };
        let purposes = form
            .purposes
            .split([',', '，', '、', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        let (issued, key) = desk
            .issue_key(
                KeyRequest {
                    client: form.client.clone(),
                    purposes,
                    department_uscc: optional(&form.department),
                    expires_on,
                },
                today(),
            )
            .await?;
        Ok(Outcome {
            notice: Some(format!("已为 {} 签发密钥 {}", key.new.client, key.new.key_id)),
            issued_key: Some(issued.key),
            ..Outcome::default()
        })
    }
    .await;
    after(&state, &signed, &desk, result).await
}

/// `POST /console/keys/{key_id}/revoke`.
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    PathText(key_id): PathText,
    signed: SignedForm<std::collections::BTreeMap<String, String>>,
) -> Result<Response, Error> {
    let desk = state.access.admin_desk(&signed.principal)?;
    let result = desk
        .revoke_key(&key_id)
        .await
        .map(|()| Outcome {
            notice: Some(format!("已吊销密钥 {key_id}")),
            ..Outcome::default()
        })
        .map_err(Error::from);
    after(&state, &signed, &desk, result).await
}
