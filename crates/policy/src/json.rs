//! Parses a body into a `serde_json::Value` while recording duplicate object keys, which
//! serde_json would silently resolve in favour of the last one.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// Appends one pointer segment, escaped (RFC 6901).
pub(crate) fn push_escaped(out: &mut String, segment: &str) {
    if memchr::memchr2(b'~', b'/', segment.as_bytes()).is_some() {
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    } else {
        out.push_str(segment);
    }
}

/// Duplicate members found while parsing, by pointer to the member.
/// Appends an array index in decimal, without the formatting machinery (it runs per item).
pub(crate) fn push_index(out: &mut String, mut i: usize) {
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    loop {
        n -= 1;
        digits[n] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    out.extend(digits[n..].iter().map(|&d| d as char));
}

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
                out.push('/');
                push_index(out, *i);
            }
            Path::Key(parent, k) => {
                parent.pointer(out);
                out.push('/');
                push_escaped(out, k);
            }
        }
    }
}

/// What one parse may hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParseLimits {
    /// Deepest nesting of arrays and objects (serde_json stops at 128 in any case).
    pub(crate) max_depth: usize,
    /// Longest string or key, in bytes.
    pub(crate) max_string: usize,
}

struct Node<'a> {
    path: &'a Path<'a>,
    dups: &'a Duplicates,
    limits: ParseLimits,
    depth: usize,
}

impl Node<'_> {
    fn string<E: serde::de::Error>(&self, len: usize) -> Result<(), E> {
        if len > self.limits.max_string {
            return Err(E::custom(format!(
                "a string of {len} bytes exceeds the string limit of {} bytes",
                self.limits.max_string
            )));
        }
        Ok(())
    }

    fn nest<E: serde::de::Error>(&self) -> Result<(), E> {
        if self.depth >= self.limits.max_depth {
            return Err(E::custom(format!(
                "nesting exceeds the depth limit of {} levels",
                self.limits.max_depth
            )));
        }
        Ok(())
    }
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
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.string(v.len())?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        self.string(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.nest()?;
        let mut out = Vec::new();
        loop {
            let path = Path::Index(self.path, out.len());
            let node = Node {
                path: &path,
                dups: self.dups,
                limits: self.limits,
                depth: self.depth + 1,
            };
            match seq.next_element_seed(node)? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.nest()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.string(key.len())?;
            let path = Path::Key(self.path, &key);
            let value = map.next_value_seed(Node {
                path: &path,
                dups: self.dups,
                limits: self.limits,
                depth: self.depth + 1,
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
    /// 0-based byte offset in the body.
    pub byte: usize,
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &body[start..]) {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(body.len())
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
pub(crate) fn parse(body: &[u8], limits: ParseLimits) -> Result<(Value, Vec<String>), ParseError> {
    let dups = Duplicates::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Node {
        path: &Path::Root,
        dups: &dups,
        limits,
        depth: 0,
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
            byte: offset(body, e.line(), e.column()),
        }
    })?;
    Ok((value, dups.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: ParseLimits = ParseLimits {
        max_depth: 128,
        max_string: 1 << 20,
    };

    #[test]
    fn limits_are_named_when_hit() {
        let tight = ParseLimits {
            max_depth: 3,
            max_string: 8,
        };
        let e = parse(br#"{"a":[[{"b":1}]]}"#, tight).unwrap_err();
        assert!(e.message.contains("depth limit of 3"), "{e}");
        assert!(parse(br#"{"a":[[1]]}"#, tight).is_ok());
        let e = parse(br#"{"a":"0123456789"}"#, tight).unwrap_err();
        assert!(e.message.contains("string limit of 8 bytes"), "{e}");
        let e = parse(br#"{"0123456789":1}"#, tight).unwrap_err();
        assert!(e.message.contains("string limit"), "{e}");
        // The byte position points into the body, here at the bad token on line 2.
        let e = parse(b"{\"a\": 1,\n  \"b\": x}", L).unwrap_err();
        assert_eq!(e.byte, 16);
        // Hostile shapes fail cleanly rather than overflowing the stack.
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes(), L).is_err());
        for bad in [
            &b"{\"a\": \"\\ud800\"}"[..],
            b"{\"a\": \"\xff\"}",
            b"{\"a\": 1e999}",
            b"{\"a\": \"x",
            b"",
            b"\x00",
        ] {
            assert!(parse(bad, L).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn duplicates_are_reported_at_the_member() {
        let (v, dups) = parse(
            br#"{"a":1,"b":{"c/d":1,"c/d":2},"a":3,"l":[{"x":1,"x":1}]}"#,
            L,
        )
        .unwrap();
        assert_eq!(v["a"], 3);
        assert_eq!(dups, ["/b/c~1d", "/a", "/l/0/x"]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(b"{\"a\": 1,\n  \"b\": x}", L).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(parse(b"{} {}", L).is_err(), "trailing data");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            parse(deep.as_bytes(), L)
                .unwrap_err()
                .message
                .contains("recursion")
        );
    }
}
