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
