//! Re-identification analyses over a set of telemetry reports.
//!
//! # Brief overview
//!
//! "Anonymous" reports are often re-identifiable without any name in them. This crate looks
//! at a corpus rather than one body:
//!
//! - [`reverse`]: hashes the report model marks as hashes of something guessable
//!   (`x-hash-of`, e.g. the Nextcloud apps' unsalted SHA-256 of the instance URL) are
//!   attacked with candidate inputs, normalised as the product normalises them, on every core;
//! - [`linkage`]: identifiers stable by design (`pseudonymous-id`) are listed with the reports
//!   and report kinds they join; per-run random ids must not repeat across runs; identifiers
//!   sent raw where the documentation implies a hash (`x-raw-id-of`) are findings;
//! - [`uniqueness`]: k-anonymity over the quasi-identifiers (locale, environment, versions,
//!   enumerations, flags, bucketed counts) and the fields that single reports out.
//!
//! Results are [`privaudit_policy::Finding`]s tied to a report, so every output format and
//! the redaction rules apply unchanged. Reports are read leaf by leaf through
//! [`privaudit_policy::KindShape`], the schema walk the audit itself uses, so a field's class
//! and annotations (`x-hash-of`, `x-hash-inputs`, `x-raw-id-of`, `x-run-told-by`) are what the
//! audit saw; nothing here is keyed by a product's name. The crate knows nothing of capture
//! or output formats.
//!
//! ```
//! use privaudit_reident::{Sample, hash_targets, reverse::reverse_candidates};
//!
//! // An IntroVox report whose installation hash is SHA-256 of its lower-cased URL.
//! let kind = privaudit_policy::Product::builtin("introvox").unwrap().kinds[0];
//! let value = serde_json::json!({
//!     "instanceHash": "ec3dd09065938cc1462b35b330dae1152c196ea6062d6d73cc4015426debd88b",
//! });
//! let reversal = hash_targets(&[Sample { kind, value }]);
//! assert_eq!(reversal.targets.len(), 1);
//! let candidates = ["cloud.example.nl".to_string()];
//! let outcome = reverse_candidates(&reversal.derivations, &reversal.targets, &candidates, 1);
//! // https and http, each also as configured with a trailing slash.
//! assert_eq!(outcome.guesses, 4);
//! assert_eq!(outcome.hits[0].preimage, "https://cloud.example.nl");
//! ```

pub mod reverse;

use privaudit_policy::Kind;
use privaudit_policy::{
    Category, Detected, Draft, Finding, FindingBuilder, FingerprintKey, KindShape, Leaf, Policy,
    Severity, redact,
};
use privaudit_reports::Privacy;
use reverse::Derivation;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One report of the corpus.
pub struct Sample {
    /// Its kind.
    pub kind: &'static Kind,
    /// The parsed body.
    pub value: Value,
}

/// A finding about the report at index `sample`.
#[derive(Debug, Clone)]
pub struct Located {
    /// Index of the report.
    pub sample: usize,
    /// The finding.
    pub finding: Finding,
}

/// How findings are shown and fingerprinted.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Keep the raw value in the evidence (redacted otherwise).
    pub show_evidence: bool,
    /// The fingerprint key; `None` for identities made without one (see
    /// [`privaudit_policy::AuditOptions::fingerprint_key`]).
    pub key: Option<FingerprintKey>,
}

/// Makes findings through the policy crate's builder, with each product's rules.
struct Maker {
    policies: HashMap<&'static str, Policy>,
    show_evidence: bool,
    key: Option<FingerprintKey>,
}

impl Maker {
    fn new(options: Options) -> Maker {
        let policies = privaudit_policy::Product::builtins()
            .into_iter()
            .filter_map(|p| Some((p.kinds.first()?.product, p.policy)))
            .collect();
        Maker {
            policies,
            show_evidence: options.show_evidence,
            key: options.key,
        }
    }

