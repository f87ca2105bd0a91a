//! Parses a body into a [`Tree`] that borrows from it, recording duplicate object keys,
//! which would otherwise be silently resolved in favour of the last one.

use crate::names;
use crate::tree::Tree;
use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// Appends one pointer segment, escaped (RFC 6901).
pub(crate) fn push_escaped(out: &mut String, segment: &str) {
    if needs_escape(segment.as_bytes()) {
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    } else {
        out.push_str(segment);
    }
}

/// Whether a pointer segment holds `~` or `/`. Member names are short, so this looks at a
/// word at a time (the last word overlapping the one before) rather than setting up a vector
/// search.
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    // Whether any byte of `w` is zero (exact as a yes or no).
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & (ONES << 7) != 0;
    let special = |at: usize| {
        let w = names::word8(s, at);
        zero_byte(w ^ (ONES * u64::from(b'~'))) || zero_byte(w ^ (ONES * u64::from(b'/')))
    };
    if s.len() < 8 {
        return s.iter().any(|&b| b == b'~' || b == b'/');
    }
    (0..s.len() / 8).any(|i| special(i * 8)) || special(s.len() - 8)
}

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

/// Members and items parsed so far, of every open object and array: each container moves
/// its own off the end into the arena when it closes, at its final size.
struct Scratch<'de> {
    arena: &'de Bump,
    /// In the arena too: a body costs no call to the allocator for them.
    members: RefCell<bumpalo::collections::Vec<'de, (&'de str, Tree<'de>)>>,
    items: RefCell<bumpalo::collections::Vec<'de, Tree<'de>>>,
}

struct Node<'a, 'de> {
    path: &'a Path<'a>,
    dups: &'a Duplicates,
    scratch: &'a Scratch<'de>,
    limits: ParseLimits,
    depth: usize,
}

impl<'de> Node<'_, 'de> {
    /// The node of a member or item of this one.
    fn child<'b>(&'b self, path: &'b Path<'b>) -> Node<'b, 'de> {
        Node {
            path,
            dups: self.dups,
            scratch: self.scratch,
            limits: self.limits,
            depth: self.depth + 1,
        }
    }

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

impl<'de> DeserializeSeed<'de> for Node<'_, 'de> {
    type Value = Tree<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tree<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, 'de> {
    type Value = Tree<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Tree::Null, Tree::Number))
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Tree<'de>, E> {
        self.string(v.len())?;
        Ok(Tree::String(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Tree<'de>, E> {
        self.string(v.len())?;
        Ok(Tree::String(self.scratch.arena.alloc_str(v)))
    }
    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        self.nest()?;
        let start = self.scratch.items.borrow().len();
        for i in 0.. {
            let path = Path::Index(self.path, i);
            match seq.next_element_seed(self.child(&path))? {
                Some(v) => self.scratch.items.borrow_mut().push(v),
                None => break,
            }
        }
        let mut items = self.scratch.items.borrow_mut();
        let out = self
            .scratch
            .arena
            .alloc_slice_fill_iter(items.drain(start..));
        Ok(Tree::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        self.nest()?;
        let start = self.scratch.members.borrow().len();
        while let Some(key) = map.next_key_seed(Name(self.scratch.arena))? {
            self.string(key.len())?;
            let path = Path::Key(self.path, key);
            let value = map.next_value_seed(self.child(&path))?;
            self.scratch.members.borrow_mut().push((key, value));
        }
        let mut members = self.scratch.members.borrow_mut();
        // Sorted and one member per name, the last copy kept; writers usually send names
        // in order already, which one pass confirms.
        if !members[start..].is_sorted_by(|a, b| names::order(a.0, b.0).is_lt()) {
            members[start..].sort_by(|a, b| names::order(a.0, b.0));
            let mut kept = start;
            for i in start..members.len() {
                if members
                    .get(i + 1)
                    .is_some_and(|next| names::same(next.0, members[i].0))
                {
                    let mut pointer = String::new();
                    Path::Key(self.path, members[i].0).pointer(&mut pointer);
                    self.dups.borrow_mut().push(pointer);
                    continue;
                }
                members.swap(kept, i);
                kept += 1;
            }
            members.truncate(kept);
        }
        let out = self
            .scratch
            .arena
            .alloc_slice_fill_iter(members.drain(start..));
        Ok(Tree::Object(out))
    }
}

