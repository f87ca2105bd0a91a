//! Finds personal data and secrets in a string, each candidate confirmed structurally.
//!
//! # Brief overview
//!
//! [`Scanner`] is built once and shared. [`Scanner::scan`] walks a string in one pass,
//! splitting it into tokens and computing cheap features on the way; a token goes only to the
//! confirmers its features allow, and each confirmer checks structure rather than shape: IPs
//! are parsed by the standard library, host names must end in a public suffix (the `psl`
//! crate) or a known private suffix, cards pass Luhn, IBANs pass mod-97, JWT headers are
//! decoded, generic secrets must show enough entropy. Every [`Match`] has a [`Category`], a
//! byte span, a [`Confidence`] and a finer `kind`.
//!
//! Confidence is how sure the string alone makes the detector. A dotted quad such as
//! `32.0.4.1` is an IPv4 address and a version alike; without context it is reported at
//! [`Confidence::Low`], and the caller (the policy engine, which knows the field) decides.
//! Look-alikes that real telemetry is full of (versions, time zones, hashes, UUIDs, `owner/repo`
//! slugs, OS and CPU names) stay below [`Confidence::Medium`], the default threshold.
//!
//! The crate knows nothing of JSON, products, policies or output formats. Scanning a string
//! that holds nothing allocates nothing.
//!
//! ```
//! use privaudit_detect::{Category, Scanner};
//! let scanner = Scanner::new();
//! let found = scanner.scan_vec("mail jan@example.nl from 192.168.1.20");
//! let cats: Vec<Category> = found.iter().map(|m| m.category).collect();
//! assert_eq!(cats, [Category::Email, Category::IpAddress]);
//! assert!(scanner.scan_vec("Nextcloud 32.0.4.1 on Europe/Amsterdam").iter().all(|m| !m.is_default()));
//! ```
#![deny(missing_docs)]

pub mod decode;
mod detectors;
mod lexicon;
mod registry;
mod scan;
pub mod validators;

pub use detectors::numbers::confirm_national;
pub use detectors::text::is_words;
pub use registry::{DETECTORS, DetectorInfo, detector};
use std::fmt;
use std::ops::Range;

/// What a match is. The names ([`Category::as_str`]) appear in every output.
///
/// The policy crate's categories hold these as they are, next to the structural ones
/// (undeclared members, duplicates, schema violations) that no detector finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// An e-mail address.
    Email,
    /// An IPv4 or IPv6 address, with or without port, zone or prefix length.
    IpAddress,
    /// A fully qualified host name on a public or private suffix.
    Hostname,
    /// A URL with a scheme.
    Url,
    /// A MAC address.
    MacAddress,
    /// A file system path (Unix, home-relative, Windows drive, UNC).
    FilePath,
    /// A secret: token, key, password, private key.
    Credential,
    /// A telephone number.
    PhoneNumber,
    /// A payment card number.
    PaymentCard,
    /// An international bank account number.
    Iban,
    /// A natural-language sentence.
    FreeText,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 11] = [
        Category::Email,
        Category::IpAddress,
        Category::Hostname,
        Category::Url,
        Category::MacAddress,
        Category::FilePath,
        Category::Credential,
        Category::PhoneNumber,
        Category::PaymentCard,
        Category::Iban,
        Category::FreeText,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Email => "email",
            Category::IpAddress => "ip_address",
            Category::Hostname => "hostname",
            Category::Url => "url",
            Category::MacAddress => "mac_address",
            Category::FilePath => "file_path",
            Category::Credential => "credential",
            Category::PhoneNumber => "phone_number",
            Category::PaymentCard => "payment_card",
            Category::Iban => "iban",
            Category::FreeText => "free_text",
        }
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// What a reviewer reads in a message.
    pub fn label(self) -> &'static str {
        match self {
            Category::Email => "e-mail address",
            Category::IpAddress => "IP address",
            Category::Hostname => "host name",
            Category::Url => "URL",
            Category::MacAddress => "MAC address",
            Category::FilePath => "file path",
            Category::Credential => "credential",
            Category::PhoneNumber => "telephone number",
            Category::PaymentCard => "payment card number",
            Category::Iban => "IBAN",
            Category::FreeText => "free text",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the string alone makes the detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    /// Structurally valid but a common look-alike (a dotted quad that reads as a version).
    Low,
    /// Valid and unusual in clean telemetry; reported by default.
    Medium,
    /// Valid with confirming context or an unambiguous format.
    High,
}