    /// A finding about `samples[sample]`.
    fn located(
        &self,
        samples: &[Sample],
        sample: usize,
        severity: Severity,
        mut draft: Draft<'_>,
    ) -> Located {
        let kind = samples[sample].kind;
        // A map key on the way may be the data itself: the pointer is redacted as the
        // engine's are.
        draft.redacted_pointer =
            shape_of(kind).and_then(|s| s.redact_pointer(draft.pointer, self.key.as_ref()));
        draft.severity = Some(severity);
        let scope = ["reident", kind.product, kind.kind];
        let builder = FindingBuilder::new(
            self.policies.get(kind.product),
            &scope,
            self.key.as_ref(),
            self.show_evidence,
        );
        let mut f = builder.build(draft);
        if !self.show_evidence {
            f.raw_pointer = None;
        }
        Located { sample, finding: f }
    }
}

/// The compiled schema of a kind, built once per process rather than once per report
/// (kinds are interned, so there are as many as definitions loaded).
fn shape_of(kind: &'static Kind) -> Option<&'static KindShape> {
    static SHAPES: std::sync::Mutex<Vec<&'static KindShape>> = std::sync::Mutex::new(Vec::new());
    let mut shapes = SHAPES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = shapes.iter().find(|s| std::ptr::eq(s.kind(), kind)) {
        return Some(s);
    }
    let shape: &'static KindShape = Box::leak(Box::new(KindShape::new(kind).ok()?));
    shapes.push(shape);
    Some(shape)
}

fn sample_leaves(s: &Sample) -> Vec<Leaf> {
    shape_of(s.kind).map_or_else(Vec::new, |shape| shape.leaves(&s.value))
}

/// How to reverse the hashes of a product's reports.
pub struct Reversal {
    /// The hashes found, one per report and field.
    pub targets: Vec<reverse::Target>,
    /// How the products derive what they hash (`x-hash-inputs` of the hash fields; every
    /// derivation when none is declared).
    pub derivations: Vec<Derivation>,
}

/// Collects the fields marked as hashes (`x-hash-of`) that hold a SHA-256 digest, and how
/// their inputs are derived.
pub fn hash_targets(samples: &[Sample]) -> Reversal {
    let mut targets = Vec::new();
    let mut derivations = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        for leaf in sample_leaves(s) {
            let Some(notes) = leaf.notes.as_ref().filter(|n| n.hash_of.is_some()) else {
                continue;
            };
            if let Some(digest) = reverse::digest_from_hex(&leaf.value) {
                for d in notes
                    .hash_inputs
                    .iter()
                    .filter_map(|n| Derivation::parse(n))
                {
                    if !derivations.contains(&d) {
                        derivations.push(d);
                    }
                }
                targets.push(reverse::Target {
                    sample: i,
                    pointer: leaf.pointer,
                    digest,
                });
            }
        }
    }
    derivations.sort();
    if derivations.is_empty() {
        derivations = Derivation::ALL.to_vec();
    }
    Reversal {
        targets,
        derivations,
    }
}

/// Findings for reversed hashes: the hash field is a URL in disguise.
pub fn reverse(
    samples: &[Sample],
    reversal: &Reversal,
    outcome: &reverse::Outcome,
    options: Options,
) -> Vec<Located> {
    let maker = Maker::new(options);
    outcome
        .hits
        .iter()
        .map(|h| {
            let t = &reversal.targets[h.target];
            let message = format!(
                "the hash is reversible: guess {} of {} ({}) hashes to it, so the field discloses the instance URL it was meant to hide",
                h.guess, outcome.guesses, h.variant
            );
            maker.located(samples, t.sample, Severity::High,
                    Draft::new(
                        &t.pointer,
                        Category::Detected(Detected::Url),
                        message,
                        &h.preimage,
                        redact(Category::Detected(Detected::Url), &h.preimage),
                    ))
        })
        .collect()
}

