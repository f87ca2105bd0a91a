//! Credentials: vendor token formats, JWTs, PEM private keys, values assigned to secret-named
//! keys, and long high-entropy strings.

use super::eq_lower;
use crate::Confidence;
use crate::decode::base64_into;
use crate::validators::entropy;

#[derive(Clone, Copy)]
enum Charset {
    /// Upper-case letters and digits.
    UpperAlnum,
    /// Letters and digits.
    Alnum,
    /// Letters, digits, `_` and `-`.
    Word,
    /// Letters, digits, `_`, `-`, `.`, `+`, `/`, `=`.
    Wide,
    /// Lower-case hex.
    LowerHex,
}

impl Charset {
    fn accepts(self, b: u8) -> bool {
        match self {
            Charset::UpperAlnum => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Charset::Alnum => b.is_ascii_alphanumeric(),
            Charset::Word => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Charset::Wide => b.is_ascii_alphanumeric() || b"_-.+/=".contains(&b),
            Charset::LowerHex => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        }
    }
}

/// A vendor token format: prefix, total length range, alphabet of the rest.
struct Format {
    prefix: &'static [u8],
    min: usize,
    max: usize,
    charset: Charset,
    kind: &'static str,
}

const fn f(
    prefix: &'static [u8],
    min: usize,
    max: usize,
    charset: Charset,
    kind: &'static str,
) -> Format {
    Format {
        prefix,
        min,
        max,
        charset,
        kind,
    }
}

/// Token formats with a distinctive prefix. Longer prefixes first where one extends another.
const FORMATS: &[Format] = &[
    f(b"AKIA", 20, 20, Charset::UpperAlnum, "aws-access-key"),
    f(b"ASIA", 20, 20, Charset::UpperAlnum, "aws-access-key"),
    f(b"ABIA", 20, 20, Charset::UpperAlnum, "aws-access-key"),
    f(b"ACCA", 20, 20, Charset::UpperAlnum, "aws-access-key"),
    f(b"ABSK", 40, 200, Charset::Wide, "aws-bedrock-key"),
    f(
        b"bedrock-api-key-",
        40,
        2000,
        Charset::Wide,
        "aws-bedrock-key",
    ),
    f(b"github_pat_", 40, 255, Charset::Word, "github-token"),
    f(b"ghp_", 40, 40, Charset::Alnum, "github-token"),
    f(b"gho_", 40, 40, Charset::Alnum, "github-token"),
    f(b"ghu_", 40, 40, Charset::Alnum, "github-token"),
    f(b"ghs_", 40, 40, Charset::Alnum, "github-token"),
    f(b"ghr_", 40, 80, Charset::Alnum, "github-token"),
    f(b"glpat-", 26, 80, Charset::Wide, "gitlab-token"),
    f(b"glptt-", 26, 80, Charset::Wide, "gitlab-token"),
    f(b"glrt-", 25, 80, Charset::Wide, "gitlab-token"),
    f(b"gldt-", 25, 80, Charset::Wide, "gitlab-token"),
    f(b"xoxe.xoxp-", 20, 300, Charset::Wide, "slack-token"),
    f(b"xoxe.xoxb-", 20, 300, Charset::Wide, "slack-token"),
    f(b"xoxb-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxp-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxa-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxr-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxs-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxe-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xoxo-", 15, 300, Charset::Wide, "slack-token"),
    f(b"xapp-", 15, 300, Charset::Wide, "slack-token"),
    f(b"sk_live_", 20, 255, Charset::Alnum, "stripe-key"),
    f(b"sk_test_", 20, 255, Charset::Alnum, "stripe-key"),
    f(b"rk_live_", 20, 255, Charset::Alnum, "stripe-key"),
    f(b"rk_test_", 20, 255, Charset::Alnum, "stripe-key"),
    f(b"AIza", 39, 39, Charset::Word, "google-api-key"),
    f(b"GOCSPX-", 35, 35, Charset::Word, "google-oauth-secret"),
    f(b"sk-ant-", 40, 255, Charset::Word, "anthropic-key"),
    f(b"sk-proj-", 40, 255, Charset::Word, "openai-key"),
    f(b"sk-svcacct-", 40, 255, Charset::Word, "openai-key"),
    f(b"sk-admin-", 40, 255, Charset::Word, "openai-key"),
    f(b"sk-", 40, 255, Charset::Word, "openai-key"),
    f(b"hf_", 37, 37, Charset::Alnum, "huggingface-token"),
    f(b"api_org_", 42, 42, Charset::Alnum, "huggingface-token"),
    f(b"hvs.", 24, 200, Charset::Word, "vault-token"),
    f(b"hvb.", 24, 300, Charset::Word, "vault-token"),
    f(b"glc_", 32, 400, Charset::Wide, "grafana-token"),
    f(b"glsa_", 40, 60, Charset::Word, "grafana-token"),
    f(b"ops_eyJ", 50, 1000, Charset::Wide, "1password-token"),
    f(b"dapi", 36, 38, Charset::Word, "databricks-token"),
    f(b"HRKU-", 40, 80, Charset::Word, "heroku-key"),
    f(b"npm_", 40, 40, Charset::Alnum, "npm-token"),
    f(
        b"pypi-AgEIcHlwaS5vcmc",
        60,
        300,
        Charset::Word,
        "pypi-token",
    ),
    f(b"shpat_", 38, 38, Charset::Alnum, "shopify-token"),
    f(b"shpss_", 38, 38, Charset::Alnum, "shopify-token"),
    f(b"SG.", 69, 69, Charset::Word, "sendgrid-key"),
    f(b"dop_v1_", 71, 71, Charset::LowerHex, "digitalocean-token"),
];

