//! Credit commitments (信用承诺), credit repair (信用修复) and objections
//! (异议): the subject signs, applies and objects under `/api/v1/me/…`; the
//! credit office and the record's department move applications and
//! objections under `/api/v1/repairs/…` and `/api/v1/objections/…`.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xinyong_domain::id::mask_embedded_identifiers;
use xinyong_domain::rights::commitment::Finding;
use xinyong_domain::rights::objection::{Channel, ObjectionStep, Registration, Remedy, Standing};
use xinyong_domain::rights::repair::{Eligibility, RepairStep};
use xinyong_domain::visibility::Viewer;
use xinyong_rights::{CommitmentView, ObjectionView, Proof, RepairView, RightsFailure};
use xinyong_store::Subject;

use crate::api::batches::multipart_error;
use crate::api::dto::{SubjectSummary, scrubbed, subject_summary};
use crate::auth::Caller;
use crate::extract::{JsonBody, PathText, Query};
use crate::{AppState, Error};

/// A commitment kind the platform offers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KindView {
    code: String,
    name: String,
    /// Whether signed commitments of this kind are published.
    public: bool,
    basis: String,
    /// The text signed, with `{subject}`, `{code}`, `{matter}`, `{date}`.
    template: String,
}

/// The commitment kinds.
#[utoipa::path(get, path = "/api/v1/commitment-kinds", tag = "rights", responses((status = 200, body = [KindView])))]
pub(crate) async fn kinds(State(state): State<AppState>) -> Json<Vec<KindView>> {
    Json(
        state
            .rights
            .book()
            .kinds()
            .iter()
            .map(|k| KindView {
                code: k.code.clone(),
                name: k.name.clone(),
                public: k.public,
                basis: k.basis.clone(),
                template: k.template.trim().to_owned(),
            })
            .collect(),
    )
}

/// A signed commitment.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CommitmentOut {
    id: i64,
    kind: String,
    kind_name: String,
    matter: String,
    /// The department it is made to.
    addressee: Option<String>,
    signer: String,
    /// The full text signed.
    text: String,
    /// SM3 of the text.
    digest: String,
    public: bool,
    signed_on: NaiveDate,
    /// `signed`, `kept` or `broken`.
    status: String,
    status_label: String,
    finding_on: Option<NaiveDate>,
    finding_note: Option<String>,
    /// Who made it, as the public sees it (in desk listings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<SubjectSummary>,
}

impl From<CommitmentView> for CommitmentOut {
    fn from(v: CommitmentView) -> Self {
        let c = v.commitment;
        Self {
            id: c.id,
            kind: c.new.kind,
            kind_name: v.kind_name,
            matter: c.new.matter,
            addressee: c.new.addressee,
            signer: c.new.signer,
            text: c.new.text,
            digest: c.new.digest,
            public: c.new.public,
            signed_on: c.new.signed_on,
            status: c.status,
            status_label: v.state_label.into(),
            finding_on: c.finding_on,
            finding_note: c.finding_note,
            subject: None,
        }
    }
}

/// A commitment to sign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignForm {
    /// Kind code (`xyxf` for a repair).
    kind: String,
    /// The matter or record it is for.
    matter: String,
    /// The department it is made to (none: to the public).
    addressee: Option<String>,
    /// Who signs for the subject.
    signer: String,
}

/// Signs a commitment for the signed-in subject.
#[utoipa::path(post, path = "/api/v1/me/commitments", tag = "rights", request_body = SignForm,
    responses((status = 201, body = CommitmentOut), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub(crate) async fn sign(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<SignForm>,
) -> Result<(StatusCode, Json<CommitmentOut>), Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    let signed = desk
        .sign(&form.kind, &form.matter, form.addressee.as_deref(), &form.signer)
        .await?;
    Ok((StatusCode::CREATED, Json(signed.into())))
}

/// The signed-in subject's commitments.
#[utoipa::path(get, path = "/api/v1/me/commitments", tag = "rights",
    responses((status = 200, body = [CommitmentOut]), (status = 401, body = crate::error::Problem)))]
pub(crate) async fn my_commitments(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<CommitmentOut>>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    Ok(Json(desk.commitments().await?.into_iter().map(Into::into).collect()))
}

/// A department's (or, for commitments to the public, the office's) finding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingForm {
    /// Whether it was kept.
    kept: bool,
    /// What was not kept (required for a breach).
    note: Option<String>,
}

