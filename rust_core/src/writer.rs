//! Compact JSON output, escaped exactly as Python's `json.dumps(..., ensure_ascii=False)` does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::json::{Object, Value};
use crate::scan;

/// Writes UTF-8 text (a `str`'s bytes, from Python's own encoder) as a JSON string.
pub fn write_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut rest = bytes;
    loop {
        let clean = scan::string_special(rest);
        out.extend_from_slice(&rest[..clean]);
        let Some(&b) = rest.get(clean) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
        }
        rest = &rest[clean + 1..];
    }
    out.push(b'"');
}

/// Binary data as a standard, padded base64 JSON string (what DynamoDB's own JSON uses).
pub fn write_base64(out: &mut Vec<u8>, data: &[u8]) {
    out.push(b'"');
    let mut encoded = String::with_capacity(data.len().div_ceil(3) * 4);
    STANDARD.encode_string(data, &mut encoded);
    out.extend_from_slice(encoded.as_bytes());
    out.push(b'"');
}

/// A parsed record as compact JSON, members in order: what `item_to_json` writes for the item
/// that record becomes. Recursion is bounded: a parsed record is at most `MAX_DEPTH` deep.
pub fn write_object(out: &mut Vec<u8>, members: &Object<'_>) {
    out.push(b'{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, name.as_bytes());
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(text) => out.extend_from_slice(text.as_bytes()),
        Value::String(text) => write_string(out, text.as_bytes()),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => write_object(out, members),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_python_json_dumps() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀/".as_bytes());
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é😀/\"");
    }

    #[test]
    fn records_are_written_compact_in_order() {
        let members = crate::json::parse_record(br#"{ "b": [1.50, true, null], "a": {"\u00e9": "x\n"} }"#).unwrap();
        let mut out = Vec::new();
        write_object(&mut out, &members);
        assert_eq!(String::from_utf8(out).unwrap(), "{\"b\":[1.50,true,null],\"a\":{\"\u{e9}\":\"x\\n\"}}");
    }

    #[test]
    fn base64_is_standard_and_padded() {
        let mut out = Vec::new();
        write_base64(&mut out, b"\xff\xfe\x00ab");
        assert_eq!(out, b"\"//4AYWI=\"");
    }
}
