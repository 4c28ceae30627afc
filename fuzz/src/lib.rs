//! The fuzz targets' oracles, one function per target taking the raw input. A panic is a finding:
//! libFuzzer reports it as a crash, and `cargo test` (tests/replay.rs) replays every corpus and
//! regression file through the same functions without libFuzzer.
//!
//! Each oracle checks, beyond "no panic, no hang": that only the documented errors come back
//! (values of the core's error types, with the fields the contract promises), and, against the
//! independent model in `reference`, that the answer is the right one: the tree, the violations
//! and their JSON Pointers, the plain JSON or DynamoDB JSON written, and the round trips.

pub mod reference;

use std::borrow::Cow;

use rust_core::batch::Batch;
use rust_core::codec::{Limits, RecordCodec};
use rust_core::dynamodb::{self, Table};
use rust_core::error::{Error, Invalid, Report, Rule, SyntaxError, MAX_LISTED};
use rust_core::json::{self, Value};
use rust_core::schema::Schema;
use rust_core::size;
use rust_core::wire::{self, Mismatch, WireError};
use rust_core::writer;

use reference::{Doc, Kind};

/// The schema the Lambda function validates records with: small and realistic.
pub const SCHEMA: &str = include_str!("../../py_handler/schema.json");

/// The start of an input, for failure messages.
fn show(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    text.chars().take(300).collect()
}

// ---------------------------------------------------------------------------------------------
// json.rs

/// The JSON parser: `parse_document`, `parse_record` and `parse_batch` against the model.
pub fn json_parse(data: &[u8]) {
    let doc = reference::parse(data);
    let document = json::parse_document(data);
    match (&doc, &document) {
        (None, Ok(_)) => panic!("the core accepts malformed JSON: {:?}", show(data)),
        (Some(_), Err(e)) => panic!("the core rejects valid JSON ({e:?}): {:?}", show(data)),
        (None, Err(e)) => check_syntax_error(data, e),
        (Some(doc), Ok((value, violations))) => {
            check_value(doc, doc.root, value, 0);
            check_violations(doc, doc.root, violations);
        }
    }
    check_record(data, doc.as_ref());
    check_batch(data, doc.as_ref());
}

/// A syntax error's position is within the input, after valid UTF-8 only, and locatable.
fn check_syntax_error(data: &[u8], e: &SyntaxError) {
    assert!(e.byte_pos <= data.len(), "error past the end: {e:?}");
    assert!(!e.message.is_empty());
    assert!(std::str::from_utf8(&data[..e.byte_pos]).is_ok(), "error inside a character or after invalid UTF-8: {e:?}");
    let at = json::position(data, e.byte_pos);
    assert!(at.lineno >= 1 && at.colno >= 1 && at.pos <= e.byte_pos);
}

/// The core's tree is the model's, containers past the 32nd level standing as null.
fn check_value(doc: &Doc, id: usize, value: &Value<'_>, enclosing: usize) {
    match (doc.kind(id), value) {
        (Kind::Array(_) | Kind::Object(_), Value::Null) if enclosing >= reference::MAX_DEPTH => {}
        (Kind::Null, Value::Null) => {}
        (Kind::Bool(a), Value::Bool(b)) => assert_eq!(a, b),
        (Kind::Number(a), Value::Number(b)) => assert_eq!(a, b, "number text changed"),
        (Kind::String(a), Value::String(b)) => assert_eq!(a.text, b.as_ref(), "string decoded differently"),
        (Kind::Array(items), Value::Array(values)) => {
            assert_eq!(items.len(), values.len());
            for (&item, value) in items.iter().zip(values) {
                check_value(doc, item, value, enclosing + 1);
            }
        }
        (Kind::Object(members), Value::Object(values)) => {
            assert_eq!(members.len(), values.len());
            for (m, (key, value)) in members.iter().zip(values) {
                assert_eq!(m.key.text, key.as_ref(), "key decoded differently");
                check_value(doc, m.value, value, enclosing + 1);
            }
        }
        (kind, value) => panic!("the core parsed {value:?} where the model has {kind:?}"),
    }
}

fn is_json_error(rule: Rule) -> bool {
    matches!(rule, Rule::DuplicateKey | Rule::LoneSurrogate)
}

