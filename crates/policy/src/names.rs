//! Comparing and looking up short strings: member names, pointer segments and the clean
//! values the engine remembers. They are mostly under 32 bytes, where a call into the C
//! library's `memcmp` costs more than the comparison; here it is a few word loads.

use hashbrown::HashTable;
use std::cmp::Ordering;
use std::hash::BuildHasher;

/// The eight bytes of `s` from `at` as a little-endian word.
pub(crate) fn word8(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default())
}

fn word4(s: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default())
}

/// Whether two strings are equal.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        // The first, middle and last bytes cover every byte of a string this short.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        // Two words that overlap cover the rest.
        4..=8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => {
            let mut at = 0;
            while at + 8 < n {
                if word8(a, at) != word8(b, at) {
                    return false;
                }
                at += 8;
            }
            word8(a, n - 8) == word8(b, n - 8)
        }
    }
}

/// The byte order of two strings (`str`'s own order).
#[inline]
pub(crate) fn order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut at = 0;
    // Big-endian words order as their bytes do.
    while at + 8 <= n {
        let (x, y) = (word8(a, at).swap_bytes(), word8(b, at).swap_bytes());
        if x != y {
            return x.cmp(&y);
        }
        at += 8;
    }
    while at < n {
        if a[at] != b[at] {
            return a[at].cmp(&b[at]);
        }
        at += 1;
    }
    a.len().cmp(&b.len())
}

/// A map from names to values, compared with [`same`]. A few names are scanned in order
/// (lengths first, so few bytes are compared); more are indexed by a hash seeded per map
/// (foldhash: fast, not built to resist a determined collision search; the engine's memory
/// of clean strings, the one map an input fills, is bounded and starts over when full).
pub(crate) struct NameMap<V> {
    entries: Vec<(Box<str>, V)>,
    /// Positions in `entries`, once there are more than [`SCANNED`].
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

/// Up to this many names, a scan beats hashing the name.
const SCANNED: usize = 8;

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap {
            entries: Vec::new(),
            index: HashTable::new(),
            hasher: Default::default(),
        }
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for NameMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<V> NameMap<V> {
    fn position(&self, name: &str) -> Option<usize> {
        if self.entries.len() <= SCANNED {
            return self.entries.iter().position(|(k, _)| same(k, name));
        }
        let entries = &self.entries;
        self.index
            .find(self.hasher.hash_one(name), |&i| {
                same(&entries[i as usize].0, name)
            })
            .map(|&i| i as usize)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&V> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// The value under `name`, inserted first from `make` when there is none.
    pub(crate) fn get_or_insert_with(&mut self, name: &str, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(name) {
            Some(i) => i,
            None => {
                self.entries.push((name.into(), make()));
                let (entries, hasher) = (&self.entries, &self.hasher);
                let rehash = |&i: &u32| hasher.hash_one(&*entries[i as usize].0);
                if entries.len() == SCANNED + 1 {
                    for i in 0..entries.len() as u32 {
                        self.index.insert_unique(rehash(&i), i, rehash);
                    }
                } else if entries.len() > SCANNED + 1 {
                    let i = entries.len() as u32 - 1;
                    self.index.insert_unique(rehash(&i), i, rehash);
                }
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn comparisons_agree_with_str(a in "[a-c/~é]{0,20}", b in "[a-c/~é]{0,20}") {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert_eq!(order(&a, &b), a.cmp(&b));
            // Equal strings of every length, prefixes, and strings that differ in one byte.
            prop_assert!(same(&a, &a.clone()));
            let longer = format!("{a}x");
            prop_assert!(!same(&a, &longer));
            prop_assert_eq!(order(&a, &longer), a.as_str().cmp(&longer));
            prop_assert_eq!(order(&longer, &a), longer.as_str().cmp(&a));
            if let Some((cut, _)) = a.char_indices().last() {
                prop_assert_eq!(order(&a[..cut], &a), a[..cut].cmp(&a));
            }
            for at in 0..a.len() {
                let mut c = a.clone().into_bytes();
                c[at] ^= 1;
                if let Ok(c) = String::from_utf8(c) {
                    prop_assert!(!same(&a, &c));
                    prop_assert_eq!(order(&a, &c), a.as_str().cmp(&c));
                }
            }
        }
    }

    #[test]
    fn a_map_finds_what_it_holds_only() {
        let mut m = NameMap::default();
        let names: Vec<String> = (0..300).map(|i| format!("name_{i}")).collect();
        for (i, n) in names.iter().enumerate() {
            *m.get_or_insert_with(n, || 0) += i;
            // Scanned while small, indexed once large: found either way.
            if i < 2 * SCANNED {
                assert!(names[..=i].iter().all(|n| m.contains(n)));
                assert!(!m.contains(&names[i + 1]));
            }
        }
        // A second insert finds the first.
        *m.get_or_insert_with("name_7", || 1000) += 1;
        assert_eq!(m.len(), 300);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(m.get(n), Some(&(i + usize::from(i == 7))));
        }
        assert!(!m.contains("name_300") && !m.contains("name_") && !m.contains(""));
        m.clear();
        assert!(m.is_empty() && !m.contains("name_1"));
        // Filled again past the scan after starting over, as the clean-string memory is.
        for n in &names[..3 * SCANNED] {
            m.get_or_insert_with(n, || 1);
        }
        assert!(names[..3 * SCANNED].iter().all(|n| m.get(n) == Some(&1)));
        assert!(!m.contains(&names[3 * SCANNED]));
    }
}
