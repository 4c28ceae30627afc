//! AWS Signature Version 4, as botocore's `SigV4Auth` signs a request (header signing, the
//! payload's SHA-256 in the canonical request), on RustCrypto's `sha2`.
//!
//! Why not the official `aws-sigv4` crate: it brings the `http` and smithy crates for what is a
//! page of hashing, and every dependency is wheel size and cold start. Its output is pinned here
//! by the public test-suite vectors and, in Python, by differential tests against botocore.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Headers botocore never signs: proxies and clients may change them.
const UNSIGNED_HEADERS: [&str; 4] = ["expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"];

/// The request to sign: everything that goes into the canonical request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// `scheme://host[:port]/path[?query]`
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// Where and when the signature holds.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, in UTC.
    pub timestamp: &'a str,
}

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(pub &'static str);

/// Signs `request`: the headers to add to it (`X-Amz-Date`, `X-Amz-Security-Token` with a session
/// token, `Authorization`). Those three, if the request has them already, are replaced, as
/// botocore replaces them.
pub fn sign(
    request: &Request<'_>,
    credentials: &Credentials<'_>,
    scope: &Scope<'_>,
) -> Result<Vec<(&'static str, String)>, SignError> {
    if !valid_timestamp(scope.timestamp) {
        return Err(SignError("the timestamp must be YYYYMMDDTHHMMSSZ"));
    }
    let url = Url::parse(request.url)?;
    let mut added: Vec<(&'static str, String)> = vec![("X-Amz-Date", scope.timestamp.to_owned())];
    if let Some(token) = credentials.session_token {
        added.push(("X-Amz-Security-Token", token.to_owned()));
    }
    // The headers signed: the request's (less those replaced and those never signed), the added
    // ones, and `host` from the URL unless the request names one.
    let mut signed: Vec<(String, &str)> = Vec::with_capacity(request.headers.len() + 3);
    for &(name, value) in request.headers {
        let name = name.to_ascii_lowercase();
        if name == "date" {
            return Err(SignError("a Date header is not supported: X-Amz-Date carries the time"));
        }
        let replaced = name == "authorization"
            || name == "x-amz-date"
            || (name == "x-amz-security-token" && credentials.session_token.is_some());
        if !replaced && !UNSIGNED_HEADERS.contains(&name.as_str()) {
            signed.push((name, value));
        }
    }
    for (name, value) in &added {
        signed.push((name.to_ascii_lowercase(), value.as_str()));
    }
    let host = url.host();
    if !signed.iter().any(|(name, _)| name == "host") {
        signed.push(("host".to_owned(), &host));
    }
    signed.sort_by(|a, b| a.0.cmp(&b.0)); // stable: a repeated header keeps its values' order

    let mut canonical = String::with_capacity(256 + 64 * signed.len());
    canonical.push_str(&request.method.to_ascii_uppercase());
    canonical.push('\n');
    canonical.push_str(&canonical_path(url.path));
    canonical.push('\n');
    canonical.push_str(&canonical_query(url.query));
    canonical.push('\n');
    let mut names = String::new();
    let mut i = 0;
    while let Some((name, _)) = signed.get(i) {
        let values: Vec<String> =
            signed[i..].iter().take_while(|(n, _)| n == name).map(|(_, v)| collapse_whitespace(v)).collect();
        i += values.len();
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&values.join(","));
        canonical.push('\n');
        if !names.is_empty() {
            names.push(';');
        }
        names.push_str(name);
    }
    canonical.push('\n');
    canonical.push_str(&names);
    canonical.push('\n');
    canonical.push_str(&hex(&Sha256::digest(request.body)));

    let date = &scope.timestamp[..8];
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign =
        format!("{ALGORITHM}\n{}\n{credential_scope}\n{}", scope.timestamp, hex(&Sha256::digest(canonical.as_bytes())));
    let key = cached_signing_key(credentials.secret_key, date, scope.region, scope.service);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    added.push((
        "Authorization",
        format!(
            "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={names}, Signature={signature}",
            credentials.access_key
        ),
    ));
    Ok(added)
}

/// The last signing key derived: a day's key serves every request of that day, and deriving it
/// is four of the six HMACs a signature costs.
static LAST_KEY: Mutex<Option<CachedKey>> = Mutex::new(None);

/// A derived key and what it was derived from.
struct CachedKey {
    from: [String; 4], // secret key, date, region, service
    key: [u8; 32],
}

fn cached_signing_key(secret_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let Ok(mut last) = LAST_KEY.lock() else {
        return signing_key(secret_key, date, region, service); // poisoned: derive, cache nothing
    };
    let from = [secret_key, date, region, service];
    if let Some(cached) = last.as_ref().filter(|cached| cached.from.iter().zip(from).all(|(a, b)| a == b)) {
        return cached.key;
    }
    let key = signing_key(secret_key, date, region, service);
    *last = Some(CachedKey { from: from.map(str::to_owned), key });
    key
}

/// The key of a day, region and service (the same for every request of that day).
pub fn signing_key(secret_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret_key}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn valid_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// A URL's parts that signing reads.
struct Url<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
    query: &'a str,
}