/// A member name, borrowed when it holds no escapes and copied into the arena when it does.
struct Name<'de>(&'de Bump);

impl<'de> DeserializeSeed<'de> for Name<'de> {
    type Value = &'de str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'de str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name<'de> {
    type Value = &'de str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<&'de str, E> {
        Ok(v)
    }
    fn visit_str<E>(self, v: &str) -> Result<&'de str, E> {
        Ok(self.0.alloc_str(v))
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

/// Parses `body` into `arena`; returns the tree (last member wins, as in serde_json) and the
/// pointers of duplicate members, object by object as each closes, by name within one.
/// serde_json's recursion limit (128 levels) bounds nesting.
pub(crate) fn parse<'a>(
    body: &'a [u8],
    arena: &'a Bump,
    limits: ParseLimits,
) -> Result<(Tree<'a>, Vec<String>), ParseError> {
    let dups = Duplicates::default();
    // Room for the members and items of ordinary reports, so they do not grow per body.
    let scratch = Scratch {
        arena,
        members: RefCell::new(bumpalo::collections::Vec::with_capacity_in(64, arena)),
        items: RefCell::new(bumpalo::collections::Vec::with_capacity_in(32, arena)),
    };
    let root = Node {
        path: &Path::Root,
        dups: &dups,
        scratch: &scratch,
        limits,
        depth: 0,
    };
    // Text checked as UTF-8 once, as a whole, is not checked again string by string; a body
    // that fails the check is parsed from bytes, which says where it fails.
    fn whole<'de, R: serde_json::de::Read<'de>>(
        root: Node<'_, 'de>,
        mut de: serde_json::Deserializer<R>,
    ) -> serde_json::Result<Tree<'de>> {
        root.deserialize(&mut de).and_then(|v| de.end().map(|()| v))
    }
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => whole(root, serde_json::Deserializer::from_str(text)),
        Err(_) => whole(root, serde_json::Deserializer::from_slice(body)),
    };
    let value = parsed.map_err(|e| {
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

    /// Parses into a fresh arena, as a `serde_json::Value`.
    fn parsed(
        body: &[u8],
        limits: ParseLimits,
    ) -> Result<(serde_json::Value, Vec<String>), ParseError> {
        let arena = Bump::new();
        parse(body, &arena, limits).map(|(t, dups)| (t.to_value(), dups))
    }

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
        let e = parsed(br#"{"a":[[{"b":1}]]}"#, tight).unwrap_err();
        assert!(e.message.contains("depth limit of 3"), "{e}");
        assert!(parsed(br#"{"a":[[1]]}"#, tight).is_ok());
        let e = parsed(br#"{"a":"0123456789"}"#, tight).unwrap_err();
        assert!(e.message.contains("string limit of 8 bytes"), "{e}");
        let e = parsed(br#"{"0123456789":1}"#, tight).unwrap_err();
        assert!(e.message.contains("string limit"), "{e}");
        // The byte position points into the body, here at the bad token on line 2.
        let e = parsed(b"{\"a\": 1,\n  \"b\": x}", L).unwrap_err();
        assert_eq!(e.byte, 16);
        // Hostile shapes fail cleanly rather than overflowing the stack.
        let deep = "[".repeat(100_000);
        assert!(parsed(deep.as_bytes(), L).is_err());
        for bad in [
            &b"{\"a\": \"\\ud800\"}"[..],
            b"{\"a\": \"\xff\"}",
            b"{\"a\": 1e999}",
            b"{\"a\": \"x",
            b"",
            b"\x00",
        ] {
            assert!(parsed(bad, L).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn duplicates_are_reported_at_the_member() {
        let (v, dups) = parsed(
            br#"{"a":1,"b":{"c/d":1,"c/d":2},"a":3,"l":[{"x":1,"x":1}]}"#,
            L,
        )
        .unwrap();
        // The last copy wins; the rest is sorted by name.
        assert_eq!(
            v,
            serde_json::json!({"a": 3, "b": {"c/d": 2}, "l": [{"x": 1}]})
        );
        // Each object reports its duplicates when it closes.
        assert_eq!(dups, ["/b/c~1d", "/l/0/x", "/a"]);
        let (v, dups) = parsed(br#"{"k":1,"k":2,"k":3}"#, L).unwrap();
        assert_eq!(v, serde_json::json!({"k": 3}));
        assert_eq!(dups, ["/k", "/k"]);
    }

    /// The tree holds what serde_json's own `Value` holds, for every fixture and for
    /// arbitrary documents, whatever their member order, duplicates or escapes.
    #[test]
    fn parses_as_serde_json_does() {
        let mut dirs = vec![std::path::PathBuf::from(format!(
            "{}/../../fixtures",
            env!("CARGO_MANIFEST_DIR")
        ))];
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for path in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "json") {
                    let body = std::fs::read(&path).unwrap();
                    let ours = parsed(&body, L).ok().map(|(v, _)| v);
                    let theirs = serde_json::from_slice::<serde_json::Value>(&body).ok();
                    assert_eq!(ours, theirs, "{}", path.display());
                    files += 1;
                }
            }
        }
        assert!(files > 50, "only {files} fixtures");
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn segments_are_escaped_exactly_when_needed(
            name in proptest::collection::vec(
                prop_oneof![
                    1 => Just('~'),
                    1 => Just('/'),
                    8 => proptest::char::any(),
                    8 => proptest::char::range('a', 'z'),
                ],
                0..40,
            ).prop_map(|c| c.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(needs_escape(name.as_bytes()), name.contains(['~', '/']));
            let mut out = String::new();
            push_escaped(&mut out, &name);
            prop_assert_eq!(out, name.replace('~', "~0").replace('/', "~1"));
        }

        #[test]
        fn arbitrary_documents_parse_as_serde_json_does(
            members in proptest::collection::vec(
                ("[a-c\\\\\"é/~]{0,3}", prop_oneof![
                    any::<i64>().prop_map(|n| n.to_string()),
                    any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| f.to_string()),
                    "[ -~é\\n]{0,6}".prop_map(|s| serde_json::to_string(&s).unwrap()),
                    Just("[1,{\"a\":[]},null,true]".to_string()),
                ]),
                0..8,
            ),
            bad_byte in proptest::option::of(0usize..64),
        ) {
            let mut body = String::from("{");
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&serde_json::to_string(k).unwrap());
                body.push(':');
                body.push_str(v);
            }
            body.push('}');
            let mut bytes = body.into_bytes();
            // Now and then a byte that breaks the text: the error must be serde_json's too.
            if let Some(i) = bad_byte.filter(|i| *i < bytes.len()) {
                bytes[i] = 0xff;
            }
            let ours = parsed(&bytes, L);
            let theirs = serde_json::from_slice::<serde_json::Value>(&bytes);
            match (ours, theirs) {
                (Ok((v, _)), Ok(w)) => prop_assert_eq!(v, w),
                (Err(e), Err(f)) => prop_assert_eq!((e.line, e.column), (f.line(), f.column())),
                (ours, theirs) => prop_assert!(false, "{:?} vs {:?}", ours, theirs),
            }
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let body = br#"{"plain":"text","esc\u0061ped":"a\nb"}"#;
        let arena = Bump::new();
        let (v, _) = parse(body, &arena, L).unwrap();
        let in_body = |s: &str| body.as_ptr_range().contains(&s.as_ptr());
        let Tree::Object(members) = v else { panic!() };
        let [(k1, v1), (k2, v2)] = members else {
            panic!("{members:?}")
        };
        assert_eq!((*k1, *k2), ("escaped", "plain"));
        assert_eq!((v1, v2), (&Tree::String("a\nb"), &Tree::String("text")));
        let (Tree::String(s1), Tree::String(s2)) = (v1, v2) else {
            panic!()
        };
        // Unescaped text is copied into the arena; the rest points into the body.
        assert!(!in_body(k1) && !in_body(s1));
        assert!(in_body(k2) && in_body(s2));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parsed(b"{\"a\": 1,\n  \"b\": x}", L).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(parsed(b"{} {}", L).is_err(), "trailing data");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            parsed(deep.as_bytes(), L)
                .unwrap_err()
                .message
                .contains("recursion")
        );
    }
}
