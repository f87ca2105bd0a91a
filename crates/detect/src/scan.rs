//! The single pass over a string: tokens, context, dispatch to confirmers.
//!
//! Tokens are runs of bytes between delimiters (white space, quotes, brackets, `,;|=`).
//! Each token is trimmed of trailing punctuation and sent only to the confirmers its first
//! byte and contents allow. Context travels along the pass: the words just before a token
//! (`inet`, `version`, `tel`, `password=`, `Bearer`), a run of digit groups waiting to be
//! judged as a card or telephone number, and the word counts for the free-text test.

use crate::detectors::numbers::{self, Run, Verdict};
use crate::detectors::text::Words;
use crate::detectors::{email, eq_lower, host, net, path, secret, url};
use crate::lexicon;
use crate::{Category, Confidence, Match};

/// Byte classes, one table lookup per byte: whether it ends a token, and what a token holds.
const DELIM: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;
const DIGIT: u8 = 8;
const AT: u8 = 16;
const DOT: u8 = 32;
const COLON: u8 = 64;
/// Anything else: `/ - _ ~ +`, other punctuation, non-ASCII bytes.
const OTHER: u8 = 128;

const CLASS: [u8; 256] = crate::detectors::byte_classes(
    OTHER,
    (UPPER, LOWER, DIGIT),
    &[
        (b" \t\n\r\x0b\x0c\"'`<>()[]{},;|=", DELIM),
        (b"@", AT),
        (b".", DOT),
        (b":", COLON),
    ],
);

struct State<'a> {
    text: &'a [u8],
    ip_ctx: u8,
    version_ctx: u8,
    phone_ctx: u8,
    /// The previous token named a secret; an `=` or `:` makes the next one its value.
    secret_key: bool,
    /// The next token is the value of a secret key.
    secret_value: bool,
    /// The previous token was `Bearer` (1) or `Basic` (2).
    auth_scheme: u8,
    /// The previous token was curl's `-u`/`--user`.
    curl_user: bool,
    /// The previous token was an `Authorization:` header name; the next names a scheme.
    auth_header: bool,
    /// The current token is that scheme (`Bearer`, `Api-Token`).
    at_scheme: bool,
    run: Option<(usize, usize, bool)>,
    words: Words,
}

pub(crate) fn scan(text: &str, out: &mut Vec<Match>) {
    let b = text.as_bytes();
    let mut st = State {
        text: b,
        ip_ctx: 0,
        version_ctx: 0,
        phone_ctx: 0,
        secret_key: false,
        secret_value: false,
        auth_scheme: 0,
        curl_user: false,
        auth_header: false,
        at_scheme: false,
        run: None,
        words: Words::default(),
    };
    let mut i = 0;
    let mut prev_end = 0;
    while i < b.len() {
        if CLASS[b[i] as usize] == DELIM {
            i += 1;
            continue;
        }
        let start = i;
        let mut seen = 0;
        while i < b.len() {
            let class = CLASS[b[i] as usize];
            if class == DELIM {
                break;
            }
            seen |= class;
            i += 1;
        }
        let next = st.token(start, i, prev_end, seen, out);
        i = i.max(next);
        prev_end = i;
    }
    st.flush_run(out);
    if st.words.is_sentence() {
        let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(0);
        let end = b
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        out.push(Match::new(
            Category::FreeText,
            start..end,
            Confidence::Medium,
            "sentence",
        ));
    }
}

