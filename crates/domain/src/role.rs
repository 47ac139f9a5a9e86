//! Who may act on the platform: the roles of signed-in accounts, and the
//! purposes a non-public read must name.

use std::fmt;

/// The role of a signed-in account. The public (公众) has no account, and
/// system clients authenticate with keys, not accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 信用主体: a company or person signed in for its own file.
    Subject,
    /// 数据提供单位操作员: uploads and answers for one department.
    Operator,
    /// 信用办审核员: the credit office's reviewers.
    Reviewer,
    /// 管理员: manages departments, accounts and keys.
    Admin,
    /// 审计员: reads and verifies the audit log.
    Auditor,
}

impl Role {
    /// Every role, in the order the console lists them.
    pub const ALL: [Self; 5] = [
        Self::Subject,
        Self::Operator,
        Self::Reviewer,
        Self::Admin,
        Self::Auditor,
    ];

    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Operator => "operator",
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Subject => "信用主体",
            Self::Operator => "数据提供单位操作员",
            Self::Reviewer => "信用办审核员",
            Self::Admin => "管理员",
            Self::Auditor => "审计员",
        }
    }

    /// Parses [`Role::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Roles of government staff, who may read shared (有条件共享) data
    /// for a stated purpose.
    pub fn is_government(self) -> bool {
        !matches!(self, Self::Subject)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A purpose of use (查询用途), from the configured list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Purpose {
    /// Code named in requests and keys (`xzsp`, `xyd` …).
    pub code: String,
    /// Chinese name (行政审批, 信易贷 …).
    pub name: String,
}

/// The purposes a platform starts with; configuration may replace them.
pub fn default_purposes() -> Vec<Purpose> {
    [
        ("xzsp", "行政审批"),
        ("ztb", "招标投标"),
        ("zfcg", "政府采购"),
        ("xyd", "信易贷"),
        ("zfjc", "执法检查"),
        ("pxpy", "评先评优"),
        ("czzj", "财政资金申报"),
        ("gzry", "公职人员招录"),
    ]
    .into_iter()
    .map(|(code, name)| Purpose {
        code: code.into(),
        name: name.into(),
    })
    .collect()
}

/// Whether `code` is well formed for a purpose: 1–32 lowercase ASCII
/// letters, digits or `_`.
pub fn is_purpose_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
        assert!(!Role::Subject.is_government());
        assert!(Role::Auditor.is_government());
    }

    #[test]
    fn default_purposes_are_well_formed_and_distinct() {
        let purposes = default_purposes();
        assert!(purposes.iter().all(|p| is_purpose_code(&p.code)));
        let mut codes: Vec<_> = purposes.iter().map(|p| &p.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), purposes.len());
        assert!(!is_purpose_code("Xyd"));
        assert!(!is_purpose_code(""));
    }
}
