//! The privacy diff: what a change to a product's schemas changes about what it may send.
//!
//! This crate owns comparing two versions of a product (its report kinds' schemas with their
//! `x-privacy` classes, and its policy's promises): fields added or removed, a class changed,
//! an enumeration widened or opened, a `pattern` or `maxLength` dropped or loosened, a map
//! whose keys are now open. Each change is rated ([`Effect`]) and tied to the promises whose
//! categories it touches. It knows nothing of git, files on disk or output formats: callers
//! hand it two [`Side`]s and render the [`Diff`].
//!
//! ```
//! use privaudit_diff::{Side, compare, Effect};
//! let old = Side::schema("old", serde_json::json!({"type": "object", "additionalProperties": false,
//!     "properties": {"db": {"enum": ["mysql", "pgsql"], "x-privacy": "enum"}}}));
//! let new = Side::schema("new", serde_json::json!({"type": "object", "additionalProperties": false,
//!     "properties": {"db": {"type": "string", "x-privacy": "declared-free-text"}}}));
//! let diff = compare(&old, &new);
//! assert!(diff.widens());
//! assert!(diff.changes.iter().all(|c| c.effect == Effect::Widens));
//! ```

mod flatten;

pub use flatten::{Field, fields};
use privaudit_policy::Policy;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// One version of a product: its kinds' schemas and, when known, its policy.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the version is named in the output (a path, `main:products/roomvox`).
    pub label: String,
    /// `(kind id, schema)` in the policy's order.
    pub kinds: Vec<(String, Value)>,
    /// The policy, for the promises a change touches.
    pub policy: Option<Policy>,
}

impl Side {
    /// A single schema, its kind named by `x-report-kind` (else `report`).
    pub fn schema(label: &str, schema: Value) -> Side {
        let kind = schema
            .get("x-report-kind")
            .and_then(Value::as_str)
            .unwrap_or("report")
            .to_string();
        Side {
            label: label.to_string(),
            kinds: vec![(kind, schema)],
            policy: None,
        }
    }

    /// A product directory's files as `read` gives them (`policy.toml`, then each kind's
    /// schema by the path the policy names). Drafts and the reserved `generic` product read
    /// as well: a diff does not need a product that would load for auditing.
    pub fn directory(label: &str, read: impl Fn(&str) -> Option<String>) -> Result<Side, String> {
        let text = read("policy.toml").ok_or_else(|| format!("{label}: no policy.toml"))?;
        let policy =
            Policy::from_toml(&format!("{label}/policy.toml"), &text).map_err(|e| e.to_string())?;
        let mut kinds = Vec::new();
        for k in &policy.kind {
            let schema =
                read(&k.schema).ok_or_else(|| format!("{label}/{}: not found", k.schema))?;
            let schema = serde_json::from_str(&schema)
                .map_err(|e| format!("{label}/{}: not JSON: {e}", k.schema))?;
            kinds.push((k.id.clone(), schema));
        }
        Ok(Side {
            label: label.to_string(),
            kinds,
            policy: Some(policy),
        })
    }
}

/// Whether a change lets the product send more, less, or the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// More may be sent than before.
    Widens,
    /// Less may be sent.
    Narrows,
    /// The same may be sent, described differently.
    Neutral,
}

impl Effect {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Widens => "widens",
            Effect::Narrows => "narrows",
            Effect::Neutral => "neutral",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The report kind (the new one's id when a single schema is compared with another).
    pub kind: String,
    /// The field's pointer pattern (`*` for any item or map entry); empty for the report.
    pub pointer: String,
    /// What changed: `field-added`, `field-removed`, `class-changed`, `type-widened`,
    /// `type-narrowed`, `enum-opened`, `enum-closed`, `enum-widened`, `enum-narrowed`,
    /// `pattern-dropped`, `pattern-added`, `pattern-changed`, `max-length-dropped`,
    /// `max-length-raised`, `max-length-added`, `max-length-lowered`, `keys-opened`,
    /// `keys-closed`, `keys-class-changed`, `kind-added`, `kind-removed`.
    pub change: &'static str,
    /// In words, old and new values included (never report values: schemas only).
    pub detail: String,
    /// Widens, narrows or neutral.
    pub effect: Effect,
    /// Ids of the promises whose categories the change touches (of the new policy, else the
    /// old one).
    pub promises: Vec<String>,
}

/// All changes between two versions, kinds in order and fields by pointer.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The old version's label.
    pub old: String,
    /// The new version's label.
    pub new: String,
    /// The changes.
    pub changes: Vec<Change>,
}