impl Confidence {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One piece of forbidden data found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// What it is.
    pub category: Category,
    /// Byte span in the scanned string.
    pub span: Range<usize>,
    /// How sure the detector is.
    pub confidence: Confidence,
    /// A finer kind within the category (`ipv6`, `aws-access-key`, `jwt`, …).
    pub kind: &'static str,
}

impl Match {
    /// A match of `kind` (a name in [`DETECTORS`], listed there under `category`).
    pub fn new(
        category: Category,
        span: Range<usize>,
        confidence: Confidence,
        kind: &'static str,
    ) -> Match {
        debug_assert!(
            detector(kind).is_some_and(|d| d.category == category),
            "the kind `{kind}` is not registered under {category:?}"
        );
        Match {
            category,
            span,
            confidence,
            kind,
        }
    }

    /// Whether the match reaches the default threshold ([`Confidence::Medium`]).
    pub fn is_default(&self) -> bool {
        self.confidence >= Confidence::Medium
    }
}

/// The compiled detectors. Build once, share across threads.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    _private: (),
}

impl Scanner {
    /// Builds a scanner. Cheap: all tables are static.
    pub fn new() -> Scanner {
        Scanner { _private: () }
    }

    /// Appends every match in `text` to `out`, ordered by span start.
    pub fn scan(&self, text: &str, out: &mut Vec<Match>) {
        if !self.may_match(text) {
            return;
        }
        let first = out.len();
        scan::scan(text, out);
        out[first..].sort_by_key(|m| (m.span.start, m.span.end));
    }

    /// Whether any detector could match `text`; when not, [`Scanner::scan`] finds nothing.
    /// Cheaper than a scan, for callers that put a cache in front of it.
    pub fn may_match(&self, text: &str) -> bool {
        !inert(text.as_bytes())
    }

    /// Convenience: every match in `text`.
    pub fn scan_vec(&self, text: &str) -> Vec<Match> {
        let mut out = Vec::new();
        self.scan(text, &mut out);
        out
    }
}

/// Whether no detector can match: a single short token of letters, digits, `_` and `-` with
/// fewer than seven digits. Every detector needs more (a separator such as `@ . : /`, a
/// second word, at least seven digits, or fifteen characters), and most telemetry values
/// (`nginx`, `x86_64`, `de`, `lxc`, `42`) are such tokens.
fn inert(b: &[u8]) -> bool {
    b.len() < 15
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        && b.iter().filter(|c| c.is_ascii_digit()).count() < 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn proxy_authorization_value_is_a_credential() {
        for header in [
            "Proxy-Authorization",
            "proxy-authorization",
            "Authorization",
        ] {
            let text = format!("{header}: Token r8Kd2mQ9vL4xT7pZ");
            let found = Scanner::new().scan_vec(&text);
            assert!(
                found.iter().any(|m| m.category == Category::Credential
                    && &text[m.span.clone()] == "r8Kd2mQ9vL4xT7pZ"),
                "{text}: {found:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The shortcut is only taken where the full scan finds nothing at any confidence.
        #[test]
        fn inert_strings_have_no_matches(s in "[A-Za-z0-9_-]{0,14}|[0-9a-f-]{0,14}|[A-Z]{2}[0-9]{2}[A-Z0-9]{0,10}") {
            if inert(s.as_bytes()) {
                let mut out = Vec::new();
                scan::scan(&s, &mut out);
                prop_assert!(out.is_empty(), "{s}: {out:?}");
            }
        }
    }
}
