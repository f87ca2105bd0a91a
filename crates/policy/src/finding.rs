//! Findings and the one place they are made: every finding, from the engine or from a
//! corpus analysis, passes through [`FindingBuilder`], which fills in the rule and severity
//! from the policy, keeps raw text only when evidence is shown, and fingerprints it.

use crate::{Category, Policy, Severity};
use privaudit_detect::decode::Encoding;
use std::fmt;
use std::ops::Range;

/// The secret a fingerprint is keyed with. Fingerprints are an HMAC-SHA-256 under it, so
/// nobody without the key can confirm a guessed value by hashing it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FingerprintKey(pub [u8; 32]);

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(…)")
    }
}

impl FingerprintKey {
    /// A fresh random key (from the standard library's per-process random hasher keys).
    pub fn random() -> FingerprintKey {
        use std::hash::{BuildHasher, Hasher};
        let mut out = [0u8; 32];
        for (i, chunk) in out.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        FingerprintKey(out)
    }

    /// A key from text (a passphrase or hex): its SHA-256.
    pub fn from_secret(secret: &str) -> FingerprintKey {
        use sha2::{Digest, Sha256};
        FingerprintKey(Sha256::digest(secret.as_bytes()).into())
    }

    /// The key as 64 hex characters, to store beside a baseline.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Reads 64 hex characters.
    pub fn from_hex(s: &str) -> Option<FingerprintKey> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks(2).enumerate() {
            out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(FingerprintKey(out))
    }
}

/// A finding's fingerprint: 32 hex characters of an HMAC-SHA-256 under `key` over the
/// parts, each followed by a zero byte. It holds no raw value and, without the key, cannot
/// be checked against guesses.
pub fn fingerprint(key: &FingerprintKey, parts: &[&str]) -> String {
    fingerprint_of(key, parts.iter().copied())
}

fn fingerprint_of<'p>(key: &FingerprintKey, parts: impl IntoIterator<Item = &'p str>) -> String {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key.0) else {
        return String::new();
    };
    mac.update(b"privaudit-finding-v1\0");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    hex(&mac.finalize().into_bytes()[..16])
}

/// 32 hex characters of a SHA-256 over `parts`, each followed by a zero byte, for identities
/// made only of what a finding shows (no key needed, nothing to reverse).
fn unkeyed<'p>(parts: impl IntoIterator<Item = &'p str>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"privaudit-finding-unkeyed-v1\0");
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

/// The identity of a finding's place for code scanning: 32 hex characters of a SHA-256 over
/// `scope` (product and report kind), the pointer without its keyed tags, the category and
/// the rule. It is the same across runs, machines and keys, holds no value (the pointer is
/// the redacted one), and stays when the leaked value at that place changes.
pub fn location_id(scope: &[&str], finding: &Finding) -> String {
    let pointer = crate::pointer::untagged(&finding.pointer);
    unkeyed(
        ["location"]
            .into_iter()
            .chain(scope.iter().copied())
            .chain([
                pointer.as_ref(),
                finding.category.as_str(),
                finding.rule.as_str(),
            ]),
    )
}

/// Bytes as lower-case hex, two characters each.
fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// What was found, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The redacted form (`j***@***.de`); empty for structural findings without a value.
    pub redacted: String,
    /// The raw matched text, only when [`crate::AuditOptions::show_evidence`] is set.
    pub raw: Option<String>,
    /// The whole string with the match marked `⟦…⟧`: the redacted match inside the value's
    /// shape (letters `x`, digits `9`), or the raw value with [`crate::AuditOptions::show_evidence`].
    /// Empty when the match is the whole string or there is no span.
    pub marked: String,
}

impl Evidence {
    /// The raw text when it was requested, else the redacted form.
    pub fn shown(&self) -> &str {
        self.raw.as_deref().unwrap_or(&self.redacted)
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// RFC 6901 pointer to the value, or to the member for a key, an undeclared member or a
    /// duplicate, safe to store and show: a segment that is data rather than a name the
    /// schema declares (an undeclared member, a map key other than a plain code of a map
    /// whose keys the schema calls codes, such as `en` under a locale map) is replaced by its
    /// redacted form and a keyed tag, `/totalSteps/<j***@***.nl #3fa9c2d1>`. The tag is the
    /// same for the same name under the same [`FingerprintKey`], so two keys stay apart.
    pub pointer: String,
    /// The pointer with every segment as sent, only when [`crate::AuditOptions::show_evidence`] is
    /// set and it differs from [`Finding::pointer`].
    pub raw_pointer: Option<String>,
    /// What it is about.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// Id of the broken rule.
    pub rule: String,
    /// What was found and which promise it breaks.
    pub message: String,
    /// Redacted evidence.
    pub evidence: Evidence,
    /// Byte span of the match inside the string (value or key), where one applies.
    pub span: Option<Range<usize>>,
    /// Whether the finding is about the member's key rather than its value.
    pub on_key: bool,
    /// The encodings the leak was found under, outermost first (`base64`, then `gzip`);
    /// empty when it was found as sent. The pointer and span are those of the encoded value.
    pub encoding: Vec<Encoding>,
    /// Stable id, 32 hex characters. With a [`FingerprintKey`]: an HMAC-SHA-256 under it
    /// over product, kind, the redacted pointer, category, rule and the matched text (for a
    /// finding about a member, its raw pointer); it cannot be checked against a guess without
    /// the key and changes when the leaked value changes. Without a key: a SHA-256 over the
    /// same with the redacted evidence in place of the matched text, so it holds only what
    /// the finding shows, and is the same on every run and machine. Either way it is the same
    /// with evidence shown or not.
    pub fingerprint: String,
}

impl Finding {
    /// The raw pointer when evidence was requested, else the redacted one.
    pub fn shown_pointer(&self) -> &str {
        self.raw_pointer.as_deref().unwrap_or(&self.pointer)
    }
}

/// What a finding says, before [`FindingBuilder::build`] gives it its rule, evidence and
/// identity.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// The pointer as sent (escaped, RFC 6901).
    pub pointer: &'a str,
    /// The pointer with its data-bearing segments redacted; `None` when none is.
    pub redacted_pointer: Option<String>,
    /// What it is about.
    pub category: Category,
    /// The severity; `None` takes that of the rule forbidding the category.
    pub severity: Option<Severity>,
    /// The broken rule's id; `None` takes the rule forbidding the category.
    pub rule: Option<String>,
    /// What was found and which promise it breaks.
    pub message: String,
    /// The text found (the whole value, or the matched part): kept as evidence only when
    /// asked, and part of the fingerprint.
    pub found: &'a str,
    /// Its redacted form.
    pub redacted: String,
    /// Byte span of the match in the string.
    pub span: Option<Range<usize>>,
    /// Whether the finding is about the member's key.
    pub on_key: bool,
    /// The encodings the text was found under, outermost first; empty when found as sent.
    pub encoding: Vec<Encoding>,
}

