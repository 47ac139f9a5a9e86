//! `/console/rights`: repair applications, objections and commitments
//! waiting for the signed-in official. The credit office forwards or
//! denies applications and accepts or refuses objections; a department
//! decides those about its own records. Each desk records whether the
//! commitments made to it (to the public, for the office) were kept. Which
//! list and which buttons a caller gets follows from the desk the rights
//! service hands it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xinyong_access::Principal;
use xinyong_domain::id::mask_embedded_identifiers;
use xinyong_domain::rights::commitment::Finding;
use xinyong_domain::rights::objection::{Channel, ObjectionStep, Remedy};
use xinyong_domain::rights::repair::RepairStep;
use xinyong_domain::visibility::Viewer;
use xinyong_rights::{FiledWith, ObjectionView, OfficialDesk, Proof};

use crate::api::dto::{scrubbed, subject_summary};
use crate::auth::{Caller, Session, SessionContext};
use crate::extract::{PathText, PathTexts, Query};
use crate::site::console::signed_out;
use crate::site::form::{SignedForm, SignedUpload};
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Debug)]
struct RepairLine {
    id: i64,
    record_id: i64,
    /// The proof filed with it: (name, digest), each a download.
    documents: Vec<(String, String)>,
    source: String,
    state: &'static str,
    due: String,
    overdue: bool,
    /// The record's department decides now, and this desk is it.
    decides: bool,
    /// The credit office's first stage is due, and this desk is the office.
    screens: bool,
}

#[derive(Debug)]
struct ObjectionLine {
    id: i64,
    record_id: i64,
    /// The record's type and document number.
    record: String,
    /// What the department may correct: (item code, name).
    items: Vec<(String, String)>,
    filer: String,
    /// The documents filed with it: (name, digest), each a download.
    documents: Vec<(String, String)>,
    source: String,
    reasons: String,
    state: &'static str,
    due: String,
    overdue: bool,
    /// The record's department decides now, and this desk is it.
    decides: bool,
    /// The credit office's first stage is due, and this desk is the office.
    screens: bool,
}

#[derive(Debug)]
struct CommitmentLine {
    id: i64,
    subject: String,
    kind: String,
    matter: String,
    signed_on: String,
    text: String,
}

#[derive(Template)]
#[template(path = "console/rights.html")]
struct RightsPage {
    layout: Layout,
    department: bool,
    notice: Option<String>,
    error: Option<String>,
    repairs: Vec<RepairLine>,
    objections: Vec<ObjectionLine>,
    commitments: Vec<CommitmentLine>,
    /// The channels an objection filed elsewhere may have come by: (code, label).
    channels: Vec<(&'static str, &'static str)>,
    /// A warning when the working-day calendar ends soon: deadlines after
    /// its last day cannot be counted, so steps that need them are refused.
    calendar_warning: Option<String>,
}

fn calendar_warning(state: &AppState) -> Option<String> {
    let (end, left) = state.rights.calendar_ending()?;
    let next = chrono::Datelike::year(&end) + 1;
    Some(format!(
        "工作日历只覆盖到 {end}（还剩 {left} 天）：期限超过该日的受理、转办等步骤将无法办理。请在国务院办公厅公布 {next} 年节假日安排后，由管理员添加 {next}.toml（配置项 calendar_dir）。"
    ))
}

async fn render_page(
    state: &AppState,
    principal: &Principal,
    session: Option<&SessionContext>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, Error> {
    let desk = state.rights.official_desk(principal).await?;
    let department = matches!(desk, OfficialDesk::Department(_));
    let (repairs, objections) = (desk.repairs(true).await?, desk.objections(true).await?);
    let commitments = desk.commitments(true).await?;
    let page = RightsPage {
        layout: Layout::new("信用修复、异议与承诺", principal, session),
        department,
        notice,
        error,
        repairs: repairs
            .into_iter()
            .map(|v| RepairLine {
                documents: document_links(&v.repair.new.proof),
                decides: v.repair.status == "forwarded" && desk.decides(&v.repair.new.source),
                screens: v.repair.status == "submitted" && desk.screens(),
                id: v.repair.id,
                record_id: v.repair.new.record_id,
                source: v.repair.new.source,
                state: v.state_label,
                due: v.repair.due_on.map(|d| d.to_string()).unwrap_or_default(),
                overdue: v.overdue,
            })
            .collect(),
        objections: objection_lines(&desk, objections).await?,
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        calendar_warning: calendar_warning(state),
        commitments: commitments
            .into_iter()
            .map(|(v, subject)| CommitmentLine {
                id: v.commitment.id,
                // As the public sees it: no purpose is stated on this page.
                subject: subject_summary(&subject, Viewer::Public).name,
                kind: v.kind_name,
                matter: scrubbed(&v.commitment.new.matter, &subject, Viewer::Public),
                signed_on: v.commitment.new.signed_on.to_string(),
                text: scrubbed(&v.commitment.new.text, &subject, Viewer::Public),
            })
            .collect(),
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page, &page.layout)?).into_response())
}

