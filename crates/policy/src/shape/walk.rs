//! The walk over one instance, emitting an [`Event`] for each value, key and step.

use super::analyse::*;
use super::compile::*;
use super::{Choices, Event, MAX_DEPTH, Shape};
use crate::json::{push_escaped, push_index};
use crate::tree::Tree;

pub(super) struct Walker<'a, 'c> {
    pub(super) shape: &'a Shape,
    /// The instance pointer, grown and cut back as the walk descends and returns.
    pub(super) pointer: String,
    pub(super) visit: &'a mut dyn FnMut(Event<'_>),
    /// The instance passed validation.
    pub(super) valid: bool,
    pub(super) choices: Option<&'c mut Choices>,
    /// The applicable set being collected (see [`Walker::node`]).
    pub(super) scratch: Vec<Id>,
}

impl<'a> Walker<'a, '_> {
    /// The fast path: a node whose applicable set is fixed, or a bare `anyOf`/`oneOf`
    /// wrapper (an optional value, an any-value) around one; with the wrapper's class.
    pub(super) fn resolve(
        &mut self,
        id: Id,
        inst: &Tree,
        depth: usize,
    ) -> Option<(&'a Merged, Option<Id>)> {
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
            return shape.nodes[m].merged.as_ref().map(|m| (m, c));
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
        Some((m, n.class.is_some().then_some(id).or(c)))
    }

    /// `fixed`: every schema set applied on the way here was fixed.
    pub(super) fn node(
        &mut self,
        schemas: &Children,
        inst: &Tree,
        inherited: Option<Id>,
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
                notes: shape.nodes[first].notes.as_deref(),
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
        let from = class.map(|c| &shape.nodes[c]);
        (self.visit)(Event::Value {
            pointer: &self.pointer,
            value: inst,
            class: from.and_then(|n| n.class),
            notes: from.and_then(|n| n.notes.as_deref()),
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
