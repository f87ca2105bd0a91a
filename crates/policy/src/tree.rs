//! A parsed body that borrows its strings and member names from the input wherever they
//! hold no escapes, and keeps everything else (member lists, items, strings that held
//! escapes) in an arena: a parse allocates nothing per node, and dropping the tree frees
//! nothing per node. Objects are member lists sorted by name, one member per name (the last
//! copy wins, as in serde_json); a lookup scans a small object and binary-searches a large one.
//!
//! The validator decides validity on this tree directly (it implements jsonschema's instance
//! traits), and the walk reads it. A `serde_json::Value` is built from it where one is
//! needed: to list the schema errors of an invalid body, for a typed report from a body with
//! duplicates, for a body kept for analysis, and for a non-string value under an exception.

use crate::names;
use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object, cmp};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// One JSON value. Nothing in it needs dropping, so an arena can hold it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Tree<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(&'a str),
    Array(&'a [Tree<'a>]),
    /// Sorted by name, names unique.
    Object(&'a Members<'a>),
}

// An arena runs no destructors: a number holding memory (serde_json's arbitrary precision)
// would leak.
const _: () = assert!(!std::mem::needs_drop::<Tree<'static>>());

/// An object's members.
pub(crate) type Members<'a> = [(&'a str, Tree<'a>)];

/// The member named `key`.
pub(crate) fn get<'t, 'a>(members: &'t Members<'a>, key: &str) -> Option<&'t Tree<'a>> {
    // Most report objects are small and their names differ in length, so a scan that
    // compares bytes only on equal lengths beats the string comparisons of a binary search.
    if members.len() <= 16 {
        return members
            .iter()
            .find(|(k, _)| names::same(k, key))
            .map(|(_, v)| v);
    }
    members
        .binary_search_by(|(k, _)| names::order(k, key))
        .ok()
        .map(|i| &members[i].1)
}

impl<'a> Tree<'a> {
    pub(crate) fn as_object(&self) -> Option<&Members<'a>> {
        match self {
            Tree::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The same value as a `serde_json::Value`.
    pub(crate) fn to_value(&self) -> Value {
        self.to_value_without(&[])
    }

    /// The same value as a `serde_json::Value`, with the nodes at the sorted `addresses`
    /// (of this tree, taken during this audit) replaced by `null`.
    pub(crate) fn to_value_without(&self, addresses: &[usize]) -> Value {
        if !addresses.is_empty()
            && addresses
                .binary_search(&(std::ptr::from_ref(self) as usize))
                .is_ok()
        {
            return Value::Null;
        }
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Number(n) => Value::Number(n.clone()),
            Tree::String(s) => Value::String((*s).to_string()),
            Tree::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| v.to_value_without(addresses))
                    .collect(),
            ),
            Tree::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.to_value_without(addresses)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// A tree borrowing from `value` (whose object members are already sorted and unique:
    /// serde_json's map is ordered by key unless `preserve_order` is on, which this
    /// workspace does not turn on).
    pub(crate) fn from_value(value: &'a Value, arena: &'a bumpalo::Bump) -> Tree<'a> {
        match value {
            Value::Null => Tree::Null,
            Value::Bool(b) => Tree::Bool(*b),
            Value::Number(n) => Tree::Number(n.clone()),
            Value::String(s) => Tree::String(s),
            Value::Array(items) => Tree::Array(
                arena.alloc_slice_fill_iter(items.iter().map(|v| Tree::from_value(v, arena))),
            ),
            Value::Object(members) => Tree::Object(
                arena.alloc_slice_fill_iter(
                    members
                        .iter()
                        .map(|(k, v)| (k.as_str(), Tree::from_value(v, arena))),
                ),
            ),
        }
    }

    /// Equality as `serde_json::Value` has it (numbers equal when stored alike), which the
    /// walk's branch and tag tests were written against.
    pub(crate) fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Tree::Null, Value::Null) => true,
            (Tree::Bool(a), Value::Bool(b)) => a == b,
            (Tree::Number(a), Value::Number(b)) => a == b,
            (Tree::String(a), Value::String(b)) => names::same(a, b),
            (Tree::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Tree::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, x)| b.get(*k).is_some_and(|y| x.same(y)))
            }
            _ => false,
        }
    }

    /// Equality as JSON Schema has it (`const`, `enum`): numbers compare by value.
    fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Tree::Number(a), Value::Number(b)) => cmp::equal_numbers(a, b),
            (Tree::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals(y))
            }
            (Tree::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, x)| b.get(*k).is_some_and(|y| x.equals(y)))
            }
            _ => self.same(other),
        }
    }
}

