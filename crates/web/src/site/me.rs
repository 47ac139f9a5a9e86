//! `/me`: the subject portal. A signed-in subject sees its whole file,
//! items the public does not see included, and who read it and why.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use xinyong_access::{Caller as Who, Principal};
use xinyong_domain::catalog::RecordType;
use xinyong_domain::id::mask_embedded_identifiers;
use xinyong_domain::rights::objection::Remedy;
use xinyong_domain::rights::repair::Eligibility;
use xinyong_store::PageRequest;

use crate::api::batches::multipart_error;
use crate::api::dto::{SubjectSummary, page_record, subject_summary};
use crate::api::me::{QueryEntry, query_page};
use crate::api::today;
use crate::auth::{Caller, Session, SessionContext};
use crate::extract::Query;
use crate::site::form::{SignedForm, SignedUpload};
use crate::site::layout::{Layout, console_of, render};
use crate::site::sections::{Section, sections};
use crate::{AppState, Error};

/// Reads shown on the portal; the API pages through the rest.
const QUERIES_SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "me.html")]
struct PortalPage {
    layout: Layout,
    subject: SubjectSummary,
    sections: Vec<Section>,
    queries: Vec<Read>,
    more_queries: bool,
    repairs: Vec<RepairLine>,
    platform_days: u32,
    authority_days: u32,
    /// Current records an objection may be filed on.
    objectable: Vec<(i64, String)>,
    objections: Vec<ObjectionLine>,
    /// The repair commitment's text, as it will be signed.
    repair_text: String,
    commitments: Vec<PledgeLine>,
    authorisations: Vec<GrantLine>,
    notice: Option<String>,
    error: Option<String>,
}

/// One of the subject's authorisations (授权查询).
#[derive(Debug)]
struct GrantLine {
    id: i64,
    client: String,
    purpose: String,
    valid_until: String,
    /// Not withdrawn and not past its date: it can be withdrawn.
    active: bool,
    state: &'static str,
}

/// An adverse record of the subject's and where its repair stands.
#[derive(Debug)]
struct RepairLine {
    record_id: i64,
    doc_no: String,
    severity: String,
    eligibility: String,
    application: String,
    /// Whether an application can be made now.
    can_apply: bool,
}

/// One of the subject's commitments and what became of it.
#[derive(Debug)]
struct PledgeLine {
    kind: String,
    matter: String,
    addressee: String,
    signed_on: String,
    state: &'static str,
    finding: String,
    text: String,
}

/// One of the subject's objections.
#[derive(Debug)]
struct ObjectionLine {
    doc_no: String,
    filed_on: String,
    state: &'static str,
    outcome: String,
}

/// What an upheld objection changed, in words: the corrected items by
/// their catalogue names.
fn remedy_text(remedy: &Remedy, record_type: Option<&RecordType>) -> String {
    match remedy {
        Remedy::Withdrawal => "该信息已撤销".to_owned(),
        Remedy::Correction(changes) => {
            let items: Vec<String> = changes
                .iter()
                .map(|(key, value)| {
                    let name = record_type
                        .and_then(|t| t.field_by_key(key).map(|idx| t.field(idx).name.as_str()))
                        .unwrap_or(key);
                    format!("{name}更正为“{value}”")
                })
                .collect();
            format!("已更正：{}", items.join("；"))
        }
    }
}

/// One read of the file, as the portal lists it.
#[derive(Debug)]
struct Read {
    /// Beijing time.
    at: String,
    reader: String,
    /// The purpose, and the matter for a credit check.
    purpose: String,
    records: usize,
}

