//! Compiling a schema into an arena of nodes, each with its keywords read once.

use super::Notes;
use super::analyse::*;
use crate::json::push_escaped;
use crate::names::NameMap;
use crate::tree::Tree;
use foldhash::HashMap;
use privaudit_reports::Privacy;
use serde_json::Value;

pub(super) type Id = usize;

/// What the applicable schemas of one instance node say, merged.
#[derive(Default)]
pub(super) struct Merged {
    /// The node whose class (and notes) apply.
    pub(super) class: Option<Id>,
    pub(super) key_class: Option<Privacy>,
    pub(super) closed: bool,
    pub(super) unlisted: bool,
    /// Member names, to their place in `children`: kept apart so a lookup scans or probes a
    /// small table.
    pub(super) properties: NameMap<u32>,
    pub(super) children: Vec<Children>,
    pub(super) additional: Children,
    pub(super) items: Children,
}

/// The schemas that apply to a child value (a member or an item), with their merged
/// applicable sets per JSON type, filled in as types are met when every schema's set depends
/// on the value's type alone (see [`Node::by_type`]).
#[derive(Default)]
pub(super) struct Children {
    pub(super) ids: Vec<Id>,
    pub(super) by_type: [std::sync::OnceLock<Box<Merged>>; 7],
}

impl Children {
    pub(super) fn new(ids: Vec<Id>) -> Children {
        Children {
            ids,
            by_type: Default::default(),
        }
    }
}

/// The JSON type of a value as an index, telling integers from other numbers.
pub(super) fn type_index(v: &Tree) -> usize {
    match v {
        Tree::Null => 0,
        Tree::Bool(_) => 1,
        Tree::Number(n) => number_index(n),
        Tree::String(_) => 4,
        Tree::Array(_) => 5,
        Tree::Object(_) => 6,
    }
}

pub(super) fn number_index(n: &serde_json::Number) -> usize {
    if n.is_i64() || n.is_u64() { 2 } else { 3 }
}

/// One value of each type, to resolve a type-determined applicable set.
pub(super) fn example_of(index: usize) -> Tree<'static> {
    match index {
        0 => Tree::Null,
        1 => Tree::Bool(false),
        2 => Tree::Number(0.into()),
        3 => Tree::Number(serde_json::Number::from_f64(0.5).unwrap_or(0.into())),
        4 => Tree::String(""),
        5 => Tree::Array(&[]),
        _ => Tree::Object(&[]),
    }
}

/// One schema object.
#[derive(Default)]
pub(super) struct Node {
    /// Schema path, for recording branch choices.
    pub(super) path: String,
    pub(super) class: Option<Privacy>,
    /// Annotations beside the class, for analyses of the values (see [`Notes`]).
    pub(super) notes: Option<Box<Notes>>,
    /// `description`, for the fields listing (see [`super::fields`]).
    pub(super) description: Option<Box<str>>,
    pub(super) key_class: Option<Privacy>,
    pub(super) closed: bool,
    pub(super) unlisted: bool,
    pub(super) properties: Vec<(String, Id)>,
    pub(super) additional: Option<Id>,
    pub(super) items: Option<Id>,
    /// `$ref` target and `allOf` members: they always apply.
    pub(super) always: Vec<Id>,
    /// `anyOf`/`oneOf` branches: the first that fits applies.
    pub(super) branches: Vec<(&'static str, Vec<Id>)>,
    /// `if`, `then`, `else`.
    pub(super) cond: Option<(Id, Option<Id>, Option<Id>)>,
    // What `fits` checks.
    pub(super) types: Option<Vec<String>>,
    /// The type indices (see [`type_index`]) `types` admits, one bit each.
    pub(super) type_mask: u8,
    pub(super) konst: Option<Value>,
    pub(super) enumeration: Option<Vec<Value>>,
    pub(super) required: Vec<String>,
    /// The applicable set merged in advance, when it does not depend on the instance.
    pub(super) merged: Option<Merged>,
    /// For a bare `if {P: const X, required: [P]} then T` (how a tagged union refines by
    /// its tag): P and X, so an object instance is tested with one comparison.
    pub(super) tag: Option<(String, Value)>,
    /// Whether the applicable set depends on the instance's JSON type alone (every branch
    /// and condition on the way is told by type), so it can be resolved once per type.
    pub(super) by_type: bool,
    /// Per type index (see [`type_index`]), what [`Walker::resolve`] finds when the
    /// instance's type alone decides it: the node holding the merged set, and the node
    /// whose class applies.
    pub(super) resolved: [Option<(Id, Option<Id>)>; 7],
    /// Per `anyOf`/`oneOf`, when a valid body must have a property P and each branch limits P
    /// to its own few values (a tagged union): P and each branch's values. In an object that
    /// passed validation, the branch whose values hold P's is the only one that fits.
    pub(super) branch_tags: Vec<Option<(String, Vec<Vec<Value>>)>>,
}

/// Merged applicable sets met during walks, by the set: instance-dependent sets repeat
/// (every Mattermost message of one event has the same one), so each is merged once. A
/// fixed table of write-once slots, probed from the set's hash: a lookup only reads, so
/// threads auditing at once do not contend for a lock or a reference count.
pub(super) type MergeCache = Box<[std::sync::OnceLock<(Vec<Id>, Merged)>]>;

/// Slots in the cache (real reports meet a few dozen sets; hostile ones are bounded by
/// this), and how many a lookup probes; past them, a set is merged afresh each time.
pub(super) const CACHE_SLOTS: usize = 512;
pub(super) const CACHE_PROBES: usize = 8;

/// Keywords the walk models or that constrain a value by itself alone; a schema with any
/// other keyword (`patternProperties`, `not`, `uniqueItems` comparing whole items, ...) may
/// reach values the walk cannot tell about.
pub(super) const MODELLED: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "then",
    "else",
    "const",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

/// Whether every keyword in the schema `s` (under `root`) is one the walk models (see
/// [`MODELLED`]): `const` and `enum` hold scalars only (a container would be compared whole),
/// every `$ref` is a plain local pointer the walk follows, and only the root has an `$id`.
/// Names under `properties` and `$defs` are member and definition names, not keywords.
pub(super) fn modelled(root: &Value, s: &Value, depth: usize) -> bool {
    let Some(obj) = s.as_object() else {
        return s
            .as_array()
            .is_none_or(|a| a.iter().all(|x| modelled(root, x, depth + 1)));
    };
    let scalar = |v: &Value| !v.is_array() && !v.is_object();
    depth < 64
        && obj.iter().all(|(k, v)| match k.as_str() {
            k if k.starts_with("x-") => true,
            "default" | "examples" => true,
            "const" => scalar(v),
            "enum" => v.as_array().is_some_and(|a| a.iter().all(scalar)),
            "$id" => depth == 0,
            "$ref" => v
                .as_str()
                .and_then(|r| r.strip_prefix('#'))
                .is_some_and(|p| {
                    p.starts_with('/') && !p.contains('%') && root.pointer(p).is_some()
                }),
            "properties" | "$defs" => v
                .as_object()
                .is_some_and(|m| m.values().all(|x| modelled(root, x, depth + 1))),
            k => MODELLED.contains(&k) && modelled(root, v, depth + 1),
        })
}

pub(super) struct Compiler<'s> {
    pub(super) root: &'s Value,
    pub(super) nodes: Vec<Node>,
    pub(super) by_path: HashMap<String, Id>,
    /// The first privacy class the schema names that is not one (schema path, name).
    pub(super) unknown_class: Option<(String, String)>,
    /// The first schema path with notes but no class of its own.
    pub(super) unclassed_notes: Option<String>,
}

