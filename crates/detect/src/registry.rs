//! Every detector kind a [`Match`](crate::Match) can carry, with its category, the confidence
//! levels it is reported at, and a short description, for `privaudit explain <kind>` and for
//! the test that ties the list to `docs/detectors.md`.
//!
//! Every match is made by [`Match::new`](crate::Match::new), which checks in debug builds
//! that its kind is listed here under its category, so the tests keep the list complete.

use crate::Category;

/// One kind of match: what [`Match::kind`](crate::Match::kind) holds, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectorInfo {
    /// The kind name, as in [`Match::kind`](crate::Match::kind) (`ipv4`, `github-token`).
    pub kind: &'static str,
    /// The category every match of this kind has.
    pub category: Category,
    /// When the kind is reported at which [`Confidence`](crate::Confidence).
    pub confidence: &'static str,
    /// What the kind is and how it is confirmed, in one paragraph.
    pub doc: &'static str,
}

const fn d(
    kind: &'static str,
    category: Category,
    confidence: &'static str,
    doc: &'static str,
) -> DetectorInfo {
    DetectorInfo {
        kind,
        category,
        confidence,
        doc,
    }
}

/// The confidence rule shared by the vendor token formats of `detectors/secret.rs` (`FORMATS`).
const VENDOR: &str = "High; Low when the token ends in `EXAMPLE` (published sample keys). Not \
     reported at all when the part after the prefix has less than 2.8 bits per byte of entropy \
     (placeholders such as `ghp_xxxx…`).";

