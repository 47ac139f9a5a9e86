//! Subjects of the synthetic city, each a pure function of (seed, index):
//! the same index always gives the same company, shop or person, so rows can
//! pick subjects from a pool of millions without holding it in memory.

use chrono::{Datelike, NaiveDate};
use xinyong_domain::id::{CitizenId, OrgCode, Uscc};

use crate::words::{DISTRICTS, GIVEN, INDUSTRIES, ORG_FORMS, SHOP_FORMS, SURNAMES, TRADE};

/// What kind of subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Company,
    Shop,
    Person,
}

/// A synthetic subject.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    /// USCC for companies and shops, citizen ID for people.
    pub(crate) code: String,
    pub(crate) org_code: String,
    pub(crate) legal_rep: String,
    pub(crate) legal_rep_id: String,
}

/// The USCC character set in value order (GB 32100-2015).
const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

pub(crate) fn person_name(rng: &mut fastrand::Rng) -> String {
    let mut name = (*SURNAMES.pick(rng)).to_owned();
    for _ in 0..rng.usize(1..=2) {
        name.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    }
    name
}

/// A valid citizen ID of someone registered in a 淮北 district.
pub(crate) fn citizen_id(rng: &mut fastrand::Rng, today: NaiveDate) -> String {
    let (district, _) = DISTRICTS[rng.usize(..DISTRICTS.len())];
    let year = rng.i32(today.year() - 75..=today.year() - 19);
    let birth = NaiveDate::from_ymd_opt(year, rng.u32(1..=12), rng.u32(1..=28)).unwrap_or(today);
    let body = format!("{district}{}{:03}", birth.format("%Y%m%d"), rng.u32(0..1000));
    CitizenId::complete(&body).unwrap_or(body)
}

/// A valid USCC: `91`/`92`, a 淮北 region code, an organisation code whose
/// body encodes `index` (so codes never collide), both check characters.
pub(crate) fn uscc(prefix: &str, region: &str, index: u64) -> (String, String) {
    let mut body = String::from("MA");
    let mut rest = index;
    for _ in 0..6 {
        // Organisation-code bodies may use any capital, but the USCC set lacks I, O, S, V and Z.
        body.push(USCC_CHARS[(rest % 31) as usize] as char);
        rest /= 31;
    }
    let org_code = OrgCode::complete(&body).unwrap_or_else(|| format!("{body}0"));
    let code = Uscc::complete(&format!("{prefix}{region}{org_code}")).unwrap_or_default();
    (code, org_code)
}

/// The subject at `index` of the pool.
pub(crate) fn subject(seed: u64, index: u64, today: NaiveDate) -> Subject {
    let mut rng = fastrand::Rng::with_seed(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (district, district_name) = DISTRICTS[rng.usize(..DISTRICTS.len())];
    let kind = match rng.u32(0..100) {
        0..=69 => Kind::Company,
        70..=87 => Kind::Shop,
        _ => Kind::Person,
    };
    let legal_rep = person_name(&mut rng);
    let legal_rep_id = citizen_id(&mut rng, today);
    let trade = TRADE[rng.usize(..TRADE.len())];
    match kind {
        Kind::Company => {
            let prefix = match rng.u32(0..10) {
                0..=5 => "淮北",
                6..=7 => "淮北市",
                8 => "安徽",
                _ => district_name,
            };
            let name = format!(
                "{prefix}{trade}{}{}",
                INDUSTRIES.pick(&mut rng),
                ORG_FORMS.pick(&mut rng)
            );
            let (code, org_code) = uscc("91", district, index);
            Subject {
                kind,
                name,
                code,
                org_code,
                legal_rep,
                legal_rep_id,
            }
        }
        Kind::Shop => {
            let owner_style = rng.bool();
            let middle = if owner_style {
                legal_rep.clone()
            } else {
                trade.to_owned()
            };
            let name = format!("{district_name}{middle}{}", SHOP_FORMS.pick(&mut rng));
            let (code, org_code) = uscc("92", district, index);
            Subject {
                kind,
                name,
                code,
                org_code,
                legal_rep,
                legal_rep_id,
            }
        }
        Kind::Person => Subject {
            kind,
            name: legal_rep.clone(),
            code: legal_rep_id.clone(),
            org_code: String::new(),
            legal_rep,
            legal_rep_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use xinyong_domain::id::{CitizenId, Uscc};

    use super::{Kind, subject};

    #[test]
    fn subjects_are_valid_and_stable() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut kinds = [0; 3];
        for index in 0..2000 {
            let s = subject(7, index, today);
            assert_eq!(s.name, subject(7, index, today).name);
            match s.kind {
                Kind::Company | Kind::Shop => {
                    let code = Uscc::parse(&s.code).unwrap();
                    assert_eq!(code.is_individual_business(), s.kind == Kind::Shop);
                    assert!(code.region().starts_with("3406"));
                }
                Kind::Person => assert!(CitizenId::parse(&s.code, today).is_ok(), "{}", s.code),
            }
            assert!(CitizenId::parse(&s.legal_rep_id, today).is_ok());
            kinds[s.kind as usize] += 1;
        }
        assert!(kinds.iter().all(|n| *n > 100), "{kinds:?}");
    }
}
