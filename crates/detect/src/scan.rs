//! The single pass over a string: tokens, context, dispatch to confirmers.
//!
//! Tokens are runs of bytes between delimiters (white space, quotes, brackets, `,;|=`).
//! Each token is trimmed of trailing punctuation and sent only to the confirmers its first
//! byte and contents allow. Context travels along the pass: the words just before a token
//! (`inet`, `version`, `tel`, `password=`, `Bearer`), a run of digit groups waiting to be
//! judged as a card or telephone number, and the word counts for the free-text test.

use crate::detectors::numbers::{self, Run, Verdict};
use crate::detectors::text::Words;
use crate::detectors::{eq_lower, host, net, path, secret, url};
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

const CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let delims = b" \t\n\r\x0b\x0c\"'`<>()[]{},;|=";
    let mut i = 0;
    while i < delims.len() {
        table[delims[i] as usize] = DELIM;
        i += 1;
    }
    let mut c = 0;
    while c < 26 {
        table[b'A' as usize + c] = UPPER;
        table[b'a' as usize + c] = LOWER;
        c += 1;
    }
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = DIGIT;
        d += 1;
    }
    table[b'@' as usize] = AT;
    table[b'.' as usize] = DOT;
    table[b':' as usize] = COLON;
    table
};

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

fn push(
    out: &mut Vec<Match>,
    category: Category,
    start: usize,
    end: usize,
    confidence: Confidence,
    kind: &'static str,
) {
    out.push(Match {
        category,
        span: start..end,
        confidence,
        kind,
    });
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
        push(
            out,
            Category::FreeText,
            start,
            end,
            Confidence::Medium,
            "sentence",
        );
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
                push(out, Category::IpAddress, start, end, c, "ipv4");
                return true;
            }
            // A MAC written with digits only (`12-34-56-78-90-12`) reads as a number.
            if let Some(c) = net::mac(t) {
                self.flush_run(out);
                push(out, Category::MacAddress, start, end, c, "mac");
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
                push(out, Category::IpAddress, start, start + fourth, c, "ipv4");
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
            Some(Verdict::Card(c)) => push(out, Category::PaymentCard, start, end, c, "card"),
            Some(Verdict::Phone(c)) => push(out, Category::PhoneNumber, start, end, c, "phone"),
            None => {
                for (s, e, c) in numbers::cards_in(&self.text[start..end]) {
                    push(out, Category::PaymentCard, start + s, start + e, c, "card");
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
            push(
                out,
                Category::Url,
                found.start,
                found.end,
                found.confidence,
                "url",
            );
            let (hs, he) = found.host;
            let host = &b[hs..he];
            if let Some(inner) = host.strip_prefix(b"[").and_then(|h| h.strip_suffix(b"]")) {
                if net::ipv6(inner).is_some() {
                    push(
                        out,
                        Category::IpAddress,
                        hs + 1,
                        he - 1,
                        Confidence::High,
                        "ipv6",
                    );
                }
            } else if host.first().is_some_and(u8::is_ascii_digit)
                && net::ipv4(host, true, false).is_some()
            {
                push(out, Category::IpAddress, hs, he, Confidence::High, "ipv4");
            }
            if let Some((s, e)) = found.password {
                push(
                    out,
                    Category::Credential,
                    s,
                    e,
                    Confidence::High,
                    "url-password",
                );
            }
            if let Some((s, e)) = found.query_secret {
                push(
                    out,
                    Category::Credential,
                    s,
                    e,
                    Confidence::High,
                    "url-query-secret",
                );
            }
            return (true, found.end.max(raw_end));
        }
        if t.starts_with(b"-----BEGIN")
            && let Some(stop) = self.pem(start)
        {
            push(
                out,
                Category::Credential,
                start,
                stop,
                Confidence::High,
                "private-key",
            );
            return (true, stop);
        }
        if self.at_scheme {
            return (false, raw_end);
        }
        if (self.secret_value || self.auth_scheme > 0 || self.curl_user)
            && let Some((s, e, kind)) = self.contextual_secret(start, raw_end)
        {
            push(out, Category::Credential, s, e, Confidence::High, kind);
            return (true, raw_end);
        }
        if seen & AT != 0 && t.contains(&b'@') && self.at_sign(start, end, out) {
            return (true, raw_end);
        }
        if secret::jwt(t) {
            push(
                out,
                Category::Credential,
                start,
                end,
                Confidence::High,
                "jwt",
            );
            return (true, raw_end);
        }
        if let Some((c, kind, len)) = secret::prefixed(t) {
            push(out, Category::Credential, start, start + len, c, kind);
            return (true, raw_end);
        }
        if let Some(c) = net::mac(t) {
            push(out, Category::MacAddress, start, end, c, "mac");
            return (true, raw_end);
        }
        if t[0].is_ascii_digit()
            && t.iter()
                .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b':' | b'/'))
            && let Some(c) = net::ipv4(t, self.ip_ctx > 0, self.version_ctx > 0)
        {
            push(out, Category::IpAddress, start, end, c, "ipv4");
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
                push(out, Category::IpAddress, start, end, c, "ipv6");
                return (true, raw_end);
            }
            // A dotted quad glued behind colons (`text::ffff:192.0.2.1`).
            let tail = t.iter().rposition(|&c| c == b':').map_or(0, |i| i + 1);
            if tail < t.len()
                && t[tail].is_ascii_digit()
                && let Some(c) = net::ipv4(&t[tail..], self.ip_ctx > 0, self.version_ctx > 0)
            {
                push(out, Category::IpAddress, start + tail, end, c, "ipv4");
                return (true, raw_end);
            }
        }
        if (matches!(t[0], b'/' | b'~' | b'\\') || (t.len() > 2 && t[1] == b':'))
            && let Some(c) = path::confidence(t)
        {
            push(out, Category::FilePath, start, end, c, "path");
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
            && let Some(stop) = self.iban(start, end)
        {
            push(out, Category::Iban, start, stop, Confidence::High, "iban");
            return (true, stop);
        }
        if seen & DOT != 0 && t.contains(&b'.') && self.host_like(start, end, out) {
            return (true, raw_end);
        }
        // A vendor token glued behind a separator (`8.3.14-AKIA…`, `build_ghp_…`).
        if seen & (DOT | COLON | OTHER) != 0 {
            for i in 1..t.len().saturating_sub(14) {
                if matches!(t[i - 1], b'-' | b'_' | b'.' | b':' | b'/' | b'+')
                    && t[i].is_ascii_alphabetic()
                    && let Some((c, kind, len)) = secret::prefixed(&t[i..])
                {
                    push(
                        out,
                        Category::Credential,
                        start + i,
                        start + i + len,
                        c,
                        kind,
                    );
                    return (true, raw_end);
                }
            }
        }
        // Generic secrets mix cases and digits.
        if seen & (UPPER | LOWER | DIGIT) == UPPER | LOWER | DIGIT && secret::high_entropy(t) {
            push(
                out,
                Category::Credential,
                start,
                end,
                Confidence::Medium,
                "high-entropy",
            );
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

    /// A PEM block holding a private key, from `-----BEGIN` to the end of its END line.
    fn pem(&self, start: usize) -> Option<usize> {
        let b = self.text;
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

    fn contextual_secret(
        &self,
        start: usize,
        raw_end: usize,
    ) -> Option<(usize, usize, &'static str)> {
        let b = self.text;
        let mut end = raw_end;
        while end > start && matches!(b[end - 1], b',' | b';') {
            end -= 1;
        }
        let v = &b[start..end];
        if self.curl_user {
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
            return (ue > us && secret::high_entropy_short(&b[us..ue])).then_some((
                us,
                ue,
                "curl-user-key",
            ));
        }
        if !secret::plausible_secret_value(v) {
            return None;
        }
        match self.auth_scheme {
            1 => (v.len() >= 8 && v.iter().any(u8::is_ascii_digit)).then_some((
                start,
                end,
                "bearer-token",
            )),
            2 => {
                let mut buf = [0u8; 256];
                let n = crate::validators::base64_decode(v, &mut buf)?;
                buf[..n]
                    .contains(&b':')
                    .then_some((start, end, "basic-auth"))
            }
            _ => Some((start, end, "assigned-secret")),
        }
    }

    /// `local@domain`: an e-mail address, or a user at a host.
    fn at_sign(&mut self, start: usize, end: usize, out: &mut Vec<Match>) -> bool {
        let b = self.text;
        let mut s = start;
        if b[s..end].len() > 7 && eq_lower(&b[s..s + 7], b"mailto:") {
            s += 7;
        }
        let t = &b[s..end];
        let at = t.iter().rposition(|&c| c == b'@').unwrap_or(0);
        let (local, domain) = (&t[..at], &t[at + 1..]);
        let dstart = s + at + 1;
        if domain.iter().filter(|&&c| c == b':').count() >= 2 && net::ipv6(domain).is_some() {
            push(
                out,
                Category::IpAddress,
                dstart,
                dstart + domain.len(),
                Confidence::High,
                "ipv6",
            );
            return true;
        }
        // `192.168.2.1@eth0`: an address bound to an interface.
        if local.first().is_some_and(u8::is_ascii_digit) && net::ipv4(local, true, false).is_some()
        {
            push(
                out,
                Category::IpAddress,
                s,
                s + at,
                Confidence::High,
                "ipv4",
            );
            return true;
        }
        let domain_end = domain
            .iter()
            .position(|&c| matches!(c, b':' | b'/' | b'?' | b'#'))
            .unwrap_or(domain.len());
        let domain = &domain[..domain_end];
        if domain.is_empty() {
            return false;
        }
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local[0] != b'.'
            && local[local.len() - 1] != b'.'
            && local.iter().all(|&c| {
                c.is_ascii_alphanumeric() || b".!#$%&*+/?^_{}~-".contains(&c) || c >= 0x80
            });
        // A file-like or upper-case domain lowers a bare host name, not an address.
        if local_ok && host::confidence(domain).is_some() {
            push(
                out,
                Category::Email,
                s,
                dstart + domain.len(),
                Confidence::High,
                "email",
            );
            return true;
        }
        if domain[0].is_ascii_digit()
            && let Some(_c) = net::ipv4(domain, true, false)
        {
            push(
                out,
                Category::IpAddress,
                dstart,
                dstart + domain.len(),
                Confidence::High,
                "ipv4",
            );
            return true;
        }
        false
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
                push(
                    out,
                    Category::Credential,
                    vstart,
                    end,
                    Confidence::High,
                    "assigned-secret",
                );
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
                push(out, Category::IpAddress, vstart, end, c, "ipv4");
                return Some(true);
            }
            return Some(false);
        }
        // The classes are only a pre-check, so the token's stand in for the value's.
        let (matched, _) = self.classify(vstart, end, end, seen, out);
        Some(matched)
    }

    /// Groups of up to four letters or digits after an IBAN's first group.
    fn iban(&self, start: usize, end: usize) -> Option<usize> {
        let b = self.text;
        let mut compact = [0u8; 34];
        let first = &b[start..end];
        if first.len() > 34
            || !first
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return None;
        }
        compact[..first.len()].copy_from_slice(first);
        let mut n = first.len();
        let mut stop = end;
        let mut valid = crate::validators::iban(&compact[..n]).then_some(stop);
        while n < 34 && stop + 1 < b.len() && b[stop] == b' ' {
            let g_start = stop + 1;
            let mut g_end = g_start;
            while g_end < b.len() && (b[g_end].is_ascii_uppercase() || b[g_end].is_ascii_digit()) {
                g_end += 1;
            }
            let len = g_end - g_start;
            if len == 0
                || len > 4
                || n + len > 34
                || (g_end < b.len() && b[g_end].is_ascii_alphanumeric())
            {
                break;
            }
            compact[n..n + len].copy_from_slice(&b[g_start..g_end]);
            n += len;
            stop = g_end;
            if crate::validators::iban(&compact[..n]) {
                valid = Some(stop);
            }
        }
        valid
    }

    /// A host name, `host:port`, or `host/path` (a URL without its scheme).
    fn host_like(&mut self, start: usize, end: usize, out: &mut Vec<Match>) -> bool {
        let t = &self.text[start..end];
        let slash = t.iter().position(|&c| c == b'/');
        let mut host_end = slash.unwrap_or(t.len());
        let mut scp = false;
        if let Some(colon) = t.iter().position(|&c| c == b':') {
            // `host:8080`, or scp's `host:path`.
            scp = !t[colon + 1..]
                .iter()
                .take_while(|c| **c != b'/')
                .all(u8::is_ascii_digit);
            host_end = host_end.min(colon);
        }
        let Some(c) = host::confidence(&t[..host_end]) else {
            return false;
        };
        if !scp && slash.is_some_and(|s| s + 1 < t.len()) && c > Confidence::Low {
            push(
                out,
                Category::Url,
                start,
                end,
                Confidence::Medium,
                "schemeless-url",
            );
        } else {
            push(
                out,
                Category::Hostname,
                start,
                start + host_end,
                c,
                "hostname",
            );
        }
        true
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
