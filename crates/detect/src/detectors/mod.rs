//! Confirmers, one module per family. Each takes a candidate slice found by the scanning pass
//! and answers with a confidence, or `None` when the structure does not hold.

pub(crate) mod email;
pub(crate) mod host;
pub(crate) mod net;
pub(crate) mod numbers;
pub(crate) mod path;
pub(crate) mod secret;
pub(crate) mod text;
pub(crate) mod url;

/// Case-insensitive ASCII equality against a lower-case word.
pub(crate) fn eq_lower(token: &[u8], lower: &[u8]) -> bool {
    token.len() == lower.len()
        && token
            .iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// A byte-class table: `rest` for every byte, then `upper`, `lower` and `digit` for ASCII
/// letters and digits, then `class` for each byte of `marked`.
pub(crate) const fn byte_classes(
    rest: u8,
    (upper, lower, digit): (u8, u8, u8),
    marked: &[(&[u8], u8)],
) -> [u8; 256] {
    let mut table = [rest; 256];
    let mut c = 0;
    while c < 26 {
        table[b'A' as usize + c] = upper;
        table[b'a' as usize + c] = lower;
        c += 1;
    }
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = digit;
        d += 1;
    }
    let mut m = 0;
    while m < marked.len() {
        let (bytes, class) = marked[m];
        let mut i = 0;
        while i < bytes.len() {
            table[bytes[i] as usize] = class;
            i += 1;
        }
        m += 1;
    }
    table
}
