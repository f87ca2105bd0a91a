//! Redacted evidence: enough shape for a reviewer to recognise the kind of leak, never enough
//! to recover the value.

use crate::Category;
use privaudit_detect::Category as Detected;

/// Redacts `text` found as `category`.
pub(crate) fn redact(category: Category, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let first = |n: usize| chars.iter().take(n).collect::<String>();
    match category {
        Category::Detected(Detected::Email) => match text.rsplit_once('@') {
            Some((local, domain)) => {
                let tld = domain.rsplit('.').next().unwrap_or("");
                format!("{}***@***.{tld}", local.chars().next().unwrap_or('*'))
            }
            None => "***".into(),
        },
        Category::Detected(Detected::IpAddress) => {
            if text.contains(':') && text.matches(':').count() >= 2 {
                format!("{}:***", text.split(':').next().unwrap_or(""))
            } else {
                format!("{}.***.***.***", text.split('.').next().unwrap_or(""))
            }
        }
        Category::Detected(Detected::Hostname) => {
            let tld = text.trim_end_matches('.').rsplit('.').next().unwrap_or("");
            format!("***.{tld}")
        }
        Category::Detected(Detected::Url) => match text.find("://") {
            Some(i) => format!("{}://***", &text[..i]),
            None => "***".into(),
        },
        Category::Detected(Detected::MacAddress) => {
            let sep = if text.contains('-') { '-' } else { ':' };
            if text.contains('.') {
                format!("{}.****.****", first(4))
            } else {
                format!("{}{sep}**{sep}**{sep}**", first(8))
            }
        }
        Category::Detected(Detected::FilePath) => {
            let root = if text.starts_with("\\\\") {
                "\\\\"
            } else if text.starts_with('~') {
                "~/"
            } else if text.len() > 2 && text.as_bytes()[1] == b':' {
                &text[..3]
            } else {
                "/"
            };
            format!("{root}***")
        }
        Category::Detected(Detected::Credential) => {
            // Vendor prefixes (`ghp_`, `AKIA`) say what leaked without weakening the secret.
            if chars.len() >= 24 {
                format!("{}***", first(4))
            } else {
                "***".into()
            }
        }
        Category::Detected(Detected::PhoneNumber) | Category::Detected(Detected::PaymentCard) => {
            let digits: Vec<char> = chars.iter().copied().filter(char::is_ascii_digit).collect();
            let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
            format!("***{tail}")
        }
        Category::Detected(Detected::Iban) => format!("{}** ***", first(2)),
        Category::Detected(Detected::FreeText) => {
            let words = text.split_whitespace().count();
            format!(
                "{}… ({words} words)",
                text.split_whitespace()
                    .next()
                    .map(|w| w.chars().take(12).collect::<String>())
                    .unwrap_or_default()
            )
        }
        _ => describe(text),
    }
}

/// The whole value with the offending span marked: `⟦…⟧` around the redacted match, and the
/// text around it reduced to its shape (letters `x`, digits `9`, the rest kept), at most
/// `CONTEXT` characters each side. With `raw`, the surrounding text is shown as it is.
/// Empty when the match is the whole value, where marking adds nothing.
pub(crate) fn mark(text: &str, span: &std::ops::Range<usize>, shown: &str, raw: bool) -> String {
    const CONTEXT: usize = 24;
    if span.start == 0 && span.end >= text.len() {
        return String::new();
    }
    let (Some(before), Some(after)) = (text.get(..span.start), text.get(span.end..)) else {
        return String::new();
    };
    let shape = |c: char| match c {
        _ if raw => c,
        c if c.is_alphabetic() => 'x',
        c if c.is_numeric() => '9',
        c if c.is_whitespace() => ' ',
        c if c.is_control() => '?',
        c => c,
    };
    let n = before.chars().count();
    let mut out = String::new();
    if n > CONTEXT {
        out.push('…');
    }
    out.extend(before.chars().skip(n.saturating_sub(CONTEXT)).map(shape));
    out.push('⟦');
    out.push_str(shown);
    out.push('⟧');
    out.extend(after.chars().take(CONTEXT).map(shape));
    if after.chars().nth(CONTEXT).is_some() {
        out.push('…');
    }
    out
}

/// A value's shape without its content.
pub(crate) fn describe(text: &str) -> String {
    format!("<{} characters>", text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::{mark, redact};
    use crate::Category;

    #[test]
    fn marked_values_show_where_the_match_sits() {
        let text = "ask jan@example.de or Piet";
        let span = 4..18;
        assert_eq!(
            mark(text, &span, "j***@***.de", false),
            "xxx ⟦j***@***.de⟧ xx xxxx"
        );
        assert_eq!(
            mark(text, &span, &text[span.clone()], true),
            "ask ⟦jan@example.de⟧ or Piet"
        );
        assert_eq!(mark("jan@example.de", &(0..14), "j***@***.de", false), "");
        let long = format!("{}/home/alice{}", "a".repeat(40), "b 7".repeat(20));
        let m = mark(&long, &(40..51), "/***", false);
        assert_eq!(m, format!("…{}⟦/***⟧{}…", "x".repeat(24), "x 9".repeat(8)));
    }

    #[test]
    fn redacted_forms_hide_the_value() {
        let cases = [
            ("email", "jan.devries@example.de", "j***@***.de"),
            ("ip_address", "192.168.1.20", "192.***.***.***"),
            ("ip_address", "2001:db8::1", "2001:***"),
            ("hostname", "cloud.example.org", "***.org"),
            ("url", "https://cloud.example.org/x", "https://***"),
            ("mac_address", "00:1a:2b:3c:4d:5e", "00:1a:2b:**:**:**"),
            ("file_path", "/etc/pve/lxc/105.conf", "/***"),
            ("file_path", "C:\\Users\\bob", "C:\\***"),
            (
                "credential",
                "ghp_R8kD2mQ9vL4xT7pZ1cW6nB3hJ5sF0gY2aEuK",
                "ghp_***",
            ),
            ("credential", "hunter2", "***"),
            ("payment_card", "4111 1111 1111 1111", "***11"),
            ("iban", "DE89370400440532013000", "DE** ***"),
            (
                "free_text",
                "Please call me back tomorrow morning",
                "Please… (6 words)",
            ),
            ("undeclared_field", "secret", "<6 characters>"),
        ];
        for (category, raw, want) in cases {
            let category = Category::parse(category).unwrap();
            assert_eq!(redact(category, raw), want, "{category}");
        }
    }
}
