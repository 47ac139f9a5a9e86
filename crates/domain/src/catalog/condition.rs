//! Conditions between data items: "required when 行政相对人类别 is 自然人",
//! "class 轻微 when 处罚类别 is only 警告 or 通报批评".

use super::FieldIdx;

/// A test on the (canonical) value or values of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The field tested.
    pub field: FieldIdx,
    /// What its values must satisfy.
    pub test: ConditionTest,
}

/// How a field's values are tested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionTest {
    /// At least one value is in the list.
    AnyOf(Vec<String>),
    /// There is at least one value and every value is in the list.
    Only(Vec<String>),
}

impl Condition {
    /// Whether `values` (the field's canonical values, empty if absent)
    /// satisfy the condition.
    pub fn holds(&self, values: &[&str]) -> bool {
        match &self.test {
            ConditionTest::AnyOf(list) => values.iter().any(|v| list.iter().any(|l| l == v)),
            ConditionTest::Only(list) => !values.is_empty() && values.iter().all(|v| list.iter().any(|l| l == v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Condition, ConditionTest};
    use crate::catalog::FieldIdx;

    #[test]
    fn any_of_and_only() {
        let list = vec!["警告".to_owned(), "通报批评".to_owned()];
        let any = Condition {
            field: FieldIdx(0),
            test: ConditionTest::AnyOf(list.clone()),
        };
        let only = Condition {
            field: FieldIdx(0),
            test: ConditionTest::Only(list),
        };
        assert!(any.holds(&["罚款", "警告"]));
        assert!(!only.holds(&["罚款", "警告"]));
        assert!(only.holds(&["警告"]));
        assert!(!only.holds(&[]));
        assert!(!any.holds(&[]));
    }
}
