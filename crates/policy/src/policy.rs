//! Policy files: a product's promises as rules, per-field allowances and declared exceptions.

use crate::Category;
use crate::names::NameMap;
use serde::Deserialize;
use std::fmt;

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// A small deviation.
    Low,
    /// A promise is bent.
    Medium,
    /// A promise is broken.
    High,
}

impl Severity {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document a rule comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Id rules refer to.
    pub id: String,
    /// Title of the document.
    pub title: String,
    /// Where it is found.
    pub location: String,
}

/// One promise, as a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `product/name`.
    pub id: String,
    /// The promise in one sentence.
    pub statement: String,
    /// Id of the [`Source`].
    pub source: String,
    /// Section of the source.
    pub section: String,
    /// Finding categories the rule forbids.
    pub forbids: Vec<Category>,
    /// Severity of a breach.
    pub severity: Severity,
    /// Whether the rule follows from what the document announces rather than an explicit
    /// promise.
    pub derived: bool,
}

/// Allowances and constraints for the fields a pointer pattern matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// RFC 6901 pointer pattern; `*` matches one segment, `**` any number.
    pub pointer: String,
    /// Categories accepted in this field (while the value matches `pattern`, if any).
    #[serde(default)]
    pub allow: Vec<Category>,
    /// Longest accepted string, in characters.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// Regular expression the whole string value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Severity of a value that breaks `pattern` or `max_length`; defaults to that of the
    /// rule forbidding `schema_violation`. `info` suits a contradiction every report of the
    /// product carries.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// A documented exception: the product admits sending something a promise rules out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Pointer pattern of the field.
    pub pointer: String,
    /// The rule the field contradicts.
    pub rule: String,
    /// The category reported; defaults to the rule's first.
    #[serde(default)]
    pub category: Option<Category>,
    /// Severity of the contradiction (lower than the rule's).
    pub severity: Severity,
    /// The product's reason, and why it still contradicts the promise.
    pub justification: String,
}

/// A report kind a policy names: its id and the schema file, relative to the product
/// directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindEntry {
    /// Report kind id, unique within the product.
    pub id: String,
    /// The kind's JSON Schema (draft 2020-12), a path relative to the product directory.
    pub schema: String,
}

/// A product's policy file (`policy.toml` of a product directory).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Product id: lower-case letters, digits and `-`; rule ids start with it.
    pub product: String,
    /// Display name; the id when left out.
    #[serde(default)]
    pub name: String,
    /// What the product sends, in a sentence.
    pub summary: String,
    /// Request paths the product's client posts to (hosts are configurable, paths are
    /// not), for matching HAR entries and query strings.
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// JSON pointer to the member holding the client's own id for one report (a random id
    /// drawn per report), so that a collector stores a re-sent report once.
    #[serde(default)]
    pub report_id: Option<String>,
    /// Report kinds, in the order kind selection prefers them.
    #[serde(default)]
    pub kind: Vec<KindEntry>,
    /// Documents.
    #[serde(default)]
    pub source: Vec<Source>,
    /// Promises.
    #[serde(default)]
    pub rule: Vec<Rule>,
    /// Field allowances.
    #[serde(default)]
    pub field: Vec<FieldRule>,
    /// Declared exceptions.
    #[serde(default)]
    pub exception: Vec<Exception>,
}

impl Policy {
    /// Parses and checks a policy file.
    pub fn from_toml(origin: &str, text: &str) -> Result<Policy, crate::Error> {
        let err = |message: String| crate::Error::policy(origin, message);
        let policy: Policy = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        policy.check().map_err(|m| err(located(text, m)))?;
        Ok(policy)
    }

