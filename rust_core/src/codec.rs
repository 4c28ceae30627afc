//! The record codec: a request body to a DynamoDB item in one pass of checks, each cheaper than
//! the next: body size, JSON syntax and DynamoDB's rules, the key, the schema, then the key is
//! added when absent and the finished item is measured against DynamoDB's size limit.

use std::borrow::Cow;

use crate::error::{Error, Rule};
use crate::json::{self, Object, Value};
use crate::pointer;
use crate::schema::Schema;
use crate::size;

/// DynamoDB's limit for a partition key value.
pub const MAX_KEY_BYTES: usize = 2048;

/// One record's body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;
/// A built item: DynamoDB's own limit.
pub const DEFAULT_MAX_ITEM_BYTES: usize = size::MAX_ITEM_BYTES;
/// A batch's body: Lambda's 6 MB synchronous payload limit.
pub const DEFAULT_MAX_BATCH_BODY_BYTES: usize = 6_291_456;
/// The records of one batch.
pub const DEFAULT_MAX_BATCH_RECORDS: usize = 10_000;

/// The sizes a codec enforces; each defaults to its `DEFAULT_*` above, which the Python
/// `RecordCodec` takes as its own defaults too.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One record's body.
    pub max_body_bytes: usize,
    /// A built item, as DynamoDB measures it.
    pub max_item_bytes: usize,
    /// A batch's body.
    pub max_batch_body_bytes: usize,
    pub max_batch_records: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_item_bytes: DEFAULT_MAX_ITEM_BYTES,
            max_batch_body_bytes: DEFAULT_MAX_BATCH_BODY_BYTES,
            max_batch_records: DEFAULT_MAX_BATCH_RECORDS,
        }
    }
}

pub struct RecordCodec {
    schema: Option<Schema>,
    key: String,
    pub(crate) limits: Limits,
}

impl RecordCodec {
    pub fn new(schema: Option<Schema>, key: String, limits: Limits) -> Self {
        RecordCodec { schema, key, limits }
    }

    pub fn schema(&self) -> Option<&Schema> {
        self.schema.as_ref()
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The item a body stands for. `key` is the key the request names (a PUT's path): the body
    /// may omit it or repeat it, never contradict it. Without one, a missing key is generated.
    pub fn decode<'a>(&self, input: &'a [u8], key: Option<&str>) -> Result<Object<'a>, Error> {
        self.decode_keyed(input, key.map_or(NewKey::Generate, NewKey::Given))
    }

    /// `decode`, the key of a body that has none coming from `new_key`.
    pub fn decode_keyed<'a>(&self, input: &'a [u8], new_key: NewKey<'_>) -> Result<Object<'a>, Error> {
        if input.len() > self.limits.max_body_bytes {
            return Err(Error::limit(Rule::MaxBodySize));
        }
        json::parse_record(input).and_then(|members| self.build(members, new_key)).map_err(Error::fitted)
    }

    /// A parsed record's item: the key, the schema, the key added when absent, the item's size.
    pub(crate) fn build<'a>(&self, mut members: Object<'a>, new_key: NewKey<'_>) -> Result<Object<'a>, Error> {
        let key = match new_key {
            NewKey::Given(key) => Some(key),
            NewKey::Fallback(_) | NewKey::Generate | NewKey::Later => None,
        };
        let (has_key, mismatch) = match members.iter().find(|(name, _)| *name == self.key) {
            Some((_, Value::String(body_key))) => {
                self.checked_key(body_key)?;
                (true, key.is_some_and(|given| given != body_key))
            }
            Some(_) => return Err(self.key_error(Rule::KeyType)),
            None => (false, false),
        };
        match new_key {
            NewKey::Given(given) => self.checked_key(given)?,
            NewKey::Fallback(fallback) if !has_key => self.checked_key(fallback)?,
            _ => {}
        }
        if let Some(schema) = &self.schema {
            let record = Value::Object(members);
            let invalid = schema.validate(&record);
            if !invalid.is_empty() {
                return Err(Error::Invalid(invalid));
            }
            let Value::Object(validated) = record else {
                return Err(Error::Shape("The JSON body must be an object"));
            };
            members = validated;
        }
        if mismatch {
            return Err(Error::KeyMismatch);
        }
        let mut later = 0; // the size of a key the caller adds afterwards
        if !has_key {
            match new_key {
                NewKey::Given(given) | NewKey::Fallback(given) => self.insert_key(&mut members, given.to_owned()),
                NewKey::Generate => self.insert_key(&mut members, generate_key()),
                NewKey::Later => later = self.key.len() + GENERATED_KEY_LEN,
            }
        }
        if size::members_size(&members, 0) + later > self.limits.max_item_bytes {
            return Err(Error::limit(Rule::MaxItemSize));
        }
        Ok(members)
    }

    /// Adds the key as the item's first attribute.
    pub(crate) fn insert_key(&self, members: &mut Object<'_>, value: String) {
        members.insert(0, (Cow::Owned(self.key.clone()), Value::String(Cow::Owned(value))));
    }

    /// A key value obeys DynamoDB's rules for a string partition key, and can be a URL's last
    /// path segment (`/items/{key}`): clients resolve `.` and `..` away (RFC 3986, 5.2.4).
    fn checked_key(&self, key: &str) -> Result<(), Error> {
        match key {
            "" => Err(self.key_error(Rule::KeyEmpty)),
            "." | ".." => Err(self.key_error(Rule::KeyDotSegment)),
            _ if key.len() > MAX_KEY_BYTES => Err(self.key_error(Rule::KeySize)),
            _ => Ok(()),
        }
    }

    fn key_error(&self, rule: Rule) -> Error {
        let mut path = String::new();
        pointer::push_token(&mut path, &self.key);
        Error::at(rule, path)
    }
}

