//! The one list of finding categories: what policies forbid and allow, and what findings carry.

use privaudit_detect::Category as Detected;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a finding is about: a detected kind of data, or a structural problem.
///
/// Policies name categories in `forbids`, `allow` and an exception's `category`; a name that
/// is none of these is refused when the policy is read, with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// An e-mail address.
    Email,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A fully qualified host name.
    Hostname,
    /// A URL with a scheme.
    Url,
    /// A MAC address.
    MacAddress,
    /// A file system path.
    FilePath,
    /// A secret: token, key, password.
    Credential,
    /// A telephone number.
    PhoneNumber,
    /// A payment card number.
    PaymentCard,
    /// An international bank account number.
    Iban,
    /// A natural-language sentence.
    FreeText,
    /// A value that points at one customer, licence or person record.
    Identifier,
    /// A member the documented report does not have.
    UndeclaredField,
    /// A member that appears more than once in one object.
    DuplicateKey,
    /// A value that breaks the schema or a field's pattern or length.
    SchemaViolation,
}

impl Category {
    /// Every category, in declaration order (the order of a category mask's bits).
    pub const ALL: [Category; 15] = [
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
        Category::Identifier,
        Category::UndeclaredField,
        Category::DuplicateKey,
        Category::SchemaViolation,
    ];

    /// The stable name, as policies and every output format spell it.
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
            Category::Identifier => "identifier",
            Category::UndeclaredField => "undeclared_field",
            Category::DuplicateKey => "duplicate_key",
            Category::SchemaViolation => "schema_violation",
        }
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// This category's bit in a mask of categories.
    pub(crate) fn bit(self) -> u32 {
        1 << self as u32
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
            Category::Identifier => "identifier",
            Category::UndeclaredField => "undeclared member",
            Category::DuplicateKey => "duplicate member",
            Category::SchemaViolation => "schema violation",
        }
    }
}

impl From<Detected> for Category {
    fn from(c: Detected) -> Category {
        match c {
            Detected::Email => Category::Email,
            Detected::IpAddress => Category::IpAddress,
            Detected::Hostname => Category::Hostname,
            Detected::Url => Category::Url,
            Detected::MacAddress => Category::MacAddress,
            Detected::FilePath => Category::FilePath,
            Detected::Credential => Category::Credential,
            Detected::PhoneNumber => Category::PhoneNumber,
            Detected::PaymentCard => Category::PaymentCard,
            Detected::Iban => Category::Iban,
            Detected::FreeText => Category::FreeText,
        }
    }
}

// Ordered by name, so findings sort the same whichever form a reader compares.
impl Ord for Category {
    fn cmp(&self, other: &Category) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Category {
    fn partial_cmp(&self, other: &Category) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_detectors() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        for d in Detected::ALL {
            assert_eq!(Category::from(d).as_str(), d.as_str());
        }
        assert_eq!(Category::parse("e-mail"), None);
    }
}
