//! Numbers as text: the JSON number grammar, DynamoDB's precision and range, and the JSON form of
//! whatever number text DynamoDB or `Decimal` hands back.
//!
//! Numbers never go through a float: DynamoDB keeps 38 significant digits, a float keeps ~16.

use std::borrow::Cow;

/// DynamoDB keeps at most 38 significant digits.
pub const MAX_SIGNIFICANT_DIGITS: usize = 38;
/// The smallest magnitude DynamoDB stores is 1E-130 ...
const MIN_ADJUSTED_EXPONENT: i64 = -130;
/// ... and the largest is 9.9999999999999999999999999999999999999E+125.
const MAX_ADJUSTED_EXPONENT: i64 = 125;

/// Why DynamoDB would refuse a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    Precision,
    Range,
}

/// The length of the longest JSON number at the start of `bytes`
/// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`), or `None` when no number starts there.
///
/// Like Python's `json` module, a `.` or exponent marker not followed by a digit ends the number
/// before it, so `1.` scans as `1` and the caller reports what follows.
pub fn scan_json_number(bytes: &[u8]) -> Option<usize> {
    let digits_from =
        |i: usize| bytes.get(i..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count());
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits_from(i),
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        let n = digits_from(i + 1);
        if n > 0 {
            i += 1 + n;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let n = digits_from(i + 1 + sign);
        if n > 0 {
            i += 1 + sign + n;
        }
    }
    Some(i)
}

/// The parts of a decimal number written as `[sign]int[.frac][(e|E)[sign]exp]`.
struct Parts<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exp: i64,
}

/// Splits decimal number text. Accepts more than JSON (a `+` sign, `.5`, `5.`) because
/// `Decimal` and DynamoDB accept it; rejects NaN, infinities and anything else.
fn split(text: &str) -> Option<Parts<'_>> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exp_text) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let exp = match exp_text {
        None => 0,
        Some(e) => parse_exponent(e)?,
    };
    Some(Parts { negative, int, frac, exp })
}

/// An exponent, saturated far beyond any range check so that `1e999999999999999999999` is
/// "out of range" instead of an overflow.
fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    const SATURATED: i64 = 1 << 60;
    let magnitude =
        digits.bytes().fold(0i64, |acc, d| acc.saturating_mul(10).saturating_add(i64::from(d - b'0')).min(SATURATED));
    Some(if negative { -magnitude } else { magnitude })
}

/// Checks number text (already known to be a number) against DynamoDB's limits: at most 38
/// significant digits once leading and trailing zeros are trimmed, and a magnitude between 1E-130
/// and 9.99...E+125. Zero is range-checked too, as if its last written digit were a 1: DynamoDB
/// refuses `0e126` and `0.0e-130` as it refuses `1e126` and `0.1e-130`.
///
/// The verdicts are DynamoDB's, checked against Dynoxide (an emulator held to AWS by a conformance
/// suite) by tests/e2e/test_number_rules.py, in DynamoDB's order: an exponent beyond 64 bits first,
/// then precision, then range.
pub fn check_dynamodb(text: &str) -> Result<(), NumberProblem> {
    if within_limits_at_a_glance(text) {
        return Ok(());
    }
    // DynamoDB reads the exponent as a 64-bit integer and refuses one that does not fit as "cannot
    // be converted to a numeric value", before it counts digits (so even with 39 of them). Such a
    // number is beyond any range, hence Range.
    if let Some((_, exponent)) = text.split_once(['e', 'E']) {
        if exponent.parse::<i64>().is_err() {
            return Err(NumberProblem::Range);
        }
    }
    let Some(parts) = split(text) else {
        return Err(NumberProblem::Range);
    };
    let in_range = |adjusted: i64| {
        if (MIN_ADJUSTED_EXPONENT..=MAX_ADJUSTED_EXPONENT).contains(&adjusted) {
            Ok(())
        } else {
            Err(NumberProblem::Range)
        }
    };
    let digits = || parts.int.bytes().chain(parts.frac.bytes());
    let Some(first) = digits().position(|d| d != b'0') else {
        // Zero has no magnitude, yet DynamoDB range-checks it as if its last written digit were a 1
        // (however many zeros the integer part has): `0e125` and `0e-130` are stored, `0e126`,
        // `0.0e-130` and `0.` followed by 131 zeros are not. Zero never has a precision problem.
        let frac_len = i64::try_from(parts.frac.len()).unwrap_or(i64::MAX);
        return in_range(parts.exp.saturating_sub(frac_len));
    };
    let total = parts.int.len() + parts.frac.len();
    let trailing_zeros = digits().rev().take_while(|&d| d == b'0').count();
    if total - trailing_zeros - first > MAX_SIGNIFICANT_DIGITS {
        return Err(NumberProblem::Precision);
    }
    // The power of ten of the leading significant digit.
    let lead = i64::try_from(parts.int.len()).unwrap_or(i64::MAX) - 1 - i64::try_from(first).unwrap_or(0);
    in_range(parts.exp.saturating_add(lead))
}