/// Commitments made to the caller's desk: its department's, or those made
/// to the public for the credit office. A breach found becomes a
/// 违背信用承诺信息 record of the finding department.
#[utoipa::path(get, path = "/api/v1/commitments", tag = "rights", params(RepairParams),
    responses((status = 200, body = [CommitmentOut]), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn commitments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<RepairParams>,
) -> Result<Json<Vec<CommitmentOut>>, Error> {
    let open_only = params.open.unwrap_or(true);
    let found = state
        .rights
        .official_desk(&caller)
        .await?
        .commitments(open_only)
        .await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(view, subject)| official_out(view, &subject))
            .collect(),
    ))
}

/// A commitment as an official desk sees it without a stated purpose: the
/// subject as the public sees it, identifiers (and a person's name) in the
/// free text masked — so the text no longer matches its digest; the
/// signer's own view has it whole.
fn official_out(view: CommitmentView, subject: &Subject) -> CommitmentOut {
    let out = CommitmentOut::from(view);
    let scrub = |text: &str| scrubbed(text, subject, Viewer::Public);
    CommitmentOut {
        subject: Some(subject_summary(subject, Viewer::Public)),
        matter: scrub(&out.matter),
        text: scrub(&out.text),
        signer: scrub(&out.signer),
        finding_note: out.finding_note.as_deref().map(scrub),
        ..out
    }
}

/// Records whether a commitment was kept.
#[utoipa::path(post, path = "/api/v1/commitments/{id}/finding", tag = "rights", request_body = FindingForm,
    params(("id" = i64, Path, description = "承诺编号")),
    responses((status = 200, body = CommitmentOut), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn finding(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
    JsonBody(form): JsonBody<FindingForm>,
) -> Result<Json<CommitmentOut>, Error> {
    let id = number(&id, "承诺编号")?;
    let note = form.note.unwrap_or_default();
    let finding = match (form.kept, note.trim().is_empty()) {
        (true, true) => Finding::Kept,
        // A description sent with "kept" says the caller meant something else.
        (true, false) => return Err(Error::InvalidRequest("登记已履约时不填写违诺情况（note）".into())),
        (false, _) => Finding::Broken(note),
    };
    let view = state
        .rights
        .official_desk(&caller)
        .await?
        .record_finding(id, finding)
        .await?;
    let (view, subject) = view;
    Ok(Json(official_out(view, &subject)))
}

fn number(text: &str, what: &str) -> Result<i64, Error> {
    text.parse()
        .map_err(|_| Error::InvalidRequest(format!("{what}应为数字")))
}

/// Whether a record may be repaired.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EligibilityOut {
    /// `eligible`, `not_yet`, `not_repairable`, `not_published` or `not_applicable` (not a breach of trust).
    status: String,
    /// From when, for `not_yet`.
    from: Option<NaiveDate>,
    /// In Chinese.
    explanation: String,
}

/// Whether one of the signed-in subject's records may be repaired, and from when.
#[utoipa::path(get, path = "/api/v1/me/records/{id}/repair-eligibility", tag = "rights",
    params(("id" = i64, Path, description = "信息编号")),
    responses((status = 200, body = EligibilityOut), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn eligibility(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Json<EligibilityOut>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    let found = desk.eligibility(number(&id, "信息编号")?).await?;
    let (status, from) = match &found {
        Eligibility::Eligible => ("eligible", None),
        Eligibility::NotBefore(day) => ("not_yet", Some(*day)),
        Eligibility::NotRepairable => ("not_repairable", None),
        Eligibility::NotApplicable => ("not_applicable", None),
        Eligibility::NotPublished => ("not_published", None),
    };
    Ok(Json(EligibilityOut {
        status: status.into(),
        from,
        explanation: found.explain(),
    }))
}

/// A repair application.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RepairOut {
    id: i64,
    record_id: i64,
    /// The department deciding (the record's source).
    source: String,
    commitment_id: i64,
    /// The proof documents kept: name, size and SM3 digest.
    #[schema(value_type = Vec<Object>)]
    proof: serde_json::Value,
    submitted_on: NaiveDate,
    /// `submitted`, `forwarded`, `repaired`, `denied` or `withdrawn`.
    status: String,
    status_label: String,
    /// Last day of the step now due.
    due_on: Option<NaiveDate>,
    overdue: bool,
    forwarded_on: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    reasons: Option<String>,
    created_at: DateTime<Utc>,
}

