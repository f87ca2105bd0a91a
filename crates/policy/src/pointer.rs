//! Pointers as findings carry them. A member name that is data (a map key, an undeclared
//! member) may be the very leak being reported, so such a segment is replaced by its
//! redacted form and a short keyed tag: `/totalSteps/<j***@***.nl #3fa9c2>`. The tag tells
//! two keys apart within a run without letting anyone check a guess (it is an HMAC under the
//! fingerprint key).

use crate::FingerprintKey;
use crate::redact::{describe, redact};
use foldhash::HashSet;
use privaudit_detect::Scanner;
use serde_json::Value;

/// Every member name a schema declares (under any `properties`, or `required`): the schema's
/// own vocabulary, which is never data and stays readable in pointers.
pub(crate) fn declared_names(schema: &Value) -> HashSet<String> {
    fn walk(v: &Value, out: &mut HashSet<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    out.extend(props.keys().cloned());
                }
                if let Some(Value::Array(req)) = map.get("required") {
                    out.extend(req.iter().filter_map(Value::as_str).map(str::to_string));
                }
                for child in map.values() {
                    walk(child, out, depth + 1);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out, depth + 1)),
            _ => {}
        }
    }
    let mut out = HashSet::default();
    walk(schema, &mut out, 0);
    out
}

/// A name short and plain enough to be a code (`en`, `x86_64`, `mysql`, `8.6.82`), which no
/// detector reads as anything: shown as it is. Anything else that is not declared by the
/// schema (free text, non-ASCII, spaces, slashes, control characters) is redacted.
fn plain(name: &str, scanner: &Scanner) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        && scanner.scan_vec(name).is_empty()
}

/// The keyed tag of a redacted name: 6 hex characters of an HMAC-SHA-256.
fn tag(key: &FingerprintKey, name: &str) -> String {
    let mut t = crate::fingerprint(key, &["privaudit-key-segment", name]);
    t.truncate(6);
    t
}

/// The redacted form of one undeclared member name: what a detector reads it as, redacted as
/// evidence is, or its length alone.
fn redact_name(name: &str, scanner: &Scanner, key: &FingerprintKey) -> String {
    let found = scanner.scan_vec(name);
    let shown = match found.first() {
        Some(m) if m.span.start == 0 && m.span.end == name.len() => {
            redact(m.category.as_str(), name)
        }
        _ => {
            let d = describe(name);
            d.trim_start_matches('<').trim_end_matches('>').to_string()
        }
    };
    format!("<{shown} #{}>", tag(key, name))
}

/// Redacts the data-bearing segments of escaped JSON pointers, remembering each undeclared
/// segment it has judged (one report repeats its map's pointer in many findings).
pub(crate) struct PointerRedactor<'a> {
    declared: &'a HashSet<String>,
    scanner: &'a Scanner,
    seen: foldhash::HashMap<String, Option<String>>,
}

impl<'a> PointerRedactor<'a> {
    pub(crate) fn new(declared: &'a HashSet<String>, scanner: &'a Scanner) -> Self {
        PointerRedactor {
            declared,
            scanner,
            seen: Default::default(),
        }
    }

    /// `pointer` with every undeclared, non-plain segment redacted and tagged under `key`;
    /// `None` when nothing needed it (the pointer is safe as it is).
    pub(crate) fn redact(&mut self, pointer: &str, key: &FingerprintKey) -> Option<String> {
        let mut out: Option<String> = None;
        let mut done = 0;
        let mut at = 0;
        for escaped in pointer.split('/').skip(1) {
            at += 1;
            let start = at;
            at += escaped.len();
            let name = unescape(escaped);
            // Array indices and the schema's own names, the usual segments, cost a lookup.
            if self.declared.contains(name.as_ref()) || is_index(escaped) {
                continue;
            }
            let replaced = match self.seen.get(escaped) {
                Some(r) => r.clone(),
                None => {
                    let r = (!plain(&name, self.scanner))
                        .then(|| escape(&redact_name(&name, self.scanner, key)));
                    self.seen.insert(escaped.to_string(), r.clone());
                    r
                }
            };
            if let Some(r) = replaced {
                let o = out.get_or_insert_with(|| String::with_capacity(pointer.len()));
                o.push_str(&pointer[done..start]);
                o.push_str(&r);
                done = at;
            }
        }
        out.map(|mut o| {
            o.push_str(&pointer[done..]);
            o
        })
    }
}

/// An array index as the walk writes it.
fn is_index(segment: &str) -> bool {
    !segment.is_empty() && segment.len() <= 6 && segment.bytes().all(|b| b.is_ascii_digit())
}

fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor_run(pointers: &[&str]) -> Vec<String> {
        let schema = serde_json::json!({
            "properties": {"totalSteps": {"additionalProperties": {"type": "integer"}}},
            "$defs": {"x": {"properties": {"languages": {}}}}
        });
        let declared = declared_names(&schema);
        let scanner = Scanner::new();
        let key = FingerprintKey([7; 32]);
        let mut r = PointerRedactor::new(&declared, &scanner);
        pointers
            .iter()
            .map(|p| r.redact(p, &key).unwrap_or_else(|| p.to_string()))
            .collect()
    }

    #[test]
    fn data_bearing_segments_are_redacted_and_told_apart() {
        let out = redactor_run(&[
            "/totalSteps/jan@example.nl",
            "/totalSteps/piet@example.nl",
            "/totalSteps/jan@example.nl",
            "/totalSteps/en",
            "/languages/3",
            "/totalSteps/ask Piet about it",
            "/totalSteps/~1home~1jan",
            "/totalSteps/\u{1b}]0;owned\u{7}",
        ]);
        assert!(
            out[0].starts_with("/totalSteps/<j***@***.nl #"),
            "{}",
            out[0]
        );
        assert!(!out[0].contains("jan@"));
        assert_ne!(out[0], out[1], "two keys are told apart");
        assert_eq!(out[0], out[2], "one key is tagged the same way each time");
        assert_eq!(out[3], "/totalSteps/en");
        assert_eq!(out[4], "/languages/3");
        assert!(out[5].starts_with("/totalSteps/<"), "{}", out[5]);
        assert!(!out[5].contains("Piet"));
        assert!(
            !out[6].contains("home") && !out[6].contains("jan"),
            "{}",
            out[6]
        );
        assert!(!out[7].contains('\u{1b}') && !out[7].contains("owned"));
        for p in &out {
            // Still a pointer: one segment per `/`, as many segments as before.
            assert_eq!(p.matches('/').count(), 2, "{p}");
        }
    }
}
