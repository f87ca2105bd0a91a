//! The audit of one parsed body against its kind: the walk over every value and member
//! name, the detectors, the field rules and exceptions of the policy, and the findings.

use super::compiled::{CompiledKind, CompiledProduct};
use crate::names::NameMap;
use crate::policy::PointerPatterns;
use crate::redact::{describe, mark, redact};
use crate::shape::{Choices, Event};
use crate::tree::Tree;
use crate::{AuditOptions, Category, Draft, Finding, FindingBuilder};
use privaudit_detect::decode::{self, Encoding, Layer};
use privaudit_detect::{Category as Detected, Confidence, Match, Scanner};
use privaudit_reports::Privacy;

/// How many bytes of decoded layers one body may yield in all: a body of many small gzip
/// bombs costs no more than this.
pub(super) const DECODE_BUDGET: usize = 4 << 20;

/// Strings up to this long that the detectors found nothing in are remembered per thread.
pub(super) const CLEAN_MAX_LEN: usize = 4096;
/// How many such strings a thread remembers before it starts over.
pub(super) const CLEAN_MAX_COUNT: usize = 4096;
/// How many bytes of them, at most.
pub(super) const CLEAN_MAX_BYTES: usize = 1 << 20;

thread_local! {
    /// Strings the detectors found nothing in, and their total length. Telemetry repeats its
    /// member names, enumerated values and long lists (a release's permission names) in
    /// every report, and a lookup costs less than a scan.
    static CLEAN: std::cell::RefCell<(NameMap<()>, usize)> = Default::default();
}

/// Scans `text` and what it carries under an encoding ([`decode::layers`]), skipping strings
/// this thread already found clean.
pub(super) fn scan_remembering_clean(
    scanner: &Scanner,
    text: &str,
    out: &mut Vec<Match>,
    layers: &mut Vec<(Layer, Vec<Match>)>,
    budget: &mut usize,
) {
    // What no detector can match costs less to rule out than to look up; such a string is
    // one short word, which only base64 of nine bytes or more could be.
    if !scanner.may_match(text)
        && (text.len() < decode::MIN_BASE64 || !decode::may_be_encoded(text))
    {
        return;
    }
    let short = text.len() <= CLEAN_MAX_LEN;
    if short && CLEAN.with(|c| c.borrow().0.contains(text)) {
        return;
    }
    let encoded = decode::may_be_encoded(text);
    let before = out.len();
    scanner.scan(text, out);
    if encoded {
        for layer in decode::layers_within(text, budget) {
            let found = scanner.scan_vec(&layer.text);
            if !found.is_empty() {
                layers.push((layer, found));
            }
        }
    }
    if short && out.len() == before && layers.is_empty() {
        CLEAN.with(|c| {
            let (clean, bytes) = &mut *c.borrow_mut();
            if clean.len() >= CLEAN_MAX_COUNT || *bytes + text.len() > CLEAN_MAX_BYTES {
                clean.clear();
                *bytes = 0;
            }
            clean.get_or_insert_with(text, || ());
            *bytes += text.len();
        });
    }
}

/// The lowest confidence at which a detector match counts in a field of `class`; `None`
/// skips the category there.
pub(super) fn threshold(class: Option<Privacy>, category: Detected) -> Option<Confidence> {
    use Privacy::*;
    match (class, category) {
        (Some(DeclaredFreeText), Detected::FreeText) => None,
        // Four-part versions read as IPv4; only an unmistakable address counts there.
        (Some(Version | DeclaredFreeText), Detected::IpAddress) => Some(Confidence::High),
        // An OS name or a setting holds versions too, but an address in a private or
        // special range, or one named as an address, is no version.
        (Some(Environment | Config), Detected::IpAddress) => Some(Confidence::Medium),
        // Random ids look like secrets; only a vendor format or a context-confirmed one counts.
        (Some(PseudonymousId | RandomId | Identifier), Detected::Credential) => {
            Some(Confidence::High)
        }
        // A dotted quad in a field that holds no versions is an address.
        (Some(_), Detected::IpAddress) => Some(Confidence::Low),
        // A telephone number as written at home, in a field that holds a code, is one.
        (Some(Enum | Locale | Version | Flag | Environment), Detected::PhoneNumber) => {
            Some(Confidence::Low)
        }
        _ => Some(Confidence::Medium),
    }
}