/// Kept documents as shown: name, size and digest (not where they are kept).
fn documents(stored: &str) -> serde_json::Value {
    let kept: Vec<Proof> = serde_json::from_str(stored).unwrap_or_default();
    serde_json::json!(
        kept.iter()
            .map(|p| serde_json::json!({ "name": mask_embedded_identifiers(&p.name), "size": p.size, "digest": p.digest }))
            .collect::<Vec<_>>()
    )
}

impl From<RepairView> for RepairOut {
    fn from(v: RepairView) -> Self {
        let r = v.repair;
        Self {
            id: r.id,
            record_id: r.new.record_id,
            source: r.new.source,
            commitment_id: r.new.commitment_id,
            proof: documents(&r.new.proof),
            submitted_on: r.new.submitted_on,
            status: r.status,
            status_label: v.state_label.into(),
            due_on: r.due_on,
            overdue: v.overdue,
            forwarded_on: r.forwarded_on,
            closed_on: r.closed_on,
            reasons: r.reasons,
            created_at: r.created_at,
        }
    }
}

/// Applies for repair: multipart with `record` (its id), `commitment` (the
/// id of a signed 信用修复承诺书) and one or more `proof` files.
#[utoipa::path(post, path = "/api/v1/me/repairs", tag = "rights",
    request_body(content_type = "multipart/form-data", description = "字段 record、commitment，以及一个或多个 proof 文件"),
    responses((status = 201, body = RepairOut), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn apply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<(StatusCode, Json<RepairOut>), Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| Error::InvalidRequest("请以 multipart/form-data 提交（字段 record、commitment、proof）".into()))?;
    let (mut record, mut commitment, mut proof) = (None, None, Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("record") => record = Some(number(field.text().await.map_err(multipart_error)?.trim(), "信息编号")?),
            Some("commitment") => {
                commitment = Some(number(field.text().await.map_err(multipart_error)?.trim(), "承诺编号")?);
            }
            Some("proof") => {
                let name = field.file_name().unwrap_or("证明材料").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                proof.push(state.rights.keep_proof(&name, bytes.as_ref())?);
            }
            _ => return Err(Error::InvalidRequest("只能包含字段 record、commitment 和 proof".into())),
        }
    }
    let record = record.ok_or_else(|| Error::InvalidRequest("缺少字段 record（要修复的信息编号）".into()))?;
    let commitment =
        commitment.ok_or_else(|| Error::InvalidRequest("缺少字段 commitment（信用修复承诺书编号）".into()))?;
    let view = desk.apply(record, commitment, proof).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// The signed-in subject's repair applications.
#[utoipa::path(get, path = "/api/v1/me/repairs", tag = "rights",
    responses((status = 200, body = [RepairOut]), (status = 401, body = crate::error::Problem)))]
pub(crate) async fn my_repairs(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<RepairOut>>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    Ok(Json(desk.repairs().await?.into_iter().map(Into::into).collect()))
}

/// Withdraws one of the signed-in subject's running applications.
#[utoipa::path(post, path = "/api/v1/me/repairs/{id}/withdraw", tag = "rights",
    params(("id" = i64, Path, description = "申请编号")),
    responses((status = 200, body = RepairOut), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Json<RepairOut>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    Ok(Json(desk.withdraw(number(&id, "申请编号")?).await?.into()))
}

/// Listing parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RepairParams {
    /// Only running ones: applications and objections under way,
    /// commitments awaiting a finding (default true).
    open: Option<bool>,
}