/// The formats by the first byte of their prefix, in declaration order (a longer prefix is
/// declared before a shorter one it extends), so a token is checked against a few at most.
const BY_FIRST_BYTE: [[u8; 16]; 256] = {
    let mut table = [[u8::MAX; 16]; 256];
    let mut i = 0;
    assert!(FORMATS.len() < u8::MAX as usize);
    while i < FORMATS.len() {
        assert!(FORMATS[i].prefix.len() >= 2);
        let row = &mut table[FORMATS[i].prefix[0] as usize];
        let mut j = 0;
        while row[j] != u8::MAX {
            j += 1;
        }
        // The last slot stays a terminator.
        assert!(j < 15, "too many formats share a first byte");
        row[j] = i as u8;
        i += 1;
    }
    table
};

/// A token in a known vendor format at the start of `t`; returns its length too, since a
/// token may run into escape debris (`ops_eyJ…\n\n`) that is not part of it.
pub(crate) fn prefixed(t: &[u8]) -> Option<(Confidence, &'static str, usize)> {
    if t.len() < 15 {
        return None;
    }
    let formats = BY_FIRST_BYTE[t[0] as usize]
        .iter()
        .take_while(|&&i| i != u8::MAX)
        .map(|&i| &FORMATS[i as usize]);
    for fmt in formats {
        // Every prefix has at least two bytes; the second rules most out without a call.
        if fmt.prefix[1] != t[1] || !t.starts_with(fmt.prefix) {
            continue;
        }
        let mut t = t;
        if matches!(fmt.charset, Charset::Wide | Charset::Word) {
            let stop = t.iter().position(|&b| b == b'\\').unwrap_or(t.len());
            t = &t[..stop];
        }
        let body = &t[fmt.prefix.len()..];
        let body_ok = match fmt.kind {
            // Databricks: dapi + 32 hex, optional -N.
            "databricks-token" => {
                body.len() >= 32 && body[..32].iter().all(|&b| Charset::LowerHex.accepts(b))
            }
            _ => body.iter().all(|&b| fmt.charset.accepts(b)),
        };
        if !(fmt.min..=fmt.max).contains(&t.len()) || !body_ok {
            return None;
        }
        // Placeholders such as `ghp_xxxxxxxx…` or `AKIAXXXXXXXXXXXXXXXX`.
        if entropy(body) < 2.8 {
            return None;
        }
        if t.ends_with(b"EXAMPLE") {
            return Some((Confidence::Low, fmt.kind, t.len()));
        }
        return Some((Confidence::High, fmt.kind, t.len()));
    }
    // Azure AD client secret: three characters, a digit, `Q~`, then 31-34 more.
    if (37..=40).contains(&t.len())
        && t[3].is_ascii_digit()
        && &t[4..6] == b"Q~"
        && t.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"_~.-".contains(&b))
    {
        return Some((Confidence::High, "azure-client-secret", t.len()));
    }
    // 1Password secret key: A3-XXXXXX-…
    if t.starts_with(b"A3-")
        && (34..=40).contains(&t.len())
        && t.iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some((Confidence::High, "1password-secret-key", t.len()));
    }
    None
}