impl Compiler<'_> {
    pub(super) fn node(&mut self, path: String, s: &Value) -> Id {
        if let Some(&id) = self.by_path.get(&path) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        self.by_path.insert(path.clone(), id);
        let Some(obj) = s.as_object() else {
            self.nodes[id].path = path;
            self.nodes[id].type_mask = type_mask(None);
            return id;
        };
        let mut class = |k: &str| {
            let name = obj.get(k).and_then(Value::as_str)?;
            let class = Privacy::parse(name);
            if class.is_none() && self.unknown_class.is_none() {
                self.unknown_class = Some((format!("{path}/{k}"), name.to_string()));
            }
            class
        };
        let (value_class, key_class) = (class("x-privacy"), class("x-privacy-keys"));
        let notes = Notes::read(obj);
        if notes.is_some() && value_class.is_none() && self.unclassed_notes.is_none() {
            self.unclassed_notes = Some(path.clone());
        }
        let types: Option<Vec<String>> = obj.get("type").map(|t| match t {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(Into::into).collect(),
            _ => Vec::new(),
        });
        let mut n = Node {
            class: value_class,
            notes,
            description: obj
                .get("description")
                .and_then(Value::as_str)
                .map(Into::into),
            key_class,
            closed: obj.get("additionalProperties") == Some(&Value::Bool(false)),
            unlisted: obj.get("x-report-unlisted") == Some(&Value::Bool(true)),
            type_mask: type_mask(types.as_deref()),
            types,
            konst: obj.get("const").cloned(),
            enumeration: obj.get("enum").and_then(Value::as_array).cloned(),
            required: obj
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(Into::into).collect())
                .unwrap_or_default(),
            ..Node::default()
        };
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (k, ps) in props {
                let mut p = format!("{path}/properties/");
                push_escaped(&mut p, k);
                n.properties.push((k.clone(), self.node(p, ps)));
            }
        }
        if let Some(ap) = obj.get("additionalProperties").filter(|x| x.is_object()) {
            n.additional = Some(self.node(format!("{path}/additionalProperties"), ap));
        }
        if let Some(it) = obj.get("items").filter(|x| x.is_object()) {
            n.items = Some(self.node(format!("{path}/items"), it));
        }
        if let Some(target) = obj
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            && let Some(ts) = self.root.pointer(target)
        {
            n.always.push(self.node(target.to_string(), ts));
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for (i, b) in all.iter().enumerate() {
                n.always.push(self.node(format!("{path}/allOf/{i}"), b));
            }
        }
        for kw in ["anyOf", "oneOf"] {
            if let Some(bs) = obj.get(kw).and_then(Value::as_array) {
                let ids = bs
                    .iter()
                    .enumerate()
                    .map(|(i, b)| self.node(format!("{path}/{kw}/{i}"), b))
                    .collect();
                n.branches.push((kw, ids));
            }
        }
        if let Some(c) = obj.get("if") {
            let c = self.node(format!("{path}/if"), c);
            let then = obj
                .get("then")
                .map(|b| self.node(format!("{path}/then"), b));
            let els = obj
                .get("else")
                .map(|b| self.node(format!("{path}/else"), b));
            n.cond = Some((c, then, els));
        }
        n.path = path;
        self.nodes[id] = n;
        id
    }
}