/// The violations json.rs found are the model's: the first `MAX_LISTED` in reading order, the
/// rest counted, and the first malformed JSON wherever it is.
fn check_violations(doc: &Doc, root: usize, found: &json::Violations) {
    let expected = reference::json_violations(doc, root);
    let listed: Vec<(Rule, &str, usize)> = found.listed.iter().map(|v| (v.rule, v.path.as_str(), v.byte_pos)).collect();
    let want: Vec<(Rule, &str, usize)> =
        expected.iter().take(MAX_LISTED).map(|v| (v.rule, v.path.as_str(), v.pos)).collect();
    assert_eq!(listed, want, "violations differ");
    assert_eq!(found.unlisted, expected.len().saturating_sub(MAX_LISTED), "unlisted count differs");
    let first_json_error = expected.iter().find(|v| is_json_error(v.rule)).map(|v| (v.rule, v.pos));
    assert_eq!(found.json_error.as_ref().map(|v| (v.rule, v.byte_pos)), first_json_error, "json_error differs");
}

/// What `parse_record` (so `json_to_item`) must answer for a document the model parsed.
fn expected_record_error(doc: &Doc) -> Option<Error> {
    if !matches!(doc.kind(doc.root), Kind::Object(_)) {
        return Some(Error::Shape("The JSON body must be an object"));
    }
    let expected = reference::json_violations(doc, doc.root);
    if let Some(v) = expected.iter().find(|v| is_json_error(v.rule)) {
        return Some(Error::Syntax(SyntaxError { message: v.rule.message(), byte_pos: v.pos }));
    }
    if expected.is_empty() {
        return None;
    }
    let listed = expected.iter().take(MAX_LISTED).map(|v| Invalid::limit(v.rule, v.path.clone())).collect();
    Some(Error::Limits(Report { listed, unlisted: expected.len().saturating_sub(MAX_LISTED) }))
}

/// `parse_record` against the model; its members when it accepts.
fn check_record<'a>(data: &'a [u8], doc: Option<&Doc>) -> Option<json::Object<'a>> {
    let record = json::parse_record(data);
    match (doc, record) {
        (None, Ok(_)) => panic!("parse_record accepts malformed JSON: {:?}", show(data)),
        (None, Err(Error::Syntax(e))) => {
            assert_eq!(
                Err(e),
                json::parse_document(data).map(|_| ()),
                "parse_record's syntax error is not the document's"
            );
            None
        }
        (None, Err(e)) => panic!("malformed JSON is not a syntax error: {e:?}"),
        (Some(doc), record) => match (expected_record_error(doc), record) {
            (None, Ok(members)) => {
                check_value(doc, doc.root, &Value::Object(members.clone()), 0);
                Some(members)
            }
            (Some(want), Err(got)) => {
                assert_eq!(got, want, "parse_record's error differs: {:?}", show(data));
                None
            }
            (want, got) => panic!("parse_record answered {got:?}, the model {want:?}: {:?}", show(data)),
        },
    }
}

/// `parse_batch` against the model: an array's elements each parsed as a record.
fn check_batch(data: &[u8], doc: Option<&Doc>) {
    let batch = json::parse_batch(data);
    let Some(doc) = doc else {
        match batch {
            Err(Error::Syntax(e)) => {
                assert_eq!(Err(e), json::parse_document(data).map(|_| ()), "parse_batch's syntax error differs");
            }
            other => panic!("parse_batch on malformed JSON answered {other:?}: {:?}", show(data)),
        }
        return;
    };
    let Kind::Array(items) = doc.kind(doc.root) else {
        assert_eq!(batch.map(|_| ()), Err(Error::Shape("A batch must be a JSON array of records")));
        return;
    };
    let records = match batch {
        Ok(records) => records,
        Err(e) => panic!("parse_batch rejects an array: {e:?}"),
    };
    assert_eq!(records.len(), items.len());
    for (&item, (value, violations)) in items.iter().zip(&records) {
        check_value(doc, item, value, 0);
        check_violations(doc, item, violations);
    }
}

