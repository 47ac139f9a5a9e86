//! Credit commitments (信用承诺): a subject signs one of the platform's
//! commitment texts for a matter; a department later records whether it
//! was kept. A breach becomes a negative record (违背信用承诺信息) through
//! the normal import pipeline, made by the platform as the finding
//! department's batch; this module keeps the commitment's own life.
//!
//! The kinds and their texts are data (`catalog/commitments.toml`). The
//! signed text is kept with its SM3 digest, so a later change of the
//! template never changes what a subject signed.

use chrono::NaiveDate;
use serde::Deserialize;
use sm3::{Digest, Sm3};

use super::{RightsError, plain, required};

/// A kind of commitment the platform offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentKind {
    /// Stable code (`gzcn`).
    pub code: String,
    /// Chinese name (审批替代型（告知承诺）).
    pub name: String,
    /// Whether signed commitments of this kind are published.
    pub public: bool,
    /// Whether their matter is published with them (not for repair
    /// commitments, whose matter names the record being repaired).
    #[serde(default = "published_by_default")]
    pub public_matter: bool,
    /// The rule that provides for it.
    pub basis: String,
    /// The text, with `{subject}`, `{code}`, `{matter}` and `{date}`.
    pub template: String,
}

fn published_by_default() -> bool {
    true
}

/// The commitment kinds, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentBook {
    kinds: Vec<CommitmentKind>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookFile {
    kind: Vec<CommitmentKind>,
}

/// The placeholders a template may use.
const PLACEHOLDERS: [&str; 4] = ["{subject}", "{code}", "{matter}", "{date}"];

/// The built-in commitment kinds.
pub fn builtin_text() -> &'static str {
    include_str!("../../../../catalog/commitments.toml")
}

impl CommitmentBook {
    /// Parses the kinds; each code once, each template naming the subject and
    /// the date, and no unknown placeholder.
    pub fn parse(text: &str) -> Result<Self, RightsError> {
        let file: BookFile = toml::from_str(text)
            .map_err(|e| RightsError::Incomplete(format!("承诺类型文件格式有误：{}", e.message())))?;
        for (n, kind) in file.kind.iter().enumerate() {
            if file.kind[..n].iter().any(|k| k.code == kind.code) {
                return Err(RightsError::Incomplete(format!("承诺类型代码 {} 重复", kind.code)));
            }
            for needed in ["{subject}", "{date}"] {
                if !kind.template.contains(needed) {
                    return Err(RightsError::Incomplete(format!(
                        "承诺类型 {} 的文本缺少 {needed}",
                        kind.code
                    )));
                }
            }
            let mut rest = kind.template.clone();
            for placeholder in PLACEHOLDERS {
                rest = rest.replace(placeholder, "");
            }
            if rest.contains('{') || rest.contains('}') {
                return Err(RightsError::Incomplete(format!(
                    "承诺类型 {} 的文本含有未知占位符",
                    kind.code
                )));
            }
        }
        Ok(Self { kinds: file.kind })
    }

    /// The kind with this code.
    pub fn kind(&self, code: &str) -> Option<&CommitmentKind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// Whether the matter of a commitment of kind `code` may be published;
    /// not for a kind no longer offered (its rule is unknown).
    pub fn matter_public(&self, code: &str) -> bool {
        self.kind(code).is_some_and(|k| k.public_matter)
    }

    /// Every kind, in file order.
    pub fn kinds(&self) -> &[CommitmentKind] {
        &self.kinds
    }
}

/// A commitment as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The kind's code.
    pub kind: String,
    /// The matter it was signed for.
    pub matter: String,
    /// Who signed (the account, or the person signing for the subject).
    pub signer: String,
    /// The full text signed.
    pub text: String,
    /// SM3 of the text, hexadecimal.
    pub digest: String,
    /// The signing day.
    pub signed_on: NaiveDate,
    /// Whether it is published.
    pub public: bool,
}

/// Signs a commitment of `kind` for `matter`: the template filled in with
/// the subject's name and code, followed by who signs and to whom (the
/// department's name; none: to the public), so that the digest binds them
/// too.
pub fn sign(
    kind: &CommitmentKind,
    subject_name: &str,
    subject_code: &str,
    (matter, addressee): (&str, Option<&str>),
    signer: &str,
    today: NaiveDate,
) -> Result<Signed, RightsError> {
    let matter = required(&plain(matter.trim(), "承诺事项", 200)?, "承诺事项")?;
    let signer = required(&plain(signer.trim(), "承诺人", 50)?, "承诺人")?;
    let text = kind
        .template
        .trim()
        .replace("{subject}", subject_name)
        .replace("{code}", subject_code)
        .replace("{matter}", &matter)
        .replace("{date}", &today.format("%Y年%m月%d日").to_string());
    let text = format!(
        "{text}\n承诺人：{signer}\n承诺对象：{}",
        addressee.unwrap_or("社会公众")
    );
    let digest = Sm3::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Signed {
        kind: kind.code.clone(),
        matter,
        signer,
        text,
        digest,
        signed_on: today,
        public: kind.public,
    })
}

/// What became of a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitmentState {
    /// 已承诺: signed, not yet assessed.
    Signed,
    /// 已履约, as the department recorded.
    Kept {
        /// The day recorded.
        on: NaiveDate,
    },
    /// 未履约 (违诺), with what happened; the platform makes the negative
    /// record (违背信用承诺信息) as the finding department's batch.
    Broken {
        /// The day recorded.
        on: NaiveDate,
        /// What was not kept.
        note: String,
    },
}