/// A JSON Web Token: three base64url parts, the first decoding to a JSON header.
pub(crate) fn jwt(t: &[u8]) -> bool {
    if !t.starts_with(b"eyJ") || t.len() < 20 {
        return false;
    }
    let mut parts = t.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let signature = parts.next().unwrap_or_default();
    if parts.next().is_some() || payload.len() < 2 {
        return false;
    }
    let b64 = |p: &[u8]| {
        p.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if !b64(header) || !b64(payload) || !b64(signature) {
        return false;
    }
    let mut buf = [0u8; 512];
    let Some(n) = base64_into(header, &mut buf) else {
        return false;
    };
    let header = &buf[..n];
    header.first() == Some(&b'{') && memchr::memmem::find(header, b"\"alg\"").is_some()
}

/// Words that, as the last part of a key, make the assigned value a secret.
const SECRET_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passwort",
    b"pwd",
    b"pass",
    b"secret",
    b"token",
    b"apikey",
    b"api_key",
    b"api-key",
    b"accesskey",
    b"access_key",
    b"secretkey",
    b"secret_key",
    b"private_key",
    b"privatekey",
    b"credentials",
    b"credential",
    b"auth",
    b"authorization",
    b"client_secret",
    b"clientsecret",
    b"client_srt",
    b"passphrase",
    b"session_key",
    b"sessionkey",
    b"access_token",
    b"refresh_token",
    b"auth_token",
    b"bearer_token",
    b"webhook_secret",
];

/// The last two bytes of every secret word, to rule most keys out with one comparison each.
const SECRET_ENDINGS: [[u8; 2]; SECRET_WORDS.len()] = {
    let mut out = [[0u8; 2]; SECRET_WORDS.len()];
    let mut i = 0;
    while i < SECRET_WORDS.len() {
        let w = SECRET_WORDS[i];
        out[i] = [w[w.len() - 2], w[w.len() - 1]];
        i += 1;
    }
    out
};

/// Whether a key (`DB_PASSWORD`, `apiKey`, `X-Api-Key`, `--token`) names a secret.
pub(crate) fn is_secret_key(key: &[u8]) -> bool {
    let key = key
        .strip_prefix(b"--")
        .or_else(|| key.strip_prefix(b"-"))
        .unwrap_or(key);
    if key.len() < 3 || key.len() > 48 {
        return false;
    }
    // `HEROKU_KEY`, `STRIPE_KEY`: an environment variable named after a key.
    if key.len() > 4
        && key.ends_with(b"_KEY")
        && key
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    {
        return true;
    }
    let ending = [
        key[key.len() - 2].to_ascii_lowercase(),
        key[key.len() - 1].to_ascii_lowercase(),
    ];
    if !SECRET_ENDINGS.contains(&ending) {
        return false;
    }
    SECRET_WORDS.iter().any(|w| {
        if key.len() < w.len() {
            return false;
        }
        let tail = &key[key.len() - w.len()..];
        if !eq_lower(tail, w) {
            return false;
        }
        let head = &key[..key.len() - w.len()];
        match head.last() {
            None => true,
            Some(b'_' | b'-' | b'.') => true,
            // camelCase boundary (`apiToken`), or a run-together key (`dbpassword`) for the
            // longer words, which rarely end another word.
            Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {
                tail[0].is_ascii_uppercase() || w.len() >= 6
            }
            _ => head.iter().all(|b| b.is_ascii_uppercase() || *b == b'_'),
        }
    })
}

