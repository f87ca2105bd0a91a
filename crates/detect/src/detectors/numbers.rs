//! Digit groups: payment cards (Luhn and issuer ranges) and telephone numbers.

use crate::Confidence;
use crate::validators::luhn;

/// A run of numeric tokens joined by short separators, as the scanning pass collects it.
pub(crate) struct Run<'a> {
    /// The run's text, from its first digit (or `+` or `(`) to its last digit.
    pub text: &'a [u8],
    /// Whether the words before it speak of a telephone.
    pub phone_context: bool,
}

/// What a run of digit groups is.
pub(crate) enum Verdict {
    Card(Confidence),
    Phone(Confidence),
    /// Shaped like a national number (trunk `0`, no country code, no telephone word): for
    /// the caller to confirm with [`confirm_national`] where it would count.
    NationalPhone,
}

fn card_issuer(d: &[u8]) -> bool {
    issuer_takes(d, d.len())
}

/// Whether a card number of `len` digits starting with the four digits `d` has an issuer.
fn issuer_takes(d: &[u8], len: usize) -> bool {
    let n2 = u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0');
    let n4 = n2 * 100 + u32::from(d[2] - b'0') * 10 + u32::from(d[3] - b'0');
    match d[0] {
        b'4' => matches!(len, 13 | 16 | 19),
        b'5' => {
            (51..=55).contains(&n2) && len == 16
                || (n2 == 50 || (56..=58).contains(&n2)) && len >= 12
        }
        b'2' => (2221..=2720).contains(&n4) && len == 16,
        b'3' => {
            (n2 == 34 || n2 == 37) && len == 15
                || n2 == 35 && len >= 16
                || matches!(n2, 30 | 36 | 38 | 39) && len >= 14
        }
        b'6' => len >= 16,
        // UATP.
        b'1' => len == 15,
        _ => false,
    }
}

/// Judges a run.
pub(crate) fn judge(run: &Run) -> Option<Verdict> {
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut groups = [0u8; 12];
    let mut ngroups = 0;
    let mut in_group = false;
    let (mut spaces, mut dashes, mut dots, mut parens) = (false, false, false, false);
    let plus = run.text.first() == Some(&b'+');
    for &b in run.text {
        if b.is_ascii_digit() {
            if n == digits.len() {
                return None;
            }
            digits[n] = b;
            n += 1;
            if !in_group {
                if ngroups == groups.len() {
                    return None;
                }
                ngroups += 1;
                in_group = true;
            }
            groups[ngroups - 1] += 1;
        } else {
            in_group = false;
            match b {
                b' ' => spaces = true,
                b'-' => dashes = true,
                b'.' => dots = true,
                b'(' | b')' => parens = true,
                _ => {}
            }
        }
    }
    let digits = &digits[..n];
    let groups = &groups[..ngroups];
    if n == 0 || digits.iter().all(|&d| d == digits[0]) {
        return None;
    }
    // Cards: 13-19 digits, plain or grouped by spaces or dashes.
    let mixed_separators = spaces && dashes;
    if (13..=19).contains(&n) && !(plus || dots || parens || mixed_separators) {
        let s = std::str::from_utf8(digits).unwrap_or("");
        if luhn(s) && card_issuer(digits) {
            let grouped =
                ngroups >= 3 && groups[0] == 4 && groups.iter().all(|&g| (3..=6).contains(&g));
            if ngroups == 1 {
                return Some(Verdict::Card(Confidence::Medium));
            }
            if grouped {
                return Some(Verdict::Card(Confidence::High));
            }
        }
    }
    if plus {
        // A country code no country has (`+999`) is no telephone number.
        if (8..=15).contains(&n) && digits[0] != b'0' && assigned(digits) {
            return Some(Verdict::Phone(Confidence::High));
        }
        return None;
    }
    if dots && !dashes && !spaces && ngroups != 3 {
        return None;
    }
    // North American numbers: 3-3-4, optionally after a 1.
    let nanp = |g: &[u8], d: &[u8]| {
        g == [3, 3, 4] && (b'2'..=b'9').contains(&d[0]) && (b'2'..=b'9').contains(&d[3])
    };
    // Groups apart by spaces alone are as often counts side by side (`256 512 1024`) as a
    // number written the less usual way, unless the words before speak of a telephone.
    let nanp_confidence = if spaces && !(dashes || dots || parens) && !run.phone_context {
        Confidence::Low
    } else {
        Confidence::Medium
    };
    if n == 10 && ngroups == 3 && nanp(groups, digits) {
        return Some(Verdict::Phone(nanp_confidence));
    }
    if n == 11
        && ngroups == 4
        && groups[0] == 1
        && digits[0] == b'1'
        && nanp(&groups[1..], &digits[1..])
    {
        return Some(Verdict::Phone(nanp_confidence));
    }
    // International prefix 00, or a national number with a trunk 0, when the words before
    // it speak of a telephone.
    if digits[0] == b'0' && ngroups >= 2 && (9..=15).contains(&n) {
        if digits[1] == b'0' && n >= 11 {
            return Some(Verdict::Phone(Confidence::Medium));
        }
        if run.phone_context {
            return Some(Verdict::Phone(Confidence::Medium));
        }
    }
    if digits[0] == b'0' && digits[1] != b'0' && (9..=12).contains(&n) && !dots {
        return Some(Verdict::NationalPhone);
    }
    if run.phone_context && (7..=15).contains(&n) && (ngroups >= 2 || n >= 9) && !dots {
        return Some(Verdict::Phone(Confidence::Medium));
    }
    None
}

