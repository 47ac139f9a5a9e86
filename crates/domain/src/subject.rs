//! Credit subjects (信用主体): organisations and 个体工商户 keyed by their
//! unified social credit code, people by their identity document.

mod resolve;

pub use resolve::{Resolution, StoredName, resolve};

use crate::id::{CitizenId, Uscc};

/// How a subject is named in URLs and commands: by its unified social
/// credit code, or — for a person, whose ID number is never shown — by the
/// platform's reference (`p` and 16 lowercase hexadecimal digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectRef {
    /// A person's platform reference.
    Person(String),
    /// A unified social credit code (normalised; not checked here).
    Code(String),
}

impl SubjectRef {
    /// Reads a reference as given.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        let is_person = text.len() == 17
            && text.starts_with('p')
            && text[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if is_person {
            Self::Person(text.to_owned())
        } else {
            Self::Code(crate::id::normalize(text))
        }
    }
}

/// 行政相对人类别, as the national 双公示 item sets enumerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectCategory {
    /// 法人及非法人组织.
    Organisation,
    /// 个体工商户.
    IndividualBusiness,
    /// 自然人.
    Person,
}

impl SubjectCategory {
    /// The item set's Chinese value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Organisation => "法人及非法人组织",
            Self::IndividualBusiness => "个体工商户",
            Self::Person => "自然人",
        }
    }

    /// Parses [`SubjectCategory::label`].
    pub fn from_label(label: &str) -> Option<Self> {
        [Self::Organisation, Self::IndividualBusiness, Self::Person]
            .into_iter()
            .find(|c| c.label() == label)
    }

    /// Stable machine name used in storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::IndividualBusiness => "individual_business",
            Self::Person => "person",
        }
    }

    /// Parses [`SubjectCategory::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Organisation, Self::IndividualBusiness, Self::Person]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// What identifies a subject across records and departments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectKey {
    /// Organisations and 个体工商户.
    Uscc(Uscc),
    /// People with a 居民身份证.
    Citizen(CitizenId),
    /// People identified by another document (passport, travel permit …):
    /// the document type and its number.
    Document {
        /// Canonical document type, e.g. 护照.
        doc_type: String,
        /// The number as given, normalised.
        number: String,
    },
}

impl SubjectKey {
    /// The text a keyed hash of a person's identity is computed over: the
    /// document type and number, so that equal numbers of different document
    /// kinds stay distinct. `None` for organisations, which are stored by code.
    pub fn person_identity(&self) -> Option<String> {
        match self {
            Self::Uscc(_) => None,
            Self::Citizen(id) => Some(format!("身份证:{}", id.expose())),
            Self::Document { doc_type, number } => Some(format!("{doc_type}:{number}")),
        }
    }

    /// The masked form of a person's document number, for every view that
    /// may not see it whole; the code itself for organisations.
    pub fn display_masked(&self) -> String {
        match self {
            Self::Uscc(code) => code.to_string(),
            Self::Citizen(id) => crate::id::mask_citizen_id(id),
            Self::Document { number, .. } => crate::id::mask_identifier(number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SubjectRef;

    #[test]
    fn references_are_person_refs_or_codes() {
        assert_eq!(
            SubjectRef::parse(" p0123456789abcdef "),
            SubjectRef::Person("p0123456789abcdef".into())
        );
        assert_eq!(
            SubjectRef::parse("p0123456789ABCDEF"),
            SubjectRef::Code("P0123456789ABCDEF".into())
        );
        assert!(matches!(SubjectRef::parse("91340000711771143j"), SubjectRef::Code(c) if c == "91340000711771143J"));
    }
}