/// Every kind, grouped by category in the order of [`Category::ALL`]; credentials list the
/// structural and contextual kinds first, then the vendor formats.
pub const DETECTORS: &[DetectorInfo] = &[
    // Email
    d(
        "email",
        Category::Email,
        "High always.",
        "An e-mail address, `local@domain`; a `mailto:` prefix is accepted and left outside the \
         span. The domain (after the last `@`, up to any `:`, `/`, `?` or `#`) must pass the \
         host-name check at any confidence, and the local part must be 1 to 64 permitted \
         characters with no dot at either end, so `root@pam` and `pnpm@9.12.3` do not count.",
    ),
    // IpAddress
    d(
        "ipv4",
        Category::IpAddress,
        "High with a valid `:port` (1-65535, no leading zero) or `/prefix` (0-32), with an \
         address word in the two tokens before (`inet`, `from`, `host`, …) or an address key \
         (`addr:`), and always as a URL host or beside an `@`. Low after a version word. \
         Without context: Medium for private, loopback, link-local, CGNAT and documentation \
         ranges, Low for any other dotted quad. The first four parts of a five-part number: \
         High with address context, Low otherwise.",
        "An IPv4 address: exactly four dotted parts parsed by `std::net::Ipv4Addr`, with an \
         optional port or prefix length inside the span. A bare dotted quad is as often a \
         version number, so without context it is reported at Low and the policy decides from \
         the field. An invalid port cancels the match; an out-of-range prefix length only \
         withholds the extra confidence.",
    ),
    d(
        "ipv6",
        Category::IpAddress,
        "Low for the unspecified address `::`. High with three or more written groups or any \
         group of three or more hex digits (`2001:db8::1`, `fe80::1%eth0`), and always inside \
         URL brackets or after an `@`. Medium for other short forms (`::1`, `1::2`).",
        "An IPv6 address in any textual form (compressed, full, IPv4-mapped), parsed by \
         `std::net::Ipv6Addr`, with an optional `%zone` and `/prefix` inside the span. A \
         candidate needs at least two colons and only letters, digits and `:.%/_-`, which keeps \
         clock times, ratios and `std::vector` out.",
    ),
    // Hostname
    d(
        "hostname",
        Category::Hostname,
        "Low when the name has upper-case letters, is two labels whose top-level domain is also \
         a file extension (`README.md`), or is three or more labels led by a reverse-DNS head \
         (`com.example.app`). Otherwise High with three or more labels or on a private suffix \
         (`pve.lan`), Medium for two labels on a public suffix (`example.nl`).",
        "A fully qualified host name of at least two labels that ends in a suffix the Public \
         Suffix List knows (the `psl` crate) or in a private-network suffix such as `lan`, \
         `internal` or `home.arpa`. A name that is only an ICANN suffix (`co.uk`) is rejected. \
         A trailing `:port` or scp-style `:path` stays outside the span, and names inside URLs \
         and e-mail addresses are not reported on their own.",
    ),
    // Url
    d(
        "url",
        Category::Url,
        "High when the scheme is a common one (`http`, `https`, `ssh`, `postgres`, …) or the \
         host has a dot, is a bracketed IP literal or is `localhost`. Medium otherwise.",
        "A URL with a scheme before `://`. The scheme is read back no further than the token's \
         start and must begin with a letter; the URL then runs forward over the raw text up to \
         white space, a quote or another stop byte, less trailing punctuation. The host must \
         not be empty (except for `file:` and `unix:`) and may hold only host characters, so \
         templates like `http://${HOST}/` do not count. A password, secret query value or IP \
         literal inside it is reported as well, under its own kind.",
    ),
    d(
        "schemeless-url",
        Category::Url,
        "Medium always. Emitted only when the host alone would rate above Low; otherwise the \
         host is reported as a `hostname`.",
        "A host name followed by `/` and a path but no scheme (`repo.example.org/debian`). The \
         host must pass the host-name check; an scp-style `host:path` and a bare domain stay a \
         `hostname`.",
    ),
    // MacAddress
    d(
        "mac",
        Category::MacAddress,
        "High always.",
        "A MAC address in one of three exact layouts: six hex pairs joined by `:` or by `-` \
         (one separator throughout), or the Cisco dotted form `001a.2b3c.4d5e`, which must hold \
         a hex letter so that a dotted number is not taken for one. Digit-only dash forms \
         (`12-34-56-78-90-12`) are caught before the digit-run judge sees them.",
    ),
    // FilePath
    d(
        "path",
        Category::FilePath,
        "High for `~/…`, a UNC path `\\\\server\\share` with two or more parts, a drive path \
         `C:\\…` or `C:/…`, and an absolute path whose first segment is a system root (`/etc`, \
         `/home`, `/var`, `/Users`, …). Medium for another absolute path of two or more \
         segments whose first contains a letter (`/opt2/stuff/x`).",
        "A file system path: absolute Unix, home-relative, Windows drive or UNC. A `/` followed \
         by digits (`/24`), `//`, a lone non-system segment, and slugs or time zones without a \
         leading `/` are not paths. API routes cannot be told apart and come out at Medium.",
    ),
    // PhoneNumber
    d(
        "phone",
        Category::PhoneNumber,
        "High for `+` and 8 to 15 digits not starting with 0. Medium for North American 3-3-4 \
         groups (Low when only spaces part them and no telephone word comes before), for the \
         `00` international prefix with 11 to 15 digits in two or more groups, and, after a \
         telephone word, for trunk-0 national numbers or any other 7 to 15 digits (two or more \
         groups, or 9 or more in one, no dots).",
        "A telephone number, judged once over a run of digit groups joined by short gaps of \
         spaces, parentheses, `-`, `.` or `/`. Runs of one repeated digit are dropped, runs \
         parted only by dots count only with three groups, and national numbers with neither a \
         country code nor a telephone word nearby are not found.",
    ),
    d(
        "national-phone",
        Category::PhoneNumber,
        "Low always: shaped like a national number, unconfirmed. The policy engine confirms it \
         against the numbering plans (`confirm_national`) only in a field of class `enum`, \
         `locale`, `version`, `flag` or `environment`, where it then counts.",
        "A telephone number as written at home, without a country code or a telephone word: a \
         trunk `0` (not `00`), 9 to 12 digits, no dots (`020 045 2025`, `06-18087333`, \
         `070-178 79 73`). Confirmed as a valid number of the Netherlands, Belgium, Germany, \
         Austria, Switzerland, France, Sweden, Norway, Denmark, Finland, the United Kingdom or \
         Poland.",
    ),
    // PaymentCard
    d(
        "card",
        Category::PaymentCard,
        "High when written in three or more groups, the first of four digits and every group of \
         3 to 6 (`4111 1111 1111 1111`). Medium for one plain block (`4111111111111111`). Never \
         with exactly two groups.",
        "A payment card number of 13 to 19 digits, plain or grouped by spaces or by dashes (not \
         both), with no `+`, dot or parenthesis. It must pass the Luhn check and fit an issuer's \
         prefix and length (Visa, Mastercard, Maestro, American Express, JCB, Diners, the `6` \
         range, UATP). A run too long for one card yields the longest valid card at each group \
         boundary, left to right.",
    ),
    // Iban
    d(
        "iban",
        Category::Iban,
        "High always.",
        "An international bank account number: two upper-case letters, two check digits and \
         more upper-case letters or digits, optionally continued by single-space groups of up \
         to four characters. The country must be in the ISO 13616 registry, the length must be \
         that country's and the mod-97 check must hold; the longest valid run of groups is kept.",
    ),
    // FreeText
    d(
        "sentence",
        Category::FreeText,
        "Medium always.",
        "A natural-language sentence a person typed, judged over the whole string: at least six \
         counted tokens, at least 80 % of them words, four or more words of three letters or \
         more, and two or more function words from the built-in lists (English, German, Dutch, \
         French, Spanish, Italian, Portuguese, Polish, Czech). One technical token (a version, \
         `key:`, a path, a bracketed code) rules the string out. The span is the trimmed string.",
    ),
    // Credential: structural and contextual
    d(
        "url-password",
        Category::Credential,
        "High always.",
        "The password in a URL's user info (`https://admin:s3cr3t@host/`). The span is the \
         password alone and lies inside the `url` match.",
    ),
    d(
        "url-query-secret",
        Category::Credential,
        "High always.",
        "A secret carried by a URL: the value of the first query parameter with a secret-like \
         name and a plausible value (`?access_token=…`), or the whole URL for webhooks whose \
         path is the secret (Slack, Discord, Outlook, Zapier).",
    ),
    d(
        "dsn-password",
        Category::Credential,
        "High always. The value must look real, as for `assigned-secret`.",
        "The password of a Go MySQL data source name, `user:password@tcp(host:3306)/db` (also \
         `tcp6`, `unix` and `udp`): everything between the first `:` and the `@` before the \
         protocol, which may itself hold `@`.",
    ),
    d(
        "private-key",
        Category::Credential,
        "High always.",
        "A PEM block whose `-----BEGIN … -----` header mentions `PRIVATE KEY`. The span runs to \
         the end of the matching END line, or to the end of the string when a truncated log has \
         lost it; certificates and public keys are not this kind.",
    ),
    d(
        "jwt",
        Category::Credential,
        "High always.",
        "A JSON Web Token: it starts with `eyJ`, has two or three dot-separated base64url parts, \
         and its first part decodes to a JSON object that names `\"alg\"`.",
    ),
    d(
        "assigned-secret",
        Category::Credential,
        "High always. The value must look real: 4 to 4096 bytes, not starting with `$`, `%`, \
         `{`, `<`, `*` or `@`, not one repeated character, and free of placeholder words such \
         as `changeme` or `redacted`.",
        "The value given to a secret-named key: `password=…`, `\"api_key\": \"…\"`, `--token …`, \
         a glued `password:…`, a pair of quoted arguments, or an `Authorization:` header with \
         no scheme word. A key is secret-named when its last part is a word such as `password`, \
         `secret`, `token`, `apikey` or `client_secret` at a word boundary, or when it is an \
         upper-case environment name ending in `_KEY`.",
    ),
    d(
        "bearer-token",
        Category::Credential,
        "High always. The value must be at least 8 characters, hold a digit and look real.",
        "The credential after the word `Bearer`, or after any other scheme word in an \
         `Authorization:` header (`Token …`, `Api-Token …`).",
    ),
    d(
        "basic-auth",
        Category::Credential,
        "High always. The value must be base64 that decodes to text containing `:`.",
        "The credential after the word `Basic`: `user:password` in base64.",
    ),
    d(
        "curl-user-password",
        Category::Credential,
        "High always.",
        "The password in curl's `-u user:password` or `--user user:password`, with quotes and \
         braces stripped.",
    ),
    d(
        "curl-user-key",
        Category::Credential,
        "High always. The user name must be at least 8 characters, mix letters and digits and \
         reach 3 bits per byte of entropy.",
        "The user name in curl's `-u key:` when no password follows, for services that take an \
         API key as the user name.",
    ),
    d(
        "high-entropy",
        Category::Credential,
        "Medium always.",
        "A random-looking secret with no key name or vendor prefix: 20 to 1024 characters of \
         letters, digits and `+/=_-~`, with upper- and lower-case letters, at least two digits, \
         a change of character class at 30 % or more of positions, and at least 3.8 bits per \
         byte of entropy (4.2 from 32 characters on). Hex digests, UUIDs and CamelCase \
         identifiers fall short.",
    ),
    // Credential: vendor formats (detectors/secret.rs FORMATS, then two checks in code)
    d(
        "aws-access-key",
        Category::Credential,
        VENDOR,
        "An AWS access key id: `AKIA`, `ASIA`, `ABIA` or `ACCA` followed by upper-case letters \
         and digits, 20 characters in all.",
    ),
    d(
        "aws-bedrock-key",
        Category::Credential,
        VENDOR,
        "An Amazon Bedrock API key: `ABSK` (40 to 200 characters) or `bedrock-api-key-` (40 to \
         2000 characters).",
    ),
    d(
        "github-token",
        Category::Credential,
        VENDOR,
        "A GitHub token: `ghp_`, `gho_`, `ghu_` or `ghs_` with 40 characters in all, `ghr_` \
         with 40 to 80, or a fine-grained `github_pat_` with 40 to 255.",
    ),
    d(
        "gitlab-token",
        Category::Credential,
        VENDOR,
        "A GitLab token: personal (`glpat-`), pipeline trigger (`glptt-`), runner (`glrt-`) or \
         deploy (`gldt-`), up to 80 characters.",
    ),
    d(
        "slack-token",
        Category::Credential,
        VENDOR,
        "A Slack bot, user, app, refresh or configuration token: `xoxb-`, `xoxp-`, `xoxa-`, \
         `xoxr-`, `xoxs-`, `xoxe-`, `xoxo-`, `xapp-`, `xoxe.xoxb-` or `xoxe.xoxp-`.",
    ),
    d(
        "stripe-key",
        Category::Credential,
        VENDOR,
        "A Stripe secret or restricted key, live or test: `sk_live_`, `sk_test_`, `rk_live_` \
         or `rk_test_` followed by letters and digits.",
    ),
    d(
        "google-api-key",
        Category::Credential,
        VENDOR,
        "A Google API key: `AIza` and 35 more letters, digits, `_` or `-`.",
    ),
    d(
        "google-oauth-secret",
        Category::Credential,
        VENDOR,
        "A Google OAuth client secret: `GOCSPX-`, 35 characters in all.",
    ),
    d(
        "anthropic-key",
        Category::Credential,
        VENDOR,
        "An Anthropic API key: `sk-ant-`, 40 to 255 characters.",
    ),
    d(
        "openai-key",
        Category::Credential,
        VENDOR,
        "An OpenAI API key: `sk-proj-`, `sk-svcacct-`, `sk-admin-` or a plain `sk-`, 40 to 255 \
         characters.",
    ),
    d(
        "huggingface-token",
        Category::Credential,
        VENDOR,
        "A Hugging Face token: a user token `hf_` (37 characters) or an organisation token \
         `api_org_` (42 characters).",
    ),
    d(
        "vault-token",
        Category::Credential,
        VENDOR,
        "A HashiCorp Vault service token (`hvs.`) or batch token (`hvb.`).",
    ),
    d(
        "grafana-token",
        Category::Credential,
        VENDOR,
        "A Grafana Cloud access policy token (`glc_`) or service account token (`glsa_`).",
    ),
    d(
        "1password-token",
        Category::Credential,
        VENDOR,
        "A 1Password service account token: `ops_eyJ` followed by base64, 50 to 1000 \
         characters.",
    ),
    d(
        "1password-secret-key",
        Category::Credential,
        "High always (the `EXAMPLE` rule of the other vendor formats does not apply).",
        "A 1Password account secret key: `A3-` and groups of upper-case letters and digits \
         joined by dashes, 34 to 40 characters.",
    ),
    d(
        "databricks-token",
        Category::Credential,
        VENDOR,
        "A Databricks personal access token: `dapi`, 32 lower-case hex digits and an optional \
         `-N` suffix.",
    ),
    d(
        "heroku-key",
        Category::Credential,
        VENDOR,
        "A Heroku API key in the `HRKU-` format, 40 to 80 characters.",
    ),
    d(
        "npm-token",
        Category::Credential,
        VENDOR,
        "An npm access token: `npm_` and 36 letters or digits.",
    ),
    d(
        "pypi-token",
        Category::Credential,
        VENDOR,
        "A PyPI API token: the fixed start `pypi-AgEIcHlwaS5vcmc` of its macaroon, 60 to 300 \
         characters in all.",
    ),
    d(
        "shopify-token",
        Category::Credential,
        VENDOR,
        "A Shopify access token (`shpat_`) or shared secret (`shpss_`), 38 characters.",
    ),
    d(
        "sendgrid-key",
        Category::Credential,
        VENDOR,
        "A SendGrid API key: `SG.` and 66 more characters.",
    ),
    d(
        "digitalocean-token",
        Category::Credential,
        VENDOR,
        "A DigitalOcean personal access token: `dop_v1_` and 64 lower-case hex digits.",
    ),
    d(
        "azure-client-secret",
        Category::Credential,
        "High always (the `EXAMPLE` rule of the other vendor formats does not apply).",
        "A Microsoft Entra (Azure AD) client secret, which has no prefix: three characters, a \
         digit and `Q~`, then letters, digits, `_`, `~`, `.` or `-`, 37 to 40 characters in all.",
    ),
];