/// Applications: every one for the credit office, its own records' for a department.
#[utoipa::path(get, path = "/api/v1/repairs", tag = "rights", params(RepairParams),
    responses((status = 200, body = [RepairOut]), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn repairs(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<RepairParams>,
) -> Result<Json<Vec<RepairOut>>, Error> {
    let open_only = params.open.unwrap_or(true);
    let found = state.rights.official_desk(&caller).await?.repairs(open_only).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

/// A step on an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepForm {
    /// `forward` (credit office), `approve` (department) or `deny` (either, in its stage).
    step: String,
    /// Reasons, required to deny.
    reasons: Option<String>,
}

/// Takes a step on an application: the credit office forwards or denies a
/// submitted one, the deciding department approves or denies a forwarded one.
#[utoipa::path(post, path = "/api/v1/repairs/{id}/steps", tag = "rights", request_body = StepForm,
    params(("id" = i64, Path, description = "申请编号")),
    responses((status = 200, body = RepairOut), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
    JsonBody(form): JsonBody<StepForm>,
) -> Result<Json<RepairOut>, Error> {
    let id = number(&id, "申请编号")?;
    let step = match form.step.as_str() {
        "forward" => RepairStep::Forward,
        "approve" => RepairStep::Approve,
        "deny" => RepairStep::Deny(form.reasons.unwrap_or_default()),
        _ => return Err(Error::InvalidRequest("step 应为 forward、approve 或 deny".into())),
    };
    let view = state.rights.official_desk(&caller).await?.repair_step(id, step).await?;
    Ok(Json(view.into()))
}

/// An objection.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ObjectionOut {
    id: i64,
    record_id: i64,
    /// The department verifying it (the record's source).
    source: String,
    /// Who filed it: the subject's account, or the applicant as an
    /// official registered it (capacity, channel, by whom).
    filer: String,
    reasons: String,
    /// Supporting documents: name, size and SM3 digest.
    #[schema(value_type = Vec<Object>)]
    attachments: serde_json::Value,
    filed_on: NaiveDate,
    /// `filed`, `reviewing`, `upheld`, `rejected`, `refused` or `withdrawn`.
    status: String,
    status_label: String,
    /// Last day of the step now due.
    due_on: Option<NaiveDate>,
    overdue: bool,
    accepted_on: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    /// The reasons given when refused or rejected.
    reasons_given: Option<String>,
    /// What was done when upheld.
    remedy: Option<RemedyOut>,
    /// The corrected version, when upheld with a correction.
    corrected_record: Option<i64>,
}

/// What an upheld objection changed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RemedyOut {
    /// `correction` (a new version of the record) or `withdrawal`.
    kind: &'static str,
    /// The items corrected, with their new values.
    changes: Vec<ChangeOut>,
}

/// One corrected item.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeOut {
    /// The item's code.
    item: String,
    /// Its corrected value.
    value: String,
}

impl From<Remedy> for RemedyOut {
    fn from(remedy: Remedy) -> Self {
        match remedy {
            Remedy::Withdrawal => Self {
                kind: "withdrawal",
                changes: Vec::new(),
            },
            Remedy::Correction(changes) => Self {
                kind: "correction",
                changes: changes
                    .into_iter()
                    .map(|(item, value)| ChangeOut {
                        item,
                        value: mask_embedded_identifiers(&value).into_owned(),
                    })
                    .collect(),
            },
        }
    }
}

impl From<ObjectionView> for ObjectionOut {
    fn from(v: ObjectionView) -> Self {
        let remedy = v.remedy().map(Into::into);
        let reasons_given = v.reasons_given().map(|r| mask_embedded_identifiers(r).into_owned());
        let o = v.objection;
        Self {
            reasons_given,
            remedy,
            id: o.id,
            record_id: o.new.record_id,
            attachments: documents(&o.new.attachments),
            source: o.new.source,
            filer: mask_embedded_identifiers(&o.new.filer).into_owned(),
            reasons: mask_embedded_identifiers(&o.new.reasons).into_owned(),
            filed_on: o.new.filed_on,
            status: o.status,
            status_label: v.state_label.into(),
            due_on: o.due_on,
            overdue: v.overdue,
            accepted_on: o.accepted_on,
            closed_on: o.closed_on,
            corrected_record: o.corrected_record,
        }
    }
}

/// An objection to file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObjectForm {
    /// The record's id (from `/api/v1/me/file`).
    record: i64,
    /// What is wrong.
    reasons: String,
}