impl From<QueryEntry> for Read {
    fn from(entry: QueryEntry) -> Self {
        let mut purpose = entry.purpose_name.or(entry.purpose).unwrap_or_default();
        if let Some(check) = entry.check {
            purpose.push_str(&format!("（信用核查：{}）", check.matter_name.unwrap_or(check.matter)));
        }
        Self {
            at: xinyong_domain::date::china_time(entry.at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            reader: entry.reader,
            purpose,
            records: entry.records.len(),
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct ShowParams {
    /// What a post that succeeded did (`objection`, `repair`): the page says so.
    done: Option<String>,
}

/// What the portal says after a post succeeded: fixed texts by code, so a
/// link cannot put words on the page.
fn done_notice(state: &AppState, code: &str) -> Option<String> {
    let settings = state.rights.settings();
    match code {
        "objection" => Some(format!(
            "异议已提交，信用办将在{}个工作日内决定是否受理；处理期间该信息标注“异议处理中”",
            settings.objection_accept_days
        )),
        "repair" => Some(format!(
            "信用修复申请已提交，平台将在{}个工作日内审核",
            settings.repair_platform_days
        )),
        "withdrawn" => Some("授权已撤回：该机构不能再查询您的授权查询信息".to_owned()),
        _ => None,
    }
}

/// `GET /me`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(params): Query<ShowParams>,
) -> Result<Response, Error> {
    match &caller.caller {
        Who::Anonymous => return Ok(Redirect::to("/login").into_response()),
        Who::Account(account) => {
            if let Some(console) = console_of(account.new.role) {
                return Ok(Redirect::to(console).into_response());
            }
        }
        Who::Client(_) | Who::Console(_) => {}
    }
    let notice = params.done.and_then(|code| done_notice(&state, &code));
    portal(&state, &caller, session.as_ref(), notice, None).await
}

/// The portal as `caller` sees it, with the outcome of what it just did.
async fn portal(
    state: &AppState,
    caller: &Principal,
    session: Option<&SessionContext>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, Error> {
    let own = state.access.own_file(caller).await?;
    let today = today();
    let file = own
        .reader()
        .read(|code| state.catalog.get(code).map(|e| &*e.record_type), today)
        .await?;
    let desk = state.rights.subject_desk(caller).await?;
    let applications = desk.repairs().await?;
    let repairs = file
        .records
        .iter()
        .filter(|read| read.record.publicity.severity.is_some())
        .map(|read| {
            let record = &read.record;
            let running = applications
                .iter()
                .find(|a| a.repair.new.record_id == record.id)
                .filter(|a| a.open);
            let application = applications
                .iter()
                .find(|a| a.repair.new.record_id == record.id)
                .map_or_else(String::new, |a| {
                    format!("{}（{}提交）", a.state_label, a.repair.new.submitted_on)
                });
            let eligibility = state.rights.eligibility_of(record, today);
            RepairLine {
                record_id: record.id,
                doc_no: record.key.doc_no.clone(),
                severity: record
                    .publicity
                    .severity
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                can_apply: running.is_none() && eligibility == Eligibility::Eligible,
                eligibility: match record.repaired_on {
                    Some(day) => format!("已于 {day} 修复"),
                    None => eligibility.explain(),
                },
                application,
            }
        })
        .collect();
    let mut objections = Vec::new();
    for v in desk.objections().await? {
        // A corrected record is current again under its new version; a
        // withdrawn one is named by its key.
        let shown = v.objection.corrected_record.unwrap_or(v.objection.new.record_id);
        let key = desk.own_record_key(shown).await?;
        let outcome = match v.remedy() {
            Some(remedy) => {
                let record_type = key
                    .as_ref()
                    .and_then(|k| state.catalog.get(&k.record_type))
                    .map(|entry| entry.record_type.as_ref());
                remedy_text(&remedy, record_type)
            }
            None => v.reasons_given().unwrap_or_default().to_owned(),
        };
        // Pages never show an identifier whole, not even the subject's own.
        let outcome = mask_embedded_identifiers(&outcome).into_owned();
        objections.push(ObjectionLine {
            doc_no: key.map_or_else(|| format!("信息 {shown}"), |k| k.doc_no),
            filed_on: v.objection.new.filed_on.to_string(),
            state: v.state_label,
            outcome,
        });
    }
    let mut records: Vec<_> = file
        .records
        .iter()
        .filter_map(|read| page_record(read, &state.catalog))
        .collect();
    crate::api::dto::mark_objections(&state.rights, &mut records).await?;
    let queries = query_page(
        state,
        caller,
        &PageRequest {
            after: None,
            limit: QUERIES_SHOWN,
        },
    )
    .await?;
    let authorisations = own
        .authorisations()
        .await?
        .into_iter()
        .map(|a| {
            let active = a.revoked_at.is_none() && a.new.valid_until >= today;
            GrantLine {
                id: a.id,
                purpose: state
                    .access
                    .purpose(&a.new.purpose)
                    .map_or_else(|_| a.new.purpose.clone(), |p| p.name.clone()),
                client: a.new.client,
                valid_until: a.new.valid_until.to_string(),
                active,
                state: match (a.revoked_at, active) {
                    (Some(_), _) => "已撤回",
                    (None, true) => "有效",
                    (None, false) => "已到期",
                },
            }
        })
        .collect();
    let page = PortalPage {
        layout: Layout::new("我的信用", caller, session),
        authorisations,
        subject: subject_summary(&file.subject, file.viewer),
        objectable: records
            .iter()
            .map(|r| (r.id, format!("{} {}", r.record_type_name, r.doc_no)))
            .collect(),
        sections: sections(&state.catalog, records),
        more_queries: queries.next_cursor.is_some(),
        queries: queries.items.into_iter().map(Read::from).collect(),
        repairs,
        platform_days: state.rights.settings().repair_platform_days,
        authority_days: state.rights.settings().repair_authority_days,
        objections,
        repair_text: desk.repair_commitment_preview().unwrap_or_default(),
        commitments: desk
            .commitments()
            .await?
            .into_iter()
            .map(|v| PledgeLine {
                finding: match (v.commitment.finding_on, &v.commitment.finding_note) {
                    (Some(on), Some(note)) => format!("{on}：{}", mask_embedded_identifiers(note)),
                    (Some(on), None) => on.to_string(),
                    _ => String::new(),
                },
                kind: v.kind_name,
                // The owner's portal masks identifiers in free text too.
                matter: mask_embedded_identifiers(&v.commitment.new.matter).into_owned(),
                addressee: v.commitment.new.addressee.unwrap_or_else(|| "社会公众".into()),
                signed_on: v.commitment.new.signed_on.to_string(),
                state: v.state_label,
                text: mask_embedded_identifiers(&v.commitment.new.text).into_owned(),
            })
            .collect(),
        notice,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page, &page.layout)?).into_response())
}

/// After a post: the portal again by redirect when it succeeded (so that
/// reloading does not post it twice); refusals the subject can act on are
/// shown on the page at once; anything else fails.
async fn outcome(
    state: &AppState,
    principal: &Principal,
    session: &SessionContext,
    result: Result<&'static str, Error>,
) -> Result<Response, Error> {
    let (status, error) = match result {
        Ok(code) => return Ok(Redirect::to(&format!("/me?done={code}")).into_response()),
        Err(Error::Rights(failure)) => {
            let text = failure.to_string();
            (Error::Rights(failure).status(), text)
        }
        Err(Error::InvalidRequest(text)) => (StatusCode::BAD_REQUEST, text),
        Err(other) => return Err(other),
    };
    let page = portal(state, principal, Some(session), None, Some(error)).await?;
    Ok((status, page).into_response())
}

/// `POST /me/objections`: files an objection to one of the subject's
/// records, with supporting documents (multipart: `csrf`, `record`,
/// `reasons`, `attachment`…).
pub(crate) async fn object(State(state): State<AppState>, signed: SignedUpload) -> Result<Response, Error> {
    let (principal, session, multipart) = (signed.principal, signed.session, signed.multipart);
    let result = async {
        let desk = state.rights.subject_desk(&principal).await?;
        let parts = crate::api::rights::objection_parts(&state, multipart, false).await?;
        desk.object(parts.record, &parts.reasons, parts.attachments).await?;
        Ok("objection")
    }
    .await;
    outcome(&state, &principal, &session, result).await
}

/// `POST /me/repairs`: signs the 信用修复承诺书 and applies for repair of a
/// record with proof files (multipart: `csrf`, `record`, `signer`, `proof`…).
pub(crate) async fn apply(State(state): State<AppState>, signed: SignedUpload) -> Result<Response, Error> {
    let (principal, session, mut multipart) = (signed.principal, signed.session, signed.multipart);
    let result = async {
        let desk = state.rights.subject_desk(&principal).await?;
        let (mut record, mut signer, mut proof) = (None, String::new(), Vec::new());
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("record") => {
                    let text = field.text().await.map_err(multipart_error)?;
                    record = text.trim().parse::<i64>().ok();
                }
                Some("signer") => signer = field.text().await.map_err(multipart_error)?,
                Some("proof") => {
                    let name = field.file_name().unwrap_or("证明材料").to_owned();
                    let bytes = field.bytes().await.map_err(multipart_error)?;
                    if !bytes.is_empty() {
                        proof.push(state.rights.keep_proof(&name, bytes.as_ref())?);
                    }
                }
                _ => return Err(Error::InvalidRequest("表单内容有误".into())),
            }
        }
        let record = record.ok_or_else(|| Error::InvalidRequest("请选择要修复的信息".into()))?;
        desk.sign_and_apply(record, &signer, proof).await?;
        Ok("repair")
    }
    .await;
    outcome(&state, &principal, &session, result).await
}

/// The authorisation a withdrawal names.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Withdrawal {
    authorisation: i64,
}

/// `POST /me/authorisations/withdraw`: withdraws one of the subject's
/// authorisations (form: `csrf`, `authorisation`).
pub(crate) async fn withdraw(State(state): State<AppState>, signed: SignedForm<Withdrawal>) -> Result<Response, Error> {
    let result = async {
        let own = state.access.own_file(&signed.principal).await?;
        own.withdraw(signed.form.authorisation)
            .await
            .map_err(|error| match error {
                xinyong_access::AccessError::NotFound(text) => Error::InvalidRequest(text),
                other => other.into(),
            })?;
        Ok("withdrawn")
    }
    .await;
    outcome(&state, &signed.principal, &signed.session, result).await
}