    /// Looks up a rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rule.iter().find(|r| r.id == id)
    }

    /// The rule that forbids a category.
    pub fn rule_for(&self, category: Category) -> Option<&Rule> {
        self.rule.iter().find(|r| r.forbids.contains(&category))
    }

    fn check(&self) -> Result<(), String> {
        if !is_id(&self.product) {
            return Err(format!(
                "product id `{}` must be lower-case letters, digits and `-`",
                self.product
            ));
        }
        if self.kind.is_empty() {
            return Err("a product names at least one report kind (`[[kind]]`)".into());
        }
        for (i, k) in self.kind.iter().enumerate() {
            if !is_id(&k.id) {
                return Err(format!(
                    "report kind id `{}` must be lower-case letters, digits and `-`",
                    k.id
                ));
            }
            if self.kind[..i].iter().any(|o| o.id == k.id) {
                return Err(format!("report kind `{}` is declared twice", k.id));
            }
            let path = std::path::Path::new(&k.schema);
            if k.schema.is_empty()
                || path.is_absolute()
                || path
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(format!(
                    "report kind `{}`: schema `{}` must be a path inside the product directory",
                    k.id, k.schema
                ));
            }
        }
        for e in &self.endpoints {
            if !e.starts_with('/') {
                return Err(format!(
                    "endpoint `{e}` must be a request path starting with `/`"
                ));
            }
        }
        for (i, rule) in self.rule.iter().enumerate() {
            if !rule.id.starts_with(&format!("{}/", self.product)) {
                return Err(format!(
                    "rule `{}` must start with `{}/`",
                    rule.id, self.product
                ));
            }
            if self.rule[..i].iter().any(|r| r.id == rule.id) {
                return Err(format!("rule `{}` is declared twice", rule.id));
            }
            if !self.source.iter().any(|s| s.id == rule.source) {
                return Err(format!(
                    "rule `{}` cites unknown source `{}`",
                    rule.id, rule.source
                ));
            }
        }
        for c in Category::ALL {
            let n = self.rule.iter().filter(|r| r.forbids.contains(&c)).count();
            if n != 1 {
                return Err(format!(
                    "category `{c}` must be forbidden by exactly one rule, found {n}"
                ));
            }
        }
        for f in &self.field {
            check_pattern(&f.pointer)?;
            if let Some(p) = &f.pattern {
                regex::Regex::new(p)
                    .map_err(|e| format!("field `{}`: bad pattern: {e}", f.pointer))?;
            }
        }
        for e in &self.exception {
            check_pattern(&e.pointer)?;
            let rule = self.rule(&e.rule).ok_or_else(|| {
                format!(
                    "exception at `{}` names unknown rule `{}`",
                    e.pointer, e.rule
                )
            })?;
            if let Some(c) = &e.category
                && !rule.forbids.contains(c)
            {
                return Err(format!(
                    "exception at `{}`: rule `{}` does not forbid `{c}`",
                    e.pointer, e.rule
                ));
            }
            if e.severity >= rule.severity {
                return Err(format!(
                    "exception at `{}` must be less severe than its rule",
                    e.pointer
                ));
            }
        }
        Ok(())
    }
}

/// `message` prefixed with the line of the first backticked name in it that the policy
/// text holds as a string, so a reader finds the entry it is about.
fn located(text: &str, message: String) -> String {
    let named = message.split('`').skip(1).step_by(2);
    for name in named {
        for quoted in [format!("\"{name}\""), format!("'{name}'")] {
            if text.contains(&quoted) {
                return format!("line {}: {message}", crate::product::line_of(text, &quoted));
            }
        }
    }
    message
}

/// Whether `s` is a product or kind id: lower-case letters, digits and inner `-`, at most 64.
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_pattern(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!("pointer pattern `{p}` must start with `/`"));
    }
    Ok(())
}

/// Pointer patterns (`/stats/*/value`, `/batch/**/url`) compiled into a small automaton over
/// pointer segments: a walk keeps one state per depth and steps it with one lookup per member
/// or item it enters, and every state knows the patterns its pointers match. Nothing is
/// looked up or allocated per value.
#[derive(Debug)]
pub(crate) struct PointerPatterns {
    states: Vec<SegmentState>,
}

