//! [`CheckDesk`]: what a checking caller may do — check a subject in a
//! matter, give feedback on its own checks, list its overdue checks.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde::Deserialize;
use serde_json::json;
use xinyong_access::{AccessError, Principal};
use xinyong_domain::audit::Event;
use xinyong_domain::date::china_date;
use xinyong_domain::id::{CitizenId, Uscc};
use xinyong_domain::measures::{Applied, Fact, Matter, MeasureBook};
use xinyong_domain::publicity::PublicityWindow;
use xinyong_domain::subject::SubjectRef;
use xinyong_domain::visibility::{RecordFacts, Viewer, Visibility, decide, shown_name};
use xinyong_domain::{Nature, SubjectKey};
use xinyong_store::{
    Check, CheckLookup, CheckedFile, Feedback, FeedbackRefusal, NewCheck, Page, PageRequest, StoredRecord, Subject,
};

use crate::Checks;
use crate::answer::{AppliedMeasure, CheckAnswer, CheckedSubject, MatterRef, MeasureReason, RecordSummary};

/// How a check names its subject.
pub(crate) enum Named {
    /// The platform's reference of a person.
    Reference(String),
    /// A code, an ID number, or (rarely) a text valid as both.
    Code {
        /// Valid as a 统一社会信用代码.
        uscc: Option<Uscc>,
        /// Valid as a 公民身份号码.
        person: Option<SubjectKey>,
    },
}

/// Longest text accepted in a check or feedback field.
const MAX_TEXT: usize = 200;

/// A check as a caller asks it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// 统一社会信用代码, 公民身份号码, or the platform's person reference.
    pub subject: String,
    /// 事项 code.
    pub matter: String,
    /// 查询用途 code; required.
    pub purpose: Option<String>,
}

/// Feedback as a caller gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// Codes of the measures applied (each one the check returned).
    #[serde(default)]
    pub applied: Vec<String>,
    /// The outcome (不予受理, 限制参与, 正常办理 …).
    pub outcome: String,
    /// The caller's own case number.
    pub case_no: Option<String>,
}

/// A new check's identifier: `ck`, the time of the check (microseconds,
/// 14 hex digits) and 80 random bits. Random, so that identifiers reveal
/// no volumes; led by the time, so that the log's unique index grows at its
/// right edge (a random key made every check dirty a random page of it,
/// one more page written to the log per check).
fn check_id(now: DateTime<Utc>) -> Result<String, AccessError> {
    let random = xinyong_crypto::random_hex(10).map_err(|e| AccessError::Internal(e.to_string()))?;
    let micros = u64::try_from(now.timestamp_micros()).unwrap_or_default();
    Ok(format!("ck{micros:014x}{random}"))
}

/// A stored record as the rules see it.
struct RecordFact<'a>(&'a StoredRecord);

impl Fact for RecordFact<'_> {
    fn record_type(&self) -> &str {
        &self.0.key.record_type
    }
    fn decision_date(&self) -> chrono::NaiveDate {
        self.0.decision_date
    }
    fn window(&self) -> &PublicityWindow {
        &self.0.publicity
    }
    fn value(&self, key: &str) -> Option<&str> {
        self.0.payload.get(key).and_then(|v| v.as_str())
    }
}

/// What a checking caller may do: check, give feedback on its own checks,
/// see its own checks and which of them are overdue.
#[derive(Debug)]
pub struct CheckDesk {
    checks: Checks,
    principal: Principal,
    /// How the audit log names the checks made here: the caller, or the
    /// batch a check belongs to (whose start names the caller).
    actor: String,
    /// The owner of its checks (`key:…`, `account:…`, `cli:…`).
    client: String,
    department_id: Option<i64>,
}

impl CheckDesk {
    pub(crate) fn new(checks: Checks, principal: Principal, client: String, department_id: Option<i64>) -> Self {
        Self {
            checks,
            actor: principal.actor(),
            principal,
            client,
            department_id,
        }
    }