/// The tree as jsonschema's instance representation.
pub(crate) struct Borrowed;

impl Json for Borrowed {
    type Node<'a> = &'a Tree<'a>;
    type PreparedKey = String;
    /// A string node borrows the text it is given; nothing is copied.
    type StringBuffer = ();
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(_: &mut (), string: &str, f: impl FnOnce(Self::Node<'_>) -> T) -> T {
        f(&Tree::String(string))
    }
}

fn code_points(s: &str) -> u64 {
    s.chars().count() as u64
}

impl<'a> Node<'a, Borrowed> for &'a Tree<'a> {
    type Object = &'a Members<'a>;
    type Array = &'a [Tree<'a>];
    type Number = &'a Number;

    fn as_object(&self) -> Option<&'a Members<'a>> {
        match self {
            Tree::Object(m) => Some(m),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Tree<'a>]> {
        match self {
            Tree::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Tree::String(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<&'a Number> {
        match self {
            Tree::Number(n) => Some(n),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Tree::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Tree::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Tree::Null => JsonType::Null,
            Tree::Bool(_) => JsonType::Boolean,
            Tree::Number(_) => JsonType::Number,
            Tree::String(_) => JsonType::String,
            Tree::Array(_) => JsonType::Array,
            Tree::Object(_) => JsonType::Object,
        }
    }

    fn string_length(&self) -> Option<u64> {
        match self {
            Tree::String(s) => Some(code_points(s)),
            _ => None,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let Tree::String(s) = self else {
            return None;
        };
        // A code point takes one to four bytes, so the count lies in `ceil(bytes / 4)..=bytes`.
        let bytes = s.len() as u64;
        let fewest = bytes.div_ceil(4);
        if bytes < min || fewest > max {
            return Some(false);
        }
        if min <= fewest && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&code_points(s)))
    }

    fn equals_value(&self, expected: &Value) -> bool {
        self.equals(expected)
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(Tree::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Tree<'a>>(*self) as usize
        ))
    }
}

/// The members of an object, as names and values.
pub(crate) struct MembersIter<'a>(std::slice::Iter<'a, (&'a str, Tree<'a>)>);

impl<'a> Iterator for MembersIter<'a> {
    type Item = (&'a str, &'a Tree<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (*k, v))
    }
}

impl<'a> Object<'a, Borrowed> for &'a Members<'a> {
    type Node = &'a Tree<'a>;
    type MemberName = &'a str;
    type MembersIter = MembersIter<'a>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Tree<'a>> {
        get(self, key)
    }

    fn members(&self) -> MembersIter<'a> {
        MembersIter(self.iter())
    }
}

impl<'a> Array<'a, Borrowed> for &'a [Tree<'a>] {
    type Node = &'a Tree<'a>;
    type ElementsIter = std::slice::Iter<'a, Tree<'a>>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Tree<'a>> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meets_the_validator_contract() {
        let doc = jsonschema::json::conformance::document();
        let arena = bumpalo::Bump::new();
        jsonschema::json::conformance::assert_conformance::<Borrowed>(&&Tree::from_value(
            &doc, &arena,
        ));
    }

    #[test]
    fn round_trips_through_value() {
        let v = json!({"b": [1, 2.5, -3, null, true], "a": {"é": "x\ny"}, "c": ""});
        let arena = bumpalo::Bump::new();
        assert_eq!(Tree::from_value(&v, &arena).to_value(), v);
        assert!(Tree::from_value(&v, &arena).same(&v));
    }

    #[test]
    fn equality_follows_each_semantics() {
        let one = Tree::Number(1.into());
        let one_f = json!(1.0);
        // Stored alike for the walk; by value for the validator.
        assert!(!one.same(&one_f));
        assert!(one.equals(&one_f));
        assert!(!one.equals(&json!(2)));
        assert!(!Tree::String("1").equals(&json!(1)));
    }

    #[test]
    fn lengths_count_code_points() {
        let t = Tree::String("héllo🦀");
        let n: &Tree = &t;
        assert_eq!(Node::<Borrowed>::string_length(&n), Some(6));
        assert_eq!(Node::<Borrowed>::string_length_within(&n, 0, 6), Some(true));
        assert_eq!(
            Node::<Borrowed>::string_length_within(&n, 0, 5),
            Some(false)
        );
    }
}
