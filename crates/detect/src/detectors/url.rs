//! URLs with a scheme; the user-info password inside one is also a credential.

use crate::Confidence;

/// Schemes seen in configuration and logs; any other well-formed scheme still counts.
const COMMON_SCHEMES: &[&[u8]] = &[
    b"http",
    b"https",
    b"ftp",
    b"ftps",
    b"sftp",
    b"ssh",
    b"git",
    b"ws",
    b"wss",
    b"ldap",
    b"ldaps",
    b"smtp",
    b"smtps",
    b"imap",
    b"imaps",
    b"s3",
    b"postgres",
    b"postgresql",
    b"mysql",
    b"redis",
    b"rediss",
    b"mongodb",
    b"mongodb+srv",
    b"amqp",
    b"amqps",
    b"file",
    b"smb",
    b"nfs",
    b"rtsp",
    b"mqtt",
    b"jdbc",
    b"tcp",
    b"udp",
    b"unix",
    b"docker",
    b"oci",
    b"sip",
    b"xmpp",
];

/// Hosts and path prefixes of webhook URLs whose path is the secret.
const WEBHOOKS: &[(&[u8], &[u8])] = &[
    (b"hooks.slack.com", b"/services/"),
    (b"hooks.slack.com", b"/workflows/"),
    (b"hooks.slack.com", b"/triggers/"),
    (b"discord.com", b"/api/webhooks/"),
    (b"discordapp.com", b"/api/webhooks/"),
    (b"outlook.office.com", b"/webhook/"),
    (b"hooks.zapier.com", b"/hooks/"),
];

/// Bytes that end a URL.
pub(crate) fn stops_url(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\'' | b'<' | b'>' | b'`' | b'|' | b'{' | b'}' | b'\\' | b'^'
        )
}

/// A URL found around a `://`.
pub(crate) struct Found {
    /// Span of the whole URL.
    pub start: usize,
    /// End of the URL.
    pub end: usize,
    /// Confidence.
    pub confidence: Confidence,
    /// Span of the password in its user-info, if any.
    pub password: Option<(usize, usize)>,
    /// Span of the secret in a secret-named query parameter, if any.
    pub query_secret: Option<(usize, usize)>,
    /// Span of the host, without user-info or port (brackets kept for IPv6).
    pub host: (usize, usize),
}

/// Looks for a URL whose `://` sits at `sep` in `text`, scanning back from it for the scheme
/// (no further than `floor`) and forward to the first byte that ends a URL.
pub(crate) fn at(text: &[u8], floor: usize, sep: usize) -> Option<Found> {
    let mut start = sep;
    while start > floor
        && (text[start - 1].is_ascii_alphanumeric()
            || matches!(text[start - 1], b'+' | b'.' | b'-'))
    {
        start -= 1;
    }
    let scheme = &text[start..sep];
    if scheme.is_empty() || !scheme[0].is_ascii_alphabetic() || scheme.len() > 20 {
        return None;
    }
    let mut end = sep + 3;
    while end < text.len() && !stops_url(text[end]) {
        end += 1;
    }
    while end > sep + 3
        && matches!(
            text[end - 1],
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']'
        )
    {
        // Keep a closing bracket that belongs to an IPv6 host.
        if text[end - 1] == b']' && text[sep + 3..end].contains(&b'[') {
            break;
        }
        end -= 1;
    }
    let rest = &text[sep + 3..end];
    let authority_len = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let (userinfo, host) = match authority.iter().rposition(|&b| b == b'@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host_only = match host.first() {
        Some(b'[') => match host.iter().position(|&b| b == b']') {
            Some(i) => &host[..=i],
            None => host,
        },
        _ => match host.iter().rposition(|&b| b == b':') {
            Some(i) if host[i + 1..].iter().all(u8::is_ascii_digit) => &host[..i],
            _ => host,
        },
    };
    let file_scheme = super::eq_lower(scheme, b"file") || super::eq_lower(scheme, b"unix");
    if host_only.is_empty() && !file_scheme {
        return None;
    }
    if !host_only
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b".-_[]:%".contains(&b) || b >= 0x80)
    {
        return None;
    }
    let known = COMMON_SCHEMES.iter().any(|s| super::eq_lower(scheme, s));
    let dotted = host_only.contains(&b'.')
        || host_only.starts_with(b"[")
        || super::eq_lower(host_only, b"localhost");
    let confidence = if known || dotted {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let password = userinfo.and_then(|u| {
        let colon = u.iter().position(|&b| b == b':')?;
        let pw = &u[colon + 1..];
        let base = sep + 3 + colon + 1;
        (!pw.is_empty()).then_some((base, base + pw.len()))
    });
    let mut query_secret = query_secret(text, sep + 3 + authority_len, end);
    // Webhook URLs carry their secret in the path: the whole URL is the credential.
    let path = &text[sep + 3 + authority_len..end];
    let webhook = WEBHOOKS.iter().any(|(h, p)| {
        super::eq_lower(host_only, h) && path.starts_with(p) && path.len() > p.len() + 16
    });
    if webhook && query_secret.is_none() {
        query_secret = Some((start, end));
    }
    let host_start = sep + 3 + (authority.len() - host.len());
    let host = (host_start, host_start + host_only.len());
    Some(Found {
        start,
        end,
        confidence,
        password,
        query_secret,
        host,
    })
}

fn query_secret(text: &[u8], from: usize, end: usize) -> Option<(usize, usize)> {
    let q = text[from..end].iter().position(|&b| b == b'?')? + from + 1;
    let mut i = q;
    while i < end {
        let pair_end = text[i..end]
            .iter()
            .position(|&b| b == b'&' || b == b'#')
            .map_or(end, |p| p + i);
        let pair = &text[i..pair_end];
        if let Some(eq) = pair.iter().position(|&b| b == b'=') {
            let value = &pair[eq + 1..];
            if super::secret::is_secret_key(&pair[..eq])
                && super::secret::plausible_secret_value(value)
            {
                return Some((i + eq + 1, pair_end));
            }
        }
        i = pair_end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Option<Found> {
        let sep = s.find("://")?;
        at(s.as_bytes(), 0, sep)
    }

    #[test]
    fn urls_with_their_secrets() {
        let f = url("https://admin:s3cr3t@cloud.example.org/index.php").unwrap();
        assert_eq!((f.start, f.end), (0, 48));
        assert_eq!(f.password, Some((14, 20)));
        let f = url("https://h.example.com/cb?code=abc&access_token=Zx81kLq0pQ").unwrap();
        assert_eq!(
            f.query_secret
                .map(|(s, e)| &"https://h.example.com/cb?code=abc&access_token=Zx81kLq0pQ"[s..e]),
            Some("Zx81kLq0pQ")
        );
        let f = url("see http://[2001:db8::1]:8080/x.").unwrap();
        assert_eq!(
            &"see http://[2001:db8::1]:8080/x."[f.host.0..f.host.1],
            "[2001:db8::1]"
        );
        assert_eq!(f.end, 31, "trailing dot is punctuation");
        assert!(
            url("postgres://db.internal:5432/app")
                .is_some_and(|f| f.confidence == Confidence::High)
        );
    }

    #[test]
    fn not_urls() {
        for s in [
            "://nothing",
            "1http://x.example.com",
            "http://",
            "http:// spaced",
        ] {
            assert!(url(s).is_none(), "{s}");
        }
    }
}
