//! URL lists, query strings and form bodies, as flat JSON objects of their parameters.

/// Splits a URL, a path with a query, or a bare query string into (path, query).
pub(crate) fn split_url(l: &str) -> (Option<&str>, &str) {
    let l = l.split('#').next().unwrap_or(l);
    match l.split_once('?') {
        Some((before, query)) => {
            let path = match before.find("://") {
                Some(i) => before[i + 3..]
                    .find('/')
                    .map_or("/", |j| &before[i + 3 + j..]),
                None => before,
            };
            (Some(path), query)
        }
        None if l.contains("://") || l.starts_with('/') => (Some(l), ""),
        None => (None, l),
    }
}

/// The known endpoint a request path ends in.
pub(crate) fn endpoint_of<'a>(path: &str, endpoints: &[&'a str]) -> Option<&'a str> {
    let path = path.trim_end_matches('/');
    endpoints
        .iter()
        .copied()
        .filter(|e| path.ends_with(e.trim_end_matches('/')))
        .max_by_key(|e| e.len())
}

/// Decoded `application/x-www-form-urlencoded` pairs as a JSON object, duplicates kept (the
/// engine reports them).
pub fn form_to_json(query: &[u8]) -> Vec<u8> {
    let mut out = String::from("{");
    for (i, (k, v)) in form_urlencoded::parse(query).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(k.as_ref()).to_string());
        out.push(':');
        out.push_str(&serde_json::Value::from(v.as_ref()).to_string());
    }
    out.push('}');
    out.into_bytes()
}
