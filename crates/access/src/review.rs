//! The review desk (信用办审核员, 管理员 and the console): name conflicts
//! that imports flagged, and how the office settles them.

use serde_json::json;
use xinyong_store::{NameDecision, NameFlag, Page, PageRequest};

use crate::{Access, AccessError, Principal};

/// What a reviewer may do.
#[derive(Debug)]
pub struct ReviewDesk {
    access: Access,
    principal: Principal,
}

impl ReviewDesk {
    pub(crate) fn new(access: Access, principal: Principal) -> Self {
        Self { access, principal }
    }

    /// Open name conflicts, oldest first.
    pub async fn flags(&self, page: &PageRequest) -> Result<Page<NameFlag>, AccessError> {
        Ok(self.access.store.name_flags(page).await?)
    }

    /// Settles one conflict; journaled with both names and the decision.
    pub async fn settle(&self, id: i64, decision: NameDecision) -> Result<NameFlag, AccessError> {
        let flag = self
            .access
            .store
            .resolve_name_flag(id, decision)
            .await?
            .ok_or_else(|| AccessError::NotFound("该名称冲突不存在或已处理".into()))?;
        self.access
            .journal
            .record(
                &self.principal,
                "subject.name_settled",
                Some(flag.subject_id),
                None,
                json!({
                    "flag": flag.id,
                    "decision": decision.code(),
                    "name": flag.subject_name,
                    "incoming": flag.incoming_name,
                }),
            )
            .await?;
        Ok(flag)
    }
}
