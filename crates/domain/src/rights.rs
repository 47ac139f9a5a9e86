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

/// The longest text a step takes (reasons, a note): the forms' limit, and
/// the 违诺情形 item's in the catalogue.
pub const MAX_TEXT: usize = 2000;

/// Text the step needs (reasons, a case number): trimmed, not empty, at
/// most [`MAX_TEXT`] characters.
pub fn required(text: &str, what: &str) -> Result<String, RightsError> {
    let text = text.trim();
    if text.is_empty() {
        Err(RightsError::Incomplete(format!("请填写{what}")))
    } else if text.chars().count() > MAX_TEXT {
        Err(RightsError::Incomplete(format!("{what}不能超过{MAX_TEXT}个字")))
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

#[cfg(test)]
mod tests {
    use super::{MAX_TEXT, RightsError, required};

    #[test]
    fn required_text_is_trimmed_present_and_bounded() {
        assert_eq!(required("  理由 ", "理由"), Ok("理由".to_owned()));
        assert_eq!(
            required(" \n ", "异议理由"),
            Err(RightsError::Incomplete("请填写异议理由".into()))
        );
        assert!(required(&"字".repeat(MAX_TEXT), "理由").is_ok());
        assert_eq!(
            required(&"字".repeat(MAX_TEXT + 1), "理由"),
            Err(RightsError::Incomplete("理由不能超过2000个字".into()))
        );
    }
}
