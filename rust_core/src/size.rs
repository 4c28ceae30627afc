//! An item's size as DynamoDB counts it against its 400 KB (409,600 bytes) limit.
//!
//! Names and strings count their UTF-8 bytes, binaries their bytes, booleans and nulls one byte.
//! A number costs one byte per two significant digits, counted separately either side of the
//! decimal point, plus one, plus one more when negative. A list costs 3 bytes plus one per
//! element, a map 3 bytes plus one per entry, on top of what they hold; sets only what they hold.

use crate::json::{Object, Value};

/// DynamoDB's item size limit.
pub const MAX_ITEM_BYTES: usize = 409_600;
pub const CONTAINER_OVERHEAD: usize = 3;
pub const ELEMENT_OVERHEAD: usize = 1;

/// The size of a number given as decimal text (leading and trailing zeros are not counted).
pub fn number_size(text: &str) -> usize {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = unsigned.split_once(['e', 'E']).unwrap_or((unsigned, "0"));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || int.bytes().chain(frac.bytes());
    let Some(first) = digits().position(|d| d != b'0') else {
        return 1; // zero, however written
    };
    let last = int.len() + frac.len() - digits().rev().position(|d| d != b'0').unwrap_or(0);
    let significant = last - first;
    // Where the decimal point falls among the significant digits, after the exponent moves it.
    let exponent = exponent.parse::<i64>().unwrap_or(0).clamp(-1_000, 1_000);
    let point = (int.len() as i64 + exponent - first as i64).clamp(0, significant as i64) as usize;
    point.div_ceil(2) + (significant - point).div_ceil(2) + 1 + usize::from(negative)
}

/// The size of a parsed value.
pub fn value_size(value: &Value<'_>) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::Number(text) => number_size(text),
        Value::String(s) => s.len(),
        Value::Array(items) => {
            CONTAINER_OVERHEAD + items.iter().map(|v| ELEMENT_OVERHEAD + value_size(v)).sum::<usize>()
        }
        Value::Object(members) => CONTAINER_OVERHEAD + members_size(members, ELEMENT_OVERHEAD),
    }
}

/// The size of an item's attributes (`per_entry` 0), or of a map's entries (`per_entry` 1).
pub fn members_size(members: &Object<'_>, per_entry: usize) -> usize {
    members.iter().map(|(name, value)| name.len() + per_entry + value_size(value)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_record;

    #[test]
    fn numbers_cost_significant_digits_on_either_side_of_the_point() {
        for (text, size) in [
            ("1", 2),
            ("12", 2),
            ("123", 3),
            ("12345678901234567890123456789012345678", 20),
            ("0042", 2),
            ("100", 2),
            ("1010", 3),
            ("0", 1),
            ("-0", 1),
            ("0.000", 1),
            ("0.0000001", 2),
            ("1E125", 2),
            ("1E-100", 2),
            ("1.5", 3),
            ("1.200", 3),
            ("3.14159", 5),
            ("100.5", 4),
            ("0.15", 2),
            ("1.5e1", 2),
            ("15e-1", 3),
            ("-42", 3),
            ("-0.15", 3),
            ("-1E125", 3),
        ] {
            assert_eq!(number_size(text), size, "{text}");
        }
    }

    #[test]
    fn containers_and_names() {
        let item = parse_record(br#"{"a":"xyz","bb":[true,null,1],"m":{"k":"v"}}"#).unwrap();
        // a: 1 + 3; bb: 2 + (3 + 3 * 1 + 1 + 1 + 2); m: 1 + (3 + (1 + 1 + 1))
        assert_eq!(members_size(&item, 0), 4 + 2 + 10 + 1 + 6);
    }
}