    pub(crate) fn checks(&self) -> &Checks {
        &self.checks
    }

    pub(crate) fn principal(&self) -> &Principal {
        &self.principal
    }

    pub(crate) fn client(&self) -> &str {
        &self.client
    }

    pub(crate) fn department_id(&self) -> Option<i64> {
        self.department_id
    }

    pub(crate) fn set_actor(&mut self, actor: String) {
        self.actor = actor;
    }

    /// Answers a check and logs it (with its audit entry) before returning.
    pub async fn check(&self, request: &CheckRequest, now: DateTime<Utc>) -> Result<CheckAnswer, AccessError> {
        self.check_in(request, now, None).await
    }

    /// The purpose and matter of a check, as the caller may state them: a
    /// purpose is required, configured, allowed to the caller's key, and
    /// the matter's own.
    pub(crate) fn purpose_and_matter(
        &self,
        book: &MeasureBook,
        purpose: Option<&str>,
        matter: &str,
    ) -> Result<(String, Matter), AccessError> {
        let purpose = match purpose.map(str::trim) {
            None | Some("") => return Err(AccessError::PurposeRequired),
            Some(code) => self.checks.inner().access.stated_purpose(&self.principal, code)?,
        };
        let matter = book.matter(matter.trim()).ok_or_else(|| {
            AccessError::Invalid(format!("未知的事项“{}”", matter.chars().take(40).collect::<String>()))
        })?;
        // A check is purpose-bound: the purpose must be the matter's, so
        // that the log and the statistics say truly why it was made.
        if let Some(expected) = &matter.purpose
            && *expected != purpose
        {
            return Err(AccessError::Invalid(format!(
                "事项“{}”的查询用途应为“{expected}”",
                matter.name
            )));
        }
        Ok((purpose, matter.clone()))
    }

