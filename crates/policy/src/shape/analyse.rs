//! What can be known of a schema before any instance: which applicable sets are fixed,
//! which depend on the value's JSON type alone, and which unions are told by a tag.

use super::MAX_DEPTH;
use super::compile::*;
use crate::tree::Tree;
use serde_json::Value;

impl Node {
    /// Whether the node's own `type` keyword admits the value.
    pub(super) fn admits_type(&self, inst: &Tree) -> bool {
        self.admits(type_index(inst))
    }

    /// Whether the node's own `type` keyword admits values of type index `t`.
    pub(super) fn admits(&self, t: usize) -> bool {
        self.type_mask & (1 << t) != 0
    }
}

/// The bits of [`Node::type_mask`] for a `type` keyword: all of them when there is none.
pub(super) fn type_mask(types: Option<&[String]>) -> u8 {
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
pub(super) fn type_named(name: &str, index: usize) -> bool {
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

/// The values `fits` lets through at node `id`, when they are few: its `const`, its `enum`,
/// `null` for a null-only type, or the union over a single `anyOf`/`oneOf`. `None` when the
/// node lets through more than such a list says.
pub(super) fn allowed_values(nodes: &[Node], id: Id, depth: usize) -> Option<Vec<Value>> {
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
pub(super) fn tag_rules(
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
pub(super) fn union_tag(
    nodes: &[Node],
    parent: Id,
    branches: &[Id],
) -> Option<(String, Vec<Vec<Value>>)> {
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
pub(super) fn type_fits(nodes: &[Node], id: Id, t: usize, depth: usize) -> bool {
    if depth > 16 {
        return true;
    }
    let n = &nodes[id];
    n.admits(t) && n.always.iter().all(|&a| type_fits(nodes, a, t, depth + 1))
}

/// What [`Walker::resolve`] finds for any value of type index `t`, when the type alone
/// decides it (see [`Node::resolved`]).
pub(super) fn resolved_by_type(
    nodes: &[Node],
    id: Id,
    t: usize,
    depth: usize,
) -> Option<(Id, Option<Id>)> {
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
pub(super) fn typed_branch(nodes: &[Node], n: &Node, t: usize) -> Option<Id> {
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
pub(super) fn bare_wrapper(n: &Node) -> bool {
    n.branches.len() == 1 && n.cond.is_none() && holds_no_members(n)
}

/// Whether `fits` on the node looks at the instance's type alone.
pub(super) fn fits_by_type(nodes: &[Node], id: Id, depth: usize) -> bool {
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
pub(super) fn decided_by_type(nodes: &[Node], id: Id, depth: usize) -> bool {
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
pub(super) fn tag_test(nodes: &[Node], id: Id) -> Option<(String, Value)> {
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
pub(super) fn bare(n: &Node) -> bool {
    holds_no_members(n) && n.branches.is_empty() && n.required.is_empty()
}

/// Whether a node says nothing about members or items and applies nothing else always.
pub(super) fn holds_no_members(n: &Node) -> bool {
    n.always.is_empty()
        && n.properties.is_empty()
        && n.additional.is_none()
        && n.items.is_none()
        && n.key_class.is_none()
        && !n.closed
        && !n.unlisted
}

/// Whether the applicable set of `id` is fixed; collects it into `out`.
pub(super) fn static_closure(nodes: &[Node], id: Id, out: &mut Vec<Id>, depth: usize) -> bool {
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

pub(super) fn merge(nodes: &[Node], set: &[Id]) -> Merged {
    let mut m = Merged::default();
    for &id in set {
        let n = &nodes[id];
        m.class = m.class.or(n.class.is_some().then_some(id));
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
