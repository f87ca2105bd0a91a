//! The audit of one body: parse, pick the kind, validate, walk, detect, apply the policy.

use crate::json::{self, ParseError};
use crate::names::NameMap;
use crate::policy::{PointerPatterns, Policy, Severity};
use crate::redact::{describe, mark, redact};
use crate::shape::{Choices, Event, Shape};
use crate::tree::{Borrowed, Tree};
use crate::{Audit, AuditError, AuditOptions, Category, Draft, Finding, FindingBuilder};
use jsonschema::error::ValidationErrorKind;
use privaudit_detect::{Category as Detected, Confidence, Match, Scanner};
use privaudit_reports::{Privacy, ReportKind};
use serde_json::Value;

/// One report kind, compiled: validators and schema walker.
pub(crate) struct CompiledKind {
    pub(crate) kind: &'static ReportKind,
    /// Product and kind, which scope its findings' fingerprints.
    scope: [&'static str; 2],
    /// Decides validity on the parsed tree.
    validator: jsonschema::Validator<Borrowed>,
    /// Lists the errors of an invalid body, on a `serde_json::Value` built from the tree:
    /// each error holds its instance, which the tree would copy error by error (a root error
    /// copies the whole body), and the value lends. Compiled when first needed.
    explainer: std::sync::OnceLock<Result<jsonschema::Validator, String>>,
    shape: Shape,
    required: Vec<String>,
    /// Every member name the schema declares, shown raw in pointers.
    declared: foldhash::HashSet<String>,
}

/// A validator of a report schema for instances in representation `F`: draft 2020-12, with
/// patterns as Rust regular expressions.
pub(crate) fn validator<F: jsonschema::json::Json>(
    schema: &Value,
) -> Result<jsonschema::Validator<F>, jsonschema::ValidationError<'static>> {
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
}

/// A field rule with its pattern compiled and its allowances as a category mask.
struct CompiledField {
    rule: crate::policy::FieldRule,
    pattern: Option<regex::Regex>,
    allow: u32,
}

/// One product, compiled.
pub(crate) struct CompiledProduct {
    pub(crate) policy: Policy,
    pub(crate) kinds: Vec<CompiledKind>,
    fields: Vec<CompiledField>,
    /// The field rules' pointer patterns, then the exceptions'.
    patterns: PointerPatterns,
}

impl CompiledProduct {
    pub(crate) fn new(policy: Policy) -> Result<CompiledProduct, String> {
        let product = privaudit_reports::product(&policy.product)
            .ok_or_else(|| format!("unknown product `{}`", policy.product))?;
        let mut kinds = Vec::new();
        for kind in product.kinds {
            let schema = kind.schema().to_value();
            let validator = validator::<Borrowed>(&schema)
                .map_err(|e| format!("{kind:?}: schema does not compile: {e}"))?;
            let declared = crate::pointer::declared_names(&schema);
            let shape = Shape::new(schema).map_err(|e| format!("{kind:?}: {e}"))?;

            let mut required: Vec<String> = shape
                .root()
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            // Counted against the body's (unique) member names.
            required.sort();
            required.dedup();
            kinds.push(CompiledKind {
                kind,
                scope: [kind.product, kind.kind],
                validator,
                explainer: std::sync::OnceLock::new(),
                shape,
                required,
                declared,
            });
        }
        let fields = policy
            .field
            .iter()
            .map(|f| {
                let pattern = f
                    .pattern
                    .as_deref()
                    .map(regex::Regex::new)
                    .transpose()
                    .map_err(|e| e.to_string())?;
                let allow = f.allow.iter().fold(0, |m, c| m | c.bit());
                Ok(CompiledField {
                    rule: f.clone(),
                    pattern,
                    allow,
                })
            })
            .collect::<Result<_, String>>()?;
        let patterns = PointerPatterns::new(
            policy
                .field
                .iter()
                .map(|f| f.pointer.as_str())
                .chain(policy.exception.iter().map(|e| e.pointer.as_str())),
        )?;
        Ok(CompiledProduct {
            policy,
            kinds,
            fields,
            patterns,
        })
    }
}

impl CompiledKind {
    /// How well an object fits this kind, given how many of its members the kind names and
    /// how many of the members it requires are there; `None` when it cannot be this kind.
    fn fit(&self, members: usize, value: &Tree, (named, required): (i64, i64)) -> Option<i64> {
        if named == 0 {
            return None;
        }
        let missing = self.required.len() as i64 - required;
        // A body without a required member cannot validate; skip the validator.
        if missing == 0 && self.validator.is_valid(value) {
            return Some(i64::MAX);
        }
        let unnamed = members as i64 - named;
        Some(named * 2 - unnamed - missing * 2)
    }
}

