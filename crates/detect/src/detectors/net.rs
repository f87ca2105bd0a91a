//! IP and MAC addresses, parsed by the standard library or checked octet by octet.

use crate::Confidence;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

fn ascii(b: &[u8]) -> &str {
    // Callers pass ASCII slices cut at ASCII boundaries.
    std::str::from_utf8(b).unwrap_or("")
}

/// An IPv4 address with optional `:port` or `/prefix`. `context` says whether the words
/// before it name an address; `version_context` whether they name a version.
pub(crate) fn ipv4(t: &[u8], context: bool, version_context: bool) -> Option<Confidence> {
    let (addr, suffix) = match t.iter().position(|&b| b == b':' || b == b'/') {
        Some(i) => (&t[..i], Some((t[i], &t[i + 1..]))),
        None => (t, None),
    };
    if addr.iter().filter(|&&b| b == b'.').count() != 3 {
        return None;
    }
    let ip = Ipv4Addr::from_str(ascii(addr)).ok()?;
    let mut qualified = false;
    if let Some((sep, rest)) = suffix {
        let n: u32 = ascii(rest).parse().ok()?;
        let ok = match sep {
            b':' => (1..=65535).contains(&n),
            _ => n <= 32,
        };
        let bad = !ok || rest.is_empty() || rest[0] == b'0' && rest.len() > 1;
        if bad && sep == b':' {
            return None;
        }
        // `10.0.0.0/123`: a bad prefix length leaves the address itself standing.
        qualified = !bad;
    }
    if qualified || context {
        return Some(Confidence::High);
    }
    if version_context {
        return Some(Confidence::Low);
    }
    let o = ip.octets();
    let special = ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0], o[1], o[2]) == (192, 0, 2)
        || (o[0], o[1], o[2]) == (198, 51, 100)
        || (o[0], o[1], o[2]) == (203, 0, 113);
    Some(if special {
        Confidence::Medium
    } else {
        Confidence::Low
    })
}

/// An IPv6 address in any textual form, with optional `%zone` and `/prefix`.
pub(crate) fn ipv6(t: &[u8]) -> Option<Confidence> {
    let mut addr = t;
    if let Some(i) = addr.iter().position(|&b| b == b'/') {
        // Only the digits after `/` are a prefix; a bad length leaves the address standing.
        if !addr[i + 1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        addr = &addr[..i];
    }
    if let Some(i) = addr.iter().position(|&b| b == b'%') {
        let zone = &addr[i + 1..];
        if zone.is_empty()
            || !zone
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_' || *b == b'-')
        {
            return None;
        }
        addr = &addr[..i];
    }
    let ip = Ipv6Addr::from_str(ascii(addr)).ok()?;
    if ip.is_unspecified() {
        return Some(Confidence::Low);
    }
    let groups = addr.split(|&b| b == b':').filter(|g| !g.is_empty()).count();
    let long_group = addr.split(|&b| b == b':').any(|g| g.len() >= 3);
    Some(if groups >= 3 || long_group {
        Confidence::High
    } else {
        Confidence::Medium
    })
}

/// A MAC address: `00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E` or `001a.2b3c.4d5e`.
pub(crate) fn mac(t: &[u8]) -> Option<Confidence> {
    match t.len() {
        17 => {
            let sep = t[2];
            if sep != b':' && sep != b'-' {
                return None;
            }
            for (i, &b) in t.iter().enumerate() {
                let ok = if i % 3 == 2 {
                    b == sep
                } else {
                    b.is_ascii_hexdigit()
                };
                if !ok {
                    return None;
                }
            }
            Some(Confidence::High)
        }
        14 => {
            for (i, &b) in t.iter().enumerate() {
                let ok = if i == 4 || i == 9 {
                    b == b'.'
                } else {
                    b.is_ascii_hexdigit()
                };
                if !ok {
                    return None;
                }
            }
            // Dotted-hex groups must hold letters or mixed digits to tell them from numbers.
            if t.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
                return None;
            }
            Some(Confidence::High)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_versions_are_low_without_context() {
        assert_eq!(ipv4(b"32.0.4.1", false, false), Some(Confidence::Low));
        assert_eq!(ipv4(b"8.6.82.110", false, true), Some(Confidence::Low));
        assert_eq!(
            ipv4(b"192.168.1.20", false, false),
            Some(Confidence::Medium)
        );
        assert_eq!(
            ipv4(b"203.0.113.9:8443", false, false),
            Some(Confidence::High)
        );
        assert_eq!(ipv4(b"10.0.0.0/8", false, false), Some(Confidence::High));
        assert_eq!(ipv4(b"1.2.3", false, false), None);
        assert_eq!(ipv4(b"300.1.1.1", true, false), None);
        assert_eq!(ipv4(b"10.0.0.1:99999", false, false), None);
    }

    #[test]
    fn ipv6_forms() {
        for s in [
            "2001:db8::1",
            "fe80::1%eth0",
            "2001:db8::/32",
            "::ffff:192.0.2.1",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
        ] {
            assert_eq!(ipv6(s.as_bytes()), Some(Confidence::High), "{s}");
        }
        assert_eq!(ipv6(b"::"), Some(Confidence::Low));
        for s in ["03:14:07", "std::vector", "16:9", "a:b:c"] {
            assert_eq!(ipv6(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn mac_forms() {
        for s in [
            "00:1a:2b:3c:4d:5e",
            "00-1A-2B-3C-4D-5E",
            "001a.2b3c.4d5e",
            "12-34-56-78-90-12",
        ] {
            assert_eq!(mac(s.as_bytes()), Some(Confidence::High), "{s}");
        }
        for s in [
            "00:1a:2b:3c:4d",
            "00:1a-2b:3c:4d:5e",
            "2024.0115.1200",
            "zz:1a:2b:3c:4d:5e",
        ] {
            assert_eq!(mac(s.as_bytes()), None, "{s}");
        }
    }
}
