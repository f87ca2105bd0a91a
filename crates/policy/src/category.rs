//! The one list of finding categories: what policies forbid and allow, and what findings carry.

use privaudit_detect::Category as Detected;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What a finding is about: a kind of data a detector found, or a structural problem.
///
/// Policies name categories in `forbids`, `allow` and an exception's `category` by their
/// stable names (`email`, `undeclared_field`); a name that is none of these is refused when
/// the policy is read, with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Data a detector found: an e-mail address, an IP address, a credential, ...
    Detected(Detected),
    /// A value that points at one customer, licence or person record.
    Identifier,
    /// A member the documented report does not have.
    UndeclaredField,
    /// A member that appears more than once in one object.
    DuplicateKey,
    /// A value that breaks the schema or a field's pattern or length.
    SchemaViolation,
}

/// The categories no detector finds, in the order of their bits after the detected ones.
const STRUCTURAL: [Category; 4] = [
    Category::Identifier,
    Category::UndeclaredField,
    Category::DuplicateKey,
    Category::SchemaViolation,
];

impl Category {
    /// Every category: the detected ones in their order, then the structural ones (the
    /// order of a category mask's bits).
    pub const ALL: [Category; Detected::ALL.len() + STRUCTURAL.len()] = {
        let mut all = [Category::Identifier; Detected::ALL.len() + STRUCTURAL.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = if i < Detected::ALL.len() {
                Category::Detected(Detected::ALL[i])
            } else {
                STRUCTURAL[i - Detected::ALL.len()]
            };
            i += 1;
        }
        all
    };

    /// The stable name, as policies and every output format spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Detected(d) => d.as_str(),
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
        let index = match self {
            Category::Detected(d) => d as usize,
            other => Detected::ALL.len() + STRUCTURAL.iter().position(|s| *s == other).unwrap_or(0),
        };
        1 << index
    }

    /// What a reviewer reads in a message.
    pub fn label(self) -> &'static str {
        match self {
            Category::Detected(d) => d.label(),
            Category::Identifier => "identifier",
            Category::UndeclaredField => "undeclared member",
            Category::DuplicateKey => "duplicate member",
            Category::SchemaViolation => "schema violation",
        }
    }
}

impl From<Detected> for Category {
    fn from(c: Detected) -> Category {
        Category::Detected(c)
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Category, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Category::parse(&name).ok_or_else(|| {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            serde::de::Error::custom(format!(
                "unknown variant `{name}`, expected one of {}",
                names.join(", ")
            ))
        })
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
        let mut bits = 0u32;
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
            assert_eq!(bits & c.bit(), 0, "{c} shares a bit");
            bits |= c.bit();
        }
        assert_eq!(bits.count_ones() as usize, Category::ALL.len());
        for d in Detected::ALL {
            assert_eq!(Category::from(d).as_str(), d.as_str());
        }
        assert_eq!(Category::parse("e-mail"), None);
        let e = serde_json::from_str::<Category>("\"emial\"").unwrap_err();
        assert!(e.to_string().contains("unknown variant `emial`"), "{e}");
    }
}
