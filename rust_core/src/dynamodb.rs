//! DynamoDB's JSON 1.0 protocol, bytes in and bytes out: request bodies written straight from a
//! parsed record, and answers read straight into the JSON an HTTP API answers with. No
//! AttributeValue is built as objects on the way, in either direction.
//!
//! Answers come from DynamoDB, not from clients, but are still read defensively: a body that is
//! not what the protocol promises is a `Malformed` answer (the caller retries or reports it),
//! never a panic. Values are skipped without recursion, so nesting costs a loop.

use std::ops::Range;

use rayon::prelude::*;

use crate::batch::Rejected;
use crate::codec::{key_attribute, NewKey, RecordCodec};
use crate::error::Error;
use crate::json::Object;
use crate::wire::{self, WireError};
use crate::writer;

/// The `Content-Type` of every request and answer.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// The `X-Amz-Target` prefix: `DynamoDB_20120810.PutItem`.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// The table a request names, and its partition key attribute (a string key).
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub name: &'a str,
    pub key: &'a str,
}

/// How a `PutItem` treats an item that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Only if no item has the key: `ConditionalCheckFailedException` otherwise, with the item
    /// that is there (`ALL_OLD`), so that a retried create can tell its own write from another's.
    Create,
    /// Whatever is there.
    Replace,
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A record decoded into its `PutItem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecord {
    /// The `PutItem` request body.
    pub request: Vec<u8>,
    /// The stored item as compact JSON: the reply to send once DynamoDB says yes.
    pub item: Vec<u8>,
    /// The item's key (generated when the record had none).
    pub key: String,
}

/// A request body decoded by `codec` (parse, DynamoDB's rules, key, schema, size: see
/// `RecordCodec::decode`) into its `PutItem`, in one pass: no item is built as objects.
pub fn put_record(
    codec: &RecordCodec,
    table: Table<'_>,
    body: &[u8],
    new_key: NewKey<'_>,
    put: Put,
) -> Result<PutRecord, Error> {
    let item = codec.decode_keyed(body, new_key)?;
    let key = key_attribute(&item, codec.key()).ok_or(Error::Shape("the record has no string key"))?.to_owned();
    let table = Table { key: codec.key(), ..table }; // the condition names the codec's key
    let mut json = Vec::with_capacity(body.len() + 48);
    writer::write_object(&mut json, &item);
    Ok(PutRecord { request: put_item(table, &item, put), item: json, key })
}

/// A batch decoded by `codec` (see `RecordCodec::decode_many`) into `BatchWriteItem` puts.
#[derive(Debug, Default)]
pub struct PutBatch {
    /// Each accepted record's key and `{"PutRequest":{"Item":...}}`, in input order: the caller
    /// chunks them into requests (`batch_write`), at most 25 puts and 16 MB each.
    pub puts: Vec<(String, Vec<u8>)>,
    pub rejected: Vec<Rejected>,
}

/// A batch body decoded into its puts, written on every core when `parallel`.
pub fn put_batch(codec: &RecordCodec, body: &[u8], ndjson: bool, parallel: bool) -> Result<PutBatch, Error> {
    let batch = codec.decode_many(body, ndjson, parallel)?;
    let put = |item: &Object<'_>| {
        let key = key_attribute(item, codec.key()).unwrap_or_default().to_owned(); // decode_many keys every item
        (key, put_request(item))
    };
    let puts = if parallel { batch.items.par_iter().map(put).collect() } else { batch.items.iter().map(put).collect() };
    Ok(PutBatch { puts, rejected: batch.rejected })
}

/// One put of a `BatchWriteItem`: `{"PutRequest":{"Item":...}}`.
pub fn put_request(item: &Object<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"PutRequest":{"Item":"#);
    wire::write_item(&mut out, item);
    out.extend_from_slice(b"}}");
    out
}

/// `PutItem` of a parsed record (its key among its members).
pub fn put_item(table: Table<'_>, item: &Object<'_>, put: Put) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(br#"{"TableName":"#);
    writer::write_string(&mut out, table.name.as_bytes());
    out.extend_from_slice(br#","Item":"#);
    wire::write_item(&mut out, item);
    if put == Put::Create {
        out.extend_from_slice(
            br##","ConditionExpression":"attribute_not_exists(#k)","ExpressionAttributeNames":{"#k":"##,
        );
        writer::write_string(&mut out, table.key.as_bytes());
        out.extend_from_slice(br#"},"ReturnValuesOnConditionCheckFailure":"ALL_OLD""#);
    }
    out.push(b'}');
    out
}

/// `GetItem` of one key, strongly consistent.
pub fn get_item(table: Table<'_>, key: &str) -> Vec<u8> {
    let mut out = keyed(table, key);
    out.extend_from_slice(br#","ConsistentRead":true}"#);
    out
}

/// `DeleteItem` of one key, only if the item exists (`ConditionalCheckFailedException` if not).
pub fn delete_item(table: Table<'_>, key: &str) -> Vec<u8> {
    let mut out = keyed(table, key);
    out.extend_from_slice(br##","ConditionExpression":"attribute_exists(#k)","ExpressionAttributeNames":{"#k":"##);
    writer::write_string(&mut out, table.key.as_bytes());
    out.extend_from_slice(b"}}");
    out
}

/// One strongly consistent `Scan` page of at most `limit` items, after `start` (a key).
pub fn scan(table: Table<'_>, limit: u32, start: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"TableName":"#);
    writer::write_string(&mut out, table.name.as_bytes());
    out.extend_from_slice(format!(r#","Limit":{limit},"ConsistentRead":true"#).as_bytes());
    if let Some(key) = start {
        out.extend_from_slice(br#","ExclusiveStartKey":"#);
        write_key(&mut out, table, key);
    }
    out.push(b'}');
    out
}

/// `BatchWriteItem` of puts written by `put_request` (DynamoDB takes at most 25 in one call:
/// the caller chunks).
pub fn batch_write<P: AsRef<[u8]>>(table: Table<'_>, puts: impl IntoIterator<Item = P>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(br#"{"RequestItems":{"#);
    writer::write_string(&mut out, table.name.as_bytes());
    out.extend_from_slice(b":[");
    for (i, put) in puts.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(put.as_ref());
    }
    out.extend_from_slice(b"]}}");
    out
}

fn keyed(table: Table<'_>, key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + key.len());
    out.extend_from_slice(br#"{"TableName":"#);
    writer::write_string(&mut out, table.name.as_bytes());
    out.extend_from_slice(br#","Key":"#);
    write_key(&mut out, table, key);
    out
}

fn write_key(out: &mut Vec<u8>, table: Table<'_>, key: &str) {
    out.push(b'{');
    writer::write_string(out, table.key.as_bytes());
    out.extend_from_slice(br#":{"S":"#);
    writer::write_string(out, key.as_bytes());
    out.extend_from_slice(b"}}");
}

// ---------------------------------------------------------------------------------------------
// Answers

/// An answer that is not what the protocol promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// An error answer: DynamoDB's code (`ConditionalCheckFailedException`, ...) and message, and
/// for a failed conditional put with `ALL_OLD`, the item that is there, as plain JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: String,
    pub message: String,
    pub item: Option<Vec<u8>>,
}

/// The error an answer of status 4xx or 5xx carries (`__type` is `<namespace>#<Code>`).
pub fn service_error(answer: &[u8]) -> Result<ServiceError, Malformed> {
    let members = members(answer)?;
    let text = |name: &str| -> Result<Option<String>, Malformed> {
        members.iter().find(|(n, _)| n == name).map(|(_, at)| string(answer, at.clone())).transpose()
    };
    let kind = text("__type")?.ok_or(Malformed("an error answer without __type"))?;
    let code = kind.rsplit_once('#').map_or(kind.as_str(), |(_, code)| code).to_owned();
    let message = text("message")?.or(text("Message")?).unwrap_or_default();
    let item = match members.iter().find(|(n, _)| n == "Item") {
        Some((_, at)) => Some(plain_item(answer, at.clone())?),
        None => None,
    };
    Ok(ServiceError { code, message, item })
}

