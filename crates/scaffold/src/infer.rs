//! What the observed values of one position in the reports say about its schema.

use regex::Regex;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Distinct string values remembered per field; past it a field is not enumerated.
const MAX_DISTINCT: usize = 64;
/// Most values an enumerated field may have.
const MAX_ENUM: usize = 12;

/// Everything seen at one position (a member, an array's items, a map's values).
#[derive(Default)]
pub(crate) struct Node {
    nulls: usize,
    bools: usize,
    integers: usize,
    negative: bool,
    floats: usize,
    /// Integers that read as Unix times (seconds or milliseconds since 2001).
    epochs: usize,
    strings: BTreeMap<String, usize>,
    /// Strings seen, counted even past [`MAX_DISTINCT`].
    string_count: usize,
    overflow: bool,
    arrays: usize,
    items: Option<Box<Node>>,
    objects: usize,
    /// Per member name: the node and in how many objects it appeared.
    members: BTreeMap<String, (Node, usize)>,
    /// Most members one object had.
    widest: usize,
}

impl Node {
    pub(crate) fn observe(&mut self, value: &Value, name: &str) {
        match value {
            Value::Null => self.nulls += 1,
            Value::Bool(_) => self.bools += 1,
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.integers += 1;
                    self.negative |= i < 0;
                    if is_epoch(i, name) {
                        self.epochs += 1;
                    }
                } else if n.as_u64().is_some() {
                    self.integers += 1;
                } else {
                    self.floats += 1;
                }
            }
            Value::String(s) => {
                self.string_count += 1;
                self.remember(s, 1);
            }
            Value::Array(items) => {
                self.arrays += 1;
                let node = self.items.get_or_insert_with(Default::default);
                for item in items {
                    node.observe(item, name);
                }
            }
            Value::Object(obj) => {
                self.objects += 1;
                self.widest = self.widest.max(obj.len());
                for (k, v) in obj {
                    let (node, count) = self.members.entry(k.clone()).or_default();
                    node.observe(v, k);
                    *count += 1;
                }
            }
        }
    }

    /// Counts `n` more copies of string `s`, up to [`MAX_DISTINCT`] distinct ones.
    fn remember(&mut self, s: &str, n: usize) {
        if let Some(count) = self.strings.get_mut(s) {
            *count += n;
        } else if self.strings.len() < MAX_DISTINCT {
            self.strings.insert(s.to_string(), n);
        } else {
            self.overflow = true;
        }
    }

    /// Whether this object position is a map keyed by data (language codes, setting names)
    /// rather than a record of fixed members: many more distinct keys than any one object
    /// has, or very many keys.
    fn is_map(&self) -> bool {
        let distinct = self.members.len();
        (distinct > 4 && distinct * 2 > self.widest * 3) || distinct > 64
    }

    /// The schema of this position.
    pub(crate) fn schema(&self) -> Value {
        let mut out = Map::new();
        let mut types = Vec::new();
        let mut guesses: Vec<String> = Vec::new();
        if self.nulls > 0 {
            types.push("null");
        }
        if self.bools > 0 {
            types.push("boolean");
        }
        if self.floats > 0 {
            types.push("number");
        } else if self.integers > 0 {
            types.push("integer");
        }
        if self.string_count > 0 {
            types.push("string");
        }
        if self.arrays > 0 {
            types.push("array");
        }
        if self.objects > 0 {
            types.push("object");
        }
        match types.as_slice() {
            [] => {}
            [one] => {
                out.insert("type".into(), json!(one));
            }
            many => {
                out.insert("type".into(), json!(many));
            }
        }
        if self.objects > 0 {
            if self.is_map() {
                let mut values = Node::default();
                let mut keys = Node::default();
                for (k, (node, _)) in &self.members {
                    values.merge(node);
                    keys.observe(&Value::String(k.clone()), "");
                }
                let (key_class, why) = keys.class();
                out.insert("additionalProperties".into(), values.schema());
                out.insert("x-privacy-keys".into(), json!(key_class));
                guesses.push(format!(
                    "a map: {} distinct keys, at most {} in one report; keys read as {key_class} ({why})",
                    self.members.len(),
                    self.widest
                ));
            } else {
                let mut props = Map::new();
                let mut required = Vec::new();
                for (k, (node, count)) in &self.members {
                    props.insert(k.clone(), node.schema());
                    if *count == self.objects {
                        required.push(json!(k));
                    }
                }
                out.insert("properties".into(), Value::Object(props));
                out.insert("required".into(), Value::Array(required));
                out.insert("additionalProperties".into(), json!(false));
            }
        }
        if self.arrays > 0 {
            let items = self.items.as_deref().map_or_else(
                || json!({"x-privacy": "enum", "$comment": "guess: only empty lists were seen"}),
                |n| n.schema(),
            );
            out.insert("items".into(), items);
        }
        // A class for what the values are; containers take theirs from their contents.
        if self.objects == 0 && self.arrays == 0 {
            let (class, why) = self.class();
            out.insert("x-privacy".into(), json!(class));
            if let Some(why) = why.strip_prefix("guess: ") {
                guesses.push(why.to_string());
            }
            if class == "enum" && self.string_count > 0 && !self.overflow {
                let values: Vec<&String> = self.strings.keys().collect();
                out.insert("enum".into(), json!(values));
                guesses.push(format!(
                    "the {} values seen are taken as the whole set",
                    values.len()
                ));
            }
        } else {
            out.insert("x-privacy".into(), json!("enum"));
        }
        if !guesses.is_empty() {
            out.insert(
                "$comment".into(),
                json!(format!("guess: {}", guesses.join("; "))),
            );
        }
        Value::Object(out)
    }

    /// Folds another node's observations into this one.
    fn merge(&mut self, other: &Node) {
        self.nulls += other.nulls;
        self.bools += other.bools;
        self.integers += other.integers;
        self.negative |= other.negative;
        self.floats += other.floats;
        self.epochs += other.epochs;
        self.string_count += other.string_count;
        self.overflow |= other.overflow;
        for (s, &n) in &other.strings {
            self.remember(s, n);
        }
        self.arrays += other.arrays;
        if let Some(items) = &other.items {
            self.items.get_or_insert_with(Default::default).merge(items);
        }
        self.objects += other.objects;
        self.widest = self.widest.max(other.widest);
        for (k, (node, count)) in &other.members {
            let (mine, c) = self.members.entry(k.clone()).or_default();
            mine.merge(node);
            *c += count;
        }
    }

    /// The privacy class of scalar values, with why; a reason that starts with `guess: `
    /// is one.
    fn class(&self) -> (&'static str, String) {
        let strings = self.string_count;
        let numbers = self.integers + self.floats;
        if strings == 0 {
            if numbers == 0 {
                return if self.bools > 0 {
                    ("flag", "booleans".into())
                } else {
                    ("enum", "guess: only null was seen".into())
                };
            }
            if self.epochs == self.integers && self.floats == 0 {
                return (
                    "timestamp",
                    "guess: integers in the range of Unix times".into(),
                );
            }
            if self.floats == 0 && !self.negative {
                return ("count", "whole numbers, none negative".into());
            }
            return ("quantity", "numbers with fractions or signs".into());
        }
        if self.overflow {
            return self.class_of_many();
        }
        let values: Vec<&str> = self.strings.keys().map(String::as_str).collect();
        let all = |re: &Regex| values.iter().all(|v| re.is_match(v));
        if values.iter().all(|v| v.is_empty()) {
            return ("enum", "guess: only empty strings were seen".into());
        }
        let nonempty: Vec<&str> = values.iter().copied().filter(|v| !v.is_empty()).collect();
        let all_nonempty = |re: &Regex| nonempty.iter().all(|v| re.is_match(v));
        if all(&FLAG) {
            return ("flag", "guess: strings standing for yes and no".into());
        }
        if all_nonempty(&TIMESTAMP) {
            return ("timestamp", "dates and times".into());
        }
        if all_nonempty(&VERSION) {
            return ("version", "dotted version numbers".into());
        }
        if all_nonempty(&LOCALE) && nonempty.iter().any(|v| v.len() <= 5) {
            return ("locale", "guess: language or region codes".into());
        }
        if let Some(id) = self.identifier(&nonempty) {
            return id;
        }
        // Few distinct codes, or the same few again and again, are a closed set.
        let distinct = values.len();
        let repeated = distinct * 2 <= strings;
        if distinct <= MAX_ENUM && (repeated || all_nonempty(&CODE)) {
            return (
                "enum",
                format!("guess: {distinct} distinct value(s) in {strings}"),
            );
        }
        self.class_of_many()
    }

    /// Random-looking ids: hex digests, UUIDs, long tokens of letters and digits. One that
    /// repeats across reports links them (pseudonymous); one that never repeats is per run.
    fn identifier(&self, values: &[&str]) -> Option<(&'static str, String)> {
        if values.is_empty()
            || !values
                .iter()
                .all(|v| HEX_ID.is_match(v) || UUID.is_match(v))
        {
            return None;
        }
        let repeats = self.strings.values().any(|&n| n > 1);
        Some(if repeats || values.len() == 1 {
            (
                "pseudonymous-id",
                "guess: a hash or random id that repeats, so it links reports".into(),
            )
        } else {
            (
                "random-id",
                "guess: a random id that never repeats (one per run or message)".into(),
            )
        })
    }

    /// Strings too varied to enumerate: words are declared free text, the rest describes
    /// the environment.
    fn class_of_many(&self) -> (&'static str, String) {
        let wordy = self
            .strings
            .keys()
            .filter(|v| v.split_whitespace().count() >= 3)
            .count();
        if wordy * 2 > self.strings.len() {
            (
                "declared-free-text",
                "guess: sentences were seen here; if the product promises no free text, this field breaks it".into(),
            )
        } else {
            (
                "environment",
                "guess: varied short strings (names of software, systems, settings)".into(),
            )
        }
    }
}

