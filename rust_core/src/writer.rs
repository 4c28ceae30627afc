//! Compact JSON output, escaped exactly as Python's `json.dumps(..., ensure_ascii=False)` does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

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
    fn base64_is_standard_and_padded() {
        let mut out = Vec::new();
        write_base64(&mut out, b"\xff\xfe\x00ab");
        assert_eq!(out, b"\"//4AYWI=\"");
    }
}