/// The country codes libphonenumber knows, as a bit set over 0 to 999 (a test compares it
/// with the `phonenumber` crate's metadata, which is costly to load at run time).
const COUNTRY_CODES: [u64; 16] = [
    0xf7fbfb97c8100082,
    0x00000004fc560007,
    0x0000000000000000,
    0xfffffffff5380000,
    0x00000e0c00003ff7,
    0xf7fc00ffc0000000,
    0x000000b00000002e,
    0x3ff0000000000000,
    0x0000000000000000,
    0x0000000000ffc000,
    0x001fefff40000000,
    0x0000000000000000,
    0x0000010100000000,
    0x014f404001b40000,
    0x0000000000000000,
    0x0000005f000bfdff,
];

/// Whether the digits of an international number start with an assigned country code.
/// Country codes are prefix-free, so at most one of the first one to three digits is one.
fn assigned(digits: &[u8]) -> bool {
    let mut code = 0usize;
    for &d in digits.iter().take(3) {
        code = code * 10 + usize::from(d - b'0');
        if COUNTRY_CODES[code / 64] >> (code % 64) & 1 == 1 {
            return true;
        }
    }
    false
}

/// The countries whose national numbers are recognised without a country code: where the
/// audited products' users are.
const NATIONAL_PLANS: [phonenumber::country::Id; 12] = {
    use phonenumber::country::Id::*;
    [NL, BE, DE, AT, CH, FR, SE, NO, DK, FI, GB, PL]
};

/// Whether `text`, shaped like a national telephone number, is a valid one in the numbering
/// plan of one of [`NATIONAL_PLANS`] (libphonenumber's metadata, the `phonenumber` crate).
/// The first call builds the metadata's patterns (about a tenth of a second), so the scanner
/// never calls it: the engine does, only for a number in a field where it would count.
pub fn confirm_national(text: &str) -> bool {
    NATIONAL_PLANS
        .iter()
        .any(|&id| phonenumber::parse(Some(id), text).is_ok_and(|n| phonenumber::is_valid(&n)))
}

