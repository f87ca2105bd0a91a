//! Hash reversal: SHA-256 of guessable inputs, normalised as each product does, against the
//! hashes its reports carry.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A hash found in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Index of the report in the caller's list.
    pub sample: usize,
    /// Pointer to the hash field.
    pub pointer: String,
    /// The digest.
    pub digest: [u8; 32],
}

/// A reversed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into the targets.
    pub target: usize,
    /// The input that hashes to it.
    pub preimage: String,
    /// How the product derived that input from the candidate.
    pub variant: &'static str,
    /// The guess that found it, counted from 1 in candidate order.
    pub guess: u64,
}

/// The result of a reversal run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Hashes reversed, in target order.
    pub hits: Vec<Hit>,
    /// Guesses hashed.
    pub guesses: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Decodes 64 hex characters.
pub fn digest_from_hex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// How a product derives the input it hashes from what it hashes, as a report model names it
/// in `x-hash-inputs`. Ordered as the guesses are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Derivation {
    /// `url-lowercase-trimmed`: the URL lower-cased, without a trailing `/` (both Nextcloud
    /// apps today; RoomVox also when it falls back to `https://` and its first trusted
    /// domain).
    UrlLowercaseTrimmed,
    /// `url-as-configured`: the URL as the administrator typed it, with and without a
    /// trailing `/` (IntroVox before 1.7.3).
    UrlAsConfigured,
    /// `bare-host`: the host name alone, lower-cased (RoomVox 1.1.3 to 1.3.x without a
    /// configured URL).
    BareHost,
}

impl Derivation {
    /// Every derivation, in the order they are tried.
    pub const ALL: [Derivation; 3] = [
        Derivation::UrlLowercaseTrimmed,
        Derivation::UrlAsConfigured,
        Derivation::BareHost,
    ];

    /// The derivation a schema names, if it is one.
    pub fn parse(name: &str) -> Option<Derivation> {
        Derivation::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// Its name in `x-hash-inputs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Derivation::UrlLowercaseTrimmed => "url-lowercase-trimmed",
            Derivation::UrlAsConfigured => "url-as-configured",
            Derivation::BareHost => "bare-host",
        }
    }
}

/// The inputs hashed for one candidate (a URL, a host name or an address) under each of
/// `derivations`, with a label for each. A candidate without a scheme is tried as an
/// `https://` and an `http://` URL.
pub fn variants(derivations: &[Derivation], candidate: &str) -> Vec<(String, &'static str)> {
    let c = candidate.trim();
    if c.is_empty() || c.starts_with('#') {
        return Vec::new();
    }
    let urls: Vec<String> = if c.contains("://") {
        vec![c.to_string()]
    } else {
        vec![format!("https://{c}"), format!("http://{c}")]
    };
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut add = |s: String, label| {
        if !out.iter().any(|(o, _)| *o == s) {
            out.push((s, label));
        }
    };
    for d in derivations {
        match d {
            Derivation::UrlLowercaseTrimmed => {
                for u in &urls {
                    add(
                        u.to_lowercase().trim_end_matches('/').to_string(),
                        "URL lower-cased, trailing slash removed",
                    );
                }
            }
            Derivation::UrlAsConfigured => {
                for u in &urls {
                    add(u.clone(), "URL as configured (before 1.7.3)");
                    if !u.ends_with('/') {
                        add(
                            format!("{u}/"),
                            "URL as configured, with trailing slash (before 1.7.3)",
                        );
                    }
                }
            }
            Derivation::BareHost => {
                // The host alone, whether the candidate was written as a URL or not.
                let host = c.split_once("://").map_or(c, |(_, rest)| rest);
                let host = host.split(['/', '?', '#']).next().unwrap_or(host);
                add(host.to_lowercase(), "bare trusted domain (1.1.3 to 1.3.x)");
            }
        }
    }
    out
}

/// Looks up digests.
struct Index(HashMap<[u8; 32], Vec<usize>>);

impl Index {
    fn new(targets: &[Target]) -> Index {
        let mut m: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            m.entry(t.digest).or_default().push(i);
        }
        Index(m)
    }

    fn check(&self, input: &[u8]) -> Option<&Vec<usize>> {
        let d: [u8; 32] = Sha256::digest(input).into();
        self.0.get(&d)
    }
}