/// Most numbers, decided in one pass: no exponent and at most 38 digits (one `.` at most) means
/// at most 38 significant digits and a magnitude between 1E-38 and 1E+38, or zero, well inside
/// DynamoDB's range. Anything else takes the full check.
fn within_limits_at_a_glance(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mut digits, mut dots) = (0usize, 0usize);
    for b in unsigned.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return false,
        }
    }
    dots <= 1 && (1..=MAX_SIGNIFICANT_DIGITS).contains(&digits)
}

/// Whether number text stands for an integer (`1.0`, `1e2` and `100e-2` do; `1.5` and
/// `150e-2` do not), decided on the digits, exactly.
pub fn is_integral(text: &str) -> bool {
    let Some(parts) = split(text) else {
        return false;
    };
    let nonzero = |digits: &str| digits.bytes().rposition(|d| d != b'0');
    let last = match (nonzero(parts.frac), nonzero(parts.int)) {
        (Some(i), _) => parts.int.len() + i,
        (None, Some(i)) => i,
        (None, None) => return true, // zero
    };
    // Digits at indexes below the decimal point's position are whole.
    let point = i64::try_from(parts.int.len()).unwrap_or(i64::MAX).saturating_add(parts.exp);
    i64::try_from(last).unwrap_or(i64::MAX) < point
}