impl Diff {
    /// Whether any change widens what may be sent.
    pub fn widens(&self) -> bool {
        self.changes.iter().any(|c| c.effect == Effect::Widens)
    }

    /// How many changes have `effect`.
    pub fn count(&self, effect: Effect) -> usize {
        self.changes.iter().filter(|c| c.effect == effect).count()
    }
}

/// How much a class can reveal: counts and flags least, secrets most. A class not listed
/// (a product's own) ranks with free text, so a change to it is never taken for harmless.
pub fn class_rank(class: &str) -> u8 {
    match class {
        "flag" | "count" | "quantity" => 0,
        "timestamp" | "version" | "enum" | "locale" => 1,
        "environment" | "config" | "random-id" => 2,
        "label" | "pseudonymous-id" | "identifier" => 3,
        "credential" => 5,
        _ => 4,
    }
}

/// The finding categories a value of `class` can carry, for tying a change to promises.
fn categories(class: Option<&str>) -> &'static [&'static str] {
    const ANYTHING: &[&str] = &[
        "free_text",
        "email",
        "phone_number",
        "ip_address",
        "hostname",
        "url",
        "file_path",
        "credential",
        "identifier",
        "payment_card",
        "iban",
        "mac_address",
    ];
    match class {
        Some("flag" | "count" | "quantity" | "timestamp" | "version" | "enum" | "locale") => &[],
        Some("environment" | "config") => {
            &["hostname", "url", "ip_address", "file_path", "credential"]
        }
        Some("random-id" | "pseudonymous-id" | "identifier") => &["identifier"],
        Some("credential") => &["credential"],
        _ => ANYTHING,
    }
}

/// Compares two versions. Kinds are matched by id; when each side is one schema, the two are
/// compared whatever their ids (a product's generation B against generation C).
pub fn compare(old: &Side, new: &Side) -> Diff {
    let policy = new.policy.as_ref().or(old.policy.as_ref());
    let mut changes = Vec::new();
    let single = old.kinds.len() == 1 && new.kinds.len() == 1;
    for (kind, schema) in &new.kinds {
        let before = if single {
            old.kinds.first().map(|k| &k.1)
        } else {
            old.kinds.iter().find(|k| &k.0 == kind).map(|k| &k.1)
        };
        match before {
            Some(before) => compare_kind(kind, before, schema, policy, &mut changes),
            None => {
                let empty = Value::Object(Default::default());
                changes.push(Change {
                    kind: kind.clone(),
                    pointer: String::new(),
                    change: "kind-added",
                    detail: "a new report kind".into(),
                    effect: Effect::Widens,
                    promises: Vec::new(),
                });
                compare_kind(kind, &empty, schema, policy, &mut changes);
            }
        }
    }
    if !single {
        for (kind, _) in &old.kinds {
            if !new.kinds.iter().any(|k| &k.0 == kind) {
                changes.push(Change {
                    kind: kind.clone(),
                    pointer: String::new(),
                    change: "kind-removed",
                    detail: "the report kind is no longer sent".into(),
                    effect: Effect::Narrows,
                    promises: Vec::new(),
                });
            }
        }
    }
    Diff {
        old: old.label.clone(),
        new: new.label.clone(),
        changes,
    }
}