/// What a step that succeeded did: the page it redirects to says so (a
/// fixed text per code, so a link cannot put words on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Step,
    Kept,
    Broken,
    Registered,
}

impl Done {
    const ALL: [Self; 4] = [Self::Step, Self::Kept, Self::Broken, Self::Registered];

    fn code(self) -> &'static str {
        match self {
            Self::Step => "step",
            Self::Kept => "kept",
            Self::Broken => "broken",
            Self::Registered => "registered",
        }
    }

    fn notice(self) -> &'static str {
        match self {
            Self::Step => "已办理",
            Self::Kept => "已登记履约",
            Self::Broken => "已登记违诺，违背信用承诺信息已纳入信用档案",
            Self::Registered => "已登记异议，待信用办受理；处理期间该信息标注“异议处理中”",
        }
    }

    /// Post/redirect/get: reloading the page shows it again rather than
    /// posting the step twice.
    fn redirect(self) -> Response {
        Redirect::to(&format!("/console/rights?done={}", self.code())).into_response()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShowParams {
    done: Option<String>,
}

async fn objection_lines(desk: &OfficialDesk, objections: Vec<ObjectionView>) -> Result<Vec<ObjectionLine>, Error> {
    let mut lines = Vec::with_capacity(objections.len());
    for v in objections {
        let decides = v.objection.status == "reviewing" && desk.decides(&v.objection.new.source);
        let items = if decides {
            desk.correctable_items(v.objection.new.record_id).await?
        } else {
            Vec::new()
        };
        let record = desk.record_label(v.objection.new.record_id).await?.unwrap_or_default();
        lines.push(ObjectionLine {
            record,
            decides,
            screens: v.objection.status == "filed" && desk.screens(),
            items,
            filer: mask_embedded_identifiers(&v.objection.new.filer).into_owned(),
            documents: document_links(&v.objection.new.attachments),
            id: v.objection.id,
            record_id: v.objection.new.record_id,
            source: v.objection.new.source,
            reasons: mask_embedded_identifiers(&v.objection.new.reasons).into_owned(),
            state: v.state_label,
            due: v.objection.due_on.map(|d| d.to_string()).unwrap_or_default(),
            overdue: v.overdue,
        });
    }
    Ok(lines)
}

/// `GET /console/rights`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(params): Query<ShowParams>,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    let notice = params
        .done
        .and_then(|code| Done::ALL.into_iter().find(|d| d.code() == code))
        .map(|done| done.notice().to_owned());
    render_page(&state, &caller, session.as_ref(), notice, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepForm {
    step: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    value: String,
}

/// After a step: the page again by redirect when it succeeded; refusals
/// the official can act on are shown on the page at once.
async fn outcome(
    state: &AppState,
    principal: &Principal,
    session: &SessionContext,
    result: Result<Done, Error>,
) -> Result<Response, Error> {
    let (status, error) = match result {
        Ok(done) => return Ok(done.redirect()),
        Err(Error::Rights(failure)) => {
            let text = failure.to_string();
            (Error::Rights(failure).status(), text)
        }
        Err(Error::InvalidRequest(text)) => (StatusCode::BAD_REQUEST, text),
        Err(other) => return Err(other),
    };
    let page = render_page(state, principal, Some(session), None, Some(error)).await?;
    Ok((status, page).into_response())
}

fn id_of(text: &str) -> Result<i64, Error> {
    text.parse().map_err(|_| Error::InvalidRequest("编号应为数字".into()))
}

/// `POST /console/rights/repairs/{id}`.
pub(crate) async fn repair_step(
    State(state): State<AppState>,
    PathText(id): PathText,
    signed: SignedForm<StepForm>,
) -> Result<Response, Error> {
    let id = id_of(&id)?;
    let form = &signed.form;
    let result = async {
        let step = match form.step.as_str() {
            "forward" => RepairStep::Forward,
            "approve" => RepairStep::Approve,
            "deny" => RepairStep::Deny(form.reasons.clone()),
            _ => return Err(Error::InvalidRequest("未知的办理步骤".into())),
        };
        state
            .rights
            .official_desk(&signed.principal)
            .await?
            .repair_step(id, step)
            .await?;
        Ok(Done::Step)
    }
    .await;
    outcome(&state, &signed.principal, &signed.session, result).await
}

/// `POST /console/rights/objections/{id}`.
pub(crate) async fn objection_step(
    State(state): State<AppState>,
    PathText(id): PathText,
    signed: SignedForm<StepForm>,
) -> Result<Response, Error> {
    let id = id_of(&id)?;
    let form = &signed.form;
    let result = async {
        let step = match form.step.as_str() {
            "accept" => ObjectionStep::Accept,
            "refuse" => ObjectionStep::Refuse(form.reasons.clone()),
            "reject" => ObjectionStep::Reject(form.reasons.clone()),
            "withdraw_record" => ObjectionStep::Uphold(Remedy::Withdrawal),
            "correct" if !form.item.trim().is_empty() => ObjectionStep::Uphold(Remedy::Correction(vec![(
                form.item.trim().to_owned(),
                form.value.clone(),
            )])),
            "correct" => return Err(Error::InvalidRequest("请选择要更正的信息项".into())),
            _ => return Err(Error::InvalidRequest("未知的办理步骤".into())),
        };
        state
            .rights
            .official_desk(&signed.principal)
            .await?
            .objection_step(id, step)
            .await?;
        Ok(Done::Step)
    }
    .await;
    outcome(&state, &signed.principal, &signed.session, result).await
}

/// `POST /console/rights/objections`: registers an objection filed
/// elsewhere (multipart: `csrf`, `record`, `applicant`, `standing`,
/// `channel`, `reasons`, `attachment`…).
pub(crate) async fn register_objection(State(state): State<AppState>, signed: SignedUpload) -> Result<Response, Error> {
    let (principal, session, multipart) = (signed.principal, signed.session, signed.multipart);
    let result = async {
        let desk = state.rights.official_desk(&principal).await?;
        let parts = crate::api::rights::objection_parts(&state, multipart, true).await?;
        let registration = parts.registration()?;
        desk.register_objection(parts.record, &registration, &parts.reasons, parts.attachments)
            .await?;
        Ok(Done::Registered)
    }
    .await;
    outcome(&state, &principal, &session, result).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingForm {
    kept: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/rights/commitments/{id}`: kept, or broken with what was
/// not kept (which becomes a 违背信用承诺信息 record of this desk).
pub(crate) async fn commitment_finding(
    State(state): State<AppState>,
    PathText(id): PathText,
    signed: SignedForm<FindingForm>,
) -> Result<Response, Error> {
    let id = id_of(&id)?;
    let form = &signed.form;
    let result = async {
        let finding = match form.kept.as_str() {
            "yes" => Finding::Kept,
            "no" => Finding::Broken(form.note.clone()),
            _ => return Err(Error::InvalidRequest("请选择已履约或未履约".into())),
        };
        let broken = matches!(finding, Finding::Broken(_));
        state
            .rights
            .official_desk(&signed.principal)
            .await?
            .record_finding(id, finding)
            .await?;
        Ok(if broken { Done::Broken } else { Done::Kept })
    }
    .await;
    outcome(&state, &signed.principal, &signed.session, result).await
}

/// The documents of a stored list, as the page links them: the name as
/// uploaded (identifiers in it masked) and the digest that fetches it.
fn document_links(listed: &str) -> Vec<(String, String)> {
    let documents: Vec<Proof> = serde_json::from_str(listed).unwrap_or_default();
    documents
        .into_iter()
        .map(|d| (mask_embedded_identifiers(&d.name).into_owned(), d.digest))
        .collect()
}

/// `GET /console/rights/objections/{id}/documents/{digest}`.
pub(crate) async fn objection_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathTexts(path): PathTexts,
) -> Result<Response, Error> {
    document(&state, &caller, FiledWith::Objection, &path).await
}

/// `GET /console/rights/repairs/{id}/documents/{digest}`.
pub(crate) async fn repair_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathTexts(path): PathTexts,
) -> Result<Response, Error> {
    document(&state, &caller, FiledWith::Repair, &path).await
}

/// A document filed with an objection or a repair, as a download for the
/// desk that sees it (the rights layer decides which, and journals it).
async fn document(
    state: &AppState,
    caller: &Principal,
    filed_with: FiledWith,
    path: &[String],
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(caller) {
        return Ok(redirect);
    }
    let [id, digest] = path else {
        return Err(Error::NotFound);
    };
    let desk = state.rights.official_desk(caller).await?;
    let (name, bytes) = desk.document(filed_with, id_of(id)?, digest).await?;
    let mut response = axum::body::Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        crate::api::batches::attachment("document", &name)?,
    );
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