/// Linkable identifiers over the corpus.
pub fn linkage(samples: &[Sample], options: Options) -> Vec<Located> {
    let maker = Maker::new(options);
    let all: Vec<Vec<Leaf>> = samples.iter().map(sample_leaves).collect();
    let mut out = Vec::new();
    // Stable ids: every distinct value once, with the reports and kinds it joins.
    let mut stable: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (i, ls) in all.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for l in ls {
            if l.class == Some(Privacy::PseudonymousId)
                && !l.value.is_empty()
                && l.value != "null"
                && seen.insert(l.value.as_str())
            {
                stable.entry(&l.value).or_default().push((i, &l.pointer));
            }
        }
    }
    for (value, uses) in &stable {
        let kinds: BTreeSet<String> = uses
            .iter()
            .map(|(i, _)| format!("{}/{}", samples[*i].kind.product, samples[*i].kind.kind))
            .collect();
        // Named in the message, so redacted as the finding's own pointer is.
        let pointers: BTreeSet<String> = uses
            .iter()
            .map(|(i, p)| {
                shape_of(samples[*i].kind)
                    .and_then(|s| s.redact_pointer(p, options.key.as_ref()))
                    .unwrap_or_else(|| p.to_string())
            })
            .collect();
        let (first, pointer) = uses[0];
        // Generations of one report (`daily-report-a`, `-b`, `-c`) are one channel.
        let channels: BTreeSet<(&str, &str)> = uses
            .iter()
            .map(|(i, _)| {
                let k = samples[*i].kind;
                let kind = match k.kind.rsplit_once('-') {
                    Some((base, g)) if g.len() == 1 => base,
                    _ => k.kind,
                };
                (k.product, kind)
            })
            .collect();
        let across = channels.len() > 1;
        let message = format!(
            "a stable identifier by design: it joins {} report{} of {} ({}) through {}{}",
            uses.len(),
            if uses.len() == 1 { "" } else { "s" },
            kinds.len(),
            kinds.iter().cloned().collect::<Vec<_>>().join(", "),
            pointers.iter().cloned().collect::<Vec<_>>().join(", "),
            if across {
                "; the same id crosses report channels, so switching one channel off does not unlink the other"
            } else {
                ""
            }
        );
        out.push(maker.located(
            samples,
            first,
            if across {
                Severity::Low
            } else {
                Severity::Info
            },
            Draft::new(
                pointer,
                Category::Identifier,
                message,
                value,
                redact(Category::Detected(Detected::Credential), value),
            ),
        ));
    }
    // Per-run random ids (`x-run-told-by`) that come back in another run.
    type Runs<'l> = BTreeMap<&'l str, BTreeMap<Vec<&'l str>, usize>>;
    let mut groups: BTreeMap<(&str, &str), (&[String], Runs)> = BTreeMap::new();
    for (i, ls) in all.iter().enumerate() {
        let s = &samples[i];
        for l in ls {
            let Some(run_keys) = l.notes.as_ref().map(|n| n.run_told_by.as_slice()) else {
                continue;
            };
            if run_keys.is_empty() {
                continue;
            }
            let run: Vec<&str> = run_keys
                .iter()
                .map(|k| s.value.pointer(k).and_then(Value::as_str).unwrap_or(""))
                .collect();
            let (_, runs) = groups
                .entry((s.kind.product, &l.pointer))
                .or_insert_with(|| (run_keys, BTreeMap::new()));
            runs.entry(&l.value).or_default().entry(run).or_insert(i);
        }
    }
    for ((_, pointer), (run_keys, runs)) in groups {
        for (id, by_run) in runs {
            if by_run.len() < 2 {
                continue;
            }
            // The run seen first keeps the id; every later run repeats it.
            let first = by_run.values().copied().min().unwrap_or(0);
            for &i in by_run.values().filter(|&&i| i != first) {
                let message = format!(
                    "a per-run random id repeats across {} runs (told apart by {}): the documentation promises a fresh id per run, so the runs are linkable",
                    by_run.len(),
                    run_keys.join(", ")
                );
                out.push(maker.located(
                    samples,
                    i,
                    Severity::Medium,
                    Draft::new(
                        pointer,
                        Category::Identifier,
                        message,
                        id,
                        redact(Category::Detected(Detected::Credential), id),
                    ),
                ));
            }
        }
    }
    // Raw identifiers where the documentation implies a hash.
    for (i, ls) in all.iter().enumerate() {
        for l in ls {
            let Some(what) = l.notes.as_ref().and_then(|n| n.raw_id_of.as_ref()) else {
                continue;
            };
            if l.value.is_empty()
                || l.value == "null"
                || reverse::digest_from_hex(&l.value).is_some()
            {
                continue;
            }
            let message = format!(
                "the {what} is sent raw where the documentation implies only a hash of it is kept; the raw value links every report of the machine and, hashed unsalted afterwards, stays guessable"
            );
            out.push(maker.located(
                samples,
                i,
                Severity::Medium,
                Draft::new(
                    &l.pointer,
                    Category::Identifier,
                    message,
                    &l.value,
                    format!("<{} characters>", l.value.chars().count()),
                ),
            ));
        }
    }
    out.sort_by_key(|l| l.sample);
    out
}

