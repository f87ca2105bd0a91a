//! File system paths: absolute Unix, home-relative, Windows drive and UNC.

use crate::Confidence;

/// First directories of a Unix system; a path under one of them is a path beyond doubt.
const ROOTS: &[&[u8]] = &[
    b"etc", b"var", b"home", b"root", b"opt", b"usr", b"tmp", b"srv", b"mnt", b"media", b"proc",
    b"sys", b"dev", b"boot", b"run", b"lib", b"lib64", b"bin", b"sbin", b"data", b"Users",
    b"Volumes", b"Library", b"private", b"nix", b"snap", b"storage", b"backup",
];

/// Judges a token as a path.
pub(crate) fn confidence(t: &[u8]) -> Option<Confidence> {
    match t {
        [b'~', b'/', rest @ ..] if !rest.is_empty() => Some(Confidence::High),
        [b'\\', b'\\', rest @ ..] => {
            let parts = rest
                .split(|&b| b == b'\\')
                .filter(|p| !p.is_empty())
                .count();
            (parts >= 2 && rest[0].is_ascii_alphanumeric()).then_some(Confidence::High)
        }
        [d, b':', b'\\' | b'/', rest @ ..] if d.is_ascii_alphabetic() => {
            (!rest.is_empty() && rest[0] != b'/').then_some(Confidence::High)
        }
        [b'/', rest @ ..] if !rest.is_empty() && rest[0] != b'/' => {
            let mut segments = rest.split(|&b| b == b'/').filter(|s| !s.is_empty());
            let first = segments.next()?;
            if first.iter().all(u8::is_ascii_digit) {
                // `/24` after an address, `/2` in a ratio.
                return None;
            }
            let more = segments.count();
            if ROOTS.contains(&first) {
                Some(Confidence::High)
            } else if more >= 1 && first.iter().any(u8::is_ascii_alphabetic) {
                Some(Confidence::Medium)
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for s in [
            "/etc/pve/lxc/105.conf",
            "~/backups/db.sql",
            r"C:\Users\Bob\file.txt",
            r"\\fileserver\share\x",
            "/root/.ssh/id_rsa",
            "/srv",
        ] {
            assert_eq!(confidence(s.as_bytes()), Some(Confidence::High), "{s}");
        }
        assert_eq!(confidence(b"/opt2/stuff/x"), Some(Confidence::Medium));
        for s in [
            "Europe/Amsterdam",
            "community-scripts/ProxmoxVE",
            "/24",
            "/",
            "//comment",
            "n/a",
            "/x",
        ] {
            assert_eq!(confidence(s.as_bytes()), None, "{s}");
        }
    }
}