/// Files an objection to one of the signed-in subject's records: JSON, or
/// multipart `record`, `reasons` and any number of `attachment` files.
#[utoipa::path(post, path = "/api/v1/me/objections", tag = "rights",
    request_body(content = ObjectForm, description = "JSON，或 multipart/form-data 字段 record、reasons 及若干 attachment 文件"),
    responses((status = 201, body = ObjectionOut), (status = 400, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn object(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<(StatusCode, Json<ObjectionOut>), Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    let parts = if crate::extract::is_multipart(&request) {
        objection_parts(&state, crate::extract::multipart(request, &state).await?, false).await?
    } else {
        let JsonBody(form) = JsonBody::<ObjectForm>::from_request(request, &state).await?;
        ObjectionParts {
            record: form.record,
            reasons: form.reasons,
            ..ObjectionParts::default()
        }
    };
    let view = desk.object(parts.record, &parts.reasons, parts.attachments).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// An objection an official registers for an applicant who filed it
/// elsewhere.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterForm {
    /// The record's id.
    record: i64,
    /// What is wrong, as the applicant put it.
    reasons: String,
    /// The applicant's name.
    applicant: String,
    /// `subject` (the subject itself or its legal representative) or `agent` (委托代理人).
    standing: String,
    /// How it arrived: `credit_china` (信用中国网站转办), `counter` (窗口受理) or `mail` (信函).
    channel: String,
}

/// Registers an objection its applicant filed elsewhere — forwarded by
/// Credit China, at a window, by letter; by the subject or its agent (who
/// must attach the 授权委托书): the credit office for any record, a
/// department for its own. JSON, or multipart with `attachment` files.
#[utoipa::path(post, path = "/api/v1/objections", tag = "rights",
    request_body(content = RegisterForm, description = "JSON，或 multipart/form-data 字段 record、reasons、applicant、standing、channel 及若干 attachment 文件"),
    responses((status = 201, body = ObjectionOut), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn register_objection(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<(StatusCode, Json<ObjectionOut>), Error> {
    let desk = state.rights.official_desk(&caller).await?;
    let parts = if crate::extract::is_multipart(&request) {
        objection_parts(&state, crate::extract::multipart(request, &state).await?, true).await?
    } else {
        let JsonBody(form) = JsonBody::<RegisterForm>::from_request(request, &state).await?;
        ObjectionParts {
            record: form.record,
            reasons: form.reasons,
            applicant: form.applicant,
            standing: form.standing,
            channel: form.channel,
            attachments: Vec::new(),
        }
    };
    let registration = parts.registration()?;
    let view = desk
        .register_objection(parts.record, &registration, &parts.reasons, parts.attachments)
        .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// An objection's fields as posted.
#[derive(Debug, Default)]
pub(crate) struct ObjectionParts {
    pub(crate) record: i64,
    pub(crate) reasons: String,
    /// Who applied, in what capacity and through which channel: only
    /// where an official registers an objection filed elsewhere.
    pub(crate) applicant: String,
    pub(crate) standing: String,
    pub(crate) channel: String,
    pub(crate) attachments: Vec<Proof>,
}

impl ObjectionParts {
    /// The registration these fields describe.
    pub(crate) fn registration(&self) -> Result<Registration, Error> {
        let standing = Standing::from_code(self.standing.trim()).ok_or_else(|| {
            Error::InvalidRequest("standing 应为 subject（信用主体本人或法定代表人）或 agent（委托代理人）".into())
        })?;
        let channel = Channel::from_code(self.channel.trim()).ok_or_else(|| {
            let known: Vec<String> = Channel::ALL
                .iter()
                .map(|c| format!("{}（{}）", c.code(), c.label()))
                .collect();
            Error::InvalidRequest(format!("channel 应为 {}", known.join("、")))
        })?;
        Ok(
            Registration::new(&self.applicant, standing, channel, self.attachments.len())
                .map_err(RightsFailure::from)?,
        )
    }
}

/// The fields of an objection posted as multipart (the API's, or the
/// portal's and console's after their CSRF part): `record`, `reasons`,
/// `attachment` files (kept sealed as they arrive) and, when an official
/// is `registering` one filed elsewhere, `applicant`, `standing`, `channel`.
pub(crate) async fn objection_parts(
    state: &AppState,
    mut multipart: Multipart,
    registering: bool,
) -> Result<ObjectionParts, Error> {
    let mut parts = ObjectionParts::default();
    let mut record = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "record" => record = Some(number(field.text().await.map_err(multipart_error)?.trim(), "信息编号")?),
            "reasons" => parts.reasons = field.text().await.map_err(multipart_error)?,
            "applicant" if registering => parts.applicant = field.text().await.map_err(multipart_error)?,
            "standing" if registering => parts.standing = field.text().await.map_err(multipart_error)?,
            "channel" if registering => parts.channel = field.text().await.map_err(multipart_error)?,
            "attachment" => {
                let name = field.file_name().unwrap_or("证明材料").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if !bytes.is_empty() {
                    parts.attachments.push(state.rights.keep_proof(&name, bytes.as_ref())?);
                }
            }
            _ if registering => {
                return Err(Error::InvalidRequest(
                    "只能包含字段 record、reasons、applicant、standing、channel 和 attachment".into(),
                ));
            }
            _ => {
                return Err(Error::InvalidRequest(
                    "只能包含字段 record、reasons 和 attachment".into(),
                ));
            }
        }
    }
    parts.record = record.ok_or_else(|| Error::InvalidRequest("缺少字段 record（要提出异议的信息编号）".into()))?;
    Ok(parts)
}

/// The signed-in subject's objections.
#[utoipa::path(get, path = "/api/v1/me/objections", tag = "rights",
    responses((status = 200, body = [ObjectionOut]), (status = 401, body = crate::error::Problem)))]
pub(crate) async fn my_objections(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<ObjectionOut>>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    Ok(Json(desk.objections().await?.into_iter().map(Into::into).collect()))
}

/// Withdraws one of the signed-in subject's running objections.
#[utoipa::path(post, path = "/api/v1/me/objections/{id}/withdraw", tag = "rights",
    params(("id" = i64, Path, description = "异议编号")),
    responses((status = 200, body = ObjectionOut), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn withdraw_objection(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Json<ObjectionOut>, Error> {
    let desk = state.rights.subject_desk(&caller).await?;
    Ok(Json(desk.withdraw_objection(number(&id, "异议编号")?).await?.into()))
}

/// Objections: every one for the credit office, those on its own records for a department.
#[utoipa::path(get, path = "/api/v1/objections", tag = "rights", params(RepairParams),
    responses((status = 200, body = [ObjectionOut]), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn objections(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<RepairParams>,
) -> Result<Json<Vec<ObjectionOut>>, Error> {
    let open_only = params.open.unwrap_or(true);
    let found = state.rights.official_desk(&caller).await?.objections(open_only).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

/// A step on an objection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObjectionStepForm {
    /// `accept` or `refuse` (credit office), `uphold` or `reject` (the record's department).
    step: String,
    /// Reasons, required to refuse or reject.
    reasons: Option<String>,
    /// To uphold with a correction: item code → corrected value.
    #[schema(value_type = Option<Object>)]
    corrections: Option<std::collections::BTreeMap<String, String>>,
    /// To uphold by withdrawing the record.
    withdraw: Option<bool>,
}

/// Takes a step on an objection.
#[utoipa::path(post, path = "/api/v1/objections/{id}/steps", tag = "rights", request_body = ObjectionStepForm,
    params(("id" = i64, Path, description = "异议编号")),
    responses((status = 200, body = ObjectionOut), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub(crate) async fn objection_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
    JsonBody(form): JsonBody<ObjectionStepForm>,
) -> Result<Json<ObjectionOut>, Error> {
    let id = number(&id, "异议编号")?;
    let reasons = form.reasons.unwrap_or_default();
    let step = match form.step.as_str() {
        "accept" => ObjectionStep::Accept,
        "refuse" => ObjectionStep::Refuse(reasons),
        "reject" => ObjectionStep::Reject(reasons),
        "uphold" => match (form.corrections, form.withdraw) {
            (Some(changes), Some(true)) if !changes.is_empty() => {
                return Err(Error::InvalidRequest(
                    "更正（corrections）与撤销（withdraw）只能选择一种".into(),
                ));
            }
            (Some(changes), _) if !changes.is_empty() => {
                ObjectionStep::Uphold(Remedy::Correction(changes.into_iter().collect()))
            }
            (_, Some(true)) => ObjectionStep::Uphold(Remedy::Withdrawal),
            _ => {
                return Err(Error::InvalidRequest(
                    "认定异议成立时须给出更正内容（corrections）或撤销该信息（withdraw: true）".into(),
                ));
            }
        },
        _ => {
            return Err(Error::InvalidRequest(
                "step 应为 accept、refuse、uphold 或 reject".into(),
            ));
        }
    };
    let view = state
        .rights
        .official_desk(&caller)
        .await?
        .objection_step(id, step)
        .await?;
    Ok(Json(view.into()))
}