fn compare_kind(
    kind: &str,
    old: &Value,
    new: &Value,
    policy: Option<&Policy>,
    out: &mut Vec<Change>,
) {
    let (before, after) = (fields(old), fields(new));
    let pointers: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for pointer in pointers {
        let mut push =
            |change: &'static str, detail: String, effect: Effect, class: Option<&str>| {
                let promises = if effect == Effect::Widens {
                    promises(policy, categories(class))
                } else {
                    Vec::new()
                };
                out.push(Change {
                    kind: kind.to_string(),
                    pointer: pointer.clone(),
                    change,
                    detail,
                    effect,
                    promises,
                });
            };
        let (b, a) = match (before.get(pointer), after.get(pointer)) {
            (None, Some(a)) => {
                if !pointer.is_empty() {
                    push(
                        "field-added",
                        format!("new field, {}", describe(a)),
                        Effect::Widens,
                        a.class.as_deref(),
                    );
                }
                continue;
            }
            (Some(b), None) => {
                push(
                    "field-removed",
                    format!("no longer sent (was {})", describe(b)),
                    Effect::Narrows,
                    None,
                );
                continue;
            }
            (Some(b), Some(a)) => (b, a),
            (None, None) => continue,
        };
        let class = a.class.as_deref();
        if b.class != a.class {
            let (rb, ra) = (
                b.class.as_deref().map_or(4, class_rank),
                a.class.as_deref().map_or(4, class_rank),
            );
            let effect = match ra.cmp(&rb) {
                std::cmp::Ordering::Greater => Effect::Widens,
                std::cmp::Ordering::Less => Effect::Narrows,
                std::cmp::Ordering::Equal => Effect::Neutral,
            };
            push(
                "class-changed",
                format!("class {} → {}", name(&b.class), name(&a.class)),
                effect,
                class,
            );
        }
        // `null` says a value is missing; admitting it sends nothing more.
        let gained: Vec<&String> = a
            .free
            .difference(&b.free)
            .filter(|t| *t != "null")
            .collect();
        let lost: Vec<&String> = b
            .free
            .difference(&a.free)
            .filter(|t| *t != "null")
            .collect();
        match (b.enumerated(), a.enumerated()) {
            (true, false) if a.free.iter().any(|t| t != "null") => push(
                "enum-opened",
                format!(
                    "was one of {}, now any {}",
                    list(&b.values),
                    join(a.free.iter().filter(|t| *t != "null"))
                ),
                Effect::Widens,
                class,
            ),
            (false, true) => push(
                "enum-closed",
                format!("now only one of {}", list(&a.values)),
                Effect::Narrows,
                class,
            ),
            _ => {
                let added: BTreeSet<String> = a.values.difference(&b.values).cloned().collect();
                let removed: BTreeSet<String> = b.values.difference(&a.values).cloned().collect();
                if !added.is_empty() {
                    push(
                        "enum-widened",
                        format!("new values {}", list(&added)),
                        Effect::Widens,
                        class,
                    );
                }
                if !removed.is_empty() {
                    push(
                        "enum-narrowed",
                        format!("values {} dropped", list(&removed)),
                        Effect::Narrows,
                        class,
                    );
                }
            }
        }
        // An enumeration opened is reported once, as such.
        if !b.enumerated() || a.enumerated() {
            if !gained.is_empty() {
                push(
                    "type-widened",
                    format!("now also admits {}", join(gained)),
                    Effect::Widens,
                    class,
                );
            }
            if !lost.is_empty() {
                push(
                    "type-narrowed",
                    format!("no longer admits {}", join(lost)),
                    Effect::Narrows,
                    class,
                );
            }
        }
        if a.free_string() && b.free_string() {
            match (&b.patterns, &a.patterns) {
                (Some(p), None) => push(
                    "pattern-dropped",
                    format!("pattern {} dropped", list(p)),
                    Effect::Widens,
                    class,
                ),
                (None, Some(p)) => push(
                    "pattern-added",
                    format!("now held to {}", list(p)),
                    Effect::Narrows,
                    class,
                ),
                (Some(p), Some(q)) if p != q => push(
                    "pattern-changed",
                    format!("pattern {} → {} (not proven narrower)", list(p), list(q)),
                    Effect::Widens,
                    class,
                ),
                _ => {}
            }
            match (b.max_length, a.max_length) {
                (Some(m), None) => push(
                    "max-length-dropped",
                    format!("maxLength {m} dropped"),
                    Effect::Widens,
                    class,
                ),
                (Some(m), Some(n)) if n > m => push(
                    "max-length-raised",
                    format!("maxLength {m} → {n}"),
                    Effect::Widens,
                    class,
                ),
                (None, Some(n)) => push(
                    "max-length-added",
                    format!("now at most {n} characters"),
                    Effect::Narrows,
                    class,
                ),
                (Some(m), Some(n)) if n < m => push(
                    "max-length-lowered",
                    format!("maxLength {m} → {n}"),
                    Effect::Narrows,
                    class,
                ),
                _ => {}
            }
        }
        match (b.open_keys, a.open_keys) {
            (false, true) => push(
                "keys-opened",
                format!(
                    "a map now: any key may be sent (keys {})",
                    name(&a.keys_class)
                ),
                Effect::Widens,
                a.keys_class.as_deref(),
            ),
            (true, false) => push(
                "keys-closed",
                "only named members now".into(),
                Effect::Narrows,
                None,
            ),
            (true, true) if b.keys_class != a.keys_class => {
                let (rb, ra) = (
                    b.keys_class.as_deref().map_or(4, class_rank),
                    a.keys_class.as_deref().map_or(4, class_rank),
                );
                push(
                    "keys-class-changed",
                    format!(
                        "key class {} → {}",
                        name(&b.keys_class),
                        name(&a.keys_class)
                    ),
                    if ra > rb {
                        Effect::Widens
                    } else if ra < rb {
                        Effect::Narrows
                    } else {
                        Effect::Neutral
                    },
                    a.keys_class.as_deref(),
                );
            }
            _ => {}
        }
    }
}

