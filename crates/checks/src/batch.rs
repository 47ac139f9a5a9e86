//! Batch checks: a list of subjects checked in one matter (评先评优 and
//! 招标 reviews check whole lists). The list is kept sealed (it may hold ID
//! numbers); the checks run one after another in the background, each
//! logged and audited like a single check and numbered by its row, so that
//! progress is the number of rows done and a restart resumes after them.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use xinyong_access::{AccessError, Principal};
use xinyong_domain::date::china_date;
use xinyong_store::{CheckBatch, CheckBatchStatus, NewCheckBatch};

use crate::Checks;
use crate::answer::CheckAnswer;
use crate::desk::{CheckDesk, CheckRequest};

/// Most subjects in one batch.
pub const MAX_BATCH: usize = 10_000;

/// A batch check as a caller asks it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 事项 code.
    pub matter: String,
    /// 查询用途 code; required.
    pub purpose: Option<String>,
    /// The subjects: 统一社会信用代码, 公民身份号码 or person references.
    pub subjects: Vec<String>,
}

impl CheckDesk {
    /// Starts a batch check: every subject code is checked for form first
    /// (a bad one refuses the whole batch, naming its rows), the list is
    /// sealed and stored, and the checks run in the background.
    pub async fn start_batch(&self, request: &BatchRequest, now: DateTime<Utc>) -> Result<CheckBatch, AccessError> {
        let inner = self.checks().inner();
        let book = self.checks().book();
        let (purpose, matter) = self.purpose_and_matter(&book, request.purpose.as_deref(), &request.matter)?;
        if request.subjects.is_empty() || request.subjects.len() > MAX_BATCH {
            return Err(AccessError::Invalid(format!("subjects 须列出1到{MAX_BATCH}个主体")));
        }
        let today = china_date(now);
        let subjects: Vec<String> = request.subjects.iter().map(|s| s.trim().to_owned()).collect();
        let bad: Vec<String> = subjects
            .iter()
            .enumerate()
            .filter(|(_, code)| self.name_of(code, today).is_err())
            .map(|(idx, _)| format!("第{}行", idx + 1))
            .collect();
        if !bad.is_empty() {
            let shown: Vec<&str> = bad.iter().take(20).map(String::as_str).collect();
            return Err(AccessError::Invalid(format!(
                "{}个主体代码不是有效的统一社会信用代码、公民身份号码或主体编号：{}{}",
                bad.len(),
                shown.join("、"),
                if bad.len() > shown.len() { "等" } else { "" }
            )));
        }
        let list = serde_json::to_vec(&subjects).map_err(|e| AccessError::Internal(e.to_string()))?;
        let sealed = inner
            .keys
            .seal(&list)
            .map_err(|e| AccessError::Internal(e.to_string()))?;
        let batch = inner
            .store
            .create_check_batch(&NewCheckBatch {
                client: self.client().to_owned(),
                department_id: self.department_id(),
                matter: matter.code.clone(),
                purpose: purpose.clone(),
                total: i32::try_from(subjects.len()).unwrap_or(i32::MAX),
                subjects_sealed: sealed,
                created_at: now,
            })
            .await?;
        let detail = json!({ "batch": batch.id, "matter": matter.code, "total": subjects.len() });
        inner
            .access
            .journal()
            .record(self.principal(), "check.batch", None, Some(&purpose), detail)
            .await?;
        tokio::spawn(run(self.checks().clone(), batch.clone(), subjects));
        Ok(batch)
    }

    /// One of this caller's own batches, with its progress.
    pub async fn batch(&self, id: i64) -> Result<CheckBatch, AccessError> {
        self.checks().inner().access.journal().settled().await;
        let batch = self
            .checks()
            .inner()
            .store
            .check_batch(id)
            .await?
            .ok_or_else(|| AccessError::NotFound("批量核查不存在".into()))?;
        if batch.new.client != self.client() {
            return Err(AccessError::Forbidden("只能查看本系统发起的批量核查".into()));
        }
        Ok(batch)
    }

    /// The answers of one of this caller's own batches, by row.
    pub async fn batch_answers(&self, id: i64) -> Result<(CheckBatch, Vec<CheckAnswer>), AccessError> {
        let batch = self.batch(id).await?;
        let checks = self.checks().inner().store.batch_checks(id).await?;
        let answers = checks
            .iter()
            .map(|check| {
                serde_json::from_str(&check.new.answer)
                    .map_err(|e| AccessError::Internal(format!("check {}: {e}", check.new.id)))
            })
            .collect::<Result<_, _>>()?;
        Ok((batch, answers))
    }
}

impl Checks {
    /// Resumes the batches a stop interrupted (call once, at serve start).
    pub async fn resume_batches(&self) -> Result<usize, AccessError> {
        let running = self.inner().store.running_check_batches().await?;
        let n = running.len();
        for batch in running {
            let opened = self
                .inner()
                .keys
                .open(&batch.new.subjects_sealed)
                .map_err(|e| AccessError::Internal(format!("batch {}: {e}", batch.id)))?;
            let subjects: Vec<String> = serde_json::from_slice(&opened)
                .map_err(|e| AccessError::Internal(format!("batch {}: {e}", batch.id)))?;
            tokio::spawn(run(self.clone(), batch, subjects));
        }
        Ok(n)
    }
}

/// Checks the rows after those already done, then ends the batch.
async fn run(checks: Checks, batch: CheckBatch, subjects: Vec<String>) {
    let desk = CheckDesk::for_batch(checks.clone(), &batch);
    let mut status = CheckBatchStatus::Done;
    for (idx, subject) in subjects
        .iter()
        .enumerate()
        .skip(usize::try_from(batch.done).unwrap_or(0))
    {
        let request = CheckRequest {
            subject: subject.clone(),
            matter: batch.new.matter.clone(),
            purpose: Some(batch.new.purpose.clone()),
        };
        let row = i32::try_from(idx + 1).unwrap_or(i32::MAX);
        if let Err(error) = desk.check_in(&request, Utc::now(), Some((batch.id, row))).await {
            if checks.inner().access.journal().spool().is_closed() {
                // The process is stopping: the batch stays running and
                // resumes at the next start.
                return;
            }
            tracing::error!(batch = batch.id, row, %error, "batch check stopped");
            status = CheckBatchStatus::Failed;
            break;
        }
    }
    // The batch ends once its checks are in the database, not just spooled.
    checks.inner().access.journal().settled().await;
    if let Err(error) = checks
        .inner()
        .store
        .finish_check_batch(batch.id, status, Utc::now())
        .await
    {
        tracing::error!(batch = batch.id, %error, "batch check could not be closed; it resumes at the next start");
    }
}

impl CheckDesk {
    /// The desk a batch's checks are made at: the batch's owner, named in
    /// the audit log as the batch (whose start names the caller).
    fn for_batch(checks: Checks, batch: &CheckBatch) -> Self {
        let principal = Principal::console(format!("batch:{}", batch.id));
        let mut desk = CheckDesk::new(checks, principal, batch.new.client.clone(), batch.new.department_id);
        desk.set_actor(format!("batch:{}:{}", batch.id, batch.new.client));
        desk
    }
}