/// Number text as a valid JSON number: unchanged when it already is one (DynamoDB's own output
/// always is), otherwise rewritten (`+5` -> `5`, `.5` -> `0.5`, `5.` -> `5`, `007` -> `7`).
/// `None` when the text is not a finite number at all.
pub fn to_json(text: &str) -> Option<Cow<'_, str>> {
    if scan_json_number(text.as_bytes()) == Some(text.len()) {
        return Some(Cow::Borrowed(text));
    }
    let parts = split(text)?;
    let mut out = String::with_capacity(text.len() + 1);
    if parts.negative {
        out.push('-');
    }
    let int = parts.int.trim_start_matches('0');
    out.push_str(if int.is_empty() { "0" } else { int });
    if !parts.frac.is_empty() {
        out.push('.');
        out.push_str(parts.frac);
    }
    if parts.exp != 0 {
        out.push('e');
        out.push_str(&parts.exp.to_string());
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_the_longest_json_number_prefix() {
        for (text, len) in [
            ("0", Some(1)),
            ("-0", Some(2)),
            ("123", Some(3)),
            ("1.5", Some(3)),
            ("1.5e10", Some(6)),
            ("1E+2", Some(4)),
            ("1e-2x", Some(4)),
            ("01", Some(1)),
            ("1.", Some(1)),
            ("1.e5", Some(1)),
            ("1e", Some(1)),
            ("1e+", Some(1)),
            ("-", None),
            ("-a", None),
            (".5", None),
            ("+1", None),
            ("", None),
        ] {
            assert_eq!(scan_json_number(text.as_bytes()), len, "{text}");
        }
    }

    #[test]
    fn precision_counts_significant_digits_only() {
        assert_eq!(check_dynamodb("12345678901234567890123456789012345678"), Ok(()));
        assert_eq!(check_dynamodb("123456789012345678901234567890123456789"), Err(NumberProblem::Precision));
        assert_eq!(check_dynamodb("1.5E+40"), Ok(()));
        assert_eq!(check_dynamodb("1.00000000000000000000000000000000000001"), Err(NumberProblem::Precision));
        assert_eq!(check_dynamodb("0.000000000000000000000000000000000000000001"), Ok(()));
        assert_eq!(check_dynamodb("10000000000000000000000000000000000000000000000"), Ok(()));
        assert_eq!(check_dynamodb("-0.00"), Ok(()));
        assert_eq!(check_dynamodb("1234567890123456789012345678901234567800000"), Ok(()));
        // Around the one-pass check's edges: 38 digits with a point, 39 digits, two points.
        assert_eq!(check_dynamodb("-1234567890123456789.0123456789012345678"), Ok(()));
        assert_eq!(check_dynamodb("0.00000000000000000000000000000000000001"), Ok(()));
        assert_eq!(check_dynamodb("1234567890123456789.01234567890123456789"), Err(NumberProblem::Precision));
        assert_eq!(check_dynamodb("1.2.3"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("-"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("0.00012345678901234567890123456789012345678900"), Err(NumberProblem::Precision));
        // Precision is checked before range, as DynamoDB does ...
        assert_eq!(check_dynamodb("123456789012345678901234567890123456789e200"), Err(NumberProblem::Precision));
        assert_eq!(check_dynamodb("123456789012345678901234567890123456789e-200"), Err(NumberProblem::Precision));
        // ... but after an exponent that does not fit 64 bits, which DynamoDB cannot convert at all.
        assert_eq!(
            check_dynamodb("123456789012345678901234567890123456789e99999999999999999999"),
            Err(NumberProblem::Range)
        );
    }

    #[test]
    fn range_is_1e_minus_130_to_just_under_1e126() {
        assert_eq!(check_dynamodb("1E-130"), Ok(()));
        assert_eq!(check_dynamodb("1E-131"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("0.1E-129"), Ok(()));
        assert_eq!(check_dynamodb("9.9999999999999999999999999999999999999E+125"), Ok(()));
        assert_eq!(check_dynamodb("1E+126"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("-1E+126"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("10E+125"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("1e999999999999999999999999"), Err(NumberProblem::Range));
        assert_eq!(check_dynamodb("1e-999999999999999999999999"), Err(NumberProblem::Range));
    }

    /// Every verdict here is what Dynoxide 3.2.0 (DynamoDB, as its conformance suite captured it)
    /// answers to a PutItem of the same text; tests/e2e/test_number_rules.py checks them against it.
    #[test]
    fn verdicts_match_dynamodb() {
        use NumberProblem::{Precision, Range};
        let zeros = |n: usize| "0".repeat(n);
        let cases: Vec<(String, Result<(), NumberProblem>)> = vec![
            // Zero, written in every way: range-checked as if its last written digit were a 1.
            ("0".into(), Ok(())),
            ("-0".into(), Ok(())),
            ("0.0".into(), Ok(())),
            ("-0.0".into(), Ok(())),
            ("0e0".into(), Ok(())),
            ("0E0".into(), Ok(())),
            ("-0e0".into(), Ok(())),
            ("0e-5".into(), Ok(())),
            ("-0e-5".into(), Ok(())),
            ("0.000e5".into(), Ok(())),
            ("0e125".into(), Ok(())),
            ("0e0125".into(), Ok(())),
            ("0e126".into(), Err(Range)),
            ("0e+126".into(), Err(Range)),
            ("0e00126".into(), Err(Range)),
            ("0e-130".into(), Ok(())),
            ("0e-0130".into(), Ok(())),
            ("0e-131".into(), Err(Range)),
            ("0e-0131".into(), Err(Range)),
            ("0.0e-129".into(), Ok(())),
            ("0.0e-130".into(), Err(Range)),
            ("0.0e126".into(), Ok(())),
            ("0.0e127".into(), Err(Range)),
            ("0.000e128".into(), Ok(())),
            ("0.000e129".into(), Err(Range)),
            ("0E+400".into(), Err(Range)),
            ("0E+999".into(), Err(Range)),
            ("-0e500".into(), Err(Range)),
            ("0e-999".into(), Err(Range)),
            ("0E-200".into(), Err(Range)),
            ("0.0e-999".into(), Err(Range)),
            ("-0.0e-200".into(), Err(Range)),
            ("0e9223372036854775807".into(), Err(Range)),
            ("0e9223372036854775808".into(), Err(Range)),
            ("0e-9223372036854775808".into(), Err(Range)),
            ("0e-9223372036854775809".into(), Err(Range)),
            (format!("0.{}", zeros(50)), Ok(())),
            (format!("0.{}", zeros(130)), Ok(())),
            (format!("-0.{}", zeros(130)), Ok(())),
            (format!("0.{}", zeros(131)), Err(Range)),
            (format!("-0.{}", zeros(131)), Err(Range)),
            (format!("0.{}", zeros(200)), Err(Range)),
            (format!("0.{}e70", zeros(200)), Ok(())),
            (format!("0.{}e69", zeros(200)), Err(Range)),
            // Exponents with signs and leading zeros.
            ("1e+0005".into(), Ok(())),
            ("1E-0130".into(), Ok(())),
            ("1E-0131".into(), Err(Range)),
            ("1e0125".into(), Ok(())),
            ("1e0126".into(), Err(Range)),
            ("1e-00000000000000000000000130".into(), Ok(())),
            ("1e+0000000000000000000000000000125".into(), Ok(())),
            // The range's ends.
            ("1E-130".into(), Ok(())),
            ("-1E-130".into(), Ok(())),
            ("1E-131".into(), Err(Range)),
            ("0.1E-129".into(), Ok(())),
            ("0.1E-130".into(), Err(Range)),
            ("1000e-133".into(), Ok(())),
            ("1000e-134".into(), Err(Range)),
            ("0.001e-127".into(), Ok(())),
            ("0.001e-128".into(), Err(Range)),
            ("9.9999999999999999999999999999999999999E-131".into(), Err(Range)),
            ("9.9999999999999999999999999999999999999E+125".into(), Ok(())),
            ("-9.9999999999999999999999999999999999999E+125".into(), Ok(())),
            ("1E125".into(), Ok(())),
            ("1E+126".into(), Err(Range)),
            ("10E+125".into(), Err(Range)),
            ("0.1E+126".into(), Ok(())),
            ("0.1E+127".into(), Err(Range)),
            ("0.00000000001e+136".into(), Ok(())),
            ("0.00000000001e+137".into(), Err(Range)),
            (format!("{}{}", "9".repeat(38), zeros(88)), Ok(())),
            (format!("1{}", zeros(125)), Ok(())),
            (format!("1{}", zeros(126)), Err(Range)),
            // 38 and 39 significant digits.
            ("12345678901234567890123456789012345678".into(), Ok(())),
            ("123456789012345678901234567890123456789".into(), Err(Precision)),
            ("1.23456789012345678901234567890123456780000".into(), Ok(())),
            ("0.0001234567890123456789012345678901234567800".into(), Ok(())),
            ("1.0000000000000000000000000000000000001".into(), Ok(())),
            ("1.00000000000000000000000000000000000001".into(), Err(Precision)),
            ("1234567890123456789012345678901234567e-200".into(), Err(Range)),
            ("-237462374673276894279832749832423479823246327846".into(), Err(Precision)),
            // Giant exponents: within 64 bits out of range, beyond them not a number DynamoDB reads.
            ("1e2147483647".into(), Err(Range)),
            ("1e2147483648".into(), Err(Range)),
            ("1e-2147483649".into(), Err(Range)),
            ("1e9223372036854775807".into(), Err(Range)),
            ("1e9223372036854775808".into(), Err(Range)),
            ("1e-9223372036854775808".into(), Err(Range)),
            ("1e-9223372036854775809".into(), Err(Range)),
            ("1e99999999999999999999".into(), Err(Range)),
            ("1e-99999999999999999999".into(), Err(Range)),
            ("0.4e0066999999999999999999999999".into(), Err(Range)),
            ("1.7976931348623157e308".into(), Err(Range)),
            ("123e-10000000".into(), Err(Range)),
        ];
        for (text, verdict) in cases {
            assert_eq!(check_dynamodb(&text), verdict, "{text}");
        }
    }

    #[test]
    fn integral_numbers() {
        for (text, integral) in [
            ("1", true),
            ("1.0", true),
            ("1e2", true),
            ("100e-2", true),
            ("150e-2", false),
            ("1.5", false),
            ("1.5e1", true),
            ("0.0", true),
            ("-0", true),
            ("1.0000000000000000000001", false),
            ("1e-999999999999999999999", false),
        ] {
            assert_eq!(is_integral(text), integral, "{text}");
        }
    }

    #[test]
    fn to_json_keeps_json_and_mends_the_rest() {
        for (text, json) in [
            ("1.50", Some("1.50")),
            ("1E+40", Some("1E+40")),
            ("-0", Some("-0")),
            ("+5", Some("5")),
            (".5", Some("0.5")),
            ("-.5", Some("-0.5")),
            ("5.", Some("5")),
            ("007", Some("7")),
            ("1.e5", Some("1e5")),
            ("NaN", None),
            ("Infinity", None),
            ("-Infinity", None),
            ("", None),
            ("1e", None),
            ("abc", None),
            (" 1", None),
        ] {
            assert_eq!(to_json(text).as_deref(), json, "{text}");
        }
    }
}
