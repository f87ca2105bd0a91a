//! Generated values: every email, address, MAC, path, card and token embedded in text is found
//! with its exact span; realistic clean telemetry values are never reported by default.

use privaudit_detect::{Category, Confidence, Match, Scanner};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn scan(text: &str) -> Vec<Match> {
    Scanner::new().scan_vec(text)
}

/// Words and separators that surround a value in logs and messages.
fn around() -> impl Strategy<Value = (String, String)> {
    let word = prop::sample::select(vec![
        "sent", "report", "status", "ok", "data", "for", "value", "failed", "user", "node",
    ]);
    let before = (
        prop::collection::vec(word.clone(), 0..3),
        prop::sample::select(vec![" ", " (", " \"", " '", " [", ": ", "="]),
    );
    let after = (
        prop::sample::select(vec!["", " ", ")", "\"", "'", "]", ",", ".", ";"]),
        prop::collection::vec(word, 0..3),
    );
    (before, after).prop_map(|((bw, bs), (asep, aw))| {
        let mut b = bw.join(" ");
        b.push_str(if b.is_empty() { bs.trim_start() } else { bs });
        let mut a = asep.to_string();
        if !aw.is_empty() {
            a.push(' ');
            a.push_str(&aw.join(" "));
        }
        (b, a)
    })
}

/// Asserts that `value`, embedded in `text` at `at`, is reported as `category` with its exact
/// span at `min` confidence or higher.
fn assert_found(
    text: &str,
    at: usize,
    value: &str,
    category: Category,
    min: Confidence,
) -> Result<(), TestCaseError> {
    let found = scan(text);
    let span = at..at + value.len();
    prop_assert!(
        found
            .iter()
            .any(|m| m.category == category && m.span == span && m.confidence >= min),
        "{category} {value:?} not found at {span:?} in {text:?}: {found:?}"
    );
    Ok(())
}

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?"
}

fn email() -> impl Strategy<Value = String> {
    let tld = prop::sample::select(vec![
        "com", "de", "nl", "org", "io", "fr", "co.uk", "net", "dev", "cloud",
    ]);
    (
        "[a-z][a-z0-9]{0,10}([._+-][a-z0-9]{1,8})?",
        prop::collection::vec(label(), 1..3),
        tld,
    )
        .prop_map(|(local, labels, tld)| format!("{local}@{}.{tld}", labels.join(".")))
}

/// An e-mail address whose domain or local part is written in another script.
fn unicode_email() -> impl Strategy<Value = String> {
    let tld = prop::sample::select(vec!["de", "se", "es", "ch", "рф", "com", "org"]);
    (
        "[a-zà-ÿ][a-z0-9à-ÿ]{1,8}",
        "[a-zà-öø-ÿа-я]{2,8}(-[a-zà-öø-ÿа-я]{2,6})?",
        tld,
    )
        .prop_map(|(local, label, tld)| format!("{local}@mail.{label}.{tld}"))
        .prop_filter("not all ASCII", |e| !e.is_ascii())
}

/// `leak` under one of the encodings the decoder unwraps, with the encodings' names.
fn wrapped(leak: &str, how: u8) -> (String, Vec<&'static str>) {
    use base64::Engine;
    let std64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    match how % 6 {
        0 => (
            leak.replace('%', "%25")
                .replace('@', "%40")
                .replace('.', "%2E"),
            vec!["percent"],
        ),
        1 => (std64(leak.as_bytes()), vec!["base64"]),
        2 => (
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("{{\"u\":\"{leak}\"}}")),
            vec!["base64"],
        ),
        3 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut gz, format!("to {leak}").as_bytes()).unwrap();
            (std64(&gz.finish().unwrap()), vec!["base64", "gzip"])
        }
        4 => (
            format!("data:text/plain;base64,{}", std64(leak.as_bytes())),
            vec!["data-uri"],
        ),
        _ => {
            let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("{{\"sub\":\"7\",\"email\":\"{leak}\"}}"));
            (
                format!("eyJhbGciOiJIUzI1NiJ9.{claims}.c2lnbmF0dXJlLXBhcnQ"),
                vec!["jwt-claims"],
            )
        }
    }
}