/// A department's finding on a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The commitment was kept.
    Kept,
    /// It was broken, with what happened.
    Broken(String),
}

impl CommitmentState {
    /// Stable machine name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Kept { .. } => "kept",
            Self::Broken { .. } => "broken",
        }
    }

    /// The state in Chinese.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Signed => "已承诺",
            Self::Kept { .. } => "已履约",
            Self::Broken { .. } => "未履约",
        }
    }

    /// Records a department's finding: once, on a signed commitment.
    pub fn record(self, finding: Finding, today: NaiveDate) -> Result<Self, RightsError> {
        match (self, finding) {
            (Self::Signed, Finding::Kept) => Ok(Self::Kept { on: today }),
            (Self::Signed, Finding::Broken(note)) => Ok(Self::Broken {
                on: today,
                note: required(&note, "违诺情况")?,
            }),
            (state, finding) => Err(RightsError::Illegal {
                workflow: "信用承诺",
                state: state.label(),
                step: match finding {
                    Finding::Kept => "登记履约",
                    Finding::Broken(_) => "登记违诺",
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{CommitmentBook, CommitmentState, Finding, builtin_text, sign};
    use crate::rights::RightsError;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_builtin_kinds_load_and_sign() {
        let book = CommitmentBook::parse(builtin_text()).unwrap();
        let codes: Vec<&str> = book.kinds().iter().map(|k| k.code.as_str()).collect();
        assert_eq!(codes, ["gzcn", "rqsl", "hyzl", "xyxf", "zdcn"]);
        // A repair commitment's matter names the record repaired: never
        // published, nor is the matter of a kind no longer offered.
        assert!(book.matter_public("gzcn") && !book.matter_public("xyxf") && !book.matter_public("gone"));
        let kind = book.kind("xyxf").unwrap();
        let signed = sign(
            kind,
            "淮北市鑫源商贸有限公司",
            "统一社会信用代码：91340000711771143J",
            ("淮市监罚〔2026〕1号", Some("淮北市市场监督管理局")),
            "张三",
            day("2026-11-27"),
        )
        .unwrap();
        assert!(
            signed
                .text
                .contains("淮北市鑫源商贸有限公司（统一社会信用代码：91340000711771143J）")
        );
        assert!(signed.text.contains("承诺日期：2026年11月27日") && !signed.text.contains('{'));
        assert_eq!(signed.digest.len(), 64);
        let again = sign(
            kind,
            "淮北市鑫源商贸有限公司",
            "统一社会信用代码：91340000711771143J",
            ("淮市监罚〔2026〕1号", Some("淮北市市场监督管理局")),
            "张三",
            day("2026-11-27"),
        )
        .unwrap();
        assert_eq!(signed.digest, again.digest, "the same text, the same digest");
        assert!(
            signed.text.ends_with("承诺人：张三\n承诺对象：淮北市市场监督管理局"),
            "{}",
            signed.text
        );
        // Who signs and to whom are bound by the digest.
        let sign_as = |signer: &str, to: Option<&str>| {
            sign(kind, "甲", "x", ("事项", to), signer, day("2026-11-27")).map(|s| s.digest)
        };
        let digests = [
            sign_as("张三", None).unwrap(),
            sign_as("李四", None).unwrap(),
            sign_as("张三", Some("淮北市市场监督管理局")).unwrap(),
        ];
        assert!(digests[0] != digests[1] && digests[0] != digests[2] && digests[1] != digests[2]);
        for (matter, signer) in [
            ("  ", "张三"),
            ("事项", " "),
            ("事项", &"张".repeat(51)),
            (&"事".repeat(201), "张三"),
            ("事项\u{202E}", "张三"),
            ("事项", "张\u{0}三"),
        ] {
            assert!(
                sign(kind, "甲", "x", (matter, None), signer, day("2026-11-27")).is_err(),
                "{matter:?} {signer:?}"
            );
        }
    }

    #[test]
    fn broken_books_are_refused() {
        let one = |code: &str, template: &str| {
            format!(
                "[[kind]]\ncode = \"{code}\"\nname = \"n\"\npublic = true\nbasis = \"b\"\ntemplate = \"{template}\"\n"
            )
        };
        let twice = format!("{}{}", one("a", "{subject} {date}"), one("a", "{subject} {date}"));
        assert!(CommitmentBook::parse(&twice).is_err());
        assert!(CommitmentBook::parse(&one("a", "{subject}")).is_err());
        assert!(CommitmentBook::parse(&one("a", "{subject} {date} {amount}")).is_err());
    }

    #[test]
    fn a_finding_is_recorded_once() {
        let kept = CommitmentState::Signed
            .record(Finding::Kept, day("2026-12-01"))
            .unwrap();
        assert_eq!(kept.code(), "kept");
        for finding in [Finding::Kept, Finding::Broken("逾期未补齐材料".into())] {
            assert!(matches!(
                kept.clone().record(finding, day("2026-12-02")),
                Err(RightsError::Illegal { .. })
            ));
        }
        let broken = CommitmentState::Signed
            .record(Finding::Broken("逾期未补齐材料".into()), day("2026-12-01"))
            .unwrap();
        assert!(matches!(
            broken.record(Finding::Kept, day("2026-12-02")),
            Err(RightsError::Illegal { .. })
        ));
        assert!(
            CommitmentState::Signed
                .record(Finding::Broken(" ".into()), day("2026-12-01"))
                .is_err()
        );
    }
}
