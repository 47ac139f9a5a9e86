//! [`Checks`]: hands a checking caller a [`CheckDesk`] and the credit office
//! a [`StatsDesk`]; holds the compiled measure book and the check log.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xinyong_access::{Access, AccessError, Caller, Principal};
use xinyong_crypto::Keys;
use xinyong_domain::audit::Event;
use xinyong_domain::date::china_date;
use xinyong_domain::id::{CitizenId, IdPolicy, mask_person_name};
use xinyong_domain::measures::{BookError, BookFiles, Fact, MeasureBook};
use xinyong_domain::publicity::PublicityWindow;
use xinyong_domain::subject::SubjectRef;
use xinyong_domain::visibility::{RecordFacts, Viewer, Visibility, decide, subject_name};
use xinyong_domain::{Nature, RecordType, Role, SubjectKey};
use xinyong_store::{
    Check, CheckStats, Feedback, FeedbackRefusal, NewCheck, Page, PageRequest, Store, StoredRecord, Subject,
};

use crate::answer::{AppliedMeasure, CheckAnswer, CheckedSubject, MatterRef, MeasureReason, RecordSummary};
use crate::log::CheckLog;
use crate::source::BookSource;

/// Check settings (`[checks]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckSettings {
    /// Hours after which a check that returned measures and got no feedback
    /// is overdue.
    pub feedback_hours: u32,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self { feedback_hours: 72 }
    }
}

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

/// The check service: one per platform, cheap to clone.
#[derive(Debug, Clone)]
pub struct Checks {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    access: Access,
    store: Arc<dyn Store>,
    keys: Arc<Keys>,
    policy: Arc<IdPolicy>,
    types: Vec<Arc<RecordType>>,
    book: RwLock<Arc<MeasureBook>>,
    source: BookSource,
    log: CheckLog,
    settings: CheckSettings,
}

/// Longest text accepted in a check or feedback field.
const MAX_TEXT: usize = 200;

impl Checks {
    /// The service over `store`, with the measure book from `source`
    /// compiled against the record `types`. Starts the check log writer:
    /// call inside the runtime.
    pub fn new(platform: CheckPlatform, source: BookSource, settings: CheckSettings) -> Result<Self, String> {
        let CheckPlatform {
            access,
            store,
            keys,
            policy,
            types,
        } = platform;
        let book = compile(&source.load()?, &types).map_err(|e| e.to_string())?;
        let log = CheckLog::spawn(Arc::clone(&store));
        Ok(Self {
            inner: Arc::new(Inner {
                access,
                store,
                keys,
                policy,
                types,
                book: RwLock::new(Arc::new(book)),
                source,
                log,
                settings,
            }),
        })
    }

