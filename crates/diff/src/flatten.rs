//! A schema as the fields it lets a report carry: one entry per pointer pattern, with every
//! branch that can apply there merged, since a diff asks what *may* be sent.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a schema lets one field hold, over all the branches that apply there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    /// JSON types admitted with any value (`any` when a branch restricts nothing).
    pub free: BTreeSet<String>,
    /// Values admitted one by one (`const`, `enum`), as JSON text.
    pub values: BTreeSet<String>,
    /// The field's `x-privacy` class (the riskiest, if branches disagree).
    pub class: Option<String>,
    /// The class of a map's keys (`x-privacy-keys`).
    pub keys_class: Option<String>,
    /// `pattern`, when every string branch has one (the patterns, sorted).
    pub patterns: Option<BTreeSet<String>>,
    /// `maxLength`, when every string branch has one (the largest).
    pub max_length: Option<u64>,
    /// An object whose members are not all named: any key may be sent.
    pub open_keys: bool,
}

impl Field {
    /// Whether the field admits only listed values (besides `null`).
    pub fn enumerated(&self) -> bool {
        !self.values.is_empty() && self.free.iter().all(|t| t == "null")
    }

    /// Whether the field admits strings freely (any string, within pattern and length).
    pub fn free_string(&self) -> bool {
        self.free.contains("string") || self.free.contains("any")
    }
}

// Deeper than any report; a recursive schema is listed to this depth, not unrolled.
const MAX_DEPTH: usize = 16;

/// The fields of `schema` by pointer pattern (`/a/*/b`; `*` for any item or map entry).
pub fn fields(schema: &Value) -> BTreeMap<String, Field> {
    let mut out = BTreeMap::new();
    let mut w = Walker {
        root: schema,
        out: &mut out,
        strings: BTreeMap::new(),
    };
    w.walk(schema, String::new(), 0, &mut Vec::new());
    let strings = std::mem::take(&mut w.strings);
    for (pointer, (patterns, lengths)) in strings {
        let f = out.entry(pointer).or_default();
        f.patterns = patterns;
        f.max_length = lengths;
    }
    out
}

type StringLimits = (Option<BTreeSet<String>>, Option<u64>);

struct Walker<'s, 'o> {
    root: &'s Value,
    out: &'o mut BTreeMap<String, Field>,
    /// Per pointer, over every branch that admits free strings: the patterns and the
    /// largest `maxLength` (`None` once a branch has none).
    strings: BTreeMap<String, StringLimits>,
}

/// Riskier classes rank higher; see [`crate::class_rank`].
fn riskier(a: &str, b: &str) -> bool {
    crate::class_rank(a) > crate::class_rank(b)
}