    /// A check, made alone or as row `batch.1` of batch `batch.0`.
    pub(crate) async fn check_in(
        &self,
        request: &CheckRequest,
        now: DateTime<Utc>,
        batch: Option<(i64, i32)>,
    ) -> Result<CheckAnswer, AccessError> {
        // Stored to the microsecond: the answer says exactly what is stored.
        let now = now.trunc_subsecs(6);
        let inner = self.checks.inner();
        let book = self.checks.book();
        let (purpose, matter) = self.purpose_and_matter(&book, request.purpose.as_deref(), &request.matter)?;
        let today = china_date(now);
        let (shown_code, file) = self.resolve(&request.subject, &book, today).await?;
        let (subject, records, disputed) = match file {
            Some(file) => (Some(file.subject), file.records, file.under_objection),
            None => (None, Vec::new(), Vec::new()),
        };

        let viewer = Viewer::Official { authorised: false };
        // Only what the caller may see counts: a measure never rests on a
        // record its answer could not show.
        let records: Vec<StoredRecord> = match &subject {
            Some(subject) => {
                let category = subject.category;
                records
                    .into_iter()
                    .filter(|record| {
                        self.checks
                            .record_type(&record.key.record_type)
                            .is_some_and(|record_type| {
                                let facts = RecordFacts {
                                    record_type,
                                    publicity: &record.publicity,
                                    current: record.current,
                                    subject_category: category,
                                    repaired: record.repaired_on.is_some(),
                                };
                                decide(&facts, viewer, today).record != Visibility::Hidden
                            })
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let facts: Vec<RecordFact<'_>> = records.iter().map(RecordFact).collect();
        let applied = match &subject {
            Some(subject) => book
                .evaluate(&matter.code, subject.category, &facts, today)
                .unwrap_or_default(),
            None => Vec::new(),
        };

        let (mut summaries, measures) = summarise(&self.checks, &records, &applied, today);
        // A record whose objection runs is marked in the answer as on every
        // page (the checking department weighs it).
        for summary in &mut summaries {
            summary.under_objection = disputed.contains(&summary.id);
        }

        let check_id = check_id(now)?;
        let answer = CheckAnswer {
            check_id: check_id.clone(),
            subject: checked_subject(shown_code, subject.as_ref(), viewer),
            matter: MatterRef {
                code: matter.code.clone(),
                name: matter.name.clone(),
            },
            purpose: purpose.clone(),
            records: summaries,
            measures,
            checked_at: now,
            book: book.digest().to_owned(),
        };
        let (new, event) = self.log_entry(&answer, subject.as_ref(), today, batch)?;
        inner.access.journal().record_check(new, event).await?;
        Ok(answer)
    }

    /// The stored check and its audit entry. A check of a known subject is
    /// a read of its file: it shows in the subject's own query log.
    fn log_entry(
        &self,
        answer: &CheckAnswer,
        subject: Option<&Subject>,
        today: NaiveDate,
        batch: Option<(i64, i32)>,
    ) -> Result<(NewCheck, Event), AccessError> {
        let n_mandatory = answer.measures.iter().filter(|m| m.mandatory).count();
        let new = NewCheck {
            id: answer.check_id.clone(),
            client: self.client.clone(),
            department_id: self.department_id,
            subject_id: subject.map(|s| s.id),
            subject_shown: answer
                .subject
                .name
                .clone()
                .unwrap_or_else(|| answer.subject.code.clone()),
            matter: answer.matter.code.clone(),
            purpose: answer.purpose.clone(),
            checked_at: answer.checked_at,
            month: today.format("%Y-%m").to_string(),
            book: answer.book.clone(),
            n_measures: i32::try_from(answer.measures.len()).unwrap_or(i32::MAX),
            n_mandatory: i32::try_from(n_mandatory).unwrap_or(i32::MAX),
            answer: serde_json::to_string(answer).map_err(|e| AccessError::Internal(e.to_string()))?,
            batch,
        };
        let (action, detail) = match subject {
            Some(_) => (
                "subject.read",
                json!({
                    "check": answer.check_id,
                    "matter": answer.matter.code,
                    "records": answer.records.iter().map(|r| r.id).collect::<Vec<_>>(),
                    "measures": answer.measures.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(),
                    "viewer": "official",
                }),
            ),
            None => (
                "check",
                json!({ "check": answer.check_id, "matter": answer.matter.code, "found": false }),
            ),
        };
        let event = Event {
            at: answer.checked_at,
            actor: self.actor.clone(),
            action: action.to_owned(),
            subject_id: new.subject_id,
            purpose: Some(answer.purpose.clone()),
            detail: detail.to_string(),
            origin: self.principal.origin.clone(),
        };
        Ok((new, event))
    }

    /// Finds the subject a check names and reads its file, in one call,
    /// with the record items `book`'s rules test; `None` if the platform
    /// has no file. Also gives the subject as the answer names it.
    async fn resolve(
        &self,
        text: &str,
        book: &MeasureBook,
        today: NaiveDate,
    ) -> Result<(String, Option<CheckedFile>), AccessError> {
        let inner = self.checks.inner();
        // How the answer names the subject unless its code found it.
        let (lookups, shown) = match self.name_of(text, today)? {
            Named::Reference(reference) => (vec![CheckLookup::Reference(reference.clone())], reference),
            Named::Code { uscc, person } => {
                // Some citizen ID numbers are also valid codes (their digits
                // pass both check characters): such a text is looked up as
                // a person first, and never echoed whole.
                let mut lookups = Vec::with_capacity(2);
                let mut shown = String::new();
                if let Some(key) = &person {
                    let identity = key.person_identity().unwrap_or_default();
                    lookups.push(CheckLookup::Person(inner.keys.keyed_hash(identity.as_bytes())));
                    shown = key.display_masked();
                }
                if let Some(code) = uscc {
                    if person.is_none() {
                        shown = code.as_str().to_owned();
                    }
                    lookups.push(CheckLookup::Uscc(code.as_str().to_owned()));
                }
                (lookups, shown)
            }
        };
        let file = inner.store.file_for_check(&lookups, book.items()).await?;
        let shown = match file.as_ref().map(|file| &lookups[file.found_by]) {
            Some(CheckLookup::Uscc(code)) => code.clone(),
            _ => shown,
        };
        Ok((shown, file))
    }

    /// Reads how a check names its subject, for form only: a person
    /// reference, or a text valid as a code, an ID number, or both.
    pub(crate) fn name_of(&self, text: &str, today: NaiveDate) -> Result<Named, AccessError> {
        if text.chars().count() > 40 {
            return Err(AccessError::Invalid("主体代码过长".into()));
        }
        match SubjectRef::parse(text) {
            SubjectRef::Person(reference) => Ok(Named::Reference(reference)),
            SubjectRef::Code(code) => {
                let policy = &self.checks.inner().policy;
                let uscc = policy.parse_uscc(&code).ok();
                let person = CitizenId::parse(&code, today).ok().map(SubjectKey::Citizen);
                if uscc.is_none() && person.is_none() {
                    let reason = policy.classify(&code, today).problem.unwrap_or_default();
                    return Err(AccessError::Invalid(format!(
                        "主体代码不是有效的统一社会信用代码或公民身份号码：{reason}"
                    )));
                }
                Ok(Named::Code { uscc, person })
            }
        }
    }

    /// Records feedback on one of this caller's own checks.
    pub async fn feedback(
        &self,
        id: &str,
        request: &FeedbackRequest,
        now: DateTime<Utc>,
    ) -> Result<Check, AccessError> {
        let inner = self.checks.inner();
        let check = self.own(id).await?;
        let outcome = request.outcome.trim();
        if outcome.is_empty() || outcome.chars().count() > MAX_TEXT {
            return Err(AccessError::Invalid(format!(
                "outcome（办理结果）必填，且不超过{MAX_TEXT}个字符"
            )));
        }
        let case_no = request.case_no.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if case_no.is_some_and(|c| c.chars().count() > MAX_TEXT) {
            return Err(AccessError::Invalid(format!(
                "case_no（案件编号）不超过{MAX_TEXT}个字符"
            )));
        }
        let answer: CheckAnswer =
            serde_json::from_str(&check.new.answer).map_err(|e| AccessError::Internal(format!("check {id}: {e}")))?;
        let mut applied = Vec::new();
        for code in &request.applied {
            if !answer.measures.iter().any(|m| &m.code == code) {
                return Err(AccessError::Invalid(format!(
                    "措施“{}”不在本次核查返回的措施中",
                    code.chars().take(40).collect::<String>()
                )));
            }
            if !applied.contains(code) {
                applied.push(code.clone());
            }
        }
        let feedback = Feedback {
            applied,
            outcome: outcome.to_owned(),
            case_no: case_no.map(str::to_owned),
            at: now,
        };
        let event = Event {
            at: now,
            actor: self.actor.clone(),
            action: "check.feedback".into(),
            subject_id: check.new.subject_id,
            purpose: Some(check.new.purpose.clone()),
            detail: json!({ "check": id, "applied": feedback.applied, "outcome": feedback.outcome }).to_string(),
            origin: self.principal.origin.clone(),
        };
        inner.access.journal().settled().await;
        match inner.store.record_feedback(id, &feedback, event).await? {
            Ok(check) => Ok(check),
            Err(FeedbackRefusal::AlreadyGiven) => Err(AccessError::Conflict("该核查已反馈，不能重复反馈".into())),
            Err(FeedbackRefusal::Unknown) => Err(AccessError::NotFound("核查记录不存在".into())),
        }
    }

    /// One of this caller's own checks.
    pub async fn own(&self, id: &str) -> Result<Check, AccessError> {
        self.checks.inner().access.journal().settled().await;
        let check = self
            .checks
            .inner()
            .store
            .check(id)
            .await?
            .ok_or_else(|| AccessError::NotFound("核查记录不存在".into()))?;
        if check.new.client != self.client {
            return Err(AccessError::Forbidden("只能查看和反馈本系统发起的核查".into()));
        }
        Ok(check)
    }

    /// This caller's checks that await feedback past the configured time.
    pub async fn overdue(&self, page: &PageRequest, now: DateTime<Utc>) -> Result<Page<Check>, AccessError> {
        let before = self.checks.overdue_before(now);
        self.checks.inner().access.journal().settled().await;
        Ok(self
            .checks
            .inner()
            .store
            .overdue_checks(Some(&self.client), before, page)
            .await?)
    }
}

/// The records that matter (lists and adverse or positive records in
/// force, and any record that triggered a measure) and the measures with
/// their reasons, as the answer shows them.
fn summarise(
    checks: &Checks,
    records: &[StoredRecord],
    applied: &[Applied<'_>],
    today: NaiveDate,
) -> (Vec<RecordSummary>, Vec<AppliedMeasure>) {
    let triggered: Vec<usize> = applied.iter().flat_map(|a| a.reasons.iter().map(|r| r.fact)).collect();
    let mut summaries = Vec::new();
    for (idx, record) in records.iter().enumerate() {
        let Some(record_type) = checks.record_type(&record.key.record_type) else {
            continue;
        };
        let in_force = record.publicity.is_public_on(today);
        if !((record_type.nature != Nature::Neutral && in_force) || triggered.contains(&idx)) {
            continue;
        }
        summaries.push(RecordSummary {
            id: record.id,
            record_type: record_type.code.clone(),
            type_name: record_type.name.clone(),
            nature: record_type.nature.label().to_owned(),
            doc_no: record.key.doc_no.clone(),
            decided_on: record.decision_date,
            authority: record.authority.clone(),
            source: record.source.clone(),
            severity: record.publicity.severity.map(|s| s.label().to_owned()),
            until: record.publicity.until,
            in_force,
            under_objection: false,
        });
    }
    let measures: Vec<AppliedMeasure> = applied
        .iter()
        .map(|a| AppliedMeasure {
            code: a.measure.code.clone(),
            name: a.measure.name.clone(),
            kind: a.measure.kind.label().to_owned(),
            category: a.measure.category.clone(),
            mandatory: a.measure.mandatory,
            basis: a.measure.basis.clone(),
            departments: a.measure.departments.clone(),
            reasons: a
                .reasons
                .iter()
                .map(|r| {
                    let record = &records[r.fact];
                    let type_name = checks
                        .record_type(&record.key.record_type)
                        .map_or(record.key.record_type.as_str(), |t| t.name.as_str());
                    MeasureReason {
                        rule: r.rule.code.clone(),
                        rule_name: r.rule.name.clone(),
                        basis: r.rule.basis.clone(),
                        record_id: record.id,
                        record: format!("{type_name}（{}）", record.key.doc_no),
                    }
                })
                .collect(),
        })
        .collect();

    (summaries, measures)
}

fn checked_subject(code: String, subject: Option<&Subject>, viewer: Viewer) -> CheckedSubject {
    let Some(subject) = subject else {
        return CheckedSubject {
            found: false,
            code,
            name: None,
            category: None,
            reference: None,
        };
    };
    let name = shown_name(&subject.name, subject.category, viewer);
    CheckedSubject {
        found: true,
        code: subject
            .uscc
            .clone()
            .or_else(|| subject.id_masked.clone())
            .unwrap_or(code),
        name: Some(name),
        category: Some(subject.category.label().to_owned()),
        reference: Some(
            subject
                .uscc
                .clone()
                .or_else(|| subject.person_ref.clone())
                .unwrap_or_default(),
        ),
    }
}
