//! E-mail addresses, and what else a token with an `@` holds (an address bound to an
//! interface, a user at an IP).

use super::{eq_lower, host, net};
use crate::{Category, Confidence, Match};

/// `local@domain`: an e-mail address, or a user at a host.
pub(crate) fn at_sign(b: &[u8], start: usize, end: usize, out: &mut Vec<Match>) -> bool {
    let mut s = start;
    if b[s..end].len() > 7 && eq_lower(&b[s..s + 7], b"mailto:") {
        s += 7;
    }
    let t = &b[s..end];
    let at = t.iter().rposition(|&c| c == b'@').unwrap_or(0);
    // Go's MySQL DSN, `user:password@tcp(db01:3306)/name` (`tcp6`, `unix`, `udp` alike):
    // the password may hold `@` itself, so the last one ends it.
    if matches!(&t[at + 1..], b"tcp" | b"tcp6" | b"unix" | b"udp")
        && b.get(end) == Some(&b'(')
        && let Some(colon) = t[..at].iter().position(|&c| c == b':')
        && super::secret::plausible_secret_value(&t[colon + 1..at])
    {
        out.push(Match::new(
            Category::Credential,
            s + colon + 1..s + at,
            Confidence::High,
            "dsn-password",
        ));
        return true;
    }
    let (local, domain) = (&t[..at], &t[at + 1..]);
    let dstart = s + at + 1;
    // Whatever an `@` token turns out to be, it is certain.
    let mut found = |category, span, kind| {
        out.push(Match::new(category, span, Confidence::High, kind));
        true
    };
    if domain.iter().filter(|&&c| c == b':').count() >= 2 && net::ipv6(domain).is_some() {
        return found(Category::IpAddress, dstart..dstart + domain.len(), "ipv6");
    }
    // `192.168.2.1@eth0`: an address bound to an interface.
    if local.first().is_some_and(u8::is_ascii_digit) && net::ipv4(local, true, false).is_some() {
        return found(Category::IpAddress, s..s + at, "ipv4");
    }
    let domain_end = domain
        .iter()
        .position(|&c| matches!(c, b':' | b'/' | b'?' | b'#'))
        .unwrap_or(domain.len());
    let domain = &domain[..domain_end];
    if domain.is_empty() {
        return false;
    }
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local[0] != b'.'
        && local[local.len() - 1] != b'.'
        && local
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b".!#$%&*+/?^_{}~-".contains(&c) || c >= 0x80);
    // A file-like or upper-case domain lowers a bare host name, not an address.
    if local_ok && host::confidence(domain).is_some() {
        return found(Category::Email, s..dstart + domain.len(), "email");
    }
    if domain[0].is_ascii_digit()
        && let Some(_c) = net::ipv4(domain, true, false)
    {
        return found(Category::IpAddress, dstart..dstart + domain.len(), "ipv4");
    }
    false
}
