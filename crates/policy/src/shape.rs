//! Walks a report alongside its schema: for every node, the schemas that apply to it (through
//! `$ref`, `allOf`, the matching `anyOf`/`oneOf` branch and `if`/`then`/`else`), its privacy
//! class, and whether the schema declares it.
//!
//! The schema is compiled once into an arena of nodes. A node whose applicable set does not
//! depend on the instance (no `anyOf`, `oneOf` or `if` in its `$ref`/`allOf` closure) carries
//! that set merged in advance, so the walk over an ordinary report does no schema lookups and
//! no allocation beyond the pointer buffer. Child sets that depend only on the value's JSON
//! type are resolved once per type; tagged unions in a valid body follow their tag; other
//! instance-dependent sets are merged once into a shared, read-mostly cache.

use crate::json::{push_escaped, push_index};
use crate::names::NameMap;
use crate::tree::{self, Tree};
use foldhash::HashMap;
use privaudit_reports::Privacy;
use serde_json::Value;

/// What the walk reports.
pub(crate) enum Event<'v> {
    /// A value, with the privacy class that applies to it.
    Value {
        pointer: &'v str,
        value: &'v Tree<'v>,
        class: Option<Privacy>,
    },
    /// An object key that is data rather than a schema-declared name (a map key or an
    /// undeclared member), with the class the schema gives map keys.
    Key {
        pointer: &'v str,
        key: &'v str,
        class: Option<Privacy>,
    },
    /// A member the schema does not declare. `unchecked` when no schema can reach its value:
    /// every schema applying on the way to it is fixed (no branches or conditions), the
    /// object is closed and has no schema for other members.
    Undeclared {
        pointer: &'v str,
        value: &'v Tree<'v>,
        unchecked: bool,
        /// The class the enclosing object gives its keys (`x-privacy-keys`), if any: an
        /// unlisted entry of a map keyed by product-chosen names is still such a name.
        key_class: Option<Privacy>,
    },
    /// The walk steps into a member or item: its (escaped) pointer segment. Every event
    /// until the matching [`Event::Leave`] is at or below it.
    Enter { segment: &'v str },
    /// The walk steps back out.
    Leave,
}

/// Which branch of an `anyOf`/`oneOf` was taken at an instance pointer.
pub(crate) type Choices = Vec<(String, String)>;

// Deeper than the parser allows (128), so every parsed value is visited.
const MAX_DEPTH: usize = 130;

type Id = usize;

/// What the applicable schemas of one instance node say, merged.
#[derive(Default)]
struct Merged {
    class: Option<Privacy>,
    key_class: Option<Privacy>,
    closed: bool,
    unlisted: bool,
    /// Member names, to their place in `children`: kept apart so a lookup scans or probes a
    /// small table.
    properties: NameMap<u32>,
    children: Vec<Children>,
    additional: Children,
    items: Children,
}

/// The schemas that apply to a child value (a member or an item), with their merged
/// applicable sets per JSON type, filled in as types are met when every schema's set depends
/// on the value's type alone (see [`Node::by_type`]).
#[derive(Default)]
struct Children {
    ids: Vec<Id>,
    by_type: [std::sync::OnceLock<Box<Merged>>; 7],
}

impl Children {
    fn new(ids: Vec<Id>) -> Children {
        Children {
            ids,
            by_type: Default::default(),
        }
    }
}

/// The JSON type of a value as an index, telling integers from other numbers.
fn type_index(v: &Tree) -> usize {
    match v {
        Tree::Null => 0,
        Tree::Bool(_) => 1,
        Tree::Number(n) => number_index(n),
        Tree::String(_) => 4,
        Tree::Array(_) => 5,
        Tree::Object(_) => 6,
    }
}