/// A state of [`PointerPatterns`]: the patterns matched here, and where each segment leads.
#[derive(Debug, Default)]
struct SegmentState {
    matched: Vec<usize>,
    on: NameMap<u32>,
    /// Where a segment no pattern names literally leads.
    other: u32,
}

/// A pattern and how many of its segments have matched.
type Position = (usize, usize);

/// States a policy's patterns may compile to at most; `**` in many patterns can multiply them.
const MAX_STATES: usize = 4096;

impl PointerPatterns {
    /// The state a walk starts in, at the root.
    pub(crate) const START: u32 = 1;

    pub(crate) fn new<'p>(
        patterns: impl IntoIterator<Item = &'p str>,
    ) -> Result<PointerPatterns, String> {
        let patterns: Vec<Vec<String>> = patterns
            .into_iter()
            .map(|p| p.split('/').skip(1).map(str::to_string).collect())
            .collect();
        let add = |set: &mut Vec<Position>, mut at: Position| loop {
            if !set.contains(&at) {
                set.push(at);
            }
            // `**` may match no segment at all.
            if patterns[at.0].get(at.1).is_some_and(|s| s == "**") {
                at.1 += 1;
            } else {
                break;
            }
        };
        let step = |set: &[Position], segment: Option<&str>| {
            let mut next = Vec::new();
            for &(i, j) in set {
                match (patterns[i].get(j).map(String::as_str), segment) {
                    (Some("**"), _) => add(&mut next, (i, j)),
                    (Some("*"), _) => add(&mut next, (i, j + 1)),
                    (Some(lit), Some(seg)) if lit == seg => add(&mut next, (i, j + 1)),
                    _ => {}
                }
            }
            next.sort_unstable();
            next
        };
        let mut start = Vec::new();
        for i in 0..patterns.len() {
            add(&mut start, (i, 0));
        }
        start.sort_unstable();
        // State 0 is the dead state: no pattern can match below it.
        let mut sets: Vec<Vec<Position>> = vec![Vec::new(), start];
        let mut ids: std::collections::HashMap<Vec<Position>, u32> =
            sets.iter().cloned().zip(0..).collect();
        let mut states: Vec<SegmentState> = Vec::new();
        while states.len() < sets.len() {
            if sets.len() > MAX_STATES {
                return Err(format!(
                    "the pointer patterns need more than {MAX_STATES} matching states; use fewer `**`"
                ));
            }
            let set = sets[states.len()].clone();
            let mut state = SegmentState {
                matched: set
                    .iter()
                    .filter(|(i, j)| patterns[*i].len() == *j)
                    .map(|(i, _)| *i)
                    .collect(),
                ..SegmentState::default()
            };
            let mut id_of = |next: Vec<Position>| -> u32 {
                *ids.entry(next.clone()).or_insert_with(|| {
                    sets.push(next);
                    (sets.len() - 1) as u32
                })
            };
            state.other = id_of(step(&set, None));
            for &(i, j) in &set {
                if let Some(lit) = patterns[i].get(j).filter(|s| *s != "*" && *s != "**")
                    && !state.on.contains(lit)
                {
                    let next = id_of(step(&set, Some(lit)));
                    state.on.get_or_insert_with(lit, || next);
                }
            }
            state.matched.sort_unstable();
            state.matched.dedup();
            states.push(state);
        }
        Ok(PointerPatterns { states })
    }

    /// The state after entering a member or item whose (escaped) pointer segment is `segment`.
    pub(crate) fn step(&self, state: u32, segment: &str) -> u32 {
        let s = &self.states[state as usize];
        if s.on.is_empty() {
            return s.other;
        }
        s.on.get(segment).copied().unwrap_or(s.other)
    }

    /// The patterns, in ascending order, that match the pointers leading to `state`.
    pub(crate) fn matched(&self, state: u32) -> &[usize] {
        &self.states[state as usize].matched
    }
}