    /// The measure book in force.
    pub fn book(&self) -> Arc<MeasureBook> {
        match self.inner.book.read() {
            Ok(book) => Arc::clone(&book),
            // A panic while swapping cannot leave a half-written Arc.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Re-reads the book's files, compiles them and puts the book in force
    /// (administrators and the console only). A broken book changes nothing.
    pub async fn reload(&self, principal: &Principal) -> Result<Arc<MeasureBook>, AccessError> {
        match &principal.caller {
            Caller::Console(_) => {}
            Caller::Account(account) if account.new.role == Role::Admin => {}
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => return Err(AccessError::Forbidden("只有管理员可以更新奖惩措施和规则".into())),
        }
        let files = self.inner.source.load().map_err(AccessError::Invalid)?;
        let book = Arc::new(compile(&files, &self.inner.types).map_err(|e| AccessError::Invalid(e.to_string()))?);
        let detail = json!({
            "book": book.digest(),
            "measures": book.measures().len(),
            "matters": book.matters().len(),
            "rules": book.rules().len(),
        });
        self.inner
            .access
            .journal()
            .record(principal, "measures.reload", None, None, detail)
            .await?;
        match self.inner.book.write() {
            Ok(mut slot) => *slot = Arc::clone(&book),
            Err(poisoned) => *poisoned.into_inner() = Arc::clone(&book),
        }
        Ok(book)
    }

    /// The desk a checking caller works at: system clients, department
    /// operators, the credit office's reviewers and administrators, and the
    /// console.
    pub fn desk(&self, principal: &Principal) -> Result<CheckDesk, AccessError> {
        let (client, department_id, purposes) = match &principal.caller {
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            Caller::Client(key) => (
                key.new.client.clone(),
                key.new.department_id,
                Some(key.new.purposes.clone()),
            ),
            Caller::Account(account) if matches!(account.new.role, Role::Operator | Role::Reviewer | Role::Admin) => (
                format!("account:{}", account.new.username),
                account.new.department_id,
                None,
            ),
            // Subjects do not check others; auditors watch checks, they do not make them.
            Caller::Account(_) => {
                return Err(AccessError::Forbidden("该账号不能发起信用核查".into()));
            }
            Caller::Console(user) => (format!("cli:{user}"), None, None),
        };
        Ok(CheckDesk {
            checks: self.clone(),
            principal: principal.clone(),
            client,
            department_id,
            purposes,
        })
    }

    /// The credit office's view of all checks: reviewers, administrators,
    /// auditors and the console.
    pub fn stats_desk(&self, principal: &Principal) -> Result<StatsDesk, AccessError> {
        match &principal.caller {
            Caller::Console(_) => {}
            Caller::Account(account) if matches!(account.new.role, Role::Reviewer | Role::Admin | Role::Auditor) => {}
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => {
                return Err(AccessError::Forbidden(
                    "只有信用办审核员、管理员和审计员可以查看核查统计".into(),
                ));
            }
        }
        Ok(StatsDesk { checks: self.clone() })
    }

    fn record_type(&self, code: &str) -> Option<&RecordType> {
        self.inner.types.iter().find(|t| t.code == code).map(AsRef::as_ref)
    }

    fn overdue_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::hours(i64::from(self.inner.settings.feedback_hours))
    }
}

/// What the check service needs of the platform.
#[derive(Debug, Clone)]
pub struct CheckPlatform {
    /// Who may do what.
    pub access: Access,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The keys persons' identities are hashed with.
    pub keys: Arc<Keys>,
    /// The identifier policy (allow-listed codes).
    pub policy: Arc<IdPolicy>,
    /// The record types of the catalogue.
    pub types: Vec<Arc<RecordType>>,
}

fn compile(files: &BookFiles, types: &[Arc<RecordType>]) -> Result<MeasureBook, BookError> {
    let types: Vec<&RecordType> = types.iter().map(AsRef::as_ref).collect();
    MeasureBook::compile(files, &types)
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
    client: String,
    department_id: Option<i64>,
    /// A key's purposes; `None` for staff and the console (any configured purpose).
    purposes: Option<Vec<String>>,
}

impl CheckDesk {
    /// Answers a check and logs it (with its audit entry) before returning.
    pub async fn check(&self, request: &CheckRequest, now: DateTime<Utc>) -> Result<CheckAnswer, AccessError> {
        let inner = &self.checks.inner;
        let purpose = match request.purpose.as_deref().map(str::trim) {
            None | Some("") => return Err(AccessError::PurposeRequired),
            Some(code) => inner.access.purpose(code)?.code.clone(),
        };
        if let Some(allowed) = &self.purposes
            && !allowed.contains(&purpose)
        {
            return Err(AccessError::PurposeNotAllowed(purpose));
        }
        let book = self.checks.book();
        let matter = book.matter(request.matter.trim()).ok_or_else(|| {
            AccessError::Invalid(format!(
                "未知的事项“{}”",
                request.matter.chars().take(40).collect::<String>()
            ))
        })?;
        let today = china_date(now);
        let (shown_code, subject) = self.resolve(&request.subject, today).await?;

        let records = match &subject {
            Some(subject) => inner.store.records_of_subject(subject.id, false).await?,
            None => Vec::new(),
        };
        let facts: Vec<RecordFact<'_>> = records.iter().map(RecordFact).collect();
        let category = subject.as_ref().map(|s| s.category);
        let applied = match category {
            Some(category) => book.evaluate(&matter.code, category, &facts, today).unwrap_or_default(),
            None => Vec::new(),
        };

        let viewer = Viewer::Official { authorised: false };
        let triggered: Vec<usize> = applied.iter().flat_map(|a| a.reasons.iter().map(|r| r.fact)).collect();
        let mut summaries = Vec::new();
        for (idx, record) in records.iter().enumerate() {
            let Some(record_type) = self.checks.record_type(&record.key.record_type) else {
                continue;
            };
            let in_force = record.publicity.covers(today);
            let relevant = (record_type.nature != Nature::Neutral && in_force) || triggered.contains(&idx);
            let facts = RecordFacts {
                record_type,
                publicity: &record.publicity,
                current: record.current,
                subject_category: record_subject_category(subject.as_ref()),
            };
            if !relevant || decide(&facts, viewer, today).record == Visibility::Hidden {
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
                        let type_name = self
                            .checks
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

        let check_id = format!(
            "ck{}",
            xinyong_crypto::random_hex(10).map_err(|e| AccessError::Internal(e.to_string()))?
        );
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
        let n_mandatory = answer.measures.iter().filter(|m| m.mandatory).count();
        let new = NewCheck {
            id: check_id.clone(),
            client: self.client.clone(),
            department_id: self.department_id,
            subject_id: subject.as_ref().map(|s| s.id),
            subject_shown: answer
                .subject
                .name
                .clone()
                .unwrap_or_else(|| answer.subject.code.clone()),
            matter: matter.code.clone(),
            purpose: purpose.clone(),
            checked_at: now,
            month: today.format("%Y-%m").to_string(),
            book: answer.book.clone(),
            n_measures: i32::try_from(answer.measures.len()).unwrap_or(i32::MAX),
            n_mandatory: i32::try_from(n_mandatory).unwrap_or(i32::MAX),
            answer: serde_json::to_string(&answer).map_err(|e| AccessError::Internal(e.to_string()))?,
        };
        // A check of a known subject is a read of its file: it shows in the
        // subject's own query log.
        let (action, detail) = match &subject {
            Some(_) => (
                "subject.read",
                json!({
                    "check": check_id,
                    "matter": matter.code,
                    "records": answer.records.iter().map(|r| r.id).collect::<Vec<_>>(),
                    "measures": answer.measures.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(),
                    "viewer": "official",
                }),
            ),
            None => (
                "check",
                json!({ "check": check_id, "matter": matter.code, "found": false }),
            ),
        };
        let event = Event {
            at: now,
            actor: self.principal.actor(),
            action: action.to_owned(),
            subject_id: new.subject_id,
            purpose: Some(purpose),
            detail: detail.to_string(),
            origin: self.principal.origin.clone(),
        };
        inner.log.write(new, event).await?;
        Ok(answer)
    }

    /// Finds the subject a check names; `None` if the platform has no file.
    async fn resolve(&self, text: &str, today: chrono::NaiveDate) -> Result<(String, Option<Subject>), AccessError> {
        let inner = &self.checks.inner;
        if text.chars().count() > 40 {
            return Err(AccessError::Invalid("主体代码过长".into()));
        }
        match SubjectRef::parse(text) {
            SubjectRef::Person(reference) => {
                let subject = inner.store.subject_by_ref(&reference).await?;
                Ok((reference, subject))
            }
            SubjectRef::Code(code) => {
                if let Ok(uscc) = inner.policy.parse_uscc(&code) {
                    let subject = inner.store.subject_by_uscc(uscc.as_str()).await?;
                    return Ok((uscc.as_str().to_owned(), subject));
                }
                if let Ok(id) = CitizenId::parse(&code, today) {
                    let key = SubjectKey::Citizen(id);
                    let identity = key.person_identity().unwrap_or_default();
                    let hash = inner.keys.keyed_hash(identity.as_bytes());
                    let subject = inner.store.subject_by_person_hash(&hash).await?;
                    return Ok((key.display_masked(), subject));
                }
                let verdict = inner.policy.classify(&code, today);
                let reason = verdict.problem.unwrap_or_default();
                Err(AccessError::Invalid(format!(
                    "主体代码不是有效的统一社会信用代码或公民身份号码：{reason}"
                )))
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
        let inner = &self.checks.inner;
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
            actor: self.principal.actor(),
            action: "check.feedback".into(),
            subject_id: check.new.subject_id,
            purpose: Some(check.new.purpose.clone()),
            detail: json!({ "check": id, "applied": feedback.applied, "outcome": feedback.outcome }).to_string(),
            origin: self.principal.origin.clone(),
        };
        match inner.store.record_feedback(id, &feedback, event).await? {
            Ok(check) => Ok(check),
            Err(FeedbackRefusal::AlreadyGiven) => Err(AccessError::Conflict("该核查已反馈，不能重复反馈".into())),
            Err(FeedbackRefusal::Unknown) => Err(AccessError::NotFound("核查记录不存在".into())),
        }
    }

    /// One of this caller's own checks.
    pub async fn own(&self, id: &str) -> Result<Check, AccessError> {
        let check = self
            .checks
            .inner
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
        Ok(self
            .checks
            .inner
            .store
            .overdue_checks(Some(&self.client), before, page)
            .await?)
    }
}

/// The credit office's view: statistics and every overdue check.
#[derive(Debug)]
pub struct StatsDesk {
    checks: Checks,
}

impl StatsDesk {
    /// Checks and measures applied per client and matter, for the months
    /// `from..=to` (`2026-01`).
    pub async fn stats(&self, from: &str, to: &str) -> Result<Vec<CheckStats>, AccessError> {
        for month in [from, to] {
            let valid =
                chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok() && month.len() == 7;
            if !valid {
                return Err(AccessError::Invalid(format!(
                    "月份“{}”格式应为YYYY-MM",
                    month.chars().take(20).collect::<String>()
                )));
            }
        }
        Ok(self.checks.inner.store.check_stats(from, to).await?)
    }

    /// Every client's checks that await feedback past the configured time.
    pub async fn overdue(&self, page: &PageRequest, now: DateTime<Utc>) -> Result<Page<Check>, AccessError> {
        let before = self.checks.overdue_before(now);
        Ok(self.checks.inner.store.overdue_checks(None, before, page).await?)
    }
}

fn record_subject_category(subject: Option<&Subject>) -> xinyong_domain::SubjectCategory {
    subject.map_or(xinyong_domain::SubjectCategory::Organisation, |s| s.category)
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
    let name = match subject_name(subject.category, viewer) {
        Visibility::Full => subject.name.clone(),
        _ => mask_person_name(&subject.name),
    };
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
