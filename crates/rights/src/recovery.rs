//! Two steps the platform takes in two writes — a claim, then a record made
//! through the import pipeline — can be cut between them by a stop (a
//! crash, a kill): a breach finding without its record, an objection upheld
//! with a correction that was never linked. At start the platform looks at
//! such steps of the last days and finishes or gives back each, so that
//! nothing stays claimed without its record. Like the resumption of batch
//! checks, this assumes one serving process per database.

use serde_json::json;
use xinyong_access::Principal;
use xinyong_domain::rights::objection::Remedy;
use xinyong_store::{Commitment, Objection, ObjectionFilter, ObjectionUpdate};

use crate::commitments::{BREACH_TYPE, commitment_number};
use crate::objections::remedy_of;
use crate::service::today;
use crate::{Rights, RightsFailure};

/// How far back a start looks: a stop is followed by a start within days.
const LOOKBACK_DAYS: u64 = 7;

impl Rights {
    /// Finishes or gives back what a stop cut halfway in the last seven
    /// days; returns how many steps it settled. A
    /// commitment found broken with no current breach record (never made,
    /// or withdrawn on objection) waits for a finding again; an objection
    /// claimed for a correction is linked to the corrected version if the
    /// import was made (the record's current version is newer than the one
    /// objected to), and otherwise goes back to its department. One step
    /// that cannot be settled is logged and left; it does not stop the
    /// others, nor the start.
    pub async fn recover(&self) -> Result<usize, RightsFailure> {
        let since = today() - chrono::Days::new(LOOKBACK_DAYS);
        let principal = Principal::console("recovery");
        let store = &self.inner.store;
        let mut settled = 0;
        for commitment in store.broken_since(since).await? {
            match self.recover_finding(&principal, &commitment).await {
                Ok(done) => settled += usize::from(done),
                Err(error) => tracing::error!(commitment = commitment.id, %error, "a breach finding was not settled"),
            }
        }
        let closed = ObjectionFilter {
            closed_since: Some(since),
            ..ObjectionFilter::default()
        };
        for objection in store.objections(&closed).await? {
            match self.recover_correction(&principal, &objection).await {
                Ok(done) => settled += usize::from(done),
                Err(error) => tracing::error!(objection = objection.id, %error, "a correction was not settled"),
            }
        }
        Ok(settled)
    }

    /// Gives back a breach finding that has no current record.
    async fn recover_finding(&self, principal: &Principal, commitment: &Commitment) -> Result<bool, RightsFailure> {
        let store = &self.inner.store;
        let number = commitment_number(commitment.id);
        let subject = commitment.new.subject_id;
        let recorded = store
            .records_of_subject(subject, false)
            .await?
            .iter()
            .any(|r| r.key.record_type == BREACH_TYPE && r.key.doc_no == number);
        if recorded || !store.record_finding(commitment.id, "broken", None).await? {
            return Ok(false);
        }
        tracing::warn!(
            commitment = commitment.id,
            "a breach finding without its record was given back"
        );
        self.journal(
            principal,
            "commitment.recover",
            Some(subject),
            json!({ "commitment": commitment.id }),
        )
        .await?;
        Ok(true)
    }

    /// Links or gives back an objection claimed for a correction and never
    /// linked.
    async fn recover_correction(&self, principal: &Principal, objection: &Objection) -> Result<bool, RightsFailure> {
        let claimed = objection.status == "upheld"
            && objection.corrected_record.is_none()
            && matches!(
                remedy_of(objection.outcome.as_deref().unwrap_or("{}")),
                Remedy::Correction(_)
            );
        if !claimed {
            return Ok(false);
        }
        let store = &self.inner.store;
        let current = match store.record_by_id(objection.new.record_id).await? {
            Some(original) => store
                .records_of_subject(original.key.subject_id, false)
                .await?
                .into_iter()
                .find(|r| r.key == original.key),
            None => None,
        };
        let mut update = ObjectionUpdate {
            status: "upheld".into(),
            due_on: objection.due_on,
            accepted_on: None,
            closed_on: objection.closed_on,
            outcome: objection.outcome.clone(),
            corrected_record: None,
            withdraw_record: false,
        };
        match current.filter(|r| r.id != objection.new.record_id) {
            Some(corrected) => update.corrected_record = Some(corrected.id),
            None => {
                // Back with the department, by the deadline it had (the
                // claim cleared it: count it again from acceptance).
                let accepted = objection.accepted_on.unwrap_or(objection.new.filed_on);
                let days = self.inner.settings.objection_deadlines().decide_days;
                update.status = "reviewing".into();
                update.due_on = Some(self.inner.calendar.add_working_days(accepted, days)?);
                update.closed_on = None;
                update.outcome = None;
            }
        }
        if !store.update_objection(objection.id, "upheld", &update).await? {
            return Ok(false);
        }
        tracing::warn!(objection = objection.id, to = %update.status, "a correction cut halfway was settled");
        self.journal(
            principal,
            "objection.recover",
            Some(objection.new.subject_id),
            json!({ "objection": objection.id, "status": update.status, "corrected_record": update.corrected_record }),
        )
        .await?;
        Ok(true)
    }
}