/// Whether the value assigned to a secret key looks like a real secret rather than a
/// placeholder, a variable reference or an empty marker.
pub(crate) fn plausible_secret_value(v: &[u8]) -> bool {
    if v.len() < 4 || v.len() > 4096 {
        return false;
    }
    if matches!(v[0], b'$' | b'%' | b'{' | b'<' | b'*' | b'@') {
        return false;
    }
    if v.iter().all(|&b| b == v[0]) {
        return false;
    }
    const PLACEHOLDERS: &[&[u8]] = &[
        b"null",
        b"none",
        b"true",
        b"false",
        b"redacted",
        b"hidden",
        b"masked",
        b"example",
        b"placeholder",
        b"changeme",
        b"password",
        b"secret",
        b"token",
        b"undefined",
        b"empty",
        b"xxxx",
        b"****",
        b"your_",
        b"your-",
        b"dummy",
    ];
    let mut lower = [0u8; 64];
    let n = v.len().min(64);
    for (d, s) in lower.iter_mut().zip(v) {
        *d = s.to_ascii_lowercase();
    }
    let lower = &lower[..n];
    !PLACEHOLDERS
        .iter()
        .any(|p| memchr::memmem::find(lower, p).is_some())
}

/// A shorter secret in a place where one is expected (curl's user name): letters and digits
/// mixed, at least 8 long, no common word shape.
pub(crate) fn high_entropy_short(t: &[u8]) -> bool {
    t.len() >= 8
        && t.iter().any(u8::is_ascii_digit)
        && t.iter().any(u8::is_ascii_alphabetic)
        && entropy(t) >= 3.0
}

/// A long random-looking token: mixed case and digits, high entropy, many class changes.
/// A subresource-integrity digest (`sha512-…`, as npm prints it) is public, not a secret.
pub(crate) fn high_entropy(t: &[u8]) -> bool {
    if t.len() < 20 || t.len() > 1024 || integrity_digest(t) {
        return false;
    }
    let (mut upper, mut lower, mut digit, mut changes) = (0usize, 0usize, 0usize, 0usize);
    let mut prev = 0u8;
    for &b in t {
        let class = if b.is_ascii_uppercase() {
            upper += 1;
            1
        } else if b.is_ascii_lowercase() {
            lower += 1;
            2
        } else if b.is_ascii_digit() {
            digit += 1;
            3
        } else if b"+/=_-~".contains(&b) {
            4
        } else {
            return false;
        };
        if prev != 0 && class != prev {
            changes += 1;
        }
        prev = class;
    }
    if upper == 0 || lower == 0 || digit < 2 || changes * 10 < t.len() * 3 {
        return false;
    }
    let e = entropy(t);
    if t.len() < 32 { e >= 3.8 } else { e >= 4.2 }
}