/// Cards inside a run too long to be one number, such as several cards listed one after
/// another: the longest card at each group boundary, left to right.
pub(crate) fn cards_in(text: &[u8]) -> impl Iterator<Item = (usize, usize, Confidence)> + '_ {
    let starts = |i: usize| text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_digit());
    let mut at = 0;
    // Where [`judge`] could call a window a card, longest first. It calls a card only one
    // digit group of 13 to 19 digits, or three or more groups of 3 to 6 digits starting with
    // 4, with neither `.`, `(`, `)` nor both spaces and dashes between them; every other
    // window is ruled out here without judging it, so a digit run costs a bounded amount of
    // work per byte (`1 2 3 …` once cost 13 judgements per digit).
    // (end, digits) of each window worth judging.
    let mut candidates = [(0usize, 0usize); 8];
    std::iter::from_fn(move || {
        while at < text.len() {
            let s = at;
            at += 1;
            if !starts(s) {
                continue;
            }
            let group = |from: usize| {
                text[from..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(text.len() - from)
            };
            let first = group(s);
            // The rest of this digit run starts no card.
            at = s + first;
            let mut found = 0;
            if (13..=19).contains(&first) {
                candidates[0] = (s + first, first);
                found = 1;
            } else if first == 4 {
                // A card spans at most 19 digits and 6 separators.
                let limit = text.len().min(s + 26);
                let (mut e, mut digits, mut groups) = (s + 4, 4, 1);
                let (mut spaces, mut dashes) = (false, false);
                'groups: while e < limit {
                    let mut g = e;
                    while g < limit && !text[g].is_ascii_digit() {
                        match text[g] {
                            b'.' | b'(' | b')' => break 'groups,
                            b' ' => spaces = true,
                            b'-' => dashes = true,
                            _ => {}
                        }
                        g += 1;
                    }
                    if g == limit || spaces && dashes {
                        break;
                    }
                    let len = group(g);
                    if !(3..=6).contains(&len) || g + len > limit {
                        break;
                    }
                    e = g + len;
                    digits += len;
                    groups += 1;
                    if digits > 19 {
                        break;
                    }
                    if groups >= 3 && digits >= 13 && found < candidates.len() {
                        candidates[found] = (e, digits);
                        found += 1;
                    }
                }
            }
            for &(e, digits) in candidates[..found].iter().rev() {
                // No issuer takes this prefix at this length: judging would say no.
                if !issuer_takes(&text[s..s + 4], digits) {
                    continue;
                }
                #[cfg(test)]
                JUDGED.with(|j| j.set(j.get() + 1));
                if let Some(Verdict::Card(c)) = judge(&Run {
                    text: &text[s..e],
                    phone_context: false,
                }) {
                    at = e;
                    return Some((s, e, c));
                }
            }
        }
        None
    })
}

#[cfg(test)]
thread_local! {
    /// How many windows [`cards_in`] judged on this thread: its work, counted exactly.
    static JUDGED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The windows [`cards_in`] judged before it ruled most out: every 13 to 26 bytes from a
/// digit-group start that end a group, longest first. The definition its shortcut is
/// tested against.
#[cfg(test)]
pub(crate) fn cards_in_by_judging_all(text: &[u8]) -> Vec<(usize, usize, Confidence)> {
    let starts = |i: usize| text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_digit());
    let ends =
        |i: usize| text[i - 1].is_ascii_digit() && (i == text.len() || !text[i].is_ascii_digit());
    let mut out = Vec::new();
    let mut at = 0;
    'outer: while at < text.len() {
        let s = at;
        at += 1;
        if !starts(s) {
            continue;
        }
        let limit = text.len().min(s + 26);
        for e in (s + 13..=limit).rev() {
            if ends(e)
                && let Some(Verdict::Card(c)) = judge(&Run {
                    text: &text[s..e],
                    phone_context: false,
                })
            {
                at = e;
                out.push((s, e, c));
                continue 'outer;
            }
        }
    }
    out
}

/// Groups of up to four letters or digits after an IBAN's first group.
pub(crate) fn iban(b: &[u8], start: usize, end: usize) -> Option<usize> {
    let mut compact = [0u8; 34];
    let first = &b[start..end];
    if first.len() > 34
        || !first
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return None;
    }
    compact[..first.len()].copy_from_slice(first);
    let mut n = first.len();
    let mut stop = end;
    let mut valid = crate::validators::iban(&compact[..n]).then_some(stop);
    while n < 34 && stop + 1 < b.len() && b[stop] == b' ' {
        let g_start = stop + 1;
        let mut g_end = g_start;
        while g_end < b.len() && (b[g_end].is_ascii_uppercase() || b[g_end].is_ascii_digit()) {
            g_end += 1;
        }
        let len = g_end - g_start;
        if len == 0
            || len > 4
            || n + len > 34
            || (g_end < b.len() && b[g_end].is_ascii_alphanumeric())
        {
            break;
        }
        compact[n..n + len].copy_from_slice(&b[g_start..g_end]);
        n += len;
        stop = g_end;
        if crate::validators::iban(&compact[..n]) {
            valid = Some(stop);
        }
    }
    valid
}

