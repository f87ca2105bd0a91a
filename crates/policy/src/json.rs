//! Parses a body into a `serde_json::Value` while recording duplicate object keys, which
//! serde_json would silently resolve in favour of the last one.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// Appends one pointer segment, escaped (RFC 6901).
pub(crate) fn push_escaped(out: &mut String, segment: &str) {
    if segment.contains(['~', '/']) {
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    } else {
        out.push_str(segment);
    }
}

/// Duplicate members found while parsing, by pointer to the member.
pub(crate) type Duplicates = RefCell<Vec<String>>;

/// Where a node sits: its parent and its segment. The pointer is only spelled out when a
/// duplicate needs one, so a clean parse builds no pointer strings.
enum Path<'p> {
    Root,
    Index(&'p Path<'p>, usize),
    Key(&'p Path<'p>, &'p str),
}

impl Path<'_> {
    fn pointer(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Index(parent, i) => {
                parent.pointer(out);
                out.push_str(&format!("/{i}"));
            }
            Path::Key(parent, k) => {
                parent.pointer(out);
                out.push('/');
                push_escaped(out, k);
            }
        }
    }
}

struct Node<'a> {
    path: &'a Path<'a>,
    dups: &'a Duplicates,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = Path::Index(self.path, out.len());
            let node = Node {
                path: &path,
                dups: self.dups,
            };
            match seq.next_element_seed(node)? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            let value = map.next_value_seed(Node {
                path: &path,
                dups: self.dups,
            })?;
            match out.entry(key) {
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(value);
                }
                serde_json::map::Entry::Occupied(mut e) => {
                    let mut pointer = String::new();
                    Path::Key(self.path, e.key()).pointer(&mut pointer);
                    self.dups.borrow_mut().push(pointer);
                    e.insert(value);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Where a body stopped being JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong.
    pub message: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{} (line {}, column {})",
                self.message, self.line, self.column
            )
        } else {
            f.write_str(&self.message)
        }
    }
}

/// Parses `body`; returns the value (last member wins, as in serde_json) and the pointers of
/// duplicate members. serde_json's recursion limit (128 levels) bounds nesting.
pub(crate) fn parse(body: &[u8]) -> Result<(Value, Vec<String>), ParseError> {
    let dups = Duplicates::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Node {
        path: &Path::Root,
        dups: &dups,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; keep the message without it.
        let message = message
            .find(" at line ")
            .map_or(message.clone(), |i| message[..i].to_string());
        ParseError {
            message,
            line: e.line(),
            column: e.column(),
        }
    })?;
    Ok((value, dups.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_reported_at_the_member() {
        let (v, dups) =
            parse(br#"{"a":1,"b":{"c/d":1,"c/d":2},"a":3,"l":[{"x":1,"x":1}]}"#).unwrap();
        assert_eq!(v["a"], 3);
        assert_eq!(dups, ["/b/c~1d", "/a", "/l/0/x"]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(b"{\"a\": 1,\n  \"b\": x}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(parse(b"{} {}").is_err(), "trailing data");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            parse(deep.as_bytes())
                .unwrap_err()
                .message
                .contains("recursion")
        );
    }
}