/// A `GetItem` answer's item as plain JSON; `None` when no item has the key.
pub fn got_item(answer: &[u8]) -> Result<Option<Vec<u8>>, Malformed> {
    let members = members(answer)?;
    match members.iter().find(|(n, _)| n == "Item") {
        Some((_, at)) => Ok(Some(plain_item(answer, at.clone())?)),
        None => Ok(None),
    }
}

/// A `Scan` page: its items as plain JSON, and the key to go on from (`None` after the last).
pub fn scanned(answer: &[u8], table: Table<'_>) -> Result<(Vec<Vec<u8>>, Option<String>), Malformed> {
    let members = members(answer)?;
    let items = match members.iter().find(|(n, _)| n == "Items") {
        Some((_, at)) => elements(answer, at.clone())?
            .into_iter()
            .map(|item| plain_item(answer, item))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let last = match members.iter().find(|(n, _)| n == "LastEvaluatedKey") {
        Some((_, at)) => Some(key_of(answer, at.clone(), table)?),
        None => None,
    };
    Ok((items, last))
}

/// The keys of the puts a `BatchWriteItem` answer left unprocessed, in its order.
pub fn unprocessed(answer: &[u8], table: Table<'_>) -> Result<Vec<String>, Malformed> {
    let members = members(answer)?;
    let Some((_, tables)) = members.iter().find(|(n, _)| n == "UnprocessedItems") else {
        return Ok(Vec::new());
    };
    let tables = members_at(answer, tables.clone())?;
    let Some((_, requests)) = tables.iter().find(|(n, _)| n == table.name) else {
        return Ok(Vec::new());
    };
    let mut keys = Vec::new();
    for request in elements(answer, requests.clone())? {
        let put = members_at(answer, request)?;
        let (_, put) =
            put.iter().find(|(n, _)| n == "PutRequest").ok_or(Malformed("an unprocessed request that is not a put"))?;
        let put = members_at(answer, put.clone())?;
        let (_, item) = put.iter().find(|(n, _)| n == "Item").ok_or(Malformed("a put without an item"))?;
        keys.push(key_of(answer, item.clone(), table)?);
    }
    Ok(keys)
}

/// CRC32 (IEEE) of an answer, as DynamoDB sends it in `x-amz-crc32`.
pub fn crc32(body: &[u8]) -> u32 {
    crc32fast::hash(body)
}

fn plain_item(answer: &[u8], at: Range<usize>) -> Result<Vec<u8>, Malformed> {
    let item = answer.get(at).ok_or(Malformed("a value outside the answer"))?;
    wire::wire_to_json(item).map_err(|e| match e {
        WireError::Json(_) => Malformed("an item that is not valid JSON"),
        WireError::Shape { .. } => Malformed("an item that is not DynamoDB JSON"),
    })
}

/// The string key attribute of an item (or of a key) in wire form.
fn key_of(answer: &[u8], at: Range<usize>, table: Table<'_>) -> Result<String, Malformed> {
    let attributes = members_at(answer, at)?;
    let (_, value) =
        attributes.iter().find(|(n, _)| n == table.key).ok_or(Malformed("an item without the key attribute"))?;
    let value = members_at(answer, value.clone())?;
    match value.as_slice() {
        [(tag, text)] if tag == "S" => string(answer, text.clone()),
        _ => Err(Malformed("a key that is not a string")),
    }
}

/// The members of the object that is the whole answer.
fn members(answer: &[u8]) -> Result<Vec<(String, Range<usize>)>, Malformed> {
    let start = skip_space(answer, 0);
    let end = skip_value(answer, start)?;
    if skip_space(answer, end) != answer.len() {
        return Err(Malformed("data after the answer"));
    }
    members_at(answer, start..end)
}

/// The members of the object at `at`: each name, and its value's bytes.
fn members_at(text: &[u8], at: Range<usize>) -> Result<Vec<(String, Range<usize>)>, Malformed> {
    let not_object = Malformed("an object was expected");
    if text.get(at.start) != Some(&b'{') {
        return Err(not_object);
    }
    let mut found = Vec::new();
    let mut pos = skip_space(text, at.start + 1);
    if text.get(pos) == Some(&b'}') {
        return Ok(found);
    }
    loop {
        let name_end = skip_value(text, pos)?;
        let name = string(text, pos..name_end)?;
        pos = skip_space(text, name_end);
        if text.get(pos) != Some(&b':') {
            return Err(not_object);
        }
        let value_start = skip_space(text, pos + 1);
        let value_end = skip_value(text, value_start)?;
        found.push((name, value_start..value_end));
        pos = skip_space(text, value_end);
        match text.get(pos) {
            Some(b',') => pos = skip_space(text, pos + 1),
            Some(b'}') => return Ok(found),
            _ => return Err(not_object),
        }
    }
}

/// The elements of the array at `at`, as byte ranges.
fn elements(text: &[u8], at: Range<usize>) -> Result<Vec<Range<usize>>, Malformed> {
    let not_array = Malformed("an array was expected");
    if text.get(at.start) != Some(&b'[') {
        return Err(not_array);
    }
    let mut found = Vec::new();
    let mut pos = skip_space(text, at.start + 1);
    if text.get(pos) == Some(&b']') {
        return Ok(found);
    }
    loop {
        let end = skip_value(text, pos)?;
        found.push(pos..end);
        pos = skip_space(text, end);
        match text.get(pos) {
            Some(b',') => pos = skip_space(text, pos + 1),
            Some(b']') => return Ok(found),
            _ => return Err(not_array),
        }
    }
}

/// A JSON string's text, escapes decoded.
fn string(text: &[u8], at: Range<usize>) -> Result<String, Malformed> {
    let raw = text.get(at).ok_or(Malformed("a string was expected"))?;
    serde_json::from_slice::<String>(raw).map_err(|_| Malformed("a string was expected"))
}

fn skip_space(text: &[u8], mut pos: usize) -> usize {
    while matches!(text.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// The end of the JSON value starting at `pos`. Containers are matched by counting brackets
/// outside strings, in a loop; scalars run to the next delimiter. Whether the value is well
/// formed inside is for whoever reads it (`wire_to_json` checks items fully).
fn skip_value(text: &[u8], pos: usize) -> Result<usize, Malformed> {
    let truncated = Malformed("the answer ends inside a value");
    match text.get(pos) {
        Some(b'"') => skip_string(text, pos),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = pos;
            loop {
                match text.get(i) {
                    None => return Err(truncated),
                    Some(b'"') => {
                        i = skip_string(text, i)?;
                        continue;
                    }
                    Some(b'{' | b'[') => depth += 1,
                    Some(b'}' | b']') => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    Some(_) => {}
                }
                i += 1;
            }
        }
        Some(_) => {
            let len = text[pos..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(text.len() - pos);
            if len == 0 {
                return Err(Malformed("a value was expected"));
            }
            Ok(pos + len)
        }
        None => Err(truncated),
    }
}

/// The end of the string whose opening quote is at `pos` (past its closing quote).
fn skip_string(text: &[u8], pos: usize) -> Result<usize, Malformed> {
    let mut i = pos + 1;
    loop {
        match text.get(i) {
            None => return Err(Malformed("the answer ends inside a string")),
            Some(b'\\') => i += 2,
            Some(b'"') => return Ok(i + 1),
            Some(_) => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_record;

    const TABLE: Table<'static> = Table { name: "items", key: "id" };

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn requests() {
        let item = parse_record(br#"{"id":"a\"b","n":1.50,"l":[true,null,{"x":"y"}]}"#).unwrap();
        assert_eq!(
            text(&put_item(TABLE, &item, Put::Create)),
            r##"{"TableName":"items","Item":{"id":{"S":"a\"b"},"n":{"N":"1.50"},"l":{"L":[{"BOOL":true},{"NULL":true},{"M":{"x":{"S":"y"}}}]}},"ConditionExpression":"attribute_not_exists(#k)","ExpressionAttributeNames":{"#k":"id"},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}"##
        );
        assert_eq!(
            text(&put_item(TABLE, &item[..1].to_vec(), Put::Replace)),
            r#"{"TableName":"items","Item":{"id":{"S":"a\"b"}}}"#
        );
        assert_eq!(
            text(&get_item(TABLE, "a/b")),
            r#"{"TableName":"items","Key":{"id":{"S":"a/b"}},"ConsistentRead":true}"#
        );
        assert_eq!(
            text(&delete_item(TABLE, "k")),
            r##"{"TableName":"items","Key":{"id":{"S":"k"}},"ConditionExpression":"attribute_exists(#k)","ExpressionAttributeNames":{"#k":"id"}}"##
        );
        assert_eq!(text(&scan(TABLE, 10, None)), r#"{"TableName":"items","Limit":10,"ConsistentRead":true}"#);
        assert_eq!(
            text(&scan(TABLE, 10, Some("k"))),
            r#"{"TableName":"items","Limit":10,"ConsistentRead":true,"ExclusiveStartKey":{"id":{"S":"k"}}}"#
        );
        let items = [parse_record(br#"{"id":"a"}"#).unwrap(), parse_record(br#"{"id":"b"}"#).unwrap()];
        assert_eq!(
            text(&batch_write(TABLE, items.iter().map(put_request))),
            r#"{"RequestItems":{"items":[{"PutRequest":{"Item":{"id":{"S":"a"}}}},{"PutRequest":{"Item":{"id":{"S":"b"}}}}]}}"#
        );
    }

    #[test]
    fn answers() {
        let error = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"id":{"S":"a"},"n":{"N":"2"}}}"#;
        assert_eq!(
            service_error(error),
            Ok(ServiceError {
                code: "ConditionalCheckFailedException".into(),
                message: "The conditional request failed".into(),
                item: Some(br#"{"id":"a","n":2}"#.to_vec()),
            })
        );
        let throttled = br#"{"__type":"com.amazon.coral.availability#ThrottlingException","Message":"Rate exceeded"}"#;
        assert_eq!(
            service_error(throttled).map(|e| (e.code, e.message)),
            Ok(("ThrottlingException".into(), "Rate exceeded".into()))
        );
        assert_eq!(got_item(b"{}"), Ok(None));
        assert_eq!(
            got_item(br#" {"Item": {"id": {"S": "a"}, "b": {"B": "AAE="}}} "#),
            Ok(Some(br#"{"id":"a","b":"AAE="}"#.to_vec()))
        );
        let page = br#"{"Count":2,"Items":[{"id":{"S":"a"}},{"id":{"S":"b"},"s":{"SS":["x","y"]}}],"LastEvaluatedKey":{"id":{"S":"b"}},"ScannedCount":2}"#;
        assert_eq!(
            scanned(page, TABLE),
            Ok((vec![br#"{"id":"a"}"#.to_vec(), br#"{"id":"b","s":["x","y"]}"#.to_vec()], Some("b".into())))
        );
        assert_eq!(scanned(br#"{"Count":0,"Items":[]}"#, TABLE), Ok((vec![], None)));
        let left = br#"{"UnprocessedItems":{"items":[{"PutRequest":{"Item":{"n":{"N":"1"},"id":{"S":"k\u00e9"}}}}]}}"#;
        assert_eq!(unprocessed(left, TABLE), Ok(vec!["k\u{e9}".to_owned()]));
        assert_eq!(unprocessed(br#"{"UnprocessedItems":{}}"#, TABLE), Ok(vec![]));
    }

    #[test]
    fn malformed_answers_are_errors() {
        for answer in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"Item\":",
            b"{\"Item\":{\"id\":{\"Q\":1}}}",
            b"{} x",
            b"{\"Items\":{}}",
            b"{\"a\" 1}",
        ] {
            assert!(got_item(answer).is_err() || scanned(answer, TABLE).is_err(), "{answer:?}");
        }
        assert_eq!(service_error(b"{}"), Err(Malformed("an error answer without __type")));
        let deep = format!("{{\"Item\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(got_item(deep.as_bytes()).is_err());
    }

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"{}"), 2_745_614_147);
    }
}