impl<'a> Draft<'a> {
    /// A draft at `pointer` of `category` about `found`, shown as `redacted`; rule and
    /// severity from the policy, no span, about a value.
    pub fn new(
        pointer: &'a str,
        category: Category,
        message: String,
        found: &'a str,
        redacted: String,
    ) -> Draft<'a> {
        Draft {
            pointer,
            redacted_pointer: None,
            category,
            severity: None,
            rule: None,
            message,
            found,
            redacted,
            span: None,
            on_key: false,
            encoding: Vec::new(),
        }
    }
}

/// Makes findings for one scope (a product's report kind, say): the policy that names the
/// rules, the names that scope the fingerprint, the key, and whether raw text is kept.
#[derive(Debug, Clone, Copy)]
pub struct FindingBuilder<'a> {
    policy: Option<&'a Policy>,
    scope: &'a [&'a str],
    key: Option<&'a FingerprintKey>,
    show_evidence: bool,
}

impl<'a> FindingBuilder<'a> {
    /// A builder for findings under `policy` (rules and severities), fingerprinted within
    /// `scope` (e.g. product and report kind) under `key`, or without a key when `None`
    /// (see [`Finding::fingerprint`]).
    pub fn new(
        policy: Option<&'a Policy>,
        scope: &'a [&'a str],
        key: Option<&'a FingerprintKey>,
        show_evidence: bool,
    ) -> FindingBuilder<'a> {
        FindingBuilder {
            policy,
            scope,
            key,
            show_evidence,
        }
    }

    /// Whether raw text is kept.
    pub fn show_evidence(&self) -> bool {
        self.show_evidence
    }

    /// The statement and id of the rule forbidding `category`, for a message.
    pub fn promise(&self, category: Category) -> String {
        self.policy
            .and_then(|p| p.rule_for(category))
            .map(|r| format!("{} ({})", r.statement, r.id))
            .unwrap_or_default()
    }

    /// The finding. Its raw pointer is kept whenever it differs from the shown one (for
    /// ordering); callers that do not show evidence drop it (see the engine's `finish`).
    pub fn build(&self, d: Draft<'_>) -> Finding {
        let fallback = self.policy.and_then(|p| p.rule_for(d.category));
        let rule = d
            .rule
            .or_else(|| fallback.map(|r| r.id.clone()))
            .unwrap_or_default();
        let severity = d
            .severity
            .or_else(|| fallback.map(|r| r.severity))
            .unwrap_or(Severity::Medium);
        let shown = d.redacted_pointer.as_deref().unwrap_or(d.pointer);
        let fingerprint = match self.key {
            // Over the raw text, which the key protects: two names whose tags collide still
            // make two fingerprints.
            Some(key) => fingerprint_of(
                key,
                self.scope.iter().copied().chain([
                    shown,
                    d.category.as_str(),
                    rule.as_str(),
                    d.found,
                ]),
            ),
            // Only what the finding shows anyway, so the hash tells nothing more.
            None => unkeyed(self.scope.iter().copied().chain([
                shown,
                d.category.as_str(),
                rule.as_str(),
                &d.redacted,
            ])),
        };
        Finding {
            raw_pointer: d.redacted_pointer.is_some().then(|| d.pointer.to_string()),
            pointer: d.redacted_pointer.unwrap_or_else(|| d.pointer.to_string()),
            category: d.category,
            severity,
            rule,
            message: d.message,
            evidence: Evidence {
                redacted: d.redacted,
                raw: self.show_evidence.then(|| d.found.to_string()),
                marked: String::new(),
            },
            span: d.span,
            on_key: d.on_key,
            encoding: d.encoding,
            fingerprint,
        }
    }
}