/// Classes whose values are quasi-identifiers.
const QUASI: &[Privacy] = &[
    Privacy::Locale,
    Privacy::Environment,
    Privacy::Version,
    Privacy::Enum,
    Privacy::Flag,
    Privacy::Count,
    Privacy::Quantity,
];

/// A count as a power-of-two bucket, so that exact sizes do not single reports out alone.
fn bucket(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(n) if n < 1.0 => "0".into(),
        Ok(n) => {
            let lo = 2f64.powi(n.log2().floor() as i32);
            if lo <= 1.0 {
                "1".into()
            } else {
                format!("{}-{}", lo as u64, (lo * 2.0) as u64 - 1)
            }
        }
        Err(_) => value.to_string(),
    }
}

/// The quasi-identifier values of one report, by pointer.
pub fn quasi_identifiers(sample: &Sample) -> BTreeMap<String, String> {
    sample_leaves(sample)
        .into_iter()
        .filter(|l| l.named && l.class.is_some_and(|c| QUASI.contains(&c)))
        .map(|l| {
            let v = if matches!(l.class, Some(Privacy::Count | Privacy::Quantity)) {
                bucket(&l.value)
            } else {
                l.value
            };
            (l.pointer, v)
        })
        .collect()
}

/// k-anonymity of one product's reports.
#[derive(Debug, Clone)]
pub struct Uniqueness {
    /// Reports considered.
    pub reports: usize,
    /// Quasi-identifier fields seen.
    pub fields: Vec<String>,
    /// k of each report (how many reports share its combination), in input order.
    pub k: Vec<usize>,
    /// Distinct combinations.
    pub combinations: usize,
    /// Reports alone with their combination.
    pub unique: usize,
    /// For each field, how many unique reports stop being unique without it; most first.
    pub singled_out_by: Vec<(String, usize)>,
}

impl Uniqueness {
    /// Share of reports whose k is below `min_k`.
    pub fn share_below(&self, min_k: usize) -> f64 {
        if self.reports == 0 {
            return 0.0;
        }
        self.k.iter().filter(|&&k| k < min_k).count() as f64 / self.reports as f64
    }
}

/// Computes k-anonymity over the quasi-identifiers of `samples` (one product).
pub fn uniqueness(samples: &[&Sample]) -> Uniqueness {
    let qis: Vec<BTreeMap<String, String>> = samples.iter().map(|s| quasi_identifiers(s)).collect();
    let fields: BTreeSet<&String> = qis.iter().flat_map(|q| q.keys()).collect();
    let key = |q: &BTreeMap<String, String>, skip: Option<&str>| -> String {
        let mut k = String::new();
        for (p, v) in q {
            if Some(p.as_str()) != skip {
                k.push_str(p);
                k.push('\u{1}');
                k.push_str(v);
                k.push('\u{2}');
            }
        }
        k
    };
    let counts = |skip: Option<&str>| -> (Vec<String>, HashMap<String, usize>) {
        let keys: Vec<String> = qis.iter().map(|q| key(q, skip)).collect();
        let mut c: HashMap<String, usize> = HashMap::new();
        for k in &keys {
            *c.entry(k.clone()).or_default() += 1;
        }
        (keys, c)
    };
    let (keys, c) = counts(None);
    let k: Vec<usize> = keys.iter().map(|x| c[x]).collect();
    let unique = k.iter().filter(|&&k| k == 1).count();
    let mut singled: Vec<(String, usize)> = Vec::new();
    if unique > 0 {
        for f in &fields {
            let (keys_f, c_f) = counts(Some(f));
            let rescued = (0..qis.len())
                .filter(|&i| k[i] == 1 && qis[i].contains_key(*f) && c_f[&keys_f[i]] > 1)
                .count();
            if rescued > 0 {
                singled.push(((*f).clone(), rescued));
            }
        }
    }
    singled.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Uniqueness {
        reports: samples.len(),
        fields: fields.into_iter().cloned().collect(),
        k,
        combinations: c.len(),
        unique,
        singled_out_by: singled,
    }
}