/// `json_to_item` as the core does it (`parse_record`, the item as members), and its inverse
/// `item_to_json` (`writer::write_object`): the round trip gives the input back, compact, with
/// exact numbers; and the item's size is DynamoDB's.
pub fn json_to_item(data: &[u8]) {
    let doc = reference::parse(data);
    let Some(members) = check_record(data, doc.as_ref()) else { return };
    let Some(doc) = doc else { unreachable!("check_record accepted malformed JSON") };
    let mut out = Vec::new();
    writer::write_object(&mut out, &members);
    let expected = reference::write_compact(&doc, doc.root);
    assert_eq!(String::from_utf8_lossy(&out), expected, "item_to_json(json_to_item(x)) is not x, compact");
    match json::parse_record(&out) {
        Ok(again) => assert_eq!(again, members, "the written item reads back differently"),
        Err(e) => panic!("the written item does not read back: {e:?}"),
    }
    assert_eq!(size::members_size(&members, 0), model_item_size(&doc), "item size differs");
}

/// DynamoDB's item size, counted on the model: names and strings in UTF-8 bytes, a number one
/// byte per two significant digits either side of the point plus one (plus one when negative),
/// booleans and nulls one byte, containers 3 bytes plus one per element.
fn model_item_size(doc: &Doc) -> usize {
    fn value(doc: &Doc, id: usize) -> usize {
        match doc.kind(id) {
            Kind::Null | Kind::Bool(_) => 1,
            Kind::String(s) => s.text.len(),
            Kind::Number(n) => {
                let Some((negative, digits, exp)) = reference::value_of(n) else { panic!("not a number: {n}") };
                if digits.is_empty() {
                    return 1;
                }
                let count = digits.len() as i128;
                let whole = (count + exp).clamp(0, count) as usize;
                whole.div_ceil(2) + (digits.len() - whole).div_ceil(2) + 1 + usize::from(negative)
            }
            Kind::Array(items) => 3 + items.iter().map(|&i| 1 + value(doc, i)).sum::<usize>(),
            Kind::Object(members) => {
                3 + members.iter().map(|m| m.key.text.len() + 1 + value(doc, m.value)).sum::<usize>()
            }
        }
    }
    let Kind::Object(members) = doc.kind(doc.root) else { return 0 };
    members.iter().map(|m| m.key.text.len() + value(doc, m.value)).sum()
}

// ---------------------------------------------------------------------------------------------
// wire.rs

/// `json_to_wire`: `json_to_item`'s errors exactly; on success the DynamoDB JSON the model writes
/// (compact, `json.dumps`'s escaping), which `wire_to_json` turns back into `item_to_json`'s bytes.
pub fn json_to_wire(data: &[u8]) {
    let result = wire::json_to_wire(data);
    let record = json::parse_record(data);
    let (out, members) = match (result, record) {
        (Ok(out), Ok(members)) => (out, members),
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "json_to_wire's error is not json_to_item's");
            return;
        }
        (a, b) => panic!("json_to_wire answered {a:?}, parse_record {b:?}: {:?}", show(data)),
    };
    let Some(doc) = reference::parse(data) else { panic!("json_to_wire accepted malformed JSON") };
    let Kind::Object(_) = doc.kind(doc.root) else { panic!("json_to_wire accepted a non-object") };
    assert_eq!(String::from_utf8_lossy(&out), model_wire(&doc, doc.root), "DynamoDB JSON differs");
    let mut plain = Vec::new();
    writer::write_object(&mut plain, &members);
    match wire::wire_to_json(&out) {
        Ok(back) => assert_eq!(back, plain, "wire_to_json(json_to_wire(x)) is not item_to_json(json_to_item(x))"),
        Err(e) => panic!("wire_to_json refuses json_to_wire's output: {e:?}"),
    }
}

