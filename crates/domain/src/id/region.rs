//! Province-level prefixes of GB/T 2260 administrative division codes.

/// Whether `prefix` (two ASCII digits) is a province-level division of
/// GB/T 2260, or `10`, which GB 32100-2015 registrations at national level use
/// (e.g. central government bodies registered as `11100000…`).
///
/// Only the province is checked: county codes change over time and codes of
/// abolished counties stay valid on documents issued before the change.
pub(crate) fn is_province_prefix(prefix: &str) -> bool {
    matches!(
        prefix,
        "10" | "11"
            | "12"
            | "13"
            | "14"
            | "15"
            | "21"
            | "22"
            | "23"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "37"
            | "41"
            | "42"
            | "43"
            | "44"
            | "45"
            | "46"
            | "50"
            | "51"
            | "52"
            | "53"
            | "54"
            | "61"
            | "62"
            | "63"
            | "64"
            | "65"
            | "71"
            | "81"
            | "82"
    )
}