/// Ids of the non-derived rules (promises) that forbid any of `categories`.
fn promises(policy: Option<&Policy>, categories: &[&str]) -> Vec<String> {
    let Some(policy) = policy else {
        return Vec::new();
    };
    policy
        .rule
        .iter()
        .filter(|r| !r.derived && r.forbids.iter().any(|c| categories.contains(&c.as_str())))
        .map(|r| r.id.clone())
        .collect()
}

fn describe(f: &Field) -> String {
    let what = if f.enumerated() {
        format!("one of {}", list(&f.values))
    } else if f.open_keys && f.free.iter().all(|t| t == "object") {
        format!("a map, keys {}", name(&f.keys_class))
    } else {
        join(f.free.iter())
    };
    format!("{what}, class {}", name(&f.class))
}

fn name(class: &Option<String>) -> &str {
    class.as_deref().unwrap_or("none")
}

fn join<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.into_iter().map(String::as_str).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(" or ")
    }
}

/// Values or patterns as `` `a`, `b` `` (at most eight, then how many more).
fn list(items: &BTreeSet<String>) -> String {
    let mut shown: Vec<String> = items.iter().take(8).map(|v| format!("`{v}`")).collect();
    if items.len() > 8 {
        shown.push(format!("{} more", items.len() - 8));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(props: Value) -> Side {
        Side::schema(
            "s",
            json!({"type": "object", "additionalProperties": false, "properties": props}),
        )
    }

    /// The changes between two property sets, as `(pointer, change, effect)`.
    fn changes(old: Value, new: Value) -> Vec<(String, &'static str, Effect)> {
        compare(&schema(old), &schema(new))
            .changes
            .into_iter()
            .map(|c| (c.pointer, c.change, c.effect))
            .collect()
    }

    #[test]
    fn each_loosening_widens_and_each_tightening_narrows() {
        let id = |extra: Value| {
            let mut s = json!({"type": "string", "x-privacy": "pseudonymous-id"});
            s.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({ "id": s })
        };
        let w = Effect::Widens;
        let n = Effect::Narrows;
        let cases: Vec<(Value, Value, &str, Effect)> = vec![
            (
                id(json!({"pattern": "^[0-9a-f]{64}$"})),
                id(json!({})),
                "pattern-dropped",
                w,
            ),
            (
                id(json!({})),
                id(json!({"pattern": "^[0-9a-f]{64}$"})),
                "pattern-added",
                n,
            ),
            (
                id(json!({"pattern": "^[0-9a-f]{64}$"})),
                id(json!({"pattern": ".+"})),
                "pattern-changed",
                w,
            ),
            (
                id(json!({"maxLength": 64})),
                id(json!({"maxLength": 500})),
                "max-length-raised",
                w,
            ),
            (
                id(json!({"maxLength": 64})),
                id(json!({})),
                "max-length-dropped",
                w,
            ),
            (
                id(json!({"maxLength": 64})),
                id(json!({"maxLength": 32})),
                "max-length-lowered",
                n,
            ),
            (
                json!({"db": {"enum": ["a", "b"], "x-privacy": "enum"}}),
                json!({"db": {"enum": ["a", "b", "c"], "x-privacy": "enum"}}),
                "enum-widened",
                w,
            ),
            (
                json!({"db": {"enum": ["a", "b"], "x-privacy": "enum"}}),
                json!({"db": {"enum": ["a"], "x-privacy": "enum"}}),
                "enum-narrowed",
                n,
            ),
            (
                json!({"db": {"enum": ["a", "b"], "x-privacy": "enum"}}),
                json!({"db": {"type": "string", "x-privacy": "enum"}}),
                "enum-opened",
                w,
            ),
            (
                json!({"n": {"type": "integer", "x-privacy": "count"}}),
                json!({"n": {"type": ["integer", "string"], "x-privacy": "count"}}),
                "type-widened",
                w,
            ),
            (
                json!({"m": {"type": "object", "additionalProperties": false, "properties": {}}}),
                json!({"m": {"type": "object", "additionalProperties": {"type": "integer"}}}),
                "keys-opened",
                w,
            ),
            (
                json!({"m": {"type": "object", "x-privacy-keys": "locale", "additionalProperties": {"type": "integer"}}}),
                json!({"m": {"type": "object", "x-privacy-keys": "label", "additionalProperties": {"type": "integer"}}}),
                "keys-class-changed",
                w,
            ),
            (
                json!({"e": {"type": "string", "x-privacy": "environment"}}),
                json!({"e": {"type": "string", "x-privacy": "enum"}}),
                "class-changed",
                n,
            ),
            (
                json!({}),
                json!({"e": {"type": "string", "x-privacy": "label"}}),
                "field-added",
                w,
            ),
            (
                json!({"e": {"type": "string", "x-privacy": "label"}}),
                json!({}),
                "field-removed",
                n,
            ),
        ];
        for (old, new, change, effect) in cases {
            let found = changes(old.clone(), new.clone());
            assert!(
                found.iter().any(|(_, c, e)| *c == change && *e == effect),
                "{old} -> {new}: expected {change} ({effect:?}), got {found:?}"
            );
        }
        // The same schema, or null newly admitted: nothing that widens.
        let same = json!({"n": {"type": "integer", "x-privacy": "count"}});
        assert!(changes(same.clone(), same).is_empty());
        let nullable = json!({"n": {"type": ["integer", "null"], "x-privacy": "count"}});
        let plain = json!({"n": {"type": "integer", "x-privacy": "count"}});
        assert!(
            changes(plain, nullable)
                .iter()
                .all(|c| c.2 != Effect::Widens)
        );
    }

    #[test]
    fn changes_are_tied_to_the_promises_they_touch() {
        let policy = Policy::from_toml(
            "roomvox",
            include_str!("../../../products/roomvox/policy.toml"),
        )
        .unwrap();
        let mut old = schema(json!({"db": {"enum": ["a"], "x-privacy": "enum"}}));
        let mut new = schema(json!({"db": {"type": "string", "x-privacy": "declared-free-text"}}));
        old.policy = Some(policy.clone());
        new.policy = Some(policy);
        let diff = compare(&old, &new);
        let class = diff
            .changes
            .iter()
            .find(|c| c.change == "class-changed")
            .unwrap();
        assert_eq!(class.effect, Effect::Widens);
        assert!(
            class
                .promises
                .contains(&"roomvox/no-room-names-or-addresses".to_string())
                && class
                    .promises
                    .contains(&"roomvox/no-credentials".to_string()),
            "{class:?}"
        );
        let narrowing = compare(&new, &old);
        assert!(!narrowing.widens());
        assert!(narrowing.changes.iter().all(|c| c.promises.is_empty()));
    }
}