/// Where a record's key comes from when the body has none.
#[derive(Debug, Clone, Copy)]
pub enum NewKey<'k> {
    /// The request names it (a PUT's path): a body's own key must be the same.
    Given(&'k str),
    /// The request gives one for a body without its own (derived from an `Idempotency-Key`): a
    /// body's own key wins.
    Fallback(&'k str),
    /// Generated now.
    Generate,
    /// Generated by the caller afterwards (a batch, so that keys follow the input order): the
    /// size check counts a generated key meanwhile.
    Later,
}

/// The length of a generated key (a hyphenated UUID).
pub const GENERATED_KEY_LEN: usize = 36;

/// A new key: a UUIDv7 (RFC 9562), so keys sort by creation time; the uuid crate keeps those made
/// by one process strictly increasing, even within a millisecond.
pub fn generate_key() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// The string value of an item's `key` attribute.
pub fn key_attribute<'m>(members: &'m Object<'_>, key: &str) -> Option<&'m str> {
    members.iter().find(|(name, _)| name == key).and_then(|(_, value)| match value {
        Value::String(s) => Some(s.as_ref()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(schema: Option<&str>) -> RecordCodec {
        let limits = Limits { max_body_bytes: 1000, max_item_bytes: 200, ..Limits::default() };
        RecordCodec::new(schema.map(|s| Schema::compile(s, true).unwrap()), "id".into(), limits)
    }

    fn rule(result: Result<Object<'_>, Error>) -> (&'static str, String) {
        match result {
            Err(Error::Limits(report)) => (report.listed[0].keyword, report.listed[0].path.clone()),
            other => panic!("expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn the_key_is_generated_first_or_taken_from_the_request() {
        let members = codec(None).decode(br#"{"a":1}"#, None).unwrap();
        assert_eq!(members.len(), 2);
        let (name, Value::String(id)) = &members[0] else { panic!("no key") };
        assert_eq!((name.as_ref(), id.len(), &id[14..15]), ("id", 36, "7"));
        let members = codec(None).decode(br#"{"a":1}"#, Some("k")).unwrap();
        assert_eq!(members[0], ("id".into(), Value::String("k".into())));
        assert!(codec(None).decode(br#"{"id":"k"}"#, Some("k")).is_ok());
        assert!(matches!(codec(None).decode(br#"{"id":"j"}"#, Some("k")), Err(Error::KeyMismatch)));
        // A fallback key serves a body without its own, and gives way to one that has it.
        let members = codec(None).decode_keyed(br#"{"a":1}"#, NewKey::Fallback("f")).unwrap();
        assert_eq!(members[0], ("id".into(), Value::String("f".into())));
        let members = codec(None).decode_keyed(br#"{"id":"j"}"#, NewKey::Fallback("f")).unwrap();
        assert_eq!(members, vec![("id".into(), Value::String("j".into()))]);
        assert_eq!(
            rule(codec(None).decode_keyed(br#"{"a":1}"#, NewKey::Fallback(".."))),
            ("key_dot_segment", "/id".into())
        );
        assert!(codec(None).decode_keyed(br#"{"id":"j"}"#, NewKey::Fallback("..")).is_ok());
    }

    #[test]
    fn generated_keys_increase() {
        let keys: Vec<String> = (0..10_000).map(|_| generate_key()).collect();
        assert!(keys.iter().all(|k| k.len() == GENERATED_KEY_LEN));
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn key_rules() {
        assert_eq!(rule(codec(None).decode(br#"{"id":7}"#, None)), ("key_type", "/id".into()));
        assert_eq!(rule(codec(None).decode(br#"{"id":""}"#, None)), ("key_empty", "/id".into()));
        let long = format!(r#"{{"id":"{}"}}"#, "x".repeat(2049));
        let big = RecordCodec::new(None, "id".into(), Limits::default());
        assert_eq!(rule(big.decode(long.as_bytes(), None)), ("key_size", "/id".into()));
        assert_eq!(rule(codec(None).decode(b"{}", Some(""))), ("key_empty", "/id".into()));
        assert_eq!(rule(codec(None).decode(br#"{"id":".."}"#, None)), ("key_dot_segment", "/id".into()));
        assert_eq!(rule(codec(None).decode(b"{}", Some("."))), ("key_dot_segment", "/id".into()));
        assert!(codec(None).decode(br#"{"id":"..."}"#, None).is_ok());
    }

    #[test]
    fn sizes_are_checked_on_the_body_and_on_the_item() {
        let body = format!(r#"{{"a":"{}"}}"#, "x".repeat(1000));
        assert_eq!(rule(codec(None).decode(body.as_bytes(), None)), ("max_body_size", "".into()));
        // 1 + 161 + "id" 2 + 36 = 200 bytes: exactly the limit.
        let fits = format!(r#"{{"a":"{}"}}"#, "x".repeat(161));
        assert!(codec(None).decode(fits.as_bytes(), None).is_ok());
        let over = format!(r#"{{"a":"{}"}}"#, "x".repeat(162));
        assert_eq!(rule(codec(None).decode(over.as_bytes(), None)), ("max_item_size", "".into()));
    }

    #[test]
    fn the_schema_sees_the_record_as_sent() {
        let schema = r#"{"required":["id"],"properties":{"n":{"maximum":3}}}"#;
        match codec(Some(schema)).decode(br#"{"n":4}"#, None) {
            Err(Error::Invalid(found)) => {
                let found: Vec<_> = found.listed.iter().map(|i| (i.path.as_str(), i.keyword)).collect();
                assert_eq!(found, vec![("", "required"), ("/n", "maximum")]);
            }
            other => panic!("expected schema errors, got {other:?}"),
        }
    }
}
