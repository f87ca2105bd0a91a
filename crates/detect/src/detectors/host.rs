//! Host names: labels, then a public suffix from the `psl` crate or a private suffix.

use crate::{Category, Confidence, Match};

/// Suffixes used on private networks, which the public list does not hold.
const PRIVATE_SUFFIXES: &[&[u8]] = &[
    b"lan",
    b"local",
    b"internal",
    b"home.arpa",
    b"localdomain",
    b"intranet",
    b"corp",
    b"home",
    b"private",
    b"localhost",
];

/// Top-level domains that are also common file extensions: `README.md`, `setup.py`,
/// `install.sh`, `main.rs`. With two labels such a name is most likely a file name.
const FILE_EXTENSION_TLDS: &[&[u8]] = &[
    b"md", b"py", b"sh", b"rs", b"pl", b"pm", b"zip", b"mov", b"mo", b"so", b"ps", b"cc", b"app",
    b"network", b"sc", b"rar", b"bz", b"gz", b"target", b"service", b"socket", b"mount", b"timer",
    b"slice", b"scope", b"swap", b"device",
];

/// Top-level domains that are also the last word of common setting names, and the first
/// words of those names: `user.email`, `user.name`, `smtp.host` are keys (git, mail and
/// application settings), not host names.
const SETTING_TLDS: &[&[u8]] = &[b"email", b"name", b"host", b"login", b"mobile", b"phone"];
const SETTING_HEADS: &[&[u8]] = &[
    b"user",
    b"author",
    b"committer",
    b"sender",
    b"admin",
    b"smtp",
    b"mail",
    b"db",
    b"ldap",
    b"proxy",
    b"server",
    b"owner",
    b"contact",
    b"account",
];

/// First labels that mark a reverse-DNS identifier (`org.nextcloud.introvox`) rather than a
/// host name.
const REVERSE_DNS_HEADS: &[&[u8]] = &[
    b"com", b"org", b"net", b"io", b"de", b"nl", b"eu", b"uk", b"fr", b"ch", b"at", b"be",
];

/// Judges a candidate host name. Returns `None` when it is not a host name at all. A name
/// in another script (`nc.söderhamn-kommun.se`, `почта-сервер.рф`) is judged by its ASCII
/// form (UTS #46, the `idna` crate), as resolvers and the public suffix list see it.
pub(crate) fn confidence(host: &[u8]) -> Option<Confidence> {
    if !host.is_ascii() {
        return unicode(host);
    }
    if host.len() < 4 || host.len() > 253 {
        return None;
    }
    let mut lower = [0u8; 253];
    let mut labels = 0;
    let mut label_len = 0;
    let mut upper = false;
    let mut last_start = 0;
    for (i, &b) in host.iter().enumerate() {
        match b {
            b'.' => {
                if label_len == 0 || host[i - 1] == b'-' {
                    return None;
                }
                labels += 1;
                label_len = 0;
                last_start = i + 1;
            }
            b'a'..=b'z' | b'0'..=b'9' => label_len += 1,
            b'A'..=b'Z' => {
                upper = true;
                label_len += 1;
            }
            b'-' => {
                if label_len == 0 {
                    return None;
                }
                label_len += 1;
            }
            _ => return None,
        }
        if label_len > 63 {
            return None;
        }
        lower[i] = b.to_ascii_lowercase();
    }
    if label_len == 0 || host[host.len() - 1] == b'-' {
        return None;
    }
    let labels = labels + 1;
    if labels < 2 {
        return None;
    }
    let lower = &lower[..host.len()];
    let tld = &lower[last_start..];
    if !(tld.iter().all(u8::is_ascii_alphabetic) || tld.starts_with(b"xn--")) {
        return None;
    }
    let private = PRIVATE_SUFFIXES.iter().any(|s| {
        lower.len() > s.len() + 1 && lower.ends_with(s) && lower[lower.len() - s.len() - 1] == b'.'
    });
    if !private {
        let suffix = psl::suffix(lower)?;
        // A whole name that is a private suffix (ts.net, github.io) is still a domain
        // registered under an ICANN one; a whole ICANN suffix (co.uk) is not a host.
        let whole = suffix.as_bytes().len() >= lower.len();
        if !suffix.is_known() || (whole && suffix.typ() != Some(psl::Type::Private)) {
            return None;
        }
    }
    // `10.5.0.dev`: a version whose last part happens to be a top-level domain.
    let numbered = lower[..last_start - 1]
        .iter()
        .all(|&b| b.is_ascii_digit() || b == b'.');
    if numbered {
        return None;
    }
    let first = lower.split(|&b| b == b'.').next().unwrap_or_default();
    let file_like = labels == 2
        && (FILE_EXTENSION_TLDS.contains(&tld)
            || (SETTING_TLDS.contains(&tld) && SETTING_HEADS.contains(&first)));
    let reverse_dns = labels >= 3 && REVERSE_DNS_HEADS.contains(&first);
    if upper || file_like || reverse_dns {
        return Some(Confidence::Low);
    }
    Some(if labels == 2 && !private {
        Confidence::Medium
    } else {
        Confidence::High
    })
}