#[cfg(test)]
mod tests {
    /// The card check's work on digit runs is bounded per digit group, whatever their
    /// spacing: counted in judgements, not timed.
    #[test]
    fn card_check_work_is_bounded_per_group() {
        let judged = |text: &str| {
            super::JUDGED.with(|j| j.set(0));
            let found = super::cards_in(text.as_bytes()).count();
            (found, super::JUDGED.with(|j| j.get()))
        };
        let groups = |width: usize, n: usize| {
            (0..n)
                .map(|i| {
                    (0..width)
                        .map(|k| char::from(b'0' + ((i * 7 + k * 3) % 10) as u8))
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let n = 20_000;
        assert_eq!(
            judged(&groups(1, n)).1,
            0,
            "single digits never start a card"
        );
        assert_eq!(judged(&groups(2, n)).1, 0);
        for width in [3, 4, 5, 6] {
            let (_, work) = judged(&groups(width, n));
            // At most three windows (13, 16 and 19 digits) per group that could start one.
            assert!(
                work <= 3 * n,
                "width {width}: {work} judgements for {n} groups"
            );
        }
        assert_eq!(judged("4111 1111 1111 1111"), (1, 1));
    }

    proptest::proptest! {
        /// Ruling windows out before judging them finds exactly the cards judging every
        /// window finds.
        #[test]
        fn card_shortcut_agrees_with_judging_every_window(
            text in "([0-9]{1,7}[ .()+a-]{0,2}){0,12}",
            cards in proptest::collection::vec(
                proptest::sample::select(vec![
                    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
                    "5500 0000 0000 0004", "3400 000000 00009", "6011 0000 0000 0004",
                ]),
                0..3,
            ),
        ) {
            let mut all = text.clone();
            for c in &cards {
                all.push(' ');
                all.push_str(c);
                all.push_str(&text[..text.len().min(9)]);
            }
            let fast: Vec<_> = super::cards_in(all.as_bytes()).collect();
            proptest::prop_assert_eq!(fast, super::cards_in_by_judging_all(all.as_bytes()), "{}", all);
        }
    }

    use super::*;

    fn judge_str(s: &str) -> Option<&'static str> {
        judge(&Run {
            text: s.as_bytes(),
            phone_context: false,
        })
        .map(|v| match v {
            Verdict::Card(_) => "card",
            Verdict::Phone(_) => "phone",
            Verdict::NationalPhone => "national",
        })
    }

    #[test]
    fn country_codes_are_libphonenumbers() {
        for code in 1..=999u16 {
            let known = phonenumber::metadata::DATABASE.by_code(&code).is_some();
            let bit = COUNTRY_CODES[usize::from(code) / 64] >> (code % 64) & 1 == 1;
            assert_eq!(bit, known, "+{code}");
        }
        assert_eq!(judge_str("+999 123 456 789"), None);
        assert_eq!(judge_str("+31 6 18087333"), Some("phone"));
        assert_eq!(judge_str("+1 415 555 0132"), Some("phone"));
    }

    #[test]
    fn national_numbers_are_shaped_then_confirmed() {
        for n in ["020 045 2025", "06-18087333", "070-178 79 73", "0612345678"] {
            assert_eq!(judge_str(n), Some("national"), "{n}");
        }
        assert!(confirm_national("020 045 2025"), "Amsterdam");
        assert!(confirm_national("06-18087333"), "a Dutch mobile");
        assert!(confirm_national("070-178 79 73"), "a Swedish mobile");
        // Germany's plan takes most trunk-0 numbers of these lengths, so the field's class
        // does most of the deciding; a number no plan has is still refused.
        assert!(!confirm_national("0"));
    }

    #[test]
    fn cards_and_phones() {
        assert_eq!(judge_str("4111 1111 1111 1111"), Some("card"));
        assert_eq!(judge_str("5555-5555-5555-4444"), Some("card"));
        assert_eq!(judge_str("378282246310005"), Some("card"));
        assert_eq!(judge_str("4111 1111 1111 1112"), None);
        assert_eq!(judge_str("+49 30 901820"), Some("phone"));
        assert_eq!(judge_str("(415) 555-0132"), Some("phone"));
        assert_eq!(judge_str("415-555-0132"), Some("phone"));
        for s in [
            "2024-01-15",
            "1732070042551",
            "9.11.6.12345678901",
            "8.3.14",
            "12345",
            "0000 0000 0000 0000",
        ] {
            assert_eq!(judge_str(s), None, "{s}");
        }
    }

    #[test]
    fn north_american_groups_apart_by_spaces_need_context() {
        let confidence = |s: &str, phone_context| match judge(&Run {
            text: s.as_bytes(),
            phone_context,
        }) {
            Some(Verdict::Phone(c)) => Some(c),
            _ => None,
        };
        assert_eq!(confidence("256 512 1024", false), Some(Confidence::Low));
        assert_eq!(confidence("1 415 555 0132", false), Some(Confidence::Low));
        assert_eq!(confidence("415 555 0132", true), Some(Confidence::Medium));
        assert_eq!(confidence("415.555.0132", false), Some(Confidence::Medium));
        assert_eq!(
            confidence("(415) 555 0132", false),
            Some(Confidence::Medium)
        );
    }
}
