//! The due-process workflows of a credit subject: objections (异议), credit
//! repair (信用修复) and credit commitments (信用承诺).
//!
//! Each workflow is a small state machine whose states are types: only a
//! state that allows a step has the method for it, so code cannot make an
//! illegal step. Requests from outside (the API, the console) name a step by
//! code; each workflow's `apply` maps the pair (state, step) onto those
//! methods and refuses every other pair with [`RightsError::Illegal`].

pub mod commitment;
pub mod objection;
pub mod repair;

use crate::calendar::CalendarError;

/// A workflow step that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RightsError {
    /// The step is not allowed in the current state.
    #[error("{workflow}当前状态为“{state}”，不能{step}")]
    Illegal {
        /// The workflow, in Chinese.
        workflow: &'static str,
        /// The current state's label.
        state: &'static str,
        /// The step asked for, in Chinese.
        step: &'static str,
    },
    /// The step lacks something it needs (reasons, materials …).
    #[error("{0}")]
    Incomplete(String),
    /// The subject may not take the step (not eligible, no standing).
    #[error("{0}")]
    NotAllowed(String),
    /// A deadline cannot be counted.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Text the step needs (reasons, a case number): trimmed, not empty.
pub fn required(text: &str, what: &str) -> Result<String, RightsError> {
    let text = text.trim();
    if text.is_empty() {
        Err(RightsError::Incomplete(format!("请填写{what}")))
    } else {
        Ok(text.to_owned())
    }
}

/// `text` if it is at most `max` characters and holds no control or
/// direction-changing characters (which would change how the signed text
/// reads without showing).
pub(crate) fn plain(text: &str, what: &str, max: usize) -> Result<String, RightsError> {
    if text.chars().count() > max {
        return Err(RightsError::Incomplete(format!("{what}不能超过{max}个字")));
    }
    let hidden = |c: char| {
        c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(hidden) {
        return Err(RightsError::Incomplete(format!("{what}含有不可见的控制字符")));
    }
    Ok(text.to_owned())
}