/// Hashes every variant of every candidate on `threads` threads and reports the targets
/// whose digest matched.
pub fn reverse_candidates(
    derivations: &[Derivation],
    targets: &[Target],
    candidates: &[String],
    threads: usize,
) -> Outcome {
    let start = Instant::now();
    let index = Index::new(targets);
    // Variants are derived once; each is a guess numbered in candidate order.
    let guesses: Vec<(String, &'static str)> = candidates
        .iter()
        .flat_map(|c| variants(derivations, c))
        .collect();
    let per = guesses.len().div_ceil(threads.max(1)).max(1);
    let hits: Vec<Hit> = std::thread::scope(|scope| {
        let handles: Vec<_> = guesses
            .chunks(per)
            .enumerate()
            .map(|(n, chunk)| {
                let index = &index;
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for (i, (g, label)) in chunk.iter().enumerate() {
                        if let Some(ts) = index.check(g.as_bytes()) {
                            for &t in ts {
                                found.push(Hit {
                                    target: t,
                                    preimage: g.clone(),
                                    variant: label,
                                    guess: (n * per + i + 1) as u64,
                                });
                            }
                        }
                    }
                    found
                })
            })
            .collect();
        joined(handles)
    });
    outcome(hits, guesses.len() as u64, start)
}

/// An IPv4 range, inclusive.
pub type Range4 = (u32, u32);

/// Parses `a.b.c.d/n` (or a single address) into a range.
pub fn parse_cidr(s: &str) -> Option<Range4> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok().filter(|b| *b <= 32)?),
        None => (s, 32),
    };
    let ip: std::net::Ipv4Addr = addr.trim().parse().ok()?;
    let ip = u32::from(ip);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((ip & mask, (ip & mask) | !mask))
}

/// Writes `prefix` and the dotted quad of `ip` into `buf`; returns the used part.
fn dotted<'b>(buf: &'b mut [u8; 32], prefix: &[u8], ip: u32) -> &'b [u8] {
    let mut n = prefix.len();
    buf[..n].copy_from_slice(prefix);
    for (i, octet) in ip.to_be_bytes().iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        let o = *octet;
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            buf[n] = b'0' + (o / 10) % 10;
            n += 1;
        }
        buf[n] = b'0' + o % 10;
        n += 1;
    }
    &buf[..n]
}

/// Hashes every address of the ranges as the product would have (an address typed as the
/// URL's host, or as the bare trusted domain), on `threads` threads, without allocating per
/// guess.
pub fn reverse_ipv4(
    derivations: &[Derivation],
    targets: &[Target],
    ranges: &[Range4],
    threads: usize,
) -> Outcome {
    let start = Instant::now();
    let index = Index::new(targets);
    let mut forms: Vec<(&[u8], &'static str)> = Vec::new();
    if derivations.iter().any(|d| {
        matches!(
            d,
            Derivation::UrlLowercaseTrimmed | Derivation::UrlAsConfigured
        )
    }) {
        forms.push((b"https://", "URL lower-cased, trailing slash removed"));
        forms.push((b"http://", "URL lower-cased, trailing slash removed"));
    }
    // An address is its own lower-cased, trimmed form, so `url-as-configured` adds nothing.
    if derivations.contains(&Derivation::BareHost) {
        forms.push((b"", "bare trusted domain (1.1.3 to 1.3.x)"));
    }
    let total: u64 = ranges.iter().map(|(a, b)| u64::from(b - a) + 1).sum();
    // Work is split by position in the concatenated ranges.
    let threads = threads.max(1) as u64;
    let per = total.div_ceil(threads).max(1);
    let at = |pos: u64| -> u32 {
        let mut pos = pos;
        for (a, b) in ranges {
            let len = u64::from(b - a) + 1;
            if pos < len {
                return a + pos as u32;
            }
            pos -= len;
        }
        0
    };
    let forms = &forms;
    let index = &index;
    let hits: Vec<Hit> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    let mut buf = [0u8; 32];
                    let from = t * per;
                    let to = ((t + 1) * per).min(total);
                    for pos in from..to {
                        let ip = at(pos);
                        for (f, (prefix, label)) in forms.iter().enumerate() {
                            let input = dotted(&mut buf, prefix, ip);
                            if let Some(ts) = index.check(input) {
                                for &target in ts {
                                    found.push(Hit {
                                        target,
                                        preimage: String::from_utf8_lossy(input).into_owned(),
                                        variant: label,
                                        guess: pos * forms.len() as u64 + f as u64 + 1,
                                    });
                                }
                            }
                        }
                    }
                    found
                })
            })
            .collect();
        joined(handles)
    });
    outcome(hits, total * forms.len() as u64, start)
}