/// A plain JSON object as DynamoDB JSON, compact.
fn model_wire(doc: &Doc, root: usize) -> String {
    fn attribute(doc: &Doc, id: usize, out: &mut String) {
        match doc.kind(id) {
            Kind::Null => out.push_str(r#"{"NULL":true}"#),
            Kind::Bool(b) => out.push_str(if *b { r#"{"BOOL":true}"# } else { r#"{"BOOL":false}"# }),
            Kind::Number(n) => {
                out.push_str(r#"{"N":"#);
                reference::write_string(out, n);
                out.push('}');
            }
            Kind::String(s) => {
                out.push_str(r#"{"S":"#);
                reference::write_string(out, &s.text);
                out.push('}');
            }
            Kind::Array(items) => {
                out.push_str(r#"{"L":["#);
                for (i, &item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    attribute(doc, item, out);
                }
                out.push_str("]}");
            }
            Kind::Object(_) => {
                out.push_str(r#"{"M":"#);
                map(doc, id, out);
                out.push('}');
            }
        }
    }
    fn map(doc: &Doc, id: usize, out: &mut String) {
        let Kind::Object(members) = doc.kind(id) else { return };
        out.push('{');
        for (i, m) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            reference::write_string(out, &m.key.text);
            out.push(':');
            attribute(doc, m.value, out);
        }
        out.push('}');
    }
    let mut out = String::new();
    map(doc, root, &mut out);
    out
}

/// `wire_to_json` against the model: json.rs's syntax errors at the same places; then a top level
/// that is not an object; the first repeated name or lone surrogate; the first mismatch with its
/// pointer; DynamoDB's limits with theirs; or the plain JSON the model writes. On success,
/// `json_to_wire` takes the plain JSON and the pair is a fixed point.
pub fn wire_to_json(data: &[u8]) {
    let result = wire::wire_to_json(data);
    let Some(doc) = reference::parse(data) else {
        let syntax = json::parse_document(data).map(|_| ()).map_err(|e| WireError::Json(Error::Syntax(e)));
        assert!(syntax.is_err(), "json.rs accepts what the model calls malformed: {:?}", show(data));
        assert_eq!(result.map(|_| ()), syntax, "wire_to_json's syntax error is not json.rs's: {:?}", show(data));
        return;
    };
    let expected = match reference::wire_verdict(&doc) {
        reference::WireVerdict::Plain(plain) => Ok(plain.into_bytes()),
        reference::WireVerdict::Item => Err(WireError::Shape { mismatch: Mismatch::Item, path: String::new() }),
        reference::WireVerdict::Malformed(rule, byte_pos) => {
            Err(WireError::Json(Error::Syntax(SyntaxError { message: rule.message(), byte_pos })))
        }
        reference::WireVerdict::Mismatch(mismatch, path) => Err(WireError::Shape { mismatch, path }),
        reference::WireVerdict::Limits(limits) => {
            let listed = limits
                .iter()
                .take(MAX_LISTED)
                .map(|(keyword, path)| Invalid {
                    path: path.clone(),
                    keyword,
                    message: limit_message(keyword).to_owned(),
                })
                .collect();
            let unlisted = limits.len().saturating_sub(MAX_LISTED);
            Err(WireError::Json(Error::Limits(Report { listed, unlisted })))
        }
    };
    let plain = match (result, expected) {
        (Ok(got), Ok(want)) => {
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want), "plain JSON differs");
            got
        }
        (got, want) => {
            assert_eq!(got, want, "wire_to_json's answer differs: {:?}", show(data));
            return;
        }
    };
    // Numbers that were not JSON were mended, keeping their value: checked apart from the text.
    let Some(plain_doc) = reference::parse(&plain) else { panic!("wire_to_json wrote malformed JSON") };
    assert_eq!(reference::write_compact(&plain_doc, plain_doc.root).as_bytes(), plain, "not compact JSON");
    match wire::json_to_wire(&plain) {
        Ok(again) => assert_eq!(wire::wire_to_json(&again), Ok(plain), "wire_to_json(json_to_wire(p)) is not p"),
        Err(e) => panic!("json_to_wire refuses wire_to_json's output: {e:?}"),
    }
}

fn limit_message(keyword: &str) -> &'static str {
    [Rule::EmptyName, Rule::MaxDepth, Rule::NumberPrecision, Rule::NumberRange]
        .into_iter()
        .find(|r| r.keyword() == keyword)
        .map_or("", Rule::message)
}

// ---------------------------------------------------------------------------------------------
// The record codec

/// The codecs records are decoded with: the function's schema with the default limits and key,
/// and one without a schema, with small limits and another key name.
struct Codecs {
    full: RecordCodec,
    small: RecordCodec,
    /// `small` without its body limit: a batch's records each have none of their own, so this
    /// decodes them alone as the batch must.
    small_records: RecordCodec,
}

const SMALL_LIMITS: Limits =
    Limits { max_body_bytes: 4096, max_item_bytes: 600, max_batch_body_bytes: 8192, max_batch_records: 20 };

impl Codecs {
    fn new() -> Self {
        let schema = match Schema::compile(SCHEMA, true) {
            Ok(schema) => schema,
            Err(e) => panic!("py_handler/schema.json does not compile: {e:?}"),
        };
        Codecs {
            full: RecordCodec::new(Some(schema), "id".into(), Limits::default()),
            small: RecordCodec::new(None, "pk".into(), SMALL_LIMITS),
            small_records: RecordCodec::new(None, "pk".into(), Limits { max_body_bytes: usize::MAX, ..SMALL_LIMITS }),
        }
    }
}

thread_local! {
    static CODECS: Codecs = Codecs::new();
}

/// A generated key: a hyphenated UUIDv7.
fn is_generated_key(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, &c)| if [8, 13, 18, 23].contains(&i) { c == b'-' } else { c.is_ascii_hexdigit() })
        && b[14] == b'7'
}

/// The key rule a body's own key breaks, if any.
fn key_rule(key: &str) -> Option<Rule> {
    match key {
        "" => Some(Rule::KeyEmpty),
        "." | ".." => Some(Rule::KeyDotSegment),
        _ if key.len() > 2048 => Some(Rule::KeySize),
        _ => None,
    }
}

/// Every error a report lists is well-formed: a keyword, a message, a pointer that resolves in
/// the record (when there is one), at most `MAX_LISTED`, and within the reply budget.
fn check_report(report: &Report, record: Option<&Value<'_>>) {
    assert!(!report.is_empty(), "an error without entries");
    assert!(report.listed.len() <= MAX_LISTED);
    for invalid in &report.listed {
        assert!(!invalid.keyword.is_empty() && !invalid.message.is_empty(), "{invalid:?}");
        assert!(invalid.path.is_empty() || invalid.path.starts_with('/'), "{invalid:?}");
        if let Some(record) = record {
            assert!(
                rust_core::pointer::resolve(record, &invalid.path).is_some(),
                "{invalid:?} points at nothing in the record"
            );
        }
    }
}

/// `RecordCodec.decode` with the function's schema and with small limits: parse_record's errors
/// first, then the key's rules, the schema, the key mismatch and the item's size; on success the
/// record's members, the key first when it was added.
pub fn codec_decode(data: &[u8]) {
    CODECS.with(|codecs| {
        for (codec, limits, given) in [
            (&codecs.full, Limits::default(), None),
            (&codecs.full, Limits::default(), Some("k")),
            (&codecs.small, SMALL_LIMITS, None),
            (&codecs.small, SMALL_LIMITS, Some("..")),
        ] {
            check_decode(codec, limits, data, given);
        }
    });
}

fn check_decode(codec: &RecordCodec, limits: Limits, data: &[u8], given: Option<&str>) {
    let result = codec.decode(data, given);
    if data.len() > limits.max_body_bytes {
        assert_eq!(result.map(|_| ()), Err(Error::limit(Rule::MaxBodySize)));
        return;
    }
    let members = match json::parse_record(data) {
        Ok(members) => members,
        Err(e) => {
            assert_eq!(result.map(|_| ()), Err(e.fitted()), "decode's error is not parse_record's");
            return;
        }
    };
    let key = codec.key();
    let body_key = members.iter().find(|(name, _)| name == key).map(|(_, value)| value);
    let body_key = match body_key {
        Some(Value::String(s)) => Some(s.as_ref()),
        Some(_) => {
            let mut path = String::new();
            rust_core::pointer::push_token(&mut path, key);
            assert_eq!(result.map(|_| ()), Err(Error::at(Rule::KeyType, path)), "a key that is not a string");
            return;
        }
        None => None,
    };
    let broken = body_key.and_then(key_rule).or_else(|| given.and_then(key_rule));
    let record = Value::Object(members.clone());
    match result {
        Ok(item) => {
            assert!(broken.is_none(), "decode accepts a key breaking {broken:?}");
            match body_key {
                Some(k) => {
                    assert!(given.is_none_or(|g| g == k), "decode accepts a key mismatch");
                    assert_eq!(item, members, "the item is not the record");
                }
                None => {
                    let Some((name, Value::String(k))) = item.first() else { panic!("no key added: {item:?}") };
                    assert_eq!(name, key);
                    match given {
                        Some(g) => assert_eq!(k, g),
                        None => assert!(is_generated_key(k), "not a generated key: {k}"),
                    }
                    assert_eq!(item[1..], members[..], "the item is not the record and its key");
                }
            }
            assert!(size::members_size(&item, 0) <= limits.max_item_bytes, "an item over the size limit");
        }
        Err(Error::Limits(report)) => {
            let rules: Vec<&str> = report.listed.iter().map(|i| i.keyword).collect();
            match rules.as_slice() {
                [keyword] if Some(*keyword) == broken.map(Rule::keyword) => {}
                ["max_item_size"] => {
                    let added = if body_key.is_some() { 0 } else { key.len() + given.map_or(36, str::len) };
                    assert!(broken.is_none());
                    assert!(size::members_size(&members, 0) + added > limits.max_item_bytes, "size refused wrongly");
                }
                _ => panic!("unexpected limits {report:?} (key rule {broken:?}): {:?}", show(data)),
            }
            check_report(&report, None);
        }
        Err(Error::Invalid(report)) => {
            assert!(broken.is_none(), "schema checked before the key rules");
            check_report(&report, Some(&record));
        }
        Err(Error::KeyMismatch) => {
            assert!(broken.is_none());
            assert!(matches!((given, body_key), (Some(g), Some(k)) if g != k), "a key mismatch that is not one");
        }
        Err(e) => panic!("decode answered {e:?} for a well-formed record: {:?}", show(data)),
    }
}

/// `RecordCodec.decode_many`, the same body as a JSON array and as NDJSON, with both codecs:
/// each record accepted or rejected exactly as `decode` treats it alone, in order, ids unique.
pub fn decode_many(data: &[u8]) {
    check_decode_many(data, false);
}

/// `decode_many` sequentially and, when `parallel`, in parallel too (the same answers, generated
/// keys aside). The fuzz target stays on one thread; the corpus replay checks both.
pub fn check_decode_many(data: &[u8], parallel: bool) {
    CODECS.with(|codecs| {
        let pairs =
            [(&codecs.full, &codecs.full, Limits::default()), (&codecs.small, &codecs.small_records, SMALL_LIMITS)];
        for (codec, alone, limits) in pairs {
            for ndjson in [false, true] {
                let batch = codec.decode_many(data, ndjson, false);
                check_batch_result(codec, alone, limits, data, ndjson, &batch);
                if parallel {
                    let again = codec.decode_many(data, ndjson, true);
                    assert_eq!(summary(codec, &again), summary(codec, &batch), "parallel and sequential differ");
                }
            }
        }
    });
}

type Summary = Result<(Vec<Vec<(String, String)>>, Vec<(usize, Option<usize>, Report)>), Error>;

/// A batch's answer with generated keys blanked.
fn summary(codec: &RecordCodec, batch: &Result<Batch<'_>, Error>) -> Summary {
    let batch = batch.as_ref().map_err(Clone::clone)?;
    let items = batch
        .items
        .iter()
        .map(|item| {
            item.iter()
                .map(|(name, value)| {
                    let mut text = Vec::new();
                    match value {
                        Value::String(s) if name == codec.key() && is_generated_key(s) => text.extend(b"<generated>"),
                        other => writer::write_object(&mut text, &vec![(Cow::Borrowed(""), other.clone())]),
                    }
                    (name.to_string(), String::from_utf8_lossy(&text).into_owned())
                })
                .collect()
        })
        .collect();
    let rejected = batch.rejected.iter().map(|r| (r.index, r.line, r.errors.clone())).collect();
    Ok((items, rejected))
}

/// The records of a body: each one's text and NDJSON line number.
fn records_of(data: &[u8], ndjson: bool) -> Option<Vec<(&[u8], Option<usize>)>> {
    if ndjson {
        return Some(
            data.split(|&b| b == b'\n')
                .enumerate()
                .filter(|(_, line)| !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')))
                .map(|(i, line)| (line, Some(i + 1)))
                .collect(),
        );
    }
    let doc = reference::parse(data)?;
    let Kind::Array(items) = doc.kind(doc.root) else { return Some(Vec::new()) };
    Some(items.iter().map(|&i| (&data[doc.node(i).start..doc.node(i).end], None)).collect())
}

/// A batch's answer against `alone_codec`, the same codec decoding each record by itself.
fn check_batch_result(
    codec: &RecordCodec,
    alone_codec: &RecordCodec,
    limits: Limits,
    data: &[u8],
    ndjson: bool,
    batch: &Result<Batch<'_>, Error>,
) {
    if data.len() > limits.max_batch_body_bytes {
        assert_eq!(batch.as_ref().map(|_| ()), Err(&Error::limit(Rule::MaxBodySize)));
        return;
    }
    let Some(records) = records_of(data, ndjson) else {
        let Err(Error::Syntax(e)) = batch else { panic!("decode_many accepts malformed JSON: {:?}", show(data)) };
        assert_eq!(Err(e.clone()), json::parse_document(data).map(|_| ()), "decode_many's syntax error differs");
        return;
    };
    if !ndjson && !reference::parse(data).is_some_and(|d| matches!(d.kind(d.root), Kind::Array(_))) {
        assert_eq!(batch.as_ref().map(|_| ()), Err(&Error::Shape("A batch must be a JSON array of records")));
        return;
    }
    if records.len() > limits.max_batch_records {
        assert_eq!(batch.as_ref().map(|_| ()), Err(&Error::limit(Rule::MaxRecords)));
        return;
    }
    let batch = match batch {
        Ok(batch) => batch,
        Err(e) => panic!("decode_many refused the whole body: {e:?}: {:?}", show(data)),
    };
    assert_eq!(batch.items.len() + batch.rejected.len(), records.len(), "records lost or invented");
    let key = codec.key();
    let mut ids = std::collections::HashSet::new();
    let (mut items, mut rejected) = (batch.items.iter(), batch.rejected.iter());
    for (index, (text, line)) in records.into_iter().enumerate() {
        // The record alone: `decode` with a generated key (the size a batch counts for it too).
        let alone = alone_codec.decode(text, None);
        let members = json::parse_record(text).ok();
        let own_id = members.as_ref().and_then(|m| rust_core::codec::key_attribute(m, key).map(str::to_owned));
        let accepted = match (&alone, &own_id) {
            (Ok(_), Some(id)) => ids.insert(id.clone()),
            (Ok(_), None) => true,
            (Err(_), _) => false,
        };
        if accepted {
            let Some(item) = items.next() else { panic!("record {index} was not accepted: {:?}", show(text)) };
            let Some(members) = members else { unreachable!("decode accepted what parse_record refuses") };
            if own_id.is_some() {
                assert_eq!(item, &members, "record {index}: the item is not the record");
            } else {
                let Some((name, Value::String(k))) = item.first() else { panic!("record {index}: no key added") };
                assert!(name == key && is_generated_key(k), "record {index}: not a generated key");
                assert_eq!(item[1..], members[..], "record {index}: the item is not the record and its key");
            }
            continue;
        }
        let Some(r) = rejected.next() else { panic!("record {index} was accepted: {:?}", show(text)) };
        assert_eq!((r.index, r.line), (index, line), "rejected records out of order");
        check_report(&r.errors, None);
        let keywords: Vec<&str> = r.errors.listed.iter().map(|i| i.keyword).collect();
        match &alone {
            Ok(_) => assert_eq!(keywords, ["duplicate_id"], "record {index}: a repeated id"),
            Err(Error::Syntax(_)) if reference::parse(text).is_none() => {
                assert_eq!(keywords, ["json_syntax"], "record {index}: malformed");
            }
            Err(Error::Shape(_)) => assert_eq!(keywords, ["type"], "record {index}: not an object"),
            Err(Error::Limits(report) | Error::Invalid(report)) => {
                let total = |r: &Report| r.listed.len() + r.unlisted;
                let report: &Report = report;
                assert_eq!(total(&r.errors), total(report), "record {index}: error counts differ");
                let listed: Vec<&str> = report.listed.iter().map(|i| i.keyword).collect();
                assert!(listed.starts_with(&keywords), "record {index}: errors differ: {keywords:?} {listed:?}");
            }
            Err(_) => {}
        }
    }
    assert!(items.next().is_none() && rejected.next().is_none(), "more answers than records");
}

// ---------------------------------------------------------------------------------------------
// dynamodb.rs: answers

const TABLE: Table<'static> = Table { name: "items", key: "id" };

/// The answer parsers (GetItem, Scan, BatchWriteItem, error answers): never a panic, whatever the
/// bytes; and on a well-formed answer (valid JSON, no lone surrogates: DynamoDB sends none), the
/// answer the model reads: members found by their first occurrence, items as `wire_to_json` has
/// them.
pub fn dynamodb_answers(data: &[u8]) {
    let got = dynamodb::got_item(data);
    let scanned = dynamodb::scanned(data, TABLE);
    let unprocessed = dynamodb::unprocessed(data, TABLE);
    let service = dynamodb::service_error(data);
    let _ = dynamodb::crc32(data);
    let Some(doc) = reference::parse(data) else { return };
    if !doc.json_errors().iter().all(|&(rule, _)| rule == Rule::DuplicateKey) {
        return;
    }
    let answer = Answer { doc: &doc, data };
    assert_eq!(got.same(), answer.got_item(), "GetItem answer read differently: {:?}", show(data));
    assert_eq!(scanned.same(), answer.scanned(), "Scan answer read differently: {:?}", show(data));
    assert_eq!(unprocessed.same(), answer.unprocessed(), "BatchWriteItem answer read differently: {:?}", show(data));
    assert_eq!(
        service.map(|e| (e.code, e.message, e.item)).same(),
        answer.service_error(),
        "error answer read differently: {:?}",
        show(data)
    );
}

type Malformed = dynamodb::Malformed;

/// The model of the answer parsers, on a parsed answer. Which `Malformed` message comes back is
/// not the contract: any `Malformed` matches any other (see `same`).
struct Answer<'a> {
    doc: &'a Doc,
    data: &'a [u8],
}

const ANY: Malformed = dynamodb::Malformed("any");

impl Answer<'_> {
    fn member(&self, id: usize, name: &str) -> Result<Option<usize>, Malformed> {
        match self.doc.kind(id) {
            Kind::Object(members) => Ok(members.iter().find(|m| m.key.text == name).map(|m| m.value)),
            _ => Err(ANY),
        }
    }

    fn plain(&self, id: usize) -> Result<Vec<u8>, Malformed> {
        let node = self.doc.node(id);
        wire::wire_to_json(&self.data[node.start..node.end]).map_err(|_| ANY)
    }

    fn string(&self, id: usize) -> Result<String, Malformed> {
        match self.doc.kind(id) {
            Kind::String(s) => Ok(s.text.clone()),
            _ => Err(ANY),
        }
    }

    fn key_of(&self, id: usize) -> Result<String, Malformed> {
        let value = self.member(id, TABLE.key)?.ok_or(ANY)?;
        match self.doc.kind(value) {
            Kind::Object(members) if members.len() == 1 && members[0].key.text == "S" => self.string(members[0].value),
            _ => Err(ANY),
        }
    }

    fn got_item(&self) -> Result<Option<Vec<u8>>, Malformed> {
        self.member(self.doc.root, "Item")?.map(|item| self.plain(item)).transpose()
    }

    fn scanned(&self) -> Result<(Vec<Vec<u8>>, Option<String>), Malformed> {
        let root = self.doc.root;
        let items = match self.member(root, "Items")? {
            None => Vec::new(),
            Some(items) => match self.doc.kind(items) {
                Kind::Array(items) => items.iter().map(|&i| self.plain(i)).collect::<Result<_, _>>()?,
                _ => return Err(ANY),
            },
        };
        let last = self.member(root, "LastEvaluatedKey")?.map(|key| self.key_of(key)).transpose()?;
        Ok((items, last))
    }

    fn unprocessed(&self) -> Result<Vec<String>, Malformed> {
        let Some(tables) = self.member(self.doc.root, "UnprocessedItems")? else { return Ok(Vec::new()) };
        let Some(requests) = self.member(tables, TABLE.name)? else { return Ok(Vec::new()) };
        let Kind::Array(requests) = self.doc.kind(requests) else { return Err(ANY) };
        requests
            .iter()
            .map(|&request| {
                let put = self.member(request, "PutRequest")?.ok_or(ANY)?;
                let item = self.member(put, "Item")?.ok_or(ANY)?;
                self.key_of(item)
            })
            .collect()
    }

    fn service_error(&self) -> Result<(String, String, Option<Vec<u8>>), Malformed> {
        let root = self.doc.root;
        let text = |name| self.member(root, name)?.map(|id| self.string(id)).transpose();
        let kind = text("__type")?.ok_or(ANY)?;
        let code = kind.rsplit_once('#').map_or(kind.as_str(), |(_, code)| code).to_owned();
        let lower = text("message")?;
        let upper = text("Message")?;
        let message = lower.or(upper).unwrap_or_default();
        let item = self.member(root, "Item")?.map(|item| self.plain(item)).transpose()?;
        Ok((code, message, item))
    }
}

/// Any two `Malformed` answers are the same answer here.
trait Same {
    fn same(self) -> Self;
}

impl<T> Same for Result<T, Malformed> {
    fn same(self) -> Self {
        self.map_err(|_| ANY)
    }
}