/// The same index for a `serde_json::Value`.
fn value_type_index(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(n) => number_index(n),
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

fn number_index(n: &serde_json::Number) -> usize {
    if n.is_i64() || n.is_u64() { 2 } else { 3 }
}

/// One value of each type, to resolve a type-determined applicable set.
fn example_of(index: usize) -> Tree<'static> {
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
struct Node {
    /// Schema path, for recording branch choices.
    path: String,
    class: Option<Privacy>,
    key_class: Option<Privacy>,
    closed: bool,
    unlisted: bool,
    properties: Vec<(String, Id)>,
    additional: Option<Id>,
    items: Option<Id>,
    /// `$ref` target and `allOf` members: they always apply.
    always: Vec<Id>,
    /// `anyOf`/`oneOf` branches: the first that fits applies.
    branches: Vec<(&'static str, Vec<Id>)>,
    /// `if`, `then`, `else`.
    cond: Option<(Id, Option<Id>, Option<Id>)>,
    // What `fits` checks.
    types: Option<Vec<String>>,
    /// The type indices (see [`type_index`]) `types` admits, one bit each.
    type_mask: u8,
    konst: Option<Value>,
    enumeration: Option<Vec<Value>>,
    required: Vec<String>,
    /// The applicable set merged in advance, when it does not depend on the instance.
    merged: Option<Merged>,
    /// For a bare `if {P: const X, required: [P]} then T` (how a tagged union refines by
    /// its tag): P and X, so an object instance is tested with one comparison.
    tag: Option<(String, Value)>,
    /// Whether the applicable set depends on the instance's JSON type alone (every branch
    /// and condition on the way is told by type), so it can be resolved once per type.
    by_type: bool,
    /// Per type index (see [`type_index`]), what [`Walker::resolve`] finds when the
    /// instance's type alone decides it: the node holding the merged set, and the node
    /// whose class applies.
    resolved: [Option<(Id, Option<Id>)>; 7],
    /// Per `anyOf`/`oneOf`, when a valid body must have a property P and each branch limits P
    /// to its own few values (a tagged union): P and each branch's values. In an object that
    /// passed validation, the branch whose values hold P's is the only one that fits.
    branch_tags: Vec<Option<(String, Vec<Vec<Value>>)>>,
}

/// Merged applicable sets met during walks, by the set: instance-dependent sets repeat
/// (every Mattermost message of one event has the same one), so each is merged once. A
/// fixed table of write-once slots, probed from the set's hash: a lookup only reads, so
/// threads auditing at once do not contend for a lock or a reference count.
type MergeCache = Box<[std::sync::OnceLock<(Vec<Id>, Merged)>]>;

/// Slots in the cache (real reports meet a few dozen sets; hostile ones are bounded by
/// this), and how many a lookup probes; past them, a set is merged afresh each time.
const CACHE_SLOTS: usize = 512;
const CACHE_PROBES: usize = 8;

/// Keywords the walk models or that constrain a value by itself alone; a schema with any
/// other keyword (`patternProperties`, `not`, `uniqueItems` comparing whole items, ...) may
/// reach values the walk cannot tell about.
const MODELLED: &[&str] = &[
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
fn modelled(root: &Value, s: &Value, depth: usize) -> bool {
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

/// A compiled view of one report kind's schema.
pub(crate) struct Shape {
    root: Value,
    /// The schema uses only keywords the walk models (see [`MODELLED`]).
    modelled: bool,
    nodes: Vec<Node>,
    cache: MergeCache,
    /// What applies where no schema does (inside undeclared members).
    nothing: Merged,
    /// The root schema, as the children of nothing.
    root_children: Children,
}

struct Compiler<'s> {
    root: &'s Value,
    nodes: Vec<Node>,
    by_path: HashMap<String, Id>,
    /// The first privacy class the schema names that is not one (schema path, name).
    unknown_class: Option<(String, String)>,
}

impl Compiler<'_> {
    fn node(&mut self, path: String, s: &Value) -> Id {
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
        let types: Option<Vec<String>> = obj.get("type").map(|t| match t {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(Into::into).collect(),
            _ => Vec::new(),
        });
        let mut n = Node {
            class: value_class,
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

impl Shape {
    /// Compiles a schema; refused when it names a privacy class that does not exist.
    pub(crate) fn new(root: Value) -> Result<Shape, String> {
        let mut c = Compiler {
            root: &root,
            nodes: Vec::new(),
            by_path: HashMap::default(),
            unknown_class: None,
        };
        c.node(String::new(), &root);
        if let Some((at, name)) = c.unknown_class {
            return Err(format!(
                "`{at}` names the privacy class `{name}`, which is none of: {}",
                Privacy::ALL.map(Privacy::as_str).join(", ")
            ));
        }
        let mut nodes = c.nodes;
        for id in 0..nodes.len() {
            nodes[id].tag = tag_test(&nodes, id);
        }
        for id in 0..nodes.len() {
            nodes[id].by_type = decided_by_type(&nodes, id, 0);
            nodes[id].branch_tags = (0..nodes[id].branches.len())
                .map(|g| union_tag(&nodes, id, &nodes[id].branches[g].1))
                .collect();
        }
        for id in 0..nodes.len() {
            let mut set = Vec::new();
            if static_closure(&nodes, id, &mut set, 0) {
                let merged = merge(&nodes, &set);
                nodes[id].merged = Some(merged);
            }
        }
        for id in 0..nodes.len() {
            nodes[id].resolved = std::array::from_fn(|t| resolved_by_type(&nodes, id, t, 0));
        }
        Ok(Shape {
            modelled: modelled(&root, &root, 0),
            root,
            nodes,
            cache: (0..CACHE_SLOTS).map(|_| Default::default()).collect(),
            nothing: Merged::default(),
            root_children: Children::new(vec![0]),
        })
    }

    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    /// The root object's declared member names (for picking a kind by shape).
    pub(crate) fn root_properties(&self) -> Vec<&str> {
        let mut app = Vec::new();
        let empty = Tree::Object(&[]);
        self.applicable(0, &empty, false, "", &mut app, &mut None, 0);
        app.iter()
            .flat_map(|&id| self.nodes[id].properties.iter().map(|(k, _)| k.as_str()))
            .collect()
    }

    /// Collects the schema nodes that apply to `inst`, outermost first.
    #[allow(clippy::too_many_arguments)]
    fn applicable(
        &self,
        id: Id,
        inst: &Tree,
        valid: bool,
        ip: &str,
        out: &mut Vec<Id>,
        choices: &mut Option<&mut Choices>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        out.push(id);
        let n = &self.nodes[id];
        // Tag tests of one property in a row look the property up once.
        let mut looked_up: Option<(&str, Option<&Tree>)> = None;
        for &a in &n.always {
            if let (Some((prop, want)), Tree::Object(m)) = (&self.nodes[a].tag, inst)
                && depth < MAX_DEPTH
            {
                let have = match looked_up {
                    Some((p, v)) if p == prop => v,
                    _ => {
                        let v = tree::get(m, prop);
                        looked_up = Some((prop, v));
                        v
                    }
                };
                out.push(a);
                if have.is_some_and(|h| h.same(want))
                    && let Some((_, Some(then), _)) = self.nodes[a].cond
                {
                    self.applicable(then, inst, valid, ip, out, choices, depth + 2);
                }
                continue;
            }
            self.applicable(a, inst, valid, ip, out, choices, depth + 1);
        }
        for ((_, bs), tag) in n.branches.iter().zip(&n.branch_tags) {
            let chosen = match (tag, inst) {
                (Some((prop, lists)), Tree::Object(m)) if valid => tree::get(m, prop)
                    .and_then(|v| lists.iter().position(|l| l.iter().any(|x| v.same(x))))
                    .map(|i| bs[i]),
                _ => bs.iter().copied().find(|&b| self.fits(b, inst, 0)),
            };
            if let Some(b) = chosen {
                if let Some(choices) = choices {
                    choices.push((ip.to_string(), self.nodes[b].path.clone()));
                }
                self.applicable(b, inst, valid, ip, out, choices, depth + 1);
            }
        }
        if let Some((c, then, els)) = n.cond {
            let next = if self.fits(c, inst, 0) { then } else { els };
            if let Some(b) = next {
                self.applicable(b, inst, valid, ip, out, choices, depth + 1);
            }
        }
    }

    /// A cheap structural match on the keywords that tell branches apart: `type`, `const`,
    /// `enum`, `required` and the same on present properties.
    fn fits(&self, id: Id, inst: &Tree, depth: usize) -> bool {
        if depth > 16 {
            return true;
        }
        let n = &self.nodes[id];
        if !n.admits_type(inst) {
            return false;
        }
        if n.konst.as_ref().is_some_and(|c| !inst.same(c)) {
            return false;
        }
        if n.enumeration
            .as_ref()
            .is_some_and(|e| !e.iter().any(|x| inst.same(x)))
        {
            return false;
        }
        if let Tree::Object(m) = inst {
            if !n.required.iter().all(|k| tree::get(m, k).is_some()) {
                return false;
            }
            for (k, ps) in &n.properties {
                if let Some(v) = tree::get(m, k)
                    && !self.fits(*ps, v, depth + 1)
                {
                    return false;
                }
            }
        }
        n.always.iter().all(|&a| self.fits(a, inst, depth + 1))
            && n.branches
                .iter()
                .all(|(_, bs)| bs.iter().any(|&b| self.fits(b, inst, depth + 1)))
    }

    /// Walks `inst`, calling `visit` for every node. `valid` says the instance passed
    /// validation against the schema, which lets tagged unions be resolved by their tag.
    /// Branch choices are recorded only when asked for (to explain schema errors), since
    /// most reports have none to explain.
    pub(crate) fn walk(
        &self,
        inst: &Tree,
        valid: bool,
        record_choices: bool,
        visit: &mut dyn FnMut(Event<'_>),
    ) -> Choices {
        let mut choices = Vec::new();
        let mut walker = Walker {
            shape: self,
            // Room for ordinary pointers and applicable sets, so neither grows step by step.
            pointer: String::with_capacity(256),
            visit,
            valid,
            choices: record_choices.then_some(&mut choices),
            scratch: Vec::with_capacity(64),
        };
        walker.node(&self.root_children, inst, None, 0, self.modelled);
        choices
    }
}

impl Shape {
    /// The merge of an applicable set, from the cache when it was met before; merged into
    /// `fresh` when the cache has no room for it.
    fn merged<'s>(&'s self, app: &[Id], fresh: &'s mut Option<Merged>) -> &'s Merged {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::default().hash_one(app) as usize;
        for probe in 0..CACHE_PROBES {
            let slot = &self.cache[hash.wrapping_add(probe) % CACHE_SLOTS];
            if let Some((set, m)) = slot.get() {
                if set == app {
                    return m;
                }
                continue;
            }
            // Another thread may claim the slot first, for this set or another.
            let (set, m) = slot.get_or_init(|| (app.to_vec(), merge(&self.nodes, app)));
            if set == app {
                return m;
            }
        }
        fresh.insert(merge(&self.nodes, app))
    }
}

impl Node {
    /// Whether the node's own `type` keyword admits the value.
    fn admits_type(&self, inst: &Tree) -> bool {
        self.admits(type_index(inst))
    }

    /// Whether the node's own `type` keyword admits values of type index `t`.
    fn admits(&self, t: usize) -> bool {
        self.type_mask & (1 << t) != 0
    }
}

/// The bits of [`Node::type_mask`] for a `type` keyword: all of them when there is none.
fn type_mask(types: Option<&[String]>) -> u8 {
    match types {
        None | Some([]) => u8::MAX,
        Some(names) => (0..7)
            .filter(|&i| names.iter().any(|t| type_named(t, i)))
            .fold(0, |m, i| m | 1 << i),
    }
}

/// Whether a value of type index `index` (see [`type_index`]) has the JSON Schema type
/// `name` (an unknown name admits anything). Integers are told from other numbers as
/// serde_json stores them.
fn type_named(name: &str, index: usize) -> bool {
    match name {
        "null" => index == 0,
        "boolean" => index == 1,
        "integer" => index == 2,
        "number" => index == 2 || index == 3,
        "string" => index == 4,
        "array" => index == 5,
        "object" => index == 6,
        _ => true,
    }
}

/// Whether `inst` has the JSON Schema type `name` (an unknown name admits anything).
pub fn type_is(name: &str, inst: &Value) -> bool {
    type_named(name, value_type_index(inst))
}

/// The values `fits` lets through at node `id`, when they are few: its `const`, its `enum`,
/// `null` for a null-only type, or the union over a single `anyOf`/`oneOf`. `None` when the
/// node lets through more than such a list says.
fn allowed_values(nodes: &[Node], id: Id, depth: usize) -> Option<Vec<Value>> {
    let n = &nodes[id];
    if depth > 8 {
        return None;
    }
    if let Some(k) = &n.konst {
        return Some(vec![k.clone()]);
    }
    if let Some(e) = &n.enumeration {
        return Some(e.clone());
    }
    if n.types.as_deref() == Some(&["null".to_string()][..]) {
        return Some(vec![Value::Null]);
    }
    // Any one constraint bounds the values; a `$ref` target's counts like its own.
    if let Some(v) = n
        .always
        .iter()
        .find_map(|&a| allowed_values(nodes, a, depth + 1))
    {
        return Some(v);
    }
    match n.branches.as_slice() {
        [(_, bs)] => {
            let mut all = Vec::new();
            for &b in bs {
                all.extend(allowed_values(nodes, b, depth + 1)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// Over a node and what it always applies: whether some schema requires `prop`, and the
/// value lists (see [`allowed_values`]) the schemas hold `prop` to.
fn tag_rules(
    nodes: &[Node],
    id: Id,
    prop: &str,
    depth: usize,
    lists: &mut Vec<Vec<Value>>,
) -> bool {
    let n = &nodes[id];
    if depth > 8 {
        return false;
    }
    if let Some((_, p)) = n.properties.iter().find(|(k, _)| k == prop)
        && let Some(v) = allowed_values(nodes, *p, 0)
    {
        lists.push(v);
    }
    let mut required = n.required.iter().any(|r| r == prop);
    for &a in &n.always {
        required |= tag_rules(nodes, a, prop, depth + 1, lists);
    }
    required
}

/// The tag of a union at node `parent` (see [`Node::branch_tags`]): a property that every
/// branch or the parent requires (so a valid body has it), and that each branch limits to a
/// list of values, no value in two branches' lists.
fn union_tag(nodes: &[Node], parent: Id, branches: &[Id]) -> Option<(String, Vec<Vec<Value>>)> {
    // Candidate properties: what the parent or the first branch requires, directly or
    // through `$ref`.
    let mut candidates = Vec::new();
    let mut stack = vec![(*branches.first()?, 0), (parent, 0)];
    while let Some((id, depth)) = stack.pop() {
        candidates.extend(nodes[id].required.iter().cloned());
        if depth < 8 {
            stack.extend(nodes[id].always.iter().map(|&a| (a, depth + 1)));
        }
    }
    candidates.into_iter().find_map(|prop| {
        let parent_requires = tag_rules(nodes, parent, &prop, 0, &mut Vec::new());
        let mut per_branch: Vec<Vec<Value>> = Vec::new();
        for &b in branches {
            let mut lists = Vec::new();
            if !tag_rules(nodes, b, &prop, 0, &mut lists) && !parent_requires {
                return None;
            }
            // Any one list bounds what the branch lets through.
            let list = lists.into_iter().next()?;
            if per_branch.iter().flatten().any(|v| list.contains(v)) {
                return None;
            }
            per_branch.push(list);
        }
        Some((prop, per_branch))
    })
}

/// Whether a value of type index `t` is one the node (or what it always applies) allows.
fn type_fits(nodes: &[Node], id: Id, t: usize, depth: usize) -> bool {
    if depth > 16 {
        return true;
    }
    let n = &nodes[id];
    n.admits(t) && n.always.iter().all(|&a| type_fits(nodes, a, t, depth + 1))
}

/// What [`Walker::resolve`] finds for any value of type index `t`, when the type alone
/// decides it (see [`Node::resolved`]).
fn resolved_by_type(nodes: &[Node], id: Id, t: usize, depth: usize) -> Option<(Id, Option<Id>)> {
    let n = &nodes[id];
    if n.merged.is_some() {
        return Some((id, None));
    }
    if depth >= 8 || !bare_wrapper(n) {
        return None;
    }
    let (m, c) = resolved_by_type(nodes, typed_branch(nodes, n, t)?, t, depth + 1)?;
    Some((m, if n.class.is_some() { Some(id) } else { c }))
}

/// The one branch of a bare wrapper that admits values of type index `t`, if only one does.
fn typed_branch(nodes: &[Node], n: &Node, t: usize) -> Option<Id> {
    let mut typed = n.branches[0]
        .1
        .iter()
        .filter(|&&b| type_fits(nodes, b, t, 0));
    match (typed.next(), typed.next()) {
        (Some(&only), None) => Some(only),
        _ => None,
    }
}

/// A bare `anyOf`/`oneOf` wrapper: one set of branches and nothing else that shapes members.
fn bare_wrapper(n: &Node) -> bool {
    n.branches.len() == 1 && n.cond.is_none() && holds_no_members(n)
}

/// Whether `fits` on the node looks at the instance's type alone.
fn fits_by_type(nodes: &[Node], id: Id, depth: usize) -> bool {
    let n = &nodes[id];
    depth < 16
        && n.konst.is_none()
        && n.enumeration.is_none()
        && n.required.is_empty()
        && n.properties.is_empty()
        && n.always.iter().all(|&a| fits_by_type(nodes, a, depth + 1))
        && n.branches
            .iter()
            .all(|(_, bs)| bs.iter().all(|&b| fits_by_type(nodes, b, depth + 1)))
}

/// Whether the applicable set of the node depends on the instance's type alone.
fn decided_by_type(nodes: &[Node], id: Id, depth: usize) -> bool {
    let n = &nodes[id];
    depth < 16
        && n.always
            .iter()
            .all(|&a| decided_by_type(nodes, a, depth + 1))
        && n.branches.iter().all(|(_, bs)| {
            bs.iter()
                .all(|&b| fits_by_type(nodes, b, 0) && decided_by_type(nodes, b, depth + 1))
        })
        && n.cond.is_none_or(|(c, then, els)| {
            fits_by_type(nodes, c, 0)
                && [then, els]
                    .into_iter()
                    .flatten()
                    .all(|b| decided_by_type(nodes, b, depth + 1))
        })
}

/// The property and value of a bare tag test (see [`Node::tag`]): a node holding only
/// `if`/`then`, whose `if` holds only one property with only a `const`, and requires it.
/// For an object, such an `if` holds exactly when the property is present and equal.
fn tag_test(nodes: &[Node], id: Id) -> Option<(String, Value)> {
    let n = &nodes[id];
    let (c, Some(_), None) = n.cond? else {
        return None;
    };
    if !bare(n) || n.class.is_some() {
        return None;
    }
    let c = &nodes[c];
    let [(prop, p)] = c.properties.as_slice() else {
        return None;
    };
    if c.cond.is_some()
        || !c.always.is_empty()
        || !c.branches.is_empty()
        || c.types.is_some()
        || c.konst.is_some()
        || c.enumeration.is_some()
        || c.required != [prop.clone()]
    {
        return None;
    }
    let p = &nodes[*p];
    let konst = p.konst.clone()?;
    if !bare(p) || p.cond.is_some() || p.types.is_some() || p.enumeration.is_some() {
        return None;
    }
    Some((prop.clone(), konst))
}

/// Whether a node has none of the keywords that shape or refine an instance beyond its own
/// `const`/`if` (no type, members, items, required, `$ref`, `allOf` or branches).
fn bare(n: &Node) -> bool {
    holds_no_members(n) && n.branches.is_empty() && n.required.is_empty()
}

/// Whether a node says nothing about members or items and applies nothing else always.
fn holds_no_members(n: &Node) -> bool {
    n.always.is_empty()
        && n.properties.is_empty()
        && n.additional.is_none()
        && n.items.is_none()
        && n.key_class.is_none()
        && !n.closed
        && !n.unlisted
}

/// Whether the applicable set of `id` is fixed; collects it into `out`.
fn static_closure(nodes: &[Node], id: Id, out: &mut Vec<Id>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let n = &nodes[id];
    if !n.branches.is_empty() || n.cond.is_some() {
        return false;
    }
    out.push(id);
    n.always
        .iter()
        .all(|&a| static_closure(nodes, a, out, depth + 1))
}

fn merge(nodes: &[Node], set: &[Id]) -> Merged {
    let mut m = Merged::default();
    for &id in set {
        let n = &nodes[id];
        m.class = m.class.or(n.class);
        m.key_class = m.key_class.or(n.key_class);
        m.closed |= n.closed;
        m.unlisted |= n.unlisted;
        for (k, p) in &n.properties {
            let next = m.children.len() as u32;
            let i = *m.properties.get_or_insert_with(k, || next) as usize;
            if i == m.children.len() {
                m.children.push(Children::default());
            }
            m.children[i].ids.push(*p);
        }
        m.additional.ids.extend(n.additional);
        m.items.ids.extend(n.items);
    }
    m
}

struct Walker<'a, 'c> {
    shape: &'a Shape,
    /// The instance pointer, grown and cut back as the walk descends and returns.
    pointer: String,
    visit: &'a mut dyn FnMut(Event<'_>),
    /// The instance passed validation.
    valid: bool,
    choices: Option<&'c mut Choices>,
    /// The applicable set being collected (see [`Walker::node`]).
    scratch: Vec<Id>,
}

impl<'a> Walker<'a, '_> {
    /// The fast path: a node whose applicable set is fixed, or a bare `anyOf`/`oneOf`
    /// wrapper (an optional value, an any-value) around one; with the wrapper's class.
    fn resolve(
        &mut self,
        id: Id,
        inst: &Tree,
        depth: usize,
    ) -> Option<(&'a Merged, Option<Privacy>)> {
        let shape: &'a Shape = self.shape;
        let n = &shape.nodes[id];
        if let Some(m) = &n.merged {
            return Some((m, None));
        }
        // Most wrappers are told apart by the value's type alone (an object or null), which
        // was resolved in advance (from the top, within the same depth); branch choices are
        // recorded on the way below only.
        let t = type_index(inst);
        if self.choices.is_none()
            && depth == 0
            && let Some((m, c)) = n.resolved[t]
        {
            let class = c.and_then(|c| shape.nodes[c].class);
            return shape.nodes[m].merged.as_ref().map(|m| (m, class));
        }
        if depth >= 8 || !bare_wrapper(n) {
            return None;
        }
        let b = match typed_branch(&shape.nodes, n, t) {
            Some(only) => only,
            None => *n.branches[0].1.iter().find(|&&b| shape.fits(b, inst, 0))?,
        };
        if let Some(choices) = &mut self.choices {
            choices.push((self.pointer.clone(), shape.nodes[b].path.clone()));
        }
        let (m, c) = self.resolve(b, inst, depth + 1)?;
        Some((m, n.class.or(c)))
    }

    /// `fixed`: every schema set applied on the way here was fixed.
    fn node(
        &mut self,
        schemas: &Children,
        inst: &Tree,
        inherited: Option<Privacy>,
        depth: usize,
        fixed: bool,
    ) {
        let shape = self.shape;
        // A scalar needs only its class, and the outermost schema's own class is the one the
        // merge keeps: no branch or condition below it needs resolving (unless its choices
        // are being recorded).
        if self.choices.is_none()
            && !matches!(inst, Tree::Object(_) | Tree::Array(_))
            && let Some(&first) = schemas.ids.first()
            && let Some(class) = shape.nodes[first].class
        {
            (self.visit)(Event::Value {
                pointer: &self.pointer,
                value: inst,
                class: Some(class),
            });
            return;
        }
        let fixed =
            fixed && matches!(schemas.ids.as_slice(), [id] if shape.nodes[*id].merged.is_some());
        let mut fresh = None;
        let mut wrapper_class = None;
        let m = match schemas.ids.as_slice() {
            [] => &shape.nothing,
            [id] if let Some((m, c)) = self.resolve(*id, inst, 0) => {
                wrapper_class = c;
                m
            }
            // Resolved once per type; branch choices are recorded on the slow path only.
            ids if self.choices.is_none() && ids.iter().all(|&id| shape.nodes[id].by_type) => {
                let t = type_index(inst);
                // Borrowed, not cloned: an `Arc` count shared by every thread would bounce
                // between cores on each value.
                schemas.by_type[t].get_or_init(|| {
                    let example = example_of(t);
                    let mut app = Vec::new();
                    for &id in ids {
                        shape.applicable(id, &example, false, "", &mut app, &mut None, 0);
                    }
                    Box::new(merge(&shape.nodes, &app))
                })
            }
            ids => {
                // One buffer for the whole walk: the set is only needed until it is merged.
                let mut app = std::mem::take(&mut self.scratch);
                app.clear();
                for &id in ids {
                    shape.applicable(
                        id,
                        inst,
                        self.valid,
                        &self.pointer,
                        &mut app,
                        &mut self.choices,
                        0,
                    );
                }
                let m = shape.merged(&app, &mut fresh);
                self.scratch = app;
                m
            }
        };
        let class = wrapper_class.or(m.class).or(inherited);
        (self.visit)(Event::Value {
            pointer: &self.pointer,
            value: inst,
            class,
        });
        if depth > MAX_DEPTH {
            return;
        }
        let len = self.pointer.len();
        match inst {
            Tree::Object(members) => {
                for (k, v) in members.iter() {
                    self.pointer.push('/');
                    push_escaped(&mut self.pointer, k);
                    (self.visit)(Event::Enter {
                        segment: &self.pointer[len + 1..],
                    });
                    let (child, named) = match m.properties.get(k) {
                        Some(&i) => (&m.children[i as usize], true),
                        None => (&m.additional, false),
                    };
                    let undeclared = !named && (m.closed || m.unlisted);
                    if undeclared {
                        (self.visit)(Event::Undeclared {
                            pointer: &self.pointer,
                            value: v,
                            unchecked: fixed && m.closed && m.additional.ids.is_empty(),
                            key_class: m.key_class,
                        });
                    }
                    if !named {
                        let class = if undeclared { None } else { m.key_class };
                        (self.visit)(Event::Key {
                            pointer: &self.pointer,
                            key: k,
                            class,
                        });
                    }
                    let inherit = if undeclared { None } else { class };
                    self.node(child, v, inherit, depth + 1, fixed);
                    (self.visit)(Event::Leave);
                    self.pointer.truncate(len);
                }
            }
            Tree::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.pointer.push('/');
                    push_index(&mut self.pointer, i);
                    (self.visit)(Event::Enter {
                        segment: &self.pointer[len + 1..],
                    });
                    self.node(&m.items, v, class, depth + 1, fixed);
                    (self.visit)(Event::Leave);
                    self.pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every event of a walk, as text. `general`: with branch choices recorded, which turns
    /// off the shortcuts that resolve branches in advance or skip them (a wrapper whose
    /// branches the value's type tells apart is still resolved by type, on both paths).
    fn events(shape: &Shape, v: &Value, valid: bool, general: bool) -> Vec<String> {
        let mut out = Vec::new();
        let arena = bumpalo::Bump::new();
        shape.walk(&Tree::from_value(v, &arena), valid, general, &mut |e| {
            out.push(match e {
                Event::Value { pointer, class, .. } => {
                    format!("value {pointer} {:?}", class.map(Privacy::as_str))
                }
                Event::Key { pointer, class, .. } => {
                    format!("key {pointer} {:?}", class.map(Privacy::as_str))
                }
                Event::Undeclared {
                    pointer, unchecked, ..
                } => format!("undeclared {pointer} {unchecked}"),
                Event::Enter { segment } => format!("enter {segment}"),
                Event::Leave => "leave".to_string(),
            })
        });
        out
    }

    #[test]
    fn indices_are_written_in_decimal() {
        for i in [0, 7, 10, 99, 4096, usize::MAX] {
            let mut s = String::from("/a/");
            push_index(&mut s, i);
            assert_eq!(s, format!("/a/{i}"));
        }
    }

    /// The body with the value at the `n`-th node (in walk order) replaced; `None` past the end.
    fn replaced(v: &Value, n: &mut usize, with: &Value) -> Option<Value> {
        if *n == 0 {
            return Some(with.clone());
        }
        *n -= 1;
        let mut v = v.clone();
        match &mut v {
            Value::Object(m) => {
                for child in m.values_mut() {
                    if let Some(r) = replaced(child, n, with) {
                        *child = r;
                        return Some(v);
                    }
                }
                None
            }
            Value::Array(a) => {
                for child in a.iter_mut() {
                    if let Some(r) = replaced(child, n, with) {
                        *child = r;
                        return Some(v);
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The product's fixtures (clean and leaking) that parse, with their paths.
    fn fixture_bodies(product: &str) -> Vec<(std::path::PathBuf, Value)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(product);
        [dir.clone(), dir.join("leaks")]
            .into_iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| {
                let body = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
                Some((p, body))
            })
            .collect()
    }

    /// The body with `member` added to the `n`-th object (in walk order); `None` past the end.
    fn inserted(v: &Value, n: &mut usize, member: &Value) -> Option<Value> {
        let mut v = v.clone();
        if let Value::Object(m) = &mut v {
            if *n == 0 {
                m.insert("zz-undeclared".into(), member.clone());
                return Some(v);
            }
            *n -= 1;
        }
        let children: Vec<&mut Value> = match &mut v {
            Value::Object(m) => m.values_mut().collect(),
            Value::Array(a) => a.iter_mut().collect(),
            _ => return None,
        };
        for child in children {
            if let Some(r) = inserted(child, n, member) {
                *child = r;
                return Some(v);
            }
        }
        None
    }

    #[test]
    fn only_modelled_schemas_leave_members_out() {
        let ok = serde_json::json!({
            "$id": "urn:x", "type": "object", "additionalProperties": false,
            "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"enum": ["x", 1, null]}},
            "$defs": {"A": {"anyOf": [{"type": "string", "maxLength": 3}, {"const": 2}]}}
        });
        assert!(modelled(&ok, &ok, 0));
        for (k, v) in [
            ("uniqueItems", serde_json::json!(true)),
            ("patternProperties", serde_json::json!({"^x": {}})),
            ("not", serde_json::json!({})),
            ("const", serde_json::json!({"a": 1})),
            ("enum", serde_json::json!([[1]])),
            ("$ref", serde_json::json!("urn:x#/$defs/A")),
            ("$ref", serde_json::json!("#/$defs/Missing")),
            ("$ref", serde_json::json!("#/%24defs/A")),
        ] {
            let mut bad = ok.clone();
            bad["properties"]["c"] = serde_json::json!({ k: v });
            assert!(!modelled(&bad, &bad, 0), "{k}: {v}");
        }
        let mut nested_id = ok.clone();
        nested_id["$defs"]["A"]["$id"] = serde_json::json!("urn:y");
        assert!(!modelled(&nested_id, &nested_id, 0));
    }

    /// Undeclared members the walk calls unchecked can be left out of the body the
    /// validator explains: the errors (pointers, schema paths, masked messages) stay the
    /// same, on every fixture with an undeclared member added to any one of its objects.
    #[test]
    fn unchecked_members_do_not_change_schema_errors() {
        let member = serde_json::json!({"deep": [[["x", {"y": 1, "z": [null]}]]], "n": 7});
        let (mut bodies, mut pruned) = (0, 0);
        for kind in privaudit_reports::all_kinds() {
            let shape = Shape::new(kind.schema().to_value()).unwrap();
            assert!(
                shape.modelled,
                "{kind:?} uses a keyword the walk does not model"
            );
            let validator =
                crate::engine::validator::<jsonschema::json::SerdeJson>(&kind.schema().to_value())
                    .unwrap();
            let errors = |v: &Value| {
                validator
                    .iter_errors(v)
                    .map(|e| format!("{} {} {}", e.instance_path(), e.schema_path(), e.masked()))
                    .collect::<Vec<_>>()
            };
            for (file, body) in fixture_bodies(kind.product) {
                for i in 0.. {
                    let Some(v) = inserted(&body, &mut { i }, &member) else {
                        break;
                    };
                    let arena = bumpalo::Bump::new();
                    let t = Tree::from_value(&v, &arena);
                    let mut unchecked = Vec::new();
                    shape.walk(&t, false, true, &mut |e| {
                        if let Event::Undeclared {
                            value,
                            unchecked: true,
                            ..
                        } = e
                        {
                            unchecked.push(std::ptr::from_ref(value) as usize);
                        }
                    });
                    unchecked.sort_unstable();
                    pruned += usize::from(!unchecked.is_empty());
                    assert_eq!(
                        errors(&t.to_value_without(&unchecked)),
                        errors(&v),
                        "{} object {i}",
                        file.display()
                    );
                    bodies += 1;
                }
            }
        }
        assert!(bodies > 500, "only {bodies} bodies");
        assert!(pruned > 100, "only {pruned} bodies had unchecked members");
    }

    /// The shortcuts (per-type resolution of child sets and wrappers, tag tests, unions chosen
    /// by their tag in valid bodies, a scalar's class from its outermost schema) change how
    /// fast the
    /// applicable schemas are found, never which: a walk with them gives the same events as
    /// the general path, on every fixture and on each with any one node given another type
    /// or another tag. On the same bodies, validating the parsed tree gives the verdict and
    /// the errors that validating a `serde_json::Value` does.
    #[test]
    fn shortcuts_agree_with_the_general_path() {
        let (mut bodies, mut valid_bodies, mut tagged_unions) = (0, 0, 0);
        for kind in privaudit_reports::all_kinds() {
            let fast = Shape::new(kind.schema().to_value()).unwrap();
            let mut general = Shape::new(kind.schema().to_value()).unwrap();
            for n in &mut general.nodes {
                n.tag = None;
                n.by_type = false;
                n.resolved = [None; 7];
                n.branch_tags.iter_mut().for_each(|t| *t = None);
            }
            let validator =
                crate::engine::validator::<jsonschema::json::SerdeJson>(&kind.schema().to_value())
                    .unwrap();
            let on_tree =
                crate::engine::validator::<tree::Borrowed>(&kind.schema().to_value()).unwrap();
            assert!(fast.nodes.iter().any(|n| n.by_type), "{kind:?}");
            tagged_unions += fast
                .nodes
                .iter()
                .filter(|n| n.branch_tags.iter().any(Option::is_some))
                .count();
            for (file, body) in fixture_bodies(kind.product) {
                let others = [
                    Value::Null,
                    Value::from(7),
                    Value::from(0.5),
                    Value::from("server"),
                    Value::from("identify"),
                    Value::Array(vec![Value::from("x")]),
                    serde_json::json!({"event": "activity", "type": "track"}),
                ];
                let mut variants = vec![body.clone()];
                for i in (0..).step_by(3) {
                    let Some(v) = replaced(&body, &mut { i }, &others[i % others.len()]) else {
                        break;
                    };
                    variants.push(v);
                }
                for v in &variants {
                    let valid = validator.is_valid(v);
                    valid_bodies += usize::from(valid);
                    // The parsed tree validates as the value does, error for error.
                    let arena = bumpalo::Bump::new();
                    let t = Tree::from_value(v, &arena);
                    assert_eq!(on_tree.is_valid(&t), valid, "{}", file.display());
                    let errors = |it: jsonschema::ErrorIterator<'_>| {
                        it.map(|e| format!("{} {} {}", e.instance_path(), e.schema_path(), e))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        errors(on_tree.iter_errors(&t)),
                        errors(validator.iter_errors(v)),
                        "{}",
                        file.display()
                    );
                    assert_eq!(
                        events(&fast, v, valid, false),
                        events(&general, v, false, true),
                        "{}",
                        file.display()
                    );
                }
                bodies += variants.len();
            }
        }
        assert!(bodies > 1000, "only {bodies} bodies walked");
        assert!(
            valid_bodies > 100,
            "only {valid_bodies} valid bodies walked"
        );
        assert!(tagged_unions > 0, "no tagged union recognised");
    }
}