fn mac() -> impl Strategy<Value = String> {
    (any::<[u8; 6]>(), 0..4u8).prop_map(|(b, form)| match form {
        0 => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        1 => b
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<Vec<_>>()
            .join("-"),
        2 => b
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
        // Dotted Cisco form; all-digit groups read as numbers, so one letter is forced.
        _ => format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            b[0] | 0xa0,
            b[1],
            b[2],
            b[3],
            b[4],
            b[5]
        ),
    })
}

fn path() -> impl Strategy<Value = String> {
    let seg = "[a-z][a-z0-9_-]{1,10}";
    let file = "[a-z][a-z0-9_-]{1,10}\\.(conf|log|php|json|txt|db|sh)";
    (prop::collection::vec(seg, 1..4), file, 0..4u8).prop_map(|(dirs, file, form)| match form {
        0 => format!("/{}/{file}", dirs.join("/")),
        1 => format!("~/{}/{file}", dirs.join("/")),
        2 => format!("C:\\{}\\{file}", dirs.join("\\")),
        _ => format!("\\\\{}\\{file}", dirs.join("\\")),
    })
}

fn luhn_complete(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn card() -> impl Strategy<Value = String> {
    let issuer = prop::sample::select(vec![
        vec![4u8],
        vec![5, 1],
        vec![5, 5],
        vec![2, 2, 2, 1],
        vec![6, 0, 1, 1],
    ]);
    (issuer, prop::collection::vec(0..10u8, 15), 0..3u8).prop_filter_map(
        "not a repeated digit",
        |(prefix, rest, sep)| {
            let mut digits = prefix.clone();
            digits.extend_from_slice(&rest[..15 - prefix.len()]);
            let check = luhn_complete(&digits);
            digits.push(check);
            if digits.iter().all(|&d| d == digits[0]) {
                return None;
            }
            let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            Some(match sep {
                0 => s,
                1 => s
                    .as_bytes()
                    .chunks(4)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => s
                    .as_bytes()
                    .chunks(4)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect::<Vec<_>>()
                    .join("-"),
            })
        },
    )
}

/// A random token body as a vendor issues it. A body under 2.8 bits per byte is taken for a
/// placeholder (docs/detectors.md), which a short random body can be by chance (one in a few
/// thousand for 16 characters), so the property holds for bodies above it.
fn body(pattern: &'static str) -> impl Strategy<Value = String> {
    pattern.prop_filter("not placeholder-like", |s| {
        privaudit_detect::validators::entropy(s.as_bytes()) >= 2.8
    })
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        body("[A-Za-z0-9]{36}").prop_map(|s| format!("ghp_{s}")),
        body("[A-Z0-9]{16}").prop_map(|s| format!("AKIA{s}")),
        body("[A-Za-z0-9]{20}").prop_map(|s| format!("glpat-{s}")),
        body("[A-Za-z0-9]{24}").prop_map(|s| format!("xoxb-1234567890-{s}")),
        ("[A-Za-z0-9_-]{20,40}", "[A-Za-z0-9_-]{43}")
            .prop_map(|(p, s)| format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{p}.{s}")),
    ]
    .prop_filter("random enough", |t| {
        privaudit_detect::validators::entropy(t.as_bytes()) > 3.2
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn emails_are_found((b, a) in around(), v in email()) {
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::Email, Confidence::Medium)?;
    }

    #[test]
    fn emails_are_found_under_every_encoding(v in email(), how in 0..6u8) {
        let (text, names) = wrapped(&v, how);
        // Base64 under 12 characters (a@b.io) is too short to tell from a word.
        prop_assume!(how % 6 != 1 || text.len() >= 12);
        let scanner = Scanner::new();
        let found = privaudit_detect::decode::layers(&text).into_iter().any(|l| {
            let got: Vec<&str> = l.encodings.iter().map(|e| e.as_str()).collect();
            got == names
                && scanner.scan_vec(&l.text).iter().any(|m| {
                    m.category == Category::Email && m.is_default() && l.text[m.span.clone()] == *v
                })
        });
        prop_assert!(found, "{v} under {names:?} not found in {text:?}");
    }

    #[test]
    fn random_base64_holds_no_personal_data(bytes in prop::collection::vec(any::<u8>(), 12..96), url_safe in any::<bool>()) {
        use base64::Engine;
        let text = if url_safe {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
        } else {
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        };
        let scanner = Scanner::new();
        for l in privaudit_detect::decode::layers(&text) {
            let personal: Vec<Match> = scanner
                .scan_vec(&l.text)
                .into_iter()
                .filter(|m| m.is_default() && m.category != Category::Credential)
                .collect();
            prop_assert!(personal.is_empty(), "{text:?} decoded to {:?}: {personal:?}", l.text);
        }
    }

    #[test]
    fn unicode_emails_are_found((b, a) in around(), v in unicode_email()) {
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::Email, Confidence::Medium)?;
    }

    #[test]
    fn ipv4_is_found_and_named_addresses_by_default((b, a) in around(), ip in any::<Ipv4Addr>()) {
        let v = ip.to_string();
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::IpAddress, Confidence::Low)?;
        let text = format!("client ip {v}{a}");
        assert_found(&text, 10, &v, Category::IpAddress, Confidence::Medium)?;
        let with_port = format!("{v}:8443");
        assert_found(&format!("{b}{with_port}{a}"), b.len(), &with_port, Category::IpAddress, Confidence::Medium)?;
    }

    #[test]
    fn ipv6_is_found((b, a) in around(), ip in any::<Ipv6Addr>()) {
        prop_assume!(!ip.is_unspecified());
        let v = ip.to_string();
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::IpAddress, Confidence::Medium)?;
        let full = ip.segments().iter().map(|s| format!("{s:04x}")).collect::<Vec<_>>().join(":");
        assert_found(&format!("{b}{full}{a}"), b.len(), &full, Category::IpAddress, Confidence::Medium)?;
    }

    #[test]
    fn macs_are_found((b, a) in around(), v in mac()) {
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::MacAddress, Confidence::Medium)?;
    }

    #[test]
    fn paths_are_found((b, a) in around(), v in path()) {
        // A path may legitimately end in `.`; keep the trailing separator a non-dot here.
        let a = a.trim_start_matches('.');
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::FilePath, Confidence::Medium)?;
    }

    #[test]
    fn cards_are_found((b, a) in around(), v in card()) {
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::PaymentCard, Confidence::Medium)?;
    }

    #[test]
    fn tokens_are_found((b, a) in around(), v in token()) {
        assert_found(&format!("{b}{v}{a}"), b.len(), &v, Category::Credential, Confidence::Medium)?;
    }
}