impl State<'_> {
    /// Handles one token; returns where scanning resumes (past the token, or further when a
    /// match such as a URL or a PEM block runs over delimiters).
    fn token(
        &mut self,
        start: usize,
        raw_end: usize,
        prev_end: usize,
        seen: u8,
        out: &mut Vec<Match>,
    ) -> usize {
        let b = self.text;
        let mut end = raw_end;
        while end > start && matches!(b[end - 1], b'.' | b',' | b':' | b';' | b'!' | b'?' | b'\\') {
            end -= 1;
        }
        let colon_after = b[end..raw_end].contains(&b':');
        let gap = &b[prev_end..start];
        if end == start {
            // Bare punctuation, such as the `:` between a JSON key and its value.
            if self.secret_key && colon_after {
                self.secret_value = true;
            }
            return raw_end;
        }
        let t = &b[start..end];
        self.at_scheme = self.auth_header && self.scheme_word(start, end);
        // A number in brackets, `(28)` or `[2]`, is an exit or error code.
        let bracketed = start > 0
            && matches!(b[start - 1], b'(' | b'[')
            && b.get(raw_end).is_some_and(|&c| matches!(c, b')' | b']'));
        // Trailing colons are trimmed already: `inet:` is looked up as `inet`.
        let flags = lexicon::flags(t);
        self.words.add(t, bracketed, flags & lexicon::FUNCTION != 0);
        // `password=…`, or a name and its value as two quoted arguments (`("api_token", "…")`).
        if self.secret_key
            && (gap.contains(&b'=')
                || gap.contains(&b',') && gap.iter().any(|c| matches!(c, b'"' | b'\'')))
        {
            self.secret_value = true;
        }

        let numeric = is_numeric(t);
        if !numeric || !self.joins_run(start, gap) {
            self.flush_run(out);
        }
        let mut resume = raw_end;
        let matched = if numeric && !self.secret_value {
            self.numeric(start, end, out)
        } else {
            let (matched, next) = self.classify(start, end, raw_end, seen, out);
            resume = next;
            matched
        };
        self.after(t, colon_after, matched, flags);
        resume
    }

    /// Updates the context the next tokens see; `flags` are the token's lexicon flags.
    fn after(&mut self, t: &[u8], colon_after: bool, matched: bool, flags: u8) {
        self.ip_ctx = self.ip_ctx.saturating_sub(1);
        self.version_ctx = self.version_ctx.saturating_sub(1);
        self.phone_ctx = self.phone_ctx.saturating_sub(1);
        self.secret_value = false;
        self.auth_scheme = 0;
        self.curl_user = false;
        self.secret_key = false;
        let auth_header = std::mem::take(&mut self.auth_header);
        if matched || t.len() > 48 {
            return;
        }
        let header = flags & lexicon::AUTHORIZATION != 0 || eq_lower(t, b"proxy-authorization");
        if header && colon_after {
            // The value is a scheme and a credential, or the credential alone.
            self.auth_header = true;
            self.secret_value = true;
            return;
        }
        if auth_header && self.at_scheme {
            // `Token …`, `Api-Token …`: every scheme but Basic carries the secret as is.
            self.auth_scheme = if flags & lexicon::BASIC != 0 { 2 } else { 1 };
            return;
        }
        if secret::is_secret_key(t) {
            self.secret_key = true;
            // `--password value` takes its value without `=`.
            self.secret_value = colon_after || t.starts_with(b"-");
            return;
        }
        if flags & lexicon::IP != 0 {
            self.ip_ctx = 2;
        } else if flags & lexicon::VERSION != 0 {
            self.version_ctx = 2;
        } else if flags & lexicon::PHONE != 0 {
            self.phone_ctx = 3;
        } else if flags & lexicon::BEARER != 0 {
            self.auth_scheme = 1;
        } else if flags & lexicon::BASIC != 0 {
            self.auth_scheme = 2;
        } else if t == b"-u" || t == b"--user" {
            self.curl_user = true;
        }
    }

    fn joins_run(&self, start: usize, gap: &[u8]) -> bool {
        self.run.is_some()
            && gap.len() <= 3
            && gap
                .iter()
                .all(|b| matches!(b, b' ' | b'(' | b')' | b'-' | b'.' | b'/'))
            && start > 0
    }

    fn numeric(&mut self, start: usize, end: usize, out: &mut Vec<Match>) -> bool {
        let t = &self.text[start..end];
        if t[0].is_ascii_digit() {
            if let Some(c) = net::ipv4(t, self.ip_ctx > 0, self.version_ctx > 0) {
                self.flush_run(out);
                out.push(Match::new(Category::IpAddress, start..end, c, "ipv4"));
                return true;
            }
            // A MAC written with digits only (`12-34-56-78-90-12`) reads as a number.
            if let Some(c) = net::mac(t) {
                self.flush_run(out);
                out.push(Match::new(Category::MacAddress, start..end, c, "mac"));
                return true;
            }
            // `192.168.1.1.1`: an address with a stray part, or a five-part version.
            if t.iter().all(|&c| c.is_ascii_digit() || c == b'.')
                && let Some(fourth) = t
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == b'.')
                    .nth(3)
                    .map(|(i, _)| i)
                && net::ipv4(&t[..fourth], self.ip_ctx > 0, false).is_some()
            {
                self.flush_run(out);
                let c = if self.ip_ctx > 0 {
                    Confidence::High
                } else {
                    Confidence::Low
                };
                out.push(Match::new(
                    Category::IpAddress,
                    start..start + fourth,
                    c,
                    "ipv4",
                ));
                return true;
            }
        }
        match &mut self.run {
            Some((_, run_end, ctx)) => {
                *run_end = end;
                *ctx |= self.phone_ctx > 0;
            }
            None => {
                let open = if start > 0 && self.text[start - 1] == b'(' {
                    start - 1
                } else {
                    start
                };
                self.run = Some((open, end, self.phone_ctx > 0));
            }
        }
        false
    }

    fn flush_run(&mut self, out: &mut Vec<Match>) {
        let Some((start, end, phone_context)) = self.run.take() else {
            return;
        };
        let run = Run {
            text: &self.text[start..end],
            phone_context,
        };
        match numbers::judge(&run) {
            Some(Verdict::Card(c)) => {
                out.push(Match::new(Category::PaymentCard, start..end, c, "card"))
            }
            Some(Verdict::Phone(c)) => {
                out.push(Match::new(Category::PhoneNumber, start..end, c, "phone"))
            }
            Some(Verdict::NationalPhone) => out.push(Match::new(
                Category::PhoneNumber,
                start..end,
                Confidence::Low,
                "national-phone",
            )),
            None => {
                for (s, e, c) in numbers::cards_in(&self.text[start..end]) {
                    out.push(Match::new(
                        Category::PaymentCard,
                        start + s..start + e,
                        c,
                        "card",
                    ));
                }
            }
        }
    }

    /// Classifies a non-numeric token `[start, end)` whose bytes up to `raw_end` have the
    /// classes `seen`; returns whether it matched and where scanning resumes.
    fn classify(
        &mut self,
        start: usize,
        end: usize,
        raw_end: usize,
        seen: u8,
        out: &mut Vec<Match>,
    ) -> (bool, usize) {
        let b = self.text;
        let t = &b[start..end];
        if seen & COLON != 0
            && let Some(sep) = memchr::memmem::find(&b[start..raw_end], b"://")
            && let Some(found) = url::at(b, start, start + sep)
        {
            out.push(Match::new(
                Category::Url,
                found.start..found.end,
                found.confidence,
                "url",
            ));
            let (hs, he) = found.host;
            let host = &b[hs..he];
            if let Some(inner) = host.strip_prefix(b"[").and_then(|h| h.strip_suffix(b"]")) {
                if net::ipv6(inner).is_some() {
                    out.push(Match::new(
                        Category::IpAddress,
                        hs + 1..he - 1,
                        Confidence::High,
                        "ipv6",
                    ));
                }
            } else if host.first().is_some_and(u8::is_ascii_digit)
                && net::ipv4(host, true, false).is_some()
            {
                out.push(Match::new(
                    Category::IpAddress,
                    hs..he,
                    Confidence::High,
                    "ipv4",
                ));
            }
            if let Some((s, e)) = found.password {
                out.push(Match::new(
                    Category::Credential,
                    s..e,
                    Confidence::High,
                    "url-password",
                ));
            }
            if let Some((s, e)) = found.query_secret {
                out.push(Match::new(
                    Category::Credential,
                    s..e,
                    Confidence::High,
                    "url-query-secret",
                ));
            }
            return (true, found.end.max(raw_end));
        }
        if t.starts_with(b"-----BEGIN")
            && let Some(stop) = secret::pem(self.text, start)
        {
            out.push(Match::new(
                Category::Credential,
                start..stop,
                Confidence::High,
                "private-key",
            ));
            return (true, stop);
        }
        if self.at_scheme {
            return (false, raw_end);
        }
        if (self.secret_value || self.auth_scheme > 0 || self.curl_user)
            && let Some((s, e, kind)) =
                secret::contextual(self.text, start, raw_end, self.curl_user, self.auth_scheme)
        {
            out.push(Match::new(
                Category::Credential,
                s..e,
                Confidence::High,
                kind,
            ));
            return (true, raw_end);
        }
        if seen & AT != 0 && t.contains(&b'@') && email::at_sign(self.text, start, end, out) {
            return (true, raw_end);
        }
        if secret::jwt(t) {
            out.push(Match::new(
                Category::Credential,
                start..end,
                Confidence::High,
                "jwt",
            ));
            return (true, raw_end);
        }
        if let Some((c, kind, len)) = secret::prefixed(t) {
            out.push(Match::new(
                Category::Credential,
                start..start + len,
                c,
                kind,
            ));
            return (true, raw_end);
        }
        if let Some(c) = net::mac(t) {
            out.push(Match::new(Category::MacAddress, start..end, c, "mac"));
            return (true, raw_end);
        }
        if t[0].is_ascii_digit()
            && t.iter()
                .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b':' | b'/'))
            && let Some(c) = net::ipv4(t, self.ip_ctx > 0, self.version_ctx > 0)
        {
            out.push(Match::new(Category::IpAddress, start..end, c, "ipv4"));
            return (true, raw_end);
        }
        let colons = if seen & COLON != 0 {
            t.iter().filter(|&&c| c == b':').count()
        } else {
            0
        };
        if colons >= 2
            && t.iter()
                .all(|&c| c.is_ascii_alphanumeric() || b":.%/_-".contains(&c))
        {
            if let Some(c) = net::ipv6(t) {
                out.push(Match::new(Category::IpAddress, start..end, c, "ipv6"));
                return (true, raw_end);
            }
            // A dotted quad glued behind colons (`text::ffff:192.0.2.1`).
            let tail = t.iter().rposition(|&c| c == b':').map_or(0, |i| i + 1);
            if tail < t.len()
                && t[tail].is_ascii_digit()
                && let Some(c) = net::ipv4(&t[tail..], self.ip_ctx > 0, self.version_ctx > 0)
            {
                out.push(Match::new(
                    Category::IpAddress,
                    start + tail..end,
                    c,
                    "ipv4",
                ));
                return (true, raw_end);
            }
        }
        if (matches!(t[0], b'/' | b'~' | b'\\') || (t.len() > 2 && t[1] == b':'))
            && let Some(c) = path::confidence(t)
        {
            out.push(Match::new(Category::FilePath, start..end, c, "path"));
            return (true, raw_end);
        }
        if colons >= 1
            && let Some(matched) = self.key_value(start, end, seen, out)
        {
            return (matched, raw_end);
        }
        if t.len() >= 4
            && t[..2].iter().all(u8::is_ascii_uppercase)
            && t[2..4].iter().all(u8::is_ascii_digit)
            && let Some(stop) = numbers::iban(self.text, start, end)
        {
            out.push(Match::new(
                Category::Iban,
                start..stop,
                Confidence::High,
                "iban",
            ));
            return (true, stop);
        }
        if seen & DOT != 0 && t.contains(&b'.') && host::host_like(self.text, start, end, out) {
            return (true, raw_end);
        }
        // A vendor token glued behind a separator (`8.3.14-AKIA…`, `build_ghp_…`).
        if seen & (DOT | COLON | OTHER) != 0 {
            for i in 1..t.len().saturating_sub(14) {
                if matches!(t[i - 1], b'-' | b'_' | b'.' | b':' | b'/' | b'+')
                    && t[i].is_ascii_alphabetic()
                    && let Some((c, kind, len)) = secret::prefixed(&t[i..])
                {
                    out.push(Match::new(
                        Category::Credential,
                        start + i..start + i + len,
                        c,
                        kind,
                    ));
                    return (true, raw_end);
                }
            }
        }
        // Generic secrets mix cases and digits.
        if seen & (UPPER | LOWER | DIGIT) == UPPER | LOWER | DIGIT && secret::high_entropy(t) {
            out.push(Match::new(
                Category::Credential,
                start..end,
                Confidence::Medium,
                "high-entropy",
            ));
            return (true, raw_end);
        }
        (false, raw_end)
    }

    /// An authentication scheme name (`Bearer`, `Api-Token`) followed by its credential.
    fn scheme_word(&self, start: usize, end: usize) -> bool {
        let t = &self.text[start..end];
        t.len() <= 24
            && t.iter().all(|b| b.is_ascii_alphabetic() || *b == b'-')
            && self.text.get(end) == Some(&b' ')
            && self
                .text
                .get(end + 1)
                .is_some_and(|c| !c.is_ascii_whitespace())
    }

    /// `key:value` in one token (`addr:10.0.0.5`, `password:hunter2`): the key is context,
    /// the value is classified on its own.
    /// `seen` holds the classes of the whole token, and so of its value part too.
    fn key_value(
        &mut self,
        start: usize,
        end: usize,
        seen: u8,
        out: &mut Vec<Match>,
    ) -> Option<bool> {
        let t = &self.text[start..end];
        let colon = t.iter().position(|&c| c == b':')?;
        let key = &t[..colon];
        let wordy = key.len() >= 2
            && key.len() <= 32
            && key
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
            && key
                .iter()
                .any(|c| c.is_ascii_alphabetic() && !c.is_ascii_hexdigit());
        if !wordy || colon + 1 >= t.len() {
            return None;
        }
        let vstart = start + colon + 1;
        if secret::is_secret_key(key) {
            if secret::plausible_secret_value(&self.text[vstart..end]) {
                out.push(Match::new(
                    Category::Credential,
                    vstart..end,
                    Confidence::High,
                    "assigned-secret",
                ));
                return Some(true);
            }
            return Some(false);
        }
        let ip_key = lexicon::flags(key) & lexicon::IP != 0;
        if ip_key {
            self.ip_ctx = self.ip_ctx.max(1);
        }
        let value = &self.text[vstart..end];
        // `text2001:db8::1`: hex digits run across the colon, so no key ends there.
        if !ip_key
            && key[key.len() - 1].is_ascii_hexdigit()
            && value.contains(&b':')
            && value[0].is_ascii_hexdigit()
        {
            return Some(false);
        }
        if is_numeric(value) {
            if value[0].is_ascii_digit()
                && let Some(c) = net::ipv4(value, self.ip_ctx > 0, self.version_ctx > 0)
            {
                out.push(Match::new(Category::IpAddress, vstart..end, c, "ipv4"));
                return Some(true);
            }
            return Some(false);
        }
        // The classes are only a pre-check, so the token's stand in for the value's.
        let (matched, _) = self.classify(vstart, end, end, seen, out);
        Some(matched)
    }
}

/// Digits with `+` (leading), `-`, `.` or `/` between them.
fn is_numeric(t: &[u8]) -> bool {
    let body = t.strip_prefix(b"+").unwrap_or(t);
    !body.is_empty()
        && body[0].is_ascii_digit()
        && body
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'/'))
}