/// Which report kinds declare or require each root member name, over every compiled
/// product, so that picking a kind costs one lookup per member of the body, not one per
/// member and kind.
pub(crate) struct KindIndex {
    /// Per name: the kinds that name it, each with whether it declares and whether it
    /// requires the name.
    by_name: NameMap<Vec<(usize, bool, bool)>>,
    /// The number of the first kind of each product.
    first: Vec<usize>,
    count: usize,
}

impl KindIndex {
    pub(crate) fn new(products: &[CompiledProduct]) -> KindIndex {
        let mut index = KindIndex {
            by_name: Default::default(),
            first: Vec::new(),
            count: 0,
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

/// Strings up to this long that the detectors found nothing in are remembered per thread.
const CLEAN_MAX_LEN: usize = 64;
/// How many such strings a thread remembers before it starts over.
const CLEAN_MAX_COUNT: usize = 4096;

thread_local! {
    /// Short strings the detectors found nothing in. Telemetry repeats its member names and
    /// enumerated values in every report, and a lookup costs less than a scan.
    static CLEAN: std::cell::RefCell<NameMap<()>> = Default::default();
}

/// Scans `text`, skipping strings this thread already found clean.
fn scan_remembering_clean(scanner: &Scanner, text: &str, out: &mut Vec<Match>) {
    // What no detector can match costs less to rule out than to look up.
    if !scanner.may_match(text) {
        return;
    }
    if text.len() > CLEAN_MAX_LEN {
        scanner.scan(text, out);
        return;
    }
    let known = CLEAN.with(|c| c.borrow().contains(text));
    if known {
        return;
    }
    let before = out.len();
    scanner.scan(text, out);
    if out.len() == before {
        CLEAN.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= CLEAN_MAX_COUNT {
                c.clear();
            }
            c.get_or_insert_with(text, || ());
        });
    }
}

/// The lowest confidence at which a detector match counts in a field of `class`; `None`
/// skips the category there.
fn threshold(class: Option<Privacy>, category: Detected) -> Option<Confidence> {
    use Privacy::*;
    match (class, category) {
        (Some(DeclaredFreeText), Detected::FreeText) => None,
        // Four-part versions read as IPv4; only an unmistakable address counts there.
        (Some(Version | Environment | Config | DeclaredFreeText), Detected::IpAddress) => {
            Some(Confidence::High)
        }
        // Random ids look like secrets; only a vendor format or a context-confirmed one counts.
        (Some(PseudonymousId | RandomId | Identifier), Detected::Credential) => {
            Some(Confidence::High)
        }
        // A dotted quad in a field that holds no versions is an address.
        (Some(_), Detected::IpAddress) => Some(Confidence::Low),
        _ => Some(Confidence::Medium),
    }
}

/// Collects the findings of one audit.
pub(crate) struct Run<'a> {
    pub(crate) product: &'a CompiledProduct,
    pub(crate) kind: &'a CompiledKind,
    pub(crate) scanner: &'a Scanner,
    pub(crate) show_evidence: bool,
    key: &'a crate::FingerprintKey,
    /// Makes each finding: rules from the product's policy, fingerprints in the kind's scope.
    builder: FindingBuilder<'a>,
    pub(crate) findings: Vec<Finding>,
    matches: Vec<Match>,
    /// The field rules of the value being audited, with whether its pattern held.
    hits: Vec<(usize, bool)>,
    /// The pointer pattern state of each depth of the walk.
    states: Vec<u32>,
    /// Undeclared member values no schema reaches (see [`Event::Undeclared`]), by address.
    unchecked: Vec<usize>,
    /// Redacts the data-bearing segments of finding pointers.
    redactor: crate::pointer::PointerRedactor<'a>,
    /// Per depth of the walk, whether its segment may be shown as it is (a declared name,
    /// an index, a plain code key); empty outside the walk.
    kept: Vec<crate::pointer::Keep>,
    /// Set by an undeclared member, whose name is judged with the class of its map.
    judged: bool,
    /// Per depth of the walk, whether the value there is of class `config`, whose keys
    /// (setting names) are the product's even without a key class.
    config: Vec<bool>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        product: &'a CompiledProduct,
        kind: &'a CompiledKind,
        scanner: &'a Scanner,
        options: &'a AuditOptions,
    ) -> Self {
        static NO_KEY: crate::FingerprintKey = crate::FingerprintKey([0; 32]);
        let key = options.fingerprint_key.as_ref().unwrap_or(&NO_KEY);
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
            judged: false,
            config: Vec::with_capacity(32),
        }
    }

    /// Adds a finding; its pointer's data-bearing segments are redacted here, judged by the
    /// walk's stack while it runs.
    fn push(&mut self, mut draft: Draft<'_>) {
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

    fn promise(&self, category: Category) -> String {
        self.builder.promise(category)
    }

    /// The field rules that apply at `pointer`, each with whether `text` has the form its
    /// pattern asks for; looked up once per value and kept in `self.hits`.
    fn field_hits(&mut self, text: &str) {
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
    fn scan(
        &mut self,
        pointer: &str,
        text: &str,
        class: Option<Privacy>,
        on_key: bool,
        allowed: u32,
    ) -> usize {
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        scan_remembering_clean(self.scanner, text, &mut matches);
        let mut reported = 0;
        let mut seen = 0u32;
        for m in &matches {
            let category = Category::from(m.category);
            let Some(min) = threshold(class, m.category) else {
                continue;
            };
            let b = category.bit();
            // A URL's host or address is part of the URL finding.
            if m.confidence < min || (allowed | seen) & b != 0 {
                continue;
            }
            seen |= b;
            let found = &text[m.span.clone()];
            let what = if on_key { "in a key" } else { "in the value" };
            let message = format!(
                "{} ({}) {what}; breaks: {}",
                category.label(),
                m.kind,
                self.promise(category)
            );
            self.push(Draft {
                span: Some(m.span.clone()),
                on_key,
                ..Draft::new(pointer, category, message, found, redact(category, found))
            });
            if let Some(f) = self.findings.last_mut() {
                f.evidence.marked = mark(text, &m.span, f.evidence.shown(), self.show_evidence);
            }
            reported += 1;
        }
        self.matches = matches;
        reported
    }

    /// Field constraints of the policy (pattern, length) on a string value that no detector
    /// flagged: the last net for leaks the detectors do not know. Uses `self.hits`.
    fn constraints(&mut self, pointer: &str, text: &str) {
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

    /// The pointer pattern state of the value being audited.
    fn state(&self) -> u32 {
        self.states
            .last()
            .copied()
            .unwrap_or(PointerPatterns::START)
    }

    /// A declared exception that applies to the value being audited, if any.
    fn exception(&self) -> Option<&'a crate::policy::Exception> {
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
                } => {
                    // Members of a raw configuration object are named by the product.
                    let depth = self.kept.len();
                    self.config.truncate(depth);
                    self.config.push(class == Some(Privacy::Config));
                    self.value(pointer, value, class)
                }
            })
    }

    fn value(&mut self, pointer: &str, v: &Tree, class: Option<Privacy>) {
        let exception = self.exception().filter(|_| !is_empty(v));
        let mut exempt = None;
        if let Some(e) = exception {
            let rule = self.product.policy.rule(&e.rule);
            let category = e
                .category
                .or_else(|| rule.and_then(|r| r.forbids.first().copied()))
                .unwrap_or(Category::Credential);
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
                self.promise(Category::Credential)
            );
            self.push(Draft {
                span: Some(0..text.len()),
                ..Draft::new(
                    pointer,
                    Category::Credential,
                    message,
                    text,
                    redact(Category::Credential, text),
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
            self.constraints(pointer, text);
        }
    }

    /// Schema errors, refined to the branch the walk chose and masked.
    pub(crate) fn schema_errors(&mut self, value: &Tree, choices: &Choices) {
        // A value a detector already explains (a URL where a digest belongs) is not reported
        // again for failing its pattern.
        let detected: Vec<String> = self
            .findings
            .iter()
            .filter(|f| !f.on_key && f.category != Category::UndeclaredField)
            .map(|f| f.raw_pointer.clone().unwrap_or_else(|| f.pointer.clone()))
            .collect();
        let mut out: Vec<(String, String)> = Vec::new();
        // No schema reaches an unchecked member's value, so the validator has nothing to say
        // inside it; it is left out of the copy (a hostile body nests its bulk there).
        self.unchecked.sort_unstable();
        let value = value.to_value_without(&self.unchecked);
        let explainer = self.kind.explainer.get_or_init(|| {
            validator::<jsonschema::json::SerdeJson>(self.kind.shape.root())
                .map_err(|e| e.to_string())
        });
        match explainer {
            Ok(explainer) => {
                for error in explainer.iter_errors(&value) {
                    collect(&error, choices, &mut out, 0);
                }
            }
            // The same schema compiled for the tree, so this is not expected; the body is
            // still reported as not fitting.
            Err(e) => out.push((
                String::new(),
                format!("the body does not fit the schema, whose errors could not be listed: {e}"),
            )),
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        for (pointer, message) in out {
            if detected.contains(&pointer) {
                continue;
            }
            let message = format!(
                "{message}; breaks: {}",
                self.promise(Category::SchemaViolation)
            );
            self.push(Draft::new(
                &pointer,
                Category::SchemaViolation,
                message,
                &pointer,
                String::new(),
            ));
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

fn collect(
    error: &jsonschema::ValidationError<'_>,
    choices: &Choices,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    let pointer = error.instance_path().to_string();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { .. } => {}
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context }
            if depth < 8 =>
        {
            let schema_path = error.schema_path().to_string();
            let chosen = choices.iter().find_map(|(ip, bp)| {
                let i = bp
                    .strip_prefix(&schema_path)?
                    .strip_prefix('/')?
                    .parse::<usize>()
                    .ok()?;
                (ip == &pointer).then_some(i)
            });
            // Otherwise the branch whose complaints all lie below this value, fewest first.
            let chosen = chosen.or_else(|| {
                context
                    .iter()
                    .enumerate()
                    .filter(|(_, errs)| {
                        errs.iter()
                            .all(|e| e.instance_path().to_string().len() > pointer.len())
                    })
                    .min_by_key(|(_, errs)| errs.len())
                    .map(|(i, _)| i)
            });
            match chosen.and_then(|i| context.get(i)) {
                Some(errs) if !errs.is_empty() => errs
                    .iter()
                    .for_each(|e| collect(e, choices, out, depth + 1)),
                _ => out.push((
                    pointer,
                    "the value fits none of the shapes the schema allows".into(),
                )),
            }
        }
        _ => out.push((pointer, error.masked().to_string())),
    }
}

fn is_empty(v: &Tree) -> bool {
    match v {
        Tree::Null => true,
        Tree::String(s) => s.is_empty(),
        Tree::Array(a) => a.is_empty(),
        Tree::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Parses, picks the kind, and audits.
pub(crate) fn audit(
    products: &[CompiledProduct],
    index: &KindIndex,
    only: Option<usize>,
    scanner: &Scanner,
    options: &AuditOptions,
    body: &[u8],
) -> Audit {
    let limits = &options.limits;
    if body.len() > limits.max_body_bytes {
        return Audit::failed(AuditError::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let parse_limits = json::ParseLimits {
        max_depth: limits.max_depth,
        max_string: limits.max_string_bytes,
    };
    ARENA.with_borrow_mut(|arena| {
        let audit = match json::parse(body, arena, parse_limits) {
            Ok((value, dups)) => {
                audit_tree(products, index, only, scanner, body, &value, &dups, options)
            }
            Err(ParseError {
                message,
                line,
                column,
                byte,
            }) => Audit::failed(AuditError::Syntax {
                message,
                line,
                column,
                byte,
            }),
        };
        // The next body reuses the memory, unless a large one left much of it behind.
        if arena.allocated_bytes() > ARENA_KEPT_BYTES {
            *arena = bumpalo::Bump::new();
        } else {
            arena.reset();
        }
        audit
    })
}

/// How much arena memory a thread keeps between bodies.
const ARENA_KEPT_BYTES: usize = 1 << 20;

thread_local! {
    /// Where this thread's parsed bodies live while they are audited.
    static ARENA: std::cell::RefCell<bumpalo::Bump> = Default::default();
}

#[allow(clippy::too_many_arguments)]
fn audit_tree(
    products: &[CompiledProduct],
    index: &KindIndex,
    only: Option<usize>,
    scanner: &Scanner,
    body: &[u8],
    value: &Tree,
    dups: &[String],
    options: &AuditOptions,
) -> Audit {
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
                if let Some(score) = k.fit(obj.len(), value, counts[g])
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
    let Some((score, product, kind)) = best else {
        let names: Vec<&str> = products
            .iter()
            .enumerate()
            .filter(|(i, _)| only.is_none_or(|o| o == *i))
            .map(|(_, p)| p.policy.product.as_str())
            .collect();
        return Audit::failed(AuditError::NoMatch {
            products: names.join(", "),
        });
    };
    let mut run = Run::new(product, kind, scanner, options);
    run.duplicates(dups);
    let choices = run.walk(value, score == i64::MAX);
    // `fit` already validated: a perfect score means no schema errors to collect.
    if score != i64::MAX {
        run.schema_errors(value, &choices);
    }
    let findings = run.finish();
    let kept = options.keep_value.then(|| value.to_value());
    let report = if options.typed_report && findings.iter().all(|f| f.severity == Severity::Info) {
        // From the body itself, unless duplicates make it differ from the tree.
        match &kept {
            _ if dups.is_empty() => kind
                .kind
                .deserialize(&mut serde_json::Deserializer::from_slice(body))
                .ok(),
            Some(v) => kind.kind.deserialize(v).ok(),
            None => kind.kind.deserialize(&value.to_value()).ok(),
        }
    } else {
        None
    };
    Audit {
        product: Some(kind.kind.product),
        kind: Some(kind.kind),
        findings,
        report,
        error: None,
        value: kept,
    }
}