impl<'s> Walker<'s, '_> {
    fn walk(&mut self, node: &'s Value, pointer: String, depth: usize, refs: &mut Vec<&'s str>) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(obj) = node.as_object() else {
            // `true`: anything; `false`: nothing.
            if node == &Value::Bool(true) {
                self.out
                    .entry(pointer)
                    .or_default()
                    .free
                    .insert("any".into());
            }
            return;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str)
            && !refs.contains(&r)
            && let Some(target) = r.strip_prefix('#').and_then(|p| self.root.pointer(p))
        {
            refs.push(r);
            self.walk(target, pointer.clone(), depth, refs);
            refs.pop();
        }
        let field = self.out.entry(pointer.clone()).or_default();
        for key in ["x-privacy", "x-privacy-keys"] {
            if let Some(c) = obj.get(key).and_then(Value::as_str) {
                let slot = if key == "x-privacy" {
                    &mut field.class
                } else {
                    &mut field.keys_class
                };
                if slot.as_deref().is_none_or(|old| riskier(c, old)) {
                    *slot = Some(c.to_string());
                }
            }
        }
        let listed = match (obj.get("const"), obj.get("enum")) {
            (Some(c), _) => {
                field.values.insert(c.to_string());
                true
            }
            (None, Some(Value::Array(values))) => {
                field.values.extend(values.iter().map(Value::to_string));
                true
            }
            _ => false,
        };
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let constrains = ["$ref", "anyOf", "oneOf", "allOf", "if", "not", "properties"]
            .iter()
            .any(|k| obj.contains_key(*k));
        if !listed {
            if types.is_empty() && !constrains {
                field.free.insert("any".into());
            }
            field.free.extend(types.iter().map(|t| t.to_string()));
        }
        let free_string = !listed && (types.contains(&"string") || types.is_empty() && !constrains);
        if free_string {
            let pattern = obj.get("pattern").and_then(Value::as_str);
            let length = obj.get("maxLength").and_then(Value::as_u64);
            let slot = self
                .strings
                .entry(pointer.clone())
                .or_insert_with(|| (Some(BTreeSet::new()), Some(0)));
            match (pattern, &mut slot.0) {
                (Some(p), Some(set)) => {
                    set.insert(p.to_string());
                }
                _ => slot.0 = None,
            }
            slot.1 = match (length, slot.1) {
                (Some(l), Some(m)) => Some(l.max(m)),
                _ => None,
            };
        }
        let object = types.contains(&"object") || obj.contains_key("properties");
        if object {
            let closed = |k: &str| obj.get(k) == Some(&Value::Bool(false));
            let named_only = closed("additionalProperties")
                || closed("unevaluatedProperties") && !obj.contains_key("additionalProperties");
            if !named_only {
                self.out.entry(pointer.clone()).or_default().open_keys = true;
            }
        }
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (name, sub) in props {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                self.walk(sub, format!("{pointer}/{escaped}"), depth + 1, refs);
            }
        }
        for key in [
            "additionalProperties",
            "unevaluatedProperties",
            "items",
            "unevaluatedItems",
        ] {
            if let Some(sub) = obj.get(key).filter(|s| s.is_object()) {
                self.walk(sub, format!("{pointer}/*"), depth + 1, refs);
            }
        }
        for key in ["patternProperties", "prefixItems"] {
            let subs: Vec<&Value> = match obj.get(key) {
                Some(Value::Object(m)) => m.values().collect(),
                Some(Value::Array(a)) => a.iter().collect(),
                _ => Vec::new(),
            };
            for sub in subs {
                self.walk(sub, format!("{pointer}/*"), depth + 1, refs);
            }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(branches)) = obj.get(key) {
                for b in branches {
                    self.walk(b, pointer.clone(), depth, refs);
                }
            }
        }
        for key in ["then", "else"] {
            if let Some(sub) = obj.get(key) {
                self.walk(sub, pointer.clone(), depth, refs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn branches_merge_and_maps_open() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "db": {"type": "string", "enum": ["mysql", "pgsql"], "x-privacy": "enum"},
                "note": {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}],
                         "x-privacy": "declared-free-text"},
                "steps": {"type": "object", "additionalProperties": {"type": "integer"},
                          "x-privacy-keys": "locale"},
                "id": {"$ref": "#/$defs/Id"}
            },
            "$defs": {"Id": {"type": "string", "pattern": "^[0-9a-f]{64}$", "x-privacy": "pseudonymous-id"}}
        });
        let f = fields(&schema);
        assert!(!f[""].open_keys);
        assert!(f["/db"].enumerated());
        assert_eq!(f["/db"].values.len(), 2);
        assert_eq!(f["/note"].max_length, Some(40));
        assert!(f["/note"].free_string() && !f["/note"].enumerated());
        assert!(f["/steps"].open_keys);
        assert_eq!(f["/steps"].keys_class.as_deref(), Some("locale"));
        assert!(f.contains_key("/steps/*"));
        assert_eq!(f["/id"].class.as_deref(), Some("pseudonymous-id"));
        assert_eq!(
            f["/id"].patterns.as_ref().map(|p| p.len()),
            Some(1),
            "{:?}",
            f["/id"]
        );
    }

    #[test]
    fn recursion_ends() {
        let schema = json!({"$ref": "#/$defs/N", "$defs": {"N": {"type": "object",
            "properties": {"next": {"$ref": "#/$defs/N"}}}}});
        let f = fields(&schema);
        assert!(f.len() < 40, "{}", f.len());
    }
}
