//! Picking the report kind of a body: by the member names it shares with each kind, then
//! by validity.

use super::compiled::{CompiledKind, CompiledProduct};
use crate::names::NameMap;
use crate::tree::Tree;

impl CompiledKind {
    /// How well an object fits this kind, given how many of its members the kind names and
    /// how many of the members it requires are there; `None` when it cannot be this kind.
    /// Unless `forced`, a body that does not validate must resemble the kind: at least half
    /// its members named by the kind and at least half the kind's required members present
    /// (see [`resembles`]).
    pub(super) fn fit(
        &self,
        members: usize,
        value: &Tree,
        (named, required): (i64, i64),
        forced: bool,
    ) -> Option<i64> {
        if named == 0 {
            return None;
        }
        let missing = self.required.len() as i64 - required;
        // A body without a required member cannot validate; skip the validator.
        if missing == 0 && self.validator.is_valid(value) {
            return Some(i64::MAX);
        }
        if !forced && !resembles(members, named, required, self.required.len()) {
            return None;
        }
        let unnamed = members as i64 - named;
        Some(named * 2 - unnamed - missing * 2)
    }
}

/// Whether a body of `members` members, `named` of them named by a kind and `required` of
/// the kind's `requires` required members among them, resembles the kind enough to be
/// audited as one that breaks its schema: half of each, at least. A `package.json` shares
/// `version` with many reports and is none of them.
pub(crate) fn resembles(members: usize, named: i64, required: i64, requires: usize) -> bool {
    named * 2 >= members as i64 && required * 2 >= requires as i64
}

/// Which report kinds declare or require each root member name, over every compiled
/// product, so that picking a kind costs one lookup per member of the body, not one per
/// member and kind.
pub(crate) struct KindIndex {
    /// Per name: the kinds that name it, each with whether it declares and whether it
    /// requires the name.
    pub(super) by_name: NameMap<Vec<(usize, bool, bool)>>,
    /// The number of the first kind of each product.
    pub(super) first: Vec<usize>,
    pub(super) count: usize,
    /// The product that audits records no other fits, when loaded.
    pub(super) generic: Option<usize>,
}

impl KindIndex {
    pub(crate) fn new(products: &[CompiledProduct]) -> KindIndex {
        let mut index = KindIndex {
            by_name: Default::default(),
            first: Vec::new(),
            count: 0,
            generic: products
                .iter()
                .position(|p| crate::product::is_generic(&p.origin, &p.policy.product)),
        };
        for p in products {
            index.first.push(index.count);
            for k in &p.kinds {
                let declared = k
                    .shape
                    .root_properties()
                    .into_iter()
                    .map(|n| (n, true, false));
                let required = k.required.iter().map(|n| (n.as_str(), false, true));
                for (name, declares, requires) in declared.chain(required) {
                    let kinds = index.by_name.get_or_insert_with(name, Vec::new);
                    // A name declared twice (through two `allOf` members) counts once.
                    match kinds.last_mut() {
                        Some((g, d, r)) if *g == index.count => {
                            *d |= declares;
                            *r |= requires;
                        }
                        _ => kinds.push((index.count, declares, requires)),
                    }
                }
                index.count += 1;
            }
        }
        index
    }
}

/// The kind `value` fits best, with its score (`i64::MAX` when the body is valid for it),
/// among all products or only product `only`.
pub(super) fn best<'p>(
    products: &'p [CompiledProduct],
    index: &KindIndex,
    only: Option<usize>,
    value: &Tree,
) -> Option<(i64, &'p CompiledProduct, &'p CompiledKind)> {
    let mut best: Option<(i64, &CompiledProduct, &CompiledKind)> = None;
    if let Some(obj) = value.as_object() {
        // Member names are unique in the tree, so each counts once.
        // Per kind: how many members it names, and how many of those it requires.
        let mut counts = vec![(0i64, 0i64); index.count];
        for (k, _) in obj {
            for &(g, declares, requires) in index.by_name.get(k).map_or(&[][..], Vec::as_slice) {
                counts[g].0 += i64::from(declares);
                counts[g].1 += i64::from(requires);
            }
        }
        'products: for (pi, p) in products.iter().enumerate() {
            if only.is_some_and(|o| o != pi) {
                continue;
            }
            for (ki, k) in p.kinds.iter().enumerate() {
                let g = index.first[pi] + ki;
                if let Some(score) = k.fit(obj.len(), value, counts[g], only.is_some())
                    && best.is_none_or(|(s, ..)| score > s)
                {
                    best = Some((score, p, k));
                    // A valid kind wins; the first one found stays.
                    if score == i64::MAX {
                        break 'products;
                    }
                }
            }
        }
    }
    best
}