/// `sha256-`, `sha384-` or `sha512-` and the base64 of a digest of that size: a
/// subresource-integrity value (npm's `integrity`, HTML's `integrity=`).
fn integrity_digest(t: &[u8]) -> bool {
    let (body, bytes) = match t.get(..7) {
        Some(b"sha256-") => (&t[7..], 32),
        Some(b"sha384-") => (&t[7..], 48),
        Some(b"sha512-") => (&t[7..], 64),
        _ => return false,
    };
    // The padding may be cut off, `=` being a delimiter of the scan.
    let padded = (bytes as usize).div_ceil(3) * 4;
    let unpadded = (bytes as usize * 4).div_ceil(3);
    (body.len() == padded || body.len() == unpadded)
        && body
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// A PEM block holding a private key, from `-----BEGIN` to the end of its END line.
pub(crate) fn pem(b: &[u8], start: usize) -> Option<usize> {
    let header_end = memchr::memmem::find(&b[start + 10..], b"-----")? + start + 10;
    memchr::memmem::find(&b[start..header_end], b"PRIVATE KEY")?;
    let body = header_end + 5;
    Some(match memchr::memmem::find(&b[body..], b"-----END") {
        Some(i) => {
            let end_line = body + i + 8;
            memchr::memmem::find(&b[end_line..], b"-----").map_or(b.len(), |j| end_line + j + 5)
        }
        None => b.len(),
    })
}

/// The secret a context word announced, starting at `start`: the password (or key) after
/// curl's `-u` when `curl_user`, the credential after `Bearer` (`auth_scheme` 1) or `Basic`
/// (2), else the value of a secret-named key. Its span and kind.
pub(crate) fn contextual(
    b: &[u8],
    start: usize,
    raw_end: usize,
    curl_user: bool,
    auth_scheme: u8,
) -> Option<(usize, usize, &'static str)> {
    let mut end = raw_end;
    while end > start && matches!(b[end - 1], b',' | b';') {
        end -= 1;
    }
    let v = &b[start..end];
    if curl_user {
        // The whole shell word, quotes and braces included: `"{id}":"{secret}"`, `kevin:'pw'`.
        let word_end = b[start..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(b.len(), |p| start + p);
        let word = &b[start..word_end];
        let colon = word.iter().rposition(|&c| c == b':')?;
        let unquoted = |s: usize, e: usize| {
            let mut s = s;
            let mut e = e;
            while s < e && matches!(b[s], b'"' | b'\'' | b'{' | b'}') {
                s += 1;
            }
            while e > s && matches!(b[e - 1], b'"' | b'\'' | b'{' | b'}') {
                e -= 1;
            }
            (s, e)
        };
        let (ps, pe) = unquoted(start + colon + 1, word_end);
        if pe > ps {
            return Some((ps, pe, "curl-user-password"));
        }
        // `-u "key:"`: the user name is the API key.
        let (us, ue) = unquoted(start, start + colon);
        return (ue > us && high_entropy_short(&b[us..ue])).then_some((us, ue, "curl-user-key"));
    }
    if !plausible_secret_value(v) {
        return None;
    }
    match auth_scheme {
        1 => (v.len() >= 8 && v.iter().any(u8::is_ascii_digit)).then_some((
            start,
            end,
            "bearer-token",
        )),
        2 => {
            let mut buf = [0u8; 256];
            let n = base64_into(v, &mut buf)?;
            buf[..n]
                .contains(&b':')
                .then_some((start, end, "basic-auth"))
        }
        _ => Some((start, end, "assigned-secret")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_formats() {
        assert_eq!(
            prefixed(b"AKIALALEMEL33243OLIB").map(|p| p.1),
            Some("aws-access-key")
        );
        assert_eq!(prefixed(b"AKIAXXXXXXXXXXXXXXXX"), None);
        assert_eq!(
            prefixed(b"AKIAIOSFODNN7EXAMPLE").map(|p| p.0),
            Some(Confidence::Low)
        );
        assert_eq!(prefixed(b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), None);
        assert!(prefixed(b"ghp_R8kD2mQ9vL4xT7pZ1cW6nB3hJ5sF0gY2aEuK").is_some());
    }

    #[test]
    fn jwt_header_is_decoded() {
        assert!(jwt(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(!jwt(b"eyJub3QiOiJhIGp3dCJ9.eyJ4IjoxfQ.abc"));
    }

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "DB_PASSWORD",
            "apiKey",
            "X-Api-Key",
            "client_secret",
            "--token",
            "aws_secret_access_key",
        ] {
            assert!(is_secret_key(k.as_bytes()), "{k}");
        }
        for k in ["bypass", "tokenizer", "passage", "keyboard", "author"] {
            assert!(!is_secret_key(k.as_bytes()), "{k}");
        }
    }

    #[test]
    fn entropy_gate() {
        assert!(high_entropy(b"Xk9mQ2vL7pR4tW8zN3bH6cJ1"));
        // npm's integrity digests are public content hashes.
        assert!(!high_entropy(
            b"sha512-pKvURIxJVi2CgRXROh/M6pJ/UrTVRZKX+LQ+QtqJI4vBNibkPcs43bCCSIkn7JBPtCBXRDmD6IWFF51QVRr+Yg=="
        ));
        assert!(!high_entropy(
            b"sha256-ofzkNjhU/4iM/0uOeHXWAMJoI5BBKoz3mzfQsRFIsPo="
        ));
        // The prefix alone does not excuse a token of another length.
        assert!(high_entropy(
            b"sha256-ofzkNjhU/4iM/0uOeHXWAMJoI5BBKoz3mzfQsRFIsPo9xQ"
        ));
        for s in [
            "9A4F0C2B71E84D3A8B5C6D7E8F901A2B",
            "8kq3xzt1m7fd9rgw5ye4bc6hpo",
            "ExperimentalEnableAuthenticationTransfer",
            "MozillaFirefox120Release2023",
        ] {
            assert!(!high_entropy(s.as_bytes()), "{s}");
        }
    }
}