/// Uniqueness findings per product: each report with k below `min_k` is listed (info), and
/// when their share exceeds `max_share` the findings are medium, so a CI run fails.
pub fn uniqueness_findings(
    samples: &[Sample],
    min_k: usize,
    max_share: f64,
    options: Options,
) -> (Vec<Located>, Vec<(&'static str, Uniqueness)>) {
    let maker = Maker::new(options);
    let mut out = Vec::new();
    let mut stats = Vec::new();
    let products: BTreeSet<&'static str> = samples.iter().map(|s| s.kind.product).collect();
    for product in products {
        let idx: Vec<usize> = (0..samples.len())
            .filter(|&i| samples[i].kind.product == product)
            .collect();
        let group: Vec<&Sample> = idx.iter().map(|&i| &samples[i]).collect();
        let u = uniqueness(&group);
        let share = u.share_below(min_k);
        let severity = if share > max_share {
            Severity::Medium
        } else {
            Severity::Info
        };
        let top: Vec<&str> = u
            .singled_out_by
            .iter()
            .take(3)
            .map(|(f, _)| f.as_str())
            .collect();
        for (j, &i) in idx.iter().enumerate() {
            if u.k[j] >= min_k {
                continue;
            }
            let message = format!(
                "{} of {} {product} reports share this combination of quasi-identifiers (k = {}, below {min_k}); {:.0}% of the reports are below (limit {:.0}%){}",
                u.k[j],
                u.reports,
                u.k[j],
                share * 100.0,
                max_share * 100.0,
                if top.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the fields that single reports out most: {}",
                        top.join(", ")
                    )
                }
            );
            out.push(maker.located(
                samples,
                i,
                severity,
                Draft::new(
                    "",
                    Category::Identifier,
                    message,
                    &format!("k={}", u.k[j]),
                    format!("k={}", u.k[j]),
                ),
            ));
        }
        stats.push((product, u));
    }
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPT: Options = Options {
        show_evidence: false,
        key: Some(FingerprintKey([7; 32])),
    };

    fn introvox(region: &str, tz: &str, users: u64) -> Sample {
        let v = serde_json::json!({
            "instanceHash": "e074cb38f98e37e39002a2c787a6af29293876e137437c05e0f68c7020ac4fb8",
            "totalUsers": users, "activeUsers30d": 3, "introvoxVersion": "1.7.6",
            "nextcloudVersion": "32.0.4.1", "phpVersion": "8.3.14", "totalSteps": {"en": 6},
            "languagesWithOverrides": ["en"], "wizardEnabled": true, "wizardStartedCount": 4,
            "wizardCompletedCount": 2, "wizardSkippedCount": 1, "usersStartedWizard": 4,
            "usersCompletedWizard": 2, "serverRegion": region, "defaultLanguage": "nl",
            "defaultTimezone": tz, "databaseType": "pgsql", "totalGroups": 3,
            "groupVisibilityUsed": false
        });
        let kind = privaudit_policy::Product::builtin("introvox")
            .unwrap()
            .kinds[0];
        Sample { kind, value: v }
    }

    fn uniqueness_of(samples: &[Sample]) -> Uniqueness {
        let refs: Vec<&Sample> = samples.iter().collect();
        uniqueness(&refs)
    }

    #[test]
    fn hash_derivations_come_from_the_report_models() {
        use reverse::Derivation::*;
        let r = hash_targets(&[introvox("NL", "Europe/Amsterdam", 40)]);
        assert_eq!(r.targets.len(), 1);
        assert_eq!(r.targets[0].pointer, "/instanceHash");
        assert_eq!(r.derivations, [UrlLowercaseTrimmed, UrlAsConfigured]);
        // A corpus without hash fields tries every derivation, should one be added later.
        assert_eq!(hash_targets(&[]).derivations, reverse::Derivation::ALL);
    }

    #[test]
    fn a_corpus_with_a_known_number_of_combinations() {
        // 3 reports alike, 2 alike, 1 alone: 3 combinations, 1 unique report.
        let samples = [
            introvox("NL", "Europe/Amsterdam", 40),
            introvox("NL", "Europe/Amsterdam", 41),
            introvox("NL", "Europe/Amsterdam", 60),
            introvox("DE", "Europe/Berlin", 40),
            introvox("DE", "Europe/Berlin", 50),
            introvox("BE", "Europe/Brussels", 40),
        ];
        let u = uniqueness_of(&samples);
        assert_eq!(u.combinations, 3, "user counts 40–63 share one bucket");
        assert_eq!(u.k, [3, 3, 3, 2, 2, 1]);
        assert_eq!(u.unique, 1);
        let fields: Vec<&str> = u.singled_out_by.iter().map(|(f, _)| f.as_str()).collect();
        assert!(
            fields.is_empty(),
            "two fields single the Belgian report out, neither alone: {fields:?}"
        );
        assert!((u.share_below(3) - 0.5).abs() < 1e-9);
        let (findings, _) = uniqueness_findings(&samples, 3, 0.2, OPT);
        assert_eq!(findings.len(), 3);
        assert!(
            findings
                .iter()
                .all(|f| f.finding.severity == Severity::Medium)
        );
        let (findings, _) = uniqueness_findings(&samples, 3, 0.6, OPT);
        assert!(
            findings
                .iter()
                .all(|f| f.finding.severity == Severity::Info)
        );
    }

    #[test]
    fn the_field_that_singles_a_report_out() {
        let samples = ["Europe/Amsterdam", "Europe/Amsterdam", "America/Curacao"]
            .map(|tz| introvox("NL", tz, 40));
        let u = uniqueness_of(&samples);
        assert_eq!(u.singled_out_by, [("/defaultTimezone".to_string(), 1)]);
    }

    #[test]
    fn stable_ids_are_listed_once_with_their_reach() {
        let samples = [
            introvox("NL", "Europe/Amsterdam", 40),
            introvox("NL", "Europe/Amsterdam", 7),
        ];
        let l = linkage(&samples, OPT);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].finding.pointer, "/instanceHash");
        assert!(l[0].finding.message.contains("joins 2 reports"));
        assert_eq!(l[0].finding.severity, Severity::Info);
        assert!(!l[0].finding.evidence.shown().contains("e074cb38f98e"));
    }

    #[test]
    fn a_random_id_back_in_another_run_is_flagged_on_the_later_run() {
        let run = |app: &str, status: &str| {
            let kind = privaudit_policy::Product::builtin("community-scripts")
                .unwrap()
                .kinds[0];
            let value = serde_json::json!({
                "random_id": "5d3c2a1b-7e6f-4a8b-9c0d-1e2f3a4b5c6d", "type": "lxc",
                "nsapp": app, "status": status,
            });
            Sample { kind, value }
        };
        // Two reports of one run share the id by design; the third is another script.
        let samples = [
            run("zsh", "installing"),
            run("zsh", "success"),
            run("alpine", "success"),
        ];
        let l = linkage(&samples, OPT);
        let repeats: Vec<usize> = l
            .iter()
            .filter(|l| l.finding.message.contains("per-run"))
            .map(|l| l.sample)
            .collect();
        assert_eq!(repeats, [2], "only the later run is the repeat");
        let l = linkage(&samples[..2], OPT);
        assert!(!l.iter().any(|l| l.finding.message.contains("per-run")));
    }

    #[test]
    fn bucket_edges() {
        let got: Vec<String> = ["0", "1", "2", "3", "4", "40", "63", "64"]
            .iter()
            .map(|v| bucket(v))
            .collect();
        assert_eq!(
            got,
            ["0", "1", "2-3", "2-3", "4-7", "32-63", "32-63", "64-127"]
        );
    }
}