impl<'a> Url<'a> {
    fn parse(url: &'a str) -> Result<Url<'a>, SignError> {
        let invalid = SignError("the URL must be http(s)://host[:port][/path][?query]");
        let (scheme, rest) = url.split_once("://").ok_or(invalid.clone())?;
        let scheme_ok = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (authority, path_and_query) = match rest.find(['/', '?']) {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        let (host, port) = match authority.rfind(':') {
            Some(at) if !authority[at..].contains(']') => (&authority[..at], Some(&authority[at + 1..])),
            _ => (authority, None),
        };
        let port = port.filter(|p| !p.is_empty());
        if !scheme_ok || host.is_empty() || port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid);
        }
        Ok(Url { scheme, host, port, path, query })
    }

    /// The `host` header botocore signs: the host in lower case, with the port unless it is the
    /// scheme's default.
    fn host(&self) -> String {
        let mut host = self.host.to_ascii_lowercase();
        let default = if self.scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
        if let Some(port) = self.port.and_then(|p| p.parse::<u32>().ok()) {
            if port != default {
                host.push(':');
                host.push_str(&port.to_string());
            }
        }
        host
    }
}

/// The path with dot segments and empty segments removed, then percent-encoded (an encoded
/// path is encoded again, as SigV4 asks of every service but S3).
fn canonical_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = String::from("/");
    normalized.push_str(&segments.join("/"));
    if path.len() > 1 && path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    if !path.starts_with('/') && !path.is_empty() {
        normalized.remove(0);
    }
    let mut out = String::with_capacity(normalized.len());
    for &b in normalized.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query's `key=value` pairs sorted, as botocore sorts a URL's own query (its text kept).
fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(&str, &str)> =
        query.split('&').map(|pair| pair.split_once('=').unwrap_or((pair, ""))).collect();
    pairs.sort_unstable();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// A header value as SigV4 signs it: runs of whitespace (Python's `str.split()`) as one space,
/// none at either end.
fn collapse_whitespace(value: &str) -> String {
    value.split(is_python_space).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

fn is_python_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}') || (c > '\u{ff}' && c.is_whitespace())
}

/// The current time as a SigV4 timestamp.
pub fn timestamp_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    timestamp_at(secs)
}

/// A Unix time as `YYYYMMDDTHHMMSSZ` (days to a civil date: Howard Hinnant's algorithm).
pub fn timestamp_at(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(headers: &[(&'static str, String)]) -> String {
        headers.iter().find(|(n, _)| *n == "Authorization").map(|(_, v)| v.clone()).unwrap_or_default()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1 and 6 (a key longer than the block).
        assert_eq!(
            hex(&hmac(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn signs_the_public_test_suite_get_vanilla() {
        // aws-sig-v4-test-suite, get-vanilla: the request signed with X-Amz-Date given.
        let request = Request { method: "GET", url: "https://example.amazonaws.com/", headers: &[], body: b"" };
        let credentials = Credentials {
            access_key: "AKIDEXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let scope = Scope { region: "us-east-1", service: "service", timestamp: "20150830T123600Z" };
        let signed = sign(&request, &credentials, &scope).unwrap();
        assert_eq!(
            auth(&signed),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn signs_the_public_test_suite_post_x_www_form_urlencoded() {
        // aws-sig-v4-test-suite, post-x-www-form-urlencoded.
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        let request = Request {
            method: "POST",
            url: "https://example.amazonaws.com/",
            headers: &headers,
            body: b"Param1=value1",
        };
        let credentials = Credentials {
            access_key: "AKIDEXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let scope = Scope { region: "us-east-1", service: "service", timestamp: "20150830T123600Z" };
        let signed = sign(&request, &credentials, &scope).unwrap();
        assert_eq!(
            auth(&signed),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn paths_queries_and_urls() {
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/a/./b/../c//d/"), "/a/c/d/");
        assert_eq!(canonical_path("/%2F é"), "/%252F%20%C3%A9");
        assert_eq!(canonical_query("b=2&a=1&a"), "a=&a=1&b=2");
        assert_eq!(
            Url::parse("https://Dynamodb.US-east-1.amazonaws.com:443/").unwrap().host(),
            "dynamodb.us-east-1.amazonaws.com"
        );
        assert_eq!(Url::parse("http://127.0.0.1:8000").unwrap().host(), "127.0.0.1:8000");
        assert_eq!(Url::parse("http://[::1]:8000/x").unwrap().host(), "[::1]:8000");
        assert!(Url::parse("ftp://h/").is_err());
        assert!(Url::parse("https://h:x/").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_at(0), "19700101T000000Z");
        assert_eq!(timestamp_at(1_440_938_160), "20150830T123600Z");
        assert_eq!(timestamp_at(951_782_400), "20000229T000000Z");
        assert_eq!(timestamp_now().len(), 16);
    }
}