fn is_epoch(i: i64, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let named = ["time", "date", "_at", "since", "epoch", "stamp"]
        .iter()
        .any(|n| name.contains(n));
    // 2001-09-09 to 2100, in seconds or milliseconds.
    named
        && ((1_000_000_000..4_102_444_800).contains(&i)
            || (1_000_000_000_000..4_102_444_800_000).contains(&i))
}

macro_rules! re {
    ($name:ident, $re:literal) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("a valid pattern"));
    };
}

re!(
    FLAG,
    r"^(?i:true|false|yes|no|on|off|enabled|disabled|0|1)$"
);
re!(
    TIMESTAMP,
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
);
re!(VERSION, r"^v?\d+(\.\d+){1,3}([-+~][0-9A-Za-z.+~-]*)?$");
re!(LOCALE, r"^[a-z]{2,3}([_-][A-Z]{2}|[_-][A-Z][a-z]{3})?$");
re!(HEX_ID, r"^[0-9a-f]{16,128}$|^[0-9A-F]{16,128}$");
re!(
    UUID,
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
);
re!(CODE, r"^[A-Za-z0-9][A-Za-z0-9_.+/-]{0,39}$");

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(values: &[Value]) -> &'static str {
        let mut n = Node::default();
        for v in values {
            n.observe(v, "x");
        }
        n.class().0
    }

    #[test]
    fn classes_by_shape() {
        assert_eq!(class_of(&[json!(3), json!(0)]), "count");
        assert_eq!(class_of(&[json!(0.5)]), "quantity");
        assert_eq!(class_of(&[json!(true)]), "flag");
        assert_eq!(class_of(&[json!("8.2.24"), json!("30.0.2.2")]), "version");
        assert_eq!(class_of(&[json!("en"), json!("de_DE")]), "locale");
        assert_eq!(class_of(&[json!("2026-12-07T05:50:30Z")]), "timestamp");
        let hash = "e074cb38f98e37e39002a2c787a6af29293876e137437c05e0f68c7020ac4fb8";
        assert_eq!(class_of(&[json!(hash), json!(hash)]), "pseudonymous-id");
        assert_eq!(
            class_of(&[
                json!("0b7c9e1a-3f7d-4c1e-9a8b-2f6d5e4c3b2a"),
                json!("1c8d0f2b-4a8e-4d2f-8b9c-3a7e6f5d4c3b")
            ]),
            "random-id"
        );
        assert_eq!(
            class_of(&[json!("nginx"), json!("apache"), json!("nginx")]),
            "enum"
        );
        assert_eq!(
            class_of(&[
                json!("The tour broke on step three today"),
                json!("Another long note here")
            ]),
            "declared-free-text"
        );
    }

    #[test]
    fn maps_are_told_from_records() {
        let mut n = Node::default();
        for v in [
            json!({"en": 1, "de": 2}),
            json!({"fr": 1, "nl": 2}),
            json!({"it": 1, "es": 3}),
        ] {
            n.observe(&v, "");
        }
        assert!(n.is_map());
        let schema = n.schema();
        assert_eq!(schema["x-privacy-keys"], "locale");
        let mut r = Node::default();
        r.observe(&json!({"a": 1, "b": 2}), "");
        r.observe(&json!({"a": 3, "b": 4}), "");
        assert!(!r.is_map());
        assert_eq!(r.schema()["required"], json!(["a", "b"]));
    }
}