/// Collects the findings of one audit.
pub(crate) struct Run<'a> {
    pub(crate) product: &'a CompiledProduct,
    pub(crate) kind: &'a CompiledKind,
    pub(crate) scanner: &'a Scanner,
    pub(crate) show_evidence: bool,
    pub(super) key: Option<&'a crate::FingerprintKey>,
    /// Makes each finding: rules from the product's policy, fingerprints in the kind's scope.
    pub(super) builder: FindingBuilder<'a>,
    pub(crate) findings: Vec<Finding>,
    pub(super) matches: Vec<Match>,
    /// The field rules of the value being audited, with whether its pattern held.
    pub(super) hits: Vec<(usize, bool)>,
    /// The pointer pattern state of each depth of the walk.
    pub(super) states: Vec<u32>,
    /// Undeclared member values no schema reaches (see [`Event::Undeclared`]), by address.
    pub(super) unchecked: Vec<usize>,
    /// Redacts the data-bearing segments of finding pointers.
    pub(super) redactor: crate::pointer::PointerRedactor<'a>,
    /// Per depth of the walk, whether its segment may be shown as it is (a declared name,
    /// an index, a plain code key); empty outside the walk.
    pub(super) kept: Vec<crate::pointer::Keep>,
    /// String values in code fields (enum, locale, version, flag) that are written words: a
    /// schema error at one of them is a note or a name, not a typo.
    pub(super) wordy: Vec<(String, String)>,
    /// How many more bytes decoded layers may take in this body (see [`DECODE_BUDGET`]).
    pub(super) decode_budget: usize,
    /// Set by an undeclared member, whose name is judged with the class of its map.
    pub(super) judged: bool,
    /// Per depth of the walk, whether the value there is of class `config`, whose keys
    /// (setting names) are the product's even without a key class.
    pub(super) config: Vec<bool>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        product: &'a CompiledProduct,
        kind: &'a CompiledKind,
        scanner: &'a Scanner,
        options: &'a AuditOptions,
    ) -> Self {
        let key = options.fingerprint_key.as_ref();
        Run {
            product,
            kind,
            scanner,
            show_evidence: options.show_evidence,
            key,
            builder: FindingBuilder::new(
                Some(&product.policy),
                &kind.scope,
                key,
                options.show_evidence,
            ),
            findings: Vec::new(),
            matches: Vec::new(),
            hits: Vec::new(),
            // Room for the depth of ordinary reports, so the walk does not grow it step by step.
            states: Vec::with_capacity(32),
            unchecked: Vec::new(),
            redactor: crate::pointer::PointerRedactor::new(&kind.declared, scanner),
            kept: Vec::with_capacity(32),
            wordy: Vec::new(),
            decode_budget: DECODE_BUDGET,
            judged: false,
            config: Vec::with_capacity(32),
        }
    }

    /// Adds a finding; its pointer's data-bearing segments are redacted here, judged by the
    /// walk's stack while it runs.
    pub(super) fn push(&mut self, mut draft: Draft<'_>) {
        let kept = (!self.kept.is_empty()).then_some(self.kept.as_slice());
        draft.redacted_pointer = self.redactor.redact(draft.pointer, self.key, kept);
        self.findings.push(self.builder.build(draft));
    }

    /// The findings in the order of their pointers, then categories; a raw pointer is kept
    /// only when evidence is shown.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        // By the pointer shown, so the order tells nothing about raw names either.
        self.findings
            .sort_by(|a, b| (&a.pointer, a.category).cmp(&(&b.pointer, b.category)));
        if !self.show_evidence {
            for f in &mut self.findings {
                f.raw_pointer = None;
            }
        }
        self.findings
    }

    pub(super) fn promise(&self, category: Category) -> String {
        self.builder.promise(category)
    }

    /// The field rules that apply at `pointer`, each with whether `text` has the form its
    /// pattern asks for; looked up once per value and kept in `self.hits`.
    pub(super) fn field_hits(&mut self, text: &str) {
        let product: &'a CompiledProduct = self.product;
        self.hits.clear();
        let state = self.state();
        let fields = product.fields.len();
        for &i in product
            .patterns
            .matched(state)
            .iter()
            .filter(|&&i| i < fields)
        {
            let ok = product.fields[i]
                .pattern
                .as_ref()
                .is_none_or(|re| re.is_match(text));
            self.hits.push((i, ok));
        }
    }

    /// Runs the detectors over one string (a value or a key). `allowed` is a mask of the
    /// categories the policy accepts here.
    pub(super) fn scan(
        &mut self,
        pointer: &str,
        text: &str,
        class: Option<Privacy>,
        on_key: bool,
        allowed: u32,
    ) -> usize {
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        let mut layers = Vec::new();
        scan_remembering_clean(
            self.scanner,
            text,
            &mut matches,
            &mut layers,
            &mut self.decode_budget,
        );
        let counts =
            |m: &Match| threshold(class, m.category).is_some_and(|min| m.confidence >= min);
        let mut reported = 0;
        let mut seen = 0u32;
        for m in &matches {
            // A token that decodes to a leak is that leak, not a random-looking secret.
            if m.kind == "high-entropy"
                && layers.iter().any(|(l, found)| {
                    l.span.start < m.span.end
                        && m.span.start < l.span.end
                        && found.iter().any(counts)
                })
            {
                continue;
            }
            if self.report(pointer, text, m, class, on_key, allowed, &mut seen, &[]) {
                reported += 1;
            }
        }
        for (layer, found) in &layers {
            for m in found {
                if self.report(
                    pointer,
                    &layer.text,
                    m,
                    class,
                    on_key,
                    allowed,
                    &mut seen,
                    &layer.encodings,
                ) {
                    // The span is the encoded part of the value as sent.
                    if let Some(f) = self.findings.last_mut() {
                        f.span = Some(layer.span.clone());
                    }
                    reported += 1;
                }
            }
        }
        self.matches = matches;
        reported
    }

    /// Reports one match in `text` (the value, or a layer decoded from it under
    /// `encoding`), unless the field's class skips it, the policy allows its category here,
    /// or a finding of its category was already made for this value. Whether it reported.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        pointer: &str,
        text: &str,
        m: &Match,
        class: Option<Privacy>,
        on_key: bool,
        allowed: u32,
        seen: &mut u32,
        encoding: &[Encoding],
    ) -> bool {
        let category = Category::from(m.category);
        let Some(min) = threshold(class, m.category) else {
            return false;
        };
        let b = category.bit();
        // A URL's host or address is part of the URL finding.
        if m.confidence < min || (allowed | *seen) & b != 0 {
            return false;
        }
        let found = &text[m.span.clone()];
        // Confirmed against the numbering plans only here, where it would count: the first
        // confirmation builds them.
        if m.kind == "national-phone" && !privaudit_detect::confirm_national(found) {
            return false;
        }
        *seen |= b;
        let what = if on_key { "in a key" } else { "in the value" };
        let under = if encoding.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = encoding.iter().map(|e| e.as_str()).collect();
            format!(", under {}", names.join(" then "))
        };
        let message = format!(
            "{} ({}) {what}{under}; breaks: {}",
            category.label(),
            m.kind,
            self.promise(category)
        );
        self.push(Draft {
            span: Some(m.span.clone()),
            on_key,
            encoding: encoding.to_vec(),
            ..Draft::new(pointer, category, message, found, redact(category, found))
        });
        if let Some(f) = self.findings.last_mut() {
            f.evidence.marked = mark(text, &m.span, f.evidence.shown(), self.show_evidence);
        }
        true
    }

    /// Field constraints of the policy (pattern, length) on a string value that no detector
    /// flagged: the last net for leaks the detectors do not know. Uses `self.hits`. A
    /// `wordy` value (written words in a code field) that breaks a rule is reported as the
    /// free text it is.
    pub(super) fn constraints(&mut self, pointer: &str, text: &str, wordy: bool) {
        let product: &'a CompiledProduct = self.product;
        // Of several broken field rules, the last declared one speaks (hits are in order).
        let broken = self.hits.iter().rev().find_map(|&(i, pattern_ok)| {
            let f = &product.fields[i].rule;
            let why = if let Some(max) = f.max_length
                && text.len() > max
                && text.chars().count() > max
            {
                format!("is longer than the {max} characters the policy allows here")
            } else if !pattern_ok {
                "does not have the form the policy expects here".to_string()
            } else {
                return None;
            };
            Some((f, why))
        });
        if let Some((f, why)) = broken {
            if wordy {
                self.words(pointer, text, &format!("the value {why} ({})", f.note));
                return;
            }
            let message = format!("value {why}: {}", f.note);
            self.push(Draft {
                severity: f.severity,
                ..Draft::new(
                    pointer,
                    Category::SchemaViolation,
                    message,
                    text,
                    describe(text),
                )
            });
        }
    }

    /// A free-text finding for written words where a code belongs, saying `why` they are
    /// out of place.
    pub(super) fn words(&mut self, pointer: &str, text: &str, why: &str) {
        let category = Category::Detected(Detected::FreeText);
        let message = format!(
            "words where a code belongs ({why}): a note or a name; breaks: {}",
            self.promise(category)
        );
        self.push(Draft::new(
            pointer,
            category,
            message,
            text,
            redact(category, text),
        ));
    }

    /// The pointer pattern state of the value being audited.
    pub(super) fn state(&self) -> u32 {
        self.states
            .last()
            .copied()
            .unwrap_or(PointerPatterns::START)
    }

    /// A declared exception that applies to the value being audited, if any.
    pub(super) fn exception(&self) -> Option<&'a crate::policy::Exception> {
        let product: &'a CompiledProduct = self.product;
        let state = self.state();
        // The first declared exception wins; exceptions come after the fields, in order.
        let i = product
            .patterns
            .matched(state)
            .iter()
            .find_map(|i| i.checked_sub(product.fields.len()))?;
        product.policy.exception.get(i)
    }

    /// Walks the report; `valid` when it passed validation (then no branch choices are
    /// recorded, since there are no schema errors to explain).
    pub(crate) fn walk(&mut self, value: &Tree, valid: bool) -> Choices {
        let kind = self.kind;
        let patterns = &self.product.patterns;
        self.states.clear();
        self.states.push(PointerPatterns::START);
        self.kept.clear();
        self.config.clear();
        kind.shape
            .walk(value, valid, !valid, &mut |event| match event {
                Event::Enter { segment } => {
                    let next = patterns.step(self.state(), segment);
                    self.states.push(next);
                    self.kept.push(crate::pointer::Keep::Yes);
                }
                Event::Leave => {
                    self.states.pop();
                    self.kept.pop();
                }
                Event::Undeclared {
                    pointer,
                    value,
                    unchecked,
                    key_class,
                } => {
                    let name = pointer.rsplit('/').next().unwrap_or("");
                    if let Some(k) = self.kept.last_mut() {
                        *k = crate::pointer::Keep::if_code(crate::pointer::code_keys(key_class));
                    }
                    // The `Key` event that follows is about the same member.
                    self.judged = true;
                    if unchecked {
                        self.unchecked.push(std::ptr::from_ref(value) as usize);
                    }
                    // The member name stays out of the message: it may be the leak itself.
                    let message = format!(
                        "a member the documented report does not have; breaks: {}",
                        self.promise(Category::UndeclaredField)
                    );
                    self.push(Draft {
                        on_key: true,
                        ..Draft::new(
                            pointer,
                            Category::UndeclaredField,
                            message,
                            pointer,
                            describe(name),
                        )
                    });
                }
                Event::Key {
                    pointer,
                    key,
                    class,
                } => {
                    if !std::mem::take(&mut self.judged) {
                        let depth = self.kept.len();
                        let config = class.is_none()
                            && depth > 0
                            && self.config.get(depth - 1).copied().unwrap_or(false);
                        let code = config || crate::pointer::code_keys(class);
                        if let Some(k) = self.kept.last_mut() {
                            *k = crate::pointer::Keep::if_code(code);
                        }
                    }
                    self.scan(pointer, key, class, true, 0);
                }
                Event::Value {
                    pointer,
                    value,
                    class,
                    ..
                } => {
                    // Members of a raw configuration object are named by the product.
                    let depth = self.kept.len();
                    self.config.truncate(depth);
                    self.config.push(class == Some(Privacy::Config));
                    self.value(pointer, value, class)
                }
            })
    }

    pub(super) fn value(&mut self, pointer: &str, v: &Tree, class: Option<Privacy>) {
        let exception = self.exception().filter(|_| !is_empty(v));
        let mut exempt = None;
        if let Some(e) = exception {
            let rule = self.product.policy.rule(&e.rule);
            let category = e
                .category
                .or_else(|| rule.and_then(|r| r.forbids.first().copied()))
                .unwrap_or(Category::Detected(Detected::Credential));
            let text = match v {
                Tree::String(s) => (*s).to_string(),
                other => other.to_value().to_string(),
            };
            let statement = rule.map(|r| r.statement.as_str()).unwrap_or("");
            let message = format!(
                "sent under a declared exception, which still contradicts the promise: {statement} ({})",
                e.rule
            );
            self.push(Draft {
                severity: Some(e.severity),
                rule: Some(e.rule.clone()),
                ..Draft::new(pointer, category, message, &text, redact(category, &text))
            });
            exempt = Some(category);
        }
        let Tree::String(text) = v else { return };
        if text.is_empty() {
            return;
        }
        if class == Some(Privacy::Credential) && exception.is_none() {
            let message = format!(
                "the field carries a secret; breaks: {}",
                self.promise(Category::Detected(Detected::Credential))
            );
            self.push(Draft {
                span: Some(0..text.len()),
                ..Draft::new(
                    pointer,
                    Category::Detected(Detected::Credential),
                    message,
                    text,
                    redact(Category::Detected(Detected::Credential), text),
                )
            });
            return;
        }
        self.field_hits(text);
        let product: &'a CompiledProduct = self.product;
        let allowed = self
            .hits
            .iter()
            .filter(|(_, ok)| *ok)
            .fold(exempt.map_or(0, Category::bit), |m, &(i, _)| {
                m | product.fields[i].allow
            });
        let found = self.scan(pointer, text, class, false, allowed);
        if found == 0 && exception.is_none() {
            // Words where a code belongs: if the schema refuses the value, it is reported
            // for what it is (see `schema_errors`).
            let wordy = matches!(
                class,
                Some(Privacy::Enum | Privacy::Locale | Privacy::Version | Privacy::Flag)
            ) && privaudit_detect::is_words(text);
            if wordy {
                self.wordy.push((pointer.to_string(), text.to_string()));
            }
            let before = self.findings.len();
            self.constraints(pointer, text, wordy);
            // An enumerated value, a locale, a flag or a version is never a few words, whatever
            // the schema lets through.
            if wordy && self.findings.len() == before {
                let why = format!(
                    "the field holds codes of class `{}`",
                    class.map_or("none", |c| c.as_str())
                );
                self.words(pointer, text, &why);
            }
        }
    }

    pub(crate) fn duplicates(&mut self, dups: &[String]) {
        for pointer in dups {
            let name = unescape(pointer.rsplit('/').next().unwrap_or(""));
            let message = format!(
                "the member appears more than once; parsers disagree on which copy wins, so the copies can smuggle data; breaks: {}",
                self.promise(Category::DuplicateKey)
            );
            self.push(Draft {
                on_key: true,
                ..Draft::new(
                    pointer,
                    Category::DuplicateKey,
                    message,
                    pointer,
                    describe(&name),
                )
            });
        }
    }
}

pub(super) fn is_empty(v: &Tree) -> bool {
    match v {
        Tree::Null => true,
        Tree::String(s) => s.is_empty(),
        Tree::Array(a) => a.is_empty(),
        Tree::Object(o) => o.is_empty(),
        _ => false,
    }
}

pub(super) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
