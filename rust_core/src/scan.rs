//! Byte scanning shared by the parser (where does this string end?) and the writer (what must be
//! escaped?).

/// The offset of the first byte a JSON string cannot hold as is (`"`, `\\` or a control
/// character), or the length; eight bytes at a time.
pub fn string_special(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte's high bit is set where it equals zero (after the xor) or is below 0x20. Borrows only
    // carry upwards, so the lowest flagged byte is always a true match.
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        let v = u64::from_le_bytes(word);
        let found =
            (zero_bytes(v ^ (ONES * 0x22)) | zero_bytes(v ^ (ONES * 0x5C)) | (v.wrapping_sub(ONES * 0x20) & !v)) & HIGH;
        if found != 0 {
            return offset + (found.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    offset + rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_special_byte_in_any_lane() {
        for special in [b'"', b'\\', 0x00, 0x1F] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = special;
                bytes[19] = b'"';
                assert_eq!(string_special(&bytes), at, "{special} at {at}");
            }
        }
        assert_eq!(string_special("\u{e9}\u{ff}\u{1F600} ~\x7f".as_bytes()), 11);
        assert_eq!(string_special(b""), 0);
    }
}