/// The registry entry for a kind name, as found in [`Match::kind`](crate::Match::kind).
pub fn detector(kind: &str) -> Option<&'static DetectorInfo> {
    DETECTORS.iter().find(|d| d.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The workspace's detector documentation; the crate is not published, so reading
    /// outside the package is fine.
    const DOC: &str = include_str!("../../../docs/detectors.md");

    fn kind_like(s: &str) -> bool {
        !s.is_empty()
            && !s.ends_with('-')
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    /// The sections headed ``## `category` ``, with their category.
    fn sections(doc: &str) -> Vec<(Category, &str)> {
        doc.split("\n## ")
            .skip(1)
            .filter_map(|chunk| {
                let (heading, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
                let name = heading.strip_prefix('`')?.strip_suffix('`')?;
                Some((Category::parse(name)?, body))
            })
            .collect()
    }

    /// The kind names the doc states, in the forms it uses today:
    /// `**Kind:**` / `**Kinds:**` / `**Kind and confidence:**` and `**URL secrets:**` lines
    /// (every back-ticked name on the line), `(kind `x`)`, a table row starting ``| `x` |``,
    /// `**Title** (`x`, High)`, and a list entry or sentence ``- `x`: …`` / ``. `x`: …``.
    fn documented(doc: &str) -> Vec<(Category, &str)> {
        let mut names = Vec::new();
        for (category, body) in sections(doc) {
            for line in body.lines() {
                let parts: Vec<&str> = line.split('`').collect();
                let whole = line.starts_with("**Kind") || line.starts_with("**URL secrets:**");
                for i in (1..parts.len().saturating_sub(1)).step_by(2) {
                    let (before, name, after) = (parts[i - 1], parts[i], parts[i + 1]);
                    if !kind_like(name) {
                        continue;
                    }
                    if whole
                        || before.ends_with("(kind ")
                        || (i == 1 && before == "| " && after.starts_with(" |"))
                        || before.ends_with("** (")
                        || after.starts_with(':')
                    {
                        names.push((category, name));
                    }
                }
            }
        }
        names
    }

    #[test]
    fn kinds_are_unique_and_described() {
        let mut seen = BTreeSet::new();
        for d in DETECTORS {
            assert!(seen.insert(d.kind), "{} listed twice", d.kind);
            assert!(kind_like(d.kind), "{}", d.kind);
            assert!(
                !d.confidence.is_empty() && d.doc.ends_with('.'),
                "{}",
                d.kind
            );
            assert_eq!(detector(d.kind), Some(d));
        }
        assert_eq!(detector("no-such-kind"), None);
    }

    #[test]
    fn every_category_has_a_kind() {
        for c in Category::ALL {
            assert!(DETECTORS.iter().any(|d| d.category == c), "{c}");
        }
    }

    #[test]
    fn every_kind_is_documented_under_its_category() {
        let sections = sections(DOC);
        for d in DETECTORS {
            let (_, body) = sections
                .iter()
                .find(|(c, _)| *c == d.category)
                .unwrap_or_else(|| panic!("no section for {}", d.category));
            assert!(
                body.contains(&format!("`{}`", d.kind)),
                "`{}` is not named in the `{}` section of docs/detectors.md",
                d.kind,
                d.category
            );
        }
    }

    #[test]
    fn the_doc_names_no_other_kind() {
        let documented: BTreeSet<&str> = documented(DOC).into_iter().map(|(_, k)| k).collect();
        let registered: BTreeSet<&str> = DETECTORS.iter().map(|d| d.kind).collect();
        let unknown: Vec<_> = documented.difference(&registered).collect();
        let undocumented: Vec<_> = registered.difference(&documented).collect();
        assert!(
            unknown.is_empty(),
            "documented but not registered: {unknown:?}"
        );
        assert!(
            undocumented.is_empty(),
            "registered but not documented: {undocumented:?}"
        );
    }

    /// Every kind the scanner emits is registered under the category it is emitted with.
    /// Cheap end-to-end check; the stronger tie is a `debug_assert!` in `scan::push`
    /// (see registry.md).
    #[test]
    fn scanned_kinds_are_registered() {
        let samples = [
            "mail jan@example.nl from 192.168.1.20 and 2001:db8::1 at cloud.example.com",
            "https://admin:s3cr3t@cloud.example.org/x?access_token=Zx81kLq0pQ repo.example.org/debian",
            "mac 00:1a:2b:3c:4d:5e path /etc/pve/lxc/105.conf tel +49 30 901820",
            "card 4111 1111 1111 1111 iban DE89 3704 0044 0532 0130 00",
            "password=r8Kd2mQ9vL4xT7pZ ghp_R8kD2mQ9vL4xT7pZ1cW6nB3hJ5sF0gY2aEuK Xk9mQ2vL7pR4tW8zN3bH6cJ1",
            "Please do not book this room before the renovation is done",
        ];
        let scanner = crate::Scanner::new();
        for s in samples {
            for m in scanner.scan_vec(s) {
                let d = detector(m.kind).unwrap_or_else(|| panic!("{} not registered", m.kind));
                assert_eq!(d.category, m.category, "{}", m.kind);
            }
        }
    }
}