/// Whether space-separated digit groups in `text` read as a card number: 13 to 19 digits in
/// a row that pass the Luhn check.
fn card_shaped(text: &str) -> bool {
    let groups: Vec<&str> = text.split(' ').collect();
    (0..groups.len()).any(|start| {
        let mut digits = String::new();
        groups[start..]
            .iter()
            .take_while(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
            .any(|g| {
                digits.push_str(g);
                (13..=19).contains(&digits.len()) && privaudit_detect::validators::luhn(&digits)
            })
    })
}

/// Values of the kind every product's telemetry is made of.
fn clean_value() -> impl Strategy<Value = String> {
    let zones = prop::sample::select(vec![
        "Europe/Amsterdam",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+2",
        "Asia/Kolkata",
        "UTC",
        "America/New_York",
        "Pacific/Auckland",
        "Europe/Berlin",
        "Africa/Johannesburg",
        "Etc/UTC",
    ]);
    let words = prop::sample::select(vec![
        "nginx",
        "apache",
        "x86_64",
        "aarch64",
        "mysql",
        "pgsql",
        "sqlite",
        "redis",
        "debian",
        "ubuntu",
        "lxc",
        "vm",
        "success",
        "failed",
        "installing",
        "docker",
        "Nextcloud Hub 9",
        "Debian GNU/Linux 12 (bookworm)",
        "Ubuntu 24.04.1 LTS",
        "6.8.12-4-pve",
        "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        "AMD EPYC 7543 32-Core Processor",
        "community-scripts/ProxmoxVE",
        "nextcloud/server",
        "php-fpm",
        "Microsoft.Exchange",
        "ct/debian.sh",
        "8.6.82.110",
        "32.0.4.1",
    ]);
    prop_oneof![
        zones.prop_map(str::to_string),
        words.prop_map(str::to_string),
        // Versions with up to four parts; a four-part one inside private address space reads
        // as an address and is left to the field's class, so those are excluded here.
        (
            1..=40u32,
            0..=30u32,
            0..=200u32,
            prop::option::of(0..=9999u32)
        )
            .prop_filter("not a private range", |(a, ..)| *a != 10)
            .prop_map(|(a, b, c, d)| match d {
                Some(d) => format!("{a}.{b}.{c}.{d}"),
                None => format!("{a}.{b}.{c}"),
            }),
        any::<[u8; 32]>().prop_map(|b| b.iter().map(|x| format!("{x:02x}")).collect()),
        any::<[u8; 16]>().prop_map(|b| {
            let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }),
        "[a-z0-9]{26}",
        "[a-z]{2}(_[A-Z]{2})?",
        "[a-z][a-z0-9-]{2,12}/[a-z][a-z0-9._-]{2,16}",
        (1..=5000u32).prop_map(|n| n.to_string()),
        "(2024|2025|2026)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T[01][0-9]:[0-5][0-9]:[0-5][0-9]Z",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn clean_telemetry_is_not_reported(v in clean_value()) {
        let found: Vec<_> = scan(&v).into_iter().filter(Match::is_default).collect();
        prop_assert!(found.is_empty(), "{v:?}: {found:?}");
    }

    #[test]
    fn clean_values_side_by_side_are_not_reported(vs in prop::collection::vec(clean_value(), 1..6)) {
        let text = vs.join(" ");
        // Four counts in a row can spell a Luhn-valid card number, which is rightly reported.
        prop_assume!(!card_shaped(&text));
        let found: Vec<_> = scan(&text).into_iter().filter(Match::is_default).collect();
        prop_assert!(found.is_empty(), "{text:?}: {found:?}");
    }

    #[test]
    fn any_text_scans_without_panic_and_spans_are_in_bounds(s in "\\PC{0,200}") {
        for m in scan(&s) {
            prop_assert!(m.span.start < m.span.end && m.span.end <= s.len());
            prop_assert!(s.is_char_boundary(m.span.start) && s.is_char_boundary(m.span.end));
        }
    }
}

#[test]
fn a_mac_of_digits_only_is_still_a_mac() {
    let found = scan("iface 12-34-56-78-90-12 up");
    assert!(
        found
            .iter()
            .any(|m| m.category == Category::MacAddress && m.span == (6..23)),
        "{found:?}"
    );
}

/// Found once by the email property above: a domain that is itself a private suffix.
#[test]
fn emails_at_a_private_suffix_are_found() {
    for v in ["a@ts.net", "ops@github.io"] {
        assert_found(v, 0, v, Category::Email, Confidence::Low).unwrap();
    }
    assert!(
        !scan("a@co.uk")
            .iter()
            .any(|m| m.category == Category::Email),
        "a whole ICANN suffix is no mail domain"
    );
}

#[test]
fn card_shaped_tells_counts_that_spell_a_card() {
    assert!(card_shaped("2425 3822 2364 1072"));
    assert!(!card_shaped("2425 3822 2364 1073"));
    assert!(!card_shaped("nginx 2425 x86_64 3822"));
}
