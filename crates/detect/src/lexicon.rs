//! The context words the scanning pass reacts to (`inet`, `version`, `tel`, `Bearer`, the
//! function words of sentences), looked up with one binary search per token instead of a
//! comparison per word.

use std::sync::LazyLock;

/// Words before an address (`inet 10.0.0.1`, `from`, `gateway`).
pub(crate) const IP: u8 = 1;
/// Words before a version (`version 32.0.4.1`, `kernel`).
pub(crate) const VERSION: u8 = 2;
/// Words before a telephone number.
pub(crate) const PHONE: u8 = 4;
/// `Bearer`.
pub(crate) const BEARER: u8 = 8;
/// `Basic`.
pub(crate) const BASIC: u8 = 16;
/// An `Authorization` header name.
pub(crate) const AUTHORIZATION: u8 = 32;
/// A short function word of a natural language (`the`, `und`, `voor`).
pub(crate) const FUNCTION: u8 = 64;

/// The longest word the lexicon holds; longer tokens are never looked up.
const MAX_LEN: usize = 15;

const IP_WORDS: &[&[u8]] = &[
    b"ip",
    b"ipv4",
    b"ipv6",
    b"inet",
    b"inet6",
    b"addr",
    b"address",
    b"from",
    b"to",
    b"connect",
    b"connecting",
    b"host",
    b"server",
    b"gateway",
    b"gw",
    b"dns",
    b"nameserver",
    b"peer",
    b"client",
    b"via",
    b"src",
    b"dst",
    b"remote",
    b"listen",
    b"listening",
    b"bind",
    b"ping",
    b"resolved",
    b"resolve",
    b"reach",
    b"unreachable",
    b"route",
    b"at",
    b"proxy",
    b"node",
];

const VERSION_WORDS: &[&[u8]] = &[
    b"version",
    b"v",
    b"ver",
    b"release",
    b"build",
    b"kernel",
    b"nextcloud",
    b"php",
    b"firmware",
    b"rev",
    b"revision",
    b"upgrade",
    b"update",
    b"updated",
    b"pve",
    b"mattermost",
];

const PHONE_WORDS: &[&[u8]] = &[
    b"tel",
    b"phone",
    b"telephone",
    b"mobile",
    b"cell",
    b"call",
    b"fax",
    b"whatsapp",
    b"telefon",
    b"telefoon",
    b"mobil",
    b"bel",
    b"sms",
    b"ring",
    b"contact",
    b"number",
];

/// Short function words of the languages the products' users write in.
const FUNCTION_WORDS: &[&[u8]] = &[
    // en
    b"the", b"a", b"an", b"of", b"to", b"in", b"is", b"are", b"was", b"for", b"and", b"or", b"not",
    b"with", b"on", b"at", b"from", b"by", b"this", b"that", b"be", b"please", b"before", b"after",
    b"we", b"you", b"our", b"your", b"it", b"has", b"have", b"will", b"can", b"do", b"if", b"my",
    b"his", b"her", b"who", // de
    b"der", b"die", b"das", b"und", b"ist", b"nicht", b"mit", b"bitte", b"vor", b"den", b"ein",
    b"eine", b"im", b"auf", b"zu", b"sich", b"wer", b"wird", // nl
    b"de", b"het", b"een", b"van", b"en", b"niet", b"voor", b"op", b"bij", b"te", b"zijn", b"wie",
    b"hier", b"met", b"is", // fr, es, it, pt
    b"le", b"la", b"les", b"et", b"est", b"pas", b"des", b"pour", b"el", b"los", b"las", b"y",
    b"es", b"para", b"con", b"no", b"por", b"il", b"di", b"per", b"che", b"non", b"da", b"em",
    b"um", b"uma", b"se", // pl, cs
    b"nie", b"w", b"na", b"do", b"i", b"jest", b"z", b"je",
];

/// Every word with its flags, sorted by key.
static LEXICON: LazyLock<Vec<(u128, u8)>> = LazyLock::new(|| {
    let mut all: Vec<(u128, u8)> = Vec::new();
    let lists: [(&[&[u8]], u8); 7] = [
        (IP_WORDS, IP),
        (VERSION_WORDS, VERSION),
        (PHONE_WORDS, PHONE),
        (&[b"bearer"], BEARER),
        (&[b"basic"], BASIC),
        (&[b"authorization"], AUTHORIZATION),
        (FUNCTION_WORDS, FUNCTION),
    ];
    for (words, flag) in lists {
        for w in words {
            let key = key(w).expect("lexicon words are short");
            match all.iter_mut().find(|(k, _)| *k == key) {
                Some((_, f)) => *f |= flag,
                None => all.push((key, flag)),
            }
        }
    }
    all.sort_unstable();
    all
});

/// A token of at most [`MAX_LEN`] bytes, lower-cased and packed with its length.
fn key(t: &[u8]) -> Option<u128> {
    if t.is_empty() || t.len() > MAX_LEN {
        return None;
    }
    let mut k = t.len() as u128;
    for (i, b) in t.iter().enumerate() {
        k |= (b.to_ascii_lowercase() as u128) << (8 * (i + 1));
    }
    Some(k)
}

/// The flags of a token (any case); 0 for a word the lexicon does not hold.
pub(crate) fn flags(t: &[u8]) -> u8 {
    let Some(k) = key(t) else { return 0 };
    let lexicon = &*LEXICON;
    lexicon
        .binary_search_by_key(&k, |&(k, _)| k)
        .map_or(0, |i| lexicon[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_in_any_case_and_only_whole() {
        assert_eq!(flags(b"inet") & IP, IP);
        assert_eq!(flags(b"Version") & VERSION, VERSION);
        assert_eq!(flags(b"TEL") & PHONE, PHONE);
        assert_eq!(flags(b"bearer"), BEARER);
        assert_eq!(flags(b"Authorization"), AUTHORIZATION);
        // `to` is an address word and a function word alike.
        assert_eq!(flags(b"to"), IP | FUNCTION);
        for t in [
            &b"inets"[..],
            b"in",
            b"versio",
            b"",
            b"a-very-long-token-indeed",
            b"t\0",
        ] {
            assert_eq!(flags(t) & (IP | VERSION), 0, "{t:?}");
        }
        // The length is part of the key: a NUL byte does not pad a shorter word.
        assert_eq!(flags(b"ip\0"), 0);
    }

    #[test]
    fn every_listed_word_is_found() {
        for (words, flag) in [
            (IP_WORDS, IP),
            (VERSION_WORDS, VERSION),
            (PHONE_WORDS, PHONE),
            (FUNCTION_WORDS, FUNCTION),
        ] {
            for w in words {
                assert_eq!(flags(w) & flag, flag, "{}", String::from_utf8_lossy(w));
                assert_eq!(flags(&w.to_ascii_uppercase()) & flag, flag);
            }
        }
    }
}
