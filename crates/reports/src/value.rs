//! Any JSON value, for open maps whose shape varies by release.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Any JSON value. Used where a product's keys and types change between releases; the engine
/// still scans every string and key inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AnyValue {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<AnyValue>),
    /// An object.
    Object(BTreeMap<String, AnyValue>),
}
