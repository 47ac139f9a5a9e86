//! Amounts in 万元 (ten thousand yuan), the unit of the national item sets'
//! 罚款金额 and 没收金额 (a 2000-yuan fine is written 0.2).

/// Why a text is not an amount in 万元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AmountError {
    /// Not a number.
    NotANumber,
    /// Below zero.
    Negative,
    /// More than six decimals (finer than one yuan cent would need).
    TooPrecise,
    /// Written in yuan (`2000元`) although the unit is 万元.
    InYuan,
    /// More than 10^12 万元.
    TooLarge,
}

impl AmountError {
    pub(crate) fn message(&self, text: &str) -> String {
        match self {
            Self::NotANumber => format!("“{text}”不是数字"),
            Self::Negative => format!("“{text}”不能为负数"),
            Self::TooPrecise => format!("“{text}”小数位数超过6位"),
            Self::InYuan => {
                format!("“{text}”的单位应为万元，请去掉“元”并换算为万元（如2000元填0.2）")
            }
            Self::TooLarge => format!("“{text}”超出合理范围"),
        }
    }
}

/// Parses an amount and returns it in canonical form: no thousands
/// separators, no trailing zeros after the point (`1,000.50` → `1000.5`).
pub(crate) fn parse(text: &str) -> Result<String, AmountError> {
    let text = text.trim();
    let without_unit = text
        .strip_suffix("万元")
        .or_else(|| text.strip_suffix("万"))
        .unwrap_or(text);
    if without_unit.ends_with('元') {
        return Err(AmountError::InYuan);
    }
    let digits: String = without_unit.chars().filter(|c| *c != ',' && *c != '，').collect();
    let digits = digits.trim();
    if digits.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let valid = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && fraction.is_empty());
    if !valid {
        return Err(AmountError::NotANumber);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 6 {
        return Err(AmountError::TooPrecise);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 12 {
        return Err(AmountError::TooLarge);
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    Ok(if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{AmountError, parse};

    #[rstest]
    #[case("0.2", Ok("0.2"))]
    #[case("1,000.50", Ok("1000.5"))]
    #[case("0020", Ok("20"))]
    #[case("0", Ok("0"))]
    #[case("3万元", Ok("3"))]
    #[case("0.000001", Ok("0.000001"))]
    #[case("0.0000001", Err(AmountError::TooPrecise))]
    #[case("2000元", Err(AmountError::InYuan))]
    #[case("-1", Err(AmountError::Negative))]
    #[case("1.", Err(AmountError::NotANumber))]
    #[case(".5", Err(AmountError::NotANumber))]
    #[case("abc", Err(AmountError::NotANumber))]
    #[case("1e5", Err(AmountError::NotANumber))]
    #[case("9999999999999", Err(AmountError::TooLarge))]
    fn parses_amounts(#[case] input: &str, #[case] expected: Result<&str, AmountError>) {
        assert_eq!(parse(input), expected.map(str::to_owned));
    }
}
