//! Pointers as findings carry them. A member name that is data (a map key, an undeclared
//! member) may be the very leak being reported, so such a segment is replaced by its
//! redacted form and a short keyed tag: `/totalSteps/<j***@***.nl #3fa9c2d1>`. The tag tells
//! two keys apart within a run without letting anyone check a guess (it is an HMAC under the
//! fingerprint key).
//!
//! Kept as they are: names the schema declares, array indices, and keys of a map whose
//! schema says its keys are codes (`x-privacy-keys` of `locale`, `enum`, `version`, `flag`,
//! `environment` or `config`, or any `config` object) when the key is plain and no detector
//! reads it as anything. Everything else is redacted: undeclared member names (but for an
//! unlisted entry of a map of codes, judged as its keys are), keys of maps of labels, keys
//! of maps without a key class.

use crate::FingerprintKey;
use crate::redact::{describe, redact};
use foldhash::HashSet;
use privaudit_detect::Scanner;
use privaudit_reports::Privacy;
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

/// What the walk knows of one pointer segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// A declared name or an array index: shown as it is.
    Yes,
    /// A key of a map of codes: shown if it is [`plain`], which is checked only when a
    /// finding's pointer goes through it.
    IfPlain,
    /// Data: redacted.
    No,
}

impl Keep {
    /// A map key: judged as a code when its map's keys are codes, else redacted.
    pub(crate) fn if_code(code: bool) -> Keep {
        if code { Keep::IfPlain } else { Keep::No }
    }
}

/// Whether a map's key class (`x-privacy-keys`) makes its keys codes the product chose,
/// rather than text a person typed.
pub(crate) fn code_keys(class: Option<Privacy>) -> bool {
    matches!(
        class,
        Some(
            Privacy::Locale
                | Privacy::Enum
                | Privacy::Version
                | Privacy::Flag
                | Privacy::Environment
                | Privacy::Config
        )
    )
}

/// A name short and plain enough to be a code (`en`, `x86_64`, `mysql`, `8.6.82`), which no
/// detector reads as anything at any confidence.
pub(crate) fn plain(name: &str, scanner: &Scanner) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        && scanner.scan_vec(name).is_empty()
}

/// The keyed tag of a redacted name: 8 hex characters of an HMAC-SHA-256.
fn tag(key: &FingerprintKey, name: &str) -> String {
    let mut t = crate::fingerprint(key, &["privaudit-key-segment", name]);
    t.truncate(8);
    t
}

/// `pointer` without the keyed tags of its redacted segments (`<j***@***.nl #3fa9c2d1>`
/// becomes `<j***@***.nl>`): the same whatever the key, or without one.
pub fn untagged(pointer: &str) -> std::borrow::Cow<'_, str> {
    if !pointer.contains(" #") {
        return pointer.into();
    }
    let mut out = String::with_capacity(pointer.len());
    for (i, segment) in pointer.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let bare = segment
            .strip_suffix('>')
            .and_then(|s| s.rsplit_once(" #"))
            .filter(|(head, tag)| {
                head.starts_with('<')
                    && tag.len() == 8
                    && tag.bytes().all(|b| b.is_ascii_hexdigit())
            });
        match bare {
            Some((head, _)) => {
                out.push_str(head);
                out.push('>');
            }
            None => out.push_str(segment),
        }
    }
    out.into()
}

/// The redacted form of one undeclared member name: what a detector reads it as, redacted as
/// evidence is, or its length alone; tagged when there is a key (without one, a tag would be
/// an unkeyed hash of the name, which a dictionary reverses).
fn redact_name(name: &str, scanner: &Scanner, key: Option<&FingerprintKey>) -> String {
    let found = scanner.scan_vec(name);
    let shown = match found.first() {
        Some(m) if m.span.start == 0 && m.span.end == name.len() => redact(m.category.into(), name),
        _ => {
            let d = describe(name);
            d.trim_start_matches('<').trim_end_matches('>').to_string()
        }
    };
    match key {
        Some(key) => format!("<{shown} #{}>", tag(key, name)),
        None => format!("<{shown}>"),
    }
}