fn unicode(host: &[u8]) -> Option<Confidence> {
    // Only ASCII dots separate labels here: UTS #46 also reads ideographic full stops as
    // dots, which would make a sentence in Chinese or Japanese a host name.
    let dots = host.iter().filter(|&&b| b == b'.').count();
    if dots == 0 || host.len() > 253 * 4 {
        return None;
    }
    // Into a buffer on the stack: clean strings are scanned without allocating.
    let mut ascii = Ascii([0; 253], 0);
    let converted = idna::uts46::Uts46::new().process(
        host,
        idna::uts46::AsciiDenyList::STD3,
        idna::uts46::Hyphens::Allow,
        idna::uts46::ErrorPolicy::FailFast,
        |_, _, _| false,
        &mut ascii,
        None,
    );
    let ascii = match converted {
        Ok(idna::uts46::ProcessingSuccess::WroteToSink) => &ascii.0[..ascii.1],
        _ => return None,
    };
    if ascii.iter().filter(|&&b| b == b'.').count() != dots
        || memchr::memmem::find(ascii, b"xn--").is_none()
    {
        return None;
    }
    confidence(ascii)
}

/// At most one DNS name of ASCII.
struct Ascii([u8; 253], usize);

impl std::fmt::Write for Ascii {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.1 + s.len();
        self.0
            .get_mut(self.1..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.1 = end;
        Ok(())
    }
}

/// A host name, `host:port`, or `host/path` (a URL without its scheme).
pub(crate) fn host_like(b: &[u8], start: usize, end: usize, out: &mut Vec<Match>) -> bool {
    let t = &b[start..end];
    let slash = t.iter().position(|&c| c == b'/');
    let mut host_end = slash.unwrap_or(t.len());
    let mut scp = false;
    if let Some(colon) = t.iter().position(|&c| c == b':') {
        // `host:8080`, or scp's `host:path`.
        scp = !t[colon + 1..]
            .iter()
            .take_while(|c| **c != b'/')
            .all(u8::is_ascii_digit);
        host_end = host_end.min(colon);
    }
    let Some(c) = confidence(&t[..host_end]) else {
        return false;
    };
    if !scp && slash.is_some_and(|s| s + 1 < t.len()) && c > Confidence::Low {
        out.push(Match::new(
            Category::Url,
            start..end,
            Confidence::Medium,
            "schemeless-url",
        ));
    } else {
        out.push(Match::new(
            Category::Hostname,
            start..start + host_end,
            c,
            "hostname",
        ));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private_suffixes() {
        assert_eq!(confidence(b"cloud.example.com"), Some(Confidence::High));
        assert_eq!(confidence(b"mail.example.co.uk"), Some(Confidence::High));
        assert_eq!(confidence(b"example.nl"), Some(Confidence::Medium));
        assert_eq!(confidence(b"pve.lan"), Some(Confidence::High));
        assert_eq!(confidence(b"router.home.arpa"), Some(Confidence::High));
        assert_eq!(confidence(b"xn--80ak6aa92e.com"), Some(Confidence::Medium));
        // A private suffix is a registered domain in its own right; an ICANN one is not.
        assert_eq!(confidence(b"ts.net"), Some(Confidence::Medium));
        assert_eq!(confidence(b"github.io"), Some(Confidence::Medium));
        assert_eq!(confidence(b"co.uk"), None);
    }

    #[test]
    fn look_alikes() {
        for s in [
            "8.3.14",
            "Node.js",
            "config.php",
            "5.10.0-26-amd64",
            "e.g",
            "a.b",
            "foo.notatld",
            "org.nextcloud.introvox",
            "10.5.0.dev",
            "9.4.app",
        ] {
            assert!(confidence(s.as_bytes()).is_none(), "{s}");
        }
        // Setting names under word-like top-level domains stay below the default.
        for s in ["user.email", "user.name", "smtp.host"] {
            assert_eq!(confidence(s.as_bytes()), Some(Confidence::Low), "{s}");
        }
        assert_eq!(confidence(b"10-5.example.dev"), Some(Confidence::High));
        // Names in other scripts are judged by their ASCII form.
        for (name, want) in [
            ("nc.söderhamn-kommun.se", Confidence::High),
            ("chat.почта-сервер.рф", Confidence::High),
            ("münchen.de", Confidence::Medium),
            ("ñandú-consultores.es", Confidence::Medium),
        ] {
            assert_eq!(confidence(name.as_bytes()), Some(want), "{name}");
        }
        for name in ["Größe.Datei", "例子。测试", "dé.jà", "café.notatld"] {
            assert_eq!(confidence(name.as_bytes()), None, "{name}");
        }
        assert_eq!(confidence(b"jan.email"), Some(Confidence::Medium));
        for s in ["README.md", "setup.py", "com.example.app", "ASP.NET"] {
            assert_eq!(confidence(s.as_bytes()), Some(Confidence::Low), "{s}");
        }
    }
}