/// Whether pattern segments match a pointer (`/a/b`), segment by segment: the definition
/// [`PointerPatterns`] is tested against.
#[cfg(test)]
fn segments_match(pattern: &[String], pointer: &str) -> bool {
    let Some((p, rest)) = pattern.split_first() else {
        return pointer.is_empty();
    };
    let Some(tail) = pointer.strip_prefix('/') else {
        // `**` also matches nothing at all.
        return p == "**" && rest.is_empty() && pointer.is_empty();
    };
    let (seg, after) = tail.split_at(memchr::memchr(b'/', tail.as_bytes()).unwrap_or(tail.len()));
    match p.as_str() {
        "**" => {
            segments_match(rest, pointer)
                || segments_match(pattern, after)
                || (rest.is_empty() && after.is_empty())
        }
        "*" => segments_match(rest, after),
        lit => lit == seg && segments_match(rest, after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_policies_are_refused_with_a_reason() {
        let text = include_str!("../../../products/introvox/policy.toml");
        let unknown_key = format!("{text}\nsurprise = 1\n");
        let e = Policy::from_toml("x", &unknown_key).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Policy);
        assert!(e.to_string().contains("surprise"), "{e}");
        // A misspelt category is a read error that names the line it is on.
        let bad_category = text.replacen("\"email\"", "\"emial\"", 1);
        let line = bad_category
            .lines()
            .position(|l| l.contains("\"emial\""))
            .unwrap()
            + 1;
        let message = Policy::from_toml("x", &bad_category)
            .unwrap_err()
            .to_string();
        assert!(message.contains("emial"), "{message}");
        assert!(message.contains(&format!("line {line}")), "{message}");
        assert!(message.contains("unknown variant"), "{message}");
    }

    /// The patterns a pointer matches, by walking its segments as the engine does.
    fn walked(patterns: &PointerPatterns, pointer: &str) -> Vec<usize> {
        let mut state = PointerPatterns::START;
        for segment in pointer.split('/').skip(1) {
            state = patterns.step(state, segment);
        }
        patterns.matched(state).to_vec()
    }

    const PATTERNS: [&str; 7] = [
        "/batch/*/properties/customer_id",
        "/stats/**",
        "/error",
        "/a/**/z",
        "/roomTypeCounts/*",
        "/**/**/x",
        "/*",
    ];

    #[test]
    fn pointer_patterns() {
        let patterns = PointerPatterns::new(PATTERNS).unwrap();
        let hits = |pointer: &str| walked(&patterns, pointer);
        assert_eq!(hits("/batch/3/properties/customer_id"), [0]);
        assert_eq!(hits("/batch/properties/customer_id"), [] as [usize; 0]);
        assert_eq!(hits("/stats/a/value"), [1]);
        assert_eq!(hits("/stats"), [1, 6], "`**` matches no segment too");
        assert_eq!(hits("/error"), [2, 6]);
        assert_eq!(hits("/error/x"), [5]);
        assert_eq!(hits("/a/z"), [3]);
        assert_eq!(hits("/a/b/c/z"), [3]);
        assert_eq!(hits("/a/b/c/y"), [] as [usize; 0]);
        assert_eq!(hits("/roomTypeCounts/Meeting room"), [4]);
        assert_eq!(hits("/roomTypeCounts"), [6]);
        assert_eq!(hits(""), [] as [usize; 0]);
    }

    proptest::proptest! {
        /// Walking segments agrees with matching whole pointers.
        #[test]
        fn walking_agrees_with_whole_pointers(
            segments in proptest::collection::vec("a|b|z|x|stats|error|batch|1|properties", 0..6)
        ) {
            let patterns = PointerPatterns::new(PATTERNS).unwrap();
            let pointer: String = segments.iter().map(|s| format!("/{s}")).collect();
            let expected: Vec<usize> = PATTERNS
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    let p: Vec<String> = p.split('/').skip(1).map(str::to_string).collect();
                    segments_match(&p, &pointer)
                })
                .map(|(i, _)| i)
                .collect();
            proptest::prop_assert_eq!(walked(&patterns, &pointer), expected, "{}", pointer);
        }
    }
}