/// Redacts the data-bearing segments of escaped JSON pointers, remembering each name it has
/// redacted (one report repeats its map's pointer in many findings).
pub(crate) struct PointerRedactor<'a> {
    declared: &'a HashSet<String>,
    scanner: &'a Scanner,
    /// Per name judged: its redacted form, or `None` when it is plain.
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

    /// `pointer` with its data-bearing segments redacted (and tagged under `key`, if any); `None` when
    /// nothing needed it (the pointer is safe as it is). `kept`, when given, says segment by
    /// segment what the walk found safe to show; without it (a pointer from a schema error),
    /// only declared names and array indices are shown.
    pub(crate) fn redact(
        &mut self,
        pointer: &str,
        key: Option<&FingerprintKey>,
        kept: Option<&[Keep]>,
    ) -> Option<String> {
        let kept = kept.filter(|k| k.len() == pointer.bytes().filter(|&b| b == b'/').count());
        let mut out: Option<String> = None;
        let mut done = 0;
        let mut at = 0;
        for (i, escaped) in pointer.split('/').skip(1).enumerate() {
            at += 1;
            let start = at;
            at += escaped.len();
            let keep = match kept {
                Some(k) => k[i],
                None if is_index(escaped) || self.declared.contains(unescape(escaped).as_ref()) => {
                    Keep::Yes
                }
                None => Keep::No,
            };
            if keep == Keep::Yes {
                continue;
            }
            let r = match self.seen.get(escaped) {
                Some(r) => r.clone(),
                None => {
                    let name = unescape(escaped);
                    let r = (!plain(&name, self.scanner))
                        .then(|| escape(&redact_name(&name, self.scanner, key)));
                    self.seen.insert(escaped.to_string(), r.clone());
                    r
                }
            };
            // A plain code is shown where the walk allows it, redacted where it does not.
            let r = match (r, keep) {
                (None, Keep::IfPlain) => continue,
                (Some(r), _) => r,
                (None, _) => escape(&redact_name(&unescape(escaped), self.scanner, key)),
            };
            let o = out.get_or_insert_with(|| String::with_capacity(pointer.len() + 16));
            o.push_str(&pointer[done..start]);
            o.push_str(&r);
            done = at;
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

    fn redactor() -> (HashSet<String>, Scanner, FingerprintKey) {
        let schema = serde_json::json!({
            "properties": {"totalSteps": {"additionalProperties": {"type": "integer"}}},
            "$defs": {"x": {"properties": {"languages": {}}}}
        });
        (
            declared_names(&schema),
            Scanner::new(),
            FingerprintKey([7; 32]),
        )
    }

    #[test]
    fn data_bearing_segments_are_redacted_and_told_apart() {
        let (declared, scanner, key) = redactor();
        let mut r = PointerRedactor::new(&declared, &scanner);
        let mut run = |p: &str, kept: Option<&[Keep]>| {
            r.redact(p, Some(&key), kept)
                .unwrap_or_else(|| p.to_string())
        };
        let out = [
            run("/totalSteps/jan@example.nl", None),
            run("/totalSteps/piet@example.nl", None),
            run("/totalSteps/jan@example.nl", None),
            // A code key the walk judged safe, and the same key where no walk said so.
            run("/totalSteps/en", Some(&[Keep::Yes, Keep::IfPlain])),
            run("/totalSteps/en", None),
            run("/languages/3", None),
            run(
                "/totalSteps/ask Piet about it",
                Some(&[Keep::Yes, Keep::IfPlain]),
            ),
            run("/totalSteps/~1home~1jan", None),
            run("/totalSteps/\u{1b}]0;owned\u{7}", None),
            run("/jdevries/count", Some(&[Keep::No, Keep::Yes])),
        ];
        assert!(
            out[0].starts_with("/totalSteps/<j***@***.nl #"),
            "{}",
            out[0]
        );
        assert!(!out[0].contains("jan@"));
        assert_ne!(out[0], out[1], "two keys are told apart");
        assert_eq!(out[0], out[2], "one key is tagged the same way each time");
        assert_eq!(out[3], "/totalSteps/en");
        assert!(
            out[4].starts_with("/totalSteps/<2 characters #"),
            "{}",
            out[4]
        );
        assert_eq!(out[5], "/languages/3");
        assert!(out[6].starts_with("/totalSteps/<"), "{}", out[6]);
        assert!(!out[6].contains("Piet"));
        assert!(
            !out[7].contains("home") && !out[7].contains("jan"),
            "{}",
            out[7]
        );
        assert!(!out[8].contains('\u{1b}') && !out[8].contains("owned"));
        assert!(
            out[9].starts_with("/<8 characters #") && out[9].ends_with("/count"),
            "{}",
            out[9]
        );
        for p in &out {
            // Still a pointer: one segment per `/`, as many segments as before.
            assert_eq!(p.matches('/').count(), 2, "{p}");
        }
    }

    #[test]
    fn only_code_keys_that_read_as_nothing_are_plain() {
        let scanner = Scanner::new();
        for code in ["en", "pt_BR", "x86_64", "mysql", "8.6.82", "enable_plugin"] {
            assert!(plain(code, &scanner), "{code}");
        }
        for data in [
            "jan@example.nl",
            "ask Piet",
            "Zürich",
            "a/b",
            "10.0.0.1",
            "",
        ] {
            assert!(!plain(data, &scanner), "{data}");
        }
        assert!(code_keys(Some(Privacy::Locale)) && code_keys(Some(Privacy::Enum)));
        assert!(!code_keys(Some(Privacy::Label)) && !code_keys(None));
    }
}