/// The hits of every thread; a thread that failed contributes none.
fn joined(handles: Vec<std::thread::ScopedJoinHandle<'_, Vec<Hit>>>) -> Vec<Hit> {
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect()
}

/// One hit per target, the earliest guess.
fn outcome(mut hits: Vec<Hit>, guesses: u64, start: Instant) -> Outcome {
    hits.sort_by_key(|h| (h.target, h.guess));
    hits.dedup_by_key(|h| h.target);
    Outcome {
        hits,
        guesses,
        elapsed: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Derivation::*;

    // What the report models declare (a test in lib.rs reads them from the schemas).
    const INTROVOX: &[Derivation] = &[UrlLowercaseTrimmed, UrlAsConfigured];
    const ROOMVOX: &[Derivation] = &[UrlLowercaseTrimmed, BareHost];

    fn sha(s: &str) -> [u8; 32] {
        Sha256::digest(s.as_bytes()).into()
    }

    #[test]
    fn quads_are_written_like_std() {
        let mut buf = [0u8; 32];
        for ip in [0u32, 1, 0x0a00_0001, 0xc0a8_0164, 0xffff_ffff, 0x6440_0a09] {
            let want = format!("http://{}", std::net::Ipv4Addr::from(ip));
            assert_eq!(dotted(&mut buf, b"http://", ip), want.as_bytes());
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(parse_cidr("10.0.0.0/8"), Some((0x0a00_0000, 0x0aff_ffff)));
        assert_eq!(parse_cidr("192.168.1.7"), Some((0xc0a8_0107, 0xc0a8_0107)));
        assert_eq!(parse_cidr("0.0.0.0/0"), Some((0, u32::MAX)));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
    }

    #[test]
    fn known_hashes_are_reversed_as_the_product_normalises() {
        let targets = vec![
            Target {
                sample: 0,
                pointer: "/instanceHash".into(),
                digest: sha("https://cloud.example.org"),
            },
            Target {
                sample: 1,
                pointer: "/instanceHash".into(),
                digest: sha("https://Cloud.Example.org/"),
            },
            Target {
                sample: 2,
                pointer: "/instanceHash".into(),
                digest: sha("nc.example.net"),
            },
            Target {
                sample: 3,
                pointer: "/instanceHash".into(),
                digest: sha("https://unknown.example"),
            },
        ];
        let candidates = vec![
            "https://Cloud.Example.org/".to_string(),
            "nc.example.net".to_string(),
        ];
        let intro = reverse_candidates(INTROVOX, &targets, &candidates, 2);
        let got: Vec<(usize, &str)> = intro
            .hits
            .iter()
            .map(|h| (h.target, h.preimage.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "https://cloud.example.org"),
                (1, "https://Cloud.Example.org/")
            ]
        );
        // RoomVox 1.1.3–1.3.x hashed the bare domain.
        let room = reverse_candidates(ROOMVOX, &targets, &candidates, 2);
        assert!(
            room.hits
                .iter()
                .any(|h| h.target == 2 && h.variant.contains("bare"))
        );
        assert!(!room.hits.iter().any(|h| h.target == 3));
        assert_eq!(
            room.guesses,
            2 + 2 + 1,
            "the URL and its host, two schemes and the bare host"
        );
        let url = vec!["https://NC.example.net/".to_string()];
        let room = reverse_candidates(ROOMVOX, &targets, &url, 1);
        assert_eq!(
            room.hits.len(),
            1,
            "the host of a URL candidate is tried bare"
        );
    }

    #[test]
    fn addresses_are_reversed_from_a_range() {
        let targets = vec![
            Target {
                sample: 0,
                pointer: "/instanceHash".into(),
                digest: sha("https://10.1.2.3"),
            },
            Target {
                sample: 1,
                pointer: "/instanceHash".into(),
                digest: sha("192.168.0.9"),
            },
        ];
        let ranges = [
            parse_cidr("10.1.0.0/16").unwrap(),
            parse_cidr("192.168.0.0/24").unwrap(),
        ];
        let out = reverse_ipv4(ROOMVOX, &targets, &ranges, 2);
        assert_eq!(out.guesses, (65_536 + 256) * 3);
        let got: Vec<&str> = out.hits.iter().map(|h| h.preimage.as_str()).collect();
        assert_eq!(got, ["https://10.1.2.3", "192.168.0.9"]);
        let intro = reverse_ipv4(INTROVOX, &targets, &ranges, 1);
        assert_eq!(intro.hits.len(), 1, "IntroVox never hashed a bare address");
    }
}
